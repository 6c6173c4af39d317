//! Server-Sent Events: how the relay hands a ConverseStream to a browser.
//!
//! Each [`StreamItem`] is one SSE event named after its Bedrock member, with that member's
//! JSON as data — the same JSON Bedrock put in the frame, less the padding:
//!
//! ```text
//! event: contentBlockDelta
//! data: {"delta":{"text":"Hello"},"contentBlockIndex":0}
//!
//! ```
//!
//! A protocol-level error is `event: error` with `{"__type": "<ErrorName>", "message": ...}`.

use serde::{Deserialize, Serialize};

use aws_smithy_types::event_stream::Message;

use crate::error::{BedrockError, Error, ErrorKind};
use crate::eventstream::{self, StreamItem};
use crate::types::StreamEvent;

/// The content type of an SSE stream.
pub const CONTENT_TYPE: &str = "text/event-stream";

/// The event name used for protocol-level errors.
pub const ERROR_EVENT: &str = "error";

#[derive(Serialize, Deserialize)]
struct ErrorData {
    #[serde(rename = "__type")]
    type_name: String,
    message: String,
}

/// Encodes one item as an SSE event (ending in the blank line that dispatches it).
pub fn encode(item: &StreamItem) -> Result<String, Error> {
    let (name, data) = match item {
        StreamItem::Event(event) => (
            event.member_name(),
            event
                .member_json()
                .map_err(|source| Error::Json { what: event.member_name().to_owned(), source })?,
        ),
        StreamItem::Error(e) => (
            ERROR_EVENT,
            serde_json::to_string(&ErrorData {
                type_name: e.kind.name().to_owned(),
                message: e.message.clone(),
            })
            .expect("two strings always serialise"),
        ),
    };
    let mut out = String::with_capacity(name.len() + data.len() + 16);
    out.push_str("event: ");
    out.push_str(name);
    out.push('\n');
    // Compact JSON has no raw newlines, but a member we do not know could be any text.
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Ok(out)
}

/// Encodes one event-stream frame as an SSE event. An event frame whose payload is one line
/// of JSON (every delta Bedrock sends) is written from its bytes, less its `"p"` padding, with
/// no JSON parsed or written: a relay's work per streamed token stays a copy. Anything else is
/// decoded and encoded as [`encode`] does.
pub fn encode_frame(frame: &Message) -> Result<String, Error> {
    let payload = std::str::from_utf8(frame.payload()).ok();
    let raw = eventstream::event_type(frame)
        .zip(payload)
        .filter(|(_, json)| json.starts_with('{') && json.ends_with('}') && !json.contains(['\n', '\r']));
    let Some((name, json)) = raw else { return encode(&eventstream::item_from_message(frame)?) };
    let json = without_padding(json);
    let mut out = String::with_capacity(name.len() + json.len() + 16);
    for part in ["event: ", name, "\ndata: ", &json, "\n\n"] {
        out.push_str(part);
    }
    Ok(out)
}

/// `json` (an object) without the `"p":"<letters and digits>"` member Bedrock pads events
/// with. Bedrock writes members in alphabetical order, so the padding may come first
/// (`messageStart`), between others (`contentBlockStart`) or last (deltas): it is found as a
/// member of the outermost object (the scan follows strings and nesting), whatever its place.
fn without_padding(json: &str) -> std::borrow::Cow<'_, str> {
    let bytes = json.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let member = depth == 1 && i > 0 && matches!(bytes[i - 1], b'{' | b',');
                if member && let Some(cut) = padding_at(json, i) {
                    return cut.into();
                }
                in_string = true;
            }
            _ => {}
        }
    }
    json.into()
}

/// `json` without the padding member that starts at `at` (its key's opening quote), if the
/// member there is `"p":"<letters and digits>"`.
fn padding_at(json: &str, at: usize) -> Option<String> {
    let value = json[at..].strip_prefix("\"p\":\"")?;
    let (padding, _) = value.split_once('"')?;
    if !padding.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let after = at + 5 + padding.len() + 1;
    match json.as_bytes().get(after)? {
        b',' => Some(format!("{}{}", &json[..at], &json[after + 1..])),
        b'}' => Some(format!("{}{}", json[..at].strip_suffix(',').unwrap_or(&json[..at]), &json[after..])),
        _ => None,
    }
}

