//! Tools from the deployer's MCP servers (`MCP_SERVERS`), over MCP's Streamable HTTP
//! transport: the worker opens a session (`initialize`, then `notifications/initialized`),
//! lists the server's tools (`tools/list`, paged) and calls them (`tools/call`) on the page's
//! behalf, with the server's secret headers, which never leave the worker. The mappings
//! between MCP and Converse are `converse_shared::tools::mcp`'s.
//!
//! A server's tools and session are kept in the isolate for [`LIST_TTL_MS`]; a server that
//! cannot be reached, or answers what is not MCP, leaves its tools out of the offer and says
//! why, and the chat goes on with the others. Redirects are not followed.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use converse_shared::ToolSpecification;
use converse_shared::tools::Outcome;
use converse_shared::tools::mcp;
use serde::Deserialize;
use serde_json::{Value, json};
use worker::{Date, Env, Headers, Method, Request, RequestInit, RequestRedirect};

use super::checked;
use super::outbound::{HeaderValue, Sent, resolve_headers, send};
use crate::config::read;
use crate::errors::RelayError;

/// How long a server's tool list (and session) is used before it is asked again.
const LIST_TTL_MS: u64 = 60_000;
/// The most pages of `tools/list` read from one server.
const MAX_PAGES: usize = 5;

/// A server as the deployer declares it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Server {
    /// Its name: it prefixes its tools' names, and the page shows it.
    pub(crate) name: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, HeaderValue>,
    /// The tools it may offer, by their MCP names; all when absent.
    #[serde(default)]
    tools: Option<Vec<String>>,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

/// The declared servers (`MCP_SERVERS`), or none.
pub(crate) fn declared(env: &Env) -> Result<Vec<Server>, RelayError> {
    let Some(text) = read(env, "MCP_SERVERS") else { return Ok(Vec::new()) };
    let servers: Vec<Server> = serde_json::from_slice(text.as_bytes())
        .map_err(|e| RelayError::Misconfigured(format!("MCP_SERVERS is not a valid list of servers: {e}")))?;
    for (i, s) in servers.iter().enumerate() {
        if servers[..i].iter().any(|o| o.name == s.name) {
            return Err(RelayError::Misconfigured(format!("MCP_SERVERS names {} twice", s.name)));
        }
    }
    Ok(servers)
}

/// One tool an MCP server offers, as the relay offers it.
#[derive(Debug)]
pub(crate) struct McpTool {
    /// Its Converse spec, under its relay-wide name.
    pub(crate) spec: ToolSpecification,
    /// Its server's name.
    pub(crate) server: String,
    /// Its name on the server.
    remote: String,
}

/// What the servers offer: their tools, and the servers left out with why.
#[derive(Debug, Default)]
pub(crate) struct Offer {
    pub(crate) tools: Vec<McpTool>,
    pub(crate) unavailable: Vec<(String, String)>,
}

/// A server's session and tools, as last asked.
#[derive(Clone)]
struct Known {
    session: Option<String>,
    protocol: String,
    tools: Vec<Value>,
    at: u64,
}

thread_local! {
    /// By server URL: kept for the isolate's life, used for [`LIST_TTL_MS`].
    static KNOWN: RefCell<BTreeMap<String, Known>> = const { RefCell::new(BTreeMap::new()) };
}

/// Why a request to a server has no result.
enum Unanswered {
    /// The server no longer knows the session (HTTP 404 to a request that named one).
    SessionEnded,
    /// Anything else, said as the page shows it.
    Failed(String),
}

impl From<String> for Unanswered {
    fn from(why: String) -> Self {
        Self::Failed(why)
    }
}

impl From<Unanswered> for String {
    fn from(why: Unanswered) -> Self {
        match why {
            Unanswered::SessionEnded => "it no longer knows the session it opened (HTTP 404)".to_owned(),
            Unanswered::Failed(why) => why,
        }
    }
}

/// One server's connection: its resolved headers and time-out.
struct Connection<'a> {
    server: &'a Server,
    headers: Vec<(String, String)>,
    timeout: Duration,
}

