//! The ConverseStream events (`ConverseStreamOutput` and its members).
//!
//! On the wire each event's payload carries a padding field `"p"` of varying length that
//! hides token sizes. [`super::Extra`] drops it when an event is read; it is never written.

use super::{
    Blob, CitationLocation, ConverseMetrics, ConverseTrace, Document, ErrorBlock, ImageFormat, ImageSource,
    PerformanceConfiguration, Role, ServiceTier, StopReason, TokenUsage, ToolResultStatus, ToolUseType,
};

open_union! {
    /// One event of a ConverseStream (`ConverseStreamOutput`), exceptions included.
    pub enum StreamEvent {
        /// The reply starts.
        MessageStart(MessageStartEvent) = "messageStart",
        /// A content block that needs a start (tool use, tool result, image) starts.
        ContentBlockStart(ContentBlockStartEvent) = "contentBlockStart",
        /// A piece of a content block.
        ContentBlockDelta(ContentBlockDeltaEvent) = "contentBlockDelta",
        /// A content block is complete.
        ContentBlockStop(ContentBlockStopEvent) = "contentBlockStop",
        /// The reply is complete.
        MessageStop(MessageStopEvent) = "messageStop",
        /// Usage and metrics, after `messageStop`.
        Metadata(MetadataEvent) = "metadata",
        /// Bedrock failed while streaming.
        InternalServerException(ExceptionEvent) = "internalServerException",
        /// The model failed while streaming.
        ModelStreamErrorException(ExceptionEvent) = "modelStreamErrorException",
        /// The request was not valid.
        ValidationException(ExceptionEvent) = "validationException",
        /// Too many requests.
        ThrottlingException(ExceptionEvent) = "throttlingException",
        /// The service is not available.
        ServiceUnavailableException(ExceptionEvent) = "serviceUnavailableException",
    }
}

impl StreamEvent {
    /// The exception this event carries, if it is one of the stream's exception members.
    pub fn exception(&self) -> Option<&ExceptionEvent> {
        match self {
            Self::InternalServerException(e)
            | Self::ModelStreamErrorException(e)
            | Self::ValidationException(e)
            | Self::ThrottlingException(e)
            | Self::ServiceUnavailableException(e) => Some(e),
            _ => None,
        }
    }
}

wire_struct! {
    /// `messageStart`.
    pub struct MessageStartEvent {
        /// The role of the reply (always `assistant` today).
        role: Role,
    }
}

wire_struct! {
    /// `contentBlockStart`.
    pub struct ContentBlockStartEvent {
        /// What kind of block starts, with its fixed parts.
        start: ContentBlockStart,
        /// The block's index in the message.
        content_block_index: u32,
    }
}

open_union! {
    /// The fixed parts of a block that starts (`ContentBlockStart`).
    pub enum ContentBlockStart {
        /// A tool call: its id and name (the input follows in deltas).
        ToolUse(ToolUseBlockStart) = "toolUse",
        /// A server tool's result: its id (the content follows in deltas).
        ToolResult(ToolResultBlockStart) = "toolResult",
        /// A generated image: its format.
        Image(ImageBlockStart) = "image",
    }
}

wire_struct! {
    /// The start of a tool call (`ToolUseBlockStart`).
    pub struct ToolUseBlockStart {
        /// Names this call.
        tool_use_id: String,
        /// The tool.
        name: String,
    }
    optional {
        /// Set for calls the provider runs.
        r#type: ToolUseType,
    }
}

wire_struct! {
    /// The start of a tool result (`ToolResultBlockStart`).
    pub struct ToolResultBlockStart {
        /// The call it answers.
        tool_use_id: String,
    }
    optional {
        /// The kind of result.
        r#type: String,
        /// Success or error.
        status: ToolResultStatus,
    }
}

wire_struct! {
    /// The start of a generated image (`ImageBlockStart`).
    pub struct ImageBlockStart {
        /// Its format.
        format: ImageFormat,
    }
}

