//! Both decoders take bytes from the network: whatever arrives, they return an error or wait
//! for more, and never panic.

use converse_shared::eventstream::EventStreamDecoder;
use converse_shared::sse::SseDecoder;
use proptest::prelude::*;

/// Bytes that look like the start of a real frame often enough to get past the prelude.
fn frame_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        (12u32..400, proptest::collection::vec(any::<u8>(), 0..400)).prop_map(|(len, rest)| {
            let mut bytes = len.to_be_bytes().to_vec();
            bytes.extend_from_slice(&rest);
            bytes
        }),
    ]
}

proptest! {
    #[test]
    fn event_stream_decoder_never_panics(bytes in frame_like(), chunk in 1usize..64) {
        let mut decoder = EventStreamDecoder::new();
        'feed: for piece in bytes.chunks(chunk) {
            decoder.push(piece);
            loop {
                match decoder.next_item() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
        }
    }

    #[test]
    fn sse_decoder_never_panics(
        lines in proptest::collection::vec("(event|data|id|:)?:? ?[a-zA-Z{}\":,\\[\\]0-9 ]{0,40}(\r\n|\n|\r)?", 0..30),
        chunk in 1usize..16,
    ) {
        let text = lines.concat();
        let mut decoder = SseDecoder::new();
        'feed: for piece in text.as_bytes().chunks(chunk) {
            decoder.push(piece);
            loop {
                match decoder.next_item() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
        }
    }
}
