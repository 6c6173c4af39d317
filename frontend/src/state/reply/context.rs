//! The context window: what the next request will use, and fitting a long conversation into
//! it — the turns a summary covers are replaced by it, and the oldest turns beyond the window
//! are left out or summarised, as the conversation's settings say.

use converse_shared::conversation::request_messages;
use converse_shared::eventstream::StreamItem;
use converse_shared::{
    ContentBlock, ConverseRequest, InferenceConfiguration, Message, Role, StreamAccumulator,
};
use leptos::prelude::*;
use web_sys::AbortController;

use super::Reply;
use crate::api;
use crate::state::message::ChatMessage;
use crate::storage::{self, MessageStatus};

impl Reply {
    /// The tokens a request may use before the oldest turns must go: the model's window (or
    /// what Bedrock taught us is less), less room for the reply.
    fn context_budget(self) -> u32 {
        let conversation = self.conversation;
        let rules = untrack(|| conversation.settings.model_rules());
        let window = conversation.meta.with_value(|m| m.context_budget).unwrap_or(rules.context_window);
        let reserve = conversation
            .settings
            .settings
            .with_untracked(|s| s.max_tokens)
            .unwrap_or(rules.max_output_tokens.min(rules.context_window / 4));
        window.saturating_sub(reserve).max(window / 4)
    }

    /// The tokens the open conversation's next request will use, and the model's window.
    pub fn context_used(self) -> (u32, u32) {
        let conversation = self.conversation;
        let window = conversation.settings.model_rules().context_window;
        let used = conversation.messages.with(|all| {
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
            let summary_tokens = conversation
                .meta
                .with_value(|m| m.summary.as_ref().map(|s| converse_shared::context::estimate_text(&s.text)));
            converse_shared::context::used(&messages, reported) + summary_tokens.unwrap_or(0)
        });
        // What is being written goes too.
        let mut draft = self.composer.attached();
        self.composer.draft.with(|text| {
            if !text.trim().is_empty() {
                draft.push(ContentBlock::Text(text.clone()));
            }
        });
        self.composer.pending.track();
        let writing = match draft.is_empty() {
            true => 0,
            false => converse_shared::context::estimate_message(&Message {
                role: Role::User,
                content: draft,
                extra: Default::default(),
            }),
        };
        (used + writing, window)
    }

    /// The history a request sends: messages a summary covers are replaced by it, and if the
    /// rest is still too long for the model, the oldest turns are left out or summarised (as
    /// the conversation's settings say). Returns the history and a note saying what was done.
    pub(super) async fn fit_context(
        self,
        history: Vec<(u64, Message)>,
        reply: ChatMessage,
    ) -> (Vec<Message>, Option<String>) {
        let conversation = self.conversation;
        let summary = conversation.meta.with_value(|m| m.summary.clone());
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
            let strategy = conversation.settings.settings.with_untracked(|s| s.context);
            let family = untrack(|| conversation.settings.model_rules()).family;
            let plural = if start == 1 { "" } else { "s" };
            if strategy == storage::ContextStrategy::Summarise
                && let Some(text) = self.summarise(summary_text.as_deref(), left_out, reply).await
            {
                let through = left_out[left_out.len() - 1].0;
                conversation
                    .meta
                    .update_value(|m| m.summary = Some(storage::Summary { through, text: text.clone() }));
                conversation.summary.set(Some(text.clone()));
                summary_text = Some(text);
                note = Some(format!(
                    "{start} earlier message{plural} were summarised to fit {family}'s context window."
                ));
            } else {
                note = Some(format!(
                    "{start} earlier message{plural} were left out to fit {family}'s context window."
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
        let model_id = self.conversation.settings.model_id.get_untracked();
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
        let conversation = self.conversation;
        let window = untrack(|| conversation.settings.model_rules()).context_window;
        let estimated = conversation.messages.with_untracked(|all| {
            let sent: Vec<Message> = all
                .iter()
                .filter(|m| m.status.get_untracked() != MessageStatus::Error)
                .map(|m| m.to_stored().message)
                .collect();
            converse_shared::context::used(&sent, None)
        });
        let budget =
            conversation.meta.with_value(|m| m.context_budget).unwrap_or(window).min(estimated) * 3 / 5;
        conversation.meta.update_value(|m| m.context_budget = Some(budget.max(1)));
        self.regenerate();
    }
}
