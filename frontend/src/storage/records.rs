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
    /// The service tier that served a reply, as Bedrock said (`serviceTier.type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// When it was written (a reply: when it was asked for), in milliseconds since the epoch;
    /// absent in messages kept before times were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<f64>,
    /// The other versions of the conversation from this message on, where it was
    /// regenerated or edited.
    #[serde(default, skip_serializing_if = "Versions::is_empty")]
    pub versions: Versions,
}

/// The versions of a conversation from one message on: each regenerated reply, each edited
/// message, with what followed it. Kept on the message where they part (the shown version's
/// first message), so the conversation stays one list of turns and every version, with the
/// versions inside it, is saved and exported with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Versions {
    /// The other versions, oldest first: each the messages from this one to the end.
    pub others: Vec<Vec<StoredMessage>>,
    /// Where the shown version stands among all of them (0-based, oldest first).
    pub shown: usize,
}

impl Versions {
    /// Whether there is no other version.
    pub fn is_empty(&self) -> bool {
        self.others.is_empty()
    }

    /// How many versions there are, the shown one included.
    pub fn count(&self) -> usize {
        self.others.len() + 1
    }

    /// The versions once `tail` (the messages from here to the end, its first carrying the
    /// versions so far) gives way to a new version, which is shown, as the newest.
    pub fn superseded(mut tail: Vec<StoredMessage>) -> Self {
        let Some(first) = tail.first_mut() else { return Self::default() };
        let mut versions = std::mem::take(&mut first.versions);
        let at = versions.shown.min(versions.others.len());
        versions.others.insert(at, tail);
        versions.shown = versions.others.len();
        versions
    }

    /// The messages of version `k` in place of `tail` (the shown version, its first message
    /// carrying the versions), which joins the others; `None` if `k` is the shown version or
    /// there is no such version.
    pub fn switch(mut tail: Vec<StoredMessage>, k: usize) -> Option<Vec<StoredMessage>> {
        let first = tail.first_mut()?;
        let mut versions = std::mem::take(&mut first.versions);
        if k == versions.shown || k > versions.others.len() {
            first.versions = versions;
            return None;
        }
        let at = versions.shown.min(versions.others.len());
        versions.others.insert(at, tail);
        let mut chosen = versions.others.remove(k);
        versions.shown = k;
        chosen.first_mut()?.versions = versions;
        Some(chosen)
    }
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
    /// The model named it after its first reply: the title no longer follows the first message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub title_generated: bool,
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
    /// The JSON schema replies must follow (`outputConfig.textFormat`), as the person wrote it
    /// (empty: free text). Sent only to models with structured output.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reply_schema: String,
    /// The effort level to ask for (`outputConfig.effort`; absent: the model's default),
    /// sent only to models that take that level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// How long prompt-cache checkpoints keep the conversation (`5m`, `1h`; absent: no
    /// caching), sent only to models that take that lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache: Option<String>,
    /// The service tier to ask for (`serviceTier.type`; absent: none named, Bedrock's standard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// The guardrail to apply (`guardrailConfig.guardrailIdentifier`; empty: none), where the
    /// relay enforces none of its own.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub guardrail_id: String,
    /// Its version (`guardrailConfig.guardrailVersion`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub guardrail_version: String,
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

    /// The guardrail as `(id, version)`, if one is set; an error says what is wrong with it.
    pub fn guardrail(&self) -> Result<Option<(&str, &str)>, String> {
        let (id, version) = (self.guardrail_id.trim(), self.guardrail_version.trim());
        if id.is_empty() && version.is_empty() {
            return Ok(None);
        }
        match converse_shared::validate::guardrail_problem(id, version) {
            Some(problem) => Err(problem.to_owned()),
            None => Ok(Some((id, version))),
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
        Some(text) => shortened(&text.split_whitespace().collect::<Vec<_>>().join(" ")),
    }
}

/// A title a model wrote, as the list shows it: its first line, without a "Title:" label,
/// quotes, Markdown marks or a closing full stop, at most 60 characters; `None` if nothing
/// is left.
pub fn clean_title(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line =
        ["Title:", "title:", "TITLE:"].iter().find_map(|label| line.strip_prefix(label)).unwrap_or(line);
    let bare = line.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '«' | '»' | '*' | '_' | '#' | '`' | '.')
    });
    let flat = bare.split_whitespace().collect::<Vec<_>>().join(" ");
    (!flat.is_empty()).then(|| shortened(&flat))
}

/// `text` cut to 60 characters, an ellipsis saying so.
fn shortened(text: &str) -> String {
    if text.chars().count() <= 60 {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(59).collect();
    short.push('…');
    short
}
