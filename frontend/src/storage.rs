//! Conversations in IndexedDB (through `rexie`), and small preferences in localStorage; in
//! the widget, both in the host page's storage instead ([`host_store`]).
//!
//! Layout (schema 2): the `threads` store holds one record per conversation
//! (`{ id, updatedAt, data }`, `data` the JSON of [`ConversationMeta`]); the `messages` store
//! one record per message (`{ key: "<conversation>/<id>", data }`, `data` the JSON of
//! [`StoredMessage`]), so saving a reply writes that reply, not the whole conversation, and one
//! damaged record costs one message, not the conversation. Schema 1 kept whole conversations
//! in `conversations`; they are moved on first open ([`migrate`]).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use converse_shared::{ContentBlock, Message, Role, StopReason, TokenUsage};
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::host_store;

const DB_NAME: &str = "converse-edge";
/// 3 added the `drafts` store (what the composer holds besides text).
const DB_VERSION: u32 = 3;
/// Schema 1: whole conversations, one record each. Read only to migrate.
const V1_STORE: &str = "conversations";
const THREADS: &str = "threads";
const MESSAGES: &str = "messages";
const DRAFTS: &str = "drafts";
/// The drafts record of the files waiting to go with the next message.
const PENDING: &str = "pending";
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

/// A storage failure, with a message for people.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageError(pub String);

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<JsValue> for StorageError {
    fn from(v: JsValue) -> Self {
        StorageError(v.as_string().unwrap_or_else(|| "browser storage failed".into()))
    }
}

fn fail(what: &str) -> impl Fn(rexie::Error) -> StorageError + '_ {
    move |e| {
        // rexie's own message is only "idb error"; the browser's reason is further down.
        let detail = std::error::Error::source(&e).map_or_else(|| e.to_string(), ToString::to_string);
        if format!("{e:?}").to_ascii_lowercase().contains("quota") {
            StorageError(format!("could not {what}: browser storage is full"))
        } else {
            StorageError(format!("could not {what}: {detail}"))
        }
    }
}

thread_local! {
    static DB: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
}

