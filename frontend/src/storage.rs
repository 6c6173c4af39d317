//! Conversations in IndexedDB (through `rexie`), and small preferences in localStorage.
//!
//! One record per conversation: `{ id, updatedAt, data }`, where `data` is the JSON of
//! [`StoredConversation`]. Its `schemaVersion` lets later versions migrate old records.

use converse_shared::{Message, TokenUsage};
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

const DB_NAME: &str = "converse-edge";
const DB_VERSION: u32 = 1;
const STORE: &str = "conversations";
/// The version of [`StoredConversation`]'s layout.
pub const SCHEMA_VERSION: u32 = 1;

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
}

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredConversation {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Unique id.
    pub id: String,
    /// Shown in lists.
    pub title: String,
    /// The model it talks to.
    pub model_id: String,
    /// Milliseconds since the epoch.
    pub created_at: f64,
    /// Milliseconds since the epoch.
    pub updated_at: f64,
    /// Its messages, oldest first.
    pub messages: Vec<StoredMessage>,
    /// Tools switched off or set to ask first, by name (absent: on, runs at once).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tool_settings: std::collections::BTreeMap<String, ToolSetting>,
    /// `"any"`, or a tool's name, to make the model use a tool; absent: the model decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
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

/// A storage failure, with a message for people.
#[derive(Debug, Clone)]
pub struct StorageError(pub String);

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail(what: &str) -> impl Fn(rexie::Error) -> StorageError + '_ {
    move |e| StorageError(format!("could not {what}: {e}"))
}

async fn open() -> Result<Rexie, StorageError> {
    Rexie::builder(DB_NAME)
        .version(DB_VERSION)
        .add_object_store(ObjectStore::new(STORE).key_path("id"))
        .build()
        .await
        .map_err(fail("open browser storage"))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    id: String,
    updated_at: f64,
    data: String,
}

/// Saves (creates or replaces) a conversation.
pub async fn save(conversation: &StoredConversation) -> Result<(), StorageError> {
    let db = open().await?;
    let record = Record {
        id: conversation.id.clone(),
        updated_at: conversation.updated_at,
        data: serde_json::to_string(conversation).map_err(|e| StorageError(e.to_string()))?,
    };
    let value = serde_wasm_bindgen::to_value(&record).map_err(|e| StorageError(e.to_string()))?;
    let tx = db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(fail("save the conversation"))?;
    let store = tx.store(STORE).map_err(fail("save the conversation"))?;
    store.put(&value, None).await.map_err(fail("save the conversation"))?;
    tx.done().await.map_err(fail("save the conversation"))?;
    db.close();
    Ok(())
}

/// The most recently updated conversation, if any.
pub async fn latest() -> Result<Option<StoredConversation>, StorageError> {
    let db = open().await?;
    let tx = db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(fail("read conversations"))?;
    let store = tx.store(STORE).map_err(fail("read conversations"))?;
    let all = store.get_all(None, None).await.map_err(fail("read conversations"))?;
    db.close();
    let mut best: Option<Record> = None;
    for value in all {
        let Ok(record) = serde_wasm_bindgen::from_value::<Record>(value) else { continue };
        if best.as_ref().is_none_or(|b| record.updated_at > b.updated_at) {
            best = Some(record);
        }
    }
    best.map(|r| {
        serde_json::from_str(&r.data)
            .map_err(|e| StorageError(format!("a stored conversation is damaged: {e}")))
    })
    .transpose()
}

/// A small preference from localStorage.
pub fn preference(key: &str) -> Option<String> {
    web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Stores a small preference in localStorage (best effort: a full or blocked storage is ignored).
pub fn set_preference(key: &str, value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl From<JsValue> for StorageError {
    fn from(v: JsValue) -> Self {
        StorageError(v.as_string().unwrap_or_else(|| "browser storage failed".into()))
    }
}