impl Connection<'_> {
    /// Posts one JSON-RPC message; returns the status, the session header, and the body with
    /// whether it is an event stream.
    async fn post(
        &self,
        message: &Value,
        session: Option<&Known>,
    ) -> Result<(u16, Option<String>, String, bool), String> {
        let headers = Headers::new();
        let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
        set("content-type", "application/json")?;
        set("accept", mcp::ACCEPT)?;
        for (k, v) in &self.headers {
            set(k, v)?;
        }
        if let Some(known) = session {
            if let Some(id) = &known.session {
                set("mcp-session-id", id)?;
            }
            set("mcp-protocol-version", &known.protocol)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_redirect(RequestRedirect::Manual)
            .with_body(Some(message.to_string().into()));
        let request = Request::new_with_init(&self.server.url, &init).map_err(|e| e.to_string())?;
        let mut response = match send(request, self.timeout).await {
            Ok(r) => r,
            Err(Sent::Unreachable(e)) => {
                worker::console_error!("MCP server {} unreachable: {e}", self.server.name);
                return Err("it could not be reached".into());
            }
            Err(Sent::TimedOut) => {
                return Err(format!("it did not answer within {} s", self.timeout.as_secs_f64()));
            }
        };
        let status = response.status_code();
        let session = response.headers().get("mcp-session-id").ok().flatten();
        let stream = response
            .headers()
            .get("content-type")
            .ok()
            .flatten()
            .is_some_and(|t| t.starts_with("text/event-stream"));
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, session, body, stream))
    }

    /// Sends request `id` and returns its result.
    async fn call(
        &self,
        id: u64,
        message: Value,
        session: Option<&Known>,
    ) -> Result<(Value, Option<String>), Unanswered> {
        let (status, session_id, body, stream) = self.post(&message, session).await?;
        if (300..400).contains(&status) {
            return Err(format!("it answered with a redirect (HTTP {status}), which is not followed").into());
        }
        // MCP's Streamable HTTP transport: a server that ended a session "MUST respond to
        // requests containing that session ID with HTTP 404 Not Found".
        if status == 404 && session.is_some_and(|k| k.session.is_some()) {
            return Err(Unanswered::SessionEnded);
        }
        if !(200..300).contains(&status) {
            return Err(format!("it answered HTTP {status}").into());
        }
        Ok((mcp::response(&body, stream, id)?, session_id))
    }

    /// Opens a session and lists the tools.
    async fn open(&self) -> Result<Known, String> {
        let (result, session) = self.call(1, mcp::initialize(1), None).await?;
        let protocol =
            result.get("protocolVersion").and_then(Value::as_str).unwrap_or(mcp::PROTOCOL_VERSION).to_owned();
        let mut known = Known { session, protocol, tools: Vec::new(), at: Date::now().as_millis() };
        let (status, ..) = self.post(&mcp::initialized(), Some(&known)).await?;
        if !(200..300).contains(&status) {
            return Err(format!("it refused the end of the handshake (HTTP {status})"));
        }
        let mut cursor: Option<String> = None;
        for page in 0..MAX_PAGES {
            let id = 2 + page as u64;
            let params = cursor.as_ref().map_or_else(|| json!({}), |c| json!({ "cursor": c }));
            let (result, _) = self.call(id, mcp::request(id, "tools/list", params), Some(&known)).await?;
            known.tools.extend(result.get("tools").and_then(Value::as_array).into_iter().flatten().cloned());
            cursor = result.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        Ok(known)
    }

    /// The server's session and tools: as kept, or asked again.
    async fn known(&self, fresh: bool) -> Result<Known, String> {
        let now = Date::now().as_millis();
        let kept = KNOWN.with(|k| k.borrow().get(&self.server.url).cloned());
        if let Some(known) = kept.filter(|k| !fresh && now.saturating_sub(k.at) < LIST_TTL_MS) {
            return Ok(known);
        }
        let known = self.open().await?;
        KNOWN.with(|k| k.borrow_mut().insert(self.server.url.clone(), known.clone()));
        Ok(known)
    }
}

fn connect<'a>(env: &Env, server: &'a Server) -> Result<Connection<'a>, RelayError> {
    Ok(Connection {
        server,
        headers: resolve_headers(env, &server.name, &server.headers)?,
        timeout: Duration::from_millis(server.timeout_ms.unwrap_or(10_000)),
    })
}

