//! The conversation on screen, and sending a message.
//!
//! A streamed reply's text grows in place; at most once per animation frame its Markdown view
//! renders what became final once and re-renders only the unfinished tail ([`LiveMarkdown`]),
//! so the work per token does not grow with the reply (no list re-render, no re-parse).

use converse_shared::conversation::request_messages;
use converse_shared::eventstream::StreamItem;
use converse_shared::models::{Adjustment, ModelListing, ModelRules, prepare, rules_for};
use converse_shared::tools::{
    DEFAULT_MAX_ROUNDS, Next, Outcome, ToolCall, ToolLoop, builtin_specs, results_message, tool_config,
    tool_history_as_text,
};
use converse_shared::validate::validate;
use converse_shared::{
    AnyToolChoice, ContentBlock, ContentBlockDelta, ContentBlockStart, ConverseRequest,
    InferenceConfiguration, Message, Role, SpecificToolChoice, StopReason, StreamAccumulator, StreamEvent,
    SystemContentBlock, TokenUsage, Tool, ToolChoice, ToolResultContentBlock, ToolResultStatus,
    ToolSpecification,
};
use std::collections::{BTreeMap, BTreeSet};

use futures_channel::oneshot;
use futures_util::future::join_all;
use leptos::prelude::*;
use web_sys::AbortController;

use crate::api::{self, Failure};
use crate::i18n::{t, tf};
use crate::render::LiveMarkdown;
use crate::storage::{
    self, Changes, ConversationMeta, MessageStatus, Settings, StoredMessage, Timing, ToolSetting,
};

/// The model used until the person picks another.
pub const DEFAULT_MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const MODEL_KEY: &str = "converse-edge.model";
const DRAFT_KEY: &str = "converse-edge.draft";
const DEFAULTS_KEY: &str = "converse-edge.defaults";
/// The conversation that was open, opened again on the next visit.
const OPEN_KEY: &str = "converse-edge.open";
/// How many messages a conversation opens with; "Show earlier messages" adds as many again.
pub const SHOWN_AT_ONCE: usize = 100;

/// The settings new conversations start with.
fn default_settings() -> Settings {
    if let Some(settings) = crate::mode::widget().and_then(|w| w.defaults) {
        return settings;
    }
    storage::preference(DEFAULTS_KEY)
        .and_then(|json| serde_json::from_slice(json.as_bytes()).ok())
        .unwrap_or_default()
}

/// A file waiting to be sent with the next message.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Unique on the page.
    pub key: u64,
    /// The content block it becomes.
    pub block: ContentBlock,
    /// What to call it.
    pub label: String,
    /// An object URL of an image, for its preview.
    pub preview: Option<String>,
}

impl Pending {
    /// `block`, ready to show in the composer.
    fn new(block: ContentBlock) -> Self {
        thread_local! {
            static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
        }
        Self {
            key: NEXT.replace(NEXT.get() + 1),
            label: crate::attach::label(&block),
            preview: crate::attach::preview_url(&block),
            block,
        }
    }
}

/// How a tool call shown in a reply stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolStatus {
    /// Its input is still streaming in.
    Receiving,
    /// Waiting for the person to choose Run or Skip.
    Asking,
    /// Running.
    Running,
    /// It returned a result.
    Done,
    /// It failed; the result says why.
    Failed,
}

/// A tool call shown in a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCard {
    /// The call's id.
    pub id: String,
    /// The tool.
    pub name: String,
    /// Its input, as JSON.
    pub input: String,
    /// How it stands.
    pub status: ToolStatus,
    /// Its result or error, once known.
    pub result: String,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
}

