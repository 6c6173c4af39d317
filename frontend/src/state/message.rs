//! One message on screen ([`ChatMessage`]) and the tool calls shown in a reply ([`ToolCard`]).
//!
//! A message's fields are handles into Leptos's arena, made in its conversation's owner and
//! disposed with it; a streamed reply's text is not reactive but shown once per frame through
//! its [`LiveMarkdown`] view, so the work per token does not grow with the reply.

use converse_shared::citations::{cites, marked_text};
use converse_shared::search::Found;
use converse_shared::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, Message, ReasoningContentBlock,
    ReasoningContentBlockDelta, Role, StopReason, StreamEvent, TokenUsage,
};
use leptos::prelude::*;

use crate::render::{LiveMarkdown, LiveText};
use crate::storage::{MessageStatus, StoredMessage, Timing, Versions};

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
    /// Its result or error, once known (its search results apart, in `found`).
    pub result: String,
    /// The search results it returned: listed with their sources.
    pub found: Vec<Found>,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
}

/// The cards of a reply's calls, each with its result in `results` (the turn that answered
/// them), if any.
pub(crate) fn cards_for(reply: &Message, results: Option<&Message>) -> Vec<ToolCard> {
    converse_shared::tools::answered(reply, results)
        .into_iter()
        .map(|a| {
            let (status, result) = match a.result {
                None => (ToolStatus::Failed, "not run".to_owned()),
                Some(Ok(text)) => (ToolStatus::Done, text),
                Some(Err(text)) => (ToolStatus::Failed, text),
            };
            ToolCard {
                id: a.call.id,
                name: a.call.name,
                input: a.call.input.to_string(),
                status,
                result,
                found: a.found,
                duration_ms: 0.0,
            }
        })
        .collect()
}

/// What reasoning a reply carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reasoning {
    /// Reasoning the person can read.
    pub readable: bool,
    /// Reasoning the provider encrypted (kept, and sent back as it came).
    pub redacted: bool,
}

impl Reasoning {
    /// Whether there is any.
    pub fn any(self) -> bool {
        self.readable || self.redacted
    }

    /// The reasoning in `blocks`: its readable text (blocks joined by a blank line), and what it
    /// holds.
    fn of(blocks: &[ContentBlock]) -> (String, Self) {
        let mut text = Vec::new();
        let mut this = Self::default();
        for block in blocks {
            match block {
                ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(r)) => {
                    text.push(r.text.as_str());
                    this.readable = true;
                }
                ContentBlock::ReasoningContent(_) => this.redacted = true,
                _ => {}
            }
        }
        (text.join("\n\n"), this)
    }
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
    /// The service tier that served this reply.
    pub service_tier: RwSignal<Option<String>>,
    /// The message's Bedrock content once complete (text, tool calls, tool results);
    /// empty while a reply streams, when `text` is all there is.
    pub blocks: StoredValue<Vec<ContentBlock>>,
    /// The tool calls of this reply, as shown.
    pub tools: RwSignal<Vec<ToolCard>>,
    /// A note shown under the reply.
    pub note: RwSignal<Option<String>>,
    /// The model's readable reasoning, as far as it has arrived. Not reactive: its view is
    /// updated once per frame through `thinking_live`.
    pub thinking: StoredValue<String>,
    /// The reasoning's view, once mounted.
    pub thinking_live: StoredValue<Option<LiveText>, LocalStorage>,
    /// What reasoning the reply carries, for the "Thinking" section.
    pub reasoning: RwSignal<Reasoning>,
    /// While streaming: which content block index carries which tool call.
    tool_blocks: StoredValue<Vec<(u32, String)>>,
    /// The JSON last written to storage, to write only what changed.
    pub(crate) saved: StoredValue<Option<String>>,
    /// When it was written (milliseconds since the epoch), where known.
    pub at: Option<f64>,
    /// The other versions of the conversation from this message on.
    pub versions: RwSignal<Versions>,
}

