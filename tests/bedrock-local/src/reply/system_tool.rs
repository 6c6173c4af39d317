//! A system tool run within a reply, as Nova 2 Lite runs its code interpreter (realcases
//! pyd-96): a `toolUse` of `type` `server_tool_use`, then its `toolResult` of `type`
//! `nova_code_interpreter_result` whose JSON holds `stdOut`, `stdErr`, `exitCode` and
//! `isError`, both in the assistant's own message.

use converse_shared::types::*;
use serde_json::json;

use crate::catalog::Model;

const INTERPRETER: &str = "nova_code_interpreter";

/// The interpreter's call and result for `text` (its arithmetic worked out), and what the
/// reply then says; `None` unless the request offers the interpreter to a model that has it.
pub(super) fn run(
    request: &ConverseRequest,
    text: &str,
    model: &Model,
) -> Option<(Vec<ContentBlock>, String)> {
    let offered = request
        .tool_config
        .iter()
        .flat_map(|c| &c.tools)
        .any(|t| matches!(t, Tool::SystemTool(s) if s.name == INTERPRETER));
    if !offered || !model.system_tools.contains(&INTERPRETER) {
        return None;
    }
    let snippet: String = text
        .split("[stand-in:")
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| "0123456789+-*/(). ".contains(*c))
        .collect();
    let snippet = snippet.trim().to_owned();
    let (out, err) = match converse_shared::tools::evaluate(&snippet) {
        Ok(value) => (value, String::new()),
        Err(why) => (String::new(), why),
    };
    let id = format!(
        "tooluse_{:016x}",
        snippet
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
    );
    let call = ContentBlock::ToolUse(ToolUseBlock {
        tool_use_id: id.clone(),
        name: INTERPRETER.into(),
        input: json!({ "snippet": snippet }),
        r#type: Some("server_tool_use".into()),
        extra: Extra::new(),
    });
    let failed = !err.is_empty();
    let result = ContentBlock::ToolResult(ToolResultBlock {
        tool_use_id: id,
        content: vec![ToolResultContentBlock::Json(
            json!({ "stdOut": out, "stdErr": err, "exitCode": i32::from(failed), "isError": failed }),
        )],
        status: Some(ToolResultStatus::Success),
        r#type: Some(format!("{INTERPRETER}_result")),
        extra: Extra::new(),
    });
    let said = if failed {
        format!("The code did not run: {err}.")
    } else {
        format!("The code interpreter printed {out}.")
    };
    Some((vec![call, result], said))
}
