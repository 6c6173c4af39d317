//! What the person is writing: the draft (kept across reloads) and the files waiting to go
//! with the next message (checked against the model and Bedrock's limits when attached, and
//! kept across reloads too).

use converse_shared::ContentBlock;
use converse_shared::validate::{MAX_DOCUMENTS, MAX_IMAGES, MAX_VIDEOS};
use leptos::prelude::*;

use crate::state::conversation::Conversation;
use crate::storage;

const DRAFT_KEY: &str = "converse-edge.draft";

/// A file waiting to be sent with the next message.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Unique on the page.
    pub key: u64,
    /// The content block it becomes.
    pub block: ContentBlock,
    /// What to call it.
    pub label: String,
    /// An object URL of an image's, a video's or a recording's bytes, for its preview.
    pub preview: Option<(crate::attach::Shown, String)>,
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
            preview: crate::attach::preview(&block),
            block,
        }
    }

    fn revoke_preview(&self) {
        if let Some((_, url)) = &self.preview {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    }
}

/// The composer's state, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct ComposerState {
    /// What the composer holds.
    pub draft: RwSignal<String>,
    /// Files waiting to go with the next message.
    pub pending: RwSignal<Vec<Pending>>,
    /// Why files could not be attached.
    pub attach_errors: RwSignal<Vec<String>>,
    conversation: Conversation,
}

impl ComposerState {
    /// The saved draft, nothing attached yet.
    pub fn new(conversation: Conversation) -> Self {
        Self {
            draft: RwSignal::new(storage::preference(DRAFT_KEY).unwrap_or_default()),
            pending: RwSignal::new(Vec::new()),
            attach_errors: RwSignal::new(Vec::new()),
            conversation,
        }
    }

    /// Brings back the draft (the widget's preferences arrive from its host page after the
    /// composer was made).
    pub(crate) fn restore_draft(self) {
        if self.draft.with_untracked(String::is_empty)
            && let Some(draft) = storage::preference(DRAFT_KEY)
        {
            self.draft.set(draft);
        }
    }

    /// Brings back the files that were waiting to be sent when the page was left.
    pub(crate) async fn restore_pending(self) {
        match storage::pending().await {
            Ok(blocks) if self.pending.with_untracked(Vec::is_empty) => {
                self.pending.set(blocks.into_iter().map(Pending::new).collect());
            }
            Ok(_) => {}
            Err(e) => self.conversation.notices.storage_error.set(Some(e.to_string())),
        }
    }

    /// Keeps the draft across reloads.
    pub fn set_draft(self, text: String) {
        storage::set_preference(DRAFT_KEY, &text);
        self.draft.set(text);
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

    /// Attaches a file in S3 by its URI, which the person is asked for (for files too large
    /// to send: a video up to 1 GB), checked as a file is.
    pub fn link_s3(self) {
        let asked = web_sys::window().and_then(|w| {
            w.prompt_with_message("The S3 URI of the file (s3://bucket/path/file.mp4); the relay's AWS role must be able to read it:")
                .ok()
                .flatten()
        });
        let Some(uri) = asked.filter(|u| !u.trim().is_empty()) else { return };
        let block = converse_shared::validate::s3_attachment(&uri);
        match block.and_then(|block| self.room_for(uri.trim(), &block).map(|()| block)) {
            Ok(block) => {
                self.pending.update(|p| p.push(Pending::new(block)));
                self.attach_errors.set(Vec::new());
                self.keep_pending();
            }
            Err(e) => self.attach_errors.set(vec![e]),
        }
    }

    /// Takes a file back out of the next message.
    pub fn remove_pending(self, key: u64) {
        self.pending.update(|p| {
            if let Some(at) = p.iter().position(|p| p.key == key) {
                p.remove(at).revoke_preview();
            }
        });
        self.keep_pending();
    }

    /// The files attached to the next message, as content blocks.
    pub(crate) fn attached(self) -> Vec<ContentBlock> {
        self.pending.with_untracked(|p| p.iter().map(|p| p.block.clone()).collect())
    }

    /// The files went with a message: the composer lets go of them.
    pub(crate) fn clear_attached(self) {
        for pending in self.pending.get_untracked() {
            pending.revoke_preview();
        }
        self.pending.set(Vec::new());
        self.attach_errors.set(Vec::new());
        self.keep_pending();
    }

    /// Keeps the files waiting to go with the next message (a reload brings them back).
    fn keep_pending(self) {
        let blocks = self.attached();
        let notices = self.conversation.notices;
        leptos::task::spawn_local(async move {
            let result = storage::save_pending(&blocks).await;
            notices.report(result);
        });
    }

    /// Whether the model takes `block`, and Bedrock's per-request counts allow one more.
    fn room_for(self, name: &str, block: &ContentBlock) -> Result<(), String> {
        let rules = untrack(|| self.conversation.settings.model_rules());
        let (takes, what, most) = match block {
            ContentBlock::Image(_) => (rules.images, "images", MAX_IMAGES),
            ContentBlock::Document(_) => (rules.documents, "documents", MAX_DOCUMENTS),
            ContentBlock::Video(_) => (rules.video, "videos", MAX_VIDEOS),
            ContentBlock::Audio(_) => (rules.audio, "audio", usize::MAX),
            _ => return Ok(()),
        };
        if !takes {
            return Err(format!("{name}: {}", rules.takes_no(what)));
        }
        if crate::attach::s3_uri(block).is_some() && !rules.s3_media {
            return Err(format!("{name}: {}", rules.takes_no("files by S3 link")));
        }
        let kind = std::mem::discriminant(block);
        let same = |b: &ContentBlock| std::mem::discriminant(b) == kind;
        let count = self.conversation.messages.with_untracked(|all| {
            all.iter().map(|m| m.blocks.with_value(|b| b.iter().filter(|b| same(b)).count())).sum::<usize>()
        }) + self.pending.with_untracked(|p| p.iter().filter(|p| same(&p.block)).count());
        let sent = |b: &ContentBlock| crate::attach::bytes_of(b);
        let held = self.conversation.messages.with_untracked(|all| {
            all.iter().map(|m| m.blocks.with_value(|b| b.iter().map(sent).sum::<usize>())).sum::<usize>()
        }) + self.pending.with_untracked(|p| p.iter().map(|p| sent(&p.block)).sum::<usize>())
            + sent(block);
        let cap = self.conversation.settings.models.with_untracked(|l| l.as_ref()?.max_request_bytes);
        let size = converse_shared::validate::base64_len(held) as u64;
        if let Some(cap) = cap.filter(|cap| size > *cap) {
            return Err(format!(
                "{name}: with it, this conversation would be {:.1} MB to send; this relay takes at most {:.1} MB a request",
                size as f64 / 1e6,
                cap as f64 / 1e6
            ));
        }
        if count >= most {
            let most = if most == 1 {
                "only one video (Bedrock takes one per request)".to_owned()
            } else {
                format!("at most {most} {what}")
            };
            return Err(format!("{name}: a conversation can carry {most}"));
        }
        Ok(())
    }
}
