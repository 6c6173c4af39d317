//! `POST /model/{modelId}/converse`, `/converse-stream` and `/count-tokens`.

use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use converse_shared::eventstream::{self, EventStreamDecoder, StreamItem};
use converse_shared::path::Operation;
use converse_shared::{BedrockError, ConverseResponse, sse};
use futures_util::future::{Either, select};
use futures_util::{Stream, StreamExt, stream};
use worker::{AbortController, Context, Date, Delay, Env, Headers, Request, Response};

use crate::auth;
use crate::config::RelayConfig;
use crate::deadline::Deadline;
use crate::errors::{RelayError, failed};
use crate::gate::{self, Entered, Lane};
use crate::intake::{Delivery, delivery};
use crate::limits::{self, Limiters};
use crate::log::RequestLog;
use crate::upstream::{Chunks, Opened, Tee};
use crate::{count, frames, policy, upstream, widget};

/// Relays one Converse, ConverseStream or CountTokens call, and logs it.
pub(crate) async fn handle(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    config: &RelayConfig,
    model_id: &str,
    operation: Operation,
) -> Response {
    let mut log = RequestLog::start();
    log.model = Some(model_id.to_owned());
    log.operation = Some(operation.suffix());
    let origin = auth::allowed_origin(req, config);
    let result = match operation {
        Operation::CountTokens => count::relay(req, env, config, model_id, &mut log).await,
        _ => relay(req, env, ctx, config, model_id, operation, &mut log).await,
    };
    let mut response = match result {
        Ok(response) => response,
        Err(e) => {
            log.status = e.status();
            log.error = Some(e.to_bedrock().kind.name().to_owned());
            log.upstream_message = e.upstream_detail().map(str::to_owned);
            log.write();
            e.into_response()
        }
    };
    let headers = response.headers_mut();
    let _ = headers.set("x-relay-request-id", &log.request_id);
    let _ = headers.set("x-relay-attempts", &log.attempts.max(1).to_string());
    if let Some(origin) = origin {
        auth::cors(headers, &origin);
    }
    response
}

async fn relay(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    config: &RelayConfig,
    model_id: &str,
    operation: Operation,
    log: &mut RequestLog,
) -> Result<Response, RelayError> {
    let delivery = delivery(req);
    // Identity before work: nothing is parsed before the gate has admitted the caller.
    let reserve = |bytes| limits::reservation(config, model_id, bytes);
    let Entered { body, widget, limiters } =
        gate::enter(req, env, config, Lane::Inference, log, reserve).await?;
    let preset = req.headers().get(widget::PROMPT_HEADER).ok().flatten();
    let sent = async {
        let admitted = policy::apply(
            &config.policy,
            widget.as_ref().map(|(v, s)| (v.site.as_str(), *s, preset.as_deref())),
            model_id,
            operation,
            body,
        )?;
        log.project = Some(admitted.project);
        // Frames go to the client as they came; SSE is written from them.
        let tee = if delivery == Delivery::EventStream { Tee::On } else { Tee::Off };
        upstream::send(config, model_id, operation, &admitted.body, tee).await.map_err(|failed| {
            log.attempts = failed.attempts;
            failed.error
        })
    }
    .await;
    let upstream = match sent {
        Ok(upstream) => upstream,
        Err(e) => {
            // Nothing reached a model, so Bedrock bills nothing.
            limiters.settle(0).await;
            return Err(e);
        }
    };
    log.attempts = upstream.attempts;
    let request_id = upstream.response.headers().get("x-amzn-RequestId").ok().flatten();
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| RelayError::Internal(e.to_string()));
    set("cache-control", "no-store")?;
    if let Some(id) = request_id {
        set("x-amzn-RequestId", &id)?;
    }
    log.status = 200;
    let response = match operation {
        Operation::Converse => {
            let mut upstream = upstream;
            let bytes = upstream::read_with_timeout(&mut upstream.response, config.timing.idle).await?;
            log.first_byte();
            if let Ok(reply) = serde_json::from_slice::<ConverseResponse>(&bytes) {
                log.input_tokens = Some(reply.usage.input_tokens);
                log.output_tokens = Some(reply.usage.output_tokens);
                log.stop_reason = Some(reply.stop_reason.to_string());
                log.service_tier = reply.service_tier.as_ref().map(|t| t.r#type.to_string());
                limiters.settle(u64::from(reply.usage.total_tokens)).await;
            }
            log.write();
            set("content-type", "application/json")?;
            Response::from_bytes(bytes)
        }
        Operation::ConverseStream => {
            let content_type =
                if delivery == Delivery::Sse { sse::CONTENT_TYPE } else { eventstream::CONTENT_TYPE };
            set("content-type", content_type)?;
            let opened =
                upstream.stream.ok_or_else(|| RelayError::Internal("a stream without its body".into()))?;
            // The stream writes the log line when it ends; this copy only names the request.
            let stream_log = log.hand_over();
            let (controller, idle) = (upstream.controller, config.timing.idle);
            match delivery {
                Delivery::EventStream => {
                    let response = frames::deliver(opened, controller, idle, stream_log, limiters, ctx)?;
                    return Ok(response.with_headers(headers));
                }
                Delivery::Sse => {
                    Response::from_stream(relayed(opened, controller, idle, stream_log, limiters))
                }
            }
        }
        Operation::CountTokens => return Err(RelayError::UnknownOperation), // `count::relay`'s
    };
    Ok(response.map_err(|e| RelayError::Internal(e.to_string()))?.with_headers(headers))
}

