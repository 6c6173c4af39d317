//! What is stored: a conversation's record, its messages, its settings, and the layout's
//! version.

use std::collections::BTreeMap;

use converse_shared::{Message, Role, StopReason, TokenUsage};
use serde::{Deserialize, Serialize};

/// The version of the stored layout ([`ConversationMeta::schema_version`]).
pub const SCHEMA_VERSION: u32 = 2;

/// How a stored message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MessageStatus {
    /// Written by the user, or a reply that finished.
    Complete,
    /// A reply still arriving (only ever seen if the page closed mid-reply).
    Streaming,
    /// A reply the user stopped; its text is what had arrived.
    Stopped,
    /// A reply that was arriving when the page closed; its text is what had arrived.
    Interrupted,
    /// A reply that failed; `error` says why.
    Error,
}

/// One message as stored: Bedrock's own message plus what the page knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    /// Unique within its conversation.
    pub id: u64,
    /// Bedrock's message (role and content blocks).
    pub message: Message,
    /// How it ended.
    pub status: MessageStatus,
    /// The error shown for a failed reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Tokens used by a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Why a reply ended (`max_tokens` offers Continue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<StopReason>,
    /// How long a reply took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
}

/// How long a reply took, as the page saw it (and as Bedrock reported it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// From sending to the first streamed content, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_token_ms: Option<f64>,
    /// From sending to the end of the stream, in milliseconds.
    pub total_ms: f64,
    /// Bedrock's `metrics.latencyMs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
}

/// A conversation's own record: everything but its messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationMeta {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Unique id.
    pub id: String,
    /// Shown in lists: the first message's start, until the person renames it.
    pub title: String,
    /// The person chose the title (it no longer follows the first message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub title_edited: bool,
    /// The model it talks to.
    pub model_id: String,
    /// Milliseconds since the epoch.
    pub created_at: f64,
    /// Milliseconds since the epoch.
    pub updated_at: f64,
    /// Tools switched off or set to ask first, by name (absent: on, runs at once).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tool_settings: BTreeMap<String, ToolSetting>,
    /// `"any"`, or a tool's name, to make the model use a tool; absent: the model decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
    /// How requests are made: system prompt, inference parameters, model-specific fields.
    #[serde(default)]
    pub settings: Settings,
    /// A summary that stands in for the oldest messages in requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// A context budget learned from Bedrock refusing a request as too long (tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_budget: Option<u32>,
    /// Deleted, and kept only so that Undo can bring it back (purged on the next start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<f64>,
}

/// The model's summary of a conversation's oldest messages, sent instead of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The last message it covers (by id).
    pub through: u64,
    /// The summary.
    pub text: String,
}

/// A whole conversation: how schema 1 stored it, and how export and import carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredConversation {
    /// Everything but the messages.
    #[serde(flatten)]
    pub meta: ConversationMeta,
    /// Its messages, oldest first.
    pub messages: Vec<StoredMessage>,
}

/// A conversation's request settings (new conversations start from the saved defaults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The system prompt (empty: none).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub system_prompt: String,
    /// `inferenceConfig.temperature` (absent: the model's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// `inferenceConfig.topP`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// `inferenceConfig.maxTokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// `inferenceConfig.stopSequences`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// `additionalModelRequestFields` as the person typed it (JSON; empty: none).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub additional_fields: String,
    /// What to do when the conversation outgrows the model's context window.
    pub context: ContextStrategy,
    /// Extended thinking's budget in tokens, where the model offers it (absent: off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_budget: Option<u32>,
}

/// How a conversation is kept inside the model's context window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContextStrategy {
    /// Leave the oldest turns out of the request.
    #[default]
    Prune,
    /// Replace the oldest turns with a summary written by the model.
    Summarise,
}

impl Settings {
    /// The model-specific fields as JSON, if any; an error says what is wrong with them.
    pub fn additional_fields(&self) -> Result<Option<serde_json::Value>, String> {
        if self.additional_fields.trim().is_empty() {
            return Ok(None);
        }
        match serde_json::from_slice::<serde_json::Value>(self.additional_fields.as_bytes()) {
            Ok(value) if value.is_object() => Ok(Some(value)),
            Ok(_) => Err("model-specific fields must be a JSON object, like {\"top_k\": 50}".into()),
            Err(e) => Err(format!("model-specific fields are not valid JSON: {e}")),
        }
    }
}

/// How a tool may be used in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSetting {
    /// Offered to the model.
    pub enabled: bool,
    /// Each call waits for the person's Run or Skip.
    pub ask: bool,
}

impl Default for ToolSetting {
    fn default() -> Self {
        Self { enabled: true, ask: false }
    }
}

/// A conversation's title from its first message written by the person.
pub fn derive_title(messages: &[StoredMessage]) -> String {
    let first = messages
        .iter()
        .filter(|m| m.message.role == Role::User)
        .map(|m| m.message.joined_text())
        .find(|t| !t.trim().is_empty());
    match first {
        None => "New conversation".to_owned(),
        Some(text) => {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if flat.chars().count() <= 60 {
                flat
            } else {
                let mut short: String = flat.chars().take(59).collect();
                short.push('…');
                short
            }
        }
    }
}
