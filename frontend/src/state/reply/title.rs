//! A conversation's title, named by its model after the first reply, as the chat pages people
//! use do: one short call, only while the person has not named the conversation, and not at
//! all when they turn it off in Settings (or in the widget, which lists no conversations).

use converse_shared::conversation::request_messages;
use converse_shared::eventstream::StreamItem;
use converse_shared::{ConverseRequest, InferenceConfiguration, Message, Role, StreamAccumulator};
use leptos::prelude::*;
use web_sys::AbortController;

use super::Reply;
use crate::api;
use crate::storage::{self, MessageStatus, clean_title};

/// The preference that turns generated titles off (`"off"`).
pub const TITLES_KEY: &str = "converse-edge.titles";

/// Whether the model names new conversations (the person's choice; on unless turned off).
pub fn titles_on() -> bool {
    storage::preference(TITLES_KEY).as_deref() != Some("off")
}

/// The most of the first message and reply the naming call is shown.
const EXCERPT: usize = 1_500;

impl Reply {
    /// After the first reply of a conversation: asks its model for a title of a few words,
    /// and uses it unless the person named the conversation meanwhile. Nothing is shown while
    /// it is asked, and nothing changes if it fails (the title stays the first message's start).
    pub(super) async fn name_conversation(self) {
        let conversation = self.conversation;
        if !titles_on() || crate::mode::widget().is_some() {
            return;
        }
        let named = conversation.meta.with_value(|m| m.title_edited || m.title_generated);
        let first: Option<(String, String)> =
            conversation.messages.with_untracked(|all| match all.as_slice() {
                [prompt, reply] if !named && reply.status.get_untracked() == MessageStatus::Complete => {
                    Some((prompt.text.get_value(), reply.text.get_value()))
                }
                _ => None,
            });
        let Some((prompt, answer)) = first.filter(|(prompt, _)| !prompt.trim().is_empty()) else { return };
        let excerpt = |text: &str| text.chars().take(EXCERPT).collect::<String>();
        let ask = format!(
            "Name this conversation in at most six words. Reply with the title alone.\n\n\
             It begins:\n{}\n\nThe answer begins:\n{}",
            excerpt(&prompt),
            excerpt(&answer)
        );
        let request = ConverseRequest {
            messages: request_messages(&[Message::text(Role::User, ask)]),
            inference_config: Some(InferenceConfiguration { max_tokens: Some(24), ..Default::default() }),
            ..Default::default()
        };
        let id = conversation.current_id();
        let Ok(controller) = AbortController::new() else { return };
        let mut accumulator = StreamAccumulator::new();
        let model_id = conversation.settings.model_id.get_untracked();
        let result = api::converse_stream(&model_id, &request, &controller.signal(), |item| {
            if let StreamItem::Event(event) = item {
                let _ = accumulator.push(&event);
            }
        })
        .await;
        let Some(title) = result.ok().and_then(|()| clean_title(&accumulator.text())) else { return };
        // The person may have opened another conversation, or named this one, meanwhile.
        if !conversation.is_open(&id) || conversation.meta.with_value(|m| m.title_edited) {
            return;
        }
        conversation.meta.update_value(|m| {
            m.title = title;
            m.title_generated = true;
        });
        conversation.persist().await;
    }
}
