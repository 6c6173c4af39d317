//! The table of models the stand-in serves, with what each takes (see the sources in
//! [`super`]'s documentation), and what an account's own model stands for.

use super::{Model, Reasoning};

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
        adaptive: false,
        reasoning: Reasoning::None,
        count_tokens: false,
        structured_output: false,
        effort: &[],
        cache_min: 0,
        cache_1h: false,
        system_tools: &[],
        search_results: false,
        system_messages: false,
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
        search_results: true,
        ..claude(name, max_output, profiles)
    }
}

const GLOBAL_US: &[&str] = &["global", "us"];

const fn claude_5(name: &'static str, profiles: &'static [&'static str], system_messages: bool) -> Model {
    Model {
        effort: &["low", "medium", "high", "xhigh", "max"],
        structured_output: true,
        temperature_xor_top_p: true,
        cache_1h: true,
        cache_min: 4_096,
        context: 1_000_000,
        adaptive: true,
        system_messages,
        ..claude_thinking(name, 128_000, profiles)
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
pub(super) const MODELS: &[(&str, Model)] = &[
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
            search_results: true,
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
    // Claude Opus 4.8 and the 5 generation, by inference profile only (AWS's model cards:
    // "Context window: 1M tokens", "Max output tokens: 128K", effort "low, medium, high,
    // xhigh, max"; Opus 5.5's profiles `jp.` and `global.`, Haiku 5.5's `us.` and `global.`).
    ("anthropic.claude-opus-4-8", claude_5("Claude Opus 4.8", GLOBAL_US, true)),
    ("anthropic.claude-opus-5", claude_5("Claude Opus 5", GLOBAL_US, true)),
    ("anthropic.claude-opus-5-5", claude_5("Claude Opus 5.5", &["global", "jp", "us"], true)),
    ("anthropic.claude-sonnet-5", claude_5("Claude Sonnet 5", GLOBAL_US, false)),
    ("anthropic.claude-sonnet-5-5", claude_5("Claude Sonnet 5.5", GLOBAL_US, true)),
    ("anthropic.claude-haiku-5-5", claude_5("Claude Haiku 5.5", GLOBAL_US, true)),
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
pub(super) const OWN: Model = Model {
    images: true,
    video: true,
    audio: true,
    cache_1h: true,
    search_results: true,
    ..chat("a model of the account's", 200_000, 8_192)
};
