//! Schema 1 (one record per whole conversation, in `conversations`) moved to the current
//! layout on first open.

use rexie::{Rexie, TransactionMode};
use wasm_bindgen::JsValue;

use super::error::fail;
use super::{
    MESSAGES, MessageRecord, SCHEMA_VERSION, StorageError, StoredConversation, THREADS, ThreadRecord,
    V1_STORE, json, message_key, to_js,
};

/// Moves schema-1 conversations into the current layout, each in one transaction. Returns how
/// many could not be read (they are left where they are, so nothing is lost).
pub(super) async fn migrate(db: &Rexie) -> Result<usize, StorageError> {
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
