//! Request validation as Bedrock does it (`ValidationException`, 400): unknown members, the
//! model id, the service model's constraints, the conversation's shape and its attachments, in
//! Bedrock's own words; what each model takes is [`crate::judge`]'s.
//!
//! None of this calls the page's or the relay's rules (`converse_shared::validate`,
//! `converse_shared::models`): the stand-in is the independent judge of what they send. Only
//! the wire types are shared.

use converse_shared::types::take_unrecognized;
use converse_shared::{BedrockError, ContentBlock, ConverseRequest, ErrorKind, Message, Role};

use crate::{catalog, media};

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
        return Err(extraneous(name));
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

/// Bedrock's checks on a parsed request: the API's constraints and the conversation's
/// shape here, what the model takes in [`crate::judge`].
pub fn check(model_id: &str, request: &ConverseRequest, streaming: bool) -> Result<(), BedrockError> {
    let model = catalog::resolve(model_id).map_err(|refusal| invalid(refusal.message()))?;
    check_project(model_id, request.project_identifier.as_deref())?;
    check_members(request, streaming)?;
    check_conversation(&request.messages)?;
    tool_changes(request)?;
    crate::judge::check(model_id, model, request, streaming)
}

/// The constraints the service model puts on members (botocore 1.44.8's
/// `bedrock-runtime` model), in the words of AWS's request validation.
fn check_members(request: &ConverseRequest, streaming: bool) -> Result<(), BedrockError> {
    let constraint = |value: &dyn std::fmt::Display, at: &str, what: &str| {
        invalid(format!(
            "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: Member must {what}"
        ))
    };
    if let Some(config) = &request.inference_config {
        for (at, value) in [("temperature", config.temperature), ("topP", config.top_p)] {
            if let Some(v) = value.filter(|v| !(0.0..=1.0).contains(v)) {
                let what = if v < 0.0 {
                    "have value greater than or equal to 0"
                } else {
                    "have value less than or equal to 1"
                };
                return Err(constraint(&v, &format!("inferenceConfig.{at}"), what));
            }
        }
        if config.max_tokens == Some(0) {
            return Err(constraint(&0, "inferenceConfig.maxTokens", "have value greater than or equal to 1"));
        }
        let stops = config.stop_sequences.as_deref().unwrap_or_default();
        if stops.len() > 2500 {
            return Err(constraint(
                &"[...]",
                "inferenceConfig.stopSequences",
                "have length less than or equal to 2500",
            ));
        }
        if stops.iter().any(String::is_empty) {
            return Err(constraint(
                &"",
                "inferenceConfig.stopSequences.member",
                "have length greater than or equal to 1",
            ));
        }
    }
    if let Some(config) = &request.tool_config {
        // `ToolConfigurationToolsList`: "min": 1.
        if config.tools.is_empty() {
            return Err(constraint(&"[]", "toolConfig.tools", "have length greater than or equal to 1"));
        }
    }
    if let Some(metadata) = &request.request_metadata
        && (metadata.is_empty() || metadata.len() > 16)
    {
        return Err(constraint(&metadata.len(), "requestMetadata", "have length between 1 and 16"));
    }
    // `streamProcessingMode` is a member of `GuardrailStreamConfiguration` (ConverseStream)
    // only; Converse's `GuardrailConfiguration` has no such member.
    let stream_only = request.guardrail_config.as_ref().is_some_and(|g| g.stream_processing_mode.is_some());
    if stream_only && !streaming {
        return Err(extraneous("streamProcessingMode"));
    }
    Ok(())
}

