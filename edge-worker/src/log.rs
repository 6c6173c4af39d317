//! One structured JSON line per request. Never credentials, never message text.

use converse_shared::StreamEvent;
use converse_shared::eventstream::StreamItem;
use serde::Serialize;
use worker::{Date, console_log};

/// What one request did, written once when it ends.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestLog {
    pub(crate) request_id: String,
    pub(crate) caller: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) operation: Option<&'static str>,
    /// The Bedrock project the call is billed to.
    pub(crate) project: Option<String>,
    pub(crate) status: u16,
    pub(crate) attempts: u32,
    pub(crate) ttfb_ms: Option<u64>,
    pub(crate) total_ms: u64,
    pub(crate) input_tokens: Option<u32>,
    pub(crate) output_tokens: Option<u32>,
    pub(crate) stop_reason: Option<String>,
    /// The service tier that served the reply, as Bedrock said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) service_tier: Option<String>,
    pub(crate) error: Option<String>,
    /// Bedrock's own words for an error the client was told in the relay's (never a secret:
    /// an access denial names the relay's IAM principal, which clients are not told).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) upstream_message: Option<String>,
    #[serde(skip)]
    started: u64,
    #[serde(skip)]
    written: bool,
}

/// A new id (of a request, a widget visitor): 16 random hex digits. Unique, not secret.
pub(crate) fn random_id() -> String {
    let part = || (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("{:08x}{:08x}", part(), part())
}

impl RequestLog {
    /// Starts the record of a request.
    pub(crate) fn start() -> Self {
        Self {
            request_id: random_id(),
            caller: None,
            model: None,
            operation: None,
            project: None,
            status: 0,
            attempts: 0,
            ttfb_ms: None,
            total_ms: 0,
            input_tokens: None,
            output_tokens: None,
            stop_reason: None,
            service_tier: None,
            error: None,
            upstream_message: None,
            started: Date::now().as_millis(),
            written: false,
        }
    }

    fn elapsed(&self) -> u64 {
        Date::now().as_millis().saturating_sub(self.started)
    }

    /// Notes that the first byte of the reply is going out.
    pub(crate) fn first_byte(&mut self) {
        if self.ttfb_ms.is_none() {
            self.ttfb_ms = Some(self.elapsed());
        }
    }

    /// Takes what matters from a streamed item.
    pub(crate) fn observe(&mut self, item: &StreamItem) {
        match item {
            StreamItem::Event(StreamEvent::MessageStop(stop)) => {
                self.stop_reason = Some(stop.stop_reason.to_string())
            }
            StreamItem::Event(StreamEvent::Metadata(meta)) => {
                self.input_tokens = Some(meta.usage.input_tokens);
                self.output_tokens = Some(meta.usage.output_tokens);
                self.service_tier = meta.service_tier.as_ref().map(|t| t.r#type.to_string());
            }
            other => {
                if let Some(e) = other.error() {
                    self.error = Some(e.kind.name().to_owned());
                }
            }
        }
    }

    /// A copy that will write the line, leaving this one as already written: for a stream,
    /// whose line is written when it ends, after the response has left.
    pub(crate) fn hand_over(&mut self) -> Self {
        let copy = Self {
            request_id: self.request_id.clone(),
            caller: self.caller.clone(),
            model: self.model.clone(),
            operation: self.operation,
            project: self.project.clone(),
            status: self.status,
            attempts: self.attempts,
            ttfb_ms: self.ttfb_ms,
            total_ms: 0,
            input_tokens: None,
            output_tokens: None,
            stop_reason: None,
            service_tier: None,
            error: None,
            upstream_message: None,
            started: self.started,
            written: false,
        };
        self.written = true;
        copy
    }

    /// Writes the line (once).
    pub(crate) fn write(&mut self) {
        if self.written {
            return;
        }
        self.written = true;
        self.total_ms = self.elapsed();
        if let Ok(line) = serde_json::to_string(self) {
            console_log!("{line}");
        }
    }
}
