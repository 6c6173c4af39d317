//! Context-window accounting: how many tokens a conversation will cost, and which oldest turns
//! to leave out (or summarise) so that a request fits.
//!
//! Only the model knows its tokens exactly; Bedrock reports them after the fact
//! (`usage.inputTokens`). Before a request, the cost is estimated: the last reply's reported
//! input and output tokens cover everything up to it, and what came after is estimated from its
//! size (about four characters a token for text; images and documents by their bytes). The
//! estimate errs on neither side on purpose; a request that still turns out too long is refused
//! by Bedrock with "Input is too long", and the page then trims further.

use crate::types::{ContentBlock, DocumentSource, ImageSource, Message, Role, ToolResultContentBlock};

/// Roughly how many tokens `text` is (four characters a token, as most tokenizers average on
/// English; never zero for non-empty text).
pub fn estimate_text(text: &str) -> u32 {
    let chars = text.chars().count() as u32;
    chars.div_ceil(4)
}

fn estimate_block(block: &ContentBlock) -> u32 {
    match block {
        ContentBlock::Text(t) => estimate_text(t),
        // Bedrock bills an image by its pixels (about 750 per token, at most ~1,600); its
        // bytes are a fair bound without decoding it.
        ContentBlock::Image(i) => match &i.source {
            ImageSource::Bytes(b) => (b.len() as u32 / 750).clamp(85, 1_600),
            _ => 1_600,
        },
        ContentBlock::Document(d) => match &d.source {
            DocumentSource::Bytes(b) => (b.len() as u32).div_ceil(4),
            DocumentSource::Text(t) => estimate_text(t),
            _ => 1_000,
        },
        ContentBlock::ToolUse(t) => estimate_text(&t.name) + estimate_text(&t.input.to_string()),
        ContentBlock::ToolResult(r) => r
            .content
            .iter()
            .map(|c| match c {
                ToolResultContentBlock::Text(t) => estimate_text(t),
                ToolResultContentBlock::Json(j) => estimate_text(&j.to_string()),
                _ => 500,
            })
            .sum(),
        ContentBlock::ReasoningContent(_) => 200,
        _ => 50,
    }
}

/// Roughly how many tokens `message` costs (its blocks, plus a few for its framing).
pub fn estimate_message(message: &Message) -> u32 {
    4 + message.content.iter().map(estimate_block).sum::<u32>()
}

/// Whether a request may start at `message`: a user turn that does not answer tool calls
/// (a tool result without the call it answers is refused).
pub fn starts_turn(message: &Message) -> bool {
    message.role == Role::User && !message.content.iter().any(|b| matches!(b, ContentBlock::ToolResult(_)))
}

/// Where a request over `messages` must start to fit in `budget` tokens: the earliest turn
/// start after which the estimate fits. Tool calls stay with their results, and the request
/// still starts with the user. If even the last turn does not fit, it starts there (the
/// person's last message is never left out).
pub fn fit_start(messages: &[Message], budget: u32) -> usize {
    let costs: Vec<u32> = messages.iter().map(estimate_message).collect();
    let mut remaining: u32 = costs.iter().sum();
    if remaining <= budget {
        return 0;
    }
    let last_turn = messages.iter().rposition(starts_turn).unwrap_or(0);
    for (i, cost) in costs.iter().enumerate().take(last_turn) {
        remaining -= cost;
        if starts_turn(&messages[i + 1]) && remaining <= budget {
            return i + 1;
        }
    }
    last_turn
}

/// The tokens a conversation will cost on its next request: the last reply's reported input
/// and output tokens (which cover everything up to it) plus an estimate for what came after.
/// `reported` is the index of that reply in `messages` and its `(input, output)` tokens.
pub fn used(messages: &[Message], reported: Option<(usize, u32, u32)>) -> u32 {
    match reported {
        Some((at, input, output)) if at < messages.len() => {
            input + output + messages[at + 1..].iter().map(estimate_message).sum::<u32>()
        }
        _ => messages.iter().map(estimate_message).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(role: Role, words: usize) -> Message {
        Message::text(role, "word ".repeat(words))
    }

    fn tool_round() -> [Message; 2] {
        let call = serde_json::json!({"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calc", "input": {}}}]});
        let result = serde_json::json!({"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "4"}]}}]});
        [serde_json::from_value(call).unwrap(), serde_json::from_value(result).unwrap()]
    }

    #[test]
    fn estimates_grow_with_the_text() {
        assert_eq!(estimate_text(""), 0);
        assert_eq!(estimate_text("abcd"), 1);
        assert_eq!(estimate_text("abcde"), 2);
        assert!(estimate_message(&text(Role::User, 1000)) > estimate_message(&text(Role::User, 100)));
    }

    #[test]
    fn a_conversation_that_fits_is_sent_whole() {
        let messages = [text(Role::User, 10), text(Role::Assistant, 10)];
        assert_eq!(fit_start(&messages, 10_000), 0);
    }

    #[test]
    fn the_oldest_turns_go_first_and_a_request_still_starts_with_the_user() {
        let messages = [
            text(Role::User, 400),
            text(Role::Assistant, 400),
            text(Role::User, 400),
            text(Role::Assistant, 400),
            text(Role::User, 10),
        ];
        let each = estimate_message(&messages[0]);
        let start = fit_start(&messages, 2 * each + 20);
        assert_eq!(start, 2);
        assert_eq!(messages[start].role, Role::User);
    }

    #[test]
    fn tool_results_stay_with_their_calls() {
        let [call, result] = tool_round();
        let messages =
            [text(Role::User, 400), call, result, text(Role::Assistant, 400), text(Role::User, 10)];
        // Starting at the tool results (index 2) would fit, but would orphan them.
        for budget in [0, 100, 120, 200, 300] {
            let start = fit_start(&messages, budget);
            assert!(starts_turn(&messages[start]), "budget {budget}: starts at {start}");
        }
        assert_eq!(fit_start(&messages, 150), 4);
    }

    #[test]
    fn the_last_message_is_kept_even_if_it_alone_is_too_long() {
        let messages = [text(Role::User, 10), text(Role::Assistant, 10), text(Role::User, 10_000)];
        assert_eq!(fit_start(&messages, 100), 2);
    }

    #[test]
    fn usage_reported_by_bedrock_replaces_the_estimate_for_what_it_covers() {
        let messages = [text(Role::User, 100), text(Role::Assistant, 100), text(Role::User, 100)];
        let after = estimate_message(&messages[2]);
        assert_eq!(used(&messages, Some((1, 500, 120))), 500 + 120 + after);
        assert_eq!(used(&messages, None), messages.iter().map(estimate_message).sum::<u32>());
    }
}
