//! The calls to the relay: `POST /model/{modelId}/converse-stream` (Bedrock's own frames, as
//! the relay hands them on from Bedrock untouched), `count-tokens`,
//! the models and tools it offers, and running a deployer's tool.

use converse_shared::eventstream::{self, FrameReader, StreamItem};
use converse_shared::path::{Operation, model_path};
use converse_shared::{BedrockError, ConverseRequest, CountTokensRequest, CountTokensResponse, ErrorKind};
use futures_util::StreamExt;
use gloo_net::http::Request;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// The header naming the site that embeds the widget (the relay holds it to that site's rules).
pub const SITE_HEADER: &str = "x-converse-widget";
/// The header naming the deployer's system-prompt preset the widget asks for.
pub const PROMPT_HEADER: &str = "x-converse-prompt";
/// The header carrying the widget's visitor token, which proves its site to the relay.
pub const TOKEN_HEADER: &str = "x-converse-widget-token";

/// Why a call ended without a complete reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Bedrock, or the relay, reported an error (in Bedrock's vocabulary).
    Bedrock(BedrockError),
    /// The user stopped it.
    Aborted,
}

fn unreachable(detail: impl std::fmt::Display) -> Failure {
    Failure::Bedrock(BedrockError::new(
        ErrorKind::ServiceUnavailable,
        format!("Could not reach the relay ({detail}). Check your connection and try again."),
    ))
}

/// A reply that stopped before its end.
fn cut_off(how: &str) -> Failure {
    Failure::Bedrock(BedrockError::new(
        ErrorKind::InternalServer,
        format!("The reply ended before it was complete ({how}). Try again."),
    ))
}

/// A reply whose frames cannot be read (a bad checksum, a frame that is not Bedrock's).
fn unreadable(detail: impl std::fmt::Display) -> Failure {
    Failure::Bedrock(BedrockError::new(
        ErrorKind::InternalServer,
        format!("The reply could not be read ({detail}). Try again."),
    ))
}

/// A response's JSON body. Read as bytes and parsed with `serde_json::from_slice`, as every
/// other parse in the page is: gloo's `json()` parses from a `&str`, a second copy of every
/// type's deserializer in the wasm.
pub async fn json_of<T: serde::de::DeserializeOwned>(
    response: gloo_net::http::Response,
) -> Result<T, String> {
    let body = response.binary().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// The error a relay's (or Bedrock's) refusal carries, in Bedrock's vocabulary.
async fn refusal(response: gloo_net::http::Response) -> BedrockError {
    let error_type = response.headers().get("x-amzn-ErrorType");
    let body = response.binary().await.unwrap_or_default();
    BedrockError::from_response(response.status(), error_type.as_deref(), &body)
}

/// Calls ConverseStream through the relay on this page's origin and hands every streamed
/// item to `on_item` as it arrives. Returns when the stream ends.
pub async fn converse_stream(
    model_id: &str,
    request: &ConverseRequest,
    signal: &AbortSignal,
    mut on_item: impl FnMut(StreamItem),
) -> Result<(), Failure> {
    let aborted = || signal.aborted();
    let mut builder = Request::post(&model_path(model_id, Operation::ConverseStream))
        .header("accept", eventstream::CONTENT_TYPE);
    // The framed widget names its site (and preset), whose rules the relay applies.
    crate::mode::ready().await;
    if let Some(widget) = crate::mode::widget() {
        builder = builder.header(SITE_HEADER, &widget.site);
        if let Some(token) = &widget.token {
            builder = builder.header(TOKEN_HEADER, token);
        }
        if let Some(preset) = &widget.preset {
            builder = builder.header(PROMPT_HEADER, preset);
        }
    }
    let response = builder
        .abort_signal(Some(signal))
        .json(request)
        .map_err(unreachable)?
        .send()
        .await
        .map_err(|e| if aborted() { Failure::Aborted } else { unreachable(e) })?;
    if !response.ok() {
        return Err(Failure::Bedrock(refusal(response).await));
    }
    let Some(body) = response.body() else { return Err(unreachable("the reply had no body")) };
    let mut chunks = wasm_streams::ReadableStream::from_raw(body.unchecked_into()).into_stream();
    let mut decoder = FrameReader::new();
    while let Some(chunk) = chunks.next().await {
        // The relay cuts a stream Bedrock stopped sending (or a network did).
        let chunk =
            chunk.map_err(|_| if aborted() { Failure::Aborted } else { cut_off("the connection closed") })?;
        decoder.push(&js_sys::Uint8Array::new(&chunk).to_vec());
        while let Some(item) = decoder.next_item().map_err(unreadable)? {
            on_item(item);
        }
    }
    if aborted() {
        return Err(Failure::Aborted);
    }
    if decoder.has_partial_frame() {
        return Err(cut_off("it ended in the middle of an event"));
    }
    Ok(())
}

/// Bedrock's count of the input tokens of `request` for `model_id` (a foundation model's id:
/// see `converse_shared::models::counting_model_id`), through the relay.
pub async fn count_tokens(model_id: &str, request: &CountTokensRequest) -> Result<u32, Failure> {
    let response = Request::post(&model_path(model_id, Operation::CountTokens))
        .json(request)
        .map_err(unreachable)?
        .send()
        .await
        .map_err(unreachable)?;
    if !response.ok() {
        return Err(Failure::Bedrock(refusal(response).await));
    }
    let body = response.binary().await.map_err(unreachable)?;
    serde_json::from_slice::<CountTokensResponse>(&body).map(|c| c.input_tokens).map_err(unreachable)
}

/// The models the relay offers (`GET /v1/models`), if it can be asked.
pub async fn models() -> Option<converse_shared::models::ModelListing> {
    json_of(Request::get("/v1/models").send().await.ok()?).await.ok()
}

/// The tools the relay offers (`GET /v1/tools`): the deployer's and its MCP servers'.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RelayTools {
    tools: Vec<converse_shared::Tool>,
    /// Where each runs, by name: `http`, `lambda`, `mcp:<server>`.
    #[serde(default)]
    runs: std::collections::BTreeMap<String, String>,
    /// MCP servers whose tools are left out, and why.
    #[serde(default)]
    pub unavailable: Vec<Unavailable>,
}

