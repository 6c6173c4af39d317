//! The export file: conversations in Bedrock's message format with the page's own record of
//! each, and its checks before an import writes anything.

use converse_shared::Role;
use serde::{Deserialize, Serialize};

use super::{SCHEMA_VERSION, StoredConversation};

/// What export writes and import reads: conversations in Bedrock's message format, with the
/// page's own record of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// The layout version ([`SCHEMA_VERSION`]).
    pub version: u32,
    /// The conversations.
    pub conversations: Vec<StoredConversation>,
}

/// What an export file says it is.
pub const EXPORT_FORMAT: &str = "converse-edge.conversations";

impl ExportFile {
    /// An export of `conversations`.
    pub fn new(conversations: Vec<StoredConversation>) -> Self {
        Self { format: EXPORT_FORMAT.into(), version: SCHEMA_VERSION, conversations }
    }
}

/// Reads an export file, checking all of it before anything is imported: the error names
/// the first problem, and nothing is written if there is one.
pub fn parse_import(text: &str) -> Result<Vec<StoredConversation>, String> {
    let file: ExportFile = serde_json::from_slice(text.as_bytes())
        .map_err(|e| format!("this is not a conversations file: {e}"))?;
    if file.format != EXPORT_FORMAT {
        return Err(format!("this file is {:?}, not {EXPORT_FORMAT:?}", file.format));
    }
    if file.version > SCHEMA_VERSION {
        return Err(format!(
            "this file is version {}, newer than this page ({SCHEMA_VERSION})",
            file.version
        ));
    }
    for (i, conversation) in file.conversations.iter().enumerate() {
        let at = format!("conversations[{i}]");
        if conversation.meta.id.trim().is_empty() {
            return Err(format!("{at}: it has no id"));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (j, message) in conversation.messages.iter().enumerate() {
            if !ids.insert(message.id) {
                return Err(format!("{at}.messages[{j}]: message id {} appears twice", message.id));
            }
            if !matches!(message.message.role, Role::User | Role::Assistant) {
                return Err(format!(
                    "{at}.messages[{j}]: role {} is not user or assistant",
                    message.message.role
                ));
            }
        }
    }
    Ok(file.conversations)
}
