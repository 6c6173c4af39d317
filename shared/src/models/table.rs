//! The table of model families: what each takes, by the prefix of its base model id.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::ModelRules;

pub(super) fn rules(family: &'static str, context_window: u32, max_output_tokens: u32) -> ModelRules {
    ModelRules {
        family: Cow::Borrowed(family),
        known: true,
        system_prompt: true,
        tools: true,
        streaming_tools: true,
        images: false,
        documents: true,
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
        citations: false,
        prompt_cache: Cow::Borrowed(""),
        system_tools: Cow::Borrowed(""),
        system_messages: false,
        stop_sequences: true,
        context_window,
        max_output_tokens,
    }
}

fn claude(family: &'static str, max_output_tokens: u32) -> ModelRules {
    ModelRules { images: true, ..rules(family, 200_000, max_output_tokens) }
}

/// Claude 3.7 and 4.x: they reason, and Bedrock counts their tokens (as it does 3.5's; not
/// Claude 3's): <https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html>.
fn claude_reasoning(family: &'static str, max_output_tokens: u32, xor: bool) -> ModelRules {
    ModelRules {
        count_tokens: true,
        citations: true,
        prompt_cache: Cow::Borrowed(CACHE_5M),
        reasoning: true,
        signed_reasoning: true,
        temperature_xor_top_p: xor,
        ..claude(family, max_output_tokens)
    }
}

/// Prompt caching with the standard five minutes, and with an hour besides (Claude's 4.5
/// generation on: "Claude Opus 4.5, Claude Haiku 4.5 and Claude Sonnet 4.5 support an
/// extended 1-hour TTL", AWS's prompt caching page).
const CACHE_5M: &str = "5m";
const CACHE_1H: &str = "5m 1h";

/// The effort levels of Claude Opus and Sonnet 4.6.
const EFFORT_46: &str = "low medium high max";

/// The effort levels of Claude's 5 generation (and Opus 4.8): `xhigh` besides ("effort level
/// configurable — low, medium, high, xhigh, max", AWS's model cards for Claude Opus 5.5 and
/// Haiku 5.5).
const EFFORT_5: &str = "low medium high xhigh max";

/// Claude Opus 4.8 and the 5 generation: a million tokens of context, 128K of output (AWS's
/// model cards), all five effort levels, and system messages within the conversation where
/// Anthropic names the model.
fn claude_5(family: &'static str, system_messages: bool) -> ModelRules {
    ModelRules {
        context_window: 1_000_000,
        effort: Cow::Borrowed(EFFORT_5),
        adaptive_thinking: true,
        fixed_sampling: true,
        system_messages,
        ..claude_structured(family, 128_000)
    }
}

/// Claude's 4.5 generation and later: structured output besides.
fn claude_structured(family: &'static str, max_output_tokens: u32) -> ModelRules {
    ModelRules {
        structured_output: true,
        prompt_cache: Cow::Borrowed(CACHE_1H),
        ..claude_reasoning(family, max_output_tokens, true)
    }
}

fn text_only(family: &'static str, context_window: u32, max_output_tokens: u32) -> ModelRules {
    ModelRules {
        system_prompt: false,
        tools: false,
        streaming_tools: false,
        documents: false,
        ..rules(family, context_window, max_output_tokens)
    }
}

