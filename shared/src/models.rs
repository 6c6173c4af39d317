//! Model rules as data: what each model family takes, and one function, [`prepare`], that
//! fits a request to a model.
//!
//! Converse is one API over many models, and they differ: some take no system prompt, some
//! no tools, some reject `temperature` together with `topP`, some reject `stopSequences`.
//! The table below says so once; the relay and the page read it (the stand-in has its own,
//! so that the two can disagree). A deployer declares what the table lacks
//! ([`DeclaredRules`]); a model neither knows is sent text alone ([`unknown`]).

use std::borrow::Cow;

use crate::error::{BedrockError, ErrorKind};
use crate::types::*;

/// What a model family accepts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelRules {
    /// A human name for the family.
    pub family: Cow<'static, str>,
    /// Whether what it takes is known: it is in the table, or the deployer declared it.
    /// Otherwise the rules are [`unknown`]'s, which guess nothing.
    pub known: bool,
    /// Takes `system`. Without it, a system prompt is folded into the first user turn.
    pub system_prompt: bool,
    /// Takes `toolConfig`.
    pub tools: bool,
    /// Streams tool use (otherwise tools work with `Converse` only).
    pub streaming_tools: bool,
    /// Takes images from the user.
    pub images: bool,
    /// Takes documents from the user.
    pub documents: bool,
    /// Takes video from the user.
    pub video: bool,
    /// Takes images, documents, video and audio by S3 URI (`s3Location`): Nova, per AWS's
    /// feature table ("Amazon S3 links for media"); the bucket is read with the caller's role.
    #[serde(default)]
    pub s3_media: bool,
    /// Takes audio from the user (`AudioBlock`). No model in AWS's feature table names
    /// audio for Converse yet, so the table says no for all; a deployer declares it for a
    /// model that does.
    #[serde(default)]
    pub audio: bool,
    /// Produces reasoning blocks.
    pub reasoning: bool,
    /// Thinks adaptively, as much as its effort asks (Claude Opus 4.8 and the 5 generation:
    /// "adaptive thinking is always on and cannot be disabled", AWS's model card for Opus 5.5;
    /// "on by default and can be turned off", Haiku 5.5's). It takes no thinking budget
    /// (`budget_tokens`: the AI SDK turns one into adaptive thinking for Haiku 5.5), so none is
    /// offered; its reasoning is shown and sent back all the same.
    #[serde(default)]
    pub adaptive_thinking: bool,
    /// Its reasoning is signed and must be sent back with later turns (Claude); unsigned
    /// reasoning (DeepSeek-R1, gpt-oss) must not be.
    pub signed_reasoning: bool,
    /// Takes no `temperature` or `topP` at all: Claude Opus 4.7 and later answer either with
    /// "`temperature` is deprecated for this model." (through Bedrock: RooCodeInc/Roo-Code#12162;
    /// "temperature, top_p, and top_k are no longer supported", OpenRouter's Claude 4.7 migration
    /// guide, after Anthropic's). The model sets its own sampling; the effort is the control.
    #[serde(default)]
    pub fixed_sampling: bool,
    /// Rejects `temperature` and `topP` together (Claude 4.x).
    pub temperature_xor_top_p: bool,
    /// Bedrock counts its tokens (`CountTokens`), by its foundation-model id.
    #[serde(default)]
    pub count_tokens: bool,
    /// Takes `outputConfig.textFormat`: replies that follow a JSON schema. AWS names Claude
    /// Haiku 4.5, Sonnet 4.5, Opus 4.5 and 4.6 and select open-weight models
    /// (<https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html>).
    #[serde(default)]
    pub structured_output: bool,
    /// The effort levels it takes (`outputConfig.effort`), lowest first, space-separated
    /// (empty: none): Opus 4.5 `low medium high`; Opus and Sonnet 4.6 `max` besides
    /// (<https://platform.claude.com/docs/en/build-with-claude/effort>, Bedrock among its
    /// platforms). `high` is what a model without the field does.
    #[serde(default)]
    pub effort: Cow<'static, str>,
    /// Cites the documents it is given when asked (`citations.enabled`): Anthropic's Claude
    /// 3.5 Haiku, 3.7 and 4.x (<https://docs.anthropic.com/en/docs/build-with-claude/citations>);
    /// the same models take search results, and cite them ([`crate::search`]).
    #[serde(default)]
    pub citations: bool,
    /// The lifetimes its prompt-cache checkpoints take (`cachePoint.ttl`), space-separated
    /// (empty: no prompt caching): `5m` for Claude 3.5 Haiku, 3.7 and 4, and Nova; `5m 1h`
    /// for Claude's 4.5 generation and later
    /// (<https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html>).
    #[serde(default)]
    pub prompt_cache: Cow<'static, str>,
    /// The system tools it runs itself (`Tool.systemTool`), space-separated (empty: none):
    /// Nova 2 Lite's `nova_grounding` and `nova_code_interpreter`
    /// (<https://docs.aws.amazon.com/nova/latest/userguide/tool-built-in.html>).
    #[serde(default)]
    pub system_tools: Cow<'static, str>,
    /// Takes messages with the `system` role within the conversation, and the tool changes
    /// they carry (`toolAddition`, `toolRemoval`): Claude Opus 4.8, Opus 5 and 5.5, Sonnet 5.5
    /// and Haiku 5.5, not Sonnet 5 ("Mid-conversation system messages and tool changes",
    /// <https://platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages>,
    /// Bedrock among its platforms).
    #[serde(default)]
    pub system_messages: bool,
    /// Takes `stopSequences`.
    pub stop_sequences: bool,
    /// Tokens of context.
    pub context_window: u32,
    /// The most output tokens it may be asked for.
    pub max_output_tokens: u32,
}

