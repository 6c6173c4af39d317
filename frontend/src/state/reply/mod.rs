//! Making replies: sending the draft, regenerating, editing and continuing, and streaming the
//! reply ([`stream`]) through rounds of tool calls ([`tools`]) with the history fitted to the
//! model's context window ([`context`]).

mod context;
mod stream;
mod title;
mod tools;

use converse_shared::conversation::{continuable, continuation_prefill, last_prompt};
use converse_shared::models::offers_thinking;
use converse_shared::{ContentBlock, Role, StopReason};
use leptos::prelude::*;

use crate::state::composer::ComposerState;
use crate::state::conversation::Conversation;
use crate::state::message::ChatMessage;
use crate::storage::{MessageStatus, StoredMessage, Versions};

pub use stream::too_long;
pub use title::{TITLES_KEY, titles_on};

/// Replies, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    conversation: Conversation,
    composer: ComposerState,
}

impl Reply {
    /// Replies in `conversation`, to what `composer` holds.
    pub fn new(conversation: Conversation, composer: ComposerState) -> Self {
        Self { conversation, composer }
    }

    /// Sends the draft and streams the reply.
    pub fn send(self) {
        let (conversation, composer) = (self.conversation, self.composer);
        let notices = conversation.notices;
        let text = composer.draft.get_untracked().trim().to_owned();
        if conversation.running.busy.get_untracked() {
            return;
        }
        let attached = composer.attached();
        if text.is_empty() {
            if attached.is_empty() {
                return;
            }
            // Bedrock takes a document only with some text.
            if attached.iter().any(|b| matches!(b, ContentBlock::Document(_))) {
                notices.send_error.set(Some("Not sent: write a message to go with the document.".into()));
                return;
            }
        }
        // Settings that cannot make a valid request stop the send here, with the draft kept.
        let checked = conversation.settings.settings.with_untracked(|s| {
            s.additional_fields()?;
            s.guardrail().map(|_| ())
        });
        if let Err(why) = checked {
            notices.send_error.set(Some(format!("Not sent: {why}. Fix it in Settings.")));
            return;
        }
        notices.send_error.set(None);
        let user =
            conversation.message(conversation.next_id(), Role::User, text.clone(), MessageStatus::Complete);
        if !attached.is_empty() {
            let mut content = attached;
            if !text.is_empty() {
                content.push(ContentBlock::Text(text));
            }
            user.blocks.set_value(content);
            composer.clear_attached();
        }
        let reply =
            conversation.message(user.id + 1, Role::Assistant, String::new(), MessageStatus::Streaming);
        conversation.messages.update(|m| m.extend([user, reply]));
        composer.set_draft(String::new());
        // What the person wrote is stored before anything can fail.
        self.start(reply, false);
    }

    /// Whether the last reply can be continued: it was cut off (by `maxTokens`, Stop, or a
    /// reload), did not fail, and holds only text.
    pub fn can_continue(self, message: &ChatMessage) -> bool {
        let cut = message.stop_reason.get() == Some(StopReason::MaxTokens)
            || matches!(message.status.get(), MessageStatus::Stopped | MessageStatus::Interrupted);
        // A reply cannot be prefilled while the model thinks (AWS: "Extended thinking").
        let settings = self.conversation.settings;
        let thinking = settings.settings.with(|s| s.thinking_budget.is_some())
            && offers_thinking(&settings.model_rules());
        cut && !thinking && message.error.with(Option::is_none) && continuable(&message.to_stored().message)
    }

    /// Answers the last thing the person wrote again: the reply after it (a failed one, or
    /// one to regenerate) gives way to a new one; one that did not fail is kept as an
    /// earlier version.
    pub fn regenerate(self) {
        if self.conversation.running.busy.get_untracked() {
            return;
        }
        let history: Vec<_> =
            self.conversation.messages.with_untracked(|m| m.iter().map(|m| m.to_stored().message).collect());
        if let Some(at) = last_prompt(&history) {
            let versions = self.superseded_from(at + 1);
            self.restart_after(at, versions);
        }
    }

    /// Replaces what the person wrote in message `id` with `text` and answers it again; the
    /// message as it was, with the turns after it, is kept as an earlier version.
    pub fn edit(self, id: u64, text: String) {
        let conversation = self.conversation;
        let text = text.trim().to_owned();
        if text.is_empty() || conversation.running.busy.get_untracked() {
            return;
        }
        let Some(at) =
            conversation.messages.with_untracked(|m| m.iter().position(|m| m.id == id && m.from_user))
        else {
            return;
        };
        let versions = self.superseded_from(at);
        let edited = conversation.message(id, Role::User, text.clone(), MessageStatus::Complete);
        let old = conversation.messages.with_untracked(|m| m[at]);
        // Attachments and other blocks stay; the text is what changed.
        let mut blocks: Vec<ContentBlock> =
            old.blocks.get_value().into_iter().filter(|b| !matches!(b, ContentBlock::Text(_))).collect();
        if !blocks.is_empty() {
            blocks.push(ContentBlock::Text(text));
            edited.blocks.set_value(blocks);
        }
        edited.versions.set(versions);
        conversation.messages.update(|m| m[at] = edited);
        self.restart_after(at, Versions::default());
    }

    /// The versions of the conversation from message `at` on once what is there now gives way
    /// to a new version: kept, unless it is a reply that failed (nothing to go back to).
    fn superseded_from(self, at: usize) -> Versions {
        let tail: Vec<StoredMessage> =
            self.conversation.messages.with_untracked(|m| m.iter().skip(at).map(|m| m.to_stored()).collect());
        match tail.first() {
            None => Versions::default(),
            Some(first) if first.status == MessageStatus::Error => first.versions.clone(),
            Some(_) => Versions::superseded(tail),
        }
    }

    /// Drops every message after `at` and streams a new reply there, with `versions`.
    fn restart_after(self, at: usize, versions: Versions) {
        let conversation = self.conversation;
        conversation.messages.update(|m| m.truncate(at + 1));
        let reply = conversation.message(
            conversation.next_id(),
            Role::Assistant,
            String::new(),
            MessageStatus::Streaming,
        );
        reply.versions.set(versions);
        conversation.messages.update(|m| m.push(reply));
        self.start(reply, false);
    }

    /// Continues the last reply from where it was cut off; the rest streams into the same
    /// message.
    pub fn continue_reply(self) {
        let Some(reply) = self.conversation.messages.with_untracked(|m| m.last().copied()) else { return };
        if self.conversation.running.busy.get_untracked() || !untrack(|| self.can_continue(&reply)) {
            return;
        }
        let text = reply.text.with_value(|t| continuation_prefill(t).to_owned());
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
        let conversation = self.conversation;
        conversation.running.begin();
        conversation.notices.announcement.set(String::new());
        leptos::task::spawn_local(async move {
            conversation.persist().await;
            conversation.follow.scroll_to_end();
            self.answer(reply, continuing).await;
            conversation.running.end();
            conversation.persist().await;
            conversation.release_retired();
            self.name_conversation().await;
        });
    }
}