/// The table: the first entry whose prefix starts the base model id wins (longest first).
/// Built once, on first use (a `const` cannot hold the family's `Cow`).
pub(super) static TABLE: LazyLock<Vec<(&str, ModelRules)>> = LazyLock::new(|| {
    vec![
        (
            "anthropic.claude-3-5-haiku",
            ModelRules {
                images: false,
                count_tokens: true,
                citations: true,
                prompt_cache: Cow::Borrowed(CACHE_5M),
                ..claude("Claude 3.5 Haiku", 8_192)
            },
        ),
        (
            "anthropic.claude-3-5-sonnet",
            ModelRules { count_tokens: true, ..claude("Claude 3.5 Sonnet", 8_192) },
        ),
        ("anthropic.claude-3-7-sonnet", claude_reasoning("Claude 3.7 Sonnet", 64_000, false)),
        ("anthropic.claude-3-haiku", claude("Claude 3 Haiku", 4_096)),
        ("anthropic.claude-3-sonnet", claude("Claude 3 Sonnet", 4_096)),
        ("anthropic.claude-3-opus", claude("Claude 3 Opus", 4_096)),
        ("anthropic.claude-sonnet-4-5", claude_structured("Claude Sonnet 4.5", 64_000)),
        (
            "anthropic.claude-sonnet-4-6",
            ModelRules { effort: Cow::Borrowed(EFFORT_46), ..claude_structured("Claude Sonnet 4.6", 64_000) },
        ),
        ("anthropic.claude-haiku-4-5", claude_structured("Claude Haiku 4.5", 64_000)),
        (
            "anthropic.claude-opus-4-5",
            ModelRules {
                effort: Cow::Borrowed("low medium high"),
                ..claude_structured("Claude Opus 4.5", 64_000)
            },
        ),
        (
            "anthropic.claude-opus-4-6",
            ModelRules { effort: Cow::Borrowed(EFFORT_46), ..claude_structured("Claude Opus 4.6", 64_000) },
        ),
        ("anthropic.claude-opus-4-8", claude_5("Claude Opus 4.8", true)),
        // Opus 5 and 5.5 (`anthropic.claude-opus-5`, `anthropic.claude-opus-5-5`).
        ("anthropic.claude-opus-5", claude_5("Claude Opus 5.x", true)),
        ("anthropic.claude-sonnet-5-5", claude_5("Claude Sonnet 5.5", true)),
        // "This feature is not available on Claude Sonnet 5" (Anthropic's page, above).
        ("anthropic.claude-sonnet-5", claude_5("Claude Sonnet 5", false)),
        // Structured output on Bedrock is not claimed for Haiku 5.5: the AI SDK falls back
        // to a JSON tool there ("use the JSON tool fallback for structured output on Amazon
        // Bedrock for claude-haiku-5-5", @ai-sdk/amazon-bedrock 5.0.109).
        (
            "anthropic.claude-haiku-5-5",
            ModelRules { structured_output: false, ..claude_5("Claude Haiku 5.5", true) },
        ),
        ("anthropic.claude-sonnet-4", claude_reasoning("Claude Sonnet 4.x", 64_000, true)),
        ("anthropic.claude-haiku-4", claude_reasoning("Claude Haiku 4.x", 64_000, true)),
        ("anthropic.claude-opus-4", claude_reasoning("Claude Opus 4.x", 32_000, true)),
        (
            "anthropic.claude",
            ModelRules { tools: false, streaming_tools: false, ..claude("Claude (legacy)", 4_096) },
        ),
        (
            "amazon.nova-micro",
            ModelRules {
                prompt_cache: Cow::Borrowed(CACHE_5M),
                ..rules("Amazon Nova Micro", 128_000, 10_000)
            },
        ),
        (
            "amazon.nova-lite",
            ModelRules {
                s3_media: true,
                prompt_cache: Cow::Borrowed(CACHE_5M),
                images: true,
                video: true,
                ..rules("Amazon Nova Lite", 300_000, 10_000)
            },
        ),
        (
            "amazon.nova-pro",
            ModelRules {
                s3_media: true,
                prompt_cache: Cow::Borrowed(CACHE_5M),
                images: true,
                video: true,
                ..rules("Amazon Nova Pro", 300_000, 10_000)
            },
        ),
        (
            "amazon.nova-premier",
            ModelRules {
                s3_media: true,
                prompt_cache: Cow::Borrowed(CACHE_5M),
                images: true,
                video: true,
                ..rules("Amazon Nova Premier", 1_000_000, 32_000)
            },
        ),
        (
            "amazon.nova-2-lite",
            ModelRules {
                s3_media: true,
                images: true,
                video: true,
                reasoning: true,
                system_tools: Cow::Borrowed("nova_code_interpreter nova_grounding"),
                ..rules("Amazon Nova 2 Lite", 1_000_000, 65_535)
            },
        ),
        ("amazon.nova", ModelRules { images: true, ..rules("Amazon Nova", 300_000, 10_000) }),
        (
            "amazon.titan-text-premier",
            ModelRules { documents: true, ..text_only("Amazon Titan Text Premier", 32_000, 3_072) },
        ),
        (
            "amazon.titan-text-express",
            ModelRules { documents: true, ..text_only("Amazon Titan Text Express", 8_000, 8_192) },
        ),
        (
            "amazon.titan-text-lite",
            ModelRules { documents: true, ..text_only("Amazon Titan Text Lite", 4_000, 4_096) },
        ),
        ("amazon.titan", text_only("Amazon Titan Text", 8_000, 4_096)),
        (
            "meta.llama3-2-11b",
            ModelRules { images: true, streaming_tools: false, ..rules("Llama 3.2 Vision", 128_000, 2_048) },
        ),
        (
            "meta.llama3-2-90b",
            ModelRules { images: true, streaming_tools: false, ..rules("Llama 3.2 Vision", 128_000, 2_048) },
        ),
        ("meta.llama3-1", ModelRules { streaming_tools: false, ..rules("Llama 3.1", 128_000, 2_048) }),
        ("meta.llama3-2", ModelRules { streaming_tools: false, ..rules("Llama 3.2", 128_000, 2_048) }),
        ("meta.llama3-3", ModelRules { streaming_tools: false, ..rules("Llama 3.3", 128_000, 2_048) }),
        (
            "meta.llama4",
            ModelRules { images: true, streaming_tools: false, ..rules("Llama 4", 1_000_000, 8_192) },
        ),
        (
            "meta.llama3",
            ModelRules { tools: false, streaming_tools: false, ..rules("Llama 3", 8_000, 2_048) },
        ),
        (
            "meta.llama2",
            ModelRules { tools: false, streaming_tools: false, ..rules("Llama 2", 4_096, 2_048) },
        ),
        ("mistral.mistral-7b-instruct", text_only("Mistral 7B Instruct", 32_000, 8_192)),
        ("mistral.mixtral-8x7b-instruct", text_only("Mixtral 8x7B Instruct", 32_000, 4_096)),
        (
            "mistral.mistral-large-2407",
            ModelRules { streaming_tools: false, ..rules("Mistral Large 2", 128_000, 8_192) },
        ),
        (
            "mistral.mistral-large",
            ModelRules { streaming_tools: false, ..rules("Mistral Large", 32_000, 8_192) },
        ),
        (
            "mistral.mistral-small",
            ModelRules { streaming_tools: false, ..rules("Mistral Small", 32_000, 8_192) },
        ),
        (
            "mistral.pixtral",
            ModelRules { images: true, streaming_tools: false, ..rules("Pixtral Large", 128_000, 8_192) },
        ),
        ("mistral", ModelRules { streaming_tools: false, ..rules("Mistral", 32_000, 8_192) }),
        (
            "cohere.command-r",
            ModelRules { streaming_tools: false, ..rules("Cohere Command R", 128_000, 4_096) },
        ),
        (
            "cohere.command",
            ModelRules { documents: true, ..text_only("Cohere Command (text)", 4_000, 4_096) },
        ),
        (
            "deepseek.r1",
            ModelRules {
                tools: false,
                streaming_tools: false,
                reasoning: true,
                ..rules("DeepSeek-R1", 128_000, 32_768)
            },
        ),
        ("deepseek", rules("DeepSeek", 128_000, 8_192)),
        (
            "openai.gpt-oss",
            ModelRules {
                reasoning: true,
                stop_sequences: false,
                documents: false,
                ..rules("gpt-oss", 128_000, 32_768)
            },
        ),
        ("ai21.jamba", rules("AI21 Jamba", 256_000, 4_096)),
        ("qwen.qwen3", ModelRules { structured_output: true, ..rules("Qwen3", 128_000, 16_384) }),
        ("writer.palmyra", rules("Writer Palmyra", 128_000, 8_192)),
    ]
});
