//! The stand-in's deterministic replies: derived from the request, so tests can check that
//! what they sent (history, system prompt, parameters, tool results) arrived, and shaped by
//! triggers so tests can ask for every response feature Bedrock has.
//!
//! Triggers are markers in the last text block of the last user message (only the last block:
//! a client that merges a failed turn into the next one must not fail again because of it):
//!
//! | marker | effect |
//! |---|---|
//! | `[stand-in:http-NNN]` (400 403 404 408 424 429 500 503), `[stand-in:throttle]` (= 429) | that HTTP error, Bedrock's name and body |
//! | `[stand-in:iam-denied]` | 403 `AccessDeniedException` in IAM's words, naming the caller's principal and account |
//! | `[stand-in:stream-<member>]` (e.g. `stream-throttlingException`), `[stand-in:stream-throttle]` | three deltas, then that in-stream exception |
//! | `[stand-in:tool]`, `[stand-in:tools2]` | one / two `toolUse` blocks for the request's tools (input from their schemas) |
//! | `[stand-in:call NAME {json}]` (repeatable) | a call of the declared tool NAME with that input; several run in parallel |
//! | `[stand-in:call! NAME {json}]` | a call of NAME even if the request does not offer it (models do that) |
//! | `[stand-in:loop]` (with a tool trigger) | after each round of tool results, call a tool again (for round caps) |
//! | `[stand-in:malformed-tool]` | a `toolUse` whose streamed input is not JSON; `malformed_tool_use` |
//! | `[stand-in:reasoning]`, `[stand-in:redacted]` | reasoning (signed where the model signs) / redacted reasoning, for reasoning models; Claude also reasons when `additionalModelRequestFields` turns thinking on |
//! | `[stand-in:guardrail]` | with `guardrailConfig`: `guardrail_intervened`, and a trace if asked for |
//! | `[stand-in:context-window]` | `model_context_window_exceeded` |
//! | `[stand-in:long]`, `[stand-in:words-N]` | 200 / N more words |
//! | `[stand-in:markdown]`, `[stand-in:markdown-N]` | a Markdown reply (headings, lists, code, a table, links, raw HTML) / about N words of it |
//! | `[stand-in:delay-N]` | N ms before each delta, whatever the configured pause (`Converse`: the whole reply after as long as its stream takes, as Bedrock sends nothing before) |
//! | `[stand-in:http-NNN-once]`, `[stand-in:stream-<member>-once]` | that HTTP error / in-stream exception the first time this exact request arrives, then success |
//! | `[stand-in:stall]`, `[stand-in:stall-start]` | three deltas then silence / no response at all, until the client goes away |
//! | `[stand-in:truncate]`, `[stand-in:bad-crc]` | three deltas, then half a frame and the end / a frame with a wrong checksum |
//! | `[stand-in:stream-<member>-first]`, `[stand-in:stream-<member>-first-once]` | that exception as the stream's first frame, before `messageStart` (always / the first time this exact request arrives) |
//! | `[stand-in:error-frame]` | three deltas, then a `:message-type: error` frame |
//! | `[stand-in:system-tool]` | with `nova_code_interpreter` offered, to a model that runs it: the interpreter's call and result in the reply (as in realcases pyd-96), the arithmetic of the message worked out |
//! | `[stand-in:image]` | a generated image after the text (a 1×1 PNG; streamed as `contentBlockStart.image` and pieces of its bytes) |
//!
//! Without markers: a request to name a conversation ("Name this conversation … It begins:")
//! is answered with a title; documents and search results with citations enabled are cited; tool results in the last
//! user turn are quoted; input beyond the model's context window is refused as Bedrock does.

use converse_shared::types::*;
use converse_shared::{BedrockError, ErrorKind};

use crate::catalog::{self, Reasoning};

mod calls;
mod cited;
mod faults;
mod finish;
mod markdown;
mod system_tool;

use calls::{requested_calls, tool_uses};
use cited::{cited_documents, cited_search_results, tool_results_text};
use faults::{STREAM_EXCEPTIONS, http_error, iam_denied};
use finish::{continue_from, guardrail_trace, response_fields};
use markdown::{MARKDOWN, markdown_of, title_asked};

