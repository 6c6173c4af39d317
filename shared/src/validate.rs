//! Bedrock's rules for a Converse request, checked before it is sent, each failure a
//! `ValidationException` that names the message and block.

use crate::error::{BedrockError, ErrorKind};
use crate::types::*;

/// At most this many images per request.
pub const MAX_IMAGES: usize = 20;
/// At most this many bytes per image (3.75 MB).
pub const MAX_IMAGE_BYTES: usize = 3_750_000;
/// At most this many pixels on either side of an image.
pub const MAX_IMAGE_SIDE: usize = 8_000;
/// At most this many documents per request.
pub const MAX_DOCUMENTS: usize = 5;
/// At most this many bytes per document (4.5 MB).
pub const MAX_DOCUMENT_BYTES: usize = 4_500_000;
/// At most this many videos per request: "a single video in the payload"
/// (<https://docs.aws.amazon.com/nova/latest/userguide/modalities-video.html>; Nova's are the
/// models that take video).
pub const MAX_VIDEOS: usize = 1;
/// The most bytes of a video or a recording sent by bytes: its base64 must be under 25 MB
/// (`VideoSource`: "as long as the encoded file is less than 25MB"; AWS documents no other
/// figure for audio, and holds the same for the whole payload). Larger files go by S3.
/// The largest length whose base64 is under 25,000,000 characters.
pub const MAX_MEDIA_BYTES: usize = 25_000_000 / 4 * 3 - 3;

/// The length of `bytes` bytes once base64-encoded.
pub const fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

mod attach;

pub use attach::{attachment, document_name, s3_attachment};

fn invalid(at: &str, message: impl std::fmt::Display) -> BedrockError {
    BedrockError::new(ErrorKind::Validation, format!("{at}: {message}"))
}

/// Why a document name is not one Bedrock takes, if it is not.
///
/// Bedrock allows letters, digits, single spaces, hyphens, parentheses and square brackets.
pub fn document_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.chars().count() > 200 {
        return Some("a document name must have 1 to 200 characters");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '(' | ')' | '[' | ']')) {
        return Some(
            "a document name may only contain letters, digits, spaces, hyphens, parentheses and square brackets",
        );
    }
    if name.contains("  ") {
        return Some("a document name may not contain consecutive spaces");
    }
    None
}

/// Why `id` and `version` cannot name a guardrail, if they cannot: Bedrock's patterns for
/// `GuardrailIdentifier` (an id of lower-case letters and digits, or the guardrail's ARN,
/// `arn:aws:bedrock:<region>:<account>:guardrail/<id>`) and `GuardrailVersion` (a number from
/// 1, or `DRAFT`), in the service model.
pub fn guardrail_problem(id: &str, version: &str) -> Option<&'static str> {
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let arn = |s: &str| {
        let Some(rest) = s.strip_prefix("arn:aws") else { return false };
        let parts: Vec<&str> = rest.split(':').collect();
        let [partition, "bedrock", region, account, resource] = parts[..] else { return false };
        (partition.is_empty() || partition.starts_with('-') && partition.len() > 1)
            && (1..=20).contains(&region.len())
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("guardrail/").is_some_and(plain)
    };
    if id.len() > 2048 || !(plain(id) || arn(id)) {
        return Some("a guardrail id is lower-case letters and digits, or the guardrail's ARN");
    }
    let numbered = matches!(version.as_bytes().first(), Some(b'1'..=b'9'))
        && version.len() <= 8
        && version.bytes().all(|b| b.is_ascii_digit());
    if version != "DRAFT" && !numbered {
        return Some("a guardrail version is a number (1, 2, …) or DRAFT");
    }
    None
}

/// Checks one image's bytes: size, real format, dimensions.
pub fn check_image(format: &ImageFormat, bytes: &[u8]) -> Result<(), String> {
    if matches!(format, ImageFormat::Other(_)) {
        return Err(format!("image format {format} is not one of png, jpeg, gif, webp"));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!("the image is {:.2} MB; the limit is 3.75 MB", bytes.len() as f64 / 1e6));
    }
    let detected = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => "png",
        Ok(imagesize::ImageType::Jpeg) => "jpeg",
        Ok(imagesize::ImageType::Gif) => "gif",
        Ok(imagesize::ImageType::Webp) => "webp",
        _ => return Err(format!("the bytes are not a {format} image")),
    };
    if detected != format.as_str() {
        return Err(format!("the image is declared {format} but its bytes are {detected}"));
    }
    let size = imagesize::blob_size(bytes).map_err(|_| format!("the {format} image is damaged"))?;
    if size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE {
        return Err(format!(
            "the image is {}×{} px; at most {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE} px are allowed",
            size.width, size.height
        ));
    }
    Ok(())
}

