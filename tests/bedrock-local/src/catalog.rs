//! The stand-in's own knowledge of Bedrock's models: which ids exist, which may be called
//! on demand and which only through a system-defined inference profile (and in which
//! geographies), and what each takes.
//!
//! Written from AWS's documentation, not from the page's table (`converse_shared::models`),
//! so that the two disagree when one of them is wrong and a test notices:
//! - "Supported models and model features" (system prompts, document chat, vision, tool use,
//!   streaming tool use, S3 links):
//!   <https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html>
//! - "Supported foundation models" and "Supported Regions and models for inference profiles"
//!   (ids, on-demand or profile-only, geographies):
//!   <https://docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html>,
//!   <https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html>
//! - the model cards (context window, most output tokens), and what real Bedrock accepted and
//!   refused in the recorded traffic under `tests/fixtures/realcases` (Claude Sonnet 4.5 and
//!   its refusal of video and S3 images; Nova 2 Lite and its refusal of documents and video in
//!   tool results; the 2025-26 open-weight models called by their bare ids).
//!
//! Ids are matched exactly: a typo is "The provided model identifier is invalid.", as on
//! Bedrock.

mod table;

use table::{MODELS, OWN};

/// How a model reasons, when asked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reasoning {
    /// It does not.
    None,
    /// Its reasoning is signed (Anthropic): later turns send it back with the signature.
    Signed,
    /// Plain reasoning text (DeepSeek-R1, gpt-oss, Qwen3, Kimi K2 Thinking).
    Plain,
}

/// What one model takes.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// Its name in AWS's tables.
    pub name: &'static str,
    /// Callable by its bare id (or foundation-model ARN); otherwise only through a profile.
    pub on_demand: bool,
    /// The geographies of its system-defined inference profiles (`us`, `eu`, ...).
    pub profiles: &'static [&'static str],
    /// Takes `system`.
    pub system: bool,
    /// Takes `document` blocks.
    pub documents: bool,
    /// Takes `image` blocks.
    pub images: bool,
    /// Takes `video` blocks.
    pub video: bool,
    /// Takes `audio` blocks. AWS's feature table names no foundation model that does on
    /// Converse, so none here does; an account's own model may.
    pub audio: bool,
    /// Takes media by `s3Location`.
    pub s3: bool,
    /// Takes `toolConfig`.
    pub tools: bool,
    /// Takes `toolConfig` on ConverseStream.
    pub stream_tools: bool,
    /// Tool results may hold documents and video (Nova's may not).
    pub rich_tool_results: bool,
    /// Takes `stopSequences`.
    pub stop_sequences: bool,
    /// Takes a conversation that starts with the assistant (Claude Sonnet 4.5 did: realcases
    /// pyd-30); the others want the user first.
    pub assistant_first: bool,
    /// Refuses `temperature` and `topP` together (Anthropic's Opus 4.1 and the 4.5
    /// generation on; Sonnet 4 and Opus 4 take both).
    pub temperature_xor_top_p: bool,
    /// Thinks adaptively only, and sets its own sampling: Claude Opus 4.7 and later refuse
    /// `temperature` and `topP` ("`temperature` is deprecated for this model.", through Bedrock
    /// in RooCodeInc/Roo-Code#12162) and a thinking budget ("\"thinking.type.enabled\" is not
    /// supported for this model…", Opus 4.8 on Bedrock in Kilo-Org/kilocode#10732).
    pub adaptive: bool,
    /// Its reasoning.
    pub reasoning: Reasoning,
    /// `CountTokens` counts its tokens (by its bare id). AWS's list: Claude 3.5 Haiku, 3.5
    /// Sonnet (v1, v2), 3.7 Sonnet, Opus 4 and Sonnet 4
    /// (<https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html>); Haiku,
    /// Sonnet and Opus 4.5, Opus 4.1 and Sonnet 4.6 answered counts by their bare ids in
    /// other projects' live probes; Claude 3 and the other providers' models are refused.
    pub count_tokens: bool,
    /// Takes `outputConfig.textFormat` (structured output). AWS names Claude Haiku 4.5,
    /// Sonnet 4.5, Opus 4.5 and Opus 4.6, and select open-weight models
    /// (<https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html>); other
    /// projects recorded it accepted on Sonnet 4.6, Qwen 3, Mistral Large 3, Gemma 3,
    /// Nemotron, MiniMax and GLM (realcases pyd-11 to pyd-20, pyd-116).
    pub structured_output: bool,
    /// The effort levels it takes (`outputConfig.effort`): Opus 4.5 low to high, Opus and
    /// Sonnet 4.6 `max` besides (<https://platform.claude.com/docs/en/build-with-claude/effort>).
    pub effort: &'static [&'static str],
    /// The fewest tokens before a prompt-cache checkpoint for it to be cached (0: no prompt
    /// caching): "Claude 3.7 Sonnet … requires at least 1,024 tokens per cache checkpoint";
    /// Claude 3.5 Haiku 2,048; Haiku and Opus 4.5 4,096; Nova 1,000
    /// (<https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html>).
    pub cache_min: u32,
    /// Takes an hour's cache lifetime (`cachePoint.ttl: 1h`): Claude's 4.5 generation on.
    pub cache_1h: bool,
    /// The system tools it runs itself (`Tool.systemTool`): Nova 2 Lite's web grounding and
    /// code interpreter (<https://docs.aws.amazon.com/nova/latest/userguide/tool-built-in.html>;
    /// the interpreter recorded in realcases pyd-96 and pyd-97).
    pub system_tools: &'static [&'static str],
    /// Takes `searchResult` blocks, and cites them: "only supported by Anthropic Claude Opus
    /// 4.1, Opus 4, Sonnet 4.5, Sonnet 4, Sonnet 3.7, and 3.5 Haiku models" (the service
    /// model's `SearchResultBlock`), and Anthropic's later models ("available on all active
    /// models", <https://platform.claude.com/docs/en/build-with-claude/search-results>).
    pub search_results: bool,
    /// Takes messages with the `system` role within the conversation, and the tool changes
    /// they carry (`toolAddition`, `toolRemoval`): "available on Claude Fable 5.1, Claude
    /// Mythos 5.1, Claude Fable 5, Claude Mythos 5, Claude Opus 5.5, Claude Opus 4.8, Claude
    /// Opus 5, Claude Sonnet 5.5, and Claude Haiku 5.5 … not available on Claude Sonnet 5"
    /// (<https://platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages>).
    pub system_messages: bool,
    /// Tokens of context.
    pub context: u32,
    /// The most output tokens one request may ask for.
    pub max_output: u32,
}

