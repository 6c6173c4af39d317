//! The HTTP surface: one handler that routes by Bedrock's paths.

use std::collections::HashSet;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use converse_shared::accumulate::disassemble;
use converse_shared::eventstream::{self, StreamItem};
use converse_shared::path::{Operation, parse_model_path};
use converse_shared::types::*;
use converse_shared::{BedrockError, ErrorKind};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::lambda::{self, Lambda};
use crate::reply::{Plan, TransportFault, plan};
use crate::{Config, auth, replay, validate};

struct AppState {
    config: Config,
    requests: AtomicU64,
    /// The body of the last Converse request, for tests of what a relay forwards.
    last_request: Mutex<Bytes>,
    /// The body of the last CountTokens request.
    last_count: Mutex<Bytes>,
    /// Hashes of requests that already failed once (`http-NNN-once`).
    failed_once: Mutex<HashSet<u64>>,
    /// Streams whose client went away before the end.
    cancelled: Arc<AtomicU64>,
    /// Lambda's `Invoke`, for a relay's Lambda tools.
    lambda: Lambda,
    /// What prompt-cache checkpoints wrote.
    prompt_cache: crate::cache::PromptCache,
}

/// The stand-in's router.
pub fn router(config: Config) -> Router {
    Router::new()
        .route("/_stand-in/last-request", get(last_request))
        .route("/_stand-in/last-count", get(last_count))
        .route("/_stand-in/stats", get(stats))
        .route("/_stand-in/tools/{name}", axum::routing::post(test_tool))
        .route("/_stand-in/last-invoke", get(last_invoke))
        .route("/2015-03-31/functions/{function}/invocations", axum::routing::post(invoke))
        .fallback(handle)
        // Bedrock takes requests far past axum's 2 MB default: twenty 3.75 MB images, five
        // 4.5 MB documents, video, all base64 (realcases pyd-118 is 2.7 MB).
        .layer(axum::extract::DefaultBodyLimit::max(64 << 20))
        .with_state(Arc::new(AppState {
            config,
            requests: AtomicU64::new(0),
            last_request: Mutex::new(Bytes::new()),
            last_count: Mutex::new(Bytes::new()),
            failed_once: Mutex::new(HashSet::new()),
            cancelled: Arc::new(AtomicU64::new(0)),
            lambda: Lambda::default(),
            prompt_cache: crate::cache::PromptCache::default(),
        }))
}

/// An error response exactly as Bedrock shapes it.
fn error_response(e: &BedrockError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, e.body_json()).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let error_type = format!("{}:http://internal.amazon.com/coral/com.amazon.bedrock/", e.kind.name());
    headers.insert("x-amzn-ErrorType", HeaderValue::from_str(&error_type).expect("ascii"));
    headers.insert("x-amzn-RequestId", HeaderValue::from_str(request_id).expect("ascii"));
    response
}

/// `GET /_stand-in/last-request`: the body of the last Converse request, as received.
async fn last_request(State(state): State<Arc<AppState>>) -> Response {
    let body = state.last_request.lock().expect("not poisoned").clone();
    ([("content-type", "application/json")], body).into_response()
}

/// `GET /_stand-in/last-count`: the body of the last CountTokens request, as received.
async fn last_count(State(state): State<Arc<AppState>>) -> Response {
    let body = state.last_count.lock().expect("not poisoned").clone();
    ([("content-type", "application/json")], body).into_response()
}

/// `GET /_stand-in/last-invoke`: the last Lambda invocation, `{"function", "event"}`.
async fn last_invoke(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(state.lambda.last()).into_response()
}

/// Lambda's `Invoke`, signed for `lambda` ([`crate::lambda`]).
async fn invoke(State(state): State<Arc<AppState>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let signed =
        auth::verify_sigv4(&state.config, "lambda", "POST", &uri, &headers, &body, SystemTime::now());
    let mut response = match signed {
        Ok(()) => state.lambda.invoke(&uri, &headers, &body).await,
        Err(e) => lambda::refused(&e),
    };
    eprintln!("POST {} -> {}", uri.path(), response.status().as_u16());
    let request_id = format!("00000000-0000-4000-9000-{n:012x}");
    response.headers_mut().insert("x-amzn-RequestId", HeaderValue::from_str(&request_id).expect("ascii"));
    response
}

/// `GET /_stand-in/stats`: requests seen, and streams whose client went away.
async fn stats(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(serde_json::json!({
        "requests": state.requests.load(Ordering::Relaxed),
        "cancelled": state.cancelled.load(Ordering::Relaxed),
    }))
    .into_response()
}

