//! Tool use: the loop "the model asks → the application runs the tools → their results go
//! back with the history → the model answers", and the tools built into the page.
//!
//! Pure: the page drives the loop (it runs the tools and makes the calls); this module says
//! what to run, how to report it, and when to stop.

mod calculator;
mod changes;
mod clock;
mod exact;
pub mod lambda;
pub mod mcp;
mod units;

use serde_json::{Value, json};

pub use calculator::evaluate;
pub use changes::withdraw_switched_off;
pub use clock::Clock;
pub use units::convert;

use crate::types::*;

/// The most rounds of tool calls per user message, unless the page says otherwise.
pub const DEFAULT_MAX_ROUNDS: u32 = 5;

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The call's id; its result must carry it.
    pub id: String,
    /// The tool.
    pub name: String,
    /// Its input.
    pub input: Value,
}

/// The calls in a reply, in order.
pub fn calls(reply: &Message) -> Vec<ToolCall> {
    reply
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolUse(t) => {
                Some(ToolCall { id: t.tool_use_id.clone(), name: t.name.clone(), input: t.input.clone() })
            }
            _ => None,
        })
        .collect()
}

/// The calls of `reply` that a system tool ran within it (Bedrock's own tools, such as Nova's
/// `nova_code_interpreter`): each has its result in the reply itself, a `toolResult` with its
/// `type` set (realcases pyd-96: `server_tool_use`, then `nova_code_interpreter_result`).
pub fn answered_in_place(reply: &Message) -> Vec<&str> {
    reply
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolResult(r) if r.r#type.is_some() => Some(r.tool_use_id.as_str()),
            _ => None,
        })
        .collect()
}

/// A call of a reply and what became of it, as a person is shown it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The call.
    pub call: ToolCall,
    /// `None`: no result answers it (it was not run). `Ok`: what it returned, as text;
    /// `Err`: the error the model was sent.
    pub result: Option<Result<String, String>>,
    /// The search results it returned, listed apart from the text.
    pub found: Vec<crate::search::Found>,
}

/// A tool's answer as a person reads it, its search results left out (they are listed
/// apart, [`crate::search::found`]).
pub fn readable(blocks: &[ToolResultContentBlock]) -> String {
    blocks
        .iter()
        .filter(|b| !matches!(b, ToolResultContentBlock::SearchResult(_)))
        .map(ToolResultContentBlock::as_readable)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each call of `reply`, paired with its result in `results` (the user turn that answered
/// the reply, if any). Results that are not text or JSON are named by their kind.
pub fn answered(reply: &Message, results: Option<&Message>) -> Vec<Answered> {
    calls(reply)
        .into_iter()
        .map(|call| {
            // A system tool's result is in the reply itself; the others in the next turn.
            let answer =
                std::iter::once(reply).chain(results).flat_map(|m| &m.content).find_map(|b| match b {
                    ContentBlock::ToolResult(r) if r.tool_use_id == call.id => Some(r),
                    _ => None,
                });
            let result = answer.map(|r| {
                let text = readable(&r.content);
                if r.status == Some(ToolResultStatus::Error) { Err(text) } else { Ok(text) }
            });
            let found = answer.map(|r| crate::search::found(&r.content)).unwrap_or_default();
            Answered { call, result, found }
        })
        .collect()
}

/// What a tool returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It ran; its result as JSON (text is sent as text).
    Success(Value),
    /// It failed; why, for the model to read.
    Error(String),
    /// It ran, and gave these blocks (an MCP tool's text, JSON, images, search results).
    Content(Vec<ToolResultContentBlock>),
}

/// The answer of a deployer's tool that speaks Converse (`"resultFormat": "converse"`):
/// `{"content": [...]}`, the `content` of a `ToolResultBlock` (text, JSON, images, documents,
/// video, search results), with `"status": "error"` for a failure. Passed on as it is, once
/// every block is one Converse knows; anything else is a tool error that says what is wrong.
pub fn converse_answer(answer: &Value) -> Outcome {
    const SHAPE: &str = "a tool whose resultFormat is converse answers {\"content\": [tool-result blocks]}";
    let Some(content) = answer.get("content") else {
        return Outcome::Error(format!("the tool's answer has no content: {SHAPE}"));
    };
    let blocks = match serde_json::from_value::<Vec<ToolResultContentBlock>>(content.clone()) {
        Ok(blocks) => blocks,
        Err(e) => return Outcome::Error(format!("the tool's answer is not Converse content ({e}): {SHAPE}")),
    };
    if let Some(unknown) = blocks.iter().find(|b| matches!(b, ToolResultContentBlock::Unknown(_))) {
        return Outcome::Error(format!(
            "the tool's answer holds a {:?} block, which is not a Converse tool-result block",
            unknown.member_name()
        ));
    }
    if blocks.is_empty() {
        return Outcome::Error(format!("the tool's answer has no content: {SHAPE}"));
    }
    match answer.get("status").and_then(Value::as_str) {
        Some("error") => Outcome::Error(readable(&blocks)),
        _ => Outcome::Content(blocks),
    }
}

/// The user turn that answers every call of a reply: one `toolResult` per call, in one
/// message, with `status: error` and the reason where a tool failed.
pub fn results_message(results: &[(ToolCall, Outcome)]) -> Message {
    let content = results
        .iter()
        .map(|(call, outcome)| {
            let (content, status) = match outcome {
                Outcome::Success(Value::String(text)) => {
                    (vec![ToolResultContentBlock::Text(text.clone())], ToolResultStatus::Success)
                }
                Outcome::Success(value) => {
                    (vec![ToolResultContentBlock::Json(value.clone())], ToolResultStatus::Success)
                }
                Outcome::Error(why) => {
                    (vec![ToolResultContentBlock::Text(why.clone())], ToolResultStatus::Error)
                }
                Outcome::Content(blocks) => (blocks.clone(), ToolResultStatus::Success),
            };
            ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: call.id.clone(),
                content,
                status: Some(status),
                r#type: None,
                extra: Extra::new(),
            })
        })
        .collect();
    Message { role: Role::User, content, extra: Extra::new() }
}

