//! Tools the deployer declares, run by the worker so that their secrets (headers, AWS
//! credentials) never reach the browser: `GET /v1/tools` lists them as Bedrock `Tool` values,
//! `POST /v1/tools/{name}` runs one for a caller the relay trusts, within its rate limits.
//!
//! Declared in the `TOOLS` variable as a JSON list. Each tool has a `name`, a `description`,
//! an `inputSchema` and a `timeoutMs`, and runs in one of two places:
//! - an HTTP endpoint: `"url"`, with `"headers": {"h": "value" | {"secret": "NAME"}}` (a header
//!   given as `{"secret": "NAME"}` takes its value from the worker secret `NAME`);
//! - an AWS Lambda function: `"lambda": "arn:aws:lambda:<region>:<account>:function:<name>[:<alias>]"`,
//!   invoked synchronously with the tool's input as its event ([`lambda`]).
//!
//! A tool's answer is JSON, which the model is given as it is; a tool declared with
//! `"resultFormat": "converse"` answers in Converse's own terms instead, `{"content": [...]}`
//! (text, JSON, images, documents, search results), passed on block for block
//! ([`converse_shared::tools::converse_answer`]).
//!
//! Beside them, every tool of the MCP servers in `MCP_SERVERS` ([`mcp`]).

mod http;
mod lambda;
mod mcp;
mod outbound;

use std::collections::BTreeMap;

use converse_shared::tools::lambda::FunctionArn;
use converse_shared::tools::{Outcome, converse_answer};
use converse_shared::{BedrockError, ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use worker::{Date, Env, Request, Response, console_log};

use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::{auth, intake, limits, log};
use outbound::HeaderValue;

/// A tool as the deployer writes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Written {
    name: String,
    #[serde(default)]
    description: Option<String>,
    input_schema: Value,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, HeaderValue>,
    #[serde(default)]
    lambda: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    result_format: ResultFormat,
}

/// What a tool answers with.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ResultFormat {
    /// Any JSON, given to the model as it is.
    #[default]
    Json,
    /// Converse tool-result content: `{"content": [...]}`.
    Converse,
}

/// Where a tool runs.
#[derive(Debug)]
enum Runner {
    Http { url: String, headers: BTreeMap<String, HeaderValue> },
    Lambda(FunctionArn),
}

impl Runner {
    /// The name the listing and the log give this kind of runner.
    fn kind(&self) -> &'static str {
        match self {
            Self::Http { .. } => "http",
            Self::Lambda(_) => "lambda",
        }
    }
}

/// One declared tool.
#[derive(Debug)]
pub(crate) struct DeclaredTool {
    name: String,
    description: Option<String>,
    input_schema: Value,
    timeout_ms: Option<u64>,
    result_format: ResultFormat,
    runner: Runner,
}

impl TryFrom<Written> for DeclaredTool {
    type Error = String;

    fn try_from(w: Written) -> Result<Self, String> {
        let runner = match (w.url, w.lambda) {
            (Some(url), None) => Runner::Http { url, headers: w.headers },
            (None, Some(arn)) if w.headers.is_empty() => Runner::Lambda(FunctionArn::parse(&arn)?),
            (None, Some(_)) => return Err(format!("tool {}: a Lambda tool takes no headers", w.name)),
            _ => return Err(format!("tool {} needs either \"url\" or \"lambda\", not both", w.name)),
        };
        Ok(Self {
            name: w.name,
            description: w.description,
            input_schema: w.input_schema,
            timeout_ms: w.timeout_ms,
            result_format: w.result_format,
            runner,
        })
    }
}

