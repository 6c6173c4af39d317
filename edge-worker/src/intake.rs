//! Taking a request in: how it wants a stream delivered, and its body, cheaply: refused by its `Content-Length` before a byte is read,
//! read chunk by chunk up to a cap (a chunked body that goes on forever stops at the cap), and
//! its conversation's size (messages and content blocks) counted in one pass that allocates
//! nothing, before the body is read into the typed model.

use std::fmt;

use converse_shared::sse;
use futures_util::StreamExt;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use worker::Request;

use crate::body::Body;
use crate::errors::RelayError;

/// How the client wants a ConverseStream delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Bedrock's binary frames, unchanged: the default, which is what the AWS SDKs expect
    /// (they send no `Accept` header).
    EventStream,
    /// Server-Sent Events, for browsers (`Accept: text/event-stream`).
    Sse,
}

pub(crate) fn delivery(req: &Request) -> Delivery {
    let accept = req.headers().get("accept").ok().flatten().unwrap_or_default();
    if accept.contains(sse::CONTENT_TYPE) { Delivery::Sse } else { Delivery::EventStream }
}

/// Reads `req`'s body, refusing it (`413`) once it is over `cap` bytes: at once if its
/// `Content-Length` says so, else as soon as the bytes read pass the cap.
pub(crate) async fn read_capped(req: &mut Request, cap: usize) -> Result<Vec<u8>, RelayError> {
    let declared = req.headers().get("content-length").ok().flatten();
    let declared = declared.as_deref().and_then(|l| l.trim().parse::<u64>().ok());
    if declared.is_some_and(|l| l > cap as u64) {
        return Err(RelayError::TooLarge(cap));
    }
    let Some(stream) = req.inner().body() else { return Ok(Vec::new()) }; // no body
    // Read in place (`Body`: one reused buffer, no reader released per request); workers-rs's
    // `ByteStream` released its reader's lock on every body's end, the costliest call of a
    // small request's in the worker's CPU profile (`scripts/bench.sh profile`).
    let failed = |e: String| RelayError::Internal(format!("reading the request body: {e}"));
    let mut chunks = Body::new(&stream).map_err(failed)?;
    // Grown as bytes arrive, not reserved from Content-Length: a caller that declares the cap
    // and sends nothing must not make the isolate hold the cap for it.
    let mut body = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(failed)?;
        if body.len() + chunk.len() > cap {
            return Err(RelayError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How big a Converse request's conversation is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    /// Entries of `messages`.
    pub(crate) messages: usize,
    /// Content blocks of all messages, and of the system prompt.
    pub(crate) blocks: usize,
}

/// Why [`measure`] stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TooBig {
    /// More messages than allowed.
    Messages(usize),
    /// More content blocks than allowed.
    Blocks(usize),
    /// Not JSON (the full read will say where).
    Malformed,
}

/// Counts `body`'s messages and content blocks without building anything, stopping as soon
/// as either passes its cap. Everything else in the body is skipped unread. The conversation
/// is the body itself (Converse), or the object at `within` in it (CountTokens:
/// `["input", "converse"]`).
pub(crate) fn measure(
    body: &[u8],
    within: &[&str],
    max_messages: usize,
    max_blocks: usize,
) -> Result<Size, TooBig> {
    let mut size = Size::default();
    let mut over = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let counting = Counting { size: &mut size, max_messages, max_blocks, over: &mut over };
    let read = Within { path: within, counting }.deserialize(&mut de);
    match (over, read) {
        (Some(over), _) => Err(over),
        (None, Ok(())) => Ok(size),
        (None, Err(_)) => Err(TooBig::Malformed),
    }
}

/// An object on the way to the conversation: the member `path` names next is followed, the
/// rest skipped; at the end of the path, the conversation is counted.
struct Within<'p, 'a> {
    path: &'p [&'p str],
    counting: Counting<'a>,
}

impl<'de> DeserializeSeed<'de> for Within<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match self.path {
            [] => self.counting.deserialize(d),
            _ => d.deserialize_map(self),
        }
    }
}

impl<'de> Visitor<'de> for Within<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Within { path, counting } = self;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == path[0] {
                let inner = Counting { size: &mut *counting.size, over: &mut *counting.over, ..counting };
                map.next_value_seed(Within { path: &path[1..], counting: inner })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The conversation's object: counts `messages` and `system`, skips the rest.
struct Counting<'a> {
    size: &'a mut Size,
    max_messages: usize,
    max_blocks: usize,
    /// Set when a cap is passed; the read then stops with an error.
    over: &'a mut Option<TooBig>,
}

