//! What each model takes, judged against the stand-in's own [`catalog`]: a request the model
//! cannot take is refused in Bedrock's words, never fitted. The messages Bedrock was recorded
//! sending (`tests/fixtures/realcases`, see its INDEX.md) are quoted exactly; the others follow
//! their pattern.

use converse_shared::types::{DocumentSource, ImageSource, ToolResultContentBlock, VideoSource};
use converse_shared::{BedrockError, ContentBlock, ConverseRequest, ErrorKind, Role};

use crate::catalog::{Model, Reasoning};

fn invalid(message: impl Into<String>) -> BedrockError {
    BedrockError::new(ErrorKind::Validation, message)
}

/// Refuses what `model` (which `model_id` named) does not take.
pub fn check(
    model_id: &str,
    model: &Model,
    request: &ConverseRequest,
    streaming: bool,
) -> Result<(), BedrockError> {
    if !model.assistant_first && request.messages.first().is_some_and(|m| m.role != Role::User) {
        return Err(invalid(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
        ));
    }
    // An hour's cache lifetime on a model without it: refused in the pattern of Bedrock's
    // refusals of fields a model does not take.
    let an_hour = |point: &converse_shared::types::CachePointBlock| {
        point.ttl.as_ref().is_some_and(|t| *t == converse_shared::types::CacheTtl::OneHour)
    };
    let hour_asked = request
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, ContentBlock::CachePoint(p) if an_hour(p)))
        || request
            .system
            .iter()
            .flatten()
            .any(|b| matches!(b, converse_shared::SystemContentBlock::CachePoint(p) if an_hour(p)));
    if hour_asked && !model.cache_1h {
        return Err(invalid("This model doesn't support the ttl field. Remove ttl and try again."));
    }
    if !model.system_messages && request.messages.iter().any(|m| m.role == Role::System) {
        // In the pattern of Bedrock's refusals of what a model does not take.
        return Err(invalid(
            "This model doesn't support the system role in messages. Use the system field instead and try again.",
        ));
    }
    if !model.system && request.system.as_ref().is_some_and(|s| !s.is_empty()) {
        return Err(invalid(
            "This model doesn't support system messages. Remove the system messages and try again.",
        ));
    }
    let tool_blocks = request
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, ContentBlock::ToolUse(_) | ContentBlock::ToolResult(_)));
    let system_tools = request.tool_config.iter().flat_map(|c| &c.tools).filter_map(|t| match t {
        converse_shared::types::Tool::SystemTool(s) => Some(s.name.as_str()),
        _ => None,
    });
    for name in system_tools {
        if !model.system_tools.contains(&name) {
            // In the pattern of Bedrock's refusals of what a model does not take.
            return Err(invalid(format!(
                "This model doesn't support the system tool {name}. Remove it and try again."
            )));
        }
    }
    match &request.tool_config {
        Some(_) if !model.tools => return Err(invalid("This model doesn't support tool use.")),
        Some(_) if streaming && !model.stream_tools => {
            return Err(invalid("This model doesn't support tool use in streaming mode."));
        }
        None if tool_blocks => {
            return Err(invalid(
                "The toolConfig field must be defined when using toolUse and toolResult content blocks.",
            ));
        }
        _ => {}
    }
    content(model, request)?;
    structured_output(model, request)?;
    if let Some(config) = &request.inference_config {
        if !model.stop_sequences && config.stop_sequences.as_ref().is_some_and(|s| !s.is_empty()) {
            return Err(invalid(
                "This model doesn't support the stopSequences field. Remove stopSequences and try again.",
            ));
        }
        // Anthropic's own error, passed on as Bedrock passes the model's errors (recorded
        // through Bedrock in RooCodeInc/Roo-Code#12162).
        let deprecated = [("temperature", config.temperature), ("top_p", config.top_p)];
        if let Some((name, _)) = deprecated.iter().find(|(_, v)| model.adaptive && v.is_some()) {
            return Err(invalid(format!(
                r#"The model returned the following errors: {{"type":"error","request_id":"req_standin","error":{{"type":"invalid_request_error","message":"`{name}` is deprecated for this model."}}}}"#
            )));
        }
        if model.temperature_xor_top_p && config.temperature.is_some() && config.top_p.is_some() {
            return Err(invalid(
                "`temperature` and `top_p` cannot both be specified for this model. Please use only one.",
            ));
        }
        if let Some(asked) = config.max_tokens.filter(|asked| *asked > model.max_output) {
            let most = model.max_output;
            return Err(invalid(format!(
                "The maximum tokens you requested ({asked}) exceeds the model limit of {most}. Try again with a maximum tokens value that is lower than {most}."
            )));
        }
    }
    let budget_asked = request
        .additional_model_request_fields
        .as_ref()
        .is_some_and(|fields| fields["thinking"]["type"] == "enabled");
    if model.adaptive && budget_asked {
        // Recorded from Claude Opus 4.8 on Bedrock (Kilo-Org/kilocode#10732).
        return Err(invalid(
            r#"The model returned the following errors: "thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior."#,
        ));
    }
    let reasoning_sent = request
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .any(|b| matches!(b, ContentBlock::ReasoningContent(_)));
    if reasoning_sent && model.reasoning == Reasoning::None {
        return Err(invalid(format!(
            "The model {model_id} doesn't support reasoningContent in previous messages. Remove it and try again."
        )));
    }
    Ok(())
}

