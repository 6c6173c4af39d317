//! The signed request to Bedrock, with retries and a time-out to first byte.

use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, UNIX_EPOCH};

use converse_shared::eventstream::{opening_error, whole_frames_len};
use converse_shared::path::{Operation, model_path};
use converse_shared::{BedrockError, ErrorKind, sigv4};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use wasm_bindgen::JsCast;
use worker::{
    AbortController, Date, Delay, Fetch, Headers, Method, Request, RequestInit, Response, ResponseBody, Url,
};

use crate::config::{RelayConfig, UpstreamAuth};
use crate::errors::RelayError;

/// The first pause between attempts; it doubles each time, up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// Bedrock's successful response, and what it took to get it.
pub(crate) struct Upstream {
    pub(crate) response: Response,
    /// ConverseStream: its body, begun.
    pub(crate) stream: Option<Opened>,
    /// Aborts the upstream request (when the client goes away, or a time-out hits).
    pub(crate) controller: AbortController,
    pub(crate) attempts: u32,
}

/// The bytes of a body as they arrive; an error is the connection's.
pub(crate) type Chunks = crate::body::Body;

/// A ConverseStream whose first frame has been read.
pub(crate) struct Opened {
    /// The body to read (with [`Tee::On`], a copy of it), after `start`.
    pub(crate) chunks: Chunks,
    /// The bytes already read: at least the first frame, unless the stream ended sooner.
    pub(crate) start: Vec<u8>,
    /// With [`Tee::On`]: the whole body, `start` included, for the client, untouched by the
    /// isolate.
    pub(crate) whole: Option<web_sys::ReadableStream>,
}

/// Whether a stream's body is also wanted whole, as it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tee {
    /// Only read, chunk by chunk.
    Off,
    /// Teed: one branch is read, the other is handed on whole.
    On,
}

/// A failure after `attempts` tries.
pub(crate) struct Failed {
    pub(crate) error: RelayError,
    pub(crate) attempts: u32,
}

fn retryable(e: &RelayError) -> bool {
    match e {
        RelayError::Upstream(e) => matches!(
            e.kind,
            ErrorKind::Throttling
                | ErrorKind::ServiceUnavailable
                | ErrorKind::InternalServer
                | ErrorKind::ModelNotReady
        ),
        RelayError::Unreachable(_) => true,
        _ => false,
    }
}

/// Sends `body` to Bedrock's `operation` on `model_id`, signed, and returns Bedrock's
/// response if it is a success. Throttling, 5xx and network errors are retried with
/// exponential backoff and full jitter, within the configured attempts and time budget;
/// nothing has reached the client yet, so a retry is invisible to it. So is a stream whose
/// first frame is such an exception: Bedrock answers a throttled ConverseStream with `200`
/// and a `throttlingException` frame. An error response becomes [`RelayError::Upstream`]
/// with Bedrock's own name and message; an opening exception left after the last attempt is
/// passed on as it came.
pub(crate) async fn send(
    config: &RelayConfig,
    model_id: &str,
    operation: Operation,
    body: &[u8],
    tee: Tee,
) -> Result<Upstream, Failed> {
    let url = format!("{}{}", config.endpoint, model_path(model_id, operation));
    let started = Date::now().as_millis();
    // The pause before trying again after `error`, if another attempt is allowed.
    let retry = |attempts: u32, error: &RelayError| {
        // Full jitter: a random pause up to the exponential bound (AWS's recommendation).
        let bound = BASE_BACKOFF.saturating_mul(1 << (attempts - 1).min(10)).min(MAX_BACKOFF);
        let pause = bound.mul_f64(js_sys::Math::random());
        let spent = Duration::from_millis(Date::now().as_millis().saturating_sub(started));
        (retryable(error) && attempts < config.timing.attempts && spent + pause <= config.timing.retry_budget)
            .then_some(pause)
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let controller = AbortController::default();
        let pause = match attempt(config, &url, operation, body, tee, &controller).await {
            Ok((response, stream)) => {
                let opening = stream.as_ref().and_then(|o| opening_error(&o.start)).map(RelayError::Upstream);
                match opening.and_then(|e| retry(attempts, &e)) {
                    Some(pause) => pause,
                    None => return Ok(Upstream { response, stream, controller, attempts }),
                }
            }
            Err(error) => match retry(attempts, &error) {
                Some(pause) => pause,
                None => {
                    controller.abort();
                    return Err(Failed { error, attempts });
                }
            },
        };
        controller.abort();
        Delay::from(pause).await;
    }
}

