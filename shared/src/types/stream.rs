//! The ConverseStream events (`ConverseStreamOutput` and its members).
//!
//! On the wire each event's payload carries a padding field `"p"` of varying length that
//! hides token sizes. It is dropped when an event is read and never written back.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{ConverseMetrics, Extra, Role, StopReason, TokenUsage};

/// Reads a flattened `extra` map, dropping Bedrock's padding field `"p"`.
fn without_padding<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Extra, D::Error> {
    let mut extra = Extra::deserialize(deserializer)?;
    extra.remove("p");
    Ok(extra)
}

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

/// `messageStart`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStartEvent {
    /// The role of the reply (always `assistant` today).
    pub role: Role,
    /// Fields this version does not know.
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}

/// `contentBlockStart`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStartEvent {
    /// What kind of block starts, with its fixed parts.
    pub start: ContentBlockStart,
    /// The block's index in the message.
    pub content_block_index: u32,
    /// Fields this version does not know.
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}

open_union! {
    /// The fixed parts of a block that starts (`ContentBlockStart`).
    pub enum ContentBlockStart {}
}

/// `contentBlockDelta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockDeltaEvent {
    /// The piece.
    pub delta: ContentBlockDelta,
    /// The block's index in the message.
    pub content_block_index: u32,
    /// Fields this version does not know.
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}

open_union! {
    /// A piece of a content block (`ContentBlockDelta`).
    pub enum ContentBlockDelta {
        /// More text.
        Text(String) = "text",
    }
}

/// `contentBlockStop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBlockStopEvent {
    /// The block's index in the message.
    pub content_block_index: u32,
    /// Fields this version does not know.
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}

/// `messageStop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStopEvent {
    /// Why the model stopped.
    pub stop_reason: StopReason,
    /// Model-specific fields asked for with `additionalModelResponseFieldPaths`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}

/// `metadata` (`ConverseStreamMetadataEvent`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataEvent {
    /// Tokens used.
    pub usage: TokenUsage,
    /// Timing.
    pub metrics: ConverseMetrics,
    /// Fields this version does not know.
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}

/// The payload of an in-stream exception (`throttlingException`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionEvent {
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fields this version does not know (e.g. `originalStatusCode`).
    #[serde(flatten, deserialize_with = "without_padding")]
    pub extra: Extra,
}
