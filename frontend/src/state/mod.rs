//! The page's state, by responsibility. Each state owns its signals, its persistence and its
//! methods, and is provided through context; components ask only for the states they use.
//!
//! From the bottom up (each uses only those above it in this list):
//! - [`notices`]: storage problems, why a draft was not sent, screen-reader announcements;
//! - [`running`]: whether a reply is running, and stopping it;
//! - [`message`]: one message on screen; [`follow`]: scrolling and the per-frame render;
//! - [`list`]: the stored conversations' records; [`settings`]: the open conversation's
//!   model, settings and tools;
//! - [`conversation`]: the open conversation's messages, opening, starting and saving it;
//! - [`library`]: search, rename, delete/undo, export/import; [`composer`]: the draft and
//!   the files waiting to go;
//! - [`reply`]: sending, streaming, the tool loop, regenerate/edit/continue, the context window;
//!   [`count`]: Bedrock's count of the tokens the next request will send.
//!
//! [`Page`] makes them once, provides them, and restores what was open.

pub mod composer;
pub mod conversation;
pub mod count;
pub mod follow;
pub mod library;
pub mod list;
pub mod message;
pub mod notices;
pub mod reply;
pub mod running;
pub mod settings;

use futures_util::future::join;
use leptos::prelude::*;

use crate::api;
use crate::storage;
use composer::ComposerState;
use conversation::Conversation;
use count::TokenCount;
use follow::Follow;
use library::Library;
use list::ConversationList;
use notices::Notices;
use reply::Reply;
use running::Running;
use settings::SettingsState;

/// Every state of the page (the chat page's or the widget's), made once.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Notices outside the messages.
    pub notices: Notices,
    /// The running reply's controls.
    pub running: Running,
    /// Scrolling and the render schedule.
    pub follow: Follow,
    /// The open conversation's choices.
    pub settings: SettingsState,
    /// The open conversation.
    pub conversation: Conversation,
    /// The stored conversations.
    pub library: Library,
    /// The draft and attachments.
    pub composer: ComposerState,
    /// Replies.
    pub reply: Reply,
    /// Bedrock's count of the next request's tokens.
    pub count: TokenCount,
}

impl Page {
    /// Makes every state, and provides each through context.
    pub fn provide() -> Self {
        let notices = Notices::new();
        let running = Running::new();
        let follow = Follow::new();
        let settings = SettingsState::new(notices);
        let conversation = Conversation::new(ConversationList::new(), settings, notices, running, follow);
        let library = Library::new(conversation);
        let composer = ComposerState::new(conversation);
        let reply = Reply::new(conversation, composer);
        let count = TokenCount::new(conversation, composer);
        provide_context(notices);
        provide_context(running);
        provide_context(follow);
        provide_context(settings);
        provide_context(conversation);
        provide_context(library);
        provide_context(composer);
        provide_context(reply);
        provide_context(count);
        Self { notices, running, follow, settings, conversation, library, composer, reply, count }
    }

    /// Lists the stored conversations and opens the one open on the last visit (or the most
    /// recent); asks the relay for its models and tools.
    pub async fn restore(self) {
        let Self { notices, settings, conversation, library, composer, .. } = self;
        composer.restore_draft();
        // The conversation that was open is read while the list is: a long one is the
        // slowest read, and must not wait for the list.
        let open = Conversation::last_open();
        let reading = async {
            match &open {
                Some(id) => Some(storage::messages_as_stored(id).await),
                None => None,
            }
        };
        // The relay's models are asked for at the same time (the widget learnt its site's before).
        let listing = async {
            match settings.models.with_untracked(Option::is_none) {
                true => api::models().await,
                false => None,
            }
        };
        let ((listed, read), listing) = join(join(storage::list(), reading), listing).await;
        match listed {
            Ok(listed) => {
                notices.damaged(listed.damaged, "conversation");
                let reopen = listed.conversations.iter().find(|c| Some(&c.id) == open.as_ref()).cloned();
                let latest = reopen.clone().or_else(|| listed.conversations.first().cloned());
                library.list.rows.set(listed.conversations);
                // Someone quicker than storage already started a conversation: keep theirs.
                if let Some(latest) = latest
                    && conversation.messages.with_untracked(Vec::is_empty)
                {
                    match read.filter(|_| reopen.is_some()) {
                        Some(read) => conversation.show(latest, read),
                        None => conversation.load(latest).await,
                    }
                }
            }
            Err(e) => notices.storage_error.set(Some(e.to_string())),
        }
        // The files that were waiting to be sent: after the conversation, which matters first.
        composer.restore_pending().await;
        match listing {
            Some(listing) => settings.models.set(Some(listing)),
            // Asked, and no answer: the picker says so, rather than calling the model unoffered.
            None if settings.models.with_untracked(Option::is_none) => settings.listing_failed.set(true),
            None => {}
        }
        conversation.offered_model_if_new();
        settings.load_tools().await;
    }
}