/// The conversation's shape, in Bedrock's own words for the mistakes clients make most.
pub(crate) fn check_conversation(messages: &[Message]) -> Result<(), BedrockError> {
    if messages.is_empty() {
        return Err(invalid(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ));
    }
    // System messages stand between turns (Anthropic's mid-conversation system messages):
    // the turns around them still alternate.
    let turns: Vec<&Message> = messages.iter().filter(|m| m.role != Role::System).collect();
    if turns.windows(2).any(|w| w[0].role == w[1].role) {
        return Err(invalid(
            "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
        ));
    }
    let (mut images, mut documents, mut videos) = (0, 0, 0);
    for (i, message) in messages.iter().enumerate() {
        if message.content.is_empty() {
            return Err(invalid(format!(
                "The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again."
            )));
        }
        for (j, block) in message.content.iter().enumerate() {
            let at = format!("messages.{i}.content.{j}");
            match block {
                // Empty, not blank: Claude Sonnet 4.5 took a block of "\n" (realcases pyd-42).
                ContentBlock::Text(text) if text.is_empty() => {
                    return Err(invalid(format!(
                        "The text field in the ContentBlock object at {at} is blank. Add text to the text field, and try again."
                    )));
                }
                ContentBlock::Image(image) => {
                    images += 1;
                    media::image(&at, image)?;
                }
                ContentBlock::Document(document) => {
                    documents += 1;
                    media::document(&at, document)?;
                }
                ContentBlock::Video(video) => {
                    videos += 1;
                    media::video_bytes(video).map_or(Ok(()), |n| media::media(&at, "video", n))?;
                }
                ContentBlock::Audio(audio) => {
                    media::audio_bytes(audio).map_or(Ok(()), |n| media::media(&at, "audio", n))?;
                }
                _ => {}
            }
            // A server tool's result (`type` set) is the assistant's own (realcases pyd-97).
            let user_only = match block {
                ContentBlock::Image(_) | ContentBlock::Document(_) | ContentBlock::Video(_) => true,
                ContentBlock::ToolResult(result) => result.r#type.is_none(),
                _ => false,
            };
            let tool_change = matches!(block, ContentBlock::ToolAddition(_) | ContentBlock::ToolRemoval(_));
            let in_system = matches!(
                block,
                ContentBlock::Text(_)
                    | ContentBlock::CachePoint(_)
                    | ContentBlock::ToolAddition(_)
                    | ContentBlock::ToolRemoval(_)
            );
            if user_only && message.role != Role::User
                || matches!(block, ContentBlock::ToolUse(_)) && message.role != Role::Assistant
                || tool_change && message.role != Role::System
                || message.role == Role::System && !in_system
            {
                return Err(invalid(format!(
                    "The {} block at {at} is not allowed in a {} message.",
                    block.member_name(),
                    message.role
                )));
            }
        }
    }
    if images > media::MAX_IMAGES {
        return Err(invalid(format!("Too many images: {images}. The maximum is {}.", media::MAX_IMAGES)));
    }
    if documents > media::MAX_DOCUMENTS {
        return Err(invalid(format!(
            "Too many documents: {documents}. The maximum is {}.",
            media::MAX_DOCUMENTS
        )));
    }
    if videos > media::MAX_VIDEOS {
        return Err(invalid(format!("Too many videos: {videos}. The maximum is {}.", media::MAX_VIDEOS)));
    }
    tool_pairs(&turns)
}

/// A tool change names a tool of `toolConfig` (the service model's `ToolReference.name`:
/// "Must match the name of a tool declared in the top-level tool configuration").
pub(crate) fn tool_changes(request: &ConverseRequest) -> Result<(), BedrockError> {
    use converse_shared::types::{Tool, ToolAdditionBlock, ToolRemovalBlock};
    let declared: Vec<&str> = request
        .tool_config
        .iter()
        .flat_map(|c| &c.tools)
        .filter_map(|t| match t {
            Tool::ToolSpec(spec) => Some(spec.name.as_str()),
            _ => None,
        })
        .collect();
    for (i, message) in request.messages.iter().enumerate() {
        for (j, block) in message.content.iter().enumerate() {
            let tool = match block {
                ContentBlock::ToolAddition(ToolAdditionBlock { tool, .. })
                | ContentBlock::ToolRemoval(ToolRemovalBlock { tool, .. }) => tool,
                _ => continue,
            };
            let name = tool.name.as_deref().unwrap_or_default();
            if !declared.contains(&name) {
                return Err(invalid(format!(
                    "The tool '{name}' in the {} block at messages.{i}.content.{j} isn't defined in toolConfig. Add the tool to toolConfig.tools and try again.",
                    block.member_name()
                )));
            }
        }
    }
    Ok(())
}

/// Every `toolUse` of an assistant turn is answered by a `toolResult` in the next turn, and
/// no result answers a call that was not made.
fn tool_pairs(messages: &[&Message]) -> Result<(), BedrockError> {
    let mut asked: Vec<&str> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let results: Vec<&str> = message
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::ToolResult(r) => Some(r.tool_use_id.as_str()),
                _ => None,
            })
            .collect();
        let answered: usize = if message.role == Role::User { results.len() } else { 0 };
        if answered > asked.len() {
            return Err(invalid(format!(
                "The number of toolResult blocks at messages.{i}.content exceeds the number of toolUse blocks of previous turn."
            )));
        }
        let missing: Vec<&str> = asked.iter().copied().filter(|id| !results.contains(id)).collect();
        if !missing.is_empty() {
            return Err(invalid(format!(
                "Expected toolResult blocks at messages.{i}.content for the following Ids: {}",
                missing.join(", ")
            )));
        }
        // Calls of server tools are answered in the same assistant turn (realcases pyd-97).
        asked = message
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::ToolUse(u) if !results.contains(&u.tool_use_id.as_str()) => {
                    Some(u.tool_use_id.as_str())
                }
                _ => None,
            })
            .collect();
    }
    Ok(())
}

pub(crate) fn extraneous(name: &str) -> BedrockError {
    invalid(format!(
        "Malformed input request: extraneous key [{name}] is not permitted, please reformat your input and try again."
    ))
}

#[cfg(test)]
mod tests;
