//! Tools the deployer declares, run by the worker so their secrets never reach the browser:
//! `GET /v1/tools` lists them (as Bedrock `Tool` values), `POST /v1/tools/{name}` runs one.
//!
//! Declared in the `TOOLS` variable as JSON:
//! `[{"name", "description", "inputSchema", "url", "headers": {"h": "value" | {"secret": "NAME"}}, "timeoutMs"}]`.
//! A header given as `{"secret": "NAME"}` takes its value from the worker secret `NAME`.

use std::collections::BTreeMap;
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{Either, select};
use serde::Deserialize;
use serde_json::{Value, json};
use worker::{
    AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response,
};

use crate::errors::RelayError;

/// A header value: plain, or the name of a worker secret.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HeaderValue {
    Plain(String),
    Secret { secret: String },
}

/// One declared tool.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HttpTool {
    name: String,
    #[serde(default)]
    description: Option<String>,
    input_schema: Value,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, HeaderValue>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

impl HttpTool {
    /// The tool's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

/// The declared tools (`TOOLS`), or none.
pub(crate) fn declared(env: &Env) -> Result<Vec<HttpTool>, RelayError> {
    let Ok(text) =
        env.var("TOOLS").map(|v| v.to_string()).or_else(|_| env.secret("TOOLS").map(|s| s.to_string()))
    else {
        return Ok(Vec::new());
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(text.as_bytes())
        .map_err(|e| RelayError::Misconfigured(format!("TOOLS is not a valid list of tools: {e}")))
}

/// `GET /v1/tools`: the declared tools as Bedrock `Tool` values, ready for a `toolConfig`.
pub(crate) fn list(tools: &[HttpTool]) -> worker::Result<Response> {
    let listed: Vec<Value> = tools
        .iter()
        .map(|t| {
            let mut spec = json!({ "name": t.name, "inputSchema": { "json": t.input_schema } });
            if let Some(d) = &t.description {
                spec["description"] = json!(d);
            }
            json!({ "toolSpec": spec })
        })
        .collect();
    Response::from_json(&json!({ "tools": listed }))
}

fn outcome_error(message: impl Into<String>) -> worker::Result<Response> {
    Response::from_json(&json!({ "status": "error", "error": message.into() }))
}

/// `POST /v1/tools/{name}`: checks the input against the tool's schema, calls the tool with
/// its secret headers, and answers `{"status": "success", "result"}` or
/// `{"status": "error", "error"}` (a time-out, a non-2xx answer, input that does not fit).
pub(crate) async fn run(
    env: &Env,
    tool: &HttpTool,
    input: &[u8],
) -> Result<worker::Result<Response>, RelayError> {
    let input: Value = match serde_json::from_slice(input) {
        Ok(v) => v,
        Err(e) => return Ok(outcome_error(format!("the input is not JSON: {e}"))),
    };
    let validator = jsonschema::validator_for(&tool.input_schema).map_err(|e| {
        RelayError::Misconfigured(format!("tool {} has an invalid input schema: {e}", tool.name))
    })?;
    let problems: Vec<String> =
        validator.iter_errors(&input).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    if !problems.is_empty() {
        return Ok(outcome_error(format!(
            "the input does not fit the tool's schema: {}",
            problems.join("; ")
        )));
    }

    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| RelayError::Internal(e.to_string()));
    set("content-type", "application/json")?;
    for (name, value) in &tool.headers {
        let value = match value {
            HeaderValue::Plain(v) => v.clone(),
            HeaderValue::Secret { secret } => env
                .secret(secret)
                .map(|s| s.to_string())
                .or_else(|_| env.var(secret).map(|v| v.to_string()))
                .map_err(|_| {
                    RelayError::Misconfigured(format!("tool {} needs the secret {secret}", tool.name))
                })?,
        };
        set(name, &value)?;
    }
    let mut init = RequestInit::new();
    // A redirect is not followed: it would carry the tool's secret headers wherever it points.
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(input.to_string().into()));
    let request =
        Request::new_with_init(&tool.url, &init).map_err(|e| RelayError::Misconfigured(e.to_string()))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let timeout = Duration::from_millis(tool.timeout_ms.unwrap_or(10_000));
    let mut response = match select(pin!(fetch.send_with_signal(&signal)), pin!(Delay::from(timeout))).await {
        Either::Left((Ok(response), _)) => response,
        Either::Left((Err(e), _)) => {
            worker::console_error!("tool {} unreachable: {e}", tool.name);
            return Ok(outcome_error("the tool could not be reached"));
        }
        Either::Right(_) => {
            controller.abort();
            return Ok(outcome_error(format!("the tool did not answer within {} s", timeout.as_secs_f64())));
        }
    };
    let status = response.status_code();
    if (300..400).contains(&status) {
        worker::console_error!("tool {} answered with a redirect (HTTP {status}), not followed", tool.name);
        return Ok(outcome_error(format!(
            "the tool answered with a redirect (HTTP {status}), which is not followed"
        )));
    }
    let text = response.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        let detail: String = text.chars().take(300).collect();
        return Ok(outcome_error(format!("the tool answered HTTP {status}: {detail}")));
    }
    let result = serde_json::from_slice::<Value>(text.as_bytes()).unwrap_or(Value::String(text));
    Ok(Response::from_json(&json!({ "status": "success", "result": result })))
}
