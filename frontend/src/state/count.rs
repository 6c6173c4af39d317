//! Bedrock's own count of the tokens the next request will send (`CountTokens`, which Bedrock
//! does not bill), for the models it counts. The context meter shows it, and says when it
//! shows an estimate instead: while a change waits to be counted, and for a model Bedrock
//! does not count.
//!
//! A change (a message, the draft, a file, a setting) is counted once it has rested for
//! [`REST_MS`]; a state counted before (the draft typed and then deleted, a conversation
//! opened again) is answered from the counts already had, without a call.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use converse_shared::conversation::{request_messages, turns_to_send};
use converse_shared::models::{counting_model_id, leave_out_unsupported, prepare};
use converse_shared::{
    ContentBlock, ConverseRequest, ConverseTokensRequest, CountTokensInput, CountTokensRequest, ErrorKind,
    Message, Role,
};
use leptos::prelude::*;

use crate::api::{self, Failure};
use crate::state::composer::ComposerState;
use crate::state::conversation::Conversation;
use crate::storage::MessageStatus;

/// How long a change rests before it is counted (a pause in typing).
pub const REST_MS: u64 = 700;

/// The most counts kept.
const KEPT: usize = 64;

/// Where the context meter's figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Bedrock counted what would be sent now.
    Counted,
    /// Estimated, and being counted: Bedrock's count replaces it when it comes.
    Counting,
    /// Estimated: Bedrock does not count this model's tokens (or could not this time).
    Estimated,
}

/// The open conversation's token count, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct TokenCount {
    /// Bedrock's count of the latest state, once it is had.
    counted: RwSignal<Option<u32>>,
    /// A count of the latest state is waiting or under way.
    counting: RwSignal<bool>,
    /// Bumped by every change: a count that comes back for an older state is not shown.
    generation: StoredValue<u64>,
    /// Counts had, by a hash of the model and what was counted (a few dozen: a list is enough).
    kept: StoredValue<Vec<(u64, u32)>>,
    /// Models Bedrock (or the relay) would not count for: not asked again this visit.
    refused: StoredValue<Vec<String>>,
    /// The pending wait for the latest change to rest.
    timer: StoredValue<Option<TimeoutHandle>>,
}

impl TokenCount {
    /// Counts the tokens of `conversation` with what `composer` holds, as they change.
    pub fn new(conversation: Conversation, composer: ComposerState) -> Self {
        let this = Self {
            counted: RwSignal::new(None),
            counting: RwSignal::new(false),
            generation: StoredValue::new(0),
            kept: StoredValue::new(Vec::new()),
            refused: StoredValue::new(Vec::new()),
            timer: StoredValue::new(None),
        };
        Effect::new(move |_| {
            let settings = conversation.settings;
            let model_id = settings.model_id.get();
            let rules = settings.model_rules();
            conversation.messages.track();
            conversation.current.track();
            composer.draft.track();
            composer.pending.track();
            settings.settings.track();
            settings.tool_settings.track();
            let busy = conversation.running.busy.get();
            this.generation.update_value(|g| *g += 1);
            if let Some(waiting) = this.timer.try_update_value(Option::take).flatten() {
                waiting.clear();
            }
            this.counted.set(None);
            let counting = counting_model_id(&model_id, &rules).map(str::to_owned);
            // Nothing is counted while a reply streams (it is not what the next request sends
            // until it ends), in the widget (which shows no meter), or for a model not counted.
            let counting = counting.filter(|id| {
                !busy && crate::mode::widget().is_none() && !this.refused.with_value(|r| r.contains(id))
            });
            this.counting.set(counting.is_some());
            let Some(counting_id) = counting else { return };
            let generation = this.generation.get_value();
            let rest = move || {
                leptos::task::spawn_local(this.count(conversation, composer, counting_id, generation))
            };
            let handle = set_timeout_with_handle(rest, Duration::from_millis(REST_MS));
            this.timer.set_value(handle.ok());
        });
        this
    }

    /// The figure to show: Bedrock's count if it is had (given the estimate otherwise), and
    /// where it comes from.
    pub fn figure(self, estimate: u32) -> (u32, Source) {
        match (self.counted.get(), self.counting.get()) {
            (Some(counted), _) => (counted, Source::Counted),
            (None, true) => (estimate, Source::Counting),
            (None, false) => (estimate, Source::Estimated),
        }
    }

