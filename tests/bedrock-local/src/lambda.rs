//! AWS Lambda's `Invoke` (`POST /2015-03-31/functions/{FunctionName}/invocations`,
//! <https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html>), as a relay's Lambda tools
//! call it: SigV4 for the signing name `lambda` (the stand-in's own verifier), a few
//! deterministic functions, and each answer a tool runner must handle, in Lambda's shapes:
//!
//! | function | answer |
//! |---|---|
//! | `forecast` | the weather for `{"city", "days"}`, as JSON |
//! | `shout` | its event's `text` in capitals, as a JSON string |
//! | `fails` | `200`, `X-Amz-Function-Error: Unhandled`, the runtime's error object (with a stack trace) |
//! | `times_out` | `200`, `Unhandled`, `Sandbox.Timedout` ("Task timed out after 3.00 seconds") |
//! | `too_big` | `200`, `Unhandled`, `Function.ResponseSizeTooLarge` |
//! | `not_json` | `200`, a body that is not JSON (a custom runtime can return any bytes) |
//! | `throttled` | `429 TooManyRequestsException`, every time |
//! | `throttled_once` | `429` the first time an event arrives, then `{"answered": "after a throttle"}` |
//! | `hangs` | nothing, until the caller gives up |
//! | anything else | `404 ResourceNotFoundException` |
//!
//! An event over 6,291,456 bytes is `413 RequestTooLargeException`. A function may be named
//! bare or by ARN, with or without a qualifier.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use converse_shared::BedrockError;
use serde_json::{Value, json};

/// Lambda's limit on a synchronous request's payload, as its error states it.
const REQUEST_LIMIT: usize = 6_291_456;

/// What the stand-in remembers between invocations.
#[derive(Debug, Default)]
pub(crate) struct Lambda {
    /// The last invocation: the function as named, and its event.
    last: Mutex<Value>,
    /// Events `throttled_once` already refused.
    throttled: Mutex<HashSet<u64>>,
}

/// An error as Lambda's REST-JSON protocol shapes it.
fn error(status: u16, name: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({ "Type": "User", "message": message }).to_string();
    (status, [("content-type", "application/json"), ("x-amzn-ErrorType", name)], body).into_response()
}

/// A refused signature, in Lambda's shape.
pub(crate) fn refused(e: &BedrockError) -> Response {
    error(e.status(), e.kind.name(), &e.message)
}

/// The function's answer, with the `X-Amz-Function-Error` header if it failed.
fn ran(body: String, function_error: Option<&str>) -> Response {
    let mut response = ([("content-type", "application/json")], body).into_response();
    if let Some(kind) = function_error {
        response.headers_mut().insert("x-amz-function-error", kind.parse().expect("ascii"));
    }
    response.headers_mut().insert("x-amz-executed-version", "$LATEST".parse().expect("ascii"));
    response
}

fn failed(kind: &str, message: &str) -> Response {
    ran(json!({ "errorType": kind, "errorMessage": message }).to_string(), Some("Unhandled"))
}

/// The function a path names: `forecast`, `forecast:live` or its ARN, as sent (percent-encoded).
fn function_name(encoded: &str) -> String {
    let decoded = percent_decode(encoded);
    let parts: Vec<&str> = decoded.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied().unwrap_or_default().to_owned(),
        None => parts[0].to_owned(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex =
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Lambda {
    /// `GET /_stand-in/last-invoke`: the last invocation's function path and event.
    pub(crate) fn last(&self) -> Value {
        self.last.lock().expect("not poisoned").clone()
    }

    /// Answers an `Invoke` whose signature the caller already checked.
    pub(crate) async fn invoke(&self, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> Response {
        let encoded = uri
            .path()
            .strip_prefix("/2015-03-31/functions/")
            .and_then(|rest| rest.strip_suffix("/invocations"))
            .unwrap_or_default();
        let arn_or_name = percent_decode(encoded);
        let name = function_name(encoded);
        if body.len() > REQUEST_LIMIT {
            let message = format!(
                "Request must be smaller than {REQUEST_LIMIT} bytes for the InvokeFunction operation"
            );
            return error(413, "RequestTooLargeException", &message);
        }
        let invocation = headers.get("x-amz-invocation-type").and_then(|v| v.to_str().ok());
        if invocation.is_some_and(|t| t != "RequestResponse") {
            return error(
                400,
                "InvalidParameterValueException",
                "The stand-in runs functions synchronously only.",
            );
        }
        let Ok(event) = serde_json::from_slice::<Value>(body) else {
            return error(400, "InvalidRequestContentException", "Could not parse request body into json");
        };
        *self.last.lock().expect("not poisoned") = json!({ "function": arn_or_name, "event": event });
        let text = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        match name.as_str() {
            "forecast" => {
                let city = text("city");
                let days = event.get("days").and_then(Value::as_u64).unwrap_or(1).clamp(1, 7);
                let base = 14 + (city.len() as i64 % 9);
                let skies = ["sunny", "cloudy", "rain"];
                let forecast: Vec<Value> = (0..days)
                    .map(|d| json!({ "day": d + 1, "sky": skies[(city.len() + d as usize) % 3], "highC": base + d as i64 }))
                    .collect();
                ran(json!({ "city": city, "forecast": forecast }).to_string(), None)
            }
            "shout" => ran(Value::String(text("text").to_uppercase()).to_string(), None),
            "fails" => ran(
                json!({
                    "errorMessage": "no city named Atlantis",
                    "errorType": "ValueError",
                    "requestId": "6f1d7c1e-0d1c-4b8e-9a52-3f0e2c9b1a77",
                    "stackTrace": ["  File \"/var/task/app.py\", line 12, in handler\n    raise ValueError(\"no city named Atlantis\")\n"]
                })
                .to_string(),
                Some("Unhandled"),
            ),
            "times_out" => failed(
                "Sandbox.Timedout",
                "RequestId: 6f1d7c1e-0d1c-4b8e-9a52-3f0e2c9b1a77 Error: Task timed out after 3.00 seconds",
            ),
            "too_big" => failed(
                "Function.ResponseSizeTooLarge",
                "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
            ),
            "not_json" => ran("sunny, 21 °C".into(), None),
            "throttled" => error(429, "TooManyRequestsException", "Rate Exceeded."),
            "throttled_once" => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                body.hash(&mut h);
                if self.throttled.lock().expect("not poisoned").insert(h.finish()) {
                    return error(429, "TooManyRequestsException", "Rate Exceeded.");
                }
                ran(json!({ "answered": "after a throttle" }).to_string(), None)
            }
            "hangs" => {
                std::future::pending::<()>().await; // until the caller gives up
                unreachable!()
            }
            _ => error(404, "ResourceNotFoundException", &format!("Function not found: {arn_or_name}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_function_however_it_is_written() {
        assert_eq!(function_name("forecast"), "forecast");
        assert_eq!(function_name("forecast%3Alive"), "forecast");
        assert_eq!(
            function_name("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aforecast%3A%24LATEST"),
            "forecast"
        );
    }
}
