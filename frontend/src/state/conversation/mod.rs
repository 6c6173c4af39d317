//! The open conversation: its messages (owned, with their signals, by an owner of its own
//! that goes when another conversation is opened), its record, and opening, starting and
//! saving conversations ([`save`]).

mod save;

use std::collections::BTreeSet;

use converse_shared::Role;
use converse_shared::conversation::Totals;
use leptos::prelude::*;

use crate::state::follow::Follow;
use crate::state::list::ConversationList;
use crate::state::message::{ChatMessage, cards_for};
use crate::state::notices::Notices;
use crate::state::running::Running;
use crate::state::settings::{SettingsState, default_settings};
use crate::storage::{self, ConversationMeta, MessageStatus, StorageError, StoredMessage, Versions};

/// The conversation that was open, opened again on the next visit.
const OPEN_KEY: &str = "converse-edge.open";
/// How many messages a conversation opens with; "Show earlier messages" adds as many again.
pub const SHOWN_AT_ONCE: usize = 100;

/// The open conversation, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Conversation {
    /// The messages, oldest first.
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// What the open conversation's message views ask of the page, made in its owner; a new
    /// one for each conversation opened (the message list is built anew for each).
    pub turn: RwSignal<Turn>,
    /// The open conversation's id, for views.
    pub current: RwSignal<String>,
    /// The first message shown: a long conversation opens at its end, and earlier messages
    /// are shown on request, so opening it costs the same however long it is.
    pub shown_from: RwSignal<usize>,
    /// The model's summary of the turns the open conversation no longer sends, if any.
    pub summary: RwSignal<Option<String>>,
    /// This conversation's record (its id, title, dates, summary, context budget).
    pub(crate) meta: StoredValue<ConversationMeta>,
    /// Owns the open conversation's messages (their signals): a child of the page's owner.
    messages_owner: StoredValue<Owner>,
    /// The owners of conversations no longer open: disposed of, with their messages, once no
    /// reply is running (a stopped reply's last save still reads its message).
    retired: StoredValue<Vec<Owner>>,
    /// The page's owner, parent of each conversation's.
    page_owner: StoredValue<Option<Owner>>,
    /// Ids of this conversation's messages in storage, to delete what was removed.
    saved_ids: StoredValue<BTreeSet<u64>>,
    /// When the streaming reply was last saved.
    last_stream_save: StoredValue<f64>,
    /// The record as storage has it (`None`: not stored yet), so a save with nothing new
    /// writes nothing (and does not make the conversation look updated).
    pub(super) stored_meta: StoredValue<Option<ConversationMeta>>,
    pub(crate) list: ConversationList,
    pub(crate) settings: SettingsState,
    pub(crate) notices: Notices,
    pub(crate) running: Running,
    pub(crate) follow: Follow,
}

impl Conversation {
    /// A new, empty conversation; it saves itself when its settings change.
    pub fn new(
        list: ConversationList,
        settings: SettingsState,
        notices: Notices,
        running: Running,
        follow: Follow,
    ) -> Self {
        let page_owner = Owner::current();
        let messages = RwSignal::new(Vec::new());
        let messages_owner = conversation_owner(page_owner.as_ref());
        let turn = messages_owner.with(|| Turn::new(messages, running.busy));
        let this = Self {
            messages,
            turn: RwSignal::new(turn),
            current: RwSignal::new(String::new()),
            shown_from: RwSignal::new(0),
            summary: RwSignal::new(None),
            meta: StoredValue::new(new_meta(settings.model_id.get_untracked())),
            messages_owner: StoredValue::new(messages_owner),
            retired: StoredValue::new(Vec::new()),
            page_owner: StoredValue::new(page_owner),
            saved_ids: StoredValue::new(BTreeSet::new()),
            last_stream_save: StoredValue::new(0.0),
            stored_meta: StoredValue::new(None),
            list,
            settings,
            notices,
            running,
            follow,
        };
        this.save_on_settings_change();
        this
    }

    /// The id of the conversation to open on this visit: the one open on the last.
    pub(crate) fn last_open() -> Option<String> {
        storage::preference(OPEN_KEY)
    }

    /// Opens a stored conversation, reading its messages.
    pub(crate) async fn load(self, meta: ConversationMeta) {
        let read = storage::messages_as_stored(&meta.id).await;
        self.show(meta, read);
    }

    /// Shows a conversation, with its messages as read from storage.
    pub(crate) fn show(
        self,
        meta: ConversationMeta,
        read: Result<(Vec<(StoredMessage, String)>, usize), StorageError>,
    ) {
        let (stored, damaged) = match read {
            Ok(found) => found,
            Err(e) => {
                self.notices.storage_error.set(Some(e.to_string()));
                return;
            }
        };
        self.notices.damaged(damaged, "message");
        self.saved_ids.set_value(stored.iter().map(|(m, _)| m.id).collect());
        self.own_next_conversation();
        let messages: Vec<ChatMessage> = self.messages_owner.with_value(|owner| {
            stored.into_iter().map(|(m, json)| ChatMessage::from_stored(owner, m, Some(json))).collect()
        });
        show_tool_cards(&messages);
        self.settings.open(&meta);
        self.summary.set(meta.summary.as_ref().map(|s| s.text.clone()));
        self.current.set(meta.id.clone());
        storage::set_preference(OPEN_KEY, &meta.id);
        self.stored_meta.set_value(Some(meta.clone()));
        self.meta.set_value(meta);
        self.shown_from.set(messages.len().saturating_sub(SHOWN_AT_ONCE));
        self.messages.set(messages);
        self.follow.scroll_to_end_when_shown();
    }