/// The kinds of media a block carries, and whether any comes by `s3Location`.
#[derive(Default)]
struct Media {
    image: bool,
    document: bool,
    video: bool,
    audio: bool,
    search: bool,
    s3_image: bool,
    s3_document: bool,
    s3_video: bool,
}

fn image(m: &mut Media, source: &ImageSource) {
    m.image = true;
    m.s3_image |= matches!(source, ImageSource::S3Location(_));
}

fn document(m: &mut Media, source: &DocumentSource) {
    m.document = true;
    m.s3_document |= matches!(source, DocumentSource::S3Location(_));
}

fn video(m: &mut Media, source: &VideoSource) {
    m.video = true;
    m.s3_video |= matches!(source, VideoSource::S3Location(_));
}

fn content(model: &Model, request: &ConverseRequest) -> Result<(), BedrockError> {
    let unsupported = |kind: &str| {
        invalid(format!(
            "This model doesn't support the {kind} content block that you provided. Update the content block and try again."
        ))
    };
    for (i, message) in request.messages.iter().enumerate() {
        for (j, block) in message.content.iter().enumerate() {
            let mut m = Media::default();
            let mut in_tool_result = false;
            match block {
                ContentBlock::Image(b) => image(&mut m, &b.source),
                ContentBlock::Document(b) => document(&mut m, &b.source),
                ContentBlock::Video(b) => video(&mut m, &b.source),
                ContentBlock::Audio(_) => m.audio = true,
                ContentBlock::SearchResult(_) => m.search = true,
                ContentBlock::ToolResult(result) => {
                    in_tool_result = true;
                    for part in &result.content {
                        match part {
                            ToolResultContentBlock::Image(b) => image(&mut m, &b.source),
                            ToolResultContentBlock::Document(b) => document(&mut m, &b.source),
                            ToolResultContentBlock::Video(b) => video(&mut m, &b.source),
                            ToolResultContentBlock::SearchResult(_) => m.search = true,
                            _ => {}
                        }
                    }
                }
                _ => continue,
            }
            if m.image && !model.images {
                return Err(unsupported("image"));
            }
            if m.document && !model.documents {
                return Err(unsupported("document"));
            }
            if m.video && !model.video {
                return Err(unsupported("video"));
            }
            if m.audio && !model.audio {
                return Err(unsupported("audio"));
            }
            if m.search && !model.search_results {
                return Err(unsupported("searchResult"));
            }
            // Nova's tool results hold text, JSON and images only (realcases pyd-152, pyd-160).
            if in_tool_result && !model.rich_tool_results && (m.document || m.video) {
                return Err(invalid(format!(
                    "The model returned the following errors: Malformed input request: #/messages/{i}/content/{j}: extraneous key [toolResult] is not permitted, please reformat your input and try again."
                )));
            }
            if !model.s3 {
                // A document by S3 in the message reaches the model as one without a source
                // type (realcases pyd-206), but in a tool result it is taken (pyd-150); images
                // by S3 are refused by name wherever they are (pyd-154, pyd-210).
                if m.s3_document && !in_tool_result {
                    return Err(invalid(format!(
                        "The model returned the following errors: messages.{i}.content.{j}.document.source.type: Field required"
                    )));
                }
                if m.s3_image || m.s3_video {
                    return Err(invalid(
                        "This model doesn't support the s3Uri field. Remove s3Uri and try again.",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `outputConfig.textFormat` on a model without structured output, and a schema that is not
/// JSON. Claude's refusal is the one other projects recorded Bedrock giving (LiteLLM #27846,
/// hindsight #3300: "output_config.format: Extra inputs are not permitted"); the others follow
/// the pattern of Bedrock's refusals of unsupported fields.
fn structured_output(model: &Model, request: &ConverseRequest) -> Result<(), BedrockError> {
    if let Some(effort) = request.output_config.as_ref().and_then(|c| c.effort.as_deref()) {
        effort_taken(model, effort)?;
    }
    let Some(schema) = crate::structured::schema_of(request) else { return Ok(()) };
    if !model.structured_output {
        return Err(invalid(if model.name.starts_with("Claude") {
            "The model returned the following errors: output_config.format: Extra inputs are not permitted"
        } else {
            "This model doesn't support the outputConfig field. Remove outputConfig and try again."
        }));
    }
    match serde_json::from_slice::<serde_json::Value>(schema.as_bytes()) {
        Ok(value) if value.is_object() => Ok(()),
        _ => Err(invalid("The JSON schema in outputConfig.textFormat is not a valid JSON object.")),
    }
}

/// `outputConfig.effort`: refused by a model without it, and a level it does not have, in the
/// words of Claude's validator as Bedrock passes them on (the pattern recorded for
/// `output_config.format`).
fn effort_taken(model: &Model, effort: &str) -> Result<(), BedrockError> {
    if model.effort.is_empty() {
        return Err(invalid(if model.name.starts_with("Claude") {
            "The model returned the following errors: output_config.effort: Extra inputs are not permitted"
        } else {
            "This model doesn't support the effort field. Remove effort and try again."
        }));
    }
    if !model.effort.contains(&effort) {
        let levels: Vec<String> = model.effort.iter().map(|l| format!("'{l}'")).collect();
        let (last, rest) = levels.split_last().expect("a model with effort has levels");
        return Err(invalid(format!(
            "The model returned the following errors: output_config.effort: Input should be {} or {last}",
            rest.join(", ")
        )));
    }
    Ok(())
}
