//! The system tools a deployer lets requests use (`SYSTEM_TOOLS`): tools Bedrock runs itself
//! inside a reply, such as Nova 2 Lite's web grounding (`nova_grounding`) and code interpreter
//! (`nova_code_interpreter`) (<https://docs.aws.amazon.com/nova/latest/userguide/tool-built-in.html>).
//! They reach the web or run code on the deployer's account (the role needs
//! `bedrock:InvokeTool`), so none is allowed unless named.

use converse_shared::types::{ConverseRequest, Tool};
use converse_shared::{BedrockError, ErrorKind};

use crate::errors::RelayError;

/// Reads `SYSTEM_TOOLS`: tool names, comma-separated (none when unset).
pub(crate) fn parse(value: Option<&str>) -> Result<Vec<String>, RelayError> {
    let names: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    // Bedrock's `ToolName`: letters, digits, `_` and `-`, 1 to 64 characters.
    let bad =
        |n: &String| n.len() > 64 || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match names.iter().find(|n| bad(n)) {
        Some(name) => Err(RelayError::Misconfigured(format!("SYSTEM_TOOLS: {name:?} is not a tool name"))),
        None => Ok(names),
    }
}

/// Refuses a system tool the deployer did not allow.
pub(crate) fn check(allowed: &[String], request: &ConverseRequest) -> Result<(), RelayError> {
    let tools = request.tool_config.iter().flat_map(|c| &c.tools);
    let asked = tools.filter_map(|t| match t {
        Tool::SystemTool(s) => Some(s.name.as_str()),
        _ => None,
    });
    for name in asked {
        if !allowed.iter().any(|a| a == name) {
            return Err(RelayError::Bedrock(BedrockError::new(
                ErrorKind::AccessDenied,
                format!("This relay does not offer the system tool {name}."),
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_system_tools_are_allowed() {
        let allowed = parse(Some(" nova_grounding , ")).unwrap();
        assert_eq!(allowed, ["nova_grounding"]);
        assert!(parse(Some("web search")).is_err());
        let asking = |name: &str| -> ConverseRequest {
            serde_json::from_value(serde_json::json!({
                "messages": [{"role": "user", "content": [{"text": "hi"}]}],
                "toolConfig": {"tools": [{"systemTool": {"name": name}}]}
            }))
            .unwrap()
        };
        assert!(check(&allowed, &asking("nova_grounding")).is_ok());
        let refused = check(&allowed, &asking("nova_code_interpreter")).unwrap_err();
        assert!(format!("{refused:?}").contains("does not offer the system tool nova_code_interpreter"));
        assert!(check(&[], &asking("nova_grounding")).is_err(), "none unless named");
    }
}
