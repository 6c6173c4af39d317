//! Turning a stored chat into the `messages` of a Converse request, and the decisions about
//! its turns that do not depend on how a page shows them.

use crate::types::{ContentBlock, Extra, Message, Role, TokenUsage};

/// The `messages` to send for a chat history, following Bedrock's rules: the first message
/// is from the user, and roles alternate.
///
/// A chat can break those rules without anyone doing wrong: a reply that failed leaves two
/// user messages in a row, for example. Consecutive messages of one role are merged into one
/// message (their content blocks in order), and assistant messages before the first user
/// message are left out. Nothing the user wrote is dropped.
///
/// Text blocks with nothing but whitespace are left out too: a model may send one (gpt-oss
/// opens its replies with an empty block, realcases pyd-74), and Bedrock refuses it in the
/// history ("The text field in the ContentBlock object at messages.1.content.0 is blank";
/// Claude, since mid-2026: "text content blocks must contain non-whitespace text"), which
/// would wedge the conversation for good.
///
/// An image a model generated goes back as a line saying so: Bedrock takes images from the
/// user only ("images are only allowed in user messages", [`crate::validate`]), and the
/// person still has it on the page.
pub fn request_messages<'a>(history: impl IntoIterator<Item = &'a Message>) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    for message in history {
        let content = message.content.iter().filter(|b| b.as_text().is_none_or(|t| !t.trim().is_empty()));
        let content: Vec<ContentBlock> = content
            .map(|block| match block {
                ContentBlock::Image(image) if message.role == Role::Assistant => {
                    ContentBlock::Text(format!("[an image ({}) was generated here]", image.format))
                }
                other => other.clone(),
            })
            .collect();
        if content.is_empty() || (out.is_empty() && message.role != Role::User) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.role == message.role => last.content.extend(content),
            _ => out.push(Message { role: message.role.clone(), content, extra: Extra::new() }),
        }
    }
    out
}

/// Whether a user turn only carries tool results (the page shows them in the reply's tool
/// cards, not as something the person wrote).
pub fn is_tool_results(message: &Message) -> bool {
    message.role == Role::User
        && !message.content.is_empty()
        && message.content.iter().all(|b| matches!(b, ContentBlock::ToolResult(_)))
}

/// Which turns of a chat a request sends (`true`) and which it leaves out, given which
/// replies failed (`failed[i]` for `history[i]`).
///
/// A failed reply is left out, and so is the prompt it answered: that message stays on the
/// page, marked as unanswered, and goes again only by Retry (or not at all, if the person
/// edits or deletes it). Were it kept, [`request_messages`] would merge it into the next
/// thing the person writes, and the model would answer both as one. A turn of tool results
/// stays even so: the calls it answers are in the history, and Bedrock refuses a `toolUse`
/// with no `toolResult` after it.
pub fn turns_to_send(history: &[Message], failed: &[bool]) -> Vec<bool> {
    let failed_at = |i: usize| failed.get(i).copied().unwrap_or(false);
    (0..history.len())
        .map(|i| {
            if failed_at(i) {
                return false;
            }
            let message = &history[i];
            let unanswered = message.role == Role::User && !is_tool_results(message) && failed_at(i + 1);
            !unanswered
        })
        .collect()
}

/// The turn Regenerate answers again: the last one the person wrote (not a turn of tool
/// results). Everything after it is replaced.
pub fn last_prompt(history: &[Message]) -> Option<usize> {
    history.iter().rposition(|m| m.role == Role::User && !is_tool_results(m))
}

/// Whether a reply that was cut off can be continued where it stopped: the model can only
/// go on from text (Bedrock takes a final assistant turn as the start of the reply), and
/// there must be some.
pub fn continuable(reply: &Message) -> bool {
    reply.role == Role::Assistant
        && reply.content.iter().all(|b| matches!(b, ContentBlock::Text(_)))
        && reply.content.iter().any(|b| b.as_text().is_some_and(|t| !t.trim().is_empty()))
}

