//! `POST /model/{modelId}/converse` and `/converse-stream`.

use converse_shared::eventstream::{self, EventStreamDecoder, StreamItem};
use converse_shared::path::Operation;
use converse_shared::{BedrockError, ConverseRequest, ErrorKind, sse};
use futures_util::{Stream, StreamExt, stream};
use worker::{ByteStream, Headers, Request, Response};

use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::upstream;

/// How the client wants a ConverseStream delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Bedrock's binary frames, unchanged: the default, which is what the AWS SDKs expect
    /// (they send no `Accept` header).
    EventStream,
    /// Server-Sent Events, for browsers (`Accept: text/event-stream`).
    Sse,
}

fn delivery(req: &Request) -> Delivery {
    let accept = req.headers().get("accept").ok().flatten().unwrap_or_default();
    if accept.contains(sse::CONTENT_TYPE) { Delivery::Sse } else { Delivery::EventStream }
}

/// Relays one Converse or ConverseStream call.
pub(crate) async fn handle(
    req: &mut Request,
    config: &RelayConfig,
    model_id: &str,
    operation: Operation,
) -> Response {
    match relay(req, config, model_id, operation).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn relay(
    req: &mut Request,
    config: &RelayConfig,
    model_id: &str,
    operation: Operation,
) -> Result<Response, RelayError> {
    let delivery = delivery(req);
    let body = req.bytes().await.map_err(|e| RelayError::Internal(e.to_string()))?;
    // Refuse what is not a Converse request before spending an upstream call on it. The
    // client's bytes are forwarded as they are, so members we do not model still arrive.
    serde_json::from_slice::<ConverseRequest>(&body).map_err(|e| {
        BedrockError::new(
            ErrorKind::Validation,
            format!("Malformed input request: {e}, please reformat your input and try again."),
        )
    })?;
    let mut upstream = upstream::send(config, model_id, operation, &body).await?;
    let request_id = upstream.headers().get("x-amzn-RequestId").ok().flatten();
    let stream = upstream.stream().map_err(|e| RelayError::Internal(e.to_string()))?;

    let (response, content_type) = match (operation, delivery) {
        (Operation::Converse, _) => (Response::from_stream(stream), "application/json"),
        (Operation::ConverseStream, Delivery::EventStream) => {
            (Response::from_stream(stream), eventstream::CONTENT_TYPE)
        }
        (Operation::ConverseStream, Delivery::Sse) => {
            (Response::from_stream(to_sse(stream)), sse::CONTENT_TYPE)
        }
    };
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| RelayError::Internal(e.to_string()));
    set("content-type", content_type)?;
    set("cache-control", "no-store")?;
    if let Some(id) = request_id {
        set("x-amzn-RequestId", &id)?;
    }
    Ok(response.map_err(|e| RelayError::Internal(e.to_string()))?.with_headers(headers))
}

/// Decodes Bedrock's frames as they arrive and yields each as SSE text at once.
///
/// Work per upstream chunk is proportional to the chunk: nothing accumulates. A broken
/// upstream stream ends the SSE stream with an `error` event, so the client is told.
fn to_sse(upstream: ByteStream) -> impl Stream<Item = worker::Result<Vec<u8>>> {
    struct State {
        upstream: ByteStream,
        decoder: EventStreamDecoder,
        done: bool,
    }
    let state = State { upstream, decoder: EventStreamDecoder::new(), done: false };
    stream::unfold(state, |mut s| async move {
        loop {
            if s.done {
                return None;
            }
            let mut out = String::new();
            match s.upstream.next().await {
                Some(Ok(chunk)) => {
                    s.decoder.push(&chunk);
                    loop {
                        match s.decoder.next_item() {
                            Ok(Some(item)) => push_sse(&mut out, &item),
                            Ok(None) => break,
                            Err(e) => {
                                worker::console_error!("undecodable upstream stream: {e}");
                                push_error(
                                    &mut out,
                                    "The relay received a malformed event stream from Bedrock.",
                                );
                                s.done = true;
                                break;
                            }
                        }
                    }
                }
                Some(Err(e)) => {
                    worker::console_error!("upstream stream failed: {e}");
                    push_error(&mut out, "The connection to Bedrock failed during the reply.");
                    s.done = true;
                }
                None => {
                    s.done = true;
                    if s.decoder.has_partial_frame() {
                        push_error(&mut out, "Bedrock's stream ended in the middle of an event.");
                    }
                }
            }
            if !out.is_empty() {
                return Some((Ok(out.into_bytes()), s));
            }
        }
    })
}

fn push_sse(out: &mut String, item: &StreamItem) {
    match sse::encode(item) {
        Ok(text) => out.push_str(&text),
        Err(e) => worker::console_error!("could not re-encode an event: {e}"),
    }
}

fn push_error(out: &mut String, message: &str) {
    push_sse(out, &StreamItem::Error(BedrockError::new(ErrorKind::InternalServer, message)));
}
