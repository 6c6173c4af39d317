//! The tool loop of a reply: each round of calls the model makes is shown as cards, run
//! (after the person's Run where a tool asks first), and answered in one user turn, until
//! the model ends its turn or the round cap is reached.

use converse_shared::tools::{
    DEFAULT_MAX_ROUNDS, Next, Outcome, ToolCall, ToolLoop, readable, results_message,
};
use converse_shared::{ContentBlock, Message, Role};
use futures_util::future::join_all;
use leptos::prelude::*;

use super::Reply;
use crate::state::message::{ChatMessage, ToolCard, ToolStatus, cards_for};
use crate::storage::{self, MessageStatus};

impl Reply {
    /// Streams replies until the model's turn is over: each round of tool calls is run,
    /// shown as cards, and answered in one user turn.
    pub(super) async fn answer(self, first: ChatMessage, continuing: bool) {
        let conversation = self.conversation;
        let mut tool_loop = ToolLoop::new(DEFAULT_MAX_ROUNDS);
        let mut reply = first;
        let mut first_round = true;
        while let Some((message, stop_reason)) = self.stream_reply(reply, first_round, continuing).await {
            let message = if continuing && first_round {
                // The continuation's text joins what was there.
                let mut content = vec![ContentBlock::Text(reply.text.get_value())];
                content.extend(message.content.into_iter().filter(|b| !matches!(b, ContentBlock::Text(_))));
                Message { content, ..message }
            } else {
                message
            };
            first_round = false;
            reply.set_blocks(message.content.clone());
            // Calls a system tool ran within the reply: their cards show what Bedrock returned.
            for ran in converse_shared::tools::answered(&message, None) {
                let Some(result) = ran.result else { continue };
                reply.tools.update(|cards| {
                    if let Some(card) = cards.iter_mut().find(|c| c.id == ran.call.id) {
                        (card.status, card.result) = match result {
                            Ok(text) => (ToolStatus::Done, text),
                            Err(text) => (ToolStatus::Failed, text),
                        };
                    }
                });
            }
            let calls = match tool_loop.next(&message, &stop_reason) {
                Next::Done => {
                    reply.not_run("not run: the model ended its turn");
                    return;
                }
                Next::RoundCapReached(n) => {
                    reply.note.set(Some(format!("Stopped after {n} rounds of tool calls.")));
                    reply.not_run("not run: the round cap was reached");
                    return;
                }
                Next::RunTools(calls) => calls,
            };
            reply.tools.set(
                cards_for(&message, None)
                    .into_iter()
                    .map(|c| ToolCard {
                        status: ToolStatus::Running,
                        result: String::new(),
                        found: Vec::new(),
                        ..c
                    })
                    .collect(),
            );
            // Every call of the round runs at once; the results go back together.
            let results = join_all(calls.into_iter().map(|call| self.run_call(reply, call))).await;
            if conversation.running.stop_requested() {
                reply.note.set(Some("Stopped before the tool results were sent.".into()));
                return;
            }
            let answered = conversation.tool_results(results_message(&results));
            let next = conversation.message(
                answered.id + 1,
                Role::Assistant,
                String::new(),
                MessageStatus::Streaming,
            );
            conversation.messages.update(|m| m.extend([answered, next]));
            conversation.persist().await;
            reply = next;
        }
    }

    /// Runs one call, first asking the person if the tool is set to ask.
    async fn run_call(self, reply: ChatMessage, call: ToolCall) -> (ToolCall, Outcome) {
        let set_status = |status: ToolStatus, result: String, duration_ms: f64| {
            reply.tools.update(|cards| {
                if let Some(card) = cards.iter_mut().find(|c| c.id == call.id) {
                    *card = ToolCard { status, result, duration_ms, ..card.clone() };
                }
            })
        };
        // A model may name any tool, offered or not: only a tool that is on here runs.
        let Some(setting) = self.conversation.settings.may_run(&call.name) else {
            let why = format!("the tool {} is not switched on in this conversation", call.name);
            set_status(ToolStatus::Failed, why.clone(), 0.0);
            return (call, Outcome::Error(why));
        };
        if setting.ask {
            set_status(ToolStatus::Asking, String::new(), 0.0);
            if !self.conversation.running.approval(call.id.clone()).await {
                let why = "the person chose not to run this tool".to_owned();
                set_status(ToolStatus::Failed, why.clone(), 0.0);
                return (call, Outcome::Error(why));
            }
            set_status(ToolStatus::Running, String::new(), 0.0);
        }
        let started = storage::now_ms();
        let outcome = crate::tools::run(&call).await;
        let (status, result) = match &outcome {
            Outcome::Success(serde_json::Value::String(t)) => (ToolStatus::Done, t.clone()),
            Outcome::Success(v) => (ToolStatus::Done, v.to_string()),
            Outcome::Error(why) => (ToolStatus::Failed, why.clone()),
            Outcome::Content(blocks) => (ToolStatus::Done, readable(blocks)),
        };
        set_status(status, result, storage::now_ms() - started);
        if let Outcome::Content(blocks) = &outcome {
            let found = converse_shared::search::found(blocks);
            reply.tools.update(|cards| {
                if let Some(card) = cards.iter_mut().find(|c| c.id == call.id) {
                    card.found = found;
                }
            });
        }
        (call, outcome)
    }
}
