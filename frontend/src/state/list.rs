//! The stored conversations as the sidebar lists them: most recently updated first, deleted
//! ones left out. Saving the open conversation and managing the library both update it.

use leptos::prelude::*;

use crate::storage::ConversationMeta;

/// Every stored conversation's record, shared by the open conversation and the library.
#[derive(Debug, Clone, Copy)]
pub struct ConversationList {
    /// The records, newest first.
    pub rows: RwSignal<Vec<ConversationMeta>>,
}

impl ConversationList {
    /// An empty list (until storage is read).
    pub fn new() -> Self {
        Self { rows: RwSignal::new(Vec::new()) }
    }

    /// Puts `meta` in the list (or takes it out if deleted), in its place by date.
    pub fn put(self, meta: ConversationMeta) {
        self.rows.update(|all| {
            all.retain(|c| c.id != meta.id);
            if meta.deleted_at.is_none() {
                let at = all.iter().position(|c| c.updated_at < meta.updated_at).unwrap_or(all.len());
                all.insert(at, meta);
            }
        });
    }

    /// The record of conversation `id`, if listed.
    pub fn find(self, id: &str) -> Option<ConversationMeta> {
        self.rows.with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
    }

    /// Whether conversation `id` is listed.
    pub fn has(self, id: &str) -> bool {
        self.rows.with_untracked(|all| all.iter().any(|c| c.id == id))
    }
}

impl Default for ConversationList {
    fn default() -> Self {
        Self::new()
    }
}