/// What `servers` offer, named so that no name is one of `taken` or another's.
pub(crate) async fn offer(env: &Env, servers: &[Server], taken: &[String]) -> Result<Offer, RelayError> {
    let connections = servers.iter().map(|s| connect(env, s)).collect::<Result<Vec<_>, _>>()?;
    let lists = futures_util::future::join_all(connections.iter().map(|c| c.known(false))).await;
    let mut offer = Offer::default();
    let mut names: Vec<String> = taken.to_vec();
    for (server, list) in servers.iter().zip(lists) {
        let known = match list {
            Ok(known) => known,
            Err(why) => {
                offer.unavailable.push((server.name.clone(), why));
                continue;
            }
        };
        for tool in &known.tools {
            let Some(remote) = tool.get("name").and_then(Value::as_str) else { continue };
            if server.tools.as_ref().is_some_and(|allowed| !allowed.iter().any(|a| a == remote)) {
                continue;
            }
            let name = mcp::tool_name(&server.name, remote, &names);
            if let Some(spec) = mcp::tool_spec(&name, tool) {
                names.push(name);
                offer.tools.push(McpTool { spec, server: server.name.clone(), remote: remote.to_owned() });
            }
        }
    }
    Ok(offer)
}

/// Calls `tool` with `input`; its result as `tools/call` returned it, or why there is none.
/// A session the server no longer knows (HTTP 404) is opened again, once.
pub(crate) async fn call(
    env: &Env,
    servers: &[Server],
    tool: &McpTool,
    input: &Value,
) -> Result<Value, String> {
    let server = servers.iter().find(|s| s.name == tool.server).ok_or("the server is no longer declared")?;
    let connection = connect(env, server).map_err(|e| {
        worker::console_error!("MCP server {}: {e:?}", server.name);
        "the relay's settings for this server are incomplete".to_owned()
    })?;
    let message = mcp::request(100, "tools/call", json!({ "name": tool.remote, "arguments": input }));
    let mut known =
        connection.known(false).await.map_err(|why| format!("the MCP server {}: {why}", server.name))?;
    for fresh in [false, true] {
        if fresh {
            known = connection
                .known(true)
                .await
                .map_err(|why| format!("the MCP server {}: {why}", server.name))?;
        }
        match connection.call(100, message.clone(), Some(&known)).await {
            Err(Unanswered::SessionEnded) if !fresh => continue,
            Err(why) => return Err(format!("the MCP server {}: {}", server.name, String::from(why))),
            Ok((result, _)) => return Ok(result),
        }
    }
    unreachable!("the second attempt returns")
}

/// Checks the input against an MCP tool's schema, then calls it: its result as Converse
/// tool-result blocks (an error's as its text).
pub(crate) async fn run(
    env: &Env,
    servers: &[Server],
    tool: &McpTool,
    input: &[u8],
) -> Result<Outcome, RelayError> {
    let schema = match &tool.spec.input_schema {
        converse_shared::ToolInputSchema::Json(schema) => schema.clone(),
        _ => Value::Object(Default::default()),
    };
    let input = match checked(&tool.spec.name, &schema, input)? {
        Ok(input) => input,
        Err(why) => return Ok(Outcome::Error(why)),
    };
    Ok(match call(env, servers, tool, &input).await {
        Err(why) => Outcome::Error(why),
        Ok(result) => match mcp::result_blocks(&result) {
            (blocks, true) => Outcome::Error(
                blocks
                    .iter()
                    .map(converse_shared::ToolResultContentBlock::as_readable)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            (blocks, false) => Outcome::Content(blocks),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_declared_with_secret_headers_and_an_allowlist_and_nothing_misspelt() {
        let server: Server = serde_json::from_slice(
            br#"{"name":"handbook","url":"https://mcp.example/mcp","headers":{"authorization":{"secret":"T","prefix":"Bearer "}},"tools":["search"],"timeoutMs":3000}"#,
        )
        .unwrap();
        assert!(matches!(
            server.headers.get("authorization"),
            Some(HeaderValue::Secret { secret, prefix }) if secret == "T" && prefix == "Bearer "
        ));
        assert_eq!(server.tools.as_deref(), Some(&["search".to_owned()][..]));
        let typo = serde_json::from_slice::<Server>(br#"{"name":"a","url":"https://x","tool":["b"]}"#);
        assert!(typo.unwrap_err().to_string().contains("unknown field `tool`"));
    }
}