/// The database, opened (and upgraded) once per page.
async fn db() -> Result<Rc<Rexie>, StorageError> {
    if let Some(db) = DB.with_borrow(Clone::clone) {
        return Ok(db);
    }
    let db = Rexie::builder(DB_NAME)
        .version(DB_VERSION)
        .add_object_store(ObjectStore::new(V1_STORE).key_path("id"))
        .add_object_store(ObjectStore::new(THREADS).key_path("id"))
        .add_object_store(ObjectStore::new(MESSAGES).key_path("key"))
        .add_object_store(ObjectStore::new(DRAFTS).key_path("id"))
        .build()
        .await
        .map_err(fail("open browser storage"))?;
    let db = Rc::new(db);
    DB.with_borrow_mut(|slot| *slot = Some(db.clone()));
    Ok(db)
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadRecord {
    id: String,
    updated_at: f64,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct MessageRecord {
    key: String,
    data: String,
}

#[derive(Serialize)]
struct DraftRecord {
    id: String,
    data: String,
}

/// Keeps the files waiting to go with the next message, so a reload does not lose them.
pub async fn save_pending(blocks: &[ContentBlock]) -> Result<(), StorageError> {
    let what = "keep the attached files";
    let data = json(&blocks)?;
    if host_store::active() {
        return host_store::write(what, vec![(format!("d:{PENDING}"), data)], Vec::new(), Vec::new()).await;
    }
    let db = db().await?;
    let tx = db.transaction(&[DRAFTS], TransactionMode::ReadWrite).map_err(fail(what))?;
    let record = DraftRecord { id: PENDING.into(), data };
    tx.store(DRAFTS).map_err(fail(what))?.put(&to_js(&record)?, None).await.map_err(fail(what))?;
    tx.done().await.map_err(fail(what))?;
    Ok(())
}

/// The files that were waiting to go with the next message (none if they cannot be read).
pub async fn pending() -> Result<Vec<ContentBlock>, StorageError> {
    let what = "read the attached files";
    let data = if host_store::active() {
        host_store::get(what, &format!("d:{PENDING}")).await?.into_iter().next().map(|(_, data)| data)
    } else {
        let db = db().await?;
        let tx = db.transaction(&[DRAFTS], TransactionMode::ReadOnly).map_err(fail(what))?;
        let found = tx.store(DRAFTS).map_err(fail(what))?.get(PENDING.into()).await.map_err(fail(what))?;
        found.as_ref().and_then(data_of)
    };
    Ok(data.and_then(|data| serde_json::from_slice(data.as_bytes()).ok()).unwrap_or_default())
}

/// A record's `data` (the JSON text every store keeps), read straight from the JS object:
/// a long conversation has thousands, and a full conversion of each costs more than this.
fn data_of(record: &JsValue) -> Option<String> {
    js_sys::Reflect::get(record, &JsValue::from_str("data")).ok()?.as_string()
}

/// A message's key: its conversation, then its id zero-padded so keys sort by id.
pub fn message_key(conversation: &str, id: u64) -> String {
    format!("{conversation}/{id:016}")
}

/// The keys of every message of `conversation`.
fn message_range(conversation: &str) -> Result<KeyRange, StorageError> {
    KeyRange::bound(
        &JsValue::from_str(&format!("{conversation}/")),
        &JsValue::from_str(&format!("{conversation}/\u{ffff}")),
        Some(false),
        Some(false),
    )
    .map_err(|e| StorageError(e.to_string()))
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, StorageError> {
    serde_wasm_bindgen::to_value(value).map_err(|e| StorageError(e.to_string()))
}

fn json<T: Serialize>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError(e.to_string()))
}

/// What one write changes: a conversation's record, the messages that changed, and the
/// messages that are gone (by id).
#[derive(Debug, Default)]
pub struct Changes<'a> {
    /// The conversation's record.
    pub meta: Option<&'a ConversationMeta>,
    /// Messages to create or replace, with their JSON.
    pub put: Vec<(u64, String)>,
    /// Messages to delete.
    pub delete: Vec<u64>,
}

/// Writes `changes` to conversation `id` in one transaction: all of it, or nothing.
pub async fn save(id: &str, changes: Changes<'_>) -> Result<(), StorageError> {
    if host_store::active() {
        let mut put: Vec<(String, String)> = changes
            .put
            .into_iter()
            .map(|(message, data)| (format!("m:{}", message_key(id, message)), data))
            .collect();
        if let Some(meta) = changes.meta {
            put.push((format!("t:{}", meta.id), json(meta)?));
        }
        let delete = changes.delete.into_iter().map(|m| format!("m:{}", message_key(id, m))).collect();
        return host_store::write("save the conversation", put, delete, Vec::new()).await;
    }
    let db = db().await?;
    let what = "save the conversation";
    let tx = db.transaction(&[THREADS, MESSAGES], TransactionMode::ReadWrite).map_err(fail(what))?;
    if let Some(meta) = changes.meta {
        let record = ThreadRecord { id: meta.id.clone(), updated_at: meta.updated_at, data: json(meta)? };
        tx.store(THREADS).map_err(fail(what))?.put(&to_js(&record)?, None).await.map_err(fail(what))?;
    }
    let messages = tx.store(MESSAGES).map_err(fail(what))?;
    for (message, data) in changes.put {
        let record = MessageRecord { key: message_key(id, message), data };
        messages.put(&to_js(&record)?, None).await.map_err(fail(what))?;
    }
    for message in changes.delete {
        messages.delete(JsValue::from_str(&message_key(id, message))).await.map_err(fail(what))?;
    }
    tx.done().await.map_err(fail(what))?;
    Ok(())
}

/// The stored conversations, newest first, and how many records could not be read.
#[derive(Debug, Default)]
pub struct Listing {
    /// Conversations not deleted, most recently updated first.
    pub conversations: Vec<ConversationMeta>,
    /// Records that are damaged (skipped; the rest are listed).
    pub damaged: usize,
}