/// What the stand-in will answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The reply `Converse` returns (and `ConverseStream` streams).
    pub response: ConverseResponse,
    /// An HTTP error to answer instead.
    pub http_error: Option<BedrockError>,
    /// An exception to end the stream with after three deltas.
    pub stream_exception: Option<BedrockError>,
    /// `stream_exception` as the stream's very first frame instead (`-first`), before
    /// `messageStart`, as Bedrock throttles a stream that has not begun.
    pub exception_first: bool,
    /// Stream the first tool call's input as text that is not JSON.
    pub malformed_tool_input: bool,
    /// A transport fault to inject.
    pub transport: Option<TransportFault>,
    /// `http_error` only the first time this exact request arrives (then succeed).
    pub fail_once: bool,
    /// `[stand-in:delay-N]`: N ms before each delta instead of the configured pause.
    pub delta_delay_ms: Option<u64>,
}

/// Faults below the event level, for a relay's time-outs and frame checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFault {
    /// `[stand-in:stall]`: three deltas, then nothing until the client goes away.
    Stall,
    /// `[stand-in:stall-start]`: no response at all until the client goes away.
    StallStart,
    /// `[stand-in:truncate]`: three deltas, then half a frame, then the end.
    Truncate,
    /// `[stand-in:bad-crc]`: the fourth frame's checksum is wrong.
    BadCrc,
    /// `[stand-in:error-frame]`: three deltas, then a `:message-type: error` frame (the
    /// event-stream protocol's own error, with `:error-code` and `:error-message`).
    ErrorFrame,
}

fn marker(text: &str, name: &str) -> bool {
    text.contains(&format!("[stand-in:{name}]"))
}

/// The number in a `[stand-in:NAMEN]` marker.
fn marker_number(text: &str, name: &str) -> Option<u64> {
    text.split(&format!("[stand-in:{name}")).nth(1)?.split(']').next()?.parse().ok()
}

fn quote(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = flat.chars().take(80).collect();
    if short.len() < flat.len() {
        short.push('…');
    }
    format!("“{short}”")
}

fn text_of(blocks: &[ContentBlock]) -> String {
    blocks.iter().filter_map(ContentBlock::as_text).collect::<Vec<_>>().join(" ")
}

fn words(text: &str) -> u32 {
    text.split_whitespace().count() as u32
}

/// The input tokens the stand-in bills (and `CountTokens` counts): a token per word of the
/// messages' and the system prompt's text.
pub fn input_tokens(messages: &[Message], system: Option<&[SystemContentBlock]>) -> u32 {
    let system = system.unwrap_or_default().iter().filter_map(|b| match b {
        SystemContentBlock::Text(t) => Some(words(t)),
        _ => None,
    });
    messages.iter().map(|m| words(&text_of(&m.content))).sum::<u32>() + system.sum::<u32>()
}

