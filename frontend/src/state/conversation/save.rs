//! Saving the open conversation: only what changed since the last save (its record, the
//! messages that changed, the ones removed), a streaming reply at most once a second, and
//! again whenever the person changes one of its settings.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::Conversation;
use crate::state::message::ChatMessage;
use crate::storage::{self, Changes, ConversationMeta, StoredMessage};

/// What a save writes (see [`Conversation::snapshot`]).
pub(super) struct Snapshot {
    /// Nothing differs from what storage has.
    pub(super) unchanged: bool,
    meta: ConversationMeta,
    put: Vec<(ChatMessage, u64, String)>,
    delete: Vec<u64>,
}

impl Snapshot {
    pub(super) fn changes(&self) -> Changes<'_> {
        Changes {
            meta: Some(&self.meta),
            put: self.put.iter().map(|(_, id, json)| (*id, json.clone())).collect(),
            delete: self.delete.clone(),
        }
    }
}

impl Conversation {
    /// Saves the conversation each time the person changes one of its settings (opening a
    /// conversation sets them too, but is not a change).
    pub(super) fn save_on_settings_change(self) {
        let changed = self.settings.changed;
        Effect::new(move |ran: Option<()>| {
            changed.track();
            if ran.is_some() {
                leptos::task::spawn_local(async move { self.persist().await });
            }
        });
    }

    /// What storage lacks of the open conversation: its record, the messages that changed
    /// since they were last saved, and the ones that were removed.
    pub(super) fn snapshot(self) -> Snapshot {
        let stored: Vec<StoredMessage> =
            self.messages.with_untracked(|m| m.iter().map(|m| m.to_stored()).collect());
        let mut meta = self.meta.get_value();
        if !meta.title_edited && !meta.title_generated {
            meta.title = storage::derive_title(&stored);
        }
        self.settings.record(&mut meta);
        if let Some(summary) = &meta.summary
            && !stored.iter().any(|m| m.id == summary.through)
        {
            // The messages it covered were edited away.
            meta.summary = None;
            if self.summary.with_untracked(Option::is_some) {
                self.summary.set(None);
            }
        }
        let mut put = Vec::new();
        self.messages.with_untracked(|all| {
            for (view, message) in all.iter().zip(&stored) {
                let Ok(json) = serde_json::to_string(message) else { continue };
                if view.saved.with_value(|s| s.as_deref() != Some(json.as_str())) {
                    put.push((*view, message.id, json));
                }
            }
        });
        let present: BTreeSet<u64> = stored.iter().map(|m| m.id).collect();
        let delete: Vec<u64> = self.saved_ids.with_value(|s| s.difference(&present).copied().collect());
        let unchanged = put.is_empty()
            && delete.is_empty()
            && self.stored_meta.with_value(|stored| stored.as_ref() == Some(&meta));
        if !unchanged {
            meta.updated_at = storage::now_ms();
        }
        Snapshot { unchanged, meta, put, delete }
    }

    /// Saves what changed in the open conversation. A failure (a full disk) is shown, and the
    /// next save tries again with everything still unsaved.
    pub async fn persist(self) {
        let snapshot = self.snapshot();
        let empty = self.messages.with_untracked(Vec::is_empty) && snapshot.delete.is_empty();
        if snapshot.unchanged || (empty && !self.list.has(&snapshot.meta.id)) {
            // Nothing new; or a conversation with nothing in it, not worth a record.
            return;
        }
        let result = storage::save(&snapshot.meta.id, snapshot.changes()).await;
        if result.is_ok() {
            self.meta.update_value(|m| {
                m.title.clone_from(&snapshot.meta.title);
                m.updated_at = snapshot.meta.updated_at;
            });
            if self.current_id() == snapshot.meta.id {
                self.stored_meta.set_value(Some(snapshot.meta.clone()));
            }
            for (view, id, json) in snapshot.put {
                view.saved.set_value(Some(json));
                self.saved_ids.update_value(|s| {
                    s.insert(id);
                });
            }
            self.saved_ids.update_value(|s| s.retain(|id| !snapshot.delete.contains(id)));
            self.list.put(snapshot.meta);
        }
        self.notices.report(result);
    }

    /// Saves a streaming reply at most once a second, so a reload keeps what had arrived.
    /// Only that message is written: the cost does not grow with the conversation.
    pub(crate) fn persist_streaming(self, reply: ChatMessage) {
        let now = storage::now_ms();
        if now - self.last_stream_save.get_value() < 1000.0 {
            return;
        }
        self.last_stream_save.set_value(now);
        let Ok(json) = serde_json::to_string(&reply.to_stored()) else { return };
        let conversation = self.current_id();
        leptos::task::spawn_local(async move {
            let put = vec![(reply.id, json.clone())];
            let result = storage::save(&conversation, Changes { meta: None, put, delete: Vec::new() }).await;
            if result.is_ok() && self.current_id() == conversation {
                reply.saved.set_value(Some(json));
                self.saved_ids.update_value(|ids| {
                    ids.insert(reply.id);
                });
            }
            self.notices.report(result);
        });
    }
}