impl ModelRules {
    /// Says that the model takes no `what` ("images", "tools"): as a fact for a known model;
    /// for an unknown one, that it is not known and so not sent.
    pub fn takes_no(&self, what: &str) -> String {
        if self.known {
            format!("{} takes no {what}", self.family)
        } else {
            format!("The relay does not know whether this model takes {what}, so it sends text alone")
        }
    }
}

/// The model id without an ARN around it or a cross-region inference profile prefix:
/// `us.anthropic.claude-3-5-sonnet-20240620-v1:0` → `anthropic.claude-3-5-sonnet-20240620-v1:0`.
pub fn base_model_id(model_id: &str) -> &str {
    let id =
        if model_id.starts_with("arn:") { model_id.rsplit('/').next().unwrap_or(model_id) } else { model_id };
    match id.split_once('.') {
        // A geography prefix (`us`, `eu`, `apac`, `global`, `us-gov`, ...) comes before a provider.
        Some((prefix, rest))
            if rest.contains('.') && !TABLE.iter().any(|(p, _)| p.split('.').next() == Some(prefix)) =>
        {
            rest
        }
        _ => id,
    }
}

/// The id to count `model_id`'s tokens by, if Bedrock counts them: its foundation model's
/// bare id. `CountTokens` takes a foundation model's id or ARN and refuses an inference
/// profile's ("The provided model doesn't support counting tokens"), so a system-defined
/// profile (`us.…`, or its ARN) counts by the model it routes to; an application inference
/// profile (its model not named in its ARN), a provisioned or custom model cannot be counted.
pub fn counting_model_id<'a>(model_id: &'a str, rules: &ModelRules) -> Option<&'a str> {
    let owned = ["application-inference-profile/", "provisioned-model/", "custom-model"];
    if !rules.count_tokens || (model_id.starts_with("arn:") && owned.iter().any(|k| model_id.contains(k))) {
        return None;
    }
    Some(base_model_id(model_id))
}

/// The rules for `model_id` (inference profiles and ARNs resolve to their family).
pub fn rules_for(model_id: &str) -> ModelRules {
    let base = base_model_id(model_id);
    TABLE.iter().find(|(prefix, _)| base.starts_with(prefix)).map_or_else(unknown, |(_, rules)| rules.clone())
}

/// What [`prepare`] changed, for the person to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adjustment {
    /// The model takes no system prompt: it was put at the start of the first user turn.
    SystemPromptFolded,
    /// The model rejects `temperature` with `topP`: `topP` was left out.
    TopPDropped,
    /// The model takes neither `temperature` nor `topP`: they were left out.
    SamplingDropped,
    /// The model takes no `stopSequences`: they were left out.
    StopSequencesDropped,
    /// `maxTokens` was above the model's maximum and was lowered to it.
    MaxTokensClamped(u32),
    /// Reasoning the model must not be sent back was left out of the history.
    ReasoningDropped(usize),
}

fn unsupported(model_id: &str, rules: &ModelRules, what: &str) -> BedrockError {
    let message = if rules.known {
        format!("{model_id} ({}) does not support {what}. Remove it or choose another model.", rules.family)
    } else {
        format!(
            "{model_id} is not a model this relay knows, so it is sent text alone. Remove the {what}, or \
             choose another model (the deployer can declare what {model_id} takes)."
        )
    };
    BedrockError::new(ErrorKind::Validation, message)
}