/// An MCP server the relay could not ask for its tools.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Unavailable {
    /// The server's name.
    pub server: String,
    /// Why.
    pub why: String,
}

impl RelayTools {
    /// The system tools the relay allows (Bedrock runs them, for the models that have them).
    pub fn system_tools(&self) -> Vec<String> {
        let system = self.tools.iter().filter_map(|t| match t {
            converse_shared::Tool::SystemTool(s) => Some(s.name.clone()),
            _ => None,
        });
        system.collect()
    }

    /// Each tool spec, with where it runs.
    pub fn specs(&self) -> Vec<(converse_shared::ToolSpecification, String)> {
        self.tools
            .iter()
            .filter_map(|t| match t {
                converse_shared::Tool::ToolSpec(spec) => {
                    let runs = self.runs.get(&spec.name).cloned().unwrap_or_else(|| "http".into());
                    Some((spec.clone(), runs))
                }
                _ => None,
            })
            .collect()
    }
}

/// Asks the relay for its tools; none if it offers none or cannot be asked.
pub async fn http_tools() -> RelayTools {
    let Ok(response) = Request::get("/v1/tools").send().await else { return RelayTools::default() };
    json_of::<RelayTools>(response).await.unwrap_or_default()
}

/// Runs a deployer's tool through the relay (`POST /v1/tools/{name}`), whose secrets stay there.
pub async fn run_http_tool(name: &str, input: &serde_json::Value) -> converse_shared::tools::Outcome {
    use converse_shared::tools::Outcome;
    #[derive(serde::Deserialize)]
    struct Ran {
        status: String,
        #[serde(default)]
        result: serde_json::Value,
        #[serde(default)]
        error: Option<String>,
        /// An MCP tool's result, as Converse tool-result blocks.
        #[serde(default)]
        content: Option<Vec<converse_shared::ToolResultContentBlock>>,
    }
    let path = format!("/v1/tools/{}", percent_encode(name));
    let response = match Request::post(&path).json(input) {
        Ok(request) => request.send().await,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let response = match response {
        Ok(r) => r,
        Err(e) => return Outcome::Error(format!("the relay could not be reached: {e}")),
    };
    if !response.ok() {
        return Outcome::Error(refusal(response).await.to_string());
    }
    match json_of::<Ran>(response).await {
        Ok(Ran { status, content: Some(blocks), .. }) if status == "success" => Outcome::Content(blocks),
        Ok(ran) if ran.status == "success" => Outcome::Success(ran.result),
        Ok(ran) => Outcome::Error(ran.error.unwrap_or_else(|| "the tool failed".into())),
        Err(e) => Outcome::Error(format!("the relay's answer could not be read: {e}")),
    }
}

fn percent_encode(name: &str) -> String {
    js_sys::encode_uri_component(name).into()
}
