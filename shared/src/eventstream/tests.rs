use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};

use super::*;
use crate::accumulate::StreamAccumulator;
use crate::types::*;

/// A frame built directly with `aws-smithy-eventstream`, headers in Bedrock's order, payload
/// with Bedrock's `"p"` padding.
pub(super) fn bedrock_frame(event_type: &str, payload: &str) -> Vec<u8> {
    let message = Message::new(payload.as_bytes().to_vec())
        .add_header(Header::new(":event-type", HeaderValue::String(event_type.to_owned().into())))
        .add_header(Header::new(":content-type", HeaderValue::String("application/json".into())))
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())));
    let mut out = Vec::new();
    write_message_to(&message, &mut out).unwrap();
    out
}

/// A whole reply as Bedrock streams it ("Hello, world!" in three deltas).
pub(super) fn bedrock_stream() -> Vec<u8> {
    [
        bedrock_frame("messageStart", r#"{"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW","role":"assistant"}"#),
        bedrock_frame("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"Hello"},"p":"abcd"}"#),
        bedrock_frame("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":", wor"},"p":"abcdefghij"}"#),
        bedrock_frame("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"ld! é✓"},"p":"ab"}"#),
        bedrock_frame("contentBlockStop", r#"{"contentBlockIndex":0,"p":"abcdefghijklmnop"}"#),
        bedrock_frame("messageStop", r#"{"p":"abcdefgh","stopReason":"end_turn"}"#),
        bedrock_frame(
            "metadata",
            r#"{"metrics":{"latencyMs":415},"p":"abc","usage":{"inputTokens":12,"outputTokens":5,"totalTokens":17}}"#,
        ),
    ]
    .concat()
}

fn decode_in_chunks(bytes: &[u8], chunk: usize) -> Vec<StreamItem> {
    let mut decoder = EventStreamDecoder::new();
    let mut items = Vec::new();
    for piece in bytes.chunks(chunk) {
        decoder.push(piece);
        while let Some(item) = decoder.next_item().unwrap() {
            items.push(item);
        }
    }
    assert!(!decoder.has_partial_frame(), "bytes left over at chunk size {chunk}");
    items
}

fn accumulate(items: &[StreamItem]) -> ConverseResponse {
    let mut acc = StreamAccumulator::new();
    for item in items {
        match item {
            StreamItem::Event(e) => acc.push(e).unwrap(),
            StreamItem::Error(e) => panic!("unexpected error {e}"),
        }
    }
    acc.finish().unwrap()
}

#[test]
fn bedrock_frames_decode_identically_in_every_chunk_size() {
    let bytes = bedrock_stream();
    let whole = decode_in_chunks(&bytes, bytes.len());
    assert_eq!(whole.len(), 7);
    for chunk in 1..=64 {
        assert_eq!(decode_in_chunks(&bytes, chunk), whole, "chunk size {chunk}");
    }
    let reply = accumulate(&whole);
    let ConverseOutput::Message(message) = &reply.output else { panic!("no message") };
    assert_eq!(message.joined_text(), "Hello, world! é✓");
    assert_eq!(reply.stop_reason, StopReason::EndTurn);
    assert_eq!((reply.usage.input_tokens, reply.usage.total_tokens), (12, 17));
    assert_eq!(reply.metrics.latency_ms, 415);
}

#[test]
fn padding_is_dropped_and_never_written_back() {
    let items = decode_in_chunks(&bedrock_stream(), 7);
    for item in &items {
        let StreamItem::Event(event) = item else { panic!() };
        assert!(!event.member_json().unwrap().contains("\"p\""), "{event:?}");
    }
}

#[test]
fn our_encoder_round_trips_in_every_chunk_size() {
    let whole = decode_in_chunks(&bedrock_stream(), 4096);
    let mut bytes = Vec::new();
    for (i, item) in whole.iter().enumerate() {
        bytes.extend_from_slice(&encode_item(item, &"x".repeat(i * 3)).unwrap());
    }
    bytes.extend_from_slice(
        &encode_item(&StreamItem::Error(BedrockError::new(ErrorKind::InternalServer, "boom")), "").unwrap(),
    );
    let throttle = BedrockError::new(ErrorKind::Throttling, "Too many requests, please wait.");
    bytes.extend_from_slice(
        &encode_item(&StreamItem::Event(throttle.to_stream_event().unwrap()), "pad").unwrap(),
    );
    for chunk in 1..=64 {
        let items = decode_in_chunks(&bytes, chunk);
        assert_eq!(&items[..7], &whole[..], "chunk size {chunk}");
        assert_eq!(items[7], StreamItem::Error(BedrockError::new(ErrorKind::InternalServer, "boom")));
        assert_eq!(items[8].error(), Some(throttle.clone()));
    }
}

#[test]
fn exception_frames_carry_bedrocks_headers() {
    let frame = encode_item(
        &StreamItem::Event(BedrockError::new(ErrorKind::Throttling, "slow").to_stream_event().unwrap()),
        "",
    )
    .unwrap();
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&frame);
    let message = decoder.next_frame().unwrap().unwrap();
    assert_eq!(header(&message, ":message-type"), Some("exception"));
    assert_eq!(header(&message, ":exception-type"), Some("throttlingException"));
    assert_eq!(message.payload().as_ref(), br#"{"message":"slow"}"#);
}

#[test]
fn unknown_event_types_and_members_survive() {
    let bytes = [
        bedrock_frame("futureEvent", r#"{"answer":42}"#),
        bedrock_frame(
            "contentBlockDelta",
            r#"{"contentBlockIndex":1,"delta":{"hologram":{"x":1}},"newField":true,"p":"ab"}"#,
        ),
    ]
    .concat();
    let items = decode_in_chunks(&bytes, 3);
    let StreamItem::Event(StreamEvent::Unknown(u)) = &items[0] else { panic!("{items:?}") };
    assert_eq!((u.name.as_str(), u.value["answer"].as_i64()), ("futureEvent", Some(42)));
    let StreamItem::Event(delta) = &items[1] else { panic!() };
    assert_eq!(
        delta.member_json().unwrap(),
        r#"{"delta":{"hologram":{"x":1}},"contentBlockIndex":1,"newField":true}"#
    );
}

#[test]
fn invalid_crc_is_a_frame_error() {
    let mut bytes = bedrock_frame("messageStart", r#"{"role":"assistant"}"#);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&bytes);
    assert!(matches!(decoder.next_item(), Err(Error::Frame(_))));
}

#[test]
fn invalid_prelude_length_is_a_frame_error() {
    let mut bytes = bedrock_frame("messageStart", r#"{"role":"assistant"}"#);
    bytes[3] = 2; // total length smaller than the prelude itself
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&bytes);
    assert!(matches!(decoder.next_item(), Err(Error::Frame(_))));
}

#[test]
fn invalid_missing_message_type_is_reported() {
    let message = Message::new(b"{}".to_vec())
        .add_header(Header::new(":event-type", HeaderValue::String("messageStart".into())));
    let mut bytes = Vec::new();
    write_message_to(&message, &mut bytes).unwrap();
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&bytes);
    assert!(matches!(decoder.next_item(), Err(Error::MissingHeader(":message-type"))));
}

#[test]
fn invalid_json_payload_names_the_event() {
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&bedrock_frame("contentBlockDelta", r#"{"contentBlockIndex":"zero""#));
    let err = decoder.next_item().unwrap_err();
    assert_eq!(err.to_string(), "invalid JSON in contentBlockDelta");
}

#[test]
fn truncated_stream_leaves_a_partial_frame() {
    let bytes = bedrock_stream();
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&bytes[..bytes.len() - 5]);
    let mut n = 0;
    while decoder.next_item().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 6);
    assert!(decoder.has_partial_frame());
}

#[test]
fn summary_frames_are_stop_metadata_and_failures() {
    let mut decoder = EventStreamDecoder::new();
    decoder.push(&bedrock_stream());
    let mut summary = Vec::new();
    while let Some(frame) = decoder.next_frame().unwrap() {
        if is_summary_frame(&frame) {
            summary.push(header(&frame, ":event-type").unwrap().to_owned());
        }
    }
    assert_eq!(summary, ["messageStop", "metadata"]);
    let throttle = BedrockError::new(ErrorKind::Throttling, "slow");
    decoder.push(&encode_item(&StreamItem::Event(throttle.to_stream_event().unwrap()), "").unwrap());
    assert!(is_summary_frame(&decoder.next_frame().unwrap().unwrap()));
}

#[test]
fn whole_frames_are_counted_by_their_lengths_and_a_frame_still_arriving_is_not() {
    let first = bedrock_frame("messageStart", r#"{"role":"assistant"}"#);
    let second = bedrock_frame("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#);
    let both = [first.clone(), second.clone()].concat();
    assert_eq!(whole_frames_len(&both), both.len());
    for cut in [1, 3, 4, 12, second.len() - 1] {
        assert_eq!(whole_frames_len(&both[..first.len() + cut]), first.len(), "cut {cut} into the second");
    }
    assert_eq!(whole_frames_len(&both[..first.len() - 1]), 0);
    assert_eq!(whole_frames_len(&[]), 0);
    // A length no frame can have is left to the decoder to report.
    assert_eq!(whole_frames_len(&[0, 0, 0, 5, 1, 2, 3, 4, 5]), 0);
}

#[test]
fn an_exception_or_error_as_the_first_whole_frame_is_the_opening_error() {
    let throttle =
        BedrockError::new(ErrorKind::Throttling, "Too many requests, please wait before trying again.");
    let exception = encode_item(&StreamItem::Event(throttle.to_stream_event().unwrap()), "").unwrap();
    let start = bedrock_frame("messageStart", r#"{"role":"assistant"}"#);
    assert_eq!(opening_error(&[exception.to_vec(), start.clone()].concat()), Some(throttle));
    let error = BedrockError::new(ErrorKind::ServiceUnavailable, "busy");
    assert_eq!(opening_error(&encode_item(&StreamItem::Error(error.clone()), "").unwrap()), Some(error));
    // An event first, half a frame, or no frame at all: nothing to retry on.
    assert_eq!(opening_error(&[start, exception.to_vec()].concat()), None);
    assert_eq!(opening_error(&exception[..exception.len() - 1]), None);
    assert_eq!(opening_error(b"not a frame at all"), None);
}