/// Checks `request` against Bedrock's rules for any model; [`crate::models::prepare`] adds
/// each model's own.
pub fn validate(request: &ConverseRequest) -> Result<(), BedrockError> {
    let messages = &request.messages;
    match messages.first() {
        None => return Err(invalid("messages", "a conversation needs at least one message")),
        Some(first) if first.role != Role::User => {
            return Err(invalid("messages[0]", "a conversation must start with a user message"));
        }
        _ => {}
    }
    let (mut images, mut documents, mut videos) = (0, 0, 0);
    // The turn before, system messages aside: they stand between turns and change neither
    // whose turn it is nor which calls are still to be answered.
    let mut turn_before: Option<usize> = None;
    for (i, message) in messages.iter().enumerate() {
        let at = format!("messages[{i}]");
        if message.content.is_empty() {
            return Err(invalid(&at, "a message needs at least one content block"));
        }
        if message.role == Role::System {
            system_message(request, &at, message)?;
            continue;
        }
        let previous = turn_before.map(|p| &messages[p]);
        turn_before = Some(i);
        if previous.is_some_and(|p| p.role == message.role) {
            return Err(invalid(&at, "roles must alternate between user and assistant"));
        }
        let from_user = message.role == Role::User;
        let has_text =
            message.content.iter().any(|b| matches!(b, ContentBlock::Text(t) if !t.trim().is_empty()));
        for (j, block) in message.content.iter().enumerate() {
            let at = format!("messages[{i}].content[{j}]");
            match block {
                ContentBlock::Text(t) if t.trim().is_empty() => {
                    return Err(invalid(&at, "the text is blank"));
                }
                ContentBlock::Image(image) => {
                    if !from_user {
                        return Err(invalid(&at, "images are only allowed in user messages"));
                    }
                    images += 1;
                    if let ImageSource::Bytes(bytes) = &image.source {
                        check_image(&image.format, bytes.as_bytes()).map_err(|m| invalid(&at, m))?;
                    }
                }
                ContentBlock::Document(doc) => {
                    if !from_user {
                        return Err(invalid(&at, "documents are only allowed in user messages"));
                    }
                    documents += 1;
                    if let Some(problem) = document_name_problem(&doc.name) {
                        return Err(invalid(&at, format!("{problem} (got {:?})", doc.name)));
                    }
                    if let DocumentSource::Bytes(bytes) = &doc.source
                        && bytes.len() > MAX_DOCUMENT_BYTES
                    {
                        return Err(invalid(
                            &at,
                            format!(
                                "the document is {:.2} MB; the limit is 4.5 MB",
                                bytes.len() as f64 / 1e6
                            ),
                        ));
                    }
                    if !has_text {
                        return Err(invalid(&at, "a message with a document also needs a text block"));
                    }
                }
                ContentBlock::Video(_) if !from_user => {
                    return Err(invalid(&at, "videos are only allowed in user messages"));
                }
                ContentBlock::Video(VideoBlock { source, .. }) => {
                    videos += 1;
                    if let VideoSource::Bytes(b) = source {
                        media_size("video", b.len()).map_err(|m| invalid(&at, m))?;
                    }
                }
                ContentBlock::Audio(AudioBlock { source: AudioSource::Bytes(b), .. }) => {
                    media_size("recording", b.len()).map_err(|m| invalid(&at, m))?;
                }
                // A system tool's result (its `type` set) is the assistant's own: Bedrock runs
                // the tool within the reply (realcases pyd-96, pyd-97).
                ContentBlock::ToolResult(result) if !from_user && result.r#type.is_some() => {}
                ContentBlock::ToolResult(result) => {
                    if !from_user {
                        return Err(invalid(&at, "tool results are only allowed in user messages"));
                    }
                    let asked = previous.map(tool_use_ids).unwrap_or_default();
                    if !asked.contains(&result.tool_use_id.as_str()) {
                        return Err(invalid(
                            &at,
                            format!(
                                "tool result {:?} answers no toolUse of the previous assistant message",
                                result.tool_use_id
                            ),
                        ));
                    }
                    for c in &result.content {
                        if let ToolResultContentBlock::Image(ImageBlock {
                            format,
                            source: ImageSource::Bytes(b),
                            ..
                        }) = c
                        {
                            images += 1;
                            check_image(format, b.as_bytes()).map_err(|m| invalid(&at, m))?;
                        }
                    }
                }
                ContentBlock::ToolUse(_) if from_user => {
                    return Err(invalid(&at, "tool use is only allowed in assistant messages"));
                }
                ContentBlock::ToolAddition(_) | ContentBlock::ToolRemoval(_) => {
                    return Err(invalid(&at, "tool changes are only allowed in system messages"));
                }
                _ => {}
            }
        }
        // Every tool call of an assistant turn is answered in the next user turn.
        if from_user && let Some(previous) = previous {
            for id in tool_use_ids(previous) {
                let answered = message
                    .content
                    .iter()
                    .any(|b| matches!(b, ContentBlock::ToolResult(r) if r.tool_use_id == id));
                if !answered {
                    return Err(invalid(&at, format!("expected a toolResult for toolUse {id:?}")));
                }
            }
        }
    }
    validate_parameters(request)?;
    if images > MAX_IMAGES {
        return Err(invalid("messages", format!("{images} images; at most {MAX_IMAGES} are allowed")));
    }
    if documents > MAX_DOCUMENTS {
        return Err(invalid(
            "messages",
            format!("{documents} documents; at most {MAX_DOCUMENTS} are allowed"),
        ));
    }
    if videos > MAX_VIDEOS {
        return Err(invalid("messages", format!("{videos} videos; at most {MAX_VIDEOS} is allowed")));
    }
    let checkpoints = crate::cache::checkpoints(request);
    if checkpoints > crate::cache::MAX_CHECKPOINTS {
        return Err(invalid(
            "cachePoint",
            format!("{checkpoints} cache checkpoints; at most {} are allowed", crate::cache::MAX_CHECKPOINTS),
        ));
    }
    Ok(())
}

