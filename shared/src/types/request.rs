use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Extra, Message, SystemContentBlock};

/// The body of `Converse` and `ConverseStream` (the model id travels in the path).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConverseRequest {
    /// The conversation so far; the last message is the one to answer.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// System prompt blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<Vec<SystemContentBlock>>,
    /// Common inference parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference_config: Option<InferenceConfiguration>,
    /// Model-specific parameters, passed to the model as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Common inference parameters (`InferenceConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InferenceConfiguration {
    /// The most tokens the reply may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Randomness, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Sequences that end the reply when generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
