//! The Bedrock Converse API on the wire, and the pure machinery around it.
//!
//! Everything here is sans-IO: no network, no storage, no clock. The same code runs in
//! the edge worker (workerd), the page (wasm32 in the browser), the local Bedrock
//! stand-in and the tests.
//!
//! - [`types`]: the Converse / ConverseStream wire model, spelled exactly as Bedrock's
//!   JSON spells it. Members we do not know yet are kept, never dropped.
//! - [`eventstream`]: Bedrock's binary `application/vnd.amazon.eventstream` frames to
//!   typed [`StreamEvent`]s and back.
//! - [`sse`]: typed events to Server-Sent Events and back.
//! - [`accumulate`]: folds a stream of events into what `Converse` would have returned.
//! - [`path`]: the `/model/{modelId}/converse[-stream]` paths, encoded as the SDKs encode them.
//! - `sigv4` (feature `sigv4`): SigV4 signing for Bedrock, on `aws-sigv4`.
//! - [`conversation`]: a stored chat to the `messages` Bedrock accepts.
//! - [`context`]: context-window accounting: estimates, and which oldest turns to leave out.
//! - [`models`]: model rules as data, and [`models::prepare`] to fit a request to a model.
//! - [`validate`]: Bedrock's rules for a request, checked before it is sent.
//! - [`tools`]: the tool loop, and the tools built into the page.
//! - [`error`]: Bedrock's error vocabulary, shared by every component.
//!
//! JSON text is read with `serde_json::from_slice` throughout, never `from_str`: each reader
//! type gets its own copy of every wire type's reading code, and the page ships one copy.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

#[macro_use]
mod union;

pub mod accumulate;
pub mod cache;
pub mod citations;
pub mod context;
pub mod conversation;
pub mod error;
pub mod eventstream;
pub mod models;
pub mod path;
pub mod project;
pub mod reply_format;
pub mod search;
#[cfg(feature = "sigv4")]
pub mod sigv4;
pub mod sse;
pub mod tools;
pub mod types;
pub mod validate;

pub use accumulate::StreamAccumulator;
pub use error::{BedrockError, Error, ErrorKind};
pub use types::*;
