use serde_json::Value;

use super::open_enum::open_enum;
use super::{
    AudioBlock, CachePointBlock, CitationsContentBlock, DocumentBlock, Extra, GuardrailConverseContentBlock,
    ImageBlock, ReasoningContentBlock, SearchResultBlock, ToolAdditionBlock, ToolRemovalBlock,
    ToolResultBlock, ToolUseBlock, VideoBlock,
};

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

wire_struct! {
    /// One turn of the conversation (`Message`).
    pub struct Message {
        /// Who wrote it.
        role: Role,
        /// Its content blocks, in order.
        content: Vec<ContentBlock>,
    }
}

impl Message {
    /// A message made of one text block.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Self { role, content: vec![ContentBlock::Text(text.into())], extra: Extra::new() }
    }

    /// The text of all text blocks, joined with blank lines. A reply with citations is one
    /// text cut into cited and uncited parts: its parts are joined as they came.
    pub fn joined_text(&self) -> String {
        let cited = self.content.iter().any(|b| matches!(b, ContentBlock::CitationsContent(_)));
        let texts: Vec<String> = self
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::CitationsContent(c) => Some(c.text()),
                other => other.as_text().map(str::to_owned),
            })
            .collect();
        texts.join(if cited { "" } else { "\n\n" })
    }
}

open_union! {
    /// A block of a message's content (`ContentBlock`).
    pub enum ContentBlock {
        /// Plain text.
        Text(String) = "text",
        /// An image (user messages; models that generate images return them too).
        Image(ImageBlock) = "image",
        /// A document (user messages).
        Document(DocumentBlock) = "document",
        /// A video.
        Video(VideoBlock) = "video",
        /// Audio.
        Audio(AudioBlock) = "audio",
        /// The model asks for a tool to run (assistant messages).
        ToolUse(ToolUseBlock) = "toolUse",
        /// A tool's answer (user messages, or server tools' results).
        ToolResult(ToolResultBlock) = "toolResult",
        /// Content a guardrail should evaluate.
        GuardContent(GuardrailConverseContentBlock) = "guardContent",
        /// A prompt-cache checkpoint.
        CachePoint(CachePointBlock) = "cachePoint",
        /// The model's reasoning.
        ReasoningContent(ReasoningContentBlock) = "reasoningContent",
        /// Generated text with citations of its sources.
        CitationsContent(CitationsContentBlock) = "citationsContent",
        /// A search result given to the model to cite.
        SearchResult(SearchResultBlock) = "searchResult",
        /// A tool added in the middle of a conversation.
        ToolAddition(ToolAdditionBlock) = "toolAddition",
        /// A tool removed in the middle of a conversation.
        ToolRemoval(ToolRemovalBlock) = "toolRemoval",
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
        /// Content a guardrail should evaluate.
        GuardContent(GuardrailConverseContentBlock) = "guardContent",
        /// A prompt-cache checkpoint.
        CachePoint(CachePointBlock) = "cachePoint",
    }
}

/// A free-form JSON document (Smithy `document`): tool input, model-specific fields.
pub type Document = Value;