/// A message with the `system` role within the conversation: instructions and tool changes
/// alone (`text`, `toolAddition`, `toolRemoval`, `cachePoint`), each change naming a tool of
/// the request's `toolConfig` ("Must match the name of a tool declared in the top-level tool
/// configuration", the service model's `ToolReference.name`). Whether the model takes such
/// messages at all is [`crate::models::prepare`]'s to say.
fn system_message(request: &ConverseRequest, at: &str, message: &Message) -> Result<(), BedrockError> {
    let declared = |name: &str| {
        request
            .tool_config
            .iter()
            .flat_map(|c| &c.tools)
            .any(|t| matches!(t, Tool::ToolSpec(s) if s.name == name))
    };
    for (j, block) in message.content.iter().enumerate() {
        let at = format!("{at}.content[{j}]");
        let tool = match block {
            ContentBlock::Text(t) if t.trim().is_empty() => return Err(invalid(&at, "the text is blank")),
            ContentBlock::Text(_) | ContentBlock::CachePoint(_) => continue,
            ContentBlock::ToolAddition(ToolAdditionBlock { tool, .. })
            | ContentBlock::ToolRemoval(ToolRemovalBlock { tool, .. }) => tool,
            other => {
                return Err(invalid(
                    &at,
                    format!("a system message holds text and tool changes, not {}", other.member_name()),
                ));
            }
        };
        match tool.name.as_deref() {
            None => return Err(invalid(&at, "the tool change names no tool")),
            Some(name) if !declared(name) => {
                return Err(invalid(&at, format!("the tool {name} is not declared in toolConfig")));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A video's or a recording's bytes against [`MAX_MEDIA_BYTES`].
fn media_size(what: &str, len: usize) -> Result<(), String> {
    if len > MAX_MEDIA_BYTES {
        return Err(format!(
            "the {what} is {:.1} MB; at most {:.2} MB go with a message (25 MB once encoded), larger ones by S3",
            len as f64 / 1e6,
            MAX_MEDIA_BYTES as f64 / 1e6
        ));
    }
    Ok(())
}

/// Checks `inferenceConfig`, `additionalModelRequestFields` and `projectIdentifier` against the API's own
/// constraints (the ranges botocore's model gives).
pub fn validate_parameters(request: &ConverseRequest) -> Result<(), BedrockError> {
    crate::project::parse(request.project_identifier.as_deref())
        .map_err(|problem| invalid("projectIdentifier", problem))?;
    if let Some(config) = &request.inference_config {
        let unit = |name: &str, value: Option<f64>| match value {
            Some(v) if !(0.0..=1.0).contains(&v) => {
                Err(invalid(&format!("inferenceConfig.{name}"), format!("{v} is not between 0 and 1")))
            }
            _ => Ok(()),
        };
        unit("temperature", config.temperature)?;
        unit("topP", config.top_p)?;
        if config.max_tokens == Some(0) {
            return Err(invalid("inferenceConfig.maxTokens", "must be at least 1"));
        }
        if let Some(stops) = &config.stop_sequences {
            if stops.len() > 2500 {
                return Err(invalid("inferenceConfig.stopSequences", "at most 2500 are allowed"));
            }
            if stops.iter().any(String::is_empty) {
                return Err(invalid("inferenceConfig.stopSequences", "a stop sequence may not be empty"));
            }
        }
    }
    if let Some(fields) = &request.additional_model_request_fields
        && !fields.is_object()
    {
        return Err(invalid("additionalModelRequestFields", "must be a JSON object"));
    }
    Ok(())
}

/// The calls of an assistant turn that the next user turn must answer: all but those a
/// system tool ran, whose results are in the turn itself.
fn tool_use_ids(message: &Message) -> Vec<&str> {
    let answered = crate::tools::answered_in_place(message);
    message
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolUse(t) if !answered.contains(&t.tool_use_id.as_str()) => {
                Some(t.tool_use_id.as_str())
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
