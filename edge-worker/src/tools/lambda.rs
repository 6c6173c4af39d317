//! A tool that is an AWS Lambda function: invoked synchronously (`Invoke`, `RequestResponse`)
//! with the tool's input as its event, signed with SigV4 for `lambda` by the worker's AWS
//! credentials (the Bedrock ones, or `LAMBDA_ACCESS_KEY_ID` / `LAMBDA_SECRET_ACCESS_KEY` /
//! `LAMBDA_SESSION_TOKEN` where the deployer gives Lambda a key of its own). What Lambda
//! answers becomes the model's tool result through
//! [`converse_shared::tools::lambda::outcome`]; a throttle or a failure of Lambda itself is
//! tried again while the tool's time allows.

use std::time::{Duration, UNIX_EPOCH};

use converse_shared::sigv4::{self, Credentials};
use converse_shared::tools::Outcome;
use converse_shared::tools::lambda::{Answer, FunctionArn, PAYLOAD_LIMIT, SIGNING_NAME, outcome};
use serde_json::Value;
use worker::{Date, Delay, Env, Headers, Method, Request, RequestInit, RequestRedirect};

use super::outbound::{Sent, send};
use crate::config::{RelayConfig, UpstreamAuth, read};
use crate::errors::RelayError;

/// How long a Lambda tool may take unless the deployer says (cold starts take seconds).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Calls to Lambda for one tool run, at most.
const ATTEMPTS: u32 = 3;

/// The credentials Lambda calls are signed with.
fn credentials(env: &Env, config: &RelayConfig) -> Result<Credentials, RelayError> {
    if let (Some(id), Some(secret)) =
        (read(env, "LAMBDA_ACCESS_KEY_ID"), read(env, "LAMBDA_SECRET_ACCESS_KEY"))
    {
        return Ok(Credentials::new(id, secret, read(env, "LAMBDA_SESSION_TOKEN")));
    }
    match &config.auth {
        UpstreamAuth::SigV4(credentials) => Ok(credentials.clone()),
        UpstreamAuth::ApiKey(_) => Err(RelayError::Misconfigured(
            "Lambda tools need AWS credentials: a Bedrock API key cannot invoke Lambda \
             (set LAMBDA_ACCESS_KEY_ID and LAMBDA_SECRET_ACCESS_KEY)"
                .into(),
        )),
    }
}

/// Runs the function; returns what the model is told and the calls it took.
pub(super) async fn run(
    env: &Env,
    config: &RelayConfig,
    name: &str,
    arn: &FunctionArn,
    timeout_ms: Option<u64>,
    input: &Value,
) -> Result<(Outcome, u32), RelayError> {
    let credentials = credentials(env, config)?;
    let endpoint = read(env, "LAMBDA_ENDPOINT").unwrap_or_else(|| arn.endpoint());
    let url = format!("{}{}", endpoint.trim_end_matches('/'), arn.invoke_path());
    let event = input.to_string().into_bytes();
    if event.len() > PAYLOAD_LIMIT {
        let why =
            format!("the input is larger than Lambda takes in a synchronous call ({PAYLOAD_LIMIT} bytes)");
        return Ok((Outcome::Error(why), 0));
    }
    let timeout = timeout_ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis);
    let deadline = Date::now().as_millis() + timeout.as_millis() as u64;
    let mut backoff = Duration::from_millis(200);
    for attempt in 1..=ATTEMPTS {
        let left = Duration::from_millis(deadline.saturating_sub(Date::now().as_millis()));
        let request = signed(&credentials, arn, &url, &event)?;
        let mut response = match send(request, left).await {
            Ok(response) => response,
            Err(Sent::Unreachable(e)) => {
                worker::console_error!("tool {name}: Lambda unreachable: {e}");
                return Ok((Outcome::Error("Lambda could not be reached".into()), attempt));
            }
            Err(Sent::TimedOut) => {
                let why = format!("the function did not answer within {} s", timeout.as_secs_f64());
                return Ok((Outcome::Error(why), attempt));
            }
        };
        let headers = response.headers();
        let function_error = headers.get("x-amz-function-error").ok().flatten();
        let error_type = headers.get("x-amzn-errortype").ok().flatten();
        let body = response.bytes().await.unwrap_or_default();
        let answer = Answer {
            status: response.status_code(),
            function_error: function_error.as_deref(),
            error_type: error_type.as_deref(),
            body: &body,
        };
        let sleep = backoff.mul_f64(0.5 + js_sys::Math::random() / 2.0);
        let time_left = Date::now().as_millis() + (sleep.as_millis() as u64) < deadline;
        if answer.retryable() && attempt < ATTEMPTS && time_left {
            Delay::from(sleep).await;
            backoff *= 2;
            continue;
        }
        if !(200..300).contains(&answer.status) {
            // Lambda's own words go to the log (they may name the account); the model is told
            // what happened and what to do.
            let detail: String = String::from_utf8_lossy(&body).chars().take(300).collect();
            worker::console_error!("tool {name}: Lambda answered HTTP {}: {detail}", answer.status);
        }
        return Ok((outcome(&answer), attempt));
    }
    unreachable!("the last attempt returns")
}

/// The `Invoke` request, signed as the AWS SDKs sign it (`host` and the date; the body's hash).
fn signed(
    credentials: &Credentials,
    arn: &FunctionArn,
    url: &str,
    event: &[u8],
) -> Result<Request, RelayError> {
    let host = crate::upstream::signed_host(url, "LAMBDA_ENDPOINT")?;
    // No clock on wasm32-unknown-unknown: the time comes from the runtime.
    let now = UNIX_EPOCH + Duration::from_millis(Date::now().as_millis());
    let added = sigv4::sign_scoped(
        credentials,
        &arn.region,
        SIGNING_NAME,
        now,
        "POST",
        url,
        &[("host", &host)],
        event,
    )
    .map_err(|e| RelayError::Internal(e.to_string()))?;
    let headers = Headers::new();
    for (name, value) in &added {
        headers.set(name, value).map_err(|e| RelayError::Internal(e.to_string()))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(js_sys::Uint8Array::from(event).into()));
    Request::new_with_init(url, &init).map_err(|e| RelayError::Internal(e.to_string()))
}
