//! The stored conversations as a library: opening one, search, rename, delete with Undo,
//! export and import.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::state::conversation::{Conversation, new_meta};
use crate::state::list::ConversationList;
use crate::state::notices::Notices;
use crate::storage::{self, Changes, ConversationMeta};

/// The library, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Library {
    /// Every stored conversation, most recently updated first (the sidebar).
    pub list: ConversationList,
    /// A conversation just deleted, which Undo brings back.
    pub deleted: RwSignal<Option<ConversationMeta>>,
    /// What the sidebar's search box holds.
    pub search: RwSignal<String>,
    /// Conversations whose messages match the search (titles are matched on the page).
    pub search_hits: RwSignal<BTreeSet<String>>,
    /// What the last import did.
    pub import_note: RwSignal<Option<String>>,
    /// Whether the conversation deleted last was the open one.
    deleted_was_open: StoredValue<bool>,
    conversation: Conversation,
    notices: Notices,
}

impl Library {
    /// The library of `conversation`'s list.
    pub fn new(conversation: Conversation) -> Self {
        Self {
            list: conversation.list,
            deleted: RwSignal::new(None),
            search: RwSignal::new(String::new()),
            search_hits: RwSignal::new(BTreeSet::new()),
            import_note: RwSignal::new(None),
            deleted_was_open: StoredValue::new(false),
            notices: conversation.notices,
            conversation,
        }
    }

    /// Opens a stored conversation (a reply still arriving in the current one is stopped and
    /// kept).
    pub fn open(self, id: String) {
        let conversation = self.conversation;
        if conversation.is_open(&id) {
            return;
        }
        let Some(meta) = self.list.find(&id) else { return };
        conversation.running.stop();
        leptos::task::spawn_local(async move {
            conversation.persist().await;
            conversation.load(meta).await;
        });
    }

    /// Renames a conversation (it keeps that title from then on).
    pub fn rename(self, id: &str, title: String) {
        let title = title.trim().to_owned();
        if title.is_empty() {
            return;
        }
        let conversation = self.conversation;
        if conversation.is_open(id) {
            conversation.meta.update_value(|m| {
                m.title = title.clone();
                m.title_edited = true;
            });
            self.list.rows.update(|all| {
                if let Some(c) = all.iter_mut().find(|c| c.id == id) {
                    c.title.clone_from(&title);
                }
            });
            leptos::task::spawn_local(async move { conversation.persist().await });
            return;
        }
        let Some(mut meta) = self.list.find(id) else { return };
        meta.title = title;
        meta.title_edited = true;
        leptos::task::spawn_local(async move { self.save_meta(meta).await });
    }

    /// Deletes a conversation; Undo brings it back until the next one is deleted or the page
    /// is left.
    pub fn delete(self, id: &str) {
        let Some(mut meta) = self.list.find(id) else { return };
        let was_open = self.conversation.is_open(&meta.id);
        if was_open {
            self.conversation.new_conversation();
        }
        self.deleted_was_open.set_value(was_open);
        meta.deleted_at = Some(storage::now_ms());
        self.deleted.set(Some(meta.clone()));
        leptos::task::spawn_local(async move { self.save_meta(meta).await });
    }

    /// Brings back the conversation deleted last, where it was: open again if it was open.
    pub fn undo_delete(self) {
        let Some(mut meta) = self.deleted.get_untracked() else { return };
        self.deleted.set(None);
        meta.deleted_at = None;
        let id = meta.id.clone();
        self.list.put(meta.clone());
        leptos::task::spawn_local(async move { self.save_meta(meta).await });
        if self.deleted_was_open.get_value() {
            self.open(id);
        }
    }

    /// Updates the list at once, and saves a conversation's record (not the open one's).
    async fn save_meta(self, meta: ConversationMeta) {
        self.list.put(meta.clone());
        let result = storage::save(&meta.id, Changes { meta: Some(&meta), ..Changes::default() }).await;
        self.notices.report(result);
    }

    /// Looks for `query` in titles (on the page) and in every message (in storage).
    pub fn set_search(self, query: String) {
        self.search.set(query.clone());
        if query.trim().is_empty() {
            self.search_hits.set(BTreeSet::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let hits = storage::search_text(query.trim()).await.unwrap_or_default();
            // Only the answer to the latest query counts.
            if self.search.get_untracked() == query {
                self.search_hits.set(hits);
            }
        });
    }

