//! What the page tells the person outside a message: storage problems, why a draft was not
//! sent, and what screen readers should hear.

use converse_shared::{BedrockError, ErrorKind};
use leptos::prelude::*;

use crate::i18n::t;
use crate::storage::StorageError;

/// A failed request as the person reads it: what to do first, then what Bedrock (or the
/// relay) said, then the error's name for whoever looks into it.
pub fn explain(e: &BedrockError) -> String {
    let too_long = e.message.contains("too long") || e.message.contains("context window");
    let advice = match &e.kind {
        ErrorKind::Throttling => "advice_throttling",
        ErrorKind::ServiceUnavailable
        | ErrorKind::InternalServer
        | ErrorKind::ModelNotReady
        | ErrorKind::ModelStreamError => "advice_unavailable",
        ErrorKind::ModelTimeout => "advice_timeout",
        ErrorKind::Validation if too_long => "advice_too_long",
        ErrorKind::Validation | ErrorKind::Serialization => "advice_validation",
        ErrorKind::AccessDenied
        | ErrorKind::UnrecognizedClient
        | ErrorKind::MissingAuthenticationToken
        | ErrorKind::InvalidSignature
        | ErrorKind::IncompleteSignature => "advice_denied",
        ErrorKind::ResourceNotFound => "advice_not_found",
        ErrorKind::ModelError => "advice_model_error",
        ErrorKind::ServiceQuotaExceeded => "advice_quota",
        _ => "advice_other",
    };
    format!("{} {} ({})", t(advice), e.message.trim(), e.kind.name())
}

/// The page's notices, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Notices {
    /// The last thing worth announcing to screen readers.
    pub announcement: RwSignal<String>,
    /// A storage problem to show.
    pub storage_error: RwSignal<Option<String>>,
    /// Why the draft was not sent (it stays in the composer).
    pub send_error: RwSignal<Option<String>>,
}

impl Notices {
    /// No notices yet.
    pub fn new() -> Self {
        Self {
            announcement: RwSignal::new(String::new()),
            storage_error: RwSignal::new(None),
            send_error: RwSignal::new(None),
        }
    }

    /// Shows how a save went: a failure says that nothing on screen was lost; a success
    /// clears an earlier failure.
    pub fn report(self, result: Result<(), StorageError>) {
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

    /// Says that `count` stored records (`what`: "conversation", "message") could not be read.
    pub fn damaged(self, count: usize, what: &str) {
        if count == 0 {
            return;
        }
        let plural = if count == 1 { "" } else { "s" };
        self.storage_error.set(Some(format!(
            "{count} stored {what}{plural} could not be read and {} left out; the rest are here.",
            if count == 1 { "is" } else { "are" }
        )));
    }
}

impl Default for Notices {
    fn default() -> Self {
        Self::new()
    }
}
