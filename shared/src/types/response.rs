//! The response of `Converse`, and the parts a stream's `metadata` shares with it.

use super::open_enum::open_enum;
use super::{CacheTtl, Document, GuardrailTraceAssessment, Message, PerformanceConfiguration, ServiceTier};

wire_struct! {
    /// The body of a successful `Converse` response.
    pub struct ConverseResponse {
        /// The reply.
        output: ConverseOutput,
        /// Why the model stopped.
        stop_reason: StopReason,
        /// Tokens used.
        usage: TokenUsage,
        /// Timing. Required by the service model and always sent by Bedrock, but read as
        /// zero when absent (as in hand-written fixtures) rather than losing the reply.
        #[serde(default)]
        metrics: ConverseMetrics,
    }
    optional {
        /// Model-specific fields asked for with `additionalModelResponseFieldPaths`.
        additional_model_response_fields: Document,
        /// Guardrail and prompt-router traces.
        trace: ConverseTrace,
        /// The latency profile used.
        performance_config: PerformanceConfiguration,
        /// The service tier used.
        service_tier: ServiceTier,
    }
}

open_union! {
    /// The output of `Converse` (`ConverseOutput`).
    pub enum ConverseOutput {
        /// The model's reply message.
        Message(Message) = "message",
    }
}

impl ConverseOutput {
    /// The reply message, if the output is one.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Self::Message(m) => Some(m),
            _ => None,
        }
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

wire_struct! {
    /// Token counts of one call (`TokenUsage`).
    #[derive(Default)]
    pub struct TokenUsage {
        /// Tokens in the request.
        input_tokens: u32,
        /// Tokens in the reply.
        output_tokens: u32,
        /// Their sum.
        total_tokens: u32,
    }
    optional {
        /// Tokens read from the prompt cache.
        cache_read_input_tokens: u32,
        /// Tokens written to the prompt cache.
        cache_write_input_tokens: u32,
        /// Cache writes by time to live.
        cache_details: Vec<CacheDetail>,
    }
}

wire_struct! {
    /// Cache writes of one time to live (`CacheDetail`).
    pub struct CacheDetail {
        /// The time to live.
        ttl: CacheTtl,
        /// Tokens written with it.
        input_tokens: u32,
    }
}

wire_struct! {
    /// Timing of one call (`ConverseMetrics`, `ConverseStreamMetrics`).
    #[derive(Default)]
    pub struct ConverseMetrics {
        /// Milliseconds the model took.
        latency_ms: u64,
    }
}

wire_struct! {
    /// Traces of a call (`ConverseTrace`, `ConverseStreamTrace`).
    pub struct ConverseTrace {}
    optional {
        /// What the guardrail assessed.
        guardrail: GuardrailTraceAssessment,
        /// Which model a prompt router chose.
        prompt_router: PromptRouterTrace,
    }
}

wire_struct! {
    /// Which model a prompt router chose (`PromptRouterTrace`).
    pub struct PromptRouterTrace {}
    optional {
        /// The model's id.
        invoked_model_id: String,
    }
}
