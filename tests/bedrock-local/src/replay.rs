//! `[stand-in:replay ID]`: answers with a reply real Bedrock sent, recorded by another
//! project's test suite (`tests/fixtures/realcases/accepted/ID.response.*`), byte for byte,
//! so the relay and the page can be driven by real Bedrock output.
//!
//! A recorded stream is sent in pieces of 1, 2, 3, ... 17 bytes, over and over, so its frames
//! arrive split at every position a network could split them.

use std::convert::Infallible;
use std::path::Path;
use std::time::Duration;

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use converse_shared::eventstream;
use converse_shared::{BedrockError, ContentBlock, ConverseRequest, ErrorKind, Role};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// The recorded case the last user message asks for, if any.
pub(crate) fn asked(request: &ConverseRequest) -> Option<String> {
    let last = request.messages.last().filter(|m| m.role == Role::User)?;
    let text = last.content.iter().rev().find_map(ContentBlock::as_text)?;
    let id = text.split("[stand-in:replay ").nth(1)?.split(']').next()?;
    // Ids are `pyd-12`, `ai-3`: nothing that could leave the fixtures directory.
    id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-').then(|| id.to_owned())
}

/// The recorded reply of `case`: its JSON for Converse, its exact event-stream bytes (or, for
/// a recording of decoded events, those events framed as Bedrock frames them) for
/// ConverseStream.
pub(crate) async fn answer(
    dir: &Path,
    case: String,
    streaming: bool,
    pause: Duration,
) -> Result<Response, BedrockError> {
    let accepted = dir.join("accepted");
    let missing = |what: &str| {
        BedrockError::new(
            ErrorKind::ResourceNotFound,
            format!("No recorded {what} reply {case} in {}.", accepted.display()),
        )
    };
    if !streaming {
        let json =
            std::fs::read(accepted.join(format!("{case}.response.json"))).map_err(|_| missing("Converse"))?;
        return Ok(([("content-type", "application/json")], json).into_response());
    }
    let bytes = match std::fs::read(accepted.join(format!("{case}.response.bin"))) {
        Ok(bytes) => bytes,
        Err(_) => framed(
            &std::fs::read(accepted.join(format!("{case}.response.chunks.txt")))
                .map_err(|_| missing("ConverseStream"))?,
        )?,
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(4);
    tokio::spawn(async move {
        let bytes = Bytes::from(bytes);
        let (mut at, mut size, mut since_pause) = (0, 1, 0);
        while at < bytes.len() {
            let end = (at + size).min(bytes.len());
            if tx.send(Ok(bytes.slice(at..end))).await.is_err() {
                return;
            }
            since_pause += end - at;
            (at, size) = (end, size % 17 + 1);
            // A pause per kilobyte or so: the stream arrives over time, as Bedrock's does.
            if since_pause >= 1024 && !pause.is_zero() {
                tokio::time::sleep(pause).await;
                since_pause = 0;
            }
        }
    });
    let mut response = Body::from_stream(ReceiverStream::new(rx)).into_response();
    response
        .headers_mut()
        .insert("content-type", axum::http::HeaderValue::from_static(eventstream::CONTENT_TYPE));
    Ok(response)
}

/// Decoded events, one `{member: payload}` per line, as event-stream frames.
fn framed(lines: &[u8]) -> Result<Vec<u8>, BedrockError> {
    let bad = |e: String| {
        BedrockError::new(ErrorKind::InternalServer, format!("A recorded stream is unreadable: {e}"))
    };
    let mut out = Vec::new();
    for line in lines.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)) {
        let value: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(line).map_err(|e| bad(e.to_string()))?;
        let (member, payload) = value.iter().next().ok_or_else(|| bad("an empty line".into()))?;
        let message = Message::new(serde_json::to_vec(payload).map_err(|e| bad(e.to_string()))?)
            .add_header(Header::new(":event-type", HeaderValue::String(member.clone().into())))
            .add_header(Header::new(":content-type", HeaderValue::String("application/json".into())))
            .add_header(Header::new(":message-type", HeaderValue::String("event".into())));
        write_message_to(&message, &mut out).map_err(|e| bad(e.to_string()))?;
    }
    Ok(out)
}
