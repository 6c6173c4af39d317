use serde::{Deserialize, Serialize};

use super::Extra;
use super::open_enum::open_enum;

open_enum! {
    /// Who wrote a message (`ConversationRole`).
    pub enum Role {
        /// The person (or the application on their behalf, e.g. tool results).
        User = "user",
        /// The model.
        Assistant = "assistant",
        /// A system turn (listed in the model; Converse takes system prompts in `system`).
        System = "system",
    }
}

/// One turn of the conversation (`Message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its content blocks, in order.
    pub content: Vec<ContentBlock>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    /// A message made of one text block.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Self { role, content: vec![ContentBlock::Text(text.into())], extra: Extra::new() }
    }

    /// The text of all text blocks, joined with blank lines.
    pub fn joined_text(&self) -> String {
        let texts: Vec<&str> = self.content.iter().filter_map(ContentBlock::as_text).collect();
        texts.join("\n\n")
    }
}

open_union! {
    /// A block of a message's content (`ContentBlock`).
    pub enum ContentBlock {
        /// Plain text.
        Text(String) = "text",
    }
}

impl ContentBlock {
    /// The text, if this is a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }
}

open_union! {
    /// A block of the system prompt (`SystemContentBlock`).
    pub enum SystemContentBlock {
        /// Plain text.
        Text(String) = "text",
    }
}