/// The relayed SSE stream's state. Dropping it (the client went away) aborts the upstream
/// request.
struct Relayed {
    upstream: Chunks,
    /// What was read of the upstream before the response began (its first frame), relayed first.
    start: Option<Vec<u8>>,
    controller: Option<AbortController>,
    decoder: EventStreamDecoder,
    idle: Duration,
    /// When the upstream last sent something (ms since the epoch): the stall deadline is one
    /// timer, re-armed only when it falls due, not one per chunk.
    last: u64,
    deadline: Deadline,
    log: RequestLog,
    /// Told the tokens the reply used when it ends.
    limiters: Limiters,
    done: bool,
}

impl Drop for Relayed {
    fn drop(&mut self) {
        if !self.done {
            self.log.error = Some("ClientClosed".into());
        }
        if let Some(controller) = self.controller.take() {
            controller.abort();
        }
        self.log.write();
    }
}

impl Relayed {
    /// Ends the stream with `error`, as an SSE `error` event.
    fn fail(&mut self, out: &mut Vec<u8>, error: BedrockError) {
        let item = StreamItem::Error(error);
        self.log.observe(&item);
        self.done = true;
        out.extend_from_slice(sse::encode(&item).unwrap_or_default().as_bytes());
        if let Some(controller) = self.controller.take() {
            controller.abort();
        }
    }