    /// Counts the latest state (numbered `generation`) by `counting_id`.
    async fn count(
        self,
        conversation: Conversation,
        composer: ComposerState,
        counting_id: String,
        generation: u64,
    ) {
        let current = move || self.generation.get_value() == generation;
        let Some(request) = counted_request(conversation, composer).await else {
            self.counting.set(false);
            return;
        };
        let key = {
            let mut hasher = DefaultHasher::new();
            counting_id.hash(&mut hasher);
            serde_json::to_vec(&request).unwrap_or_default().hash(&mut hasher);
            hasher.finish()
        };
        if let Some(known) =
            self.kept.with_value(|kept| kept.iter().find(|(k, _)| *k == key).map(|(_, n)| *n))
        {
            if current() {
                self.counted.set(Some(known));
                self.counting.set(false);
            }
            return;
        }
        let result = api::count_tokens(&counting_id, &request).await;
        match result {
            Ok(tokens) => {
                self.kept.update_value(|kept| {
                    if kept.len() >= KEPT {
                        kept.remove(0);
                    }
                    kept.push((key, tokens));
                });
                if current() {
                    self.counted.set(Some(tokens));
                }
            }
            // The model is not counted after all, or the relay does not count (an older relay,
            // or one that does not offer it): estimates from here on.
            Err(Failure::Bedrock(e))
                if matches!(
                    e.kind,
                    ErrorKind::Validation | ErrorKind::AccessDenied | ErrorKind::UnknownOperation
                ) =>
            {
                self.refused.update_value(|r| r.push(counting_id));
            }
            // Throttled, or the relay out of reach: this change stays estimated.
            Err(_) => {}
        }
        if current() {
            self.counting.set(false);
        }
    }
}

/// What the next request would send, as `CountTokens` counts it: the history (failed turns
/// left out, a summary in place of the turns it covers) and the draft with its files, the
/// system prompt and the tools on, fitted to the model as a send fits it. `None` when there is
/// nothing to count, or the request could not be sent as it is.
async fn counted_request(conversation: Conversation, composer: ComposerState) -> Option<CountTokensRequest> {
    let settings = conversation.settings;
    let summary = conversation.meta.with_value(|m| m.summary.clone());
    let (messages, failed): (Vec<Message>, Vec<bool>) = conversation.messages.with_untracked(|all| {
        all.iter()
            .filter(|m| summary.as_ref().is_none_or(|s| m.id > s.through))
            .map(|m| (m.to_stored().message, m.status.get_untracked() == MessageStatus::Error))
            .unzip()
    });
    let keep = turns_to_send(&messages, &failed);
    let mut history: Vec<Message> =
        messages.into_iter().zip(keep).filter(|(_, k)| *k).map(|(m, _)| m).collect();
    let mut draft = composer.attached();
    let text = composer.draft.get_untracked();
    if !text.trim().is_empty() {
        draft.push(ContentBlock::Text(text));
    }
    if !draft.is_empty() {
        history.push(Message { role: Role::User, content: draft, extra: Default::default() });
    }
    if let (Some(summary), Some(first)) = (summary, history.first_mut()) {
        let text = format!("Summary of the earlier conversation: {}", summary.text);
        first.content.insert(0, ContentBlock::Text(text));
    }
    if history.is_empty() {
        return None;
    }
    let model_id = settings.model_id.get_untracked();
    let rules = untrack(|| settings.model_rules());
    let mut request = ConverseRequest { messages: request_messages(&history), ..Default::default() };
    settings.offer_tools(&mut request, &rules, true).await;
    leave_out_unsupported(&mut request.messages, &rules);
    settings.apply(&mut request);
    prepare(&model_id, &rules, &mut request, true).ok()?;
    let input = ConverseTokensRequest {
        messages: Some(request.messages),
        system: request.system,
        tool_config: request.tool_config,
        additional_model_request_fields: None,
        extra: Default::default(),
    };
    Some(CountTokensRequest { input: CountTokensInput::Converse(input), extra: Default::default() })
}
