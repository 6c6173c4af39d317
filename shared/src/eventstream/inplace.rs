//! Bedrock's frames read in place: the page's decoder, and the relay's skimmer's parts.
//!
//! `aws-smithy-eventstream`'s decoder (the relay's SSE and the stand-in use it) builds a
//! `Message` with owned headers of every type, and its CRC (`crc32fast`) carries 16 KB of
//! tables. A reader of Bedrock's replies needs three string headers and the payload: this
//! reads them where they lie, with the same checks (both checksums, lengths, headers that
//! parse, no header twice), and a CRC from the `crc` crate with one 1 KB table.
//! [`FrameReader`] gives the same items as [`EventStreamDecoder`](super::EventStreamDecoder)
//! (the tests compare them).

use super::{StreamItem, item_from_parts};
use crate::error::Error;

/// Bedrock's checksum: CRC-32 (ISO-HDLC), one 256-entry table.
const CRC32: crc::Crc<u32, crc::Table<1>> = crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

/// The prelude (total length, headers length, their CRC) and the trailing message CRC.
const PRELUDE: usize = 12;
const SMALLEST_FRAME: usize = PRELUDE + 4;

/// Whether a whole frame's last four bytes are the CRC-32 of the rest.
pub(super) fn checksum_holds(frame: &[u8]) -> bool {
    let (message, crc) = frame.split_at(frame.len() - 4);
    CRC32.checksum(message).to_be_bytes() == crc
}

/// The headers of a whole `frame`: `(name, type, value)` for each, or why they do not parse.
fn headers(frame: &[u8]) -> impl Iterator<Item = Result<Header<'_>, Error>> {
    let len = frame.get(4..8).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let mut rest = frame.get(PRELUDE..PRELUDE + len);
    let broken = rest.is_none();
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        if broken {
            failed = true;
            return Some(Err(Error::BadFrame("its headers are longer than it")));
        }
        let bytes = rest.filter(|r| !r.is_empty())?;
        let parsed = header(bytes);
        match parsed {
            Some((header, after)) => {
                rest = Some(after);
                Some(Ok(header))
            }
            None => {
                failed = true;
                Some(Err(Error::BadFrame("its headers do not parse")))
            }
        }
    })
}

/// A header read in place: its name, its type, its value.
type Header<'a> = (&'a [u8], u8, &'a [u8]);

/// One header at the start of `bytes`, and what follows it.
fn header(bytes: &[u8]) -> Option<(Header<'_>, &[u8])> {
    let (&name_len, rest) = bytes.split_first()?;
    let (name, rest) = rest.split_at_checked(usize::from(name_len))?;
    let (&kind, rest) = rest.split_first()?;
    // The value's length by its type: bool true/false, byte, short, int, long, bytes, string,
    // timestamp, uuid.
    let (len, rest) = match kind {
        0 | 1 => (0, rest),
        2 => (1, rest),
        3 => (2, rest),
        4 => (4, rest),
        5 | 8 => (8, rest),
        6 | 7 => {
            let (len, rest) = rest.split_at_checked(2)?;
            (usize::from(u16::from_be_bytes([len[0], len[1]])), rest)
        }
        9 => (16, rest),
        _ => return None,
    };
    let (value, rest) = rest.split_at_checked(len)?;
    Some(((name, kind, value), rest))
}

/// The value of a whole `frame`'s string header `name`; `None` if it has none, or its
/// headers do not parse.
pub(super) fn string_header<'a>(frame: &'a [u8], name: &str) -> Option<&'a [u8]> {
    for header in headers(frame) {
        let (key, kind, value) = header.ok()?;
        if kind == 7 && key == name.as_bytes() {
            return Some(value);
        }
    }
    None
}

/// The item a whole, checked `frame` carries. Its headers are walked once: each name
/// (refused if given twice), and the string headers' values.
fn item(frame: &[u8]) -> Result<StreamItem, Error> {
    let mut seen: Vec<(&[u8], Option<&str>)> = Vec::with_capacity(4);
    for header in headers(frame) {
        let (name, kind, value) = header?;
        if seen.iter().any(|(n, _)| *n == name) {
            return Err(Error::DuplicateHeader(String::from_utf8_lossy(name).into_owned()));
        }
        seen.push((name, (kind == 7).then(|| std::str::from_utf8(value).ok()).flatten()));
    }
    let headers_len = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]) as usize;
    let payload = &frame[PRELUDE + headers_len..frame.len() - 4];
    let text = |name: &str| seen.iter().find(|(n, _)| *n == name.as_bytes()).and_then(|(_, v)| *v);
    item_from_parts(text, payload)
}

