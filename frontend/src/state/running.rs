//! The reply that is running, as far as stopping it goes: whether one is, its request (to
//! abort), and the tool calls waiting for Run or Skip. Anything that leaves a conversation
//! stops its reply through here, without knowing how replies are made.

use std::collections::BTreeMap;

use futures_channel::oneshot;
use leptos::prelude::*;
use web_sys::AbortController;

use crate::state::message::ChatMessage;
use crate::storage::MessageStatus;

/// The running reply's controls, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Running {
    /// Whether a reply is arriving (or its tools running).
    pub busy: RwSignal<bool>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
    /// The reply whose request `abort` stops.
    streaming: StoredValue<Option<ChatMessage>>,
    stop_requested: StoredValue<bool>,
    /// Calls waiting for Run or Skip, by call id.
    approvals: StoredValue<BTreeMap<String, oneshot::Sender<bool>>, LocalStorage>,
}

impl Running {
    /// Nothing running.
    pub fn new() -> Self {
        Self {
            busy: RwSignal::new(false),
            abort: StoredValue::new_local(None),
            streaming: StoredValue::new(None),
            stop_requested: StoredValue::new(false),
            approvals: StoredValue::new_local(BTreeMap::new()),
        }
    }

    /// A reply starts: nothing is stopped yet.
    pub(crate) fn begin(self) {
        self.busy.set(true);
        self.stop_requested.set_value(false);
    }

    /// The reply (and its tool loop) ended.
    pub(crate) fn end(self) {
        self.busy.set(false);
    }

    /// The request now streaming into `reply`, which Stop aborts (`None`: none is).
    pub(crate) fn set_request(self, request: Option<(AbortController, ChatMessage)>) {
        let (controller, reply) = request.unzip();
        self.abort.set_value(controller);
        self.streaming.set_value(reply);
    }

    /// Whether Stop was pressed since the reply began.
    pub(crate) fn stop_requested(self) -> bool {
        self.stop_requested.get_value()
    }

    /// Stops the reply that is arriving, keeping what has arrived, and any tool loop: calls
    /// waiting for Run or Skip are skipped.
    pub fn stop(self) {
        self.stop_requested.set_value(true);
        for (_, sender) in self.approvals.try_update_value(std::mem::take).unwrap_or_default() {
            let _ = sender.send(false);
        }
        self.abort.with_value(|a| {
            if let Some(a) = a {
                a.abort();
            }
        });
        // Stopped now, not when the aborted request has wound down: whatever saves the
        // conversation next (leaving it for another, say) saves the reply as stopped.
        if let Some(reply) = self.streaming.get_value()
            && reply.status.get_untracked() == MessageStatus::Streaming
        {
            reply.status.set(MessageStatus::Stopped);
        }
    }

    /// Waits for the person's Run (true) or Skip (false) on call `call_id`.
    pub(crate) async fn approval(self, call_id: String) -> bool {
        let (sender, receiver) = oneshot::channel();
        self.approvals.update_value(|a| {
            a.insert(call_id, sender);
        });
        receiver.await.unwrap_or(false)
    }

    /// The person's answer to a call waiting for Run or Skip.
    pub fn decide(self, call_id: &str, run: bool) {
        if let Some(sender) = self.approvals.try_update_value(|a| a.remove(call_id)).flatten() {
            let _ = sender.send(run);
        }
    }
}

impl Default for Running {
    fn default() -> Self {
        Self::new()
    }
}
