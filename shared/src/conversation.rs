//! Turning a stored chat into the `messages` of a Converse request.

use crate::types::{ContentBlock, Extra, Message, Role};

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
pub fn request_messages<'a>(history: impl IntoIterator<Item = &'a Message>) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    for message in history {
        let content =
            message.content.iter().filter(|b| b.as_text().is_none_or(|t| !t.trim().is_empty())).cloned();
        let content: Vec<ContentBlock> = content.collect();
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
}