/// Lists the conversations. First moves schema-1 records to the current layout and purges
/// conversations deleted in an earlier visit (their Undo is over).
pub async fn list() -> Result<Listing, StorageError> {
    let mut listing = Listing::default();
    let what = "read conversations";
    let all: Vec<Option<String>> = if host_store::active() {
        host_store::get(what, "t:").await?.into_iter().map(|(_, data)| Some(data)).collect()
    } else {
        let db = db().await?;
        listing.damaged = migrate(&db).await?;
        let tx = db.transaction(&[THREADS], TransactionMode::ReadOnly).map_err(fail(what))?;
        let all = tx.store(THREADS).map_err(fail(what))?.get_all(None, None).await.map_err(fail(what))?;
        all.into_iter().map(|v| data_of(&v)).collect()
    };
    let mut purge = Vec::new();
    for data in all {
        let meta = data.and_then(|data| serde_json::from_slice::<ConversationMeta>(data.as_bytes()).ok());
        match meta {
            None => listing.damaged += 1,
            Some(meta) if meta.deleted_at.is_some() => purge.push(meta.id),
            Some(meta) => listing.conversations.push(meta),
        }
    }
    for id in purge {
        delete(&id).await?;
    }
    listing.conversations.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
    Ok(listing)
}

/// Moves schema-1 conversations into the current layout, each in one transaction. Returns how
/// many could not be read (they are left where they are, so nothing is lost).
async fn migrate(db: &Rexie) -> Result<usize, StorageError> {
    let what = "upgrade stored conversations";
    let tx = db.transaction(&[V1_STORE], TransactionMode::ReadOnly).map_err(fail(what))?;
    let old = tx.store(V1_STORE).map_err(fail(what))?.get_all(None, None).await.map_err(fail(what))?;
    drop(tx);
    let mut damaged = 0;
    for value in old {
        let Some(conversation) =
            serde_wasm_bindgen::from_value::<ThreadRecord>(value).ok().and_then(|r| upgrade_v1(&r.data).ok())
        else {
            damaged += 1;
            continue;
        };
        let tx =
            db.transaction(&[V1_STORE, THREADS, MESSAGES], TransactionMode::ReadWrite).map_err(fail(what))?;
        let meta = &conversation.meta;
        let record = ThreadRecord { id: meta.id.clone(), updated_at: meta.updated_at, data: json(meta)? };
        tx.store(THREADS).map_err(fail(what))?.put(&to_js(&record)?, None).await.map_err(fail(what))?;
        let messages = tx.store(MESSAGES).map_err(fail(what))?;
        for message in &conversation.messages {
            let record = MessageRecord { key: message_key(&meta.id, message.id), data: json(message)? };
            messages.put(&to_js(&record)?, None).await.map_err(fail(what))?;
        }
        tx.store(V1_STORE)
            .map_err(fail(what))?
            .delete(JsValue::from_str(&meta.id))
            .await
            .map_err(fail(what))?;
        tx.done().await.map_err(fail(what))?;
    }
    Ok(damaged)
}

/// A schema-1 conversation (one JSON document) in the current layout.
pub fn upgrade_v1(data: &str) -> Result<StoredConversation, StorageError> {
    let mut conversation: StoredConversation = serde_json::from_slice(data.as_bytes())
        .map_err(|e| StorageError(format!("a stored conversation is damaged: {e}")))?;
    if conversation.meta.schema_version != 1 {
        return Err(StorageError(format!(
            "a stored conversation has schema {}, expected 1",
            conversation.meta.schema_version
        )));
    }
    conversation.meta.schema_version = SCHEMA_VERSION;
    Ok(conversation)
}

/// A conversation's messages, oldest first, and how many of its records are damaged.
pub async fn messages(id: &str) -> Result<(Vec<StoredMessage>, usize), StorageError> {
    let (messages, damaged) = messages_as_stored(id).await?;
    Ok((messages.into_iter().map(|(m, _)| m).collect(), damaged))
}