    /// The open conversation's id.
    pub fn current_id(self) -> String {
        self.meta.with_value(|m| m.id.clone())
    }

    /// Whether `id` is the open conversation.
    pub fn is_open(self, id: &str) -> bool {
        self.meta.with_value(|m| m.id == id)
    }

    /// Starts an empty conversation (the current one stays stored, with a reply that was
    /// arriving stopped and kept).
    pub fn new_conversation(self) {
        self.running.stop();
        let previous = self.current_id();
        let snapshot = self.snapshot();
        if !self.messages.with_untracked(Vec::is_empty) && !snapshot.unchanged {
            // Whatever the current one still holds unsaved (a stopped reply) is kept.
            leptos::task::spawn_local(async move {
                let result = storage::save(&previous, snapshot.changes()).await;
                self.notices.report(result);
            });
        }
        let meta = new_meta(self.settings.model_id.get_untracked());
        self.current.set(meta.id.clone());
        storage::set_preference(OPEN_KEY, &meta.id);
        self.meta.set_value(meta);
        self.stored_meta.set_value(None);
        self.saved_ids.set_value(BTreeSet::new());
        self.settings.reset();
        self.summary.set(None);
        self.shown_from.set(0);
        self.own_next_conversation();
        self.messages.set(Vec::new());
        self.offered_model_if_new();
    }

    /// A new conversation whose model the relay does not offer (the page's default, one
    /// remembered from a relay that offered it, or the model of a stored conversation it was
    /// started from) takes the relay's first model instead: its first message would
    /// otherwise be refused. A stored conversation keeps its model, and the refusal says
    /// which; its settings offer the others.
    pub(crate) fn offered_model_if_new(self) {
        if let Some(first) =
            self.settings.offered_instead().filter(|_| self.messages.with_untracked(Vec::is_empty))
        {
            self.settings.set_model(first);
        }
    }

    /// A new message of the open conversation, owned with its other messages.
    pub(crate) fn message(self, id: u64, role: Role, text: String, status: MessageStatus) -> ChatMessage {
        self.messages_owner.with_value(|owner| ChatMessage::new(owner, id, role, text, status))
    }

    /// A user turn of tool results, owned with the conversation's other messages.
    pub(crate) fn tool_results(self, message: converse_shared::Message) -> ChatMessage {
        let id = self.next_id();
        self.messages_owner.with_value(|owner| ChatMessage::tool_results(owner, id, message))
    }

    /// The id the next message gets.
    pub(crate) fn next_id(self) -> u64 {
        self.messages.with_untracked(|m| m.last().map_or(1, |l| l.id + 1))
    }

    /// Gives the conversation about to be shown an owner of its own, and retires the old one.
    fn own_next_conversation(self) {
        let next = self.page_owner.with_value(|page| conversation_owner(page.as_ref()));
        self.turn.set(next.with(|| Turn::new(self.messages, self.running.busy)));
        let old = self.messages_owner.try_update_value(|owner| std::mem::replace(owner, next));
        if let Some(old) = old {
            self.retired.update_value(|retired| retired.push(old));
        }
        self.release_retired();
    }

    /// Disposes of the retired conversations' messages (their signals), once the views have let
    /// go of them and no reply is running; a running reply calls this again when it ends.
    pub(crate) fn release_retired(self) {
        if self.retired.with_value(Vec::is_empty) {
            return;
        }
        leptos::task::spawn_local(async move {
            // After the views' effects, which still hold the old messages until they run.
            leptos::task::tick().await;
            leptos::task::tick().await;
            if !self.running.busy.get_untracked() {
                for owner in self.retired.try_update_value(std::mem::take).unwrap_or_default() {
                    owner.cleanup();
                }
            }
        });
    }

    /// Tokens used by every reply of the open conversation.
    pub fn totals(self) -> Totals {
        let usages: Vec<_> = self.messages.with(|all| all.iter().filter_map(|m| m.usage.get()).collect());
        usages.iter().collect()
    }

