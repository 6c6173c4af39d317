//! Request validation as Bedrock does it (`ValidationException`, 400): unknown members, the
//! conversation's shape (in Bedrock's own words), attachments and tool results (the shared
//! rules), and what the model accepts (the shared model table, refused rather than fitted).

use converse_shared::models::{Adjustment, prepare, rules_for};
use converse_shared::types::take_unrecognized;
use converse_shared::validate::validate;
use converse_shared::{BedrockError, ContentBlock, ConverseRequest, ErrorKind, Role};

fn invalid(message: impl Into<String>) -> BedrockError {
    BedrockError::new(ErrorKind::Validation, message)
}

/// Reads and checks a request body for `model_id` as Bedrock would.
pub fn parse_request(model_id: &str, body: &[u8], streaming: bool) -> Result<ConverseRequest, BedrockError> {
    take_unrecognized();
    let request: ConverseRequest = serde_json::from_slice(body).map_err(|e| {
        invalid(format!("Malformed input request: {e}, please reformat your input and try again."))
    })?;
    if let Some(name) = take_unrecognized().first() {
        return Err(invalid(format!(
            "Malformed input request: extraneous key [{name}] is not permitted, please reformat your input and try again."
        )));
    }
    check(model_id, &request, streaming)?;
    Ok(request)
}

/// `ProjectIdentifier`'s pattern in the service model (botocore 1.44.8), which Bedrock
/// matches against the whole value.
const PROJECT_PATTERN: &str = "([a-zA-Z0-9_-]+|arn:aws(|-us-gov|-cn|-iso|-iso-b|-iso-f|-eusc):bedrock:[0-9a-z-]{1,20}:[0-9]{12}:project/[a-zA-Z0-9_-]+)";

/// `projectIdentifier`: its constraints (length 1 to 2048, the pattern), and the rule the
/// API reference gives for it: "For a non-default project, the inference target must resolve
/// to a foundation model or system-defined inference profile. Application inference profiles
/// don't support non-default projects."
/// (<https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html>)
fn check_project(model_id: &str, project: Option<&str>) -> Result<(), BedrockError> {
    static PATTERN: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(&format!("^(?:{PROJECT_PATTERN})$")).expect("valid"));
    let Some(project) = project else { return Ok(()) };
    let violated = if project.is_empty() {
        Some("Member must have length greater than or equal to 1".to_owned())
    } else if project.len() > 2048 {
        Some("Member must have length less than or equal to 2048".to_owned())
    } else if !PATTERN.is_match(project) {
        Some(format!("Member must satisfy regular expression pattern: {PROJECT_PATTERN}"))
    } else {
        None
    };
    if let Some(constraint) = violated {
        return Err(invalid(format!(
            "1 validation error detected: Value '{project}' at 'projectIdentifier' failed to satisfy constraint: {constraint}"
        )));
    }
    if project != "default" && model_id.contains(":application-inference-profile/") {
        return Err(invalid(
            "Application inference profiles don't support non-default projects. Use a foundation model or a system-defined inference profile, or the default project, and try again.",
        ));
    }
    Ok(())
}

