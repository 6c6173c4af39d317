//! Request members only some models take: a reply format, an effort level, system messages
//! within the conversation, and what the adaptive-thinking models leave out.

use serde_json::json;

use super::{prepare_for, request};
use crate::models::*;

#[test]
fn a_reply_format_goes_only_to_models_with_structured_output() {
    for id in [
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic.claude-opus-4-6-v1",
        "qwen.qwen3-32b-v1:0",
    ] {
        assert!(rules_for(id).structured_output, "{id}");
    }
    for id in ["us.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"] {
        assert!(!rules_for(id).structured_output, "{id}");
    }
    let asked = |id: &str| {
        let mut r = request(json!({
            "messages": [{"role": "user", "content": [{"text": "hi"}]}],
            "outputConfig": {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": "{\"type\":\"object\"}"}}}},
        }));
        prepare(id, &rules_for(id), &mut r, true)
    };
    assert!(asked("us.anthropic.claude-sonnet-4-5-20250929-v1:0").is_ok());
    let refused = asked("anthropic.claude-3-haiku-20240307-v1:0").unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Validation);
    assert!(
        refused.message.contains("(Claude 3 Haiku) does not support a reply format"),
        "{}",
        refused.message
    );
}

#[test]
fn an_effort_level_goes_only_to_a_model_that_takes_it() {
    let asked = |id: &str, effort: &str| {
        let mut r = request(json!({
            "messages": [{"role": "user", "content": [{"text": "hi"}]}],
            "outputConfig": {"effort": effort},
        }));
        prepare(id, &rules_for(id), &mut r, true).map_err(|e| e.message)
    };
    let opus_45 = "global.anthropic.claude-opus-4-5-20251101-v1:0";
    assert_eq!(rules_for(opus_45).effort, "low medium high");
    assert!(asked(opus_45, "low").is_ok());
    assert!(asked(opus_45, "max").unwrap_err().contains("does not support the effort level \"max\""));
    assert!(asked("us.anthropic.claude-sonnet-4-6", "max").is_ok());
    assert!(asked("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "low").is_err());
}

#[test]
fn system_messages_within_the_conversation_go_only_to_the_models_anthropic_names() {
    // Anthropic's "Mid-conversation system messages and tool changes": Opus 4.8, Opus 5 and
    // 5.5, Sonnet 5.5 and Haiku 5.5 take them; Sonnet 5 does not.
    let with_system_message = || {
        request(json!({
            "messages": [
                {"role": "user", "content": [{"text": "hi"}]},
                {"role": "assistant", "content": [{"text": "hello"}]},
                {"role": "system", "content": [{"text": "Answer in French from now on."}]},
                {"role": "user", "content": [{"text": "and now?"}]},
            ],
        }))
    };
    for id in [
        "global.anthropic.claude-opus-4-8",
        "global.anthropic.claude-opus-5",
        "jp.anthropic.claude-opus-5-5",
        "global.anthropic.claude-sonnet-5-5",
        "us.anthropic.claude-haiku-5-5",
    ] {
        let rules = rules_for(id);
        assert!(rules.system_messages && rules.known, "{id}: {rules:?}");
        assert_eq!((rules.context_window, rules.max_output_tokens), (1_000_000, 128_000), "{id}");
        assert_eq!(rules.effort, "low medium high xhigh max", "{id}");
        // Its thinking is adaptive: no budget is offered, its signed reasoning goes back.
        assert!(!offers_thinking(&rules) && rules.signed_reasoning, "{id}");
        // It sets its own sampling: temperature and top P are left out, and said so.
        let mut sampled = request(json!({
            "messages": [{"role": "user", "content": [{"text": "hi"}]}],
            "inferenceConfig": {"temperature": 0.5, "topP": 0.9, "maxTokens": 100},
        }));
        assert_eq!(prepare_for(id, &mut sampled, true).unwrap(), [Adjustment::SamplingDropped], "{id}");
        let config = sampled.inference_config.unwrap();
        assert_eq!((config.temperature, config.top_p, config.max_tokens), (None, None, Some(100)));
        assert!(prepare_for(id, &mut with_system_message(), true).is_ok(), "{id}");
    }
    let sonnet_5 = "global.anthropic.claude-sonnet-5";
    assert_eq!(rules_for(sonnet_5).family, "Claude Sonnet 5");
    let refused = prepare_for(sonnet_5, &mut with_system_message(), true).unwrap_err();
    assert!(
        refused.message.contains("does not support system messages within the conversation (messages[2])")
    );
    assert!(prepare_for("us.anthropic.claude-sonnet-4-6", &mut with_system_message(), true).is_err());
    // A deployer may declare it for a model of its own.
    let declared: DeclaredRules = serde_json::from_value(
        json!({"contextWindow": 8000, "maxOutputTokens": 100, "systemMessages": true}),
    )
    .unwrap();
    assert!(declared.rules("acme.own-model").unwrap().system_messages);
}
