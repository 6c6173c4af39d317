//! ConverseStream delivered as Bedrock's own frames, natively.
//!
//! The upstream body is teed when it arrives. One branch is piped to the client's response
//! body (workerd's `IdentityTransformStream`): workerd pumps it outside the isolate, and no
//! chunk of the reply is copied into the worker, re-encoded, or handed back. The other branch
//! is watched, off the response's path, and read [`LATE`] (one read takes what came
//! meanwhile), for what only the relay needs:
//! - the `messageStop` and `metadata` frames, for the log and to settle the token limits;
//! - stalls: one deadline per stream, re-armed only when it falls due (no timer per chunk).
//!   A stall aborts the upstream request, which cuts the client's stream, as a connection to
//!   Bedrock that dies cuts it;
//! - the client going away: the pipe fails, and the upstream request is aborted.
//!
//! The relay does not judge the frames it hands on, and adds none: the client's decoder checks
//! each frame's checksums and a stream that stops inside a frame, as every AWS SDK's does. The
//! log records what was wrong. (The SSE delivery, which the relay writes, still ends a failed
//! stream with an error event.)

use std::pin::pin;
use std::time::Duration;

use converse_shared::ErrorKind;
use converse_shared::eventstream::{EventStreamDecoder, Skimmer, StreamItem};
use futures_util::future::{Either, FusedFuture, select};
use futures_util::{FutureExt, StreamExt};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use worker::{AbortController, Context, Date, Delay, Response, ResponseBody};

use crate::deadline::Deadline;
use crate::errors::{RelayError, failed};
use crate::limits::Limiters;
use crate::log::RequestLog;
use crate::upstream::{Chunks, Opened};

#[wasm_bindgen]
extern "C" {
    /// workerd's byte stream whose writable end feeds its readable end, both native.
    type IdentityTransformStream;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<IdentityTransformStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &IdentityTransformStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &IdentityTransformStream) -> web_sys::WritableStream;
}

/// How long the watcher lets the stream run between reads. workerd charges a read of a body by
/// the isolate about twice what it charges to pump a chunk natively; read this late, one read
/// takes the chunks of 100 ms (about ten of a model's), so the watcher costs little beside the
/// pump. It only delays the log line and the settling of the limits, by as much.
const LATE: Duration = Duration::from_millis(100);

/// The response for a stream `opened` with its body teed: the body, handed to workerd, and
/// the watcher, handed to `ctx` (it outlives the handler, until the stream ends).
pub(crate) fn deliver(
    opened: Opened,
    controller: AbortController,
    idle: Duration,
    log: RequestLog,
    limiters: Limiters,
    ctx: &Context,
) -> Result<Response, RelayError> {
    let internal = |e: JsValue| RelayError::Internal(format!("{e:?}"));
    let whole = opened.whole.ok_or_else(|| RelayError::Internal("a stream not teed".into()))?;
    let pipe = IdentityTransformStream::new().map_err(internal)?;
    let writable = pipe.writable();
    // workerd pumps it natively; an upstream that fails fails the client's end with it (a
    // pipe's `preventAbort` and `signal` leave it errored all the same, measured in workerd).
    let piped = JsFuture::from(whole.pipe_to(&writable));
    let mut watch = Watch {
        chunks: opened.chunks,
        skimmer: Skimmer::new(),
        controller: Some(controller),
        idle,
        log,
        limiters,
    };
    watch.read(&opened.start);
    ctx.wait_until(watch.run(piped));
    Response::from_body(ResponseBody::Stream(pipe.readable()))
        .map_err(|e| RelayError::Internal(e.to_string()))
}

/// How the upstream's stream ended, as the watcher saw it.
enum End {
    /// It closed.
    Finished,
    /// Its connection failed.
    Broke,
    /// Nothing came for `idle`.
    Stalled,
    /// The client went away.
    ClientLeft,
}

struct Watch {
    chunks: Chunks,
    skimmer: Skimmer,
    /// Taken to abort the upstream request.
    controller: Option<AbortController>,
    idle: Duration,
    log: RequestLog,
    limiters: Limiters,
}

impl Watch {
    /// Reads `chunk`'s summary frames (the deltas are skimmed past, unread).
    fn read(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.log.first_byte();
        let log = &mut self.log;
        self.skimmer.push(chunk, |frame| {
            let mut decoder = EventStreamDecoder::new();
            decoder.push(frame);
            match decoder.next_item() {
                Ok(Some(item)) => log.observe(&item),
                Ok(None) => {}
                Err(e) => {
                    // The client's decoder reports it; the log records it.
                    worker::console_error!("undecodable upstream frame: {e}");
                    log.error = Some(ErrorKind::InternalServer.name().to_owned());
                }
            }
        });
    }

    /// Watches the stream to its end, then settles and logs.
    async fn run(mut self, piped: JsFuture) {
        let mut piped = piped.fuse();
        let mut last = Date::now().as_millis();
        let mut deadline = Deadline::after(self.idle);
        let end = loop {
            match select(select(self.chunks.next(), &mut piped), &mut deadline).await {
                Either::Left((Either::Left((chunk, _)), _)) => match chunk {
                    Some(Ok(chunk)) => {
                        last = Date::now().as_millis();
                        self.read(&chunk);
                        // Read late: what arrives meanwhile waits in the tee, for one read.
                        // (Once the pipe is done, the rest is read at once.)
                        if !piped.is_terminated()
                            && let Either::Right((Err(_), _)) =
                                select(pin!(Delay::from(LATE)), &mut piped).await
                        {
                            break self.pipe_failed().await;
                        }
                    }
                    Some(Err(e)) => {
                        worker::console_error!("upstream stream failed: {e}");
                        break End::Broke;
                    }
                    None => break End::Finished,
                },
                Either::Left((Either::Right((Err(_), _)), _)) => break self.pipe_failed().await,
                Either::Left((Either::Right((Ok(_), _)), _)) => {}
                Either::Right(_) => {
                    let quiet = Duration::from_millis(Date::now().as_millis().saturating_sub(last));
                    if quiet >= self.idle {
                        break End::Stalled;
                    }
                    deadline.set(self.idle - quiet);
                }
            }
        };
        let error = match end {
            End::Finished if self.skimmer.has_partial_frame() => Some(failed::cut()),
            End::Finished => None,
            End::Broke => Some(failed::broke()),
            End::Stalled => Some(failed::stalled(self.idle)),
            End::ClientLeft => {
                self.log.error = Some("ClientClosed".into());
                None
            }
        };
        if let Some(error) = error {
            self.log.observe(&StreamItem::Error(error));
        }
        if !matches!(end, End::Finished)
            && let Some(controller) = self.controller.take()
        {
            controller.abort();
        }
        // Settled only with Bedrock's own count; without one (the stream broke before its
        // `metadata`) the reservation stays charged, as Bedrock bills the request all the same.
        if let (Some(input), Some(output)) = (self.log.input_tokens, self.log.output_tokens) {
            self.limiters.settle(u64::from(input + output)).await;
        }
        self.log.write();
    }

    /// Why the pipe to the client failed. An upstream that fails fails both branches at once,
    /// so its error is already waiting in the watched one (after what it had buffered);
    /// otherwise the client went away.
    async fn pipe_failed(&mut self) -> End {
        loop {
            match select(self.chunks.next(), pin!(Delay::from(Duration::ZERO))).await {
                Either::Left((Some(Ok(chunk)), _)) => self.read(&chunk),
                Either::Left((Some(Err(_)), _)) => return End::Broke,
                Either::Left((None, _)) | Either::Right(_) => return End::ClientLeft,
            }
        }
    }
}