impl<'de> DeserializeSeed<'de> for Counting<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Counting<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Converse request")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "messages" => map.next_value_seed(Each { level: Level::Messages, counting: &mut self })?,
                "system" => map.next_value_seed(Each { level: Level::Blocks, counting: &mut self })?,
                _ => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Level {
    /// A list of messages, each counted, and each one's `content` counted as blocks.
    Messages,
    /// A list of content blocks, each counted and skipped.
    Blocks,
}

/// Counts the entries of one list (`messages`, a message's `content`, `system`).
struct Each<'c, 'a> {
    level: Level,
    counting: &'c mut Counting<'a>,
}

impl<'de> DeserializeSeed<'de> for Each<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Each<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let counting = self.counting;
        loop {
            let more = match self.level {
                Level::Messages => {
                    let more = seq.next_element_seed(Message { counting: &mut *counting })?.is_some();
                    if more {
                        counting.size.messages += 1;
                        if counting.size.messages > counting.max_messages {
                            *counting.over = Some(TooBig::Messages(counting.max_messages));
                        }
                    }
                    more
                }
                Level::Blocks => {
                    let more = seq.next_element::<IgnoredAny>()?.is_some();
                    if more {
                        counting.size.blocks += 1;
                        if counting.size.blocks > counting.max_blocks {
                            *counting.over = Some(TooBig::Blocks(counting.max_blocks));
                        }
                    }
                    more
                }
            };
            if !more {
                return Ok(());
            }
            if counting.over.is_some() {
                return Err(de::Error::custom("over a cap")); // stops the read; `over` says why
            }
        }
    }
}

/// One message: its `content` counted as blocks, the rest skipped.
struct Message<'c, 'a> {
    counting: &'c mut Counting<'a>,
}

impl<'de> DeserializeSeed<'de> for Message<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Message<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "content" {
                map.next_value_seed(Each { level: Level::Blocks, counting: &mut *self.counting })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(messages: usize, blocks_each: usize) -> Vec<u8> {
        let content = vec![serde_json::json!({"text": "x"}); blocks_each];
        let message = serde_json::json!({"role": "user", "content": content});
        serde_json::to_vec(&serde_json::json!({
            "inferenceConfig": {"maxTokens": 5},
            "system": [{"text": "s"}, {"cachePoint": {"type": "default"}}],
            "messages": vec![message; messages],
        }))
        .unwrap()
    }

    #[test]
    fn counts_messages_and_blocks_of_messages_and_system() {
        assert_eq!(measure(&conversation(3, 4), &[], 10, 100), Ok(Size { messages: 3, blocks: 14 }));
        assert_eq!(measure(br#"{"modelId":"x"}"#, &[], 10, 100), Ok(Size::default()));
    }

    #[test]
    fn stops_at_the_first_entry_over_a_cap() {
        assert_eq!(measure(&conversation(11, 1), &[], 10, 100), Err(TooBig::Messages(10)));
        assert_eq!(measure(&conversation(2, 60), &[], 10, 100), Err(TooBig::Blocks(100)));
        // What comes after the cap is not read: even a broken tail does not matter.
        let mut body = conversation(2, 60);
        body.truncate(body.len() - 40);
        assert_eq!(measure(&body, &[], 10, 100), Err(TooBig::Blocks(100)));
    }

    #[test]
    fn a_count_tokens_conversation_is_counted_where_it_is() {
        let inner: serde_json::Value = serde_json::from_slice(&conversation(3, 4)).unwrap();
        let body = serde_json::to_vec(&serde_json::json!({"input": {"converse": inner}})).unwrap();
        let within = ["input", "converse"];
        assert_eq!(measure(&body, &within, 10, 100), Ok(Size { messages: 3, blocks: 14 }));
        assert_eq!(measure(&body, &within, 2, 100), Err(TooBig::Messages(2)));
        // Elsewhere in the body, nothing is counted.
        assert_eq!(measure(&body, &[], 10, 100), Ok(Size::default()));
        let invoke = br#"{"input": {"invokeModel": {"body": "e30="}}}"#;
        assert_eq!(measure(invoke, &within, 10, 100), Ok(Size::default()));
    }

    #[test]
    fn a_body_that_is_not_json_is_left_to_the_full_read() {
        assert_eq!(measure(b"{\"messages\": [", &[], 10, 100), Err(TooBig::Malformed));
        assert_eq!(measure(b"[]", &[], 10, 100), Err(TooBig::Malformed));
    }
}