/// Turns event-stream bytes, fed in chunks of any size, into [`StreamItem`]s, reading each
/// frame where it lies.
///
/// ```
/// # use converse_shared::eventstream::FrameReader;
/// let mut reader = FrameReader::new();
/// reader.push(&[0, 0]);
/// assert!(reader.next_item().unwrap().is_none());
/// assert!(reader.has_partial_frame());
/// ```
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
    /// Where the next frame starts in `buffer`.
    at: usize,
}

impl FrameReader {
    /// A reader at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes received from the transport.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.at > 0 {
            self.buffer.drain(..self.at);
            self.at = 0;
        }
        self.buffer.extend_from_slice(chunk);
    }

    /// The next complete item, or `None` until more bytes arrive. After an error the stream
    /// cannot be read on.
    pub fn next_item(&mut self) -> Result<Option<StreamItem>, Error> {
        let rest = &self.buffer[self.at..];
        let Some(prelude) = rest.get(..PRELUDE) else { return Ok(None) };
        let total = u32::from_be_bytes([prelude[0], prelude[1], prelude[2], prelude[3]]) as usize;
        let headers_len = u32::from_be_bytes([prelude[4], prelude[5], prelude[6], prelude[7]]) as usize;
        if total < SMALLEST_FRAME || headers_len > total - SMALLEST_FRAME {
            return Err(Error::BadFrame("its lengths are impossible"));
        }
        if CRC32.checksum(&prelude[..8]).to_be_bytes() != prelude[8..] {
            return Err(Error::BadFrame("its prelude's checksum is wrong"));
        }
        let Some(frame) = rest.get(..total) else { return Ok(None) };
        if !checksum_holds(frame) {
            return Err(Error::BadFrame("its checksum is wrong"));
        }
        self.at += total;
        item(frame).map(Some)
    }

    /// Whether bytes of an unfinished frame are waiting (at end of input, a truncated stream).
    pub fn has_partial_frame(&self) -> bool {
        self.at < self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::tests::{bedrock_frame, bedrock_stream};
    use crate::eventstream::{EventStreamDecoder, encode_item};
    use crate::{BedrockError, ErrorKind};

    fn smithy(bytes: &[u8]) -> Vec<StreamItem> {
        let mut decoder = EventStreamDecoder::new();
        decoder.push(bytes);
        std::iter::from_fn(|| decoder.next_item().unwrap()).collect()
    }

    fn in_place(bytes: &[u8], chunk: usize) -> Vec<StreamItem> {
        let mut reader = FrameReader::new();
        let mut items = Vec::new();
        for part in bytes.chunks(chunk) {
            reader.push(part);
            while let Some(item) = reader.next_item().unwrap() {
                items.push(item);
            }
        }
        assert!(!reader.has_partial_frame());
        items
    }

    #[test]
    fn reads_what_the_sdks_decoder_reads_in_every_chunk_size() {
        let error = StreamItem::Error(BedrockError::new(ErrorKind::Throttling, "slow down"));
        let stream = [bedrock_stream(), encode_item(&error, "").unwrap().to_vec()].concat();
        let expected = smithy(&stream);
        assert_eq!(expected.len(), 8);
        for chunk in [1, 3, 16, 100, stream.len()] {
            assert_eq!(in_place(&stream, chunk), expected, "chunks of {chunk}");
        }
    }

    #[test]
    fn refuses_what_the_sdks_decoder_refuses() {
        let frame = bedrock_frame("contentBlockDelta", r#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#);
        let refused = |bytes: &[u8]| {
            let mut reader = FrameReader::new();
            reader.push(bytes);
            let mut decoder = EventStreamDecoder::new();
            decoder.push(bytes);
            (reader.next_item().is_err(), decoder.next_item().is_err())
        };
        let mut damaged = frame.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert_eq!(refused(&damaged), (true, true), "message checksum");
        let mut damaged = frame.clone();
        damaged[9] ^= 1;
        assert_eq!(refused(&damaged), (true, true), "prelude checksum");
        let mut twice = Vec::new();
        let message = aws_smithy_types::event_stream::Message::new(b"{}".to_vec())
            .add_header(aws_smithy_types::event_stream::Header::new(
                ":message-type",
                aws_smithy_types::event_stream::HeaderValue::String("event".to_owned().into()),
            ))
            .add_header(aws_smithy_types::event_stream::Header::new(
                ":message-type",
                aws_smithy_types::event_stream::HeaderValue::String("event".to_owned().into()),
            ));
        aws_smithy_eventstream::frame::write_message_to(&message, &mut twice).unwrap();
        assert_eq!(refused(&twice), (true, true), "a header twice");
        assert_eq!(
            refused(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0]),
            (true, true),
            "a length shorter than a frame"
        );
    }

    #[test]
    fn a_stream_cut_inside_a_frame_leaves_a_partial_frame() {
        let stream = bedrock_stream();
        let mut reader = FrameReader::new();
        reader.push(&stream[..stream.len() - 5]);
        while reader.next_item().unwrap().is_some() {}
        assert!(reader.has_partial_frame());
    }
}
