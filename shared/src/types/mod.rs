//! The Converse and ConverseStream wire model.
//!
//! Field names and union member names are exactly Bedrock's (camelCase JSON). Every
//! structure keeps the fields it does not know in `extra`, and every union keeps members it
//! does not know as `Unknown`, so a newer API's additions survive the relay and the page.

mod message;
mod open_enum;
mod request;
mod response;
mod stream;

pub use crate::union::UnknownMember;
pub use message::{ContentBlock, Message, Role, SystemContentBlock};
pub use request::{ConverseRequest, InferenceConfiguration};
pub use response::{ConverseMetrics, ConverseOutput, ConverseResponse, StopReason, TokenUsage};
pub use stream::{
    ContentBlockDelta, ContentBlockDeltaEvent, ContentBlockStart, ContentBlockStartEvent,
    ContentBlockStopEvent, ExceptionEvent, MessageStartEvent, MessageStopEvent, MetadataEvent, StreamEvent,
};

/// Fields of a structure that this version of the model does not name, kept verbatim.
pub type Extra = serde_json::Map<String, serde_json::Value>;
