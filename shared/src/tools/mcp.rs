//! Tools from MCP servers (the Model Context Protocol, Streamable HTTP transport,
//! <https://modelcontextprotocol.io/specification/2025-11-25>): the JSON-RPC messages the relay
//! sends, reading the answer (JSON, or Server-Sent Events), and the mappings between MCP and
//! Converse — an MCP tool becomes a `toolSpec` under a name unique across servers, an MCP
//! result becomes tool-result blocks.
//!
//! Pure: the relay makes the HTTP calls.

use serde_json::{Value, json};

use crate::types::{SearchResultBlock, SearchResultContentBlock, ToolResultContentBlock, ToolSpecification};

/// The protocol revision the relay speaks (servers answer with the one they choose).
pub const PROTOCOL_VERSION: &str = "2025-11-25";

/// What the relay accepts in answer to a request, as the transport requires.
pub const ACCEPT: &str = "application/json, text/event-stream";

/// A JSON-RPC request.
pub fn request(id: u64, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// The `initialize` request.
pub fn initialize(id: u64) -> Value {
    request(
        id,
        "initialize",
        json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": { "name": "converse-edge", "version": env!("CARGO_PKG_VERSION") },
        }),
    )
}

/// The `notifications/initialized` notification that completes the handshake.
pub fn initialized() -> Value {
    json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })
}

/// The JSON-RPC response to request `id` in an answer's body: a JSON body, or the `data` of
/// the Server-Sent Events of an `text/event-stream` body (which may carry notifications
/// first). `Err` says why there is none, or carries the JSON-RPC error's message.
pub fn response(body: &str, event_stream: bool, id: u64) -> Result<Value, String> {
    let mut messages: Vec<Value> = Vec::new();
    if event_stream {
        for event in body.replace("\r\n", "\n").split("\n\n") {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:").map(|d| d.strip_prefix(' ').unwrap_or(d)))
                .collect();
            if let Ok(message) = serde_json::from_slice::<Value>(data.join("\n").as_bytes()) {
                messages.push(message);
            }
        }
    } else {
        match serde_json::from_slice::<Value>(body.as_bytes()) {
            Ok(Value::Array(batch)) => messages = batch,
            Ok(one) => messages.push(one),
            Err(e) => return Err(format!("the server's answer is not JSON: {e}")),
        }
    }
    let answer = messages
        .into_iter()
        .find(|m| m.get("id").and_then(Value::as_u64) == Some(id))
        .ok_or_else(|| "the server's answer holds no response to the request".to_owned())?;
    if let Some(error) = answer.get("error") {
        let message = error.get("message").and_then(Value::as_str).unwrap_or("an error");
        return Err(format!("the server answered with an error: {message}"));
    }
    answer.get("result").cloned().ok_or_else(|| "the server's response has no result".to_owned())
}

/// The Converse name of `tool` on `server`: `server_tool`, letters, digits, `_` and `-` only
/// (anything else becomes `_`), at most 64 characters, and not one of `taken` (a number is
/// added where it would be).
pub fn tool_name(server: &str, tool: &str, taken: &[String]) -> String {
    let clean: String = format!("{server}_{tool}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let fit = |s: &str, room: usize| s.chars().take(room).collect::<String>();
    let mut name = fit(&clean, 64);
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("_{n}");
        name = format!("{}{suffix}", fit(&clean, 64 - suffix.len()));
        n += 1;
    }
    name
}

/// An MCP tool (from `tools/list`) as a Converse tool spec named `name`. `None` for a tool
/// without a name or an object input schema.
pub fn tool_spec(name: &str, tool: &Value) -> Option<ToolSpecification> {
    tool.get("name")?.as_str()?;
    let schema = tool.get("inputSchema").filter(|s| s.is_object())?;
    let description = tool
        .get("description")
        .or_else(|| tool.get("title"))
        .and_then(Value::as_str)
        .map(|d| d.chars().take(4000).collect::<String>());
    let mut spec = json!({ "name": name, "inputSchema": { "json": schema } });
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        spec["description"] = json!(d);
    }
    serde_json::from_value(spec).ok()
}