/// A conversation's messages, each with the JSON it is stored as (so that loading does not
/// serialise them again to know what changed later), and how many records are damaged.
pub async fn messages_as_stored(id: &str) -> Result<(Vec<(StoredMessage, String)>, usize), StorageError> {
    let what = "read the conversation";
    let all: Vec<Option<String>> = if host_store::active() {
        host_store::get(what, &format!("m:{id}/")).await?.into_iter().map(|(_, data)| Some(data)).collect()
    } else {
        let db = db().await?;
        let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly).map_err(fail(what))?;
        let all = tx
            .store(MESSAGES)
            .map_err(fail(what))?
            .get_all(Some(message_range(id)?), None)
            .await
            .map_err(fail(what))?;
        all.into_iter().map(|v| data_of(&v)).collect()
    };
    let mut damaged = 0;
    let mut messages = Vec::with_capacity(all.len());
    for data in all {
        match data
            .and_then(|data| serde_json::from_slice::<StoredMessage>(data.as_bytes()).ok().map(|m| (m, data)))
        {
            Some(message) => messages.push(message),
            None => damaged += 1,
        }
    }
    Ok((messages, damaged))
}

/// Deletes a conversation and its messages for good.
pub async fn delete(id: &str) -> Result<(), StorageError> {
    if host_store::active() {
        let what = "delete the conversation";
        return host_store::write(what, Vec::new(), vec![format!("t:{id}")], vec![format!("m:{id}/")]).await;
    }
    let db = db().await?;
    let what = "delete the conversation";
    let tx = db.transaction(&[THREADS, MESSAGES], TransactionMode::ReadWrite).map_err(fail(what))?;
    tx.store(THREADS).map_err(fail(what))?.delete(JsValue::from_str(id)).await.map_err(fail(what))?;
    tx.store(MESSAGES).map_err(fail(what))?.delete(message_range(id)?.into()).await.map_err(fail(what))?;
    tx.done().await.map_err(fail(what))?;
    Ok(())
}

/// The ids of conversations with a message containing `query` (case-insensitive).
pub async fn search_text(query: &str) -> Result<std::collections::BTreeSet<String>, StorageError> {
    let what = "search conversations";
    let all: Vec<MessageRecord> = if host_store::active() {
        let found = host_store::get(what, "m:").await?;
        found
            .into_iter()
            .map(|(key, data)| MessageRecord { key: key["m:".len()..].to_owned(), data })
            .collect()
    } else {
        let db = db().await?;
        let tx = db.transaction(&[MESSAGES], TransactionMode::ReadOnly).map_err(fail(what))?;
        let all = tx.store(MESSAGES).map_err(fail(what))?.get_all(None, None).await.map_err(fail(what))?;
        all.into_iter().filter_map(|v| serde_wasm_bindgen::from_value::<MessageRecord>(v).ok()).collect()
    };
    let query = query.to_lowercase();
    let mut hits = std::collections::BTreeSet::new();
    for record in all {
        let Some((conversation, _)) = record.key.rsplit_once('/') else { continue };
        if hits.contains(conversation) {
            continue;
        }
        if let Ok(message) = serde_json::from_slice::<StoredMessage>(record.data.as_bytes())
            && message.message.joined_text().to_lowercase().contains(&query)
        {
            hits.insert(conversation.to_owned());
        }
    }
    Ok(hits)
}

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

