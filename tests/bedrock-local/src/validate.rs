//! Request validation with Bedrock's rules and messages (`ValidationException`, 400).

use converse_shared::{BedrockError, ContentBlock, ConverseRequest, ErrorKind, Role, SystemContentBlock};

/// Content block members Bedrock knows; the stand-in accepts them without modelling them.
const CONTENT_MEMBERS: &[&str] = &[
    "text",
    "image",
    "document",
    "video",
    "audio",
    "toolUse",
    "toolResult",
    "guardContent",
    "cachePoint",
    "reasoningContent",
    "citationsContent",
    "searchResult",
    "toolAddition",
    "toolRemoval",
];

/// Request members Bedrock knows besides the ones the wire model names.
const REQUEST_MEMBERS: &[&str] = &[
    "toolConfig",
    "guardrailConfig",
    "promptVariables",
    "additionalModelResponseFieldPaths",
    "requestMetadata",
    "performanceConfig",
    "serviceTier",
    "outputConfig",
];

fn invalid(message: impl Into<String>) -> BedrockError {
    BedrockError::new(ErrorKind::Validation, message)
}

/// Reads and checks a request body as Bedrock would.
pub fn parse_request(body: &[u8]) -> Result<ConverseRequest, BedrockError> {
    let request: ConverseRequest = serde_json::from_slice(body).map_err(|e| {
        invalid(format!("Malformed input request: {e}, please reformat your input and try again."))
    })?;
    check(&request)?;
    Ok(request)
}

/// Bedrock's checks on a parsed request.
pub fn check(request: &ConverseRequest) -> Result<(), BedrockError> {
    if let Some(field) = request.extra.keys().find(|k| !REQUEST_MEMBERS.contains(&k.as_str())) {
        return Err(invalid(format!(
            "Malformed input request: extraneous key [{field}] is not permitted, please reformat your input and try again."
        )));
    }
    if let Some(config) = &request.inference_config {
        if let Some(field) = config.extra.keys().next() {
            return Err(invalid(format!(
                "Malformed input request: extraneous key [inferenceConfig.{field}] is not permitted, please reformat your input and try again."
            )));
        }
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
    if let Some(system) = &request.system {
        for (i, block) in system.iter().enumerate() {
            if let SystemContentBlock::Unknown(u) = block
                && !["guardContent", "cachePoint"].contains(&u.name.as_str())
            {
                return Err(invalid(format!(
                    "Malformed input request: unknown member [system.{i}.{}], please reformat your input and try again.",
                    u.name
                )));
            }
        }
    }
    let first = request.messages.first().ok_or_else(|| {
        invalid("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
    })?;
    if first.role != Role::User {
        return Err(invalid(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ));
    }
    for (i, message) in request.messages.iter().enumerate() {
        if !matches!(message.role, Role::User | Role::Assistant) {
            return Err(invalid(format!(
                "1 validation error detected: Value '{}' at 'messages.{}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
                message.role,
                i + 1
            )));
        }
        if let Some(field) = message.extra.keys().next() {
            return Err(invalid(format!(
                "Malformed input request: extraneous key [messages.{i}.{field}] is not permitted, please reformat your input and try again."
            )));
        }
        if i > 0 && request.messages[i - 1].role == message.role {
            return Err(invalid(
                "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
            ));
        }
        if message.content.is_empty() {
            return Err(invalid(format!(
                "The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again."
            )));
        }
        for (j, block) in message.content.iter().enumerate() {
            match block {
                ContentBlock::Text(t) if t.trim().is_empty() => {
                    return Err(invalid(format!(
                        "The text field in the ContentBlock object at messages.{i}.content.{j} is blank. Add text to the text field, and try again."
                    )));
                }
                ContentBlock::Unknown(u) if !CONTENT_MEMBERS.contains(&u.name.as_str()) => {
                    return Err(invalid(format!(
                        "Malformed input request: unknown member [messages.{i}.content.{j}.{}], please reformat your input and try again.",
                        u.name
                    )));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(body: &str) -> String {
        parse_request(body.as_bytes()).unwrap_err().message
    }

    #[test]
    fn rejects_what_bedrock_rejects() {
        assert!(
            message_of(r#"{"messages":[]}"#).starts_with("A conversation must start with a user message")
        );
        assert!(
            message_of(r#"{"messages":[{"role":"assistant","content":[{"text":"hi"}]}]}"#)
                .starts_with("A conversation must start with a user message")
        );
        assert!(message_of(
            r#"{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]}"#
        )
        .starts_with("A conversation must alternate"));
        assert!(
            message_of(r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"temprature":1}"#)
                .contains("extraneous key [temprature]")
        );
        assert!(
            message_of(r#"{"messages":[{"role":"user","content":[{"text":"  "}]}]}"#).contains("is blank")
        );
        assert!(
            message_of(r#"{"messages":[{"role":"user","content":[{"hologram":{}}]}]}"#)
                .contains("unknown member [messages.0.content.0.hologram]")
        );
        assert!(message_of("{not json").starts_with("Malformed input request"));
    }

    #[test]
    fn accepts_known_members_it_does_not_model() {
        let body = r#"{"messages":[{"role":"user","content":[{"text":"a"},{"cachePoint":{"type":"default"}}]}],
                       "toolConfig":{"tools":[]},"inferenceConfig":{"maxTokens":5,"temperature":0.5}}"#;
        assert!(parse_request(body.as_bytes()).is_ok());
    }
}
