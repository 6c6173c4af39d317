//! The request and response of `CountTokens` (`POST /model/{modelId}/count-tokens`): how many
//! input tokens a Converse (or InvokeModel) request would be billed, counted by the model's
//! own tokenizer, free of charge.

use super::{Blob, Document, Message, SystemContentBlock, ToolConfiguration};

wire_struct! {
    /// The body of `CountTokens` (`CountTokensRequest`; the model id travels in the path).
    pub struct CountTokensRequest {
        /// What to count.
        input: CountTokensInput,
    }
}

open_union! {
    /// What to count (`CountTokensInput`): a Converse request's input, or an InvokeModel body.
    pub enum CountTokensInput {
        /// A Converse request's messages, system prompt and tools.
        Converse(ConverseTokensRequest) = "converse",
        /// An InvokeModel request's body, in the model's own format.
        InvokeModel(InvokeModelTokensRequest) = "invokeModel",
    }
}

wire_struct! {
    /// The parts of a Converse request that are counted (`ConverseTokensRequest`).
    #[derive(Default)]
    pub struct ConverseTokensRequest {}
    optional {
        /// The conversation.
        messages: Vec<Message>,
        /// System prompt blocks.
        system: Vec<SystemContentBlock>,
        /// The tools offered (their specifications count too).
        tool_config: ToolConfiguration,
        /// Model-specific parameters.
        additional_model_request_fields: Document,
    }
}

wire_struct! {
    /// An InvokeModel body to count (`InvokeModelTokensRequest`).
    pub struct InvokeModelTokensRequest {
        /// The body, as the model takes it (base64 on the wire).
        body: Blob,
    }
}

wire_struct! {
    /// The answer of `CountTokens` (`CountTokensResponse`).
    pub struct CountTokensResponse {
        /// The input tokens the same input would be billed in an inference request.
        input_tokens: u32,
    }
}
