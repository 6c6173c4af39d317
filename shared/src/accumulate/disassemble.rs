//! The inverse of the accumulator: a whole reply as the stream of events that would carry it
//! (the stand-in streams its replies so; the property test checks the round trip).

use crate::types::*;

/// Splits a reply into the events Bedrock would stream for it: `messageStart`, per block a
/// start (where one is due), deltas and a stop, then `messageStop` and `metadata`.
///
/// `piece` chooses how many bytes of text (or of a tool call's JSON input) each delta takes:
/// it is given the block and what is left of its text, and its answer is rounded up to a
/// character boundary (and to at least one character). Blocks that do not stream in Converse (documents, images from the
/// user, ...) are not expected in a reply and are skipped.
pub fn disassemble(
    response: &ConverseResponse,
    mut piece: impl FnMut(&ContentBlock, &str) -> usize,
) -> Vec<StreamEvent> {
    let message = response.output.message();
    let mut events = vec![StreamEvent::MessageStart(MessageStartEvent {
        role: message.map_or(Role::Assistant, |m| m.role.clone()),
        extra: Extra::new(),
    })];
    let delta = |index: u32, delta| {
        StreamEvent::ContentBlockDelta(ContentBlockDeltaEvent {
            delta,
            content_block_index: index,
            extra: Extra::new(),
        })
    };
    for (index, block) in message.map(|m| m.content.as_slice()).unwrap_or_default().iter().enumerate() {
        let index = index as u32;
        let mut split = |text: &str| -> Vec<String> {
            let mut out = Vec::new();
            let mut rest = text;
            while !rest.is_empty() {
                let mut at = piece(block, rest).clamp(1, rest.len());
                while !rest.is_char_boundary(at) {
                    at += 1;
                }
                out.push(rest[..at].to_owned());
                rest = &rest[at..];
            }
            out
        };
        match block {
            ContentBlock::Text(text) => {
                events.extend(split(text).into_iter().map(|t| delta(index, ContentBlockDelta::Text(t))));
            }
            ContentBlock::ToolUse(tool) => {
                events.push(StreamEvent::ContentBlockStart(ContentBlockStartEvent {
                    start: ContentBlockStart::ToolUse(ToolUseBlockStart {
                        tool_use_id: tool.tool_use_id.clone(),
                        name: tool.name.clone(),
                        r#type: tool.r#type.clone(),
                        extra: Extra::new(),
                    }),
                    content_block_index: index,
                    extra: Extra::new(),
                }));
                let json = tool.input.to_string();
                events.extend(split(&json).into_iter().map(|input| {
                    delta(index, ContentBlockDelta::ToolUse(ToolUseBlockDelta { input, extra: Extra::new() }))
                }));
            }
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(r)) => {
                events.extend(split(&r.text).into_iter().map(|t| {
                    delta(index, ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Text(t)))
                }));
                if let Some(signature) = &r.signature {
                    events.push(delta(
                        index,
                        ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Signature(
                            signature.clone(),
                        )),
                    ));
                }
            }
            ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(bytes)) => {
                events.push(delta(
                    index,
                    ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::RedactedContent(
                        bytes.clone(),
                    )),
                ))
            }
            ContentBlock::CitationsContent(c) => {
                for part in c.content.iter().flatten() {
                    if let CitationGeneratedContent::Text(text) = part {
                        events.extend(
                            split(text).into_iter().map(|t| delta(index, ContentBlockDelta::Text(t))),
                        );
                    }
                }
                for cited in c.citations.iter().flatten() {
                    events.push(delta(
                        index,
                        ContentBlockDelta::Citation(CitationsDelta {
                            title: cited.title.clone(),
                            source: cited.source.clone(),
                            source_content: cited.source_content.as_ref().map(|parts| {
                                parts
                                    .iter()
                                    .map(|p| CitationSourceContentDelta {
                                        text: match p {
                                            CitationSourceContent::Text(t) => Some(t.clone()),
                                            _ => None,
                                        },
                                        extra: Extra::new(),
                                    })
                                    .collect()
                            }),
                            location: cited.location.clone(),
                            extra: cited.extra.clone(),
                        }),
                    ));
                }
            }
            // A system tool's result, in the reply it ran in: its start, then its content.
            ContentBlock::ToolResult(result) => {
                events.push(StreamEvent::ContentBlockStart(ContentBlockStartEvent {
                    start: ContentBlockStart::ToolResult(ToolResultBlockStart {
                        tool_use_id: result.tool_use_id.clone(),
                        r#type: result.r#type.clone(),
                        status: result.status.clone(),
                        extra: Extra::new(),
                    }),
                    content_block_index: index,
                    extra: Extra::new(),
                }));
                let pieces: Vec<ToolResultBlockDelta> = result
                    .content
                    .iter()
                    .filter_map(|c| match c {
                        ToolResultContentBlock::Text(t) => Some(ToolResultBlockDelta::Text(t.clone())),
                        ToolResultContentBlock::Json(j) => Some(ToolResultBlockDelta::Json(j.clone())),
                        _ => None,
                    })
                    .collect();
                if !pieces.is_empty() {
                    events.push(delta(index, ContentBlockDelta::ToolResult(pieces)));
                }
            }
            ContentBlock::Image(ImageBlock { format, source: ImageSource::Bytes(bytes), .. }) => {
                events.push(StreamEvent::ContentBlockStart(ContentBlockStartEvent {
                    start: ContentBlockStart::Image(ImageBlockStart {
                        format: format.clone(),
                        extra: Extra::new(),
                    }),
                    content_block_index: index,
                    extra: Extra::new(),
                }));
                // Pieces of the bytes: cut where their base64 is, at whole groups of 3 bytes.
                let b64 =
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes.as_bytes());
                let mut rest = bytes.as_bytes();
                while !rest.is_empty() {
                    let encoded = rest.len().div_ceil(3) * 4;
                    let at = (piece(block, &b64[b64.len() - encoded..]).clamp(1, encoded).div_ceil(4) * 3)
                        .min(rest.len());
                    let image = ImageBlockDelta {
                        source: Some(ImageSource::Bytes(Blob(rest[..at].to_vec()))),
                        error: None,
                        extra: Extra::new(),
                    };
                    events.push(delta(index, ContentBlockDelta::Image(image)));
                    rest = &rest[at..];
                }
            }
            _ => continue,
        }
        events.push(StreamEvent::ContentBlockStop(ContentBlockStopEvent {
            content_block_index: index,
            extra: Extra::new(),
        }));
    }
    events.push(StreamEvent::MessageStop(MessageStopEvent {
        stop_reason: response.stop_reason.clone(),
        additional_model_response_fields: response.additional_model_response_fields.clone(),
        extra: Extra::new(),
    }));
    events.push(StreamEvent::Metadata(MetadataEvent {
        usage: response.usage.clone(),
        metrics: response.metrics.clone(),
        trace: response.trace.clone(),
        performance_config: response.performance_config.clone(),
        service_tier: response.service_tier.clone(),
        extra: Extra::new(),
    }));
    events
}
