//! The request of `Converse` and `ConverseStream`.

use std::collections::BTreeMap;

use super::open_enum::open_enum;
use super::{Document, Message, SystemContentBlock, ToolConfiguration};

wire_struct! {
    /// The body of `Converse` and `ConverseStream` (the model id travels in the path).
    #[derive(Default)]
    pub struct ConverseRequest {
        /// The conversation so far; the last message is the one to answer.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        messages: Vec<Message>,
    }
    optional {
        /// System prompt blocks.
        system: Vec<SystemContentBlock>,
        /// Common inference parameters.
        inference_config: InferenceConfiguration,
        /// The tools the model may use.
        tool_config: ToolConfiguration,
        /// The guardrail to apply (`GuardrailConfiguration`, or for streams
        /// `GuardrailStreamConfiguration`).
        guardrail_config: GuardrailConfiguration,
        /// Model-specific parameters, passed to the model as they are.
        additional_model_request_fields: Document,
        /// Values for a prompt-management prompt's variables.
        prompt_variables: BTreeMap<String, PromptVariableValues>,
        /// JSON pointers of model-specific response fields to return.
        additional_model_response_field_paths: Vec<String>,
        /// Key-value pairs recorded in invocation logs.
        request_metadata: BTreeMap<String, String>,
        /// Latency-optimised inference.
        performance_config: PerformanceConfiguration,
        /// Which service tier serves the request.
        service_tier: ServiceTier,
        /// The reply's format (structured output) and effort.
        output_config: OutputConfig,
        /// The Bedrock project the call is billed to (its id or ARN); `default` or absent
        /// is the account's default project. See [`crate::project::problem`].
        project_identifier: String,
    }
}

wire_struct! {
    /// Common inference parameters (`InferenceConfiguration`).
    #[derive(Default)]
    pub struct InferenceConfiguration {}
    optional {
        /// The most tokens the reply may have.
        max_tokens: u32,
        /// Randomness, 0 to 1.
        temperature: f64,
        /// Nucleus sampling, 0 to 1.
        top_p: f64,
        /// Sequences that end the reply when generated.
        stop_sequences: Vec<String>,
    }
}

open_enum! {
    /// Whether a guardrail trace is returned (`GuardrailTrace`).
    pub enum GuardrailTrace {
        /// Return the trace.
        Enabled = "enabled",
        /// Do not.
        Disabled = "disabled",
        /// Return the full trace.
        EnabledFull = "enabled_full",
    }
}

open_enum! {
    /// How a guardrail checks a stream (`GuardrailStreamProcessingMode`).
    pub enum GuardrailStreamProcessingMode {
        /// Each chunk is checked before it is sent.
        Sync = "sync",
        /// Chunks are sent at once and checked in the background.
        Async = "async",
    }
}

wire_struct! {
    /// The guardrail to apply (`GuardrailConfiguration` / `GuardrailStreamConfiguration`).
    pub struct GuardrailConfiguration {}
    optional {
        /// The guardrail's id or ARN.
        guardrail_identifier: String,
        /// Its version.
        guardrail_version: String,
        /// Whether to return its trace.
        trace: GuardrailTrace,
        /// Streams only: how chunks are checked.
        stream_processing_mode: GuardrailStreamProcessingMode,
    }
}

open_union! {
    /// A prompt variable's value (`PromptVariableValues`).
    pub enum PromptVariableValues {
        /// Text.
        Text(String) = "text",
    }
}

open_enum! {
    /// `PerformanceConfigLatency`.
    pub enum PerformanceConfigLatency {
        /// Standard latency.
        Standard = "standard",
        /// Latency-optimised.
        Optimized = "optimized",
    }
}

wire_struct! {
    /// Latency-optimised inference (`PerformanceConfiguration`).
    pub struct PerformanceConfiguration {}
    optional {
        /// Which latency profile.
        latency: PerformanceConfigLatency,
    }
}

open_enum! {
    /// `ServiceTierType`.
    pub enum ServiceTierType {
        /// Priority.
        Priority = "priority",
        /// Default.
        Default = "default",
        /// Flex.
        Flex = "flex",
        /// Reserved.
        Reserved = "reserved",
    }
}

wire_struct! {
    /// Which service tier serves the request (`ServiceTier`).
    pub struct ServiceTier {
        /// The tier.
        r#type: ServiceTierType,
    }
}

wire_struct! {
    /// The reply's format and effort (`OutputConfig`).
    pub struct OutputConfig {}
    optional {
        /// Structured output.
        text_format: OutputFormat,
        /// How much effort the model spends.
        effort: String,
    }
}

open_enum! {
    /// `OutputFormatType`.
    pub enum OutputFormatType {
        /// Output that follows a JSON schema.
        JsonSchema = "json_schema",
    }
}

wire_struct! {
    /// Structured output (`OutputFormat`).
    pub struct OutputFormat {
        /// The kind of structure.
        r#type: OutputFormatType,
        /// The structure.
        structure: OutputFormatStructure,
    }
}

open_union! {
    /// The structure of structured output (`OutputFormatStructure`).
    pub enum OutputFormatStructure {
        /// A JSON schema.
        JsonSchema(JsonSchemaDefinition) = "jsonSchema",
    }
}

wire_struct! {
    /// A JSON schema for structured output (`JsonSchemaDefinition`).
    pub struct JsonSchemaDefinition {
        /// The schema, as JSON text.
        schema: String,
    }
    optional {
        /// Its name.
        name: String,
        /// What it describes.
        description: String,
    }
}
