//! The signed request to Bedrock.

use std::time::{Duration, UNIX_EPOCH};

use converse_shared::BedrockError;
use converse_shared::path::{Operation, model_path};
use converse_shared::sigv4;
use worker::{Date, Fetch, Headers, Method, Request, RequestInit, Response, Url};

use crate::config::{RelayConfig, UpstreamAuth};
use crate::errors::RelayError;

/// Sends `body` to Bedrock's `operation` on `model_id`, signed, and returns Bedrock's
/// response if it is a success. An error response becomes [`RelayError::Bedrock`] with
/// Bedrock's own name and message.
pub(crate) async fn send(
    config: &RelayConfig,
    model_id: &str,
    operation: Operation,
    body: &[u8],
) -> Result<Response, RelayError> {
    let url = format!("{}{}", config.endpoint, model_path(model_id, operation));
    let parsed = Url::parse(&url).map_err(|e| RelayError::Internal(format!("bad BEDROCK_ENDPOINT: {e}")))?;
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(RelayError::Internal("BEDROCK_ENDPOINT has no host".into())),
    };

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
            let added = sigv4::sign(credentials, &config.region, now, "POST", &url, &signed, body)
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
    let request = Request::new_with_init(&url, &init).map_err(|e| RelayError::Internal(e.to_string()))?;
    let mut response =
        Fetch::Request(request).send().await.map_err(|e| RelayError::Unreachable(e.to_string()))?;
    if (200..300).contains(&response.status_code()) {
        return Ok(response);
    }
    let status = response.status_code();
    let error_type = response.headers().get("x-amzn-ErrorType").ok().flatten();
    let body = response.bytes().await.unwrap_or_default();
    Err(RelayError::Bedrock(BedrockError::from_response(status, error_type.as_deref(), &body)))
}
