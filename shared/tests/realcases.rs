//! The wire model and codecs against traffic nobody here wrote: the AWS SDKs' own
//! event-stream test vectors, and real Bedrock responses and streams recorded by other
//! projects' test suites (`tests/fixtures/realcases`, provenance and licences in its INDEX.md).

use std::error::Error as _;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use converse_shared::accumulate::StreamAccumulator;
use converse_shared::eventstream::{EventStreamDecoder, StreamItem};
use converse_shared::types::{ContentBlockDelta, ConverseResponse, StreamEvent};
use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/realcases")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

fn cases() -> Vec<Value> {
    read_json(&root().join("index.json"))["cases"].as_array().unwrap().clone()
}

/// A header value as the vectors' JSON writes it (bytes, UUIDs as base64; timestamps in ms).
fn header_json(value: &aws_smithy_types::event_stream::HeaderValue) -> Value {
    use aws_smithy_types::event_stream::HeaderValue as H;
    match value {
        H::Bool(b) => json!(b),
        H::Byte(n) => json!(n),
        H::Int16(n) => json!(n),
        H::Int32(n) => json!(n),
        H::Int64(n) => json!(n),
        H::ByteArray(b) => json!(STANDARD.encode(b)),
        H::String(s) => json!(s.as_str()),
        H::Timestamp(t) => json!(t.to_millis().unwrap()),
        H::Uuid(u) => json!(STANDARD.encode(u.to_be_bytes())),
        other => panic!("a header type the vectors do not have: {other:?}"),
    }
}

/// The decoded frame, or the decoder's error, for a whole encoded message.
fn decode(bytes: &[u8]) -> Result<Option<aws_smithy_types::event_stream::Message>, String> {
    let mut decoder = EventStreamDecoder::new();
    decoder.push(bytes);
    decoder.next_frame().map_err(|e| e.to_string())
}

/// The headers and payload `expected` describes, in [`header_json`]'s terms.
fn expected_frame(vector: &str, expected: &Value) -> (Vec<(String, Value)>, Vec<u8>) {
    if vector.starts_with("botocore/") {
        let headers = expected["headers"].as_object().unwrap().iter().map(|(name, value)| {
            let value = match value.get("base64") {
                Some(b64) => b64.clone(),
                None => value.clone(),
            };
            (name.clone(), value)
        });
        (headers.collect(), STANDARD.decode(expected["payload_base64"].as_str().unwrap()).unwrap())
    } else {
        // aws-sdk-go and smithy-typescript: typed headers, strings base64-encoded.
        let headers = expected["headers"].as_array().unwrap().iter().map(|h| {
            let value = match h["type"].as_u64().unwrap() {
                7 => {
                    json!(String::from_utf8(STANDARD.decode(h["value"].as_str().unwrap()).unwrap()).unwrap())
                }
                _ => h["value"].clone(),
            };
            (h["name"].as_str().unwrap().to_owned(), value)
        });
        (headers.collect(), STANDARD.decode(expected["payload"].as_str().unwrap()).unwrap())
    }
}

