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
use std::rc::Rc;

use converse_shared::ContentBlock;
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

mod error;
pub mod host;
mod migrate;
mod records;
mod transfer;

pub use error::StorageError;
use error::fail;
use host as host_store;
use migrate::migrate;
pub use migrate::upgrade_v1;
pub use records::*;
pub use transfer::{EXPORT_FORMAT, ExportFile, parse_import};

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
mod tests;
