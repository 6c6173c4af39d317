//! Bedrock's binary event stream (`application/vnd.amazon.eventstream`), sans-IO.
//!
//! Frame parsing and CRCs are `aws-smithy-eventstream`'s, the same code the AWS SDK for
//! Rust uses. This module maps frames to typed [`StreamItem`]s and back:
//!
//! | `:message-type` | other headers                       | becomes                     |
//! |-----------------|-------------------------------------|-----------------------------|
//! | `event`         | `:event-type: contentBlockDelta`    | [`StreamEvent`] member      |
//! | `exception`     | `:exception-type: throttlingException` | [`StreamEvent`] exception member |
//! | `error`         | `:error-code`, `:error-message`     | [`StreamItem::Error`]       |

use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder, write_message_to};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::{Bytes, BytesMut};

use crate::error::{BedrockError, Error, ErrorKind};
use crate::types::StreamEvent;

mod inplace;
mod skim;
pub use inplace::FrameReader;
pub use skim::{Skimmer, needs_reading};

/// The content type of Bedrock's event stream.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// One item of a ConverseStream: an event (exceptions included), or a protocol-level error.
#[derive(Debug, Clone, PartialEq)]
// Events are the common case (one per token); boxing them would allocate once more per token.
#[allow(clippy::large_enum_variant)]
pub enum StreamItem {
    /// A member of `ConverseStreamOutput`.
    Event(StreamEvent),
    /// A `:message-type: error` frame (or a relay failure), with Bedrock's error name.
    Error(BedrockError),
}

impl StreamItem {
    /// The error this item reports, if it is an exception or an error.
    pub fn error(&self) -> Option<BedrockError> {
        match self {
            Self::Event(e) => BedrockError::from_stream_event(e),
            Self::Error(e) => Some(e.clone()),
        }
    }
}

/// Turns event-stream bytes, fed in chunks of any size, into [`StreamItem`]s.
///
/// ```
/// # use converse_shared::eventstream::EventStreamDecoder;
/// let mut decoder = EventStreamDecoder::new();
/// decoder.push(&[]);
/// assert!(decoder.next_item().unwrap().is_none());
/// ```
#[derive(Debug, Default)]
pub struct EventStreamDecoder {
    buffer: BytesMut,
    frames: MessageFrameDecoder,
}

impl EventStreamDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes received from the transport.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buffer.extend_from_slice(chunk);
    }

    /// The next complete frame, or `None` until more bytes arrive.
    ///
    /// A frame that names a header twice is refused (`Error::DuplicateHeader`), as botocore
    /// refuses it: which `:event-type` it has would be anyone's guess.
    pub fn next_frame(&mut self) -> Result<Option<Message>, Error> {
        match self.frames.decode_frame(&mut self.buffer)? {
            DecodedFrame::Complete(message) => {
                let headers = message.headers();
                let repeated = headers
                    .iter()
                    .enumerate()
                    .find(|(i, h)| headers[..*i].iter().any(|e| e.name() == h.name()));
                if let Some((_, h)) = repeated {
                    return Err(Error::DuplicateHeader(h.name().as_str().to_owned()));
                }
                Ok(Some(message))
            }
            DecodedFrame::Incomplete => Ok(None),
        }
    }

    /// The next complete item, or `None` until more bytes arrive.
    pub fn next_item(&mut self) -> Result<Option<StreamItem>, Error> {
        self.next_frame()?.map(|m| item_from_message(&m)).transpose()
    }

    /// Whether bytes of an unfinished frame are waiting (at end of input, a truncated stream).
    pub fn has_partial_frame(&self) -> bool {
        !self.buffer.is_empty()
    }
}

fn header<'a>(message: &'a Message, name: &'static str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| h.value().as_string().ok())
        .map(|s| s.as_str())
}

/// The member an event frame carries (`:event-type`); `None` for exception and error frames.
pub fn event_type(message: &Message) -> Option<&str> {
    (header(message, ":message-type")? == "event").then(|| header(message, ":event-type")).flatten()
}

/// Whether a frame carries what a log or a rate limiter needs (the stop reason, usage, an
/// exception or error) rather than content. A relay that passes frames on unchanged reads
/// only these, so the deltas cost it no JSON parsing.
pub fn is_summary_frame(message: &Message) -> bool {
    match header(message, ":message-type") {
        Some("event") => matches!(header(message, ":event-type"), Some("messageStop" | "metadata")),
        _ => true,
    }
}

