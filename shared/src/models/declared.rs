//! Models outside the table: what a deployer declares one takes (`MODEL_CAPABILITIES`), and
//! the rules of one nobody declared, which guess nothing.

use std::borrow::Cow;

use super::table::rules;
use super::{ModelRules, base_model_id, rules_for};

/// The rules of a model neither the table nor the deployer knows. Nothing is guessed: it is
/// sent text alone (the system prompt folded into the first message; no tools, attachments
/// or stop sequences; `temperature` without `topP`), any `maxTokens` is left for Bedrock to
/// judge, and its context window is taken to be a small one.
pub fn unknown() -> ModelRules {
    ModelRules {
        known: false,
        system_prompt: false,
        tools: false,
        streaming_tools: false,
        documents: false,
        temperature_xor_top_p: true,
        stop_sequences: false,
        ..rules("an unknown model", 32_000, u32::MAX)
    }
}

/// What a deployer declares a model takes (`MODEL_CAPABILITIES`, one object per model id):
/// for a model in the table, what it leaves out keeps the table's value; for one the table
/// lacks, `contextWindow` and `maxOutputTokens` are required and what it leaves out is off.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclaredRules {
    /// A name to show for it.
    pub family: Option<String>,
    /// As [`ModelRules`]' member of the same name.
    pub system_prompt: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub tools: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub streaming_tools: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub images: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub documents: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub video: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub s3_media: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub audio: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub reasoning: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub signed_reasoning: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub adaptive_thinking: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub temperature_xor_top_p: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub fixed_sampling: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub stop_sequences: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub count_tokens: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub structured_output: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub effort: Option<String>,
    /// As [`ModelRules`]' member of the same name.
    pub prompt_cache: Option<String>,
    /// As [`ModelRules`]' member of the same name.
    pub system_tools: Option<String>,
    /// As [`ModelRules`]' member of the same name.
    pub citations: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub system_messages: Option<bool>,
    /// As [`ModelRules`]' member of the same name.
    pub context_window: Option<u32>,
    /// As [`ModelRules`]' member of the same name.
    pub max_output_tokens: Option<u32>,
}

impl DeclaredRules {
    /// The rules of `model_id` as declared, or why the declaration is not enough.
    pub fn rules(self, model_id: &str) -> Result<ModelRules, String> {
        let table = rules_for(model_id);
        let base = if table.known {
            table
        } else {
            let (Some(context_window), Some(max_output_tokens)) =
                (self.context_window, self.max_output_tokens)
            else {
                return Err(format!(
                    "{model_id} is not a model converse-edge knows: declare its contextWindow and maxOutputTokens"
                ));
            };
            // Shown as the id without its provider (`google.gemma-3-27b-it` → `gemma-3-27b-it`).
            let name = base_model_id(model_id).split_once('.').map_or(model_id, |(_, name)| name);
            ModelRules {
                family: Cow::Owned(name.to_owned()),
                known: true,
                system_prompt: false,
                tools: false,
                streaming_tools: false,
                images: false,
                documents: false,
                video: false,
                s3_media: false,
                audio: false,
                reasoning: false,
                adaptive_thinking: false,
                signed_reasoning: false,
                temperature_xor_top_p: false,
                fixed_sampling: false,
                count_tokens: false,
                structured_output: false,
                effort: Cow::Borrowed(""),
                prompt_cache: Cow::Borrowed(""),
                system_tools: Cow::Borrowed(""),
                system_messages: false,
                citations: false,
                stop_sequences: false,
                context_window,
                max_output_tokens,
            }
        };
        let on = |declared: Option<bool>, otherwise: bool| declared.unwrap_or(otherwise);
        let tools = on(self.tools, base.tools);
        Ok(ModelRules {
            system_prompt: on(self.system_prompt, base.system_prompt),
            // A model declared to take tools streams them unless it is said not to.
            streaming_tools: on(self.streaming_tools, base.streaming_tools || (tools && !base.tools)),
            tools,
            images: on(self.images, base.images),
            documents: on(self.documents, base.documents),
            video: on(self.video, base.video),
            audio: on(self.audio, base.audio),
            s3_media: on(self.s3_media, base.s3_media),
            reasoning: on(self.reasoning, base.reasoning),
            signed_reasoning: on(self.signed_reasoning, base.signed_reasoning),
            adaptive_thinking: on(self.adaptive_thinking, base.adaptive_thinking),
            temperature_xor_top_p: on(self.temperature_xor_top_p, base.temperature_xor_top_p),
            fixed_sampling: on(self.fixed_sampling, base.fixed_sampling),
            stop_sequences: on(self.stop_sequences, base.stop_sequences),
            count_tokens: on(self.count_tokens, base.count_tokens),
            structured_output: on(self.structured_output, base.structured_output),
            effort: self.effort.map_or(base.effort, Cow::Owned),
            prompt_cache: self.prompt_cache.map_or(base.prompt_cache, Cow::Owned),
            system_tools: self.system_tools.map_or(base.system_tools, Cow::Owned),
            citations: on(self.citations, base.citations),
            system_messages: on(self.system_messages, base.system_messages),
            context_window: self.context_window.unwrap_or(base.context_window),
            max_output_tokens: self.max_output_tokens.unwrap_or(base.max_output_tokens),
            family: self.family.map_or(base.family, Cow::Owned),
            known: true,
        })
    }
}
