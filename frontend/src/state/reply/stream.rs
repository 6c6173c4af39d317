//! One reply: the request made from the conversation and its settings (fitted to the model
//! and checked against Bedrock's rules before a call is spent), and the reply streamed into
//! its message as it arrives.

use converse_shared::conversation::{add_usage, request_messages, turns_to_send};
use converse_shared::eventstream::StreamItem;
use converse_shared::models::{
    Adjustment, ModelRules, ThinkingChanges, enable_thinking, leave_out_unsupported, left_out_words, prepare,
};
use converse_shared::validate::validate;
use converse_shared::{
    BedrockError, ContentBlockDelta, ConverseRequest, ErrorKind, Message, StopReason, StreamAccumulator,
    StreamEvent,
};
use leptos::prelude::*;
use web_sys::AbortController;

use super::Reply;
use crate::api::{self, Failure};
use crate::i18n::{t, tf};
use crate::state::message::ChatMessage;
use crate::state::notices::explain;
use crate::storage::{self, MessageStatus, Timing};

impl Reply {
    /// Streams one reply; returns its message and stop reason if it completed.
    pub(super) async fn stream_reply(
        self,
        reply: ChatMessage,
        first_round: bool,
        continuing: bool,
    ) -> Option<(Message, StopReason)> {
        let request = self.request(reply, first_round, continuing).await?;
        let conversation = self.conversation;
        let (running, follow, notices) = (conversation.running, conversation.follow, conversation.notices);
        let usage_before = if continuing && first_round { reply.usage.get_untracked() } else { None };
        let model_id = conversation.settings.model_id.get_untracked();
        let controller = AbortController::new().ok()?;
        let signal = controller.signal();
        running.set_request(Some((controller, reply)));
        let mut accumulator = StreamAccumulator::new();
        let mut stream_error = None;
        let started = storage::now_ms();
        let mut first_token_ms = None;
        let result = api::converse_stream(&model_id, &request, &signal, |item| match item {
            StreamItem::Event(event) => {
                if let Some(e) = BedrockError::from_stream_event(&event) {
                    stream_error = Some(e);
                    return;
                }
                if let StreamEvent::ContentBlockDelta(d) = &event
                    && let ContentBlockDelta::Text(t) = &d.delta
                {
                    reply.text.update_value(|text| text.push_str(t));
                    follow.schedule_frame(reply);
                    conversation.persist_streaming(reply);
                }
                if let StreamEvent::ContentBlockDelta(d) = &event
                    && let ContentBlockDelta::ReasoningContent(r) = &d.delta
                {
                    reply.show_reasoning(r);
                    follow.schedule_frame(reply);
                }
                if matches!(event, StreamEvent::ContentBlockDelta(_) | StreamEvent::ContentBlockStart(_)) {
                    first_token_ms.get_or_insert_with(|| storage::now_ms() - started);
                }
                if let StreamEvent::Metadata(meta) = &event {
                    reply.usage.set(Some(add_usage(usage_before.as_ref(), &meta.usage)));
                    reply.service_tier.set(meta.service_tier.as_ref().map(|t| t.r#type.to_string()));
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
        running.set_request(None);
        follow.cancel_frame();
        let latency_ms = reply.timing.get_untracked().and_then(|t| t.latency_ms);
        reply.timing.set(Some(Timing { first_token_ms, total_ms: storage::now_ms() - started, latency_ms }));
        reply.stop_reason.set(accumulator.stop_reason().cloned());
        reply.finish_render();
        follow.follow();
        let failure = match (result, stream_error) {
            (Err(f), _) => Some(f),
            (Ok(()), Some(e)) => Some(Failure::Bedrock(e)),
            (Ok(()), None) if accumulator.stop_reason().is_none() => {
                Some(Failure::Bedrock(BedrockError::new(
                    ErrorKind::ServiceUnavailable,
                    "The reply ended before it was complete. Try again.",
                )))
            }
            (Ok(()), None) => None,
        };
        match failure {
            None => {
                reply.status.set(MessageStatus::Complete);
                // A reply that asks for tools is not over: its tools run (or wait for the person).
                if accumulator.stop_reason() != Some(&StopReason::ToolUse) {
                    notices.announcement.set(tf("reply_complete", &[("text", &reply.text.get_value())]));
                }
                match accumulator.finish() {
                    Ok(done) => return done.output.message().cloned().map(|m| (m, done.stop_reason)),
                    Err(e) => reply.note.set(Some(format!("The reply could not be read whole: {e}"))),
                }
            }
            Some(Failure::Aborted) => {
                reply.status.set(MessageStatus::Stopped);
                notices.announcement.set(t("reply_stopped"));
            }
            Some(Failure::Bedrock(e)) => {
                let said = explain(&e);
                reply.error.set(Some(said.clone()));
                reply.status.set(MessageStatus::Error);
                notices.announcement.set(tf("reply_failed", &[("error", &said)]));
            }
        }
        None
    }

    /// The request for `reply`: the history (a continued reply goes last, as the start the
    /// model goes on from), fitted to the context window, with the conversation's tools and
    /// settings, fitted to the model and checked. `None`, with the reply marked failed, if it
    /// cannot be valid; what was changed to fit is noted on the reply.
    async fn request(
        self,
        reply: ChatMessage,
        first_round: bool,
        continuing: bool,
    ) -> Option<ConverseRequest> {
        let conversation = self.conversation;
        let settings = conversation.settings;
        let history: Vec<(u64, Message, bool)> = conversation.messages.with_untracked(|all| {
            all.iter()
                .filter(|m| m.id != reply.id || (continuing && first_round))
                .map(|m| (m.id, m.to_stored().message, m.status.get_untracked() == MessageStatus::Error))
                .collect()
        });
        // A failed reply and the prompt it answered are not sent (see `turns_to_send`).
        let (messages, failed): (Vec<Message>, Vec<bool>) =
            history.iter().map(|(_, m, failed)| (m.clone(), *failed)).unzip();
        let keep = turns_to_send(&messages, &failed);
        let history: Vec<(u64, Message)> =
            history.into_iter().zip(keep).filter(|(_, keep)| *keep).map(|((id, m, _), _)| (id, m)).collect();
        let model_id = settings.model_id.get_untracked();
        let (history, context_note) = self.fit_context(history, reply).await;
        let mut request = ConverseRequest { messages: request_messages(&history), ..Default::default() };
        // What the model takes: the relay's word (the deployer's declaration, or the table).
        let rules = untrack(|| settings.model_rules());
        // Tools used earlier and now off stay valid: withdrawn, or told as text.
        settings.offer_tools(&mut request, &rules, first_round).await;
        // Attachments the model cannot take (the conversation holds them from another model)
        // go as a line saying so, rather than wedging every later message.
        let left_out = leave_out_unsupported(&mut request.messages, &rules);
        if rules.citations {
            converse_shared::citations::ask(&mut request.messages);
        } else {
            // Search results go to the models that cite them; to the others, as text.
            converse_shared::search::to_text(&mut request.messages);
        }
        settings.apply(&mut request);
        let cache = settings.settings.with_untracked(|s| s.prompt_cache.clone());
        if let Some(ttl) = cache.and_then(|ttl| converse_shared::cache::lifetime(&ttl, &rules.prompt_cache)) {
            converse_shared::cache::place(&mut request.messages, ttl);
        }
        // The relay's output cap counts: the budget must stay below maxTokens.
        let thinking = settings.settings.with_untracked(|s| s.thinking_budget);
        let thinking = thinking.and_then(|budget| enable_thinking(&mut request, &rules, budget));
        // The relay refuses more output than it allows; ask for at most that.
        let mut notes: Vec<String> = context_note.into_iter().collect();
        notes.extend(left_out_note(left_out, &rules.family));
        notes.extend(thinking.map(|changes| thinking_note(changes, &rules.family)).filter(|n| !n.is_empty()));
        // Fit the request to the model (its output to the relay's cap too) and check
        // Bedrock's rules before spending a call.
        match prepare(&model_id, &rules, &mut request, true).and_then(|a| validate(&request).map(|()| a)) {
            Err(e) => {
                let said = explain(&e);
                reply.error.set(Some(said.clone()));
                reply.status.set(MessageStatus::Error);
                conversation.notices.announcement.set(format!("The message was not sent. {said}"));
                None
            }
            Ok(adjustments) => {
                notes.extend(adjustments.iter().map(|a| adjustment_note(a, &rules)));
                if !notes.is_empty() {
                    reply.note.set(Some(notes.join(" ")));
                }
                Some(request)
            }
        }
    }
}

/// Whether a reply failed because the conversation is too long for the model.
pub fn too_long(message: &ChatMessage) -> bool {
    message.stop_reason.get() == Some(StopReason::ModelContextWindowExceeded)
        || message.error.with(|e| e.as_deref().is_some_and(|e| e.contains("too long")))
}

/// What [`prepare`] changed, in words for the person.
fn adjustment_note(adjustment: &Adjustment, rules: &ModelRules) -> String {
    let family = &rules.family;
    if !rules.known {
        let what = match adjustment {
            Adjustment::SystemPromptFolded => "the system prompt was sent at the start of your first message",
            Adjustment::TopPDropped => "top P was left out (temperature was sent)",
            Adjustment::SamplingDropped => "temperature and top P were left out",
            Adjustment::StopSequencesDropped => "the stop sequences were left out",
            Adjustment::ReasoningDropped(_) => "earlier reasoning was not sent back",
            Adjustment::MaxTokensClamped(_) => "",
        };
        if !what.is_empty() {
            return format!("The relay does not know what this model takes, so it sends text alone: {what}.");
        }
    }
    match adjustment {
        Adjustment::SystemPromptFolded => {
            format!("{family} takes no system prompt: it was sent at the start of your first message.")
        }
        Adjustment::TopPDropped => {
            format!("{family} takes temperature or top P, not both: top P was left out.")
        }
        Adjustment::StopSequencesDropped => format!("{family} takes no stop sequences: they were left out."),
        Adjustment::SamplingDropped => {
            format!("{family} sets its own sampling: temperature and top P were left out.")
        }
        Adjustment::MaxTokensClamped(asked) => {
            format!("Max tokens {asked} is above {family}'s {}: it was lowered.", rules.max_output_tokens)
        }
        Adjustment::ReasoningDropped(n) => format!("{n} reasoning block(s) were not sent back to {family}."),
    }
}

/// What [`leave_out_unsupported`] left out of the request, in words for the person.
fn left_out_note(counts: [usize; 4], family: &str) -> Option<String> {
    left_out_words(counts).map(|what| {
        format!(
            "{what} of this conversation went as a note saying what was there: {family} cannot take them."
        )
    })
}

/// What turning thinking on changed in the request, in words for the person.
fn thinking_note(changes: ThinkingChanges, family: &str) -> String {
    let mut said = Vec::new();
    if changes.sampling_dropped {
        said.push(format!("Temperature and top P were left out: {family} takes neither while it thinks."));
    }
    if changes.tool_choice_dropped {
        said.push("The forced tool choice was left out: while it thinks, the model chooses.".to_owned());
    }
    if let Some(max) = changes.max_tokens_raised {
        said.push(format!(
            "Max tokens was raised to {max}, above the thinking budget of {}.",
            changes.budget
        ));
    }
    said.join(" ")
}