fn cards_for(reply: &Message, results: Option<&Message>) -> Vec<ToolCard> {
    converse_shared::tools::calls(reply)
        .into_iter()
        .map(|call| {
            let answer = results.into_iter().flat_map(|m| &m.content).find_map(|b| match b {
                ContentBlock::ToolResult(r) if r.tool_use_id == call.id => Some(r),
                _ => None,
            });
            let (status, result) = match answer {
                None => (ToolStatus::Failed, "not run".to_owned()),
                Some(r) => (
                    if r.status == Some(ToolResultStatus::Error) {
                        ToolStatus::Failed
                    } else {
                        ToolStatus::Done
                    },
                    r.content
                        .iter()
                        .map(|c| match c {
                            ToolResultContentBlock::Text(t) => t.clone(),
                            ToolResultContentBlock::Json(j) => j.to_string(),
                            other => format!("[{}]", other.member_name()),
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            };
            ToolCard {
                id: call.id,
                name: call.name,
                input: call.input.to_string(),
                status,
                result,
                duration_ms: 0.0,
            }
        })
        .collect()
}

/// One message on screen. Cheap to copy: every field is a handle into Leptos's arena.
#[derive(Debug, Clone, Copy)]
pub struct ChatMessage {
    /// Unique within the conversation.
    pub id: u64,
    /// Unique on the page (ids repeat across conversations): the list's key.
    pub key: u64,
    /// Who wrote it (`Role` itself is not `Copy`).
    pub from_user: bool,
    /// Its text. Not reactive: a reply's view is updated once per frame through `live`.
    pub text: StoredValue<String>,
    /// A reply's Markdown view, once mounted.
    pub live: StoredValue<Option<LiveMarkdown>, LocalStorage>,
    /// How it stands.
    pub status: RwSignal<MessageStatus>,
    /// Why it failed.
    pub error: RwSignal<Option<String>>,
    /// Tokens used by this reply.
    pub usage: RwSignal<Option<TokenUsage>>,
    /// Why this reply ended.
    pub stop_reason: RwSignal<Option<StopReason>>,
    /// How long this reply took.
    pub timing: RwSignal<Option<Timing>>,
    /// The message's Bedrock content once complete (text, tool calls, tool results);
    /// empty while a reply streams, when `text` is all there is.
    pub blocks: StoredValue<Vec<ContentBlock>>,
    /// The tool calls of this reply, as shown.
    pub tools: RwSignal<Vec<ToolCard>>,
    /// A note shown under the reply.
    pub note: RwSignal<Option<String>>,
    /// While streaming: which content block index carries which tool call.
    tool_blocks: StoredValue<Vec<(u32, String)>>,
    /// The JSON last written to storage, to write only what changed.
    saved: StoredValue<Option<String>>,
}

impl ChatMessage {
    /// A message whose signals belong to `owner`: its conversation's, so they go with it (not
    /// with the view that asked for it: Regenerate is clicked in the reply it replaces).
    fn new(owner: &Owner, id: u64, role: Role, text: String, status: MessageStatus) -> Self {
        thread_local! {
            static NEXT_KEY: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
        }
        owner.with(|| Self::new_owned(id, role, text, status, NEXT_KEY.replace(NEXT_KEY.get() + 1)))
    }

    fn new_owned(id: u64, role: Role, text: String, status: MessageStatus, key: u64) -> Self {
        Self {
            id,
            key,
            from_user: role == Role::User,
            text: StoredValue::new(text),
            live: StoredValue::new_local(None),
            status: RwSignal::new(status),
            error: RwSignal::new(None),
            usage: RwSignal::new(None),
            stop_reason: RwSignal::new(None),
            timing: RwSignal::new(None),
            blocks: StoredValue::new(Vec::new()),
            tools: RwSignal::new(Vec::new()),
            note: RwSignal::new(None),
            tool_blocks: StoredValue::new(Vec::new()),
            saved: StoredValue::new(None),
        }
    }

    /// A user turn that carries tool results (shown in the reply's tool cards, not as a bubble).
    fn tool_results(owner: &Owner, id: u64, message: Message) -> Self {
        let this = Self::new(owner, id, Role::User, String::new(), MessageStatus::Complete);
        this.blocks.set_value(message.content);
        this
    }

    /// Whether this is a user turn of tool results.
    pub fn is_tool_results(&self) -> bool {
        self.from_user
            && self
                .blocks
                .with_value(|b| !b.is_empty() && b.iter().all(|b| matches!(b, ContentBlock::ToolResult(_))))
    }

    fn from_stored(owner: &Owner, m: StoredMessage, json: Option<String>) -> Self {
        let saved = json.or_else(|| serde_json::to_string(&m).ok());
        let mut m = m;
        // A reply that was arriving when the page closed is what had arrived.
        if m.status == MessageStatus::Streaming {
            m.status = MessageStatus::Interrupted;
        }
        let this = Self::new(owner, m.id, m.message.role.clone(), m.message.joined_text(), m.status);
        this.saved.set_value(saved);
        this.error.set(m.error);
        this.usage.set(m.usage);
        this.stop_reason.set(m.stop_reason);
        this.timing.set(m.timing);
        this.blocks.set_value(m.message.content);
        this
    }

    fn to_stored(self) -> StoredMessage {
        let mut content = self.blocks.get_value();
        if content.is_empty() {
            let text = self.text.get_value();
            if !text.is_empty() {
                content.push(ContentBlock::Text(text));
            }
        }
        StoredMessage {
            id: self.id,
            message: Message { role: self.role(), content, extra: Default::default() },
            status: self.status.get_untracked(),
            error: self.error.get_untracked(),
            usage: self.usage.get_untracked(),
            stop_reason: self.stop_reason.get_untracked(),
            timing: self.timing.get_untracked(),
        }
    }

    /// Who wrote it.
    pub fn role(&self) -> Role {
        if self.from_user { Role::User } else { Role::Assistant }
    }

    /// Shows a tool call as its input streams in: a card at its start, input as it arrives.
    fn show_tool_input(&self, event: &StreamEvent) {
        match event {
            StreamEvent::ContentBlockStart(start) => {
                if let ContentBlockStart::ToolUse(t) = &start.start {
                    let card = ToolCard {
                        id: t.tool_use_id.clone(),
                        name: t.name.clone(),
                        input: String::new(),
                        status: ToolStatus::Receiving,
                        result: String::new(),
                        duration_ms: 0.0,
                    };
                    self.tool_blocks.update_value(|b| b.push((start.content_block_index, card.id.clone())));
                    self.tools.update(|cards| cards.push(card));
                }
            }
            StreamEvent::ContentBlockDelta(d) => {
                if let ContentBlockDelta::ToolUse(piece) = &d.delta
                    && let Some(id) = self.tool_blocks.with_value(|b| {
                        b.iter().rev().find(|(i, _)| *i == d.content_block_index).map(|(_, id)| id.clone())
                    })
                {
                    self.tools.update(|cards| {
                        if let Some(card) = cards.iter_mut().find(|c| c.id == id) {
                            card.input.push_str(&piece.input);
                        }
                    });
                }
            }
            _ => {}
        }
    }

    /// Marks the cards of calls that will not run.
    fn not_run(&self, why: &str) {
        self.tools.update(|cards| {
            for card in
                cards.iter_mut().filter(|c| matches!(c.status, ToolStatus::Receiving | ToolStatus::Running))
            {
                card.status = ToolStatus::Failed;
                card.result = why.to_owned();
            }
        });
    }

    /// Shows the reply's text as it now stands (once per frame while it streams).
    fn refresh(&self) {
        self.text.with_value(|text| {
            self.live.update_value(|live| {
                if let Some(live) = live {
                    live.update(text);
                }
            })
        });
    }

    /// Shows the reply's final text, all of it rendered.
    pub(crate) fn finish_render(&self) {
        self.text.with_value(|text| {
            self.live.update_value(|live| {
                if let Some(live) = live {
                    live.finish(text);
                }
            })
        });
    }
}

/// The chat's state, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Chat {
    /// The messages, oldest first.
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// The model to talk to.
    pub model_id: RwSignal<String>,
    /// What the composer holds.
    pub draft: RwSignal<String>,
    /// Whether a reply is arriving.
    pub busy: RwSignal<bool>,
    /// The last thing worth announcing to screen readers.
    pub announcement: RwSignal<String>,
    /// A storage problem to show.
    pub storage_error: RwSignal<Option<String>>,
    /// The element that scrolls the conversation.
    pub scroller: StoredValue<Option<web_sys::Element>, LocalStorage>,
    /// Whether the view follows a streaming reply: true while the reader is at the bottom.
    pub following: RwSignal<bool>,
    last_scroll_top: StoredValue<i32>,
    /// The reply whose view awaits the next animation frame.
    dirty: StoredValue<Option<ChatMessage>>,
    /// Owns the open conversation's messages (their signals): a child of the page's owner.
    messages_owner: StoredValue<Owner>,
    /// What the open conversation's message views ask of the page, made in its owner; a new
    /// one for each conversation opened (the message list is built anew for each).
    pub turn: RwSignal<Turn>,
    /// The owners of conversations no longer open: disposed of, with their messages, once no
    /// reply is running (a stopped reply's last save still reads its message).
    retired: StoredValue<Vec<Owner>>,
    /// The page's owner, parent of each conversation's.
    page_owner: StoredValue<Option<Owner>>,
    frame: StoredValue<Option<wasm_bindgen::closure::Closure<dyn FnMut()>>, LocalStorage>,
    /// This conversation's record (its id, title, dates).
    meta: StoredValue<ConversationMeta>,
    /// The open conversation's id, for views.
    pub current: RwSignal<String>,
    /// The open conversation's request settings.
    pub settings: RwSignal<Settings>,
    /// The models the relay offers, once it has said.
    pub models: RwSignal<Option<ModelListing>>,
    /// Why the draft was not sent (it stays in the composer).
    pub send_error: RwSignal<Option<String>>,
    /// The first message shown: a long conversation opens at its end, and earlier messages
    /// are shown on request, so opening it costs the same however long it is.
    pub shown_from: RwSignal<usize>,
    /// What the last import did.
    pub import_note: RwSignal<Option<String>>,
    /// Files waiting to go with the next message.
    pub pending: RwSignal<Vec<Pending>>,
    /// The model's summary of the turns the open conversation no longer sends, if any.
    pub summary: RwSignal<Option<String>>,
    /// Why files could not be attached.
    pub attach_errors: RwSignal<Vec<String>>,
    /// Ids of this conversation's messages in storage, to delete what was removed.
    saved_ids: StoredValue<BTreeSet<u64>>,
    /// When the streaming reply was last saved.
    last_stream_save: StoredValue<f64>,
    /// Every stored conversation, most recently updated first (the sidebar).
    pub conversations: RwSignal<Vec<ConversationMeta>>,
    /// A conversation just deleted, which Undo brings back.
    pub deleted: RwSignal<Option<ConversationMeta>>,
    /// What the sidebar's search box holds.
    pub search: RwSignal<String>,
    /// Conversations whose messages match the search (titles are matched on the page).
    pub search_hits: RwSignal<BTreeSet<String>>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
    stop_requested: StoredValue<bool>,
    /// The deployer's tools, from the relay, once asked for.
    http_tools: StoredValue<Option<Vec<ToolSpecification>>>,
    /// This conversation's tool settings, by tool name.
    pub tool_settings: RwSignal<BTreeMap<String, ToolSetting>>,
    /// The tools the page offers (its own and the relay's), for the settings panel.
    pub tool_list: RwSignal<Vec<(String, String)>>,
    /// This conversation's tool choice: `None` lets the model decide, `"any"` makes it use
    /// some tool, a tool's name makes it use that tool (on the first request of a turn).
    pub tool_choice: RwSignal<Option<String>>,
    /// Calls waiting for Run or Skip, by call id.
    approvals: StoredValue<BTreeMap<String, oneshot::Sender<bool>>, LocalStorage>,
}

fn new_meta(model_id: String) -> ConversationMeta {
    let now = storage::now_ms();
    ConversationMeta {
        schema_version: storage::SCHEMA_VERSION,
        id: format!("c-{:x}-{:x}", now as u64, (js_sys::Math::random() * 1e12) as u64),
        title: "New conversation".into(),
        title_edited: false,
        model_id,
        created_at: now,
        updated_at: now,
        tool_settings: BTreeMap::new(),
        tool_choice: None,
        settings: default_settings(),
        summary: None,
        context_budget: None,
        deleted_at: None,
    }
}

impl Chat {
    /// An empty chat with the saved model and draft.
    pub fn new() -> Self {
        let model_id = storage::preference(MODEL_KEY).unwrap_or_else(|| DEFAULT_MODEL.to_owned());
        let page_owner = Owner::current();
        let (messages, busy) = (RwSignal::new(Vec::new()), RwSignal::new(false));
        let messages_owner = conversation_owner(page_owner.as_ref());
        let turn = messages_owner.with(|| Turn::new(messages, busy));
        Self {
            messages,
            model_id: RwSignal::new(model_id.clone()),
            draft: RwSignal::new(storage::preference(DRAFT_KEY).unwrap_or_default()),
            busy,
            announcement: RwSignal::new(String::new()),
            storage_error: RwSignal::new(None),
            scroller: StoredValue::new_local(None),
            following: RwSignal::new(true),
            last_scroll_top: StoredValue::new(0),
            dirty: StoredValue::new(None),
            messages_owner: StoredValue::new(messages_owner),
            turn: RwSignal::new(turn),
            retired: StoredValue::new(Vec::new()),
            page_owner: StoredValue::new(page_owner),
            frame: StoredValue::new_local(None),
            current: RwSignal::new(String::new()),
            settings: RwSignal::new(default_settings()),
            models: RwSignal::new(None),
            send_error: RwSignal::new(None),
            pending: RwSignal::new(Vec::new()),
            summary: RwSignal::new(None),
            import_note: RwSignal::new(None),
            shown_from: RwSignal::new(0),
            attach_errors: RwSignal::new(Vec::new()),
            meta: StoredValue::new(new_meta(model_id)),
            saved_ids: StoredValue::new(BTreeSet::new()),
            last_stream_save: StoredValue::new(0.0),
            conversations: RwSignal::new(Vec::new()),
            deleted: RwSignal::new(None),
            search: RwSignal::new(String::new()),
            search_hits: RwSignal::new(BTreeSet::new()),
            abort: StoredValue::new_local(None),
            stop_requested: StoredValue::new(false),
            http_tools: StoredValue::new(None),
            tool_settings: RwSignal::new(BTreeMap::new()),
            tool_list: RwSignal::new(Vec::new()),
            tool_choice: RwSignal::new(None),
            approvals: StoredValue::new_local(BTreeMap::new()),
        }
    }

    /// Lists the stored conversations and opens the most recent; asks the relay for its tools.
    pub async fn restore(self) {
        // The widget's preferences arrive from its host page after the chat was made.
        if self.draft.with_untracked(String::is_empty)
            && let Some(draft) = storage::preference(DRAFT_KEY)
        {
            self.draft.set(draft);
        }
        // The conversation that was open is read while the list is: a long one is the
        // slowest read, and must not wait for the list.
        let open = storage::preference(OPEN_KEY);
        let reading = async {
            match &open {
                Some(id) => Some(storage::messages_as_stored(id).await),
                None => None,
            }
        };
        // The relay's models are asked for at the same time (the widget learnt its site's before).
        let listing = async {
            match self.models.with_untracked(Option::is_none) {
                true => api::models().await,
                false => None,
            }
        };
        let ((listed, read), listing) =
            futures_util::future::join(futures_util::future::join(storage::list(), reading), listing).await;
        match listed {
            Ok(listing) => {
                if listing.damaged > 0 {
                    self.storage_error.set(Some(damaged_note(listing.damaged, "conversation")));
                }
                let reopen = listing.conversations.iter().find(|c| Some(&c.id) == open.as_ref()).cloned();
                let latest = reopen.clone().or_else(|| listing.conversations.first().cloned());
                self.conversations.set(listing.conversations);
                // Someone quicker than storage already started a conversation: keep theirs.
                if let Some(latest) = latest
                    && self.messages.with_untracked(Vec::is_empty)
                {
                    match read.filter(|_| reopen.is_some()) {
                        Some(read) => self.show(latest, read),
                        None => self.load(latest).await,
                    }
                }
            }
            Err(e) => self.storage_error.set(Some(e.to_string())),
        }
        // The files that were waiting to be sent: after the conversation, which matters first.
        match storage::pending().await {
            Ok(blocks) if self.pending.with_untracked(Vec::is_empty) => {
                self.pending.set(blocks.into_iter().map(Pending::new).collect());
            }
            Ok(_) => {}
            Err(e) => self.storage_error.set(Some(e.to_string())),
        }
        if let Some(listing) = listing {
            self.models.set(Some(listing));
        }
        self.offered_model_for_new_conversation();
        self.load_tools().await;
    }

    /// What the chosen model accepts: the relay's word for offered models (its output cap
    /// included), the shared table otherwise.
    pub fn model_rules(self) -> ModelRules {
        let model_id = self.model_id.get();
        self.models
            .with(|listing| listing.as_ref()?.models.iter().find(|m| m.model_id == model_id).map(|m| m.rules))
            .unwrap_or_else(|| rules_for(&model_id))
    }

    /// Changes the open conversation's settings, and keeps them.
    pub fn set_settings(self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(change);
        self.send_error.set(None);
        leptos::task::spawn_local(async move { self.persist().await });
    }

    /// Makes the open conversation's settings (and model) the defaults of new ones.
    pub fn save_defaults(self) {
        if let Ok(json) = serde_json::to_string(&self.settings.get_untracked()) {
            storage::set_preference(DEFAULTS_KEY, &json);
        }
        storage::set_preference(MODEL_KEY, &self.model_id.get_untracked());
    }

    /// Opens a stored conversation (a reply still arriving in the current one is stopped and
    /// kept).
    pub fn open(self, id: String) {
        if self.meta.with_value(|m| m.id == id) {
            return;
        }
        let Some(meta) = self.conversations.with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
        else {
            return;
        };
        self.stop();
        leptos::task::spawn_local(async move {
            self.persist().await;
            self.load(meta).await;
        });
    }

    async fn load(self, meta: ConversationMeta) {
        let read = storage::messages_as_stored(&meta.id).await;
        self.show(meta, read);
    }

    /// Shows a conversation, with its messages as read from storage.
    fn show(
        self,
        meta: ConversationMeta,
        read: Result<(Vec<(StoredMessage, String)>, usize), storage::StorageError>,
    ) {
        let (stored, damaged) = match read {
            Ok(found) => found,
            Err(e) => {
                self.storage_error.set(Some(e.to_string()));
                return;
            }
        };
        if damaged > 0 {
            self.storage_error.set(Some(damaged_note(damaged, "message")));
        }
        self.saved_ids.set_value(stored.iter().map(|(m, _)| m.id).collect());
        self.own_next_conversation();
        let messages: Vec<ChatMessage> = self.messages_owner.with_value(|owner| {
            stored.into_iter().map(|(m, json)| ChatMessage::from_stored(owner, m, Some(json))).collect()
        });
        for pair in messages.windows(2) {
            let calls =
                pair[0].blocks.with_value(|b| b.iter().any(|b| matches!(b, ContentBlock::ToolUse(_))));
            if !pair[0].from_user && calls {
                let reply = pair[0].to_stored().message;
                let results = pair[1].is_tool_results().then(|| pair[1].to_stored().message);
                pair[0].tools.set(cards_for(&reply, results.as_ref()));
            }
        }
        self.tool_settings.set(meta.tool_settings.clone());
        self.tool_choice.set(meta.tool_choice.clone());
        self.settings.set(meta.settings.clone());
        self.summary.set(meta.summary.as_ref().map(|s| s.text.clone()));
        self.model_id.set(meta.model_id.clone());
        self.current.set(meta.id.clone());
        storage::set_preference(OPEN_KEY, &meta.id);
        self.meta.set_value(meta);
        self.shown_from.set(messages.len().saturating_sub(SHOWN_AT_ONCE));
        self.messages.set(messages);
        self.scroll_to_end();
    }

    /// The open conversation's id.
    pub fn current_id(self) -> String {
        self.meta.with_value(|m| m.id.clone())
    }

    /// Renames a conversation (it keeps that title from then on).
    pub fn rename(self, id: &str, title: String) {
        let title = title.trim().to_owned();
        if title.is_empty() {
            return;
        }
        if self.meta.with_value(|m| m.id == id) {
            self.meta.update_value(|m| {
                m.title = title.clone();
                m.title_edited = true;
            });
            self.conversations.update(|all| {
                if let Some(c) = all.iter_mut().find(|c| c.id == id) {
                    c.title.clone_from(&title);
                }
            });
            leptos::task::spawn_local(async move { self.persist().await });
            return;
        }
        let Some(mut meta) =
            self.conversations.with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
        else {
            return;
        };
        meta.title = title;
        meta.title_edited = true;
        leptos::task::spawn_local(async move { self.save_meta(meta).await });
    }

    /// Deletes a conversation; Undo brings it back until the next one is deleted or the page
    /// is left.
    pub fn delete(self, id: &str) {
        let Some(mut meta) =
            self.conversations.with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
        else {
            return;
        };
        if self.meta.with_value(|m| m.id == meta.id) {
            self.new_conversation();
        }
        meta.deleted_at = Some(storage::now_ms());
        self.deleted.set(Some(meta.clone()));
        leptos::task::spawn_local(async move { self.save_meta(meta).await });
    }

    /// Brings back the conversation deleted last.
    pub fn undo_delete(self) {
        if let Some(mut meta) = self.deleted.get_untracked() {
            self.deleted.set(None);
            meta.deleted_at = None;
            leptos::task::spawn_local(async move { self.save_meta(meta).await });
        }
    }

    /// Updates the list at once, and saves a conversation's record (not the open one's).
    async fn save_meta(self, meta: ConversationMeta) {
        self.list_update(meta.clone());
        let result = storage::save(&meta.id, Changes { meta: Some(&meta), ..Changes::default() }).await;
        self.report(result);
    }

    /// Puts `meta` in the sidebar's list (or takes it out if deleted), newest first.
    fn list_update(self, meta: ConversationMeta) {
        self.conversations.update(|all| {
            all.retain(|c| c.id != meta.id);
            if meta.deleted_at.is_none() {
                let at = all.iter().position(|c| c.updated_at < meta.updated_at).unwrap_or(all.len());
                all.insert(at, meta);
            }
        });
    }

    /// Downloads the open conversation (`all`: every conversation) as a JSON file.
    pub fn export(self, all: bool) {
        leptos::task::spawn_local(async move {
            self.persist().await;
            let ids: Vec<ConversationMeta> = if all {
                self.conversations.get_untracked()
            } else {
                let current = self.current_id();
                self.conversations.with_untracked(|c| c.iter().filter(|c| c.id == current).cloned().collect())
            };
            let mut conversations = Vec::new();
            for meta in ids {
                match storage::messages(&meta.id).await {
                    Ok((messages, _)) => conversations.push(storage::StoredConversation { meta, messages }),
                    Err(e) => return self.storage_error.set(Some(e.to_string())),
                }
            }
            let name =
                if all { "conversations".to_owned() } else { format!("conversation-{}", self.current_id()) };
            match serde_json::to_string(&storage::ExportFile::new(conversations)) {
                Ok(json) => crate::attach::download(&format!("{name}.json"), &indented(&json)),
                Err(e) => self.storage_error.set(Some(e.to_string())),
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
            let count = conversations.len();
            for mut conversation in conversations {
                if self.conversations.with_untracked(|all| all.iter().any(|c| c.id == conversation.meta.id)) {
                    conversation.meta.id = new_meta(String::new()).id;
                }
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
                self.list_update(conversation.meta);
            }
            let plural = if count == 1 { "" } else { "s" };
            self.import_note.set(Some(format!("Imported {count} conversation{plural}.")));
        });
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

    fn report(self, result: Result<(), storage::StorageError>) {
        match result {
            Ok(()) => {
                if self.storage_error.with_untracked(Option::is_some) {
                    self.storage_error.set(None);
                }
            }
            Err(e) => self
                .storage_error
                .set(Some(format!("{e}. Your messages are still on screen; nothing saved before was lost."))),
        }
    }

    /// A new conversation whose model the relay does not offer (the page's default, one
    /// remembered from a relay that offered it, or the model of a stored conversation it was
    /// started from) takes the relay's first model instead: its
    /// first message would otherwise be refused. A stored conversation keeps its model, and
    /// the refusal says which; its settings offer the others.
    fn offered_model_for_new_conversation(self) {
        let current = self.model_id.get_untracked();
        let first = self.models.with_untracked(|listing| {
            let listing = listing.as_ref().filter(|l| !l.any_model)?;
            let offered = listing.models.iter().any(|m| m.model_id == current);
            (!offered).then(|| listing.models.first().map(|m| m.model_id.clone())).flatten()
        });
        if let Some(first) = first.filter(|_| self.messages.with_untracked(Vec::is_empty)) {
            self.set_model(first);
        }
    }

    /// Changes the open conversation's model (and remembers it for new ones).
    pub fn set_model(self, model_id: String) {
        if model_id.is_empty() {
            return;
        }
        storage::set_preference(MODEL_KEY, &model_id);
        self.model_id.set(model_id);
        self.send_error.set(None);
        leptos::task::spawn_local(async move { self.persist().await });
    }

    /// Keeps the draft across reloads.
    pub fn set_draft(self, text: String) {
        storage::set_preference(DRAFT_KEY, &text);
        self.draft.set(text);
    }

    /// Asks the relay for its tools, once.
    async fn load_tools(self) {
        if self.http_tools.with_value(Option::is_some) {
            return;
        }
        // The widget offers no tools: a site's visitors get the deployer's chat, not a toolbox.
        if crate::mode::widget().is_some() {
            self.http_tools.set_value(Some(Vec::new()));
            return;
        }
        self.http_tools.set_value(Some(api::http_tools().await));
        self.tool_list.set(
            self.all_tool_specs().into_iter().map(|s| (s.name, s.description.unwrap_or_default())).collect(),
        );
    }

    /// The tools the page offers: its own, then the relay's (a name the page has wins).
    fn all_tool_specs(self) -> Vec<ToolSpecification> {
        if crate::mode::widget().is_some() {
            return Vec::new();
        }
        let mut specs = builtin_specs();
        for spec in self.http_tools.get_value().unwrap_or_default() {
            if !specs.iter().any(|s| s.name == spec.name) {
                specs.push(spec);
            }
        }
        specs
    }

    /// Changes how `tool` may be used in this conversation, and keeps it.
    pub fn set_tool(self, tool: &str, setting: ToolSetting) {
        self.tool_settings.update(|s| {
            s.insert(tool.to_owned(), setting);
        });
        leptos::task::spawn_local(async move { self.persist().await });
    }

    /// Sets the tool choice (`None`: the model decides), and keeps it.
    pub fn set_tool_choice(self, choice: Option<String>) {
        self.tool_choice.set(choice);
        leptos::task::spawn_local(async move { self.persist().await });
    }

    /// The person's answer to a call waiting for Run or Skip.
    pub fn decide(self, call_id: &str, run: bool) {
        if let Some(sender) = self.approvals.try_update_value(|a| a.remove(call_id)).flatten() {
            let _ = sender.send(run);
        }
    }

    /// Runs one call, first asking the person if the tool is set to ask.
    async fn run_call(self, reply: ChatMessage, call: ToolCall) -> (ToolCall, Outcome) {
        let setting = self.tool_settings.with_untracked(|s| s.get(&call.name).copied().unwrap_or_default());
        let set_status = |status: ToolStatus, result: String, duration_ms: f64| {
            reply.tools.update(|cards| {
                if let Some(card) = cards.iter_mut().find(|c| c.id == call.id) {
                    *card = ToolCard { status, result, duration_ms, ..card.clone() };
                }
            })
        };
        // A model may name any tool, offered or not: only a tool that is on here runs.
        if !setting.enabled || !self.all_tool_specs().iter().any(|s| s.name == call.name) {
            let why = format!("the tool {} is not switched on in this conversation", call.name);
            set_status(ToolStatus::Failed, why.clone(), 0.0);
            return (call, Outcome::Error(why));
        }
        if setting.ask {
            set_status(ToolStatus::Asking, String::new(), 0.0);
            let (sender, receiver) = oneshot::channel();
            self.approvals.update_value(|a| {
                a.insert(call.id.clone(), sender);
            });
            if !receiver.await.unwrap_or(false) {
                let why = "the person chose not to run this tool".to_owned();
                set_status(ToolStatus::Failed, why.clone(), 0.0);
                return (call, Outcome::Error(why));
            }
            set_status(ToolStatus::Running, String::new(), 0.0);
        }
        let started = storage::now_ms();
        let outcome = crate::tools::run(&call).await;
        let (status, result) = match &outcome {
            Outcome::Success(serde_json::Value::String(t)) => (ToolStatus::Done, t.clone()),
            Outcome::Success(v) => (ToolStatus::Done, v.to_string()),
            Outcome::Error(why) => (ToolStatus::Failed, why.clone()),
        };
        set_status(status, result, storage::now_ms() - started);
        (call, outcome)
    }

    /// Starts an empty conversation (the current one stays stored).
    pub fn new_conversation(self) {
        self.stop();
        let previous = self.meta.with_value(|m| m.id.clone());
        let had_messages = !self.messages.with_untracked(Vec::is_empty);
        if had_messages {
            // Whatever the current one still holds unsaved (a stopped reply) is kept.
            let snapshot = self.snapshot();
            leptos::task::spawn_local(async move {
                let result = storage::save(&previous, snapshot.changes()).await;
                self.report(result);
            });
        }
        let meta = new_meta(self.model_id.get_untracked());
        self.current.set(meta.id.clone());
        storage::set_preference(OPEN_KEY, &meta.id);
        self.meta.set_value(meta);
        self.saved_ids.set_value(BTreeSet::new());
        self.tool_settings.set(BTreeMap::new());
        self.tool_choice.set(None);
        self.settings.set(default_settings());
        self.summary.set(None);
        self.shown_from.set(0);
        self.own_next_conversation();
        self.messages.set(Vec::new());
        self.offered_model_for_new_conversation();
    }

    /// Stops the reply that is arriving, keeping what has arrived, and any tool loop.
    pub fn stop(self) {
        self.stop_requested.set_value(true);
        // Calls waiting for Run or Skip are skipped.
        for (_, sender) in self.approvals.try_update_value(std::mem::take).unwrap_or_default() {
            let _ = sender.send(false);
        }
        self.abort.with_value(|a| {
            if let Some(a) = a {
                a.abort();
            }
        });
    }

    /// A new message of the open conversation, owned with its other messages.
    fn message(self, id: u64, role: Role, text: String, status: MessageStatus) -> ChatMessage {
        self.messages_owner.with_value(|owner| ChatMessage::new(owner, id, role, text, status))
    }

    /// Gives the conversation about to be shown an owner of its own, and retires the old one.
    fn own_next_conversation(self) {
        let next = self.page_owner.with_value(|page| conversation_owner(page.as_ref()));
        self.turn.set(next.with(|| Turn::new(self.messages, self.busy)));
        let old = self.messages_owner.try_update_value(|owner| std::mem::replace(owner, next));
        if let Some(old) = old {
            self.retired.update_value(|retired| retired.push(old));
        }
        self.release_retired();
    }

    /// Disposes of the retired conversations' messages (their signals), once the views have let
    /// go of them and no reply is running; a running reply calls this again when it ends.
    fn release_retired(self) {
        if self.retired.with_value(Vec::is_empty) {
            return;
        }
        leptos::task::spawn_local(async move {
            // After the views' effects, which still hold the old messages until they run.
            leptos::task::tick().await;
            leptos::task::tick().await;
            if !self.busy.get_untracked() {
                for owner in self.retired.try_update_value(std::mem::take).unwrap_or_default() {
                    owner.cleanup();
                }
            }
        });
    }

    fn next_id(self) -> u64 {
        self.messages.with_untracked(|m| m.last().map_or(1, |l| l.id + 1))
    }

    /// What storage lacks of the open conversation: its record, the messages that changed
    /// since they were last saved, and the ones that were removed.
    fn snapshot(self) -> Snapshot {
        let stored: Vec<StoredMessage> =
            self.messages.with_untracked(|m| m.iter().map(|m| m.to_stored()).collect());
        let mut meta = self.meta.get_value();
        if !meta.title_edited {
            meta.title = storage::derive_title(&stored);
        }
        meta.model_id = self.model_id.get_untracked();
        meta.tool_settings = self.tool_settings.get_untracked();
        meta.tool_choice = self.tool_choice.get_untracked();
        meta.settings = self.settings.get_untracked();
        if let Some(summary) = &meta.summary
            && !stored.iter().any(|m| m.id == summary.through)
        {
            // The messages it covered were edited away.
            meta.summary = None;
            if self.summary.with_untracked(Option::is_some) {
                self.summary.set(None);
            }
        }
        meta.updated_at = storage::now_ms();
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
        let delete = self.saved_ids.with_value(|s| s.difference(&present).copied().collect());
        Snapshot { meta, put, delete }
    }

    /// Saves what changed in the open conversation. A failure (a full disk) is shown, and the
    /// next save tries again with everything still unsaved.
    async fn persist(self) {
        let snapshot = self.snapshot();
        let empty = self.messages.with_untracked(Vec::is_empty) && snapshot.delete.is_empty();
        if empty && !self.conversations.with_untracked(|all| all.iter().any(|c| c.id == snapshot.meta.id)) {
            // A conversation with nothing in it is not worth a record.
            return;
        }
        let result = storage::save(&snapshot.meta.id, snapshot.changes()).await;
        if result.is_ok() {
            self.meta.update_value(|m| m.title.clone_from(&snapshot.meta.title));
            for (view, id, json) in snapshot.put {
                view.saved.set_value(Some(json));
                self.saved_ids.update_value(|s| {
                    s.insert(id);
                });
            }
            self.saved_ids.update_value(|s| s.retain(|id| !snapshot.delete.contains(id)));
            self.list_update(snapshot.meta);
        }
        self.report(result);
    }

    /// Saves a streaming reply at most once a second, so a reload keeps what had arrived.
    /// Only that message is written: the cost does not grow with the conversation.
    fn persist_streaming(self, reply: ChatMessage) {
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
            self.report(result);
        });
    }

    /// Scrolls to the newest message and follows the reply from there.
    pub fn scroll_to_end(self) {
        self.scroller.with_value(|s| {
            if let Some(s) = s {
                s.set_scroll_top(s.scroll_height());
            }
        });
        self.set_following(true);
    }

    /// The view scrolled: reaching the bottom resumes following; moving up stops it.
    pub fn on_scroll(self) {
        let Some((top, at_end)) = self.scroller.with_value(|s| {
            s.as_ref().map(|s| (s.scroll_top(), s.scroll_top() + s.client_height() >= s.scroll_height() - 24))
        }) else {
            return;
        };
        let previous = self.last_scroll_top.try_update_value(|t| std::mem::replace(t, top)).unwrap_or(top);
        if at_end {
            self.set_following(true);
        } else if top < previous {
            self.set_following(false);
        }
    }

    /// The reader turned the wheel up: stop following at once, before the view moves.
    pub fn on_wheel(self, delta_y: f64) {
        if delta_y < 0.0 {
            self.set_following(false);
        }
    }

    fn set_following(self, following: bool) {
        if self.following.get_untracked() != following {
            self.following.set(following);
        }
    }

    /// Asks for `reply`'s view to be brought up to date at the next animation frame (one
    /// layout per frame, however many deltas arrived).
    fn schedule_frame(self, reply: ChatMessage) {
        if self.dirty.try_update_value(|d| d.replace(reply)).flatten().is_some() {
            return;
        }
        self.frame.update_value(|frame| {
            let frame = frame.get_or_insert_with(|| {
                wasm_bindgen::closure::Closure::new(move || {
                    if let Some(reply) = self.dirty.try_update_value(Option::take).flatten() {
                        reply.refresh();
                        self.follow();
                    }
                })
            });
            if let Some(window) = web_sys::window() {
                use wasm_bindgen::JsCast;
                let _ = window.request_animation_frame(frame.as_ref().unchecked_ref());
            }
        });
    }

    /// Keeps the newest text in view if the reader is following.
    fn follow(self) {
        if self.following.get_untracked() {
            self.scroll_to_end();
        }
    }

    /// Tokens used by every reply of the open conversation: (input, output, replies).
    pub fn totals(self) -> (u64, u64, usize) {
        self.messages.with(|all| {
            all.iter().filter_map(|m| m.usage.get()).fold((0, 0, 0), |(i, o, n), u| {
                (i + u64::from(u.input_tokens), o + u64::from(u.output_tokens), n + 1)
            })
        })
    }

    /// Shows up to [`SHOWN_AT_ONCE`] more of the earlier messages.
    pub fn show_earlier(self) {
        self.shown_from.update(|from| *from = from.saturating_sub(SHOWN_AT_ONCE));
    }

    /// Whether the last reply can be continued: it was cut off (by `maxTokens`, Stop, or a
    /// reload) and holds only text.
    pub fn can_continue(self, message: &ChatMessage) -> bool {
        let cut = message.stop_reason.get() == Some(StopReason::MaxTokens)
            || matches!(message.status.get(), MessageStatus::Stopped | MessageStatus::Interrupted);
        cut && message.error.with(Option::is_none)
            && message.text.with_value(|t| !t.trim().is_empty())
            && message.blocks.with_value(|b| b.iter().all(|b| matches!(b, ContentBlock::Text(_))))
    }

    /// Answers the last thing the person wrote again: drops every reply after it (a failed
    /// one, or one to regenerate) and streams a new one.
    pub fn regenerate(self) {
        if self.busy.get_untracked() {
            return;
        }
        let Some(at) =
            self.messages.with_untracked(|m| m.iter().rposition(|m| m.from_user && !m.is_tool_results()))
        else {
            return;
        };
        self.restart_after(at);
    }

    /// Replaces what the person wrote in message `id` with `text` and answers it again; the
    /// turns after it are replaced.
    pub fn edit(self, id: u64, text: String) {
        let text = text.trim().to_owned();
        if text.is_empty() || self.busy.get_untracked() {
            return;
        }
        let Some(at) = self.messages.with_untracked(|m| m.iter().position(|m| m.id == id && m.from_user))
        else {
            return;
        };
        let edited = self.message(id, Role::User, text.clone(), MessageStatus::Complete);
        let old = self.messages.with_untracked(|m| m[at]);
        // Attachments and other blocks stay; the text is what changed.
        let mut blocks: Vec<ContentBlock> =
            old.blocks.get_value().into_iter().filter(|b| !matches!(b, ContentBlock::Text(_))).collect();
        if !blocks.is_empty() {
            blocks.push(ContentBlock::Text(text));
            edited.blocks.set_value(blocks);
        }
        self.messages.update(|m| m[at] = edited);
        self.restart_after(at);
    }

    fn restart_after(self, at: usize) {
        self.messages.update(|m| m.truncate(at + 1));
        let reply = self.message(self.next_id(), Role::Assistant, String::new(), MessageStatus::Streaming);
        self.messages.update(|m| m.push(reply));
        self.start(reply, false);
    }

    /// Continues the last reply from where it was cut off; the rest streams into the same
    /// message.
    pub fn continue_reply(self) {
        let Some(reply) = self.messages.with_untracked(|m| m.last().copied()) else { return };
        if self.busy.get_untracked() || !untrack(|| self.can_continue(&reply)) {
            return;
        }
        // Bedrock refuses a prefill that ends in whitespace; the continuation brings its own.
        let text = reply.text.with_value(|t| t.trim_end().to_owned());
        reply.text.set_value(text.clone());
        reply.blocks.set_value(vec![ContentBlock::Text(text.clone())]);
        reply.live.update_value(|live| {
            if let Some(live) = live {
                live.reset(&text);
            }
        });
        reply.stop_reason.set(None);
        reply.status.set(MessageStatus::Streaming);
        self.start(reply, true);
    }

    /// Streams `reply` (continuing it, or new) and saves the conversation around it.
    fn start(self, reply: ChatMessage, continuing: bool) {
        self.busy.set(true);
        self.stop_requested.set_value(false);
        self.announcement.set(String::new());
        leptos::task::spawn_local(async move {
            self.persist().await;
            self.scroll_to_end();
            self.answer(reply, continuing).await;
            self.busy.set(false);
            self.persist().await;
            self.release_retired();
        });
    }

    /// Attaches files to the next message: each is read, checked against Bedrock's limits and
    /// the model's abilities, and shown; a file that fails says why and the others still go.
    pub fn add_files(self, files: Vec<web_sys::File>) {
        if files.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut errors = Vec::new();
            for file in files {
                let name = file.name();
                let block = match crate::attach::read(&file).await {
                    Ok(bytes) => converse_shared::validate::attachment(&name, &file.type_(), bytes),
                    Err(e) => Err(e),
                };
                match block.and_then(|block| self.room_for(&name, &block).map(|()| block)) {
                    Ok(block) => self.pending.update(|p| p.push(Pending::new(block))),
                    Err(e) => errors.push(e),
                }
            }
            self.attach_errors.set(errors);
            self.keep_pending();
        });
    }

    /// Keeps the files waiting to go with the next message (a reload brings them back).
    fn keep_pending(self) {
        let blocks: Vec<ContentBlock> =
            self.pending.with_untracked(|p| p.iter().map(|p| p.block.clone()).collect());
        leptos::task::spawn_local(async move {
            let result = storage::save_pending(&blocks).await;
            self.report(result);
        });
    }

    /// Whether the model takes `block`, and Bedrock's per-request counts allow one more.
    fn room_for(self, name: &str, block: &ContentBlock) -> Result<(), String> {
        use converse_shared::validate::{MAX_DOCUMENTS, MAX_IMAGES};
        let rules = untrack(|| self.model_rules());
        let count = |image: bool| {
            let is = |b: &ContentBlock| {
                if image {
                    matches!(b, ContentBlock::Image(_))
                } else {
                    matches!(b, ContentBlock::Document(_))
                }
            };
            self.messages.with_untracked(|all| {
                all.iter().map(|m| m.blocks.with_value(|b| b.iter().filter(|b| is(b)).count())).sum::<usize>()
            }) + self.pending.with_untracked(|p| p.iter().filter(|p| is(&p.block)).count())
        };
        match block {
            ContentBlock::Image(_) if !rules.images => {
                Err(format!("{name}: {} takes no images", rules.family))
            }
            ContentBlock::Document(_) if !rules.documents => {
                Err(format!("{name}: {} takes no documents", rules.family))
            }
            ContentBlock::Image(_) if count(true) >= MAX_IMAGES => {
                Err(format!("{name}: a conversation can carry at most {MAX_IMAGES} images"))
            }
            ContentBlock::Document(_) if count(false) >= MAX_DOCUMENTS => {
                Err(format!("{name}: a conversation can carry at most {MAX_DOCUMENTS} documents"))
            }
            _ => Ok(()),
        }
    }

    /// Takes a file back out of the next message.
    pub fn remove_pending(self, key: u64) {
        self.pending.update(|p| {
            if let Some(at) = p.iter().position(|p| p.key == key) {
                if let Some(url) = &p[at].preview {
                    let _ = web_sys::Url::revoke_object_url(url);
                }
                p.remove(at);
            }
        });
        self.keep_pending();
    }

    /// Sends the draft and streams the reply.
    pub fn send(self) {
        let text = self.draft.get_untracked().trim().to_owned();
        if self.busy.get_untracked() {
            return;
        }
        let attached: Vec<ContentBlock> =
            self.pending.with_untracked(|p| p.iter().map(|p| p.block.clone()).collect());
        if text.is_empty() {
            if attached.is_empty() {
                return;
            }
            // Bedrock takes a document only with some text.
            if attached.iter().any(|b| matches!(b, ContentBlock::Document(_))) {
                self.send_error.set(Some("Not sent: write a message to go with the document.".into()));
                return;
            }
        }
        // Settings that cannot make a valid request stop the send here, with the draft kept.
        if let Err(why) = self.settings.with_untracked(Settings::additional_fields) {
            self.send_error.set(Some(format!("Not sent: {why}. Fix it in Settings.")));
            return;
        }
        self.send_error.set(None);
        let user = self.message(self.next_id(), Role::User, text.clone(), MessageStatus::Complete);
        if !attached.is_empty() {
            let mut content = attached;
            if !text.is_empty() {
                content.push(ContentBlock::Text(text));
            }
            user.blocks.set_value(content);
            for url in self
                .pending
                .with_untracked(|p| p.iter().filter_map(|p| p.preview.clone()).collect::<Vec<_>>())
            {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
            self.pending.set(Vec::new());
            self.attach_errors.set(Vec::new());
            self.keep_pending();
        }
        let reply = self.message(user.id + 1, Role::Assistant, String::new(), MessageStatus::Streaming);
        self.messages.update(|m| m.extend([user, reply]));
        self.set_draft(String::new());
        // What the person wrote is stored before anything can fail.
        self.start(reply, false);
    }

    /// Streams replies until the model's turn is over: each round of tool calls is run,
    /// shown as cards, and answered in one user turn.
    async fn answer(self, first: ChatMessage, continuing: bool) {
        let mut tool_loop = ToolLoop::new(DEFAULT_MAX_ROUNDS);
        let mut reply = first;
        let mut first_round = true;
        while let Some((message, stop_reason)) = self.stream_reply(reply, first_round, continuing).await {
            let message = if continuing && first_round {
                // The continuation's text joins what was there.
                let mut content = vec![ContentBlock::Text(reply.text.get_value())];
                content.extend(message.content.into_iter().filter(|b| !matches!(b, ContentBlock::Text(_))));
                Message { content, ..message }
            } else {
                message
            };
            first_round = false;
            reply.blocks.set_value(message.content.clone());
            let calls = match tool_loop.next(&message, &stop_reason) {
                Next::Done => {
                    reply.not_run("not run: the model ended its turn");
                    return;
                }
                Next::RoundCapReached(n) => {
                    reply.note.set(Some(format!("Stopped after {n} rounds of tool calls.")));
                    reply.not_run("not run: the round cap was reached");
                    return;
                }
                Next::RunTools(calls) => calls,
            };
            reply.tools.set(
                cards_for(&message, None)
                    .into_iter()
                    .map(|c| ToolCard { status: ToolStatus::Running, result: String::new(), ..c })
                    .collect(),
            );
            // Every call of the round runs at once; the results go back together.
            let results = join_all(calls.into_iter().map(|call| self.run_call(reply, call))).await;
            if self.stop_requested.get_value() {
                reply.note.set(Some("Stopped before the tool results were sent.".into()));
                return;
            }
            let answered = self.messages_owner.with_value(|owner| {
                ChatMessage::tool_results(owner, self.next_id(), results_message(&results))
            });
            let next =
                self.message(answered.id + 1, Role::Assistant, String::new(), MessageStatus::Streaming);
            self.messages.update(|m| m.extend([answered, next]));
            self.persist().await;
            reply = next;
        }
    }

    /// Streams one reply; returns its message and stop reason if it completed.
    /// A forced tool choice applies to the first request of a turn only: later rounds answer
    /// with the results, and forcing a tool there would loop until the round cap.
    async fn stream_reply(
        self,
        reply: ChatMessage,
        first_round: bool,
        continuing: bool,
    ) -> Option<(Message, StopReason)> {
        // A continued reply goes last, as the start the model goes on from.
        let history: Vec<(u64, Message)> = self.messages.with_untracked(|all| {
            all.iter()
                .filter(|m| {
                    (m.id != reply.id || (continuing && first_round))
                        && m.status.get_untracked() != MessageStatus::Error
                })
                .map(|m| (m.id, m.to_stored().message))
                .collect()
        });
        let usage_before = if continuing && first_round { reply.usage.get_untracked() } else { None };
        let model_id = self.model_id.get_untracked();
        let (history, context_note) = self.fit_context(history, reply).await;
        let mut request = ConverseRequest { messages: request_messages(&history), ..Default::default() };
        let rules = rules_for(&model_id);
        if rules.tools && rules.streaming_tools {
            // A message sent before the page finished asking the relay for its tools waits for them.
            self.load_tools().await;
            let settings = self.tool_settings.get_untracked();
            let specs = self
                .all_tool_specs()
                .into_iter()
                .filter(|s| settings.get(&s.name).is_none_or(|t| t.enabled))
                .collect();
            request.tool_config = tool_config(specs);
            if first_round && let Some(config) = request.tool_config.as_mut() {
                config.tool_choice = match self.tool_choice.get_untracked().as_deref() {
                    Some("any") => Some(ToolChoice::Any(AnyToolChoice { extra: Default::default() })),
                    Some(name)
                        if config.tools.iter().any(|t| matches!(t, Tool::ToolSpec(s) if s.name == name)) =>
                    {
                        Some(ToolChoice::Tool(SpecificToolChoice {
                            name: name.to_owned(),
                            extra: Default::default(),
                        }))
                    }
                    _ => None,
                };
            }
        }
        if request.tool_config.is_none() {
            // Tools used earlier, now off (or a model without them): their calls as text.
            tool_history_as_text(&mut request.messages);
        }
        self.settings.with_untracked(|settings| apply_settings(settings, &mut request));
        // The relay refuses more output than it allows; ask for at most that.
        let offered = untrack(|| self.model_rules());
        let mut notes: Vec<String> = context_note.into_iter().collect();
        if let Some(config) = request.inference_config.as_mut()
            && let Some(asked) = config.max_tokens.filter(|m| *m > offered.max_output_tokens)
        {
            config.max_tokens = Some(offered.max_output_tokens);
            notes.push(adjustment_note(&Adjustment::MaxTokensClamped(asked), &offered));
        }
        // Fit the request to the model and check Bedrock's rules before spending a call.
        match prepare(&model_id, &mut request, true).and_then(|a| validate(&request).map(|()| a)) {
            Err(e) => {
                reply.error.set(Some(e.to_string()));
                reply.status.set(MessageStatus::Error);
                self.announcement.set(format!("The message was not sent: {e}"));
                return None;
            }
            Ok(adjustments) => {
                notes.extend(adjustments.iter().map(|a| adjustment_note(a, &rules)));
                if !notes.is_empty() {
                    reply.note.set(Some(notes.join(" ")));
                }
            }
        }
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        self.abort.set_value(Some(controller));
        let mut accumulator = StreamAccumulator::new();
        let mut stream_error = None;
        let started = storage::now_ms();
        let mut first_token_ms = None;
        let result = api::converse_stream(&model_id, &request, &signal, |item| match item {
            StreamItem::Event(event) => {
                if let Some(e) = converse_shared::BedrockError::from_stream_event(&event) {
                    stream_error = Some(e);
                    return;
                }
                if let StreamEvent::ContentBlockDelta(d) = &event
                    && let ContentBlockDelta::Text(t) = &d.delta
                {
                    reply.text.update_value(|text| text.push_str(t));
                    self.schedule_frame(reply);
                    self.persist_streaming(reply);
                }
                if matches!(event, StreamEvent::ContentBlockDelta(_) | StreamEvent::ContentBlockStart(_)) {
                    first_token_ms.get_or_insert_with(|| storage::now_ms() - started);
                }
                if let StreamEvent::Metadata(meta) = &event {
                    reply.usage.set(Some(add_usage(usage_before.as_ref(), &meta.usage)));
                    reply.timing.set(Some(Timing {
                        first_token_ms,
                        total_ms: storage::now_ms() - started,
                        latency_ms: Some(meta.metrics.latency_ms),
                    }));
                }
                reply.show_tool_input(&event);
                let _ = accumulator.push(&event);
            }
            StreamItem::Error(e) => stream_error = Some(e),
        })
        .await;
        self.abort.set_value(None);
        self.dirty.set_value(None);
        let latency_ms = reply.timing.get_untracked().and_then(|t| t.latency_ms);
        reply.timing.set(Some(Timing { first_token_ms, total_ms: storage::now_ms() - started, latency_ms }));
        reply.stop_reason.set(accumulator.stop_reason().cloned());
        reply.finish_render();
        self.follow();
        let failure = match (result, stream_error) {
            (Err(f), _) => Some(f),
            (Ok(()), Some(e)) => Some(Failure::Bedrock(e)),
            (Ok(()), None) if accumulator.stop_reason().is_none() => {
                Some(Failure::Bedrock(converse_shared::BedrockError::new(
                    converse_shared::ErrorKind::ServiceUnavailable,
                    "The reply ended before it was complete. Try again.",
                )))
            }
            (Ok(()), None) => None,
        };
        match failure {
            None => {
                reply.status.set(MessageStatus::Complete);
                self.announcement.set(tf("reply_complete", &[("text", &reply.text.get_value())]));
                match accumulator.finish() {
                    Ok(done) => return done.output.message().cloned().map(|m| (m, done.stop_reason)),
                    Err(e) => reply.note.set(Some(format!("The reply could not be read whole: {e}"))),
                }
            }
            Some(Failure::Aborted) => {
                reply.status.set(MessageStatus::Stopped);
                self.announcement.set(t("reply_stopped"));
            }
            Some(Failure::Bedrock(e)) => {
                reply.error.set(Some(e.to_string()));
                reply.status.set(MessageStatus::Error);
                self.announcement.set(tf("reply_failed", &[("error", &e.to_string())]));
            }
        }
        None
    }
}

impl Chat {
    /// The tokens a request may use before the oldest turns must go: the model's window (or
    /// what Bedrock taught us is less), less room for the reply.
    fn context_budget(self) -> u32 {
        let rules = untrack(|| self.model_rules());
        let window = self.meta.with_value(|m| m.context_budget).unwrap_or(rules.context_window);
        let reserve = self
            .settings
            .with_untracked(|s| s.max_tokens)
            .unwrap_or(rules.max_output_tokens.min(rules.context_window / 4));
        window.saturating_sub(reserve).max(window / 4)
    }

    /// The tokens the open conversation's next request will use, and the model's window.
    pub fn context_used(self) -> (u32, u32) {
        let window = self.model_rules().context_window;
        let used = self.messages.with(|all| {
            // Bedrock's figures cover everything up to the last reply that has them; only what
            // came after is estimated (and converted).
            let reported = all
                .iter()
                .enumerate()
                .rev()
                .find_map(|(i, m)| m.usage.get().map(|u| (i, u.input_tokens, u.output_tokens)));
            let from = reported.map_or(0, |(i, ..)| i);
            let messages: Vec<Message> = all[from..].iter().map(|m| m.to_stored().message).collect();
            let reported = reported.map(|(_, input, output)| (0, input, output));
            let summary_tokens = self
                .meta
                .with_value(|m| m.summary.as_ref().map(|s| converse_shared::context::estimate_text(&s.text)));
            converse_shared::context::used(&messages, reported) + summary_tokens.unwrap_or(0)
        });
        (used, window)
    }

    /// The history a request sends: messages a summary covers are replaced by it, and if the
    /// rest is still too long for the model, the oldest turns are left out or summarised (as
    /// the conversation's settings say). Returns the history and a note saying what was done.
    async fn fit_context(
        self,
        history: Vec<(u64, Message)>,
        reply: ChatMessage,
    ) -> (Vec<Message>, Option<String>) {
        let summary = self.meta.with_value(|m| m.summary.clone());
        let mut kept: Vec<(u64, Message)> = match &summary {
            Some(s) => history.into_iter().filter(|(id, _)| *id > s.through).collect(),
            None => history,
        };
        let messages: Vec<Message> = kept.iter().map(|(_, m)| m.clone()).collect();
        let start = converse_shared::context::fit_start(&messages, self.context_budget());
        let mut note = None;
        let mut summary_text = summary.map(|s| s.text);
        if start > 0 {
            let left_out = &kept[..start];
            let strategy = self.settings.with_untracked(|s| s.context);
            if strategy == storage::ContextStrategy::Summarise
                && let Some(text) = self.summarise(summary_text.as_deref(), left_out, reply).await
            {
                let through = left_out[left_out.len() - 1].0;
                self.meta
                    .update_value(|m| m.summary = Some(storage::Summary { through, text: text.clone() }));
                self.summary.set(Some(text.clone()));
                summary_text = Some(text);
                note = Some(format!(
                    "{start} earlier message{} were summarised to fit {}'s context window.",
                    if start == 1 { "" } else { "s" },
                    untrack(|| self.model_rules()).family
                ));
            } else {
                note = Some(format!(
                    "{start} earlier message{} were left out to fit {}'s context window.",
                    if start == 1 { "" } else { "s" },
                    untrack(|| self.model_rules()).family
                ));
            }
            kept.drain(..start);
        }
        let mut messages: Vec<Message> = kept.into_iter().map(|(_, m)| m).collect();
        if let Some(text) = summary_text
            && let Some(first) = messages.first_mut()
        {
            first
                .content
                .insert(0, ContentBlock::Text(format!("Summary of the earlier conversation: {text}")));
        }
        (messages, note)
    }

    /// Asks the model for a summary of `messages` (and of an earlier summary), without
    /// showing it streaming. `None` if it could not be had (the turns are then left out).
    async fn summarise(
        self,
        earlier: Option<&str>,
        messages: &[(u64, Message)],
        reply: ChatMessage,
    ) -> Option<String> {
        reply.note.set(Some("Summarising earlier messages…".into()));
        let mut history: Vec<Message> = messages.iter().map(|(_, m)| m.clone()).collect();
        if let Some(earlier) = earlier
            && let Some(first) = history.first_mut()
        {
            first
                .content
                .insert(0, ContentBlock::Text(format!("Summary of the earlier conversation: {earlier}")));
        }
        history.push(Message::text(
            Role::User,
            "Summarise the conversation so far in at most 200 words, keeping names, numbers and \
             decisions. Reply with the summary only.",
        ));
        let request = ConverseRequest {
            messages: request_messages(&history),
            inference_config: Some(InferenceConfiguration { max_tokens: Some(400), ..Default::default() }),
            ..Default::default()
        };
        let controller = AbortController::new().ok()?;
        let mut accumulator = StreamAccumulator::new();
        let model_id = self.model_id.get_untracked();
        let result = api::converse_stream(&model_id, &request, &controller.signal(), |item| {
            if let StreamItem::Event(event) = item {
                let _ = accumulator.push(&event);
            }
        })
        .await;
        reply.note.set(None);
        let text = accumulator.text();
        (result.is_ok() && !text.trim().is_empty()).then_some(text)
    }

    /// After Bedrock refused a request as too long for the model: lowers the conversation's
    /// context budget below what was sent, and answers the last message again.
    pub fn trim_and_retry(self) {
        let window = untrack(|| self.model_rules()).context_window;
        let estimated = self.messages.with_untracked(|all| {
            let sent: Vec<Message> = all
                .iter()
                .filter(|m| m.status.get_untracked() != MessageStatus::Error)
                .map(|m| m.to_stored().message)
                .collect();
            converse_shared::context::used(&sent, None)
        });
        let budget = self.meta.with_value(|m| m.context_budget).unwrap_or(window).min(estimated) * 3 / 5;
        self.meta.update_value(|m| m.context_budget = Some(budget.max(1)));
        self.regenerate();
    }
}

/// Whether a reply failed because the conversation is too long for the model.
pub fn too_long(message: &ChatMessage) -> bool {
    message.stop_reason.get() == Some(StopReason::ModelContextWindowExceeded)
        || message.error.with(|e| e.as_deref().is_some_and(|e| e.contains("too long")))
}

/// Tokens of a continued reply: what it had used, plus what the continuation used.
fn add_usage(before: Option<&TokenUsage>, now: &TokenUsage) -> TokenUsage {
    let Some(before) = before else { return now.clone() };
    let sum = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    };
    TokenUsage {
        input_tokens: before.input_tokens + now.input_tokens,
        output_tokens: before.output_tokens + now.output_tokens,
        total_tokens: before.total_tokens + now.total_tokens,
        cache_read_input_tokens: sum(before.cache_read_input_tokens, now.cache_read_input_tokens),
        cache_write_input_tokens: sum(before.cache_write_input_tokens, now.cache_write_input_tokens),
        ..now.clone()
    }
}