/// The image formats Converse takes, by MIME type.
fn image_format(mime: &str) -> Option<&'static str> {
    match mime {
        "image/png" => Some("png"),
        "image/jpeg" | "image/jpg" => Some("jpeg"),
        "image/gif" => Some("gif"),
        "image/webp" => Some("webp"),
        _ => None,
    }
}

fn image(data: &str, mime: &str) -> Option<ToolResultContentBlock> {
    let format = image_format(mime)?;
    serde_json::from_value(json!({ "image": { "format": format, "source": { "bytes": data } } })).ok()
}

fn search_result(source: &str, title: &str, text: &str) -> ToolResultContentBlock {
    ToolResultContentBlock::SearchResult(SearchResultBlock {
        source: source.to_owned(),
        title: title.to_owned(),
        content: vec![SearchResultContentBlock { text: text.to_owned(), extra: Default::default() }],
        citations: None,
        extra: Default::default(),
    })
}

/// One MCP content item as a tool-result block.
fn block(item: &Value) -> ToolResultContentBlock {
    let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
    let said = |t: String| ToolResultContentBlock::Text(t);
    match text("type") {
        "text" => said(text("text").to_owned()),
        "image" => image(text("data"), text("mimeType"))
            .unwrap_or_else(|| said(format!("[an image the model cannot take: {}]", text("mimeType")))),
        "audio" => said(format!("[audio ({}), which is not passed on]", text("mimeType"))),
        "resource_link" => said(format!("[a resource: {} ({})]", text("uri"), text("name"))),
        "resource" => {
            let resource = item.get("resource").cloned().unwrap_or_default();
            let field = |key: &str| resource.get(key).and_then(Value::as_str).unwrap_or_default();
            let (uri, mime) = (field("uri"), field("mimeType"));
            if let Some(t) = resource.get("text").and_then(Value::as_str) {
                // Retrieved text with where it came from: a search result, which the models
                // that take them cite by source (and the page sends as text to the others).
                let title = [field("title"), field("name"), uri].into_iter().find(|t| !t.is_empty());
                search_result(uri, title.unwrap_or("a resource"), t)
            } else if let Some(b) = image(field("blob"), mime) {
                b
            } else {
                said(format!("[a resource: {uri} ({mime}), which is not passed on]"))
            }
        }
        other => said(format!("[MCP content of type {other:?}, which is not passed on]")),
    }
}

