//! Folds ConverseStream events into what `Converse` would have returned, and the reverse
//! ([`disassemble`]), which the stand-in streams with and the property tests check against.

use serde_json::Value;

use crate::error::Error;
use crate::types::*;

/// One content block being assembled.
#[derive(Debug)]
struct Block {
    index: u32,
    kind: BlockKind,
}

#[derive(Debug)]
enum BlockKind {
    Text(String),
    ToolUse {
        start: ToolUseBlockStart,
        json: String,
        input: Option<Value>,
    },
    ToolResult {
        start: ToolResultBlockStart,
        content: Vec<ToolResultContentBlock>,
    },
    Reasoning {
        text: String,
        signature: Option<String>,
        redacted: Option<Blob>,
    },
    Citations {
        text: String,
        citations: Vec<Citation>,
    },
    Image {
        format: ImageFormat,
        source: Option<ImageSource>,
        error: Option<ErrorBlock>,
    },
    /// A member this version does not know; the last value seen for it is kept.
    Unknown(UnknownMember),
}

/// Which kind of block a delta belongs to. Text and citations share a block: a cited
/// passage streams as text deltas and citation deltas under one index.
#[derive(Debug, PartialEq)]
enum Kind<'a> {
    Text,
    ToolUse,
    ToolResult,
    Reasoning,
    Image,
    Unknown(&'a str),
}

impl BlockKind {
    fn kind(&self) -> Kind<'_> {
        match self {
            Self::Text(_) | Self::Citations { .. } => Kind::Text,
            Self::ToolUse { .. } => Kind::ToolUse,
            Self::ToolResult { .. } => Kind::ToolResult,
            Self::Reasoning { .. } => Kind::Reasoning,
            Self::Image { .. } => Kind::Image,
            Self::Unknown(u) => Kind::Unknown(&u.name),
        }
    }
}

fn delta_kind(delta: &ContentBlockDelta) -> Kind<'_> {
    match delta {
        ContentBlockDelta::Text(_) | ContentBlockDelta::Citation(_) => Kind::Text,
        ContentBlockDelta::ToolUse(_) => Kind::ToolUse,
        ContentBlockDelta::ToolResult(_) => Kind::ToolResult,
        ContentBlockDelta::ReasoningContent(_) => Kind::Reasoning,
        ContentBlockDelta::Image(_) => Kind::Image,
        ContentBlockDelta::Unknown(u) => Kind::Unknown(&u.name),
    }
}

fn parse_tool_input(json: &str, index: u32, name: &str) -> Result<Value, Error> {
    if json.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(json.as_bytes()).map_err(|source| Error::ToolInput {
        index,
        name: name.to_owned(),
        source,
    })
}

/// Folds a ConverseStream into the final [`ConverseResponse`].
///
/// Feed every event with [`push`](Self::push); read the reply so far at any time with
/// [`message`](Self::message) (e.g. to keep a partial reply when the user stops it); call
/// [`finish`](Self::finish) at the end. Work per event is constant: deltas append in place,
/// and a tool call's input is parsed once, at its `contentBlockStop`.
///
/// Blocks are keyed by index *and* kind: some models reuse a `contentBlockIndex` for blocks
/// of different kinds.
#[derive(Debug)]
pub struct StreamAccumulator {
    role: Role,
    blocks: Vec<Block>,
    stop: Option<MessageStopEvent>,
    metadata: Option<MetadataEvent>,
}

impl Default for StreamAccumulator {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamAccumulator {
    /// An accumulator before `messageStart`.
    pub fn new() -> Self {
        Self { role: Role::Assistant, blocks: Vec::new(), stop: None, metadata: None }
    }

    /// Folds in one event. Exceptions are not the accumulator's business: the caller
    /// reports them (see [`crate::BedrockError::from_stream_event`]).
    ///
    /// Fails when a tool call's input, complete at its `contentBlockStop`, is not JSON.
    pub fn push(&mut self, event: &StreamEvent) -> Result<(), Error> {
        match event {
            StreamEvent::MessageStart(start) => self.role = start.role.clone(),
            StreamEvent::ContentBlockStart(s) => self.push_start(s.content_block_index, &s.start),
            StreamEvent::ContentBlockDelta(d) => self.push_delta(d.content_block_index, &d.delta),
            StreamEvent::ContentBlockStop(s) => return self.push_stop(s.content_block_index),
            StreamEvent::MessageStop(stop) => self.stop = Some(stop.clone()),
            StreamEvent::Metadata(meta) => self.metadata = Some(meta.clone()),
            _ => {}
        }
        Ok(())
    }

    fn find(&mut self, index: u32, kind: Kind<'_>) -> Option<&mut BlockKind> {
        // The block being streamed is almost always the last one: look there first.
        self.blocks.iter_mut().rev().find(|b| b.index == index && b.kind.kind() == kind).map(|b| &mut b.kind)
    }

