//! The HTTP surface: one handler that routes by Bedrock's paths.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use converse_shared::accumulate::disassemble;
use converse_shared::eventstream::{self, StreamItem};
use converse_shared::path::{Operation, parse_model_path};
use converse_shared::types::*;
use converse_shared::{BedrockError, ErrorKind};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::reply::{Fault, Plan, plan};
use crate::{Config, auth, validate};

struct AppState {
    config: Config,
    requests: AtomicU64,
}

/// The stand-in's router.
pub fn router(config: Config) -> Router {
    Router::new().fallback(handle).with_state(Arc::new(AppState { config, requests: AtomicU64::new(0) }))
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

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = format!("00000000-0000-4000-8000-{n:012x}");
    let response = match answer(&state.config, &method, &uri, &headers, body).await {
        Ok(response) => response,
        Err(e) => error_response(&e, &request_id),
    };
    eprintln!("{method} {} -> {}", uri.path(), response.status().as_u16());
    let mut response = response;
    response.headers_mut().insert("x-amzn-RequestId", HeaderValue::from_str(&request_id).expect("ascii"));
    response
}

async fn answer(
    config: &Config,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, BedrockError> {
    let Some((model_id, operation)) = parse_model_path(uri.path()).filter(|_| method == Method::POST) else {
        return Err(BedrockError::new(ErrorKind::UnknownOperation, "Unknown operation"));
    };
    auth::verify(config, method.as_str(), uri, headers, &body, SystemTime::now())?;
    let request = validate::parse_request(&body)?;
    let plan = plan(&model_id, &request);
    if plan.fault == Some(Fault::Throttle) {
        return Err(BedrockError::new(
            ErrorKind::Throttling,
            "Too many requests, please wait before trying again.",
        ));
    }
    Ok(match operation {
        Operation::Converse => converse(plan),
        Operation::ConverseStream => converse_stream(config, plan),
    })
}

/// The reply `Converse` gives for `plan`; `ConverseStream` streams the same reply.
fn response(plan: &Plan) -> ConverseResponse {
    let output_tokens = plan.deltas.len() as u32;
    ConverseResponse {
        output: ConverseOutput::Message(Message::text(Role::Assistant, plan.deltas.concat())),
        stop_reason: plan.stop_reason.clone(),
        usage: TokenUsage {
            input_tokens: plan.input_tokens,
            output_tokens,
            total_tokens: plan.input_tokens + output_tokens,
            ..Default::default()
        },
        metrics: ConverseMetrics { latency_ms: 1, ..Default::default() },
        additional_model_response_fields: None,
        trace: None,
        performance_config: None,
        service_tier: None,
        extra: Extra::new(),
    }
}

fn converse(plan: Plan) -> Response {
    let json = serde_json::to_string(&response(&plan)).expect("the response always serialises");
    ([("content-type", "application/json")], json).into_response()
}

/// Bedrock pads each event with `"p"`, a run of letters of varying length.
fn padding(frame: usize) -> &'static str {
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";
    &LETTERS[..=(frame * 7) % (LETTERS.len() - 1)]
}

fn converse_stream(config: &Config, plan: Plan) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(4);
    let delay = config.delta_delay;
    // One delta per word, as the plan counts tokens.
    let events = disassemble(&response(&plan), |rest| rest.find(' ').map_or(rest.len(), |i| i + 1));
    tokio::spawn(async move {
        let started = Instant::now();
        let mut deltas = 0;
        for (frame, mut event) in events.into_iter().enumerate() {
            if let StreamEvent::ContentBlockDelta(_) = event {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                deltas += 1;
                if plan.fault == Some(Fault::StreamThrottle) && deltas == 4 {
                    let e = BedrockError::new(
                        ErrorKind::Throttling,
                        "Too many tokens, please wait before trying again.",
                    );
                    event = e.to_stream_event().expect("throttling is a stream member");
                }
            }
            if let StreamEvent::Metadata(meta) = &mut event {
                meta.metrics.latency_ms = started.elapsed().as_millis() as u64;
            }
            let end = event.exception().is_some();
            let bytes =
                eventstream::encode_item(&StreamItem::Event(event), padding(frame)).expect("events encode");
            if tx.send(Ok(bytes)).await.is_err() || end {
                return; // the client went away, or the stream failed on purpose
            }
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static(eventstream::CONTENT_TYPE));
    response
}