/// An MCP `tools/call` result as Converse tool-result blocks, and whether it is an error
/// (`isError`). Structured content, where the tool gives it, is sent as JSON in place of its
/// text rendering; images go as images; text resources as search results, sourced by their URI.
pub fn result_blocks(result: &Value) -> (Vec<ToolResultContentBlock>, bool) {
    let is_error = result.get("isError").and_then(Value::as_bool).unwrap_or(false);
    if !is_error && let Some(structured) = result.get("structuredContent").filter(|s| s.is_object()) {
        return (vec![ToolResultContentBlock::Json(structured.clone())], false);
    }
    let mut blocks: Vec<ToolResultContentBlock> =
        result.get("content").and_then(Value::as_array).into_iter().flatten().map(block).collect();
    if blocks.is_empty() {
        blocks.push(ToolResultContentBlock::Text(if is_error { "the tool failed" } else { "" }.to_owned()));
    }
    (blocks, is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_response_from_json_and_from_events() {
        let json = r#"{"jsonrpc":"2.0","id":2,"result":{"tools":[]}}"#;
        assert_eq!(response(json, false, 2), Ok(json!({ "tools": [] })));
        let events = "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\r\n\r\n\
                      event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[]}}\r\n\r\n";
        assert_eq!(response(events, true, 7), Ok(json!({ "content": [] })));
        assert_eq!(
            response(events, true, 8),
            Err("the server's answer holds no response to the request".into())
        );
        let error = r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Unknown tool: x"}}"#;
        assert_eq!(
            response(error, false, 3),
            Err("the server answered with an error: Unknown tool: x".into())
        );
        assert!(response("<html>", false, 1).unwrap_err().starts_with("the server's answer is not JSON"));
    }

    #[test]
    fn names_are_unique_and_fit_converse() {
        assert_eq!(tool_name("handbook", "search", &[]), "handbook_search");
        assert_eq!(tool_name("git hub", "repos/list.all", &[]), "git_hub_repos_list_all");
        assert_eq!(tool_name("a", "b", &["a_b".into()]), "a_b_2");
        assert_eq!(tool_name("a", "b", &["a_b".into(), "a_b_2".into()]), "a_b_3");
        let long = tool_name("server", &"x".repeat(80), &[]);
        assert_eq!(long.len(), 64);
        let again = tool_name("server", &"x".repeat(80), std::slice::from_ref(&long));
        assert!(again.len() == 64 && again.ends_with("_2") && again != long);
    }

    #[test]
    fn an_mcp_tool_becomes_a_tool_spec() {
        let tool = json!({
            "name": "search", "description": "Searches.",
            "inputSchema": { "type": "object", "properties": { "q": { "type": "string" } }, "required": ["q"] },
            "outputSchema": { "type": "object" }
        });
        let spec = tool_spec("docs_search", &tool).unwrap();
        assert_eq!(
            serde_json::to_value(&spec).unwrap(),
            json!({ "name": "docs_search", "description": "Searches.", "inputSchema": { "json": tool["inputSchema"] } })
        );
        assert!(tool_spec("x", &json!({ "name": "x" })).is_none());
    }

    #[test]
    fn results_map_to_converse_blocks() {
        let text = json!({ "content": [{ "type": "text", "text": "two pages" }], "isError": false });
        assert_eq!(result_blocks(&text), (vec![ToolResultContentBlock::Text("two pages".into())], false));
        let structured =
            json!({ "content": [{ "type": "text", "text": "3" }], "structuredContent": { "result": 3 } });
        assert_eq!(
            result_blocks(&structured),
            (vec![ToolResultContentBlock::Json(json!({ "result": 3 }))], false)
        );
        let picture =
            json!({ "content": [{ "type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png" }] });
        let (blocks, _) = result_blocks(&picture);
        assert_eq!(
            serde_json::to_value(&blocks[0]).unwrap(),
            json!({ "image": { "format": "png", "source": { "bytes": "iVBORw0KGgo=" } } })
        );
        let svg =
            json!({ "content": [{ "type": "image", "data": "PHN2Zz4=", "mimeType": "image/svg+xml" }] });
        assert_eq!(
            result_blocks(&svg).0,
            vec![ToolResultContentBlock::Text("[an image the model cannot take: image/svg+xml]".into())]
        );
        let note = json!({ "content": [{ "type": "resource",
            "resource": { "uri": "note://x", "mimeType": "text/plain", "text": "ship on Friday" } }] });
        assert_eq!(
            serde_json::to_value(&result_blocks(&note).0).unwrap(),
            json!([{ "searchResult": { "source": "note://x", "title": "note://x", "content": [{ "text": "ship on Friday" }] } }])
        );
        let titled = json!({ "content": [{ "type": "resource",
            "resource": { "uri": "https://kb.test/7", "title": "Returns", "text": "30 days" } }] });
        let (blocks, _) = result_blocks(&titled);
        assert_eq!(crate::search::found(&blocks)[0].title, "Returns");
        let failed = json!({ "content": [{ "type": "text", "text": "the fuse was lit" }], "isError": true,
            "structuredContent": { "ignored": true } });
        assert_eq!(
            result_blocks(&failed),
            (vec![ToolResultContentBlock::Text("the fuse was lit".into())], true)
        );
        assert_eq!(
            result_blocks(&json!({ "isError": true })).0,
            vec![ToolResultContentBlock::Text("the tool failed".into())]
        );
    }
}
