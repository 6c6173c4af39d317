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

/// Feeds `bytes` in `chunk`-sized pieces and reads every item, until the end or an error.
fn feed<D, T, E>(
    decoder: &mut D,
    bytes: &[u8],
    chunk: usize,
    push: fn(&mut D, &[u8]),
    next: fn(&mut D) -> Result<Option<T>, E>,
) {
    for piece in bytes.chunks(chunk) {
        push(decoder, piece);
        loop {
            match next(decoder) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

proptest! {
    #[test]
    fn event_stream_decoder_never_panics(bytes in frame_like(), chunk in 1usize..64) {
        feed(&mut EventStreamDecoder::new(), &bytes, chunk, EventStreamDecoder::push, EventStreamDecoder::next_item);
    }

    #[test]
    fn sse_decoder_never_panics(
        lines in proptest::collection::vec("(event|data|id|:)?:? ?[a-zA-Z{}\":,\\[\\]0-9 ]{0,40}(\r\n|\n|\r)?", 0..30),
        chunk in 1usize..16,
    ) {
        let text = lines.concat();
        feed(&mut SseDecoder::new(), text.as_bytes(), chunk, SseDecoder::push, SseDecoder::next_item);
    }
}