/// The geographies of system-defined inference profiles.
const GEOGRAPHIES: &[&str] = &["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];

/// Bedrock's answer to an id it does not know (recorded: realcases pyd-1, pyd-45, pyd-105).
pub const INVALID_ID: &str = "The provided model identifier is invalid.";

/// Why `model_id` cannot be called, in Bedrock's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such model (or no such profile of it).
    Invalid,
    /// The model exists but takes no on-demand calls: an inference profile is needed.
    OnDemand(String),
}

impl Refusal {
    /// The message Bedrock sends.
    pub fn message(&self) -> String {
        match self {
            Self::Invalid => INVALID_ID.to_owned(),
            Self::OnDemand(base) => format!(
                "Invocation of model ID {base} with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
            ),
        }
    }
}

/// The model `model_id` names: a base id, a system-defined profile (`us.` + base), either
/// as an ARN, or an account's own (application profile, provisioned, custom, imported).
pub fn resolve(model_id: &str) -> Result<&'static Model, Refusal> {
    let id = match model_id.strip_prefix("arn:aws:bedrock:") {
        None => model_id,
        Some(rest) => {
            let (_region, rest) = rest.split_once(':').ok_or(Refusal::Invalid)?;
            let (account, resource) = rest.split_once(':').ok_or(Refusal::Invalid)?;
            let (kind, name) = resource.split_once('/').ok_or(Refusal::Invalid)?;
            let own_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
            match kind {
                "foundation-model" if account.is_empty() => return on_demand(name),
                "inference-profile" if own_account => return profile(name).ok_or(Refusal::Invalid),
                "application-inference-profile"
                | "provisioned-model"
                | "custom-model"
                | "custom-model-deployment"
                | "imported-model"
                    if own_account && !name.is_empty() =>
                {
                    return Ok(&OWN);
                }
                _ => return Err(Refusal::Invalid),
            }
        }
    };
    match profile(id) {
        Some(model) => Ok(model),
        None => on_demand(id),
    }
}

/// The model whose bare id is `id`, if the stand-in serves one.
pub fn base(id: &str) -> Option<&'static Model> {
    MODELS.iter().find(|(known, _)| *known == id).map(|(_, model)| model)
}

fn on_demand(id: &str) -> Result<&'static Model, Refusal> {
    let model = base(id).ok_or(Refusal::Invalid)?;
    if model.on_demand { Ok(model) } else { Err(Refusal::OnDemand(id.to_owned())) }
}

/// `us.anthropic.claude-...`: a system-defined profile, if the model has one there.
fn profile(id: &str) -> Option<&'static Model> {
    let (geography, rest) =
        GEOGRAPHIES.iter().find_map(|g| Some((*g, id.strip_prefix(g)?.strip_prefix('.')?)))?;
    base(rest).filter(|model| model.profiles.contains(&geography))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_matched_exactly() {
        assert_eq!(resolve("anthropic.claude-3-haiku-20240307-v1:0").unwrap().name, "Claude 3 Haiku");
        assert_eq!(resolve("us.amazon.nova-micro-v1:O").unwrap_err(), Refusal::Invalid);
        assert_eq!(resolve("us.does-not-exist-model-v1:0").unwrap_err(), Refusal::Invalid);
        assert_eq!(resolve("anthropic.claude-3-haiku").unwrap_err(), Refusal::Invalid);
    }

    #[test]
    fn profile_only_models_refuse_on_demand_calls() {
        let refusal = resolve("anthropic.claude-sonnet-4-20250514-v1:0").unwrap_err();
        assert!(refusal.message().starts_with(
            "Invocation of model ID anthropic.claude-sonnet-4-20250514-v1:0 with on-demand throughput"
        ));
        assert!(resolve("us.anthropic.claude-sonnet-4-20250514-v1:0").is_ok());
        assert!(resolve("global.anthropic.claude-sonnet-4-20250514-v1:0").is_ok());
        // A geography the model has no profile in.
        assert_eq!(
            resolve("global.anthropic.claude-3-5-sonnet-20240620-v1:0").unwrap_err(),
            Refusal::Invalid
        );
    }

    #[test]
    fn arns_resolve_as_their_ids() {
        let region = "arn:aws:bedrock:us-east-1";
        assert!(
            resolve(&format!("{region}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0")).is_ok()
        );
        assert!(matches!(
            resolve(&format!("{region}::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0")),
            Err(Refusal::OnDemand(_))
        ));
        assert!(
            resolve(&format!("{region}:123456789012:inference-profile/us.amazon.nova-lite-v1:0")).is_ok()
        );
        assert!(
            resolve(&format!("{region}:123456789012:application-inference-profile/mi1dadi0g15f")).is_ok()
        );
        assert_eq!(
            resolve(&format!("{region}:123:inference-profile/us.amazon.nova-lite-v1:0")).unwrap_err(),
            Refusal::Invalid
        );
    }
}
