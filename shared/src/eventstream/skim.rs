//! Frames passed on unread, with only those a relay needs picked out.
//!
//! A relay that hands Bedrock's frames on as they came needs to read only the `messageStop`
//! and `metadata` frames (and any exception or error). [`Skimmer`] splits the stream into
//! frames by their lengths, checks each one's checksum, and reads its `:message-type` and
//! `:event-type` headers in place: a delta costs a CRC and a few comparisons, no allocation.
//! The frames it picks (and any with a wrong checksum) are decoded in full by the caller,
//! whose decoder reports what is wrong.

use super::inplace::{checksum_holds, string_header};
use super::whole_frames_len;

/// Splits a stream into frames and picks out those that need reading.
#[derive(Debug, Default)]
pub struct Skimmer {
    /// The start of a frame still arriving.
    held: Vec<u8>,
}

impl Skimmer {
    /// A skimmer at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes `chunk` and hands `pick` each whole frame that needs reading: a `messageStop` or
    /// `metadata` event, an exception, an error, or a frame whose checksum is wrong or whose
    /// headers cannot be read.
    pub fn push(&mut self, chunk: &[u8], mut pick: impl FnMut(&[u8])) {
        if self.held.is_empty() {
            let whole = each_frame(chunk, &mut pick);
            self.held.extend_from_slice(&chunk[whole..]);
        } else {
            self.held.extend_from_slice(chunk);
            let whole = each_frame(&self.held, &mut pick);
            self.held.drain(..whole);
        }
    }

    /// Whether bytes of an unfinished frame are waiting (at end of input, a truncated stream).
    pub fn has_partial_frame(&self) -> bool {
        !self.held.is_empty()
    }
}

/// Hands `pick` the whole frames of `bytes` that need reading; returns the length of the
/// whole frames.
fn each_frame(bytes: &[u8], pick: &mut impl FnMut(&[u8])) -> usize {
    let whole = whole_frames_len(bytes);
    let mut at = 0;
    while at < whole {
        let length = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let frame = &bytes[at..at + length];
        if needs_reading(frame) || !checksum_holds(frame) {
            pick(frame);
        }
        at += length;
    }
    whole
}

/// Whether `frame` (whole) is anything but a content event, by its headers.
pub fn needs_reading(frame: &[u8]) -> bool {
    match string_header(frame, ":message-type") {
        Some(b"event") => matches!(string_header(frame, ":event-type"), Some(b"messageStop" | b"metadata")),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::{EventStreamDecoder, StreamItem, encode_item, is_summary_frame};
    use crate::{BedrockError, ErrorKind};

    /// A whole reply as Bedrock streams it, frame by frame.
    fn frames() -> Vec<Vec<u8>> {
        let mut reply = &crate::eventstream::tests::bedrock_stream()[..];
        let mut out = Vec::new();
        while !reply.is_empty() {
            let length = u32::from_be_bytes(reply[..4].try_into().unwrap()) as usize;
            out.push(reply[..length].to_vec());
            reply = &reply[length..];
        }
        out
    }

    #[test]
    fn picks_the_frames_the_full_decoder_calls_summaries() {
        for frame in frames() {
            let mut decoder = EventStreamDecoder::new();
            decoder.push(&frame);
            let decoded = decoder.next_frame().unwrap().unwrap();
            assert_eq!(needs_reading(&frame), is_summary_frame(&decoded), "{decoded:?}");
        }
        let error = StreamItem::Error(BedrockError::new(ErrorKind::Throttling, "slow down"));
        assert!(needs_reading(&encode_item(&error, "").unwrap()));
    }

    #[test]
    fn picks_the_same_frames_whatever_the_chunking() {
        let reply: Vec<u8> = frames().concat();
        let mut whole = Vec::new();
        Skimmer::new().push(&reply, |f| whole.push(f.to_vec()));
        assert!(whole.len() >= 2, "messageStop and metadata");
        for size in [1, 7, 50] {
            let mut skimmer = Skimmer::new();
            let mut picked = Vec::new();
            for chunk in reply.chunks(size) {
                skimmer.push(chunk, |f| picked.push(f.to_vec()));
            }
            assert_eq!(picked, whole, "chunks of {size}");
            assert!(!skimmer.has_partial_frame());
        }
        let mut skimmer = Skimmer::new();
        skimmer.push(&reply[..reply.len() - 1], |_| {});
        assert!(skimmer.has_partial_frame(), "a stream cut in its last frame");
    }

    #[test]
    fn a_content_frame_with_a_wrong_checksum_is_picked_for_its_decoder_to_refuse() {
        let mut frame = frames().remove(1);
        assert!(!needs_reading(&frame));
        let last = frame.len() - 1;
        frame[last] ^= 1;
        let mut picked = Vec::new();
        Skimmer::new().push(&frame, |f| picked.push(f.to_vec()));
        assert_eq!(picked, [frame.clone()]);
        let mut decoder = EventStreamDecoder::new();
        decoder.push(&frame);
        assert!(decoder.next_frame().is_err(), "the decoder refuses it");
    }

    #[test]
    fn a_frame_whose_headers_do_not_parse_is_picked() {
        let mut frame = frames().remove(1);
        frame[12] = 200; // a header name longer than the headers
        assert!(needs_reading(&frame));
    }
}