/// Puts a conversation's settings into a request.
fn apply_settings(settings: &Settings, request: &mut ConverseRequest) {
    if !settings.system_prompt.trim().is_empty() {
        request.system = Some(vec![SystemContentBlock::Text(settings.system_prompt.clone())]);
    }
    let config = InferenceConfiguration {
        max_tokens: settings.max_tokens,
        temperature: settings.temperature,
        top_p: settings.top_p,
        stop_sequences: (!settings.stop_sequences.is_empty()).then(|| settings.stop_sequences.clone()),
        ..Default::default()
    };
    if config != InferenceConfiguration::default() {
        request.inference_config = Some(config);
    }
    request.additional_model_request_fields = settings.additional_fields().ok().flatten();
}

/// What [`prepare`] changed, in words for the person.
fn adjustment_note(adjustment: &Adjustment, rules: &ModelRules) -> String {
    let family = rules.family;
    match adjustment {
        Adjustment::SystemPromptFolded => {
            format!("{family} takes no system prompt: it was sent at the start of your first message.")
        }
        Adjustment::TopPDropped => {
            format!("{family} takes temperature or top P, not both: top P was left out.")
        }
        Adjustment::StopSequencesDropped => format!("{family} takes no stop sequences: they were left out."),
        Adjustment::MaxTokensClamped(asked) => {
            format!("Max tokens {asked} is above {family}'s {}: it was lowered.", rules.max_output_tokens)
        }
        Adjustment::ReasoningDropped(n) => format!("{n} reasoning block(s) were not sent back to {family}."),
    }
}

/// What a save writes (see [`Chat::snapshot`]).
struct Snapshot {
    meta: ConversationMeta,
    put: Vec<(ChatMessage, u64, String)>,
    delete: Vec<u64>,
}

impl Snapshot {
    fn changes(&self) -> Changes<'_> {
        Changes {
            meta: Some(&self.meta),
            put: self.put.iter().map(|(_, id, json)| (*id, json.clone())).collect(),
            delete: self.delete.clone(),
        }
    }
}

fn damaged_note(count: usize, what: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!(
        "{count} stored {what}{plural} could not be read and {} left out; the rest are here.",
        if count == 1 { "is" } else { "are" }
    )
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
}

impl Turn {
    fn new(messages: RwSignal<Vec<ChatMessage>>, busy: RwSignal<bool>) -> Self {
        Self {
            last_reply: Memo::new(move |_| {
                messages.with(|m| m.last().filter(|l| !l.from_user).map(|l| l.key))
            }),
            idle: Memo::new(move |_| !busy.get()),
        }
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

impl Default for Chat {
    fn default() -> Self {
        Self::new()
    }
}
