//! A body read in place: Bedrock's reply, and a caller's request.
//!
//! workerd charges each read of a body by the isolate (a promise, a turn of its event loop,
//! a buffer handed across), not each byte. A default reader's read gives one chunk as it
//! came, in a new buffer. A BYOB reader fills a buffer the worker hands it with everything
//! that has arrived. So one reusable 64 KB buffer, read late, takes many chunks at once;
//! read at once, it takes one chunk without a new allocation.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_util::Stream;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    ReadableStream, ReadableStreamByobReader, ReadableStreamGetReaderOptions, ReadableStreamReaderMode,
};

#[wasm_bindgen]
extern "C" {
    /// What a read gives (`ReadableStreamReadResult`), read by typed getters: looking its
    /// members up by name made two JavaScript strings per read.
    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> bool;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> JsValue;
}

/// The most one read takes.
const CAPACITY: u32 = 64 * 1024;

/// A body's bytes as they arrive, as a [`Stream`]; an error is the connection's, told in
/// words.
pub(crate) struct Body {
    reader: ReadableStreamByobReader,
    /// The buffer, between reads (a read takes it and gives it back).
    buffer: Option<Uint8Array>,
    /// The read in flight: kept across polls, so no read's bytes are ever dropped.
    pending: Option<JsFuture>,
    done: bool,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body").field("reading", &self.pending.is_some()).field("done", &self.done).finish()
    }
}

impl Body {
    /// Locks `stream` to a BYOB reader.
    pub(crate) fn new(stream: &ReadableStream) -> Result<Self, String> {
        let options = ReadableStreamGetReaderOptions::new();
        options.set_mode(ReadableStreamReaderMode::Byob);
        let reader = stream.get_reader_with_options(&options).dyn_into().map_err(|e| describe(&e))?;
        Ok(Self { reader, buffer: None, pending: None, done: false })
    }
}

impl Stream for Body {
    type Item = Result<Vec<u8>, String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let pending = this.pending.get_or_insert_with(|| {
            let buffer = this.buffer.take().unwrap_or_else(|| Uint8Array::new_with_length(CAPACITY));
            JsFuture::from(this.reader.read_with_array_buffer_view(&buffer))
        });
        let result = ready!(Pin::new(pending).poll(cx));
        this.pending = None;
        let result = match result {
            Ok(result) => result,
            Err(e) => {
                this.done = true;
                return Poll::Ready(Some(Err(describe(&e))));
            }
        };
        let result: ReadResult = result.unchecked_into();
        if result.done() {
            this.done = true;
            return Poll::Ready(None);
        }
        let Ok(filled) = result.value().dyn_into::<Uint8Array>() else {
            this.done = true;
            return Poll::Ready(Some(Err("a read gave no bytes".into())));
        };
        let bytes = filled.to_vec();
        // The filled view is the buffer, moved: the whole of it serves the next read.
        this.buffer = Some(Uint8Array::new(&filled.buffer()));
        Poll::Ready(Some(Ok(bytes)))
    }
}

fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{e:?}"))
}
