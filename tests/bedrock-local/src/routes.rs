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

fn usage(plan: &Plan, output_tokens: usize) -> TokenUsage {
    let output_tokens = output_tokens as u32;
    TokenUsage {
        input_tokens: plan.input_tokens,
        output_tokens,
        total_tokens: plan.input_tokens + output_tokens,
        ..Default::default()
    }
}

fn converse(plan: Plan) -> Response {
    let response = ConverseResponse {
        output: ConverseOutput::Message(Message::text(Role::Assistant, plan.deltas.concat())),
        stop_reason: plan.stop_reason.clone(),
        usage: usage(&plan, plan.deltas.len()),
        metrics: ConverseMetrics { latency_ms: 1, ..Default::default() },
        extra: Extra::new(),
    };
    let json = serde_json::to_string(&response).expect("the response always serialises");
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
    tokio::spawn(async move {
        let started = Instant::now();
        let mut frame = 0;
        let mut send = |event: StreamEvent| {
            frame += 1;
            let bytes =
                eventstream::encode_item(&StreamItem::Event(event), padding(frame)).expect("events encode");
            let tx = tx.clone();
            async move { tx.send(Ok(bytes)).await.is_ok() }
        };
        let extra = Extra::new;
        if !send(StreamEvent::MessageStart(MessageStartEvent { role: Role::Assistant, extra: extra() })).await
        {
            return;
        }
        for (i, text) in plan.deltas.iter().enumerate() {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if plan.fault == Some(Fault::StreamThrottle) && i == 3 {
                let e = BedrockError::new(
                    ErrorKind::Throttling,
                    "Too many tokens, please wait before trying again.",
                );
                send(e.to_stream_event().expect("throttling is a stream member")).await;
                return;
            }
            let delta = ContentBlockDeltaEvent {
                delta: ContentBlockDelta::Text(text.clone()),
                content_block_index: 0,
                extra: extra(),
            };
            if !send(StreamEvent::ContentBlockDelta(delta)).await {
                return; // the client went away
            }
        }
        let stop = ContentBlockStopEvent { content_block_index: 0, extra: extra() };
        let message_stop = MessageStopEvent {
            stop_reason: plan.stop_reason.clone(),
            additional_model_response_fields: None,
            extra: extra(),
        };
        let metadata = MetadataEvent {
            usage: usage(&plan, plan.deltas.len()),
            metrics: ConverseMetrics { latency_ms: started.elapsed().as_millis() as u64, extra: extra() },
            extra: extra(),
        };
        for event in [
            StreamEvent::ContentBlockStop(stop),
            StreamEvent::MessageStop(message_stop),
            StreamEvent::Metadata(metadata),
        ] {
            if !send(event).await {
                return;
            }
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static(eventstream::CONTENT_TYPE));
    response
}