/// Maps one decoded frame to a [`StreamItem`].
pub fn item_from_message(message: &Message) -> Result<StreamItem, Error> {
    item_from_parts(|name| header(message, name), message.payload())
}

/// Maps a frame's string headers (by name) and payload to a [`StreamItem`].
fn item_from_parts<'a>(
    header: impl Fn(&'static str) -> Option<&'a str>,
    payload: &[u8],
) -> Result<StreamItem, Error> {
    let message_type = header(":message-type").ok_or(Error::MissingHeader(":message-type"))?;
    let member = match message_type {
        "event" => header(":event-type").ok_or(Error::MissingHeader(":event-type"))?,
        "exception" => header(":exception-type").ok_or(Error::MissingHeader(":exception-type"))?,
        "error" => {
            let code = header(":error-code").unwrap_or("InternalServerException");
            let text = header(":error-message").unwrap_or_default();
            return Ok(StreamItem::Error(BedrockError::new(ErrorKind::from_name(code), text)));
        }
        other => return Err(Error::UnknownMessageType(other.to_owned())),
    };
    let payload = if payload.is_empty() { b"{}".as_slice() } else { payload };
    StreamEvent::from_member_json(member, payload)
        .map(StreamItem::Event)
        .map_err(|source| Error::Json { what: member.to_owned(), source })
}

/// Encodes a [`StreamItem`] as one frame exactly as Bedrock sends it, with `padding` as the
/// payload's `"p"` field (Bedrock pads events to hide token sizes; pass `""` for none).
pub fn encode_item(item: &StreamItem, padding: &str) -> Result<Bytes, Error> {
    let message = match item {
        StreamItem::Event(event) => {
            let json = event
                .member_json()
                .map_err(|source| Error::Json { what: event.member_name().to_owned(), source })?;
            let payload = with_padding(json, padding);
            let (kind_header, message_type) = if event.exception().is_some() {
                (":exception-type", "exception")
            } else {
                (":event-type", "event")
            };
            Message::new(payload)
                .add_header(string_header(kind_header, event.member_name()))
                .add_header(string_header(":content-type", "application/json"))
                .add_header(string_header(":message-type", message_type))
        }
        StreamItem::Error(e) => Message::new(Bytes::new())
            .add_header(string_header(":error-code", e.kind.name()))
            .add_header(string_header(":error-message", &e.message))
            .add_header(string_header(":message-type", "error")),
    };
    let mut out = Vec::new();
    write_message_to(&message, &mut out)?;
    Ok(out.into())
}

/// How many of the first bytes of `bytes` are whole frames, by each frame's length (its first
/// four bytes): what a relay can pass on without ever sending half a frame. The rest is a
/// frame still arriving (or no frame at all, which the decoder reports).
pub fn whole_frames_len(bytes: &[u8]) -> usize {
    const SMALLEST_FRAME: usize = 16; // prelude (12) and message CRC (4)
    let mut at = 0;
    while let Some(prelude) = bytes.get(at..at + 4) {
        let length = u32::from_be_bytes([prelude[0], prelude[1], prelude[2], prelude[3]]) as usize;
        if length < SMALLEST_FRAME || bytes.len() - at < length {
            break;
        }
        at += length;
    }
    at
}

/// The error the first frame of `bytes` reports, when that frame is whole and is an exception
/// or an error frame: how Bedrock refuses a stream that has not begun (a throttled
/// ConverseStream is a `200` whose first frame is `throttlingException`). `None` for an
/// event, an incomplete frame, or bytes that are not a frame.
pub fn opening_error(bytes: &[u8]) -> Option<BedrockError> {
    if whole_frames_len(bytes) == 0 {
        return None;
    }
    let mut decoder = EventStreamDecoder::new();
    decoder.push(bytes);
    decoder.next_item().ok().flatten()?.error()
}

fn string_header(name: &'static str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.to_owned().into()))
}

fn with_padding(mut json: String, padding: &str) -> String {
    if padding.is_empty() || !json.ends_with('}') {
        return json;
    }
    json.pop();
    if json.len() > 1 {
        json.push(',');
    }
    json.push_str("\"p\":");
    json.push_str(&serde_json::Value::from(padding).to_string());
    json.push('}');
    json
}

#[cfg(test)]
mod tests;