wire_struct! {
    /// `contentBlockDelta`.
    pub struct ContentBlockDeltaEvent {
        /// The piece.
        delta: ContentBlockDelta,
        /// The block's index in the message.
        content_block_index: u32,
    }
}

open_union! {
    /// A piece of a content block (`ContentBlockDelta`).
    pub enum ContentBlockDelta {
        /// More text.
        Text(String) = "text",
        /// More of a tool call's input (a piece of JSON text).
        ToolUse(ToolUseBlockDelta) = "toolUse",
        /// More of a tool result.
        ToolResult(Vec<ToolResultBlockDelta>) = "toolResult",
        /// More reasoning, its signature, or redacted reasoning.
        ReasoningContent(ReasoningContentBlockDelta) = "reasoningContent",
        /// A citation.
        Citation(CitationsDelta) = "citation",
        /// A generated image.
        Image(ImageBlockDelta) = "image",
    }
}

wire_struct! {
    /// A piece of a tool call's input (`ToolUseBlockDelta`).
    pub struct ToolUseBlockDelta {
        /// JSON text; the pieces joined make the input.
        input: String,
    }
}

open_union! {
    /// A piece of a tool result (`ToolResultBlockDelta`).
    pub enum ToolResultBlockDelta {
        /// Text.
        Text(String) = "text",
        /// JSON.
        Json(Document) = "json",
    }
}

open_union! {
    /// A piece of reasoning (`ReasoningContentBlockDelta`).
    pub enum ReasoningContentBlockDelta {
        /// More reasoning text.
        Text(String) = "text",
        /// Encrypted reasoning.
        RedactedContent(Blob) = "redactedContent",
        /// The signature of the reasoning so far.
        Signature(String) = "signature",
    }
}

wire_struct! {
    /// A citation in a stream (`CitationsDelta`).
    pub struct CitationsDelta {}
    optional {
        /// The source's title.
        title: String,
        /// The source.
        source: String,
        /// The cited passages.
        source_content: Vec<CitationSourceContentDelta>,
        /// Where in the source.
        location: CitationLocation,
    }
}

wire_struct! {
    /// A cited passage in a stream (`CitationSourceContentDelta`).
    pub struct CitationSourceContentDelta {}
    optional {
        /// Its text.
        text: String,
    }
}

wire_struct! {
    /// A generated image in a stream (`ImageBlockDelta`).
    pub struct ImageBlockDelta {}
    optional {
        /// Its bytes.
        source: ImageSource,
        /// Why it failed.
        error: ErrorBlock,
    }
}

wire_struct! {
    /// `contentBlockStop`.
    pub struct ContentBlockStopEvent {
        /// The block's index in the message.
        content_block_index: u32,
    }
}

wire_struct! {
    /// `messageStop`.
    pub struct MessageStopEvent {
        /// Why the model stopped.
        stop_reason: StopReason,
    }
    optional {
        /// Model-specific fields asked for with `additionalModelResponseFieldPaths`.
        additional_model_response_fields: Document,
    }
}

wire_struct! {
    /// `metadata` (`ConverseStreamMetadataEvent`).
    pub struct MetadataEvent {
        /// Tokens used.
        usage: TokenUsage,
        /// Timing. Required by the service model and always sent by Bedrock, but read as
        /// zero when absent (as in hand-written fixtures) rather than losing the reply.
        #[serde(default)]
        metrics: ConverseMetrics,
    }
    optional {
        /// Guardrail and prompt-router traces.
        trace: ConverseTrace,
        /// The latency profile used.
        performance_config: PerformanceConfiguration,
        /// The service tier used.
        service_tier: ServiceTier,
    }
}

wire_struct! {
    /// The payload of an in-stream exception (`throttlingException`, ...).
    pub struct ExceptionEvent {}
    optional {
        /// What went wrong.
        message: String,
        /// `modelStreamErrorException`: the status the model returned.
        original_status_code: u16,
        /// `modelStreamErrorException`: the model's own message.
        original_message: String,
    }
}

impl ExceptionEvent {
    /// An exception payload with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            original_status_code: None,
            original_message: None,
            extra: Default::default(),
        }
    }
}