    fn push_start(&mut self, index: u32, start: &ContentBlockStart) {
        let kind = match start {
            ContentBlockStart::ToolUse(s) => {
                BlockKind::ToolUse { start: s.clone(), json: String::new(), input: None }
            }
            ContentBlockStart::ToolResult(s) => {
                BlockKind::ToolResult { start: s.clone(), content: Vec::new() }
            }
            ContentBlockStart::Image(s) => {
                BlockKind::Image { format: s.format.clone(), source: None, error: None }
            }
            ContentBlockStart::Unknown(u) => BlockKind::Unknown(u.clone()),
        };
        self.blocks.push(Block { index, kind });
    }

    fn push_delta(&mut self, index: u32, delta: &ContentBlockDelta) {
        if self.find(index, delta_kind(delta)).is_none() {
            let kind = match delta {
                ContentBlockDelta::Text(_) => BlockKind::Text(String::new()),
                ContentBlockDelta::Citation(_) => {
                    BlockKind::Citations { text: String::new(), citations: Vec::new() }
                }
                ContentBlockDelta::ReasoningContent(_) => {
                    BlockKind::Reasoning { text: String::new(), signature: None, redacted: None }
                }
                ContentBlockDelta::Unknown(u) => BlockKind::Unknown(u.clone()),
                // Tool use, tool results and images announce themselves with a start event;
                // a delta without one still gets a block, with what can be known.
                ContentBlockDelta::ToolUse(_) => BlockKind::ToolUse {
                    start: ToolUseBlockStart {
                        tool_use_id: String::new(),
                        name: String::new(),
                        r#type: None,
                        extra: Extra::new(),
                    },
                    json: String::new(),
                    input: None,
                },
                ContentBlockDelta::ToolResult(_) => BlockKind::ToolResult {
                    start: ToolResultBlockStart {
                        tool_use_id: String::new(),
                        r#type: None,
                        status: None,
                        extra: Extra::new(),
                    },
                    content: Vec::new(),
                },
                ContentBlockDelta::Image(_) => {
                    BlockKind::Image { format: ImageFormat::Png, source: None, error: None }
                }
            };
            self.blocks.push(Block { index, kind });
        }
        let block = self.find(index, delta_kind(delta)).expect("created above");
        match (block, delta) {
            (BlockKind::Text(text), ContentBlockDelta::Text(more)) => text.push_str(more),
            (BlockKind::Citations { text, .. }, ContentBlockDelta::Text(more)) => text.push_str(more),
            (block @ BlockKind::Text(_), ContentBlockDelta::Citation(c)) => {
                let BlockKind::Text(text) = std::mem::replace(block, BlockKind::Text(String::new())) else {
                    unreachable!()
                };
                *block = BlockKind::Citations { text, citations: vec![citation(c)] };
            }
            (BlockKind::Citations { citations, .. }, ContentBlockDelta::Citation(c)) => {
                citations.push(citation(c))
            }
            (BlockKind::ToolUse { json, .. }, ContentBlockDelta::ToolUse(d)) => json.push_str(&d.input),
            (BlockKind::ToolResult { content, .. }, ContentBlockDelta::ToolResult(pieces)) => {
                for piece in pieces {
                    match (content.last_mut(), piece) {
                        (Some(ToolResultContentBlock::Text(t)), ToolResultBlockDelta::Text(more)) => {
                            t.push_str(more)
                        }
                        (_, ToolResultBlockDelta::Text(t)) => {
                            content.push(ToolResultContentBlock::Text(t.clone()))
                        }
                        (_, ToolResultBlockDelta::Json(j)) => {
                            content.push(ToolResultContentBlock::Json(j.clone()))
                        }
                        (_, ToolResultBlockDelta::Unknown(u)) => {
                            content.push(ToolResultContentBlock::Unknown(u.clone()))
                        }
                    }
                }
            }
            (BlockKind::Reasoning { text, signature, redacted }, ContentBlockDelta::ReasoningContent(r)) => {
                match r {
                    ReasoningContentBlockDelta::Text(more) => text.push_str(more),
                    ReasoningContentBlockDelta::Signature(s) => {
                        signature.get_or_insert_with(String::new).push_str(s)
                    }
                    ReasoningContentBlockDelta::RedactedContent(b) => {
                        redacted.get_or_insert_with(Blob::default).0.extend_from_slice(b.as_bytes())
                    }
                    ReasoningContentBlockDelta::Unknown(_) => {}
                }
            }
            (BlockKind::Image { source, error, .. }, ContentBlockDelta::Image(d)) => {
                // "Incremental image data": each delta's bytes follow the last's.
                match (source.as_mut(), &d.source) {
                    (Some(ImageSource::Bytes(have)), Some(ImageSource::Bytes(more))) => {
                        have.0.extend_from_slice(more.as_bytes());
                    }
                    (_, Some(other)) => *source = Some(other.clone()),
                    (_, None) => {}
                }
                if d.error.is_some() {
                    error.clone_from(&d.error);
                }
            }
            (BlockKind::Unknown(u), ContentBlockDelta::Unknown(d)) => u.value = d.value.clone(),
            _ => {}
        }
    }