    /// Shows version `k` of the conversation from `first` on (a regenerated reply, an edited
    /// message with what followed it) in place of the one shown, which is kept.
    pub fn show_version(self, first: ChatMessage, k: usize) {
        if self.running.busy.get_untracked() {
            return;
        }
        let Some(at) = self.messages.with_untracked(|m| m.iter().position(|m| m.key == first.key)) else {
            return;
        };
        let tail: Vec<StoredMessage> =
            self.messages.with_untracked(|m| m[at..].iter().map(|m| m.to_stored()).collect());
        let Some(chosen) = Versions::switch(tail, k) else { return };
        let chosen: Vec<ChatMessage> = self.messages_owner.with_value(|owner| {
            chosen
                .into_iter()
                .map(|m| {
                    let message = ChatMessage::from_stored(owner, m, None);
                    // Not in storage as a message of its own: the next save writes it.
                    message.saved.set_value(None);
                    message
                })
                .collect()
        });
        show_tool_cards(&chosen);
        self.messages.update(|m| {
            m.truncate(at);
            m.extend(chosen);
        });
        leptos::task::spawn_local(async move { self.persist().await });
    }

    /// Shows up to [`SHOWN_AT_ONCE`] more of the earlier messages.
    pub fn show_earlier(self) {
        self.shown_from.update(|from| *from = from.saturating_sub(SHOWN_AT_ONCE));
    }
}

/// Gives each reply that called tools its cards, with the results that came back.
fn show_tool_cards(messages: &[ChatMessage]) {
    for pair in messages.windows(2) {
        let calls = pair[0]
            .blocks
            .with_value(|b| b.iter().any(|b| matches!(b, converse_shared::ContentBlock::ToolUse(_))));
        if !pair[0].from_user && calls {
            let reply = pair[0].to_stored().message;
            let results = pair[1].is_tool_results().then(|| pair[1].to_stored().message);
            pair[0].tools.set(cards_for(&reply, results.as_ref()));
        }
    }
}

/// A new conversation's record.
pub(crate) fn new_meta(model_id: String) -> ConversationMeta {
    let now = storage::now_ms();
    ConversationMeta {
        schema_version: storage::SCHEMA_VERSION,
        id: format!("c-{:x}-{:x}", now as u64, (js_sys::Math::random() * 1e12) as u64),
        title: "New conversation".into(),
        title_edited: false,
        title_generated: false,
        model_id,
        created_at: now,
        updated_at: now,
        tool_settings: Default::default(),
        tool_choice: None,
        settings: default_settings(),
        summary: None,
        context_budget: None,
        deleted_at: None,
    }
}

/// What a conversation's message views ask of the page: which message is its last reply, and
/// whether no reply is running. Made in the conversation's owner and disposed with it.
///
/// A view reads these rather than the page's own signals because a signal keeps a record of
/// each subscriber until that subscriber runs again, which a removed view never does: views
/// subscribed to `messages` and `busy` kept ≈ 22 KB for each conversation opened (200 views of
/// a 100-message window), for the page's life.
#[derive(Debug, Clone, Copy)]
pub struct Turn {
    /// The key of the last message, if it is a reply.
    pub last_reply: Memo<Option<u64>>,
    /// No reply is running.
    pub idle: Memo<bool>,
    /// The keys of prompts whose reply failed: shown as unanswered, and not sent again
    /// unless retried.
    pub unanswered: Memo<Vec<u64>>,
    /// A message the keyboard asked to edit (ArrowUp in the empty message box), by key.
    pub edit_request: RwSignal<Option<u64>>,
}

impl Turn {
    fn new(messages: RwSignal<Vec<ChatMessage>>, busy: RwSignal<bool>) -> Self {
        Self {
            last_reply: Memo::new(move |_| {
                messages.with(|m| m.last().filter(|l| !l.from_user).map(|l| l.key))
            }),
            idle: Memo::new(move |_| !busy.get()),
            edit_request: RwSignal::new(None),
            unanswered: Memo::new(move |_| {
                messages.with(|m| {
                    m.windows(2)
                        .filter(|pair| {
                            pair[0].from_user
                                && !pair[0].is_tool_results()
                                && pair[1].status.get() == MessageStatus::Error
                        })
                        .map(|pair| pair[0].key)
                        .collect()
                })
            }),
        }
    }

    /// Asks for the last thing the person wrote to be edited (when no reply is running).
    pub fn edit_last(self, messages: RwSignal<Vec<ChatMessage>>) -> bool {
        if !self.idle.get_untracked() {
            return false;
        }
        let last = messages
            .with_untracked(|m| m.iter().rev().find(|m| m.from_user && !m.is_tool_results()).map(|m| m.key));
        self.edit_request.set(last);
        last.is_some()
    }

    /// Whether `message` is a prompt whose reply failed.
    pub fn is_unanswered(self, message: &ChatMessage) -> bool {
        message.from_user && self.unanswered.with(|u| u.contains(&message.key))
    }

    /// Whether `message` is the conversation's last reply.
    pub fn is_last_reply(self, message: &ChatMessage) -> bool {
        !message.from_user && self.last_reply.get() == Some(message.key)
    }
}

/// A new owner for a conversation's messages: a child of the page's, where there is one.
fn conversation_owner(page: Option<&Owner>) -> Owner {
    page.map_or_else(Owner::new, Owner::child)
}