async fn attempt(
    config: &RelayConfig,
    url: &str,
    operation: Operation,
    body: &[u8],
    tee: Tee,
    controller: &AbortController,
) -> Result<(Response, Option<Opened>), RelayError> {
    let request = signed_request(config, url, operation, body)?;
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = pin!(fetch.send_with_signal(&signal));
    // A stream starts at once; a Converse reply comes whole, when it is written.
    let (wait, what) = match operation {
        Operation::ConverseStream => (config.timing.first_byte, "start answering"),
        Operation::Converse => (config.timing.reply, "finish its reply"),
        Operation::CountTokens => (config.timing.first_byte, "count the tokens"),
    };
    let timeout = pin!(Delay::from(wait));
    let mut response = match select(sending, timeout).await {
        Either::Left((result, _)) => result.map_err(|e| RelayError::Unreachable(e.to_string()))?,
        Either::Right(_) => return Err(RelayError::Timeout(what)),
    };
    if (200..300).contains(&response.status_code()) {
        let stream = match operation {
            Operation::ConverseStream => Some(opening(&response, tee, wait).await?),
            Operation::Converse | Operation::CountTokens => None,
        };
        return Ok((response, stream));
    }
    let status = response.status_code();
    let error_type = response.headers().get("x-amzn-ErrorType").ok().flatten();
    let body = response.bytes().await.unwrap_or_default();
    Err(RelayError::Upstream(BedrockError::from_response(status, error_type.as_deref(), &body)))
}

/// The most of a stream read to see its first frame: a longer first frame is passed on
/// unread (no event is that long).
const MAX_OPENING: usize = 64 * 1024;

/// Reads the start of a stream until its first frame is whole, it ends, or `wait` passes.
async fn opening(response: &Response, tee: Tee, wait: Duration) -> Result<Opened, RelayError> {
    let ResponseBody::Stream(body) = response.body() else {
        return Err(RelayError::Internal("a stream without its body".into()));
    };
    let (read, whole) = match tee {
        Tee::Off => (body.clone(), None),
        Tee::On => {
            let branches = body.tee();
            (branches.get(0).unchecked_into(), Some(branches.get(1).unchecked_into()))
        }
    };
    let mut chunks = Chunks::new(&read).map_err(RelayError::Internal)?;
    let mut start = Vec::new();
    let mut timeout = pin!(Delay::from(wait));
    while whole_frames_len(&start) == 0 && !not_a_frame(&start) && start.len() < MAX_OPENING {
        match select(chunks.next(), timeout.as_mut()).await {
            Either::Left((Some(Ok(chunk)), _)) => start.extend_from_slice(&chunk),
            Either::Left((Some(Err(e)), _)) => return Err(RelayError::Unreachable(e)),
            Either::Left((None, _)) => break,
            Either::Right(_) => return Err(RelayError::Timeout("start answering")),
        }
    }
    Ok(Opened { chunks, start, whole })
}

/// Whether `start` already shows it is no frame (a length shorter than a frame's own parts):
/// the relayed stream's decoder reports it.
fn not_a_frame(start: &[u8]) -> bool {
    start.get(..4).is_some_and(|p| u32::from_be_bytes([p[0], p[1], p[2], p[3]]) < 16)
}

/// The `host` a request to `url` is signed with (`host:port` where the port is given); a URL
/// without one is the `setting`'s fault.
pub(crate) fn signed_host(url: &str, setting: &str) -> Result<String, RelayError> {
    let parsed = Url::parse(url).map_err(|e| RelayError::Misconfigured(format!("bad {setting}: {e}")))?;
    match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => Ok(format!("{h}:{p}")),
        (Some(h), None) => Ok(h.to_owned()),
        (None, _) => Err(RelayError::Misconfigured(format!("{setting} has no host"))),
    }
}

fn signed_request(
    config: &RelayConfig,
    url: &str,
    operation: Operation,
    body: &[u8],
) -> Result<Request, RelayError> {
    let host = signed_host(url, "BEDROCK_ENDPOINT")?;
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| RelayError::Internal(e.to_string()));
    set("content-type", "application/json")?;
    if operation == Operation::ConverseStream {
        set("accept", converse_shared::eventstream::CONTENT_TYPE)?;
    }
    match &config.auth {
        UpstreamAuth::ApiKey(key) => set("authorization", &format!("Bearer {key}"))?,
        UpstreamAuth::SigV4(credentials) => {
            // No clock on wasm32-unknown-unknown: the time comes from the runtime.
            let now = UNIX_EPOCH + Duration::from_millis(Date::now().as_millis());
            let signed = [("content-type", "application/json"), ("host", host.as_str())];
            let added = sigv4::sign(credentials, &config.region, now, "POST", url, &signed, body)
                .map_err(|e| RelayError::Internal(e.to_string()))?;
            for (name, value) in &added {
                set(name, value)?;
            }
        }
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(js_sys::Uint8Array::from(body).into()));
    Request::new_with_init(url, &init).map_err(|e| RelayError::Internal(e.to_string()))
}

/// Reads a whole (`Converse`) response body, giving up after `idle` without it.
pub(crate) async fn read_with_timeout(
    response: &mut Response,
    idle: Duration,
) -> Result<Vec<u8>, RelayError> {
    let reading = pin!(response.bytes());
    match select(reading, pin!(Delay::from(idle))).await {
        Either::Left((bytes, _)) => bytes.map_err(|e| RelayError::Unreachable(e.to_string())),
        Either::Right(_) => Err(RelayError::Timeout("finish its reply")),
    }
}

/// Polls the upstream once: its next chunk if it is already in, without waiting.
pub(crate) async fn poll_once(chunks: &mut Chunks) -> Poll<Option<Result<Vec<u8>, String>>> {
    std::future::poll_fn(|cx| Poll::Ready(chunks.poll_next_unpin(cx))).await
}