impl ChatMessage {
    /// A message whose signals belong to `owner`: its conversation's, so they go with it (not
    /// with the view that asked for it: Regenerate is clicked in the reply it replaces).
    pub(crate) fn new(owner: &Owner, id: u64, role: Role, text: String, status: MessageStatus) -> Self {
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
            service_tier: RwSignal::new(None),
            blocks: StoredValue::new(Vec::new()),
            tools: RwSignal::new(Vec::new()),
            note: RwSignal::new(None),
            thinking: StoredValue::new(String::new()),
            thinking_live: StoredValue::new_local(None),
            reasoning: RwSignal::new(Reasoning::default()),
            tool_blocks: StoredValue::new(Vec::new()),
            saved: StoredValue::new(None),
            at: Some(js_sys::Date::now()),
            versions: RwSignal::new(Versions::default()),
        }
    }

    /// A user turn that carries tool results (shown in the reply's tool cards, not as a bubble).
    pub(crate) fn tool_results(owner: &Owner, id: u64, message: Message) -> Self {
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

    pub(crate) fn from_stored(owner: &Owner, m: StoredMessage, json: Option<String>) -> Self {
        let saved = json.or_else(|| serde_json::to_string(&m).ok());
        let mut m = m;
        // A reply that was arriving when the page closed is what had arrived.
        if m.status == MessageStatus::Streaming {
            m.status = MessageStatus::Interrupted;
        }
        let mut this = Self::new(owner, m.id, m.message.role.clone(), m.message.joined_text(), m.status);
        this.at = m.at;
        this.versions.set(m.versions);
        this.saved.set_value(saved);
        this.error.set(m.error);
        this.usage.set(m.usage);
        this.stop_reason.set(m.stop_reason);
        this.timing.set(m.timing);
        this.service_tier.set(m.service_tier);
        let (thinking, reasoning) = Reasoning::of(&m.message.content);
        this.thinking.set_value(thinking);
        this.reasoning.set(reasoning);
        this.blocks.set_value(m.message.content);
        this
    }

    /// Keeps the reply's content once whole; a reply that cites sources is shown again with
    /// its passages marked and its sources listed under it (see [`marked_text`]).
    pub(crate) fn set_blocks(&self, content: Vec<ContentBlock>) {
        let cited = cites(&content);
        self.blocks.set_value(content);
        if cited {
            self.finish_render();
        }
    }

    pub(crate) fn to_stored(self) -> StoredMessage {
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
            service_tier: self.service_tier.get_untracked(),
            at: self.at,
            versions: self.versions.get_untracked(),
        }
    }

    /// Who wrote it.
    pub fn role(&self) -> Role {
        if self.from_user { Role::User } else { Role::Assistant }
    }

    /// Shows a tool call as its input streams in: a card at its start, input as it arrives.
    pub(crate) fn show_tool_input(&self, event: &StreamEvent) {
        match event {
            StreamEvent::ContentBlockStart(start) => {
                if let ContentBlockStart::ToolUse(t) = &start.start {
                    let card = ToolCard {
                        id: t.tool_use_id.clone(),
                        name: t.name.clone(),
                        input: String::new(),
                        status: ToolStatus::Receiving,
                        result: String::new(),
                        found: Vec::new(),
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

    /// Shows the reply's reasoning as it streams in (its view catches up once per frame).
    pub(crate) fn show_reasoning(&self, delta: &ReasoningContentBlockDelta) {
        let mut now = self.reasoning.get_untracked();
        match delta {
            ReasoningContentBlockDelta::Text(piece) => {
                self.thinking.update_value(|t| t.push_str(piece));
                now.readable = true;
            }
            ReasoningContentBlockDelta::RedactedContent(_) => now.redacted = true,
            _ => {}
        }
        if now != self.reasoning.get_untracked() {
            self.reasoning.set(now);
        }
    }

    /// Marks the cards of calls that will not run.
    pub(crate) fn not_run(&self, why: &str) {
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
    pub(crate) fn refresh(&self) {
        self.thinking.with_value(|text| {
            self.thinking_live.update_value(|live| {
                if let Some(live) = live {
                    live.update(text);
                }
            })
        });
        self.text.with_value(|text| {
            self.live.update_value(|live| {
                if let Some(live) = live {
                    live.update(text);
                }
            })
        });
    }

    /// Shows the reply's final text, all of it rendered.
    /// A reply that is all JSON (a reply format's, or one that happens to be) is shown as a
    /// tree whose objects and arrays fold, with a copy button for the JSON, indented.
    pub(crate) fn finish_render(&self) {
        self.text.with_value(|text| {
            let json = converse_shared::reply_format::json_reply(text)
                .and_then(|value| Some(crate::json_view::html(&value, &indented_json(text)?)));
            let marked = || self.blocks.with_value(|blocks| marked_text(blocks));
            self.live.update_value(|live| {
                let Some(live) = live else { return };
                match (&json, marked()) {
                    (Some(html), _) => live.finish_as_html(html),
                    (None, Some(shown)) => {
                        live.reset(&shown);
                        live.finish(&shown);
                    }
                    (None, None) => live.finish(text),
                }
            })
        });
    }
}

/// `text`, JSON, indented by the browser (no second, pretty serializer in the page).
fn indented_json(text: &str) -> Option<String> {
    let value = js_sys::JSON::parse(text).ok()?;
    js_sys::JSON::stringify_with_replacer_and_space(&value, &wasm_bindgen::JsValue::NULL, &2.into())
        .ok()
        .and_then(|s| s.as_string())
}
