//! The stand-in's deterministic replies: derived from the request, so tests can check that
//! what they sent (history, system prompt, parameters) arrived.

use converse_shared::{ContentBlock, ConverseRequest, Role, StopReason, SystemContentBlock};

/// Markers in the last text block of the last user message that make the stand-in misbehave
/// on purpose. (Only the last block: a client that merges a failed turn into the next one
/// must not fail again because of it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `[stand-in:throttle]`: answer HTTP 429 `ThrottlingException` before any event.
    Throttle,
    /// `[stand-in:stream-throttle]`: stream a few deltas, then a `throttlingException` frame.
    StreamThrottle,
    /// `[stand-in:long]`: a reply 200 words longer, for tests that act while it streams.
    Long,
}

impl Fault {
    const MARKERS: &[(&str, Fault)] = &[
        ("[stand-in:stream-throttle]", Fault::StreamThrottle),
        ("[stand-in:throttle]", Fault::Throttle),
        ("[stand-in:long]", Fault::Long),
    ];

    fn find(text: &str) -> Option<Self> {
        Self::MARKERS.iter().find(|(m, _)| text.contains(m)).map(|(_, f)| *f)
    }
}

/// What the stand-in will answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The reply's text deltas (one per word, with its trailing space); joined, the reply.
    pub deltas: Vec<String>,
    /// Why the reply ends.
    pub stop_reason: StopReason,
    /// Tokens counted in the request (one per whitespace-separated word).
    pub input_tokens: u32,
    /// A failure asked for by a marker.
    pub fault: Option<Fault>,
}

fn quote(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = flat.chars().take(80).collect();
    if short.len() < flat.len() {
        short.push('…');
    }
    format!("“{short}”")
}

fn text_of(blocks: &[ContentBlock]) -> String {
    blocks.iter().filter_map(ContentBlock::as_text).collect::<Vec<_>>().join(" ")
}

/// Plans the reply to `request` on `model_id`.
pub fn plan(model_id: &str, request: &ConverseRequest) -> Plan {
    let messages = &request.messages;
    let last = messages.last().map(|m| text_of(&m.content)).unwrap_or_default();
    let mut reply = format!("You said: {}.", quote(&last));
    let earlier = messages.len().saturating_sub(1);
    if earlier > 0 {
        let first = messages.first().map(|m| text_of(&m.content)).unwrap_or_default();
        reply.push_str(&format!(
            " I also received {earlier} earlier message{}; the conversation began with {}.",
            if earlier == 1 { "" } else { "s" },
            quote(&first)
        ));
    }
    let system: Vec<&str> = request
        .system
        .iter()
        .flatten()
        .filter_map(|b| match b {
            SystemContentBlock::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    if !system.is_empty() {
        reply.push_str(&format!(" My system prompt is {}.", quote(&system.join(" "))));
    }
    let fault = messages
        .last()
        .filter(|m| m.role == Role::User)
        .and_then(|m| m.content.iter().rev().find_map(ContentBlock::as_text))
        .and_then(Fault::find);
    if fault == Some(Fault::Long) {
        for i in 1..=200 {
            reply.push_str(&format!(" word{i}"));
        }
    }
    reply.push_str(&format!(" (Local Bedrock stand-in, model {model_id}.)"));

    let mut stop_reason = StopReason::EndTurn;
    let config = request.inference_config.as_ref();
    if let Some(stops) = config.and_then(|c| c.stop_sequences.as_ref())
        && let Some(at) = stops.iter().filter(|s| !s.is_empty()).filter_map(|s| reply.find(s.as_str())).min()
    {
        reply.truncate(at);
        stop_reason = StopReason::StopSequence;
    }
    let mut deltas: Vec<String> = reply.split_inclusive(' ').map(str::to_owned).collect();
    if let Some(max) = config.and_then(|c| c.max_tokens).map(|m| m as usize)
        && deltas.len() > max
    {
        deltas.truncate(max);
        stop_reason = StopReason::MaxTokens;
    }
    let words = |s: &str| s.split_whitespace().count() as u32;
    let input_tokens = messages.iter().map(|m| words(&text_of(&m.content))).sum::<u32>()
        + system.iter().map(|s| words(s)).sum::<u32>();
    Plan { deltas, stop_reason, input_tokens, fault }
}

#[cfg(test)]
mod tests {
    use super::*;
    use converse_shared::{InferenceConfiguration, Message};

    fn request(texts: &[&str]) -> ConverseRequest {
        let messages = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Message::text(if i % 2 == 0 { Role::User } else { Role::Assistant }, *t))
            .collect();
        ConverseRequest { messages, ..Default::default() }
    }

    #[test]
    fn reply_quotes_the_last_message_and_the_history() {
        let p = plan("m", &request(&["first question", "an answer", "second question"]));
        let text = p.deltas.concat();
        assert!(text.starts_with("You said: “second question”."), "{text}");
        assert!(
            text.contains(
                "I also received 2 earlier messages; the conversation began with “first question”."
            ),
            "{text}"
        );
        assert_eq!((p.stop_reason, p.input_tokens), (StopReason::EndTurn, 6));
        assert!(p.deltas.len() > 10);
    }

    #[test]
    fn max_tokens_and_stop_sequences_cut_the_reply() {
        let mut r = request(&["hello there"]);
        r.inference_config = Some(InferenceConfiguration { max_tokens: Some(3), ..Default::default() });
        let p = plan("m", &r);
        assert_eq!((p.deltas.concat().as_str(), p.stop_reason), ("You said: “hello ", StopReason::MaxTokens));

        r.inference_config =
            Some(InferenceConfiguration { stop_sequences: Some(vec!["there".into()]), ..Default::default() });
        let p = plan("m", &r);
        assert_eq!(
            (p.deltas.concat().as_str(), p.stop_reason),
            ("You said: “hello ", StopReason::StopSequence)
        );
    }

    #[test]
    fn markers_ask_for_faults() {
        assert_eq!(plan("m", &request(&["x [stand-in:throttle]"])).fault, Some(Fault::Throttle));
        assert_eq!(plan("m", &request(&["x [stand-in:stream-throttle]"])).fault, Some(Fault::StreamThrottle));
        assert_eq!(plan("m", &request(&["x"])).fault, None);
        let long = plan("m", &request(&["x [stand-in:long]"]));
        assert_eq!((long.fault, long.deltas.len() > 200), (Some(Fault::Long), true));
    }
}