    /// Downloads the open conversation (`all`: every conversation) as a JSON file.
    pub fn export(self, all: bool) {
        let conversation = self.conversation;
        leptos::task::spawn_local(async move {
            conversation.persist().await;
            let current = conversation.current_id();
            let metas: Vec<ConversationMeta> = self
                .list
                .rows
                .with_untracked(|rows| rows.iter().filter(|c| all || c.id == current).cloned().collect());
            let mut conversations = Vec::new();
            for meta in metas {
                match storage::messages(&meta.id).await {
                    Ok((messages, _)) => conversations.push(storage::StoredConversation { meta, messages }),
                    Err(e) => return self.notices.storage_error.set(Some(e.to_string())),
                }
            }
            let name = match all {
                true => "conversations".to_owned(),
                false => file_name(&conversation.meta.with_value(|m| m.title.clone())),
            };
            match serde_json::to_string(&storage::ExportFile::new(conversations)) {
                Ok(json) => crate::attach::download(&format!("{name}.json"), &indented(&json)),
                Err(e) => self.notices.storage_error.set(Some(e.to_string())),
            }
        });
    }

    /// Imports conversations from an export file. The whole file is checked first; a bad file
    /// is reported and nothing is touched. A conversation whose id is taken gets a new one.
    pub fn import(self, file: web_sys::File) {
        leptos::task::spawn_local(async move {
            let text = match crate::attach::read(&file).await.map(String::from_utf8) {
                Ok(Ok(text)) => text,
                _ => {
                    return self
                        .import_note
                        .set(Some(format!("Import failed: {} is not a text file.", file.name())));
                }
            };
            let conversations = match storage::parse_import(&text) {
                Ok(c) => c,
                Err(e) => {
                    return self.import_note.set(Some(format!("Import failed: {e}. Nothing was changed.")));
                }
            };
            let (mut count, mut already) = (0, 0);
            for mut conversation in conversations {
                match self.list.find(&conversation.meta.id) {
                    // The same conversation, as it is here: nothing to import.
                    Some(here) if here.updated_at == conversation.meta.updated_at => {
                        already += 1;
                        continue;
                    }
                    // Changed since (here or there): both are kept.
                    Some(_) => conversation.meta.id = new_meta(String::new()).id,
                    None => {}
                }
                count += 1;
                conversation.meta.schema_version = storage::SCHEMA_VERSION;
                conversation.meta.deleted_at = None;
                let put = conversation
                    .messages
                    .iter()
                    .filter_map(|m| serde_json::to_string(m).ok().map(|json| (m.id, json)))
                    .collect();
                let result = storage::save(
                    &conversation.meta.id,
                    Changes { meta: Some(&conversation.meta), put, delete: Vec::new() },
                )
                .await;
                if let Err(e) = result {
                    return self.import_note.set(Some(format!("Import stopped: {e}.")));
                }
                self.list.put(conversation.meta);
            }
            let plural = if count == 1 { "" } else { "s" };
            let mut note = format!("Imported {count} conversation{plural}.");
            if already > 0 {
                let (was, plural) = if already == 1 { ("was", "") } else { ("were", "s") };
                note.push_str(&format!(" {already} conversation{plural} {was} already here."));
            }
            self.import_note.set(Some(note));
        });
    }
}

/// The name an exported conversation is downloaded under: its title, in lower-case words
/// joined by hyphens ("trip-to-lisbon.json"), or "conversation" if that leaves nothing.
fn file_name(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(8)
        .collect();
    if words.is_empty() { "conversation".to_owned() } else { words.join("-") }
}

/// JSON text indented for people to read, by the browser: a pretty-printing serializer would
/// add a second copy of every wire type's writing code to the page.
fn indented(json: &str) -> String {
    js_sys::JSON::parse(json)
        .and_then(|value| {
            js_sys::JSON::stringify_with_replacer_and_space(
                &value,
                &wasm_bindgen::JsValue::NULL,
                &wasm_bindgen::JsValue::from(2),
            )
        })
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| json.to_owned())
}
