use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::{Extra, Message};

/// The body of a successful `Converse` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseResponse {
    /// The reply.
    pub output: ConverseOutput,
    /// Why the model stopped.
    pub stop_reason: StopReason,
    /// Tokens used.
    pub usage: TokenUsage,
    /// Timing.
    pub metrics: ConverseMetrics,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

open_union! {
    /// The output of `Converse` (`ConverseOutput`).
    pub enum ConverseOutput {
        /// The model's reply message.
        Message(Message) = "message",
    }
}

open_enum! {
    /// Why the model stopped generating (`StopReason`).
    pub enum StopReason {
        /// The model finished its turn.
        EndTurn = "end_turn",
        /// The model wants a tool run.
        ToolUse = "tool_use",
        /// `maxTokens` was reached.
        MaxTokens = "max_tokens",
        /// One of `stopSequences` was generated.
        StopSequence = "stop_sequence",
        /// A guardrail intervened.
        GuardrailIntervened = "guardrail_intervened",
        /// Content filters stopped the reply.
        ContentFiltered = "content_filtered",
        /// The model produced output Bedrock could not parse.
        MalformedModelOutput = "malformed_model_output",
        /// The model produced tool input that is not valid.
        MalformedToolUse = "malformed_tool_use",
        /// The conversation no longer fits the model's context window.
        ModelContextWindowExceeded = "model_context_window_exceeded",
    }
}

/// Token counts of one call (`TokenUsage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    /// Tokens in the request.
    pub input_tokens: u32,
    /// Tokens in the reply.
    pub output_tokens: u32,
    /// Their sum.
    pub total_tokens: u32,
    /// Tokens read from the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u32>,
    /// Tokens written to the prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u32>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Timing of one call (`ConverseMetrics`, `ConverseStreamMetrics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseMetrics {
    /// Milliseconds the model took.
    pub latency_ms: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