/// Every positive vector decodes to the headers and payload its SDK expects, and every
/// negative one is refused with an error (a checksum, a length, a duplicate header), never
/// decoded into something else.
#[test]
fn the_sdks_event_stream_vectors_decode_as_the_sdks_say() {
    let frames = root().join("frames");
    let index = read_json(&frames.join("frames.json"));
    let mut checked = 0;
    for (sdk, set) in index.as_object().unwrap() {
        for v in set["vectors"].as_array().unwrap() {
            let bin = v["bin"].as_str().unwrap();
            let bytes = std::fs::read(frames.join(bin)).unwrap();
            let name = format!("{sdk}/{}", v["vector"].as_str().unwrap());
            let decoded = decode(&bytes);
            if v["polarity"] == "positive" {
                let expected = read_json(&frames.join(v["expected"].as_str().unwrap()));
                let message = decoded.unwrap_or_else(|e| panic!("{name}: {e}")).expect(&name);
                let (headers, payload) = expected_frame(bin, &expected);
                let got: Vec<(String, Value)> = message
                    .headers()
                    .iter()
                    .map(|h| (h.name().as_str().to_owned(), header_json(h.value())))
                    .collect();
                assert_eq!(got, headers, "{name}: headers");
                assert_eq!(message.payload().as_ref(), payload.as_slice(), "{name}: payload");
            } else {
                assert!(
                    !matches!(decoded, Ok(Some(_))),
                    "{name}: decoded a frame the SDKs refuse ({})",
                    v["realcases_py"]
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} vectors");
}

/// Some of vercel/ai's fixtures were written by hand for its unit tests, with shapes Bedrock
/// does not send (a content block with both `type` and `text`; a `contentBlockStart` whose
/// `start` union has no member). The wire model, as strict as the service model and the AWS
/// SDK for Rust about unions, refuses them with a typed error naming the union; every `pyd`
/// recording (real traffic) must be read.
fn refused_as_hand_written(case: &Value, error: &str) {
    let id = case["id"].as_str().unwrap();
    assert!(id.starts_with("ai-"), "{id}: {error}");
    assert!(error.contains("must have exactly one member set"), "{id}: {error}");
}

/// Every recorded Converse response is read by the wire model and written back with the same
/// members and values (members it does not know yet included).
#[test]
fn recorded_converse_responses_round_trip() {
    let mut checked = 0;
    for case in cases() {
        let Some(file) = case["files"]["response"].as_str().filter(|f| f.ends_with(".response.json")) else {
            continue;
        };
        if case["category"] != "accepted" {
            continue;
        }
        let recorded = read_json(&root().join(file));
        let response: ConverseResponse = match serde_json::from_value(recorded.clone()) {
            Ok(response) => response,
            Err(e) => {
                refused_as_hand_written(&case, &e.to_string());
                continue;
            }
        };
        let mut written = serde_json::to_value(&response).unwrap();
        if recorded.get("metrics").is_none() {
            // Most of vercel/ai's fixtures were written for its unit tests without `metrics`,
            // which the service model requires and Bedrock always sends (every `pyd`
            // recording has it): read as zero, the reply is not lost for it.
            assert!(case["id"].as_str().unwrap().starts_with("ai-"), "{}", case["id"]);
            assert_eq!(written["metrics"], json!({"latencyMs": 0}));
            written.as_object_mut().unwrap().remove("metrics");
        }
        assert_eq!(written, recorded, "{}", case["id"]);
        if let Some(stop) = case["stopReason"].as_str() {
            assert_eq!(response.stop_reason.to_string(), stop, "{}", case["id"]);
        }
        checked += 1;
    }
    assert!(checked >= 190, "only {checked} responses");
}

/// The events of a recorded stream, from its exact bytes (`.bin`, fed in 7-byte pieces so
/// frames are split everywhere) or its decoded lines (`.chunks.txt`).
fn recorded_events(file: &str) -> Result<Vec<StreamEvent>, String> {
    let bytes = std::fs::read(root().join(file)).unwrap();
    if file.ends_with(".bin") {
        let mut decoder = EventStreamDecoder::new();
        let mut events = Vec::new();
        for piece in bytes.chunks(7) {
            decoder.push(piece);
            while let Some(item) = decoder.next_item().unwrap_or_else(|e| panic!("{file}: {e}")) {
                match item {
                    StreamItem::Event(event) => events.push(event),
                    StreamItem::Error(e) => panic!("{file}: {e:?}"),
                }
            }
        }
        assert!(!decoder.has_partial_frame(), "{file}: trailing bytes");
        Ok(events)
    } else {
        Ok(String::from_utf8(bytes)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let value: Value = serde_json::from_slice(line.as_bytes()).unwrap();
                let (member, payload) = value.as_object().unwrap().iter().next().unwrap();
                StreamEvent::from_member_json(member, &serde_json::to_vec(payload).unwrap())
                    .map_err(|e| e.source().map_or(e.to_string(), ToString::to_string))
            })
            .collect::<Result<_, _>>()?)
    }
}

/// Every recorded ConverseStream decodes into the events the recorder saw, in order, and the
/// accumulator the page uses makes of them a message that stops for the recorded reason, each
/// text block being its deltas joined.
#[test]
fn recorded_streams_decode_and_accumulate() {
    let mut checked = 0;
    for case in cases().iter().filter(|c| c["operation"] == "ConverseStream" && c["category"] == "accepted") {
        let file = case["files"]["response"].as_str().unwrap();
        let events = match recorded_events(file) {
            Ok(events) => events,
            Err(e) => {
                refused_as_hand_written(case, &e);
                continue;
            }
        };
        let names: Vec<&str> = events.iter().map(StreamEvent::member_name).collect();
        let recorded: Vec<&str> =
            case["event_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        assert_eq!(names, recorded, "{file}");
        let mut accumulator = StreamAccumulator::new();
        for event in &events {
            accumulator.push(event).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        if let Some(stop) = case["stopReason"].as_str() {
            assert_eq!(accumulator.stop_reason().map(ToString::to_string).as_deref(), Some(stop), "{file}");
        }
        let mut deltas: Vec<(u32, String)> = Vec::new();
        for event in &events {
            if let StreamEvent::ContentBlockDelta(d) = event
                && let ContentBlockDelta::Text(t) = &d.delta
            {
                match deltas.iter_mut().find(|(i, _)| *i == d.content_block_index) {
                    Some((_, text)) => text.push_str(t),
                    None => deltas.push((d.content_block_index, t.clone())),
                }
            }
        }
        let texts: Vec<String> =
            accumulator.message().content.iter().filter_map(|b| b.as_text().map(str::to_owned)).collect();
        assert_eq!(texts, deltas.into_iter().map(|(_, t)| t).collect::<Vec<_>>(), "{file}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} streams");
}

/// Every frame of every recorded real stream (`.bin`: Bedrock's bytes, padding and all),
/// written as SSE the way the relay writes deltas (from the frame's bytes, padding cut, no
/// JSON parsed), reads back as the very item the frame decodes to.
#[test]
fn recorded_frames_written_as_sse_from_their_bytes_read_back_the_same() {
    let mut frames = 0;
    for case in cases().iter().filter(|c| c["operation"] == "ConverseStream" && c["category"] == "accepted") {
        let file = case["files"]["response"].as_str().unwrap();
        if !file.ends_with(".bin") {
            continue;
        }
        let mut decoder = EventStreamDecoder::new();
        decoder.push(&std::fs::read(root().join(file)).unwrap());
        while let Some(frame) = decoder.next_frame().unwrap() {
            let expected = converse_shared::eventstream::item_from_message(&frame).unwrap();
            let text = converse_shared::sse::encode_frame(&frame).unwrap();
            assert!(!text.contains("\"p\":"), "{file}: padding left in {text}");
            let mut sse = converse_shared::sse::SseDecoder::new();
            sse.push(text.as_bytes());
            assert_eq!(sse.next_item().unwrap(), Some(expected), "{file}");
            frames += 1;
        }
    }
    assert!(frames >= 100, "only {frames} frames");
}

/// Nova 2 Lite with its code interpreter (a system tool): Bedrock ran the tool inside the
/// reply (pyd-96), and took that reply back in the next request (pyd-97).
#[test]
fn a_system_tools_call_is_answered_in_the_reply_and_only_the_applications_tools_run() {
    use converse_shared::tools::{Next, ToolLoop, answered};
    let reply: ConverseResponse =
        serde_json::from_value(read_json(&root().join("accepted/pyd-96.response.json"))).unwrap();
    let message = reply.output.message().unwrap();
    match ToolLoop::new(5).next(message, &reply.stop_reason) {
        Next::RunTools(calls) => {
            assert_eq!(calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["final_result"]);
        }
        other => panic!("{other:?}"),
    }
    let shown = answered(message, None);
    assert_eq!(shown[0].call.name, "nova_code_interpreter");
    assert!(shown[0].result.as_ref().unwrap().as_ref().unwrap().contains("7006652"));
    assert_eq!(shown[1].result, None, "final_result is the application's to run");

    let next: converse_shared::ConverseRequest =
        serde_json::from_value(read_json(&root().join("accepted/pyd-97.request.json"))).unwrap();
    converse_shared::validate::validate(&next).unwrap();
}