/// `POST /_stand-in/tools/{echo,fail,slow,redirect,search}`: HTTP tools for tests of a relay's
/// tool runner. Each needs the header `x-tool-secret` set to the configured secret. `search`
/// answers in Converse's terms (a tool declared with `"resultFormat": "converse"`): the pages
/// of a small help centre that mention `query`, as search results.
async fn test_tool(
    State(state): State<Arc<AppState>>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let given = headers.get("x-tool-secret").and_then(|v| v.to_str().ok());
    if state.config.tool_secret.is_none() || given != state.config.tool_secret.as_deref() {
        return (StatusCode::UNAUTHORIZED, "the x-tool-secret header is missing or wrong").into_response();
    }
    let input: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    match name.as_str() {
        "echo" => axum::Json(serde_json::json!({ "echo": input, "secretSeen": true })).into_response(),
        "fail" => (StatusCode::INTERNAL_SERVER_ERROR, "the test tool failed on purpose").into_response(),
        // Sends the caller, secret header and all, to `echo`: a relay must not follow.
        "redirect" => {
            (StatusCode::TEMPORARY_REDIRECT, [("location", "/_stand-in/tools/echo")]).into_response()
        }
        "slow" => {
            std::future::pending::<()>().await; // until the caller gives up
            unreachable!()
        }
        "search" => axum::Json(help_centre(input["query"].as_str().unwrap_or_default())).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The pages of the test help centre that mention `query`, as Converse search results.
fn help_centre(query: &str) -> serde_json::Value {
    const PAGES: &[(&str, &str, &str)] = &[
        (
            "https://shop.test/help/returns",
            "Returns and refunds",
            "Items can be returned within 30 days for a full refund.",
        ),
        (
            "https://shop.test/help/shipping",
            "Shipping",
            "Orders ship within 2 working days; returns ship free.",
        ),
        ("kb://warranty/7", "Warranty", "Repairs are free for two years."),
    ];
    let query = query.to_lowercase();
    let found: Vec<serde_json::Value> = PAGES
        .iter()
        .filter(|(_, title, text)| !query.is_empty() && format!("{title} {text}").to_lowercase().contains(&query))
        .map(|(source, title, text)| {
            serde_json::json!({ "searchResult": { "source": source, "title": title, "content": [{ "text": text }] } })
        })
        .collect();
    if found.is_empty() {
        return serde_json::json!({ "content": [{ "text": format!("no page mentions {query:?}") }] });
    }
    serde_json::json!({ "content": found })
}

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("00000000-0000-4000-8000-{n:012x}");
    let mut response = match answer(&state, &method, &uri, &headers, body).await {
        Ok(response) => response,
        Err(e) => error_response(&e, &request_id),
    };
    eprintln!("{method} {} -> {}", uri.path(), response.status().as_u16());
    response.headers_mut().insert("x-amzn-RequestId", HeaderValue::from_str(&request_id).expect("ascii"));
    response
}

async fn answer(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, BedrockError> {
    let Some((model_id, operation)) = parse_model_path(uri.path()).filter(|_| method == Method::POST) else {
        return Err(BedrockError::new(ErrorKind::UnknownOperation, "Unknown operation"));
    };
    let config = &state.config;
    auth::verify(config, method.as_str(), uri, headers, &body, SystemTime::now())?;
    if operation == Operation::CountTokens {
        // Not the last request: a page counts while its user types, beside its Converse calls.
        *state.last_count.lock().expect("not poisoned") = body.clone();
        let counted = crate::count::count(&model_id, &body)?;
        return Ok(axum::Json(counted).into_response());
    }
    *state.last_request.lock().expect("not poisoned") = body.clone();
    let streaming = operation == Operation::ConverseStream;
    let request = validate::parse_request(&model_id, &body, streaming)?;
    if let Some(case) = replay::asked(&request) {
        return replay::answer(&config.replay_dir, case, streaming, config.delta_delay).await;
    }
    let mut plan = plan(&model_id, &request)?;
    // `-once` faults happen the first time this exact request arrives, not when it is retried.
    if plan.fail_once && !state.failed_once.lock().expect("not poisoned").insert(hash(&body)) {
        plan.http_error = None;
        plan.stream_exception = None;
    }
    if let Some(e) = plan.http_error.clone() {
        return Err(e);
    }
    if let Ok(model) = crate::catalog::resolve(&model_id) {
        state.prompt_cache.settle(model, &request, &mut plan.response.usage, std::time::Instant::now());
    }
    if plan.transport == Some(TransportFault::StallStart) {
        std::future::pending::<()>().await; // until the client goes away and drops this
    }
    Ok(if streaming { converse_stream(config, plan, state.cancelled.clone()) } else { converse(plan).await })
}

/// `Converse` answers, headers and all, only once the whole reply is written: with
/// `[stand-in:delay-N]`, after as long as the same reply takes to stream.
async fn converse(plan: Plan) -> Response {
    if let Some(delay) = plan.delta_delay_ms {
        let deltas = disassemble(&plan.response, |_, rest| rest.find(' ').map_or(rest.len(), |i| i + 1))
            .iter()
            .filter(|e| matches!(e, StreamEvent::ContentBlockDelta(_)))
            .count() as u64;
        tokio::time::sleep(std::time::Duration::from_millis(delay * deltas)).await;
    }
    let json = serde_json::to_string(&plan.response).expect("the response always serialises");
    ([("content-type", "application/json")], json).into_response()
}

/// Bedrock pads each event with `"p"`, a run of letters of varying length.
fn padding(frame: usize) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";
    &LETTERS[..=(frame * 7) % (LETTERS.len() - 1)]
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

fn converse_stream(config: &Config, plan: Plan, cancelled: Arc<AtomicU64>) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(4);
    let delay = plan.delta_delay_ms.map_or(config.delta_delay, std::time::Duration::from_millis);
    // Text: one delta per word, as the plan counts tokens. Tool input: pieces of 6 bytes.
    // Images: 24 characters of base64 (18 bytes) a piece.
    let mut events = disassemble(&plan.response, |block, rest| match block {
        ContentBlock::ToolUse(_) => 6,
        ContentBlock::Image(_) => 24,
        _ => rest.find(' ').map_or(rest.len(), |i| i + 1),
    });
    if plan.malformed_tool_input {
        break_first_tool_input(&mut events);
    }
    if plan.exception_first
        && let Some(e) = &plan.stream_exception
    {
        events = vec![e.to_stream_event().expect("stream exceptions are stream members")];
    }
    tokio::spawn(async move {
        let started = Instant::now();
        let mut deltas = 0;
        for (frame, mut event) in events.into_iter().enumerate() {
            if let StreamEvent::ContentBlockDelta(_) = event {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                deltas += 1;
            }
            if deltas == 4
                && let Some(e) = &plan.stream_exception
            {
                event = e.to_stream_event().expect("stream exceptions are stream members");
                if let StreamEvent::ModelStreamErrorException(body) = &mut event {
                    body.original_status_code = Some(500);
                    body.original_message = Some("The model's server failed.".into());
                }
            }
            if let StreamEvent::Metadata(meta) = &mut event {
                meta.metrics.latency_ms = started.elapsed().as_millis() as u64;
            }
            let end = event.exception().is_some();
            let mut bytes =
                eventstream::encode_item(&StreamItem::Event(event), padding(frame)).expect("events encode");
            if deltas == 4 {
                match plan.transport {
                    Some(TransportFault::Stall) => {
                        tx.closed().await; // silence until the client goes away
                        cancelled.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Some(TransportFault::Truncate) => {
                        let _ = tx.send(Ok(bytes.slice(..bytes.len() / 2))).await;
                        return;
                    }
                    Some(TransportFault::ErrorFrame) => {
                        let error = BedrockError::new(ErrorKind::InternalServer, "The stream failed.");
                        let frame =
                            eventstream::encode_item(&StreamItem::Error(error), "").expect("errors encode");
                        let _ = tx.send(Ok(frame)).await;
                        return;
                    }
                    Some(TransportFault::BadCrc) => {
                        let mut broken = bytes.to_vec();
                        *broken.last_mut().expect("frames are not empty") ^= 0xff;
                        bytes = broken.into();
                    }
                    _ => {}
                }
            }
            if tx.send(Ok(bytes)).await.is_err() {
                cancelled.fetch_add(1, Ordering::Relaxed);
                return; // the client went away
            }
            if end {
                return; // the stream failed on purpose
            }
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static(eventstream::CONTENT_TYPE));
    response
}

/// Replaces the first tool call's streamed input with text that is not JSON.
fn break_first_tool_input(events: &mut Vec<StreamEvent>) {
    let Some(index) = events.iter().find_map(|e| match e {
        StreamEvent::ContentBlockStart(s) if matches!(s.start, ContentBlockStart::ToolUse(_)) => {
            Some(s.content_block_index)
        }
        _ => None,
    }) else {
        return;
    };
    let mut first = true;
    events.retain_mut(|e| match e {
        StreamEvent::ContentBlockDelta(d) if d.content_block_index == index => {
            if let ContentBlockDelta::ToolUse(t) = &mut d.delta {
                t.input = "{\"expr\": \"2 +".into();
            }
            std::mem::replace(&mut first, false)
        }
        _ => true,
    });
}
