//! Folds ConverseStream events into what `Converse` would have returned.

use crate::error::Error;
use crate::types::*;

/// One content block being assembled, keyed by its index *and* kind: some models reuse a
/// `contentBlockIndex` for blocks of different kinds.
#[derive(Debug)]
struct Block {
    index: u32,
    kind: BlockKind,
}

#[derive(Debug)]
enum BlockKind {
    Text(String),
    /// A member this version does not know; the last value seen for it is kept.
    Unknown(UnknownMember),
}

impl BlockKind {
    fn same_kind(&self, delta: &ContentBlockDelta) -> bool {
        match (self, delta) {
            (Self::Text(_), ContentBlockDelta::Text(_)) => true,
            (Self::Unknown(u), ContentBlockDelta::Unknown(d)) => u.name == d.name,
            _ => false,
        }
    }
}

/// Folds a ConverseStream into the final [`ConverseResponse`].
///
/// Feed every event with [`push`](Self::push); read the reply so far at any time with
/// [`message`](Self::message) (e.g. to keep a partial reply when the user stops it); call
/// [`finish`](Self::finish) at the end. Work per event is constant: deltas append in place.
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
    pub fn push(&mut self, event: &StreamEvent) -> Result<(), Error> {
        match event {
            StreamEvent::MessageStart(start) => self.role = start.role.clone(),
            StreamEvent::ContentBlockDelta(d) => self.push_delta(d.content_block_index, &d.delta),
            StreamEvent::MessageStop(stop) => self.stop = Some(stop.clone()),
            StreamEvent::Metadata(meta) => self.metadata = Some(meta.clone()),
            _ => {}
        }
        Ok(())
    }

    fn push_delta(&mut self, index: u32, delta: &ContentBlockDelta) {
        // The block being streamed is almost always the last one: look there first.
        let existing = self.blocks.iter_mut().rev().find(|b| b.index == index && b.kind.same_kind(delta));
        match (existing, delta) {
            (Some(Block { kind: BlockKind::Text(text), .. }), ContentBlockDelta::Text(more)) => {
                text.push_str(more)
            }
            (Some(Block { kind: BlockKind::Unknown(u), .. }), ContentBlockDelta::Unknown(d)) => {
                u.value = d.value.clone()
            }
            (None, ContentBlockDelta::Text(t)) => {
                self.blocks.push(Block { index, kind: BlockKind::Text(t.clone()) })
            }
            (None, ContentBlockDelta::Unknown(d)) => {
                self.blocks.push(Block { index, kind: BlockKind::Unknown(d.clone()) })
            }
            _ => {}
        }
    }

    /// The text streamed so far, all text blocks joined.
    pub fn text(&self) -> String {
        self.message().joined_text()
    }

    /// The reply so far, as a message.
    pub fn message(&self) -> Message {
        let content = self
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Text(t) => ContentBlock::Text(t.clone()),
                BlockKind::Unknown(u) => ContentBlock::Unknown(u.clone()),
            })
            .collect();
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
        let message = self.message();
        let stop = self.stop.ok_or(Error::Incomplete("the stream ended before messageStop"))?;
        let meta = self.metadata.ok_or(Error::Incomplete("the stream ended before metadata"))?;
        let mut extra = meta.extra;
        if let Some(fields) = stop.additional_model_response_fields {
            extra.insert("additionalModelResponseFields".into(), fields);
        }
        Ok(ConverseResponse {
            output: ConverseOutput::Message(message),
            stop_reason: stop.stop_reason,
            usage: meta.usage,
            metrics: meta.metrics,
            extra,
        })
    }
}