    /// Handles one upstream chunk: decodes its frames and writes their events. Work is
    /// proportional to the chunk; nothing accumulates.
    fn chunk(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        self.decoder.push(chunk);
        loop {
            let frame = match self.decoder.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(e) => return self.broken(out, &e),
            };
            // A delta is written from its bytes (no JSON parsed): only the frames the log and
            // the limits need are read.
            if !eventstream::is_summary_frame(&frame) {
                match sse::encode_frame(&frame) {
                    Ok(text) => out.extend_from_slice(text.as_bytes()),
                    Err(e) => return self.broken(out, &e),
                }
                continue;
            }
            let item = match eventstream::item_from_message(&frame) {
                Ok(item) => item,
                Err(e) => return self.broken(out, &e),
            };
            self.log.observe(&item);
            match sse::encode(&item) {
                Ok(text) => out.extend_from_slice(text.as_bytes()),
                Err(e) => worker::console_error!("could not re-encode an event: {e}"),
            }
        }
    }

    /// Handles what the upstream gave: a chunk, an error, or its end.
    fn take(&mut self, next: Option<Result<Vec<u8>, String>>, out: &mut Vec<u8>) {
        match next {
            Some(Ok(chunk)) => {
                self.log.first_byte();
                self.last = Date::now().as_millis();
                self.chunk(&chunk, out);
            }
            Some(Err(e)) => {
                worker::console_error!("upstream stream failed: {e}");
                self.fail(out, failed::broke());
            }
            None => {
                if self.decoder.has_partial_frame() {
                    self.fail(out, failed::cut());
                }
                self.done = true;
            }
        }
    }

    /// The deadline fell due: a stall if nothing came for `idle`, else it is set again.
    fn due(&mut self, out: &mut Vec<u8>) {
        let quiet = Duration::from_millis(Date::now().as_millis().saturating_sub(self.last));
        if quiet < self.idle {
            self.deadline.set(self.idle - quiet);
            return;
        }
        self.fail(out, failed::stalled(self.idle));
    }

    /// The upstream stream cannot be read: the client is told.
    fn broken(&mut self, out: &mut Vec<u8>, e: &converse_shared::Error) {
        worker::console_error!("undecodable upstream stream: {e}");
        self.fail(out, failed::malformed());
    }
}

/// The most a burst is gathered into before it is written.
const MAX_BATCH: usize = 64 * 1024;

/// Relays Bedrock's stream as it arrives, as SSE. A chunk that comes after a wait is written
/// at once. When chunks come faster than the client takes them (the next one is already in
/// when the client asks), those that arrive within one more turn of the event loop are
/// written together: one write instead of hundreds, with no timer on a paced stream. A stall
/// longer than `idle`, a broken connection or a truncated frame ends the stream with an
/// error event.
fn relayed(
    opened: Opened,
    controller: AbortController,
    idle: Duration,
    log: RequestLog,
    limiters: Limiters,
) -> impl Stream<Item = worker::Result<Vec<u8>>> {
    let state = Relayed {
        upstream: opened.chunks,
        start: Some(opened.start).filter(|s| !s.is_empty()),
        controller: Some(controller),
        decoder: EventStreamDecoder::new(),
        idle,
        last: Date::now().as_millis(),
        deadline: Deadline::after(idle),
        log,
        limiters,
        done: false,
    };
    stream::unfold(state, |mut s| async move {
        let mut out = Vec::new();
        if let Some(start) = s.start.take() {
            // Already read to see the first frame: written at once, not held for the next chunk.
            s.take(Some(Ok(start)), &mut out);
            return Some((Ok(out), s));
        }
        while !s.done {
            let burst = match upstream::poll_once(&mut s.upstream).await {
                Poll::Ready(next) => {
                    s.take(next, &mut out);
                    true
                }
                Poll::Pending => {
                    match select(s.upstream.next(), &mut s.deadline).await {
                        Either::Left((next, _)) => s.take(next, &mut out),
                        Either::Right(_) => s.due(&mut out),
                    }
                    false
                }
            };
            if burst {
                let mut turn = pin!(Delay::from(Duration::ZERO));
                while !s.done && out.len() < MAX_BATCH {
                    match select(s.upstream.next(), turn.as_mut()).await {
                        Either::Left((next, _)) => s.take(next, &mut out),
                        Either::Right(_) => break,
                    }
                }
            }
            // Starts the next read now, so that what arrives while this is written is in
            // when the client asks again.
            while !s.done && out.len() < MAX_BATCH {
                match upstream::poll_once(&mut s.upstream).await {
                    Poll::Ready(next) => s.take(next, &mut out),
                    Poll::Pending => break,
                }
            }
            if !out.is_empty() {
                return Some((Ok(out), s));
            }
        }
        // Settled only with Bedrock's own count; without one (the stream broke before its
        // `metadata`) the reservation stays charged, as Bedrock bills the request all the same.
        if let (Some(input), Some(output)) = (s.log.input_tokens, s.log.output_tokens) {
            s.limiters.settle(u64::from(input + output)).await;
        }
        s.log.write();
        None
    })
}