    fn push_stop(&mut self, index: u32) -> Result<(), Error> {
        // Only a tool call has work to do at its stop: its input is complete and parsed once.
        let found = self.blocks.iter_mut().rev().find(|b| b.index == index);
        if let Some(Block { kind: BlockKind::ToolUse { start, json, input }, .. }) = found
            && input.is_none()
        {
            *input = Some(parse_tool_input(json, index, &start.name)?);
        }
        Ok(())
    }

    /// The text streamed so far, all text blocks joined.
    pub fn text(&self) -> String {
        self.message().joined_text()
    }

    /// The reply so far, as a message. A tool call whose input is not yet valid JSON is
    /// left out: it could not be sent back to the model.
    pub fn message(&self) -> Message {
        let content = self.blocks.iter().filter_map(|b| to_content(b).ok()).collect();
        Message { role: self.role.clone(), content, extra: Extra::new() }
    }

    /// Why the model stopped, once `messageStop` has arrived.
    pub fn stop_reason(&self) -> Option<&StopReason> {
        self.stop.as_ref().map(|s| &s.stop_reason)
    }

    /// Usage and metrics, once `metadata` has arrived.
    pub fn metadata(&self) -> Option<&MetadataEvent> {
        self.metadata.as_ref()
    }

    /// The response `Converse` would have returned for the same call.
    pub fn finish(self) -> Result<ConverseResponse, Error> {
        let content = self.blocks.iter().map(to_content).collect::<Result<Vec<_>, _>>()?;
        let stop = self.stop.ok_or(Error::Incomplete("the stream ended before messageStop"))?;
        let meta = self.metadata.ok_or(Error::Incomplete("the stream ended before metadata"))?;
        let mut extra = stop.extra;
        extra.extend(meta.extra.0);
        Ok(ConverseResponse {
            output: ConverseOutput::Message(Message { role: self.role, content, extra: Extra::new() }),
            stop_reason: stop.stop_reason,
            usage: meta.usage,
            metrics: meta.metrics,
            additional_model_response_fields: stop.additional_model_response_fields,
            trace: meta.trace,
            performance_config: meta.performance_config,
            service_tier: meta.service_tier,
            extra,
        })
    }
}

fn citation(delta: &CitationsDelta) -> Citation {
    Citation {
        title: delta.title.clone(),
        source: delta.source.clone(),
        source_content: delta.source_content.as_ref().map(|parts| {
            parts.iter().map(|p| CitationSourceContent::Text(p.text.clone().unwrap_or_default())).collect()
        }),
        location: delta.location.clone(),
        extra: delta.extra.clone(),
    }
}

fn to_content(block: &Block) -> Result<ContentBlock, Error> {
    Ok(match &block.kind {
        BlockKind::Text(t) => ContentBlock::Text(t.clone()),
        BlockKind::ToolUse { start, json, input } => ContentBlock::ToolUse(ToolUseBlock {
            tool_use_id: start.tool_use_id.clone(),
            name: start.name.clone(),
            input: match input {
                Some(v) => v.clone(),
                None => parse_tool_input(json, block.index, &start.name)?,
            },
            r#type: start.r#type.clone(),
            extra: start.extra.clone(),
        }),
        BlockKind::ToolResult { start, content } => ContentBlock::ToolResult(ToolResultBlock {
            tool_use_id: start.tool_use_id.clone(),
            content: content.clone(),
            status: start.status.clone(),
            r#type: start.r#type.clone(),
            extra: start.extra.clone(),
        }),
        BlockKind::Reasoning { text, signature, redacted } => {
            ContentBlock::ReasoningContent(match redacted {
                Some(bytes) if text.is_empty() => ReasoningContentBlock::RedactedContent(bytes.clone()),
                _ => ReasoningContentBlock::ReasoningText(ReasoningTextBlock {
                    text: text.clone(),
                    signature: signature.clone(),
                    extra: Extra::new(),
                }),
            })
        }
        BlockKind::Citations { text, citations } => ContentBlock::CitationsContent(CitationsContentBlock {
            content: Some(vec![CitationGeneratedContent::Text(text.clone())]),
            citations: Some(citations.clone()),
            extra: Extra::new(),
        }),
        BlockKind::Image { format, source, error } => ContentBlock::Image(ImageBlock {
            format: format.clone(),
            source: source.clone().unwrap_or(ImageSource::Bytes(Blob::default())),
            error: error.clone(),
            extra: Extra::new(),
        }),
        BlockKind::Unknown(u) => ContentBlock::Unknown(u.clone()),
    })
}

mod disassemble;

pub use disassemble::disassemble;

#[cfg(test)]
mod tests;