/// Fits `request` to the model `rules` describe: applies them, and refuses what cannot be
/// fitted (tools, images, documents or video a model does not take) with a
/// `ValidationException` that says what to change. Returns what it changed.
pub fn prepare(
    model_id: &str,
    rules: &ModelRules,
    request: &mut ConverseRequest,
    streaming: bool,
) -> Result<Vec<Adjustment>, BedrockError> {
    let mut adjustments = Vec::new();

    if request.tool_config.as_ref().is_some_and(|t| !t.tools.is_empty()) {
        if !rules.tools {
            return Err(unsupported(model_id, rules, "tool use"));
        }
        if streaming && !rules.streaming_tools {
            return Err(unsupported(model_id, rules, "tool use while streaming (use Converse instead)"));
        }
        let system_tools = request.tool_config.iter().flat_map(|c| &c.tools).filter_map(|t| match t {
            Tool::SystemTool(s) => Some(s.name.as_str()),
            _ => None,
        });
        for name in system_tools {
            if !rules.system_tools.split_whitespace().any(|t| t == name) {
                return Err(unsupported(model_id, rules, &format!("the system tool {name}")));
            }
        }
    }
    if request.output_config.as_ref().is_some_and(|c| c.text_format.is_some()) && !rules.structured_output {
        return Err(unsupported(model_id, rules, "a reply format (structured output)"));
    }
    if let Some(effort) = request.output_config.as_ref().and_then(|c| c.effort.as_deref())
        && !rules.effort.split_whitespace().any(|level| level == effort)
    {
        return Err(unsupported(model_id, rules, &format!("the effort level {effort:?}")));
    }
    for (i, message) in request.messages.iter().enumerate() {
        if message.role == Role::System && !rules.system_messages {
            return Err(unsupported(
                model_id,
                rules,
                &format!("system messages within the conversation (messages[{i}])"),
            ));
        }
        for (j, block) in message.content.iter().enumerate() {
            let what = match block {
                ContentBlock::Image(_) if !rules.images => "image input",
                ContentBlock::Document(_) if !rules.documents => "document input",
                ContentBlock::Video(_) if !rules.video => "video input",
                ContentBlock::Audio(_) if !rules.audio => "audio input",
                _ => continue,
            };
            return Err(unsupported(model_id, rules, &format!("{what} (messages[{i}].content[{j}])")));
        }
    }

    if let Some(config) = request.inference_config.as_mut() {
        if rules.fixed_sampling && (config.temperature.take().is_some() | config.top_p.take().is_some()) {
            adjustments.push(Adjustment::SamplingDropped);
        }
        if rules.temperature_xor_top_p && config.temperature.is_some() && config.top_p.take().is_some() {
            adjustments.push(Adjustment::TopPDropped);
        }
        if !rules.stop_sequences && config.stop_sequences.take().is_some_and(|s| !s.is_empty()) {
            adjustments.push(Adjustment::StopSequencesDropped);
        }
        if let Some(max) = config.max_tokens.filter(|m| *m > rules.max_output_tokens) {
            config.max_tokens = Some(rules.max_output_tokens);
            adjustments.push(Adjustment::MaxTokensClamped(max));
        }
    }

    if !rules.system_prompt
        && let Some(system) = request.system.take()
    {
        let text: Vec<&str> = system
            .iter()
            .filter_map(|b| match b {
                SystemContentBlock::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        if let Some(first_user) = request.messages.iter_mut().find(|m| m.role == Role::User)
            && !text.is_empty()
        {
            first_user.content.insert(0, ContentBlock::Text(text.join("\n\n")));
            adjustments.push(Adjustment::SystemPromptFolded);
        }
    }

    // Signed reasoning must be replayed as it came; unsigned reasoning must not be replayed.
    if !rules.signed_reasoning {
        let mut dropped = 0;
        for message in request.messages.iter_mut().filter(|m| m.role == Role::Assistant) {
            let before = message.content.len();
            message.content.retain(|b| !matches!(b, ContentBlock::ReasoningContent(_)));
            dropped += before - message.content.len();
        }
        if dropped > 0 {
            adjustments.push(Adjustment::ReasoningDropped(dropped));
        }
    }
    Ok(adjustments)
}

mod declared;
mod fit;
mod listing;
mod table;
pub use declared::{DeclaredRules, unknown};
pub use fit::{
    MIN_THINKING_BUDGET, ThinkingChanges, enable_thinking, leave_out_unsupported, left_out_words,
    offers_thinking,
};
pub use listing::{ModelListing, OfferedModel};
use table::TABLE;

#[cfg(test)]
mod tests;