/// The declared tools (`TOOLS`), or none.
pub(crate) fn declared(env: &Env) -> Result<Vec<DeclaredTool>, RelayError> {
    let Ok(text) =
        env.var("TOOLS").map(|v| v.to_string()).or_else(|_| env.secret("TOOLS").map(|s| s.to_string()))
    else {
        return Ok(Vec::new());
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let written: Vec<Written> = serde_json::from_slice(text.as_bytes())
        .map_err(|e| RelayError::Misconfigured(format!("TOOLS is not a valid list of tools: {e}")))?;
    written
        .into_iter()
        .map(|w| DeclaredTool::try_from(w).map_err(|e| RelayError::Misconfigured(format!("TOOLS: {e}"))))
        .collect()
}

/// `GET /v1/tools`: the declared tools and the MCP servers' as Bedrock `Tool` values, ready
/// for a `toolConfig`; where each runs (`runs`: `http`, `lambda`, or `mcp:<server>`), never its
/// address or secrets; and the MCP servers left out, with why (`unavailable`).
///
/// The caller is identified first, as for every call ([`lister`]); and where listing asks MCP
/// servers, it is admitted within its rate limits before any server is asked.
pub(crate) async fn listing(req: &Request, env: &Env, config: &RelayConfig) -> Response {
    let listed = async {
        let caller = lister(req, config).await?;
        let tools = declared(env)?;
        let servers = mcp::declared(env)?;
        if !servers.is_empty() {
            let subjects = auth::limit_subjects(&caller, &auth::client_ip(req), config);
            limits::Limiters::new(env, &subjects)?.admit(0).await?;
        }
        let taken: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
        let offer = mcp::offer(env, &servers, &taken).await?;
        Ok::<_, RelayError>((tools, offer))
    }
    .await;
    let (tools, offer) = match listed {
        Ok(listed) => listed,
        Err(e) => return e.into_response(),
    };
    let mut listed: Vec<Value> = Vec::new();
    let mut runs = serde_json::Map::new();
    for t in &tools {
        let mut spec = json!({ "name": t.name, "inputSchema": { "json": t.input_schema } });
        if let Some(d) = &t.description {
            spec["description"] = json!(d);
        }
        listed.push(json!({ "toolSpec": spec }));
        runs.insert(t.name.clone(), json!(t.runner.kind()));
    }
    for t in &offer.tools {
        listed.push(json!({ "toolSpec": t.spec }));
        runs.insert(t.spec.name.clone(), json!(format!("mcp:{}", t.server)));
    }
    // Bedrock's own tools the deployer allows (`SYSTEM_TOOLS`): offered to the models that run them.
    for name in &config.policy.system_tools {
        listed.push(json!({ "systemTool": { "name": name } }));
        runs.insert(name.clone(), json!("bedrock"));
    }
    let unavailable: Vec<Value> =
        offer.unavailable.iter().map(|(server, why)| json!({ "server": server, "why": why })).collect();
    Response::from_json(&json!({ "tools": listed, "runs": runs, "unavailable": unavailable }))
        .unwrap_or_else(|e| RelayError::Internal(e.to_string()).into_response())
}

/// Who asks for the listing. As [`auth::authorize`] decides, but for the open page: a
/// browser sends no `Origin` with a same-origin `GET`, and under `PAGE_ACCESS=open` anyone
/// may load the page that lists them anyway. Under `off` and `access`, and with a wrong key,
/// the listing is refused as a call would be.
async fn lister(req: &Request, config: &RelayConfig) -> Result<auth::Caller, RelayError> {
    match auth::authorize(req, config, &[], None).await {
        Err(_)
            if matches!(config.page_access, crate::config::PageAccess::Open)
                && req.headers().get("authorization").ok().flatten().is_none() =>
        {
            Ok(auth::Caller::Page)
        }
        decided => decided,
    }
}

/// The largest tool input the relay takes (a tool's input is the model's JSON, not files).
const TOOL_INPUT_CAP: usize = 1024 * 1024;

/// One line per tool run: who ran what where, and how it ended. Never the input, the result
/// or a secret.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolLog<'a> {
    request_id: String,
    operation: &'static str,
    caller: &'a str,
    tool: &'a str,
    runs: &'static str,
    outcome: &'static str,
    attempts: u32,
    total_ms: u64,
}

/// `POST /v1/tools/{name}`, for callers the relay trusts, within their rate limits.
pub(crate) async fn handle(req: &mut Request, env: &Env, config: &RelayConfig, name: &str) -> Response {
    let started = Date::now().as_millis();
    let request_id = log::random_id();
    let result = async {
        let body = intake::read_capped(req, TOOL_INPUT_CAP.min(config.policy.max_body_bytes)).await?;
        let caller = auth::authorize(req, config, &body, None).await?;
        let ip = auth::client_ip(req);
        limits::Limiters::new(env, &auth::limit_subjects(&caller, &ip, config))?.admit(0).await?;
        let tools = declared(env)?;
        let (outcome, attempts, runs, tool) = match tools.iter().find(|t| t.name == name) {
            Some(tool) => {
                let (outcome, attempts) = run(env, config, tool, &body).await?;
                (outcome, attempts, tool.runner.kind(), tool.name.clone())
            }
            None => {
                let servers = mcp::declared(env)?;
                let taken: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
                let offer = mcp::offer(env, &servers, &taken).await?;
                let tool = offer.tools.iter().find(|t| t.spec.name == name).ok_or_else(|| {
                    RelayError::Bedrock(BedrockError::new(
                        ErrorKind::ResourceNotFound,
                        format!("No tool named {name:?} is declared."),
                    ))
                })?;
                (mcp::run(env, &servers, tool, &body).await?, 1, "mcp", tool.spec.name.clone())
            }
        };
        let line = ToolLog {
            request_id: request_id.clone(),
            operation: "RunTool",
            caller: &caller.label(),
            tool: &tool,
            runs,
            outcome: if matches!(outcome, Outcome::Error(_)) { "error" } else { "success" },
            attempts,
            total_ms: Date::now().as_millis().saturating_sub(started),
        };
        if let Ok(line) = serde_json::to_string(&line) {
            console_log!("{line}");
        }
        Ok::<_, RelayError>(outcome)
    }
    .await;
    let response = match result {
        Ok(Outcome::Success(result)) => {
            Response::from_json(&json!({ "status": "success", "result": result }))
        }
        Ok(Outcome::Error(error)) => Response::from_json(&json!({ "status": "error", "error": error })),
        Ok(Outcome::Content(content)) => {
            Response::from_json(&json!({ "status": "success", "content": content }))
        }
        Err(e) => Ok(e.into_response()),
    };
    let mut response = response.unwrap_or_else(|e| RelayError::Internal(e.to_string()).into_response());
    if let Some(origin) = auth::allowed_origin(req, config) {
        auth::cors(response.headers_mut(), &origin);
    }
    let _ = response.headers_mut().set("x-relay-request-id", &request_id);
    response
}