/// The prefill a continued reply is sent as: Bedrock refuses an assistant turn that ends in
/// whitespace ("final assistant content cannot end with trailing whitespace"); the
/// continuation brings its own.
pub fn continuation_prefill(text: &str) -> &str {
    text.trim_end()
}

/// Tokens of a continued reply: what it had used, plus what the continuation used. The cache
/// figures add up where either side has them; the rest is the continuation's.
pub fn add_usage(before: Option<&TokenUsage>, now: &TokenUsage) -> TokenUsage {
    let Some(before) = before else { return now.clone() };
    let sum = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    };
    TokenUsage {
        input_tokens: before.input_tokens + now.input_tokens,
        output_tokens: before.output_tokens + now.output_tokens,
        total_tokens: before.total_tokens + now.total_tokens,
        cache_read_input_tokens: sum(before.cache_read_input_tokens, now.cache_read_input_tokens),
        cache_write_input_tokens: sum(before.cache_write_input_tokens, now.cache_write_input_tokens),
        ..now.clone()
    }
}

/// What a conversation's replies used in all: input tokens, output tokens, and how many
/// replies reported figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Input tokens, summed over the replies.
    pub input: u64,
    /// Output tokens, summed over the replies.
    pub output: u64,
    /// Replies with figures.
    pub replies: usize,
}

impl<'a> FromIterator<&'a TokenUsage> for Totals {
    fn from_iter<I: IntoIterator<Item = &'a TokenUsage>>(usages: I) -> Self {
        usages.into_iter().fold(Self::default(), |t, u| Self {
            input: t.input + u64::from(u.input_tokens),
            output: t.output + u64::from(u.output_tokens),
            replies: t.replies + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(role: Role, text: &str) -> Message {
        Message::text(role, text)
    }

    #[test]
    fn alternating_history_is_sent_as_it_is() {
        let history = [m(Role::User, "a"), m(Role::Assistant, "b"), m(Role::User, "c")];
        assert_eq!(request_messages(&history), history);
    }

    #[test]
    fn consecutive_user_messages_merge_and_leading_assistant_is_dropped() {
        let history = [
            m(Role::Assistant, "greeting"),
            m(Role::User, "first try"),
            m(Role::User, "second try"),
            m(Role::Assistant, "answer"),
        ];
        let sent = request_messages(&history);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].role, Role::User);
        assert_eq!(
            sent[0].content,
            [ContentBlock::Text("first try".into()), ContentBlock::Text("second try".into())]
        );
        assert_eq!(sent[1], m(Role::Assistant, "answer"));
    }

    #[test]
    fn generated_images_go_back_as_words_and_the_users_as_they_are() {
        use crate::types::{Blob, ImageBlock, ImageFormat, ImageSource};
        let image = ContentBlock::Image(ImageBlock {
            format: ImageFormat::Png,
            source: ImageSource::Bytes(Blob(vec![1, 2, 3])),
            error: None,
            extra: Extra::new(),
        });
        let turn = |role| Message { role, content: vec![image.clone()], extra: Extra::new() };
        let sent = request_messages(&[turn(Role::User), turn(Role::Assistant)]);
        assert_eq!(sent[0].content, vec![image]);
        assert_eq!(sent[1].content, [ContentBlock::Text("[an image (png) was generated here]".into())]);
    }

    #[test]
    fn empty_messages_are_skipped() {
        let empty = Message { role: Role::Assistant, content: vec![], extra: Extra::new() };
        let history = [m(Role::User, "a"), empty, m(Role::User, "b")];
        assert_eq!(request_messages(&history).len(), 1);
    }

    #[test]
    fn blank_text_blocks_are_not_sent_back() {
        let reply = Message {
            role: Role::Assistant,
            content: vec![ContentBlock::Text(String::new()), ContentBlock::Text("Hello!".into())],
            extra: Extra::new(),
        };
        let blank = Message {
            role: Role::Assistant,
            content: vec![ContentBlock::Text(" \n".into())],
            extra: Extra::new(),
        };
        let history = [m(Role::User, "Hi"), reply, m(Role::User, "again"), blank, m(Role::User, "and?")];
        let sent = request_messages(&history);
        assert_eq!(sent[1], m(Role::Assistant, "Hello!"));
        assert_eq!(sent.len(), 3, "a reply of nothing is left out, the user turns around it merge");
        assert_eq!(sent[2].content.len(), 2);
    }

