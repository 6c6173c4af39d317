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
    /// Tokens of context.
    pub context: u32,
    /// The most output tokens one request may ask for.
    pub max_output: u32,
}

const fn chat(name: &'static str, context: u32, max_output: u32) -> Model {
    Model {
        name,
        on_demand: true,
        profiles: &[],
        system: true,
        documents: true,
        images: false,
        video: false,
        audio: false,
        s3: false,
        tools: true,
        stream_tools: true,
        rich_tool_results: true,
        stop_sequences: true,
        assistant_first: false,
        temperature_xor_top_p: false,
        reasoning: Reasoning::None,
        count_tokens: false,
        structured_output: false,
        effort: &[],
        cache_min: 0,
        cache_1h: false,
        system_tools: &[],
        context,
        max_output,
    }
}

const fn claude(name: &'static str, max_output: u32, profiles: &'static [&'static str]) -> Model {
    Model { images: true, profiles, ..chat(name, 200_000, max_output) }
}

const fn claude_thinking(name: &'static str, max_output: u32, profiles: &'static [&'static str]) -> Model {
    Model {
        on_demand: false,
        reasoning: Reasoning::Signed,
        count_tokens: true,
        cache_min: 1_024,
        ..claude(name, max_output, profiles)
    }
}

const fn nova(name: &'static str, context: u32, max_output: u32) -> Model {
    Model {
        cache_min: 1_000,
        images: true,
        video: true,
        s3: true,
        rich_tool_results: false,
        profiles: &["us", "eu", "apac"],
        ..chat(name, context, max_output)
    }
}

const fn no_system_no_tools(name: &'static str, context: u32, max_output: u32) -> Model {
    Model { system: false, tools: false, stream_tools: false, ..chat(name, context, max_output) }
}

const fn structured(model: Model) -> Model {
    Model { structured_output: true, ..model }
}

const fn tools_not_streamed(model: Model) -> Model {
    Model { stream_tools: false, ..model }
}

const US: &[&str] = &["us"];
const US_EU: &[&str] = &["us", "eu"];
const US_EU_APAC: &[&str] = &["us", "eu", "apac"];
const CLAUDE_4: &[&str] = &["us", "eu", "apac", "global"];
const CLAUDE_45: &[&str] = &["us", "eu", "jp", "au", "global"];

/// Every model the stand-in serves, by base id.
const MODELS: &[(&str, Model)] = &[
    // Anthropic. Claude 2 and Instant: no tools, no vision.
    ("anthropic.claude-v2", Model { tools: false, stream_tools: false, ..chat("Claude 2", 100_000, 4_096) }),
    (
        "anthropic.claude-v2:1",
        Model { tools: false, stream_tools: false, ..chat("Claude 2.1", 200_000, 4_096) },
    ),
    (
        "anthropic.claude-instant-v1",
        Model { tools: false, stream_tools: false, ..chat("Claude Instant", 100_000, 4_096) },
    ),
    ("anthropic.claude-3-haiku-20240307-v1:0", claude("Claude 3 Haiku", 4_096, US_EU_APAC)),
    ("anthropic.claude-3-sonnet-20240229-v1:0", claude("Claude 3 Sonnet", 4_096, US_EU_APAC)),
    ("anthropic.claude-3-opus-20240229-v1:0", claude("Claude 3 Opus", 4_096, US)),
    (
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        Model { count_tokens: true, ..claude("Claude 3.5 Sonnet", 8_192, US_EU_APAC) },
    ),
    (
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        Model { count_tokens: true, ..claude("Claude 3.5 Sonnet v2", 8_192, &["us", "apac"]) },
    ),
    (
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        Model {
            images: false,
            count_tokens: true,
            cache_min: 2_048,
            ..claude("Claude 3.5 Haiku", 8_192, US)
        },
    ),
    ("anthropic.claude-3-7-sonnet-20250219-v1:0", claude_thinking("Claude 3.7 Sonnet", 64_000, US_EU_APAC)),
    ("anthropic.claude-sonnet-4-20250514-v1:0", claude_thinking("Claude Sonnet 4", 64_000, CLAUDE_4)),
    ("anthropic.claude-opus-4-20250514-v1:0", claude_thinking("Claude Opus 4", 32_000, US)),
    (
        "anthropic.claude-opus-4-1-20250805-v1:0",
        Model { temperature_xor_top_p: true, ..claude_thinking("Claude Opus 4.1", 32_000, US) },
    ),
    (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        Model {
            structured_output: true,
            temperature_xor_top_p: true,
            assistant_first: true,
            cache_1h: true,
            ..claude_thinking("Claude Sonnet 4.5", 64_000, CLAUDE_45)
        },
    ),
    (
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        Model {
            structured_output: true,
            temperature_xor_top_p: true,
            cache_1h: true,
            cache_min: 4_096,
            ..claude_thinking("Claude Haiku 4.5", 64_000, CLAUDE_45)
        },
    ),
    (
        "anthropic.claude-opus-4-5-20251101-v1:0",
        Model {
            effort: &["low", "medium", "high"],
            structured_output: true,
            temperature_xor_top_p: true,
            cache_1h: true,
            cache_min: 4_096,
            ..claude_thinking("Claude Opus 4.5", 64_000, CLAUDE_45)
        },
    ),
    (
        "anthropic.claude-sonnet-4-6",
        Model {
            effort: &["low", "medium", "high", "max"],
            structured_output: true,
            temperature_xor_top_p: true,
            cache_1h: true,
            ..claude_thinking("Claude Sonnet 4.6", 64_000, CLAUDE_45)
        },
    ),
    // Amazon. Nova Micro is text only; Titan takes no system prompt and no tools.
    (
        "amazon.nova-micro-v1:0",
        Model {
            images: false,
            video: false,
            s3: false,
            documents: false,
            ..nova("Nova Micro", 128_000, 10_000)
        },
    ),
    ("amazon.nova-lite-v1:0", nova("Nova Lite", 300_000, 10_000)),
    ("amazon.nova-pro-v1:0", nova("Nova Pro", 300_000, 10_000)),
    (
        "amazon.nova-premier-v1:0",
        Model { on_demand: false, profiles: US, ..nova("Nova Premier", 1_000_000, 32_000) },
    ),
    (
        "amazon.nova-2-lite-v1:0",
        Model {
            on_demand: false,
            profiles: &["us", "eu", "global"],
            reasoning: Reasoning::Plain,
            system_tools: &["nova_grounding", "nova_code_interpreter"],
            ..nova("Nova 2 Lite", 1_000_000, 65_535)
        },
    ),
    ("amazon.titan-text-lite-v1", no_system_no_tools("Titan Text Lite", 4_000, 4_096)),
    ("amazon.titan-text-express-v1", no_system_no_tools("Titan Text Express", 8_000, 8_192)),
    (
        "amazon.titan-text-premier-v1:0",
        Model { documents: false, ..no_system_no_tools("Titan Text Premier", 32_000, 3_072) },
    ),
    // Meta. Llama 3 takes no tools; 3.1 and later take them, but not streamed.
    (
        "meta.llama3-8b-instruct-v1:0",
        Model { tools: false, stream_tools: false, ..chat("Llama 3 8B", 8_000, 2_048) },
    ),
    (
        "meta.llama3-70b-instruct-v1:0",
        Model { tools: false, stream_tools: false, ..chat("Llama 3 70B", 8_000, 2_048) },
    ),
    (
        "meta.llama3-1-8b-instruct-v1:0",
        tools_not_streamed(Model { profiles: US, ..chat("Llama 3.1 8B", 128_000, 2_048) }),
    ),
    (
        "meta.llama3-1-70b-instruct-v1:0",
        tools_not_streamed(Model { profiles: US, ..chat("Llama 3.1 70B", 128_000, 2_048) }),
    ),
    ("meta.llama3-1-405b-instruct-v1:0", tools_not_streamed(chat("Llama 3.1 405B", 128_000, 4_096))),
    (
        "meta.llama3-2-11b-instruct-v1:0",
        tools_not_streamed(Model {
            on_demand: false,
            profiles: US,
            images: true,
            ..chat("Llama 3.2 11B", 128_000, 2_048)
        }),
    ),
    (
        "meta.llama3-2-90b-instruct-v1:0",
        tools_not_streamed(Model {
            on_demand: false,
            profiles: US,
            images: true,
            ..chat("Llama 3.2 90B", 128_000, 2_048)
        }),
    ),
    (
        "meta.llama3-3-70b-instruct-v1:0",
        tools_not_streamed(Model { on_demand: false, profiles: US, ..chat("Llama 3.3 70B", 128_000, 8_192) }),
    ),
    (
        "meta.llama4-scout-17b-instruct-v1:0",
        tools_not_streamed(Model {
            on_demand: false,
            profiles: US,
            images: true,
            ..chat("Llama 4 Scout", 3_500_000, 8_192)
        }),
    ),
    (
        "meta.llama4-maverick-17b-instruct-v1:0",
        tools_not_streamed(Model {
            on_demand: false,
            profiles: US,
            images: true,
            ..chat("Llama 4 Maverick", 1_000_000, 8_192)
        }),
    ),
    // Mistral AI. The 7B and Mixtral instruct models take no system prompt and no tools.
    ("mistral.mistral-7b-instruct-v0:2", no_system_no_tools("Mistral 7B Instruct", 32_000, 8_192)),
    ("mistral.mixtral-8x7b-instruct-v0:1", no_system_no_tools("Mixtral 8x7B Instruct", 32_000, 4_096)),
    ("mistral.mistral-small-2402-v1:0", tools_not_streamed(chat("Mistral Small", 32_000, 8_192))),
    ("mistral.mistral-large-2402-v1:0", tools_not_streamed(chat("Mistral Large", 32_000, 8_192))),
    ("mistral.mistral-large-2407-v1:0", tools_not_streamed(chat("Mistral Large 2", 128_000, 8_192))),
    ("mistral.mistral-large-3-675b-instruct", structured(chat("Mistral Large 3", 256_000, 16_384))),
    (
        "mistral.pixtral-large-2502-v1:0",
        tools_not_streamed(Model {
            on_demand: false,
            profiles: US_EU,
            images: true,
            ..chat("Pixtral Large", 128_000, 8_192)
        }),
    ),
    // Others, each as its model card and AWS's table say.
    ("ai21.jamba-1-5-large-v1:0", chat("Jamba 1.5 Large", 256_000, 4_096)),
    ("ai21.jamba-1-5-mini-v1:0", chat("Jamba 1.5 Mini", 256_000, 4_096)),
    ("cohere.command-r-v1:0", tools_not_streamed(chat("Command R", 128_000, 4_096))),
    ("cohere.command-r-plus-v1:0", tools_not_streamed(chat("Command R+", 128_000, 4_096))),
    (
        "deepseek.r1-v1:0",
        Model {
            on_demand: false,
            profiles: US,
            tools: false,
            stream_tools: false,
            reasoning: Reasoning::Plain,
            ..chat("DeepSeek-R1", 128_000, 32_768)
        },
    ),
    ("deepseek.v3-v1:0", chat("DeepSeek-V3.1", 128_000, 8_192)),
    (
        "openai.gpt-oss-120b-1:0",
        Model {
            documents: false,
            stop_sequences: false,
            reasoning: Reasoning::Plain,
            ..chat("gpt-oss-120b", 128_000, 32_768)
        },
    ),
    (
        "openai.gpt-oss-20b-1:0",
        Model {
            documents: false,
            stop_sequences: false,
            reasoning: Reasoning::Plain,
            ..chat("gpt-oss-20b", 128_000, 32_768)
        },
    ),
    (
        "qwen.qwen3-32b-v1:0",
        structured(Model { reasoning: Reasoning::Plain, ..chat("Qwen3 32B", 128_000, 16_384) }),
    ),
    ("qwen.qwen3-coder-30b-a3b-v1:0", chat("Qwen3 Coder 30B", 256_000, 65_536)),
    ("qwen.qwen3-235b-a22b-2507-v1:0", chat("Qwen3 235B", 256_000, 65_536)),
    (
        "writer.palmyra-x4-v1:0",
        Model { on_demand: false, profiles: US, ..chat("Palmyra X4", 128_000, 8_192) },
    ),
    (
        "writer.palmyra-x5-v1:0",
        Model { on_demand: false, profiles: US, ..chat("Palmyra X5", 1_000_000, 8_192) },
    ),
    ("google.gemma-3-27b-it", structured(Model { images: true, ..chat("Gemma 3 27B", 128_000, 8_192) })),
    ("minimax.minimax-m2", structured(chat("MiniMax M2", 200_000, 32_768))),
    (
        "moonshot.kimi-k2-thinking",
        Model { reasoning: Reasoning::Plain, ..chat("Kimi K2 Thinking", 256_000, 32_768) },
    ),
    (
        "nvidia.nemotron-nano-12b-v2",
        structured(Model { images: true, ..chat("Nemotron Nano 12B v2", 128_000, 8_192) }),
    ),
    ("zai.glm-4.7-flash", structured(chat("GLM 4.7 Flash", 200_000, 32_768))),
];

/// What an application inference profile, a provisioned or a custom model stands for here:
/// its model is the caller's choice, so the stand-in judges only what every model shares, and
/// takes every kind of media (an imported audio model takes recordings, for one).
const OWN: Model = Model {
    images: true,
    video: true,
    audio: true,
    cache_1h: true,
    ..chat("a model of the account's", 200_000, 8_192)
};

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