/// Plans the reply to `request` on `model_id`.
///
/// A request that ends with an assistant message (a prefill, as a client sends to continue a
/// reply cut off by `maxTokens`) is answered with the rest of the reply that message begins.
pub fn plan(model_id: &str, request: &ConverseRequest) -> Result<Plan, BedrockError> {
    if let Some((last, earlier)) = request.messages.split_last()
        && last.role == Role::Assistant
    {
        if last
            .content
            .last()
            .and_then(ContentBlock::as_text)
            .is_some_and(|t| t.ends_with(char::is_whitespace))
        {
            return Err(BedrockError::new(
                ErrorKind::Validation,
                "The final assistant content cannot end with trailing whitespace.",
            ));
        }
        let mut whole = request.clone();
        whole.messages = earlier.to_vec();
        let max_tokens = whole.inference_config.as_mut().and_then(|c| c.max_tokens.take());
        let mut plan = plan(model_id, &whole)?;
        continue_from(&mut plan.response, &text_of(&last.content), max_tokens);
        return Ok(plan);
    }
    let model = catalog::resolve(model_id)
        .map_err(|refusal| BedrockError::new(ErrorKind::Validation, refusal.message()))?;
    let messages = &request.messages;
    // A system message within the conversation instructs; the turn it answers is the last other.
    let last_turn = messages.iter().rfind(|m| m.role != Role::System);
    let last = last_turn.map(|m| text_of(&m.content)).unwrap_or_default();
    let trigger_text = last_turn
        .filter(|m| m.role == Role::User)
        .and_then(|m| m.content.iter().rev().find_map(ContentBlock::as_text))
        .unwrap_or_default();
    let on = |name: &str| marker(trigger_text, name);
    let within = messages.iter().filter(|m| m.role == Role::System).flat_map(|m| &m.content);
    let system: Vec<&str> = request
        .system
        .iter()
        .flatten()
        .filter_map(|b| match b {
            SystemContentBlock::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .chain(within.filter_map(ContentBlock::as_text))
        .collect();
    let input_tokens = input_tokens(messages, request.system.as_deref());
    if input_tokens > model.context {
        return Err(BedrockError::new(ErrorKind::Validation, "Input is too long for requested model."));
    }

    let fail_once = (100..600).any(|s| on(&format!("http-{s}-once")))
        || STREAM_EXCEPTIONS.iter().any(|(member, ..)| {
            on(&format!("stream-{member}-once")) || on(&format!("stream-{member}-first-once"))
        })
        || on("stream-throttle-once");
    let http_error = (100..600)
        .find_map(|s| {
            (on(&format!("http-{s}")) || on(&format!("http-{s}-once"))).then(|| http_error(s)).flatten()
        })
        .or_else(|| on("throttle").then(|| http_error(429)).flatten())
        .or_else(|| on("iam-denied").then(|| iam_denied(model_id)));
    let stream_exception = STREAM_EXCEPTIONS
        .iter()
        .find(|(member, ..)| {
            ["", "-once", "-first", "-first-once"]
                .iter()
                .any(|variant| on(&format!("stream-{member}{variant}")))
        })
        .or_else(|| (on("stream-throttle") || on("stream-throttle-once")).then_some(&STREAM_EXCEPTIONS[3]))
        .map(|(_, kind, message)| BedrockError::new(kind.clone(), *message));

    let mut content = Vec::new();
    let mut stop_reason = StopReason::EndTurn;
    // Claude thinks when asked to (`additionalModelRequestFields.thinking.type: "enabled"`), as
    // the trigger makes any reasoning model do.
    let thinking = request
        .additional_model_request_fields
        .as_ref()
        .and_then(|f| f.pointer("/thinking/type"))
        .is_some_and(|t| t == "enabled");
    if model.reasoning != Reasoning::None
        && (on("reasoning") || (thinking && model.reasoning == Reasoning::Signed))
    {
        content.push(ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(
            ReasoningTextBlock {
                text: format!("The user wrote {} words. I will quote them back.", words(&last)),
                signature: (model.reasoning == Reasoning::Signed)
                    .then(|| "c3RhbmQtaW4tc2lnbmF0dXJl".to_owned()),
                extra: Extra::new(),
            },
        )));
    }
    if model.reasoning == Reasoning::Signed && on("redacted") {
        content.push(ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(Blob(
            b"stand-in redacted reasoning".to_vec(),
        ))));
    }

    // `[stand-in:loop]` anywhere from the user: after tool results, call the tools again.
    let looping = messages
        .iter()
        .filter(|m| m.role == Role::User)
        .any(|m| m.content.iter().any(|b| b.as_text().is_some_and(|t| marker(t, "loop"))));
    let mut reply = if let Some(results) = tool_results_text(request) {
        results
    } else if let Some(title) = title_asked(&last) {
        title
    } else {
        let mut reply = format!("You said: {}.", quote(&last));
        let earlier = messages.len().saturating_sub(1);
        if earlier > 0 {
            let first = messages.first().map(|m| text_of(&m.content)).unwrap_or_default();
            reply.push_str(&format!(
                " I also received {earlier} earlier message{}; the conversation began with {}.",
                if earlier == 1 { "" } else { "s" },
                quote(&first)
            ));
        }
        if !system.is_empty() {
            reply.push_str(&format!(" My system prompt is {}.", quote(&system.join(" "))));
        }
        if let Some(media) = messages.last().and_then(|m| crate::media::received(&m.content)) {
            reply.push_str(&format!(" {media}"));
        }
        reply
    };
    // `[stand-in:system-tool]`: the model runs its code interpreter within the reply.
    if on("system-tool")
        && let Some((blocks, said)) = system_tool::run(request, &last, model)
    {
        content.extend(blocks);
        reply = said;
    }
    // `[stand-in:long]` is 200 more words; `[stand-in:words-N]` is N more.
    let more = if on("long") {
        200
    } else {
        marker_number(trigger_text, "words-").unwrap_or(0).min(100_000) as usize
    };
    for i in 1..=more {
        reply.push_str(&format!(" word{i}"));
    }
    if on("markdown") {
        reply = MARKDOWN.to_owned();
    } else if let Some(words) = marker_number(trigger_text, "markdown-") {
        reply = markdown_of(words.min(100_000) as usize);
    }
    reply.push_str(&format!(" (Local Bedrock stand-in, model {model_id}.)"));
    if let Some(schema) = crate::structured::schema_of(request) {
        reply = crate::structured::reply(schema);
    }

    let mut tools = Vec::new();
    if on("guardrail") && request.guardrail_config.is_some() {
        reply = "Sorry, the model cannot answer this question.".into();
        stop_reason = StopReason::GuardrailIntervened;
    } else if on("context-window") {
        stop_reason = StopReason::ModelContextWindowExceeded;
    } else if looping && tool_results_text(request).is_some() {
        tools = tool_uses(request, &format!("{trigger_text}{}", messages.len()), 1);
        if !tools.is_empty() {
            reply = "Once more.".into();
            stop_reason = StopReason::ToolUse;
        }
    } else if on("tools2") || on("tool") || on("malformed-tool") || trigger_text.contains("[stand-in:call") {
        tools = requested_calls(request, trigger_text, trigger_text);
        // `call` markers for undeclared tools give a plain reply (`call!` calls them anyway);
        // the other markers use whatever tools were declared.
        if tools.is_empty() && (on("tools2") || on("tool") || on("malformed-tool")) {
            tools = tool_uses(request, trigger_text, if on("tools2") { 2 } else { 1 });
        }
        if !tools.is_empty() {
            let names: Vec<&str> = tools
                .iter()
                .filter_map(|t| match t {
                    ContentBlock::ToolUse(t) => Some(t.name.as_str()),
                    _ => None,
                })
                .collect();
            reply = format!("I will call {}.", names.join(" and "));
            stop_reason =
                if on("malformed-tool") { StopReason::MalformedToolUse } else { StopReason::ToolUse };
        }
    }

    let config = request.inference_config.as_ref();
    if let Some(stops) = config.and_then(|c| c.stop_sequences.as_ref())
        && let Some(at) = stops.iter().filter(|s| !s.is_empty()).filter_map(|s| reply.find(s.as_str())).min()
    {
        reply.truncate(at);
        stop_reason = StopReason::StopSequence;
    }
    let mut pieces: Vec<&str> = reply.split_inclusive(' ').collect();
    if let Some(max) = config.and_then(|c| c.max_tokens).map(|m| m as usize)
        && pieces.len() > max
    {
        pieces.truncate(max);
        stop_reason = StopReason::MaxTokens;
        tools.clear();
    }
    let reply = pieces.concat();
    let output_tokens = pieces.len() as u32;
    if !reply.is_empty() {
        content.push(ContentBlock::Text(reply));
    }
    if stop_reason != StopReason::GuardrailIntervened {
        content.extend(cited_documents(request));
        content.extend(cited_search_results(request));
    }
    if on("image") {
        content.push(crate::media::generated_image());
    }
    content.extend(tools);

    let trace = (stop_reason == StopReason::GuardrailIntervened
        && request
            .guardrail_config
            .as_ref()
            .is_some_and(|g| g.trace.as_ref().is_some_and(|t| t.as_str() != "disabled")))
    .then(guardrail_trace);
    let response = ConverseResponse {
        output: ConverseOutput::Message(Message { role: Role::Assistant, content, extra: Extra::new() }),
        stop_reason,
        usage: TokenUsage {
            input_tokens,
            output_tokens,
            total_tokens: input_tokens + output_tokens,
            ..Default::default()
        },
        metrics: ConverseMetrics { latency_ms: 1, ..Default::default() },
        additional_model_response_fields: request
            .additional_model_response_field_paths
            .as_deref()
            .and_then(response_fields),
        trace,
        performance_config: request.performance_config.clone(),
        service_tier: request.service_tier.clone(),
        extra: Extra::new(),
    };
    let transport = [
        ("stall-start", TransportFault::StallStart),
        ("stall", TransportFault::Stall),
        ("truncate", TransportFault::Truncate),
        ("bad-crc", TransportFault::BadCrc),
        ("error-frame", TransportFault::ErrorFrame),
    ]
    .into_iter()
    .find_map(|(name, fault)| on(name).then_some(fault));
    Ok(Plan {
        response,
        http_error,
        exception_first: STREAM_EXCEPTIONS.iter().any(|(member, ..)| {
            on(&format!("stream-{member}-first")) || on(&format!("stream-{member}-first-once"))
        }),
        stream_exception,
        malformed_tool_input: on("malformed-tool"),
        transport,
        fail_once,
        delta_delay_ms: marker_number(trigger_text, "delay-"),
    })
}

#[cfg(test)]
mod tests;