    fn usage(input: u32, output: u32, cache_read: Option<u32>) -> TokenUsage {
        TokenUsage {
            input_tokens: input,
            output_tokens: output,
            total_tokens: input + output,
            cache_read_input_tokens: cache_read,
            ..Default::default()
        }
    }

    fn from_json(value: serde_json::Value) -> Message {
        serde_json::from_value(value).expect("a Message")
    }

    fn results(id: &str) -> Message {
        from_json(serde_json::json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": id, "content": [{"text": "4"}]}}]}))
    }

    #[test]
    fn regenerate_answers_the_last_prompt_not_a_turn_of_tool_results() {
        let history = [
            m(Role::User, "what is 2+2?"),
            m(Role::Assistant, "let me compute"),
            results("t1"),
            m(Role::Assistant, "4"),
        ];
        assert_eq!(last_prompt(&history), Some(0));
        assert!(is_tool_results(&history[2]) && !is_tool_results(&history[0]));
        assert_eq!(last_prompt(&history[1..2]), None);
        let empty_user = Message { role: Role::User, content: vec![], extra: Extra::new() };
        assert!(!is_tool_results(&empty_user), "an empty turn is not a turn of tool results");
    }

    #[test]
    fn a_prompt_whose_reply_failed_is_not_merged_into_the_next() {
        let history = [
            m(Role::User, "first try"),
            m(Role::Assistant, "ThrottlingException"),
            m(Role::User, "something else"),
            m(Role::Assistant, ""),
        ];
        let keep = turns_to_send(&history, &[false, true, false, false]);
        assert_eq!(keep, [false, false, true, true]);
        let sent: Vec<Message> =
            history.iter().zip(&keep).filter(|(_, k)| **k).map(|(m, _)| m.clone()).collect();
        assert_eq!(request_messages(&sent), [m(Role::User, "something else")]);
        // Retry: the failed reply was replaced by a new one, and the prompt goes again.
        assert_eq!(turns_to_send(&history[..1], &[false]), [true]);
    }

    #[test]
    fn tool_results_stay_when_the_reply_after_them_failed() {
        let call = from_json(serde_json::json!({"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "t1", "name": "clock", "input": {}}}]}));
        let history = [m(Role::User, "time?"), call, results("t1"), m(Role::Assistant, "")];
        assert_eq!(turns_to_send(&history, &[false, false, false, true]), [true, true, true, false]);
    }

    #[test]
    fn only_a_reply_of_text_with_something_in_it_continues() {
        assert!(continuable(&m(Role::Assistant, "Once upon a time")));
        assert!(!continuable(&m(Role::Assistant, "  \n")));
        assert!(!continuable(&m(Role::User, "Once")));
        let with_call = from_json(serde_json::json!({"role": "assistant", "content": [
            {"text": "I will look it up"},
            {"toolUse": {"toolUseId": "t1", "name": "clock", "input": {}}}]}));
        assert!(!continuable(&with_call));
        assert_eq!(continuation_prefill("The end is near \n"), "The end is near");
    }

    #[test]
    fn a_continued_reply_counts_both_calls() {
        let sum = add_usage(Some(&usage(10, 5, Some(3))), &usage(20, 7, None));
        assert_eq!((sum.input_tokens, sum.output_tokens, sum.total_tokens), (30, 12, 42));
        assert_eq!(sum.cache_read_input_tokens, Some(3));
        assert_eq!(sum.cache_write_input_tokens, None);
        assert_eq!(add_usage(None, &usage(1, 2, None)), usage(1, 2, None));
        let totals: Totals = [usage(10, 5, None), usage(20, 7, None)].iter().collect();
        assert_eq!(totals, Totals { input: 30, output: 12, replies: 2 });
    }
}