/// A small preference from localStorage.
pub fn preference(key: &str) -> Option<String> {
    if host_store::active() {
        return host_store::preference(key);
    }
    web_sys::window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Stores a small preference in localStorage (best effort: a full or blocked storage is ignored).
pub fn set_preference(key: &str, value: &str) {
    if host_store::active() {
        return host_store::set_preference(key, value);
    }
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"schemaVersion":1,"id":"c-1","title":"Hello","modelId":"m","createdAt":1.0,"updatedAt":2.0,
        "messages":[{"id":1,"message":{"role":"user","content":[{"text":"Hello there"}]},"status":"complete"},
                    {"id":2,"message":{"role":"assistant","content":[{"text":"Hi"}]},"status":"streaming",
                     "usage":{"inputTokens":3,"outputTokens":1,"totalTokens":4}}],
        "toolSettings":{"calculator":{"enabled":false,"ask":true}},"toolChoice":"any"}"#;

    #[test]
    fn schema_1_conversations_upgrade_with_everything_they_had() {
        let upgraded = upgrade_v1(V1).unwrap();
        assert_eq!(upgraded.meta.schema_version, SCHEMA_VERSION);
        assert_eq!(upgraded.meta.title, "Hello");
        assert!(!upgraded.meta.title_edited);
        assert_eq!(upgraded.meta.tool_choice.as_deref(), Some("any"));
        assert_eq!(upgraded.meta.tool_settings["calculator"], ToolSetting { enabled: false, ask: true });
        assert_eq!(upgraded.messages.len(), 2);
        assert_eq!(upgraded.messages[1].status, MessageStatus::Streaming);
        assert_eq!(upgraded.messages[1].usage.as_ref().map(|u| u.total_tokens), Some(4));
        // What is written back reads as the current layout.
        let meta: ConversationMeta =
            serde_json::from_slice(serde_json::to_string(&upgraded.meta).unwrap().as_bytes()).unwrap();
        assert_eq!(meta, upgraded.meta);
    }

    #[test]
    fn settings_default_when_absent_and_check_their_json() {
        let upgraded = upgrade_v1(V1).unwrap();
        assert_eq!(upgraded.meta.settings, Settings::default());
        let mut settings = Settings { additional_fields: "{\"top_k\": 5}".into(), ..Settings::default() };
        assert_eq!(settings.additional_fields().unwrap(), Some(serde_json::json!({"top_k": 5})));
        settings.additional_fields = "[1]".into();
        assert!(settings.additional_fields().unwrap_err().contains("JSON object"));
        settings.additional_fields = "{top_k: 5}".into();
        assert!(settings.additional_fields().unwrap_err().contains("not valid JSON"));
    }

    #[test]
    fn an_export_reads_back_and_a_bad_file_names_its_problem() {
        let conversation = upgrade_v1(V1).unwrap();
        let file = serde_json::to_string(&ExportFile::new(vec![conversation.clone()])).unwrap();
        assert_eq!(parse_import(&file).unwrap(), vec![conversation.clone()]);
        assert!(parse_import("{").unwrap_err().starts_with("this is not a conversations file"));
        assert!(
            parse_import(&file.replace(EXPORT_FORMAT, "other")).unwrap_err().contains("not \"converse-edge")
        );
        let mut twice = conversation.clone();
        twice.messages[1].id = 1;
        let file = serde_json::to_string(&ExportFile::new(vec![conversation, twice])).unwrap();
        assert_eq!(
            parse_import(&file).unwrap_err(),
            "conversations[1].messages[1]: message id 1 appears twice"
        );
    }

    #[test]
    fn damaged_or_unknown_records_are_refused_not_guessed() {
        assert!(upgrade_v1("{\"schemaVersion\":1,").is_err());
        assert!(upgrade_v1(&V1.replace("\"schemaVersion\":1", "\"schemaVersion\":7")).is_err());
    }

    #[test]
    fn message_keys_sort_by_id_within_their_conversation() {
        let mut keys = vec![message_key("c-1", 10), message_key("c-1", 9), message_key("c-1", 100)];
        keys.sort();
        assert_eq!(keys, [message_key("c-1", 9), message_key("c-1", 10), message_key("c-1", 100)]);
        assert!(message_key("c-1", u64::MAX).as_str() < "c-1/\u{ffff}");
    }

    #[test]
    fn titles_come_from_the_first_thing_the_person_wrote() {
        let message = |role, text: &str| StoredMessage {
            id: 1,
            message: Message {
                role,
                content: vec![converse_shared::ContentBlock::Text(text.into())],
                extra: Default::default(),
            },
            status: MessageStatus::Complete,
            error: None,
            usage: None,
            stop_reason: None,
            timing: None,
        };
        assert_eq!(derive_title(&[]), "New conversation");
        assert_eq!(derive_title(&[message(Role::User, "  What is\n the  time? ")]), "What is the time?");
        let long = derive_title(&[message(Role::User, &"word ".repeat(30))]);
        assert_eq!(long.chars().count(), 60);
        assert!(long.ends_with('…'));
    }
}