/// Turns SSE bytes, fed in chunks of any size, into [`StreamItem`]s.
///
/// Follows the WHATWG parsing rules that matter here: lines end in `\n`, `\r\n` or `\r`;
/// `data` lines join with `\n`; comments (`:`) and unknown fields are ignored; an event
/// without a name is a `message`, which is not part of a ConverseStream and is skipped.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    /// Index in `buffer` where the next unread line starts.
    start: usize,
    event: String,
    data: String,
    has_data: bool,
    /// The last line ended in a `\r` at the end of the buffer: skip a `\n` that follows.
    skip_lf: bool,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes received from the transport.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(chunk);
    }

    /// The next complete item, or `None` until more bytes arrive.
    pub fn next_item(&mut self) -> Result<Option<StreamItem>, Error> {
        while let Some((line_end, next)) = self.next_line_end() {
            let line = std::str::from_utf8(&self.buffer[self.start..line_end])
                .map_err(|_| Error::Sse("a line is not UTF-8".into()))?
                .to_owned();
            self.start = next;
            if line.is_empty() {
                if let Some(item) = self.dispatch()? {
                    return Ok(Some(item));
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line.as_str(), ""),
            };
            match field {
                "event" => self.event = value.to_owned(),
                "data" => {
                    if self.has_data {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                    self.has_data = true;
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// Where the current line ends and the next begins, if a whole line is buffered.
    fn next_line_end(&mut self) -> Option<(usize, usize)> {
        if self.skip_lf && self.start < self.buffer.len() {
            self.skip_lf = false;
            if self.buffer[self.start] == b'\n' {
                self.start += 1;
            }
        }
        let rest = &self.buffer[self.start..];
        let i = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
        let end = self.start + i;
        if rest[i] == b'\r' {
            match rest.get(i + 1) {
                Some(b'\n') => return Some((end, end + 2)),
                // "\r" ends the line; a "\n" arriving in the next chunk belongs to it.
                None => self.skip_lf = true,
                Some(_) => {}
            }
        }
        Some((end, end + 1))
    }

    fn dispatch(&mut self) -> Result<Option<StreamItem>, Error> {
        let name = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        let had_data = std::mem::replace(&mut self.has_data, false);
        if !had_data || name.is_empty() || name == "message" {
            return Ok(None);
        }
        if name == ERROR_EVENT {
            let e: ErrorData = serde_json::from_slice(data.as_bytes())
                .map_err(|source| Error::Json { what: name, source })?;
            return Ok(Some(StreamItem::Error(BedrockError::new(
                ErrorKind::from_name(&e.type_name),
                e.message,
            ))));
        }
        StreamEvent::from_member_json(&name, data.as_bytes())
            .map(|e| Some(StreamItem::Event(e)))
            .map_err(|source| Error::Json { what: name, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    fn items() -> Vec<StreamItem> {
        let json = [
            ("messageStart", r#"{"role":"assistant"}"#),
            ("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"line one\nline two ✓"}}"#),
            ("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":""}}"#),
            ("contentBlockStop", r#"{"contentBlockIndex":0}"#),
            ("messageStop", r#"{"stopReason":"max_tokens"}"#),
            (
                "metadata",
                r#"{"usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":9}}"#,
            ),
            ("somethingNew", r#"{"x":[1,2]}"#),
        ];
        let mut items: Vec<StreamItem> = json
            .iter()
            .map(|(n, j)| StreamItem::Event(StreamEvent::from_member_json(n, j.as_bytes()).unwrap()))
            .collect();
        items.push(StreamItem::Error(BedrockError::new(ErrorKind::ModelTimeout, "too slow")));
        items
    }

    fn decode(bytes: &[u8], chunk: usize) -> Vec<StreamItem> {
        let mut decoder = SseDecoder::new();
        let mut out = Vec::new();
        for piece in bytes.chunks(chunk) {
            decoder.push(piece);
            while let Some(item) = decoder.next_item().unwrap() {
                out.push(item);
            }
        }
        out
    }

    #[test]
    fn round_trips_in_every_chunk_size() {
        let items = items();
        let text: String = items.iter().map(|i| encode(i).unwrap()).collect();
        for chunk in 1..=64 {
            assert_eq!(decode(text.as_bytes(), chunk), items, "chunk size {chunk}");
        }
    }

    #[test]
    fn wire_text_is_bedrocks_json() {
        let item = &items()[1];
        assert_eq!(
            encode(item).unwrap(),
            "event: contentBlockDelta\ndata: {\"delta\":{\"text\":\"line one\\nline two ✓\"},\"contentBlockIndex\":0}\n\n"
        );
    }

    #[test]
    fn accepts_crlf_cr_comments_and_multiline_data() {
        let text = ": keep-alive\r\nevent: messageStart\r\ndata: {\"role\":\r\ndata: \"assistant\"}\r\n\r\n\
                    data: ignored unnamed event\n\nevent: messageStop\rdata:{\"stopReason\":\"end_turn\"}\r\r";
        for chunk in 1..=8 {
            let items = decode(text.as_bytes(), chunk);
            assert_eq!(items.len(), 2, "chunk size {chunk}");
            assert!(
                matches!(&items[0], StreamItem::Event(StreamEvent::MessageStart(m)) if m.role == Role::Assistant)
            );
            assert!(
                matches!(&items[1], StreamItem::Event(StreamEvent::MessageStop(m)) if m.stop_reason == StopReason::EndTurn)
            );
        }
    }

    #[test]
    fn padding_is_cut_from_the_bytes_only_where_it_is_bedrocks() {
        assert_eq!(
            without_padding(r#"{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"abcXYZ012"}"#),
            r#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#
        );
        assert_eq!(without_padding(r#"{"p":"abc"}"#), "{}");
        assert_eq!(
            without_padding(r#"{"p":"abcdefghijklmnopq","role":"assistant"}"#),
            r#"{"role":"assistant"}"#
        );
        for kept in [
            r#"{"delta":{"text":"Hi","p":"abc"}}"#,
            r#"{"delta":{"text":"say \"p\":\"x\""}}"#,
            r#"{"a":1,"p":"not padding!"}"#,
            r#"{"a":1,"p":3}"#,
            r#"{"p":"a b","role":"assistant"}"#,
            r#"{"a":{"p":"nested"}}"#,
        ] {
            assert_eq!(without_padding(kept), kept);
        }
    }

    #[test]
    fn a_frame_written_from_its_bytes_reads_back_as_the_event_it_carries() {
        use crate::eventstream::{EventStreamDecoder, encode_item};
        let mut frames = Vec::new();
        for (item, padding) in
            items().into_iter().zip(["", "abcdefgh", "x", "0123456789ABCDEFGH"].into_iter().cycle())
        {
            frames.extend_from_slice(&encode_item(&item, padding).unwrap());
        }
        let mut decoder = EventStreamDecoder::new();
        decoder.push(&frames);
        let mut sse = String::new();
        while let Some(frame) = decoder.next_frame().unwrap() {
            sse.push_str(&encode_frame(&frame).unwrap());
        }
        assert!(!sse.contains(r#""p":"#), "{sse}");
        assert_eq!(decode(sse.as_bytes(), 7), items());
    }

    #[test]
    fn invalid_json_names_the_event() {
        let err = decode_err(b"event: metadata\ndata: {nope\n\n");
        assert_eq!(err.to_string(), "invalid JSON in metadata");
    }

    fn decode_err(bytes: &[u8]) -> Error {
        let mut decoder = SseDecoder::new();
        decoder.push(bytes);
        decoder.next_item().unwrap_err()
    }
}