/// `input` as JSON that fits `schema`, or why it is not.
pub(super) fn checked(name: &str, schema: &Value, input: &[u8]) -> Result<Result<Value, String>, RelayError> {
    let input: Value = match serde_json::from_slice(input) {
        Ok(v) => v,
        Err(e) => return Ok(Err(format!("the input is not JSON: {e}"))),
    };
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| RelayError::Misconfigured(format!("tool {name} has an invalid input schema: {e}")))?;
    let problems: Vec<String> =
        validator.iter_errors(&input).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    if !problems.is_empty() {
        return Ok(Err(format!("the input does not fit the tool's schema: {}", problems.join("; "))));
    }
    Ok(Ok(input))
}

/// Checks the input against the tool's schema, then runs the tool where it runs. Returns what
/// the model is told, and how many calls it took.
async fn run(
    env: &Env,
    config: &RelayConfig,
    tool: &DeclaredTool,
    input: &[u8],
) -> Result<(Outcome, u32), RelayError> {
    let input = match checked(&tool.name, &tool.input_schema, input)? {
        Ok(input) => input,
        Err(why) => return Ok((Outcome::Error(why), 0)),
    };
    let (outcome, attempts) = match &tool.runner {
        Runner::Http { url, headers } => {
            (http::run(env, &tool.name, url, headers, tool.timeout_ms, &input).await?, 1)
        }
        Runner::Lambda(arn) => lambda::run(env, config, &tool.name, arn, tool.timeout_ms, &input).await?,
    };
    Ok(match (outcome, tool.result_format) {
        (Outcome::Success(answer), ResultFormat::Converse) => (converse_answer(&answer), attempts),
        (outcome, _) => (outcome, attempts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declare(text: &str) -> Result<DeclaredTool, String> {
        let written: Written = serde_json::from_slice(text.as_bytes()).map_err(|e| e.to_string())?;
        DeclaredTool::try_from(written)
    }

    #[test]
    fn a_tool_runs_at_a_url_or_in_a_lambda_function() {
        let http = declare(r#"{"name":"a","inputSchema":{},"url":"https://tools.example/a"}"#).unwrap();
        assert_eq!(http.runner.kind(), "http");
        let lambda = declare(
            r#"{"name":"b","inputSchema":{},"lambda":"arn:aws:lambda:eu-west-1:123456789012:function:b:live","timeoutMs":5000}"#,
        )
        .unwrap();
        assert!(
            matches!(&lambda.runner, Runner::Lambda(arn) if arn.region == "eu-west-1" && arn.name == "b")
        );
        assert_eq!(http.result_format, ResultFormat::Json);
        let converse =
            declare(r#"{"name":"c","inputSchema":{},"url":"https://x","resultFormat":"converse"}"#).unwrap();
        assert_eq!(converse.result_format, ResultFormat::Converse);
        let unknown = declare(r#"{"name":"c","inputSchema":{},"url":"https://x","resultFormat":"xml"}"#);
        assert!(unknown.unwrap_err().contains("unknown variant `xml`"));
    }

    #[test]
    fn a_declaration_that_cannot_run_is_refused_with_why() {
        let both = declare(
            r#"{"name":"a","inputSchema":{},"url":"https://x","lambda":"arn:aws:lambda:eu-west-1:123456789012:function:b"}"#,
        );
        assert_eq!(both.unwrap_err(), r#"tool a needs either "url" or "lambda", not both"#);
        let neither = declare(r#"{"name":"a","inputSchema":{}}"#);
        assert_eq!(neither.unwrap_err(), r#"tool a needs either "url" or "lambda", not both"#);
        let arn = declare(r#"{"name":"a","inputSchema":{},"lambda":"my-function"}"#).unwrap_err();
        assert!(arn.contains("is not a Lambda function ARN"), "{arn}");
        let headers = declare(
            r#"{"name":"a","inputSchema":{},"lambda":"arn:aws:lambda:eu-west-1:123456789012:function:b","headers":{"x":"y"}}"#,
        );
        assert_eq!(headers.unwrap_err(), "tool a: a Lambda tool takes no headers");
        // A misspelt member is refused, not ignored.
        let typo = declare(r#"{"name":"a","inputSchema":{},"url":"https://x","timeoutMS":5}"#).unwrap_err();
        assert!(typo.contains("unknown field `timeoutMS`"), "{typo}");
    }
}
