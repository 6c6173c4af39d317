//! A tool that is an HTTP endpoint: the input is `POST`ed as JSON with the tool's headers
//! (secrets included, which never leave the worker), and the answer is its result.

use std::collections::BTreeMap;
use std::time::Duration;

use converse_shared::tools::Outcome;
use serde_json::Value;
use worker::{Env, Headers, Method, Request, RequestInit, RequestRedirect};

use super::outbound::{HeaderValue, Sent, resolve_headers, send};
use crate::errors::RelayError;

/// Calls the endpoint; a time-out, a redirect or a non-2xx answer is a tool error.
pub(super) async fn run(
    env: &Env,
    name: &str,
    url: &str,
    declared_headers: &BTreeMap<String, HeaderValue>,
    timeout_ms: Option<u64>,
    input: &Value,
) -> Result<Outcome, RelayError> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| RelayError::Internal(e.to_string()));
    set("content-type", "application/json")?;
    for (header, value) in resolve_headers(env, &format!("tool {name}"), declared_headers)? {
        set(&header, &value)?;
    }
    let mut init = RequestInit::new();
    // A redirect is not followed: it would carry the tool's secret headers wherever it points.
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(input.to_string().into()));
    let request = Request::new_with_init(url, &init).map_err(|e| RelayError::Misconfigured(e.to_string()))?;
    let timeout = Duration::from_millis(timeout_ms.unwrap_or(10_000));
    let mut response = match send(request, timeout).await {
        Ok(response) => response,
        Err(Sent::Unreachable(e)) => {
            worker::console_error!("tool {name} unreachable: {e}");
            return Ok(Outcome::Error("the tool could not be reached".into()));
        }
        Err(Sent::TimedOut) => {
            return Ok(Outcome::Error(format!("the tool did not answer within {} s", timeout.as_secs_f64())));
        }
    };
    let status = response.status_code();
    if (300..400).contains(&status) {
        worker::console_error!("tool {name} answered with a redirect (HTTP {status}), not followed");
        return Ok(Outcome::Error(format!(
            "the tool answered with a redirect (HTTP {status}), which is not followed"
        )));
    }
    let text = response.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        let detail: String = text.chars().take(300).collect();
        return Ok(Outcome::Error(format!("the tool answered HTTP {status}: {detail}")));
    }
    Ok(Outcome::Success(serde_json::from_slice::<Value>(text.as_bytes()).unwrap_or(Value::String(text))))
}