/// What to do after a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// The model's turn is over.
    Done,
    /// Run these calls and send their results.
    RunTools(Vec<ToolCall>),
    /// The model asked for tools again, but the round cap is reached: stop here.
    RoundCapReached(u32),
}

/// Counts rounds of tool calls for one user message.
#[derive(Debug, Clone)]
pub struct ToolLoop {
    rounds: u32,
    max_rounds: u32,
}

impl ToolLoop {
    /// A loop that allows `max_rounds` rounds of tool calls.
    pub fn new(max_rounds: u32) -> Self {
        Self { rounds: 0, max_rounds }
    }

    /// Decides what follows `reply`, which ended for `stop_reason`.
    pub fn next(&mut self, reply: &Message, stop_reason: &StopReason) -> Next {
        // Calls a system tool already ran are not run again.
        let ran = answered_in_place(reply);
        let calls: Vec<ToolCall> =
            calls(reply).into_iter().filter(|c| !ran.contains(&c.id.as_str())).collect();
        if *stop_reason != StopReason::ToolUse || calls.is_empty() {
            return Next::Done;
        }
        if self.rounds >= self.max_rounds {
            return Next::RoundCapReached(self.max_rounds);
        }
        self.rounds += 1;
        Next::RunTools(calls)
    }
}

/// Bedrock refuses `toolUse` and `toolResult` blocks in a request without `toolConfig` ("The
/// toolConfig field must be defined when using toolUse and toolResult content blocks"). When a
/// conversation that used tools is sent with none (its tools switched off, or a model without
/// tools chosen), its calls and results are told as text instead, so the model still knows
/// what they were. Returns how many blocks were rewritten.
pub fn tool_history_as_text(messages: &mut [Message]) -> usize {
    let mut names = std::collections::HashMap::new();
    let mut rewritten = 0;
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        let text = match block {
            ContentBlock::ToolUse(call) => {
                names.insert(call.tool_use_id.clone(), call.name.clone());
                format!("[I called the tool {} with {}]", call.name, call.input)
            }
            ContentBlock::ToolResult(result) => {
                let name = names.get(&result.tool_use_id).map_or("a tool", String::as_str);
                let said: Vec<String> = result
                    .content
                    .iter()
                    .map(|c| match c {
                        ToolResultContentBlock::Text(t) => t.clone(),
                        ToolResultContentBlock::Json(v) => v.to_string(),
                        _ => "(an attachment)".to_owned(),
                    })
                    .collect();
                let how = match result.status {
                    Some(ToolResultStatus::Error) => "failed",
                    _ => "returned",
                };
                format!("[{name} {how}: {}]", said.join(" "))
            }
            _ => continue,
        };
        *block = ContentBlock::Text(text);
        rewritten += 1;
    }
    rewritten
}

/// The `toolConfig` for `tools` (none → no config).
pub fn tool_config(tools: Vec<ToolSpecification>) -> Option<ToolConfiguration> {
    (!tools.is_empty()).then(|| ToolConfiguration {
        tools: tools.into_iter().map(Tool::ToolSpec).collect(),
        tool_choice: None,
        extra: Extra::new(),
    })
}

fn spec(name: &str, description: &str, schema: Value) -> ToolSpecification {
    ToolSpecification {
        name: name.into(),
        input_schema: ToolInputSchema::Json(schema),
        description: Some(description.into()),
        strict: None,
        extra: Extra::new(),
    }
}

/// The tools built into the page.
pub fn builtin_specs() -> Vec<ToolSpecification> {
    vec![
        spec(
            "calculator",
            "Evaluates an arithmetic expression exactly (decimals, + - * / % ^ and parentheses). Use it for any calculation.",
            json!({"type": "object", "properties": {"expression": {"type": "string", "description": "e.g. (0.1 + 0.2) * 3"}}, "required": ["expression"]}),
        ),
        spec(
            "current_time",
            "The current date, time and time zone where the user is.",
            json!({"type": "object", "properties": {}}),
        ),
        spec(
            "convert_units",
            "Converts a value between units of length, mass, volume, speed, area, data or temperature, exactly.",
            json!({"type": "object", "properties": {
                "value": {"type": "string", "description": "the number, e.g. 12.5"},
                "from": {"type": "string", "description": "e.g. mi, kg, F"},
                "to": {"type": "string", "description": "e.g. km, lb, C"}
            }, "required": ["value", "from", "to"]}),
        ),
    ]
}

fn text_input(input: &Value, field: &str) -> Result<String, String> {
    match &input[field] {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Err(format!("the input has no {field:?}")),
        other => Err(format!("{field:?} must be text, not {other}")),
    }
}

/// Runs a built-in tool. `None` if `name` is not one.
pub fn run_builtin(name: &str, input: &Value, clock: &Clock) -> Option<Outcome> {
    let result = match name {
        "calculator" => text_input(input, "expression").and_then(|e| evaluate(&e)).map(Value::String),
        "current_time" => Ok(clock::now(clock)),
        "convert_units" => (|| {
            convert(&text_input(input, "value")?, &text_input(input, "from")?, &text_input(input, "to")?)
        })()
        .map(Value::String),
        _ => return None,
    };
    Some(match result {
        Ok(value) => Outcome::Success(value),
        Err(why) => Outcome::Error(why),
    })
}

#[cfg(test)]
mod tests;