/// Bedrock's checks on a parsed request.
pub fn check(model_id: &str, request: &ConverseRequest, streaming: bool) -> Result<(), BedrockError> {
    check_project(model_id, request.project_identifier.as_deref())?;
    // Bedrock's words when a conversation with tool blocks comes without tools.
    let tool_blocks = request
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, ContentBlock::ToolUse(_) | ContentBlock::ToolResult(_)));
    if tool_blocks && request.tool_config.is_none() {
        return Err(invalid(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks.",
        ));
    }
    if let Some(config) = &request.inference_config {
        if let Some(t) = config.temperature.filter(|t| !(0.0..=1.0).contains(t)) {
            return Err(invalid(format!(
                "1 validation error detected: Value '{t}' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1"
            )));
        }
        if config.max_tokens == Some(0) {
            return Err(invalid(
                "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
            ));
        }
    }
    // Bedrock's own words for the mistakes clients make most.
    let messages = &request.messages;
    if messages.first().is_none_or(|m| m.role != Role::User) {
        return Err(invalid(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ));
    }
    if messages.windows(2).any(|w| w[0].role == w[1].role) {
        return Err(invalid(
            "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
        ));
    }
    validate(request)?;

    // What the page fits to a model, Bedrock refuses.
    let rules = rules_for(model_id);
    let mut copy = request.clone();
    let adjustments = prepare(model_id, &mut copy, streaming)?;
    match adjustments.first() {
        None => Ok(()),
        Some(Adjustment::SystemPromptFolded) => Err(invalid(format!(
            "The model {model_id} doesn't support system messages. Remove the system prompt and try again."
        ))),
        Some(Adjustment::TopPDropped) => Err(invalid(
            "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
        )),
        Some(Adjustment::StopSequencesDropped) => Err(invalid(format!(
            "The model {model_id} doesn't support the stopSequences field. Remove stopSequences and try again."
        ))),
        Some(Adjustment::MaxTokensClamped(asked)) => Err(invalid(format!(
            "The maximum tokens you requested ({asked}) exceeds the model limit of {}. Try again with a maximum tokens value that is lower than {}.",
            rules.max_output_tokens, rules.max_output_tokens
        ))),
        Some(Adjustment::ReasoningDropped(_)) => Err(invalid(format!(
            "The model {model_id} doesn't support reasoningContent in previous messages. Remove it and try again."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

    fn message_of(model: &str, body: &str) -> String {
        parse_request(model, body.as_bytes(), true).unwrap_err().message
    }

    #[test]
    fn rejects_what_bedrock_rejects() {
        assert!(
            message_of(HAIKU, r#"{"messages":[]}"#)
                .starts_with("A conversation must start with a user message")
        );
        assert!(
            message_of(HAIKU, r#"{"messages":[{"role":"assistant","content":[{"text":"hi"}]}]}"#)
                .starts_with("A conversation must start with a user message")
        );
        assert!(message_of(
            HAIKU,
            r#"{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]}"#
        )
        .starts_with("A conversation must alternate"));
        assert!(
            message_of(HAIKU, r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"temprature":1}"#)
                .contains("extraneous key [temprature]")
        );
        assert!(
            message_of(HAIKU, r#"{"messages":[{"role":"user","content":[{"hologram":{}}]}]}"#)
                .contains("extraneous key [hologram]")
        );
        assert!(
            message_of(HAIKU, r#"{"messages":[{"role":"user","content":[{"text":"  "}]}]}"#)
                .contains("is blank")
        );
        assert!(message_of(HAIKU, "{not json").starts_with("Malformed input request"));
    }

    #[test]
    fn model_rules_are_enforced_not_fitted() {
        let system =
            r#"{"system":[{"text":"be brief"}],"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
        assert!(
            message_of("mistral.mistral-7b-instruct-v0:2", system)
                .contains("doesn't support system messages")
        );
        assert!(parse_request(HAIKU, system.as_bytes(), true).is_ok());
        let both = r#"{"inferenceConfig":{"temperature":0.5,"topP":0.5},"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
        assert!(
            message_of("us.anthropic.claude-sonnet-4-20250514-v1:0", both)
                .contains("cannot both be specified")
        );
        let many =
            r#"{"inferenceConfig":{"maxTokens":5000},"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
        assert!(message_of(HAIKU, many).contains("exceeds the model limit of 4096"));
    }

    #[test]
    fn a_project_is_taken_where_bedrock_takes_it() {
        let with = |project: &str| {
            format!(
                r#"{{"projectIdentifier":{project:?},"messages":[{{"role":"user","content":[{{"text":"a"}}]}}]}}"#
            )
        };
        for ok in ["default", "p-1_a", "arn:aws:bedrock:us-east-1:123456789012:project/p1"] {
            assert!(parse_request(HAIKU, with(ok).as_bytes(), true).is_ok(), "{ok}");
            assert!(parse_request("us.amazon.nova-lite-v1:0", with(ok).as_bytes(), false).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "arn:aws:bedrock:us-east-1:123:project/p1"] {
            assert!(
                message_of(HAIKU, &with(bad)).contains("at 'projectIdentifier' failed to satisfy"),
                "{bad}"
            );
        }
        let profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
        assert!(message_of(profile, &with("p1")).contains("don't support non-default projects"));
        assert!(parse_request(profile, with("default").as_bytes(), true).is_ok());
    }

    #[test]
    fn tool_blocks_need_a_tool_config() {
        let history = r#"{"messages":[{"role":"user","content":[{"text":"a"}]},
            {"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"calc","input":{}}}]},
            {"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"4"}]}}]}]"#;
        assert!(message_of(HAIKU, &format!("{history}}}")).contains("toolConfig field must be defined"));
        let with_tools = format!(
            r#"{history},"toolConfig":{{"tools":[{{"toolSpec":{{"name":"calc","inputSchema":{{"json":{{}}}}}}}}]}}}}"#
        );
        assert!(parse_request(HAIKU, with_tools.as_bytes(), true).is_ok());
    }

    #[test]
    fn accepts_every_member_bedrock_knows() {
        let body = r#"{"messages":[{"role":"user","content":[{"text":"a"},{"cachePoint":{"type":"default"}}]}],
                       "toolConfig":{"tools":[]},"inferenceConfig":{"maxTokens":5,"temperature":0.5},
                       "requestMetadata":{"k":"v"},"serviceTier":{"type":"flex"}}"#;
        assert!(parse_request(HAIKU, body.as_bytes(), true).is_ok());
    }
}
