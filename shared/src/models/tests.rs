use serde_json::json;

use super::*;

fn request(json: serde_json::Value) -> ConverseRequest {
    serde_json::from_value(json).unwrap()
}

/// [`prepare`] with the table's rules for `model_id`.
fn prepare_for(
    model_id: &str,
    request: &mut ConverseRequest,
    streaming: bool,
) -> Result<Vec<Adjustment>, BedrockError> {
    prepare(model_id, &rules_for(model_id), request, streaming)
}

#[test]
fn profiles_and_arns_resolve_to_their_family() {
    for id in [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "apac.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "global.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
    ] {
        assert_eq!(rules_for(id).family, "Claude 3.5 Sonnet", "{id}");
    }
    assert_eq!(rules_for("us.amazon.nova-lite-v1:0").family, "Amazon Nova Lite");
    assert_eq!(rules_for("anthropic.claude-3-5-haiku-20241022-v1:0").family, "Claude 3.5 Haiku");
    assert!(!rules_for("example.brand-new-model-v1:0").known);
}

#[test]
fn a_system_prompt_is_folded_into_the_first_user_turn_where_there_is_none() {
    let mut r = request(json!({"system": [{"text": "Be terse."}],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}]}));
    let adjustments = prepare_for("mistral.mistral-7b-instruct-v0:2", &mut r, true).unwrap();
    assert_eq!(adjustments, [Adjustment::SystemPromptFolded]);
    assert!(r.system.is_none());
    assert_eq!(r.messages[0].content[0], ContentBlock::Text("Be terse.".into()));
    assert_eq!(r.messages[0].content[1], ContentBlock::Text("hi".into()));

    let mut r = request(json!({"system": [{"text": "Be terse."}],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}]}));
    assert!(prepare_for("anthropic.claude-3-haiku-20240307-v1:0", &mut r, true).unwrap().is_empty());
    assert!(r.system.is_some());
}

#[test]
fn tools_are_refused_where_unsupported_and_streaming_tools_where_only_converse_has_them() {
    let with_tools = json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "toolConfig": {"tools": [{"toolSpec": {"name": "calc", "inputSchema": {"json": {}}}}]}});
    let err =
        prepare_for("amazon.titan-text-express-v1", &mut request(with_tools.clone()), false).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert!(err.message.contains("does not support tool use"), "{}", err.message);
    let err =
        prepare_for("meta.llama3-1-70b-instruct-v1:0", &mut request(with_tools.clone()), true).unwrap_err();
    assert!(err.message.contains("tool use while streaming"), "{}", err.message);
    assert!(prepare_for("meta.llama3-1-70b-instruct-v1:0", &mut request(with_tools.clone()), false).is_ok());
    assert!(prepare_for("us.amazon.nova-pro-v1:0", &mut request(with_tools), true).is_ok());
}

#[test]
fn attachments_a_model_cannot_read_are_refused_by_position() {
    let mut r = request(json!({"messages": [{"role": "user", "content": [{"text": "see"},
        {"image": {"format": "png", "source": {"bytes": "iVBO"}}}]}]}));
    let err = prepare_for("anthropic.claude-3-5-haiku-20241022-v1:0", &mut r, true).unwrap_err();
    assert!(err.message.contains("image input (messages[0].content[1])"), "{}", err.message);
    let mut r = request(json!({"messages": [{"role": "user", "content": [{"text": "see"},
        {"video": {"format": "mp4", "source": {"bytes": "AAAA"}}}]}]}));
    assert!(prepare_for("anthropic.claude-3-5-sonnet-20240620-v1:0", &mut r, true).is_err());
    assert!(prepare_for("amazon.nova-lite-v1:0", &mut r, true).is_ok());
}

#[test]
fn claude_4_takes_temperature_or_top_p_not_both() {
    let both = json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"temperature": 0.3, "topP": 0.9}});
    let mut r = request(both.clone());
    assert_eq!(
        prepare_for("us.anthropic.claude-sonnet-4-5-20250929-v1:0", &mut r, true).unwrap(),
        [Adjustment::TopPDropped]
    );
    let config = r.inference_config.unwrap();
    assert_eq!((config.temperature, config.top_p), (Some(0.3), None));
    let mut r = request(both);
    assert!(prepare_for("anthropic.claude-3-5-sonnet-20240620-v1:0", &mut r, true).unwrap().is_empty());
    assert_eq!(r.inference_config.unwrap().top_p, Some(0.9));
}

#[test]
fn gpt_oss_takes_no_stop_sequences_and_max_tokens_are_clamped() {
    let mut r = request(json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"stopSequences": ["END"], "maxTokens": 1000000}}));
    let adjustments = prepare_for("openai.gpt-oss-120b-1:0", &mut r, true).unwrap();
    assert_eq!(adjustments, [Adjustment::StopSequencesDropped, Adjustment::MaxTokensClamped(1_000_000)]);
    let config = r.inference_config.unwrap();
    assert_eq!((config.stop_sequences, config.max_tokens), (None, Some(32_768)));
}

#[test]
fn unsigned_reasoning_is_not_replayed_and_signed_reasoning_is() {
    let history = json!({"messages": [
        {"role": "user", "content": [{"text": "q"}]},
        {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": "hmm"}}}, {"text": "a"}]},
        {"role": "user", "content": [{"text": "q2"}]}]});
    let mut r = request(history.clone());
    assert_eq!(prepare_for("us.deepseek.r1-v1:0", &mut r, true).unwrap(), [Adjustment::ReasoningDropped(1)]);
    assert_eq!(r.messages[1].content, [ContentBlock::Text("a".into())]);
    let mut r = request(history);
    assert!(prepare_for("us.anthropic.claude-3-7-sonnet-20250219-v1:0", &mut r, true).unwrap().is_empty());
    assert_eq!(r.messages[1].content.len(), 2);
}

#[test]
fn an_offered_model_carries_its_capabilities_through_the_listing() {
    let offered =
        OfferedModel::new("us.amazon.nova-lite-v1:0".into(), rules_for("us.amazon.nova-lite-v1:0"), 1000);
    let listing = ModelListing {
        models: vec![offered.clone()],
        any_model: false,
        page_access: None,
        enforced_guardrail: false,
        service_tiers: vec!["default".into(), "flex".into()],
        max_request_bytes: Some(10 << 20),
        s3_links: false,
    };
    let json = serde_json::to_value(&listing).unwrap();
    assert_eq!(json["maxRequestBytes"], 10 << 20);
    assert_eq!([&json["models"][0]["video"], &json["models"][0]["audio"]], [true, false]);
    assert_eq!(json["models"][0]["contextWindow"], offered.rules.context_window);
    assert_eq!(json["models"][0]["images"], true);
    assert_eq!(json["models"][0]["family"], "Amazon Nova Lite");
    assert_eq!(json["models"][0]["maxOutputTokens"], 1000);
    assert_eq!(serde_json::from_value::<ModelListing>(json).unwrap(), listing);
    // A relay cannot offer more output than the model has.
    let titan = OfferedModel::new(
        "amazon.titan-text-lite-v1".into(),
        rules_for("amazon.titan-text-lite-v1"),
        999_999,
    );
    assert_eq!(titan.rules.max_output_tokens, rules_for("amazon.titan-text-lite-v1").max_output_tokens);
}

fn declared(json: serde_json::Value) -> Result<DeclaredRules, serde_json::Error> {
    serde_json::from_value(json)
}

#[test]
fn a_model_the_table_lacks_is_declared_with_its_limits_and_what_it_takes() {
    let id = "google.gemma-3-27b-it";
    assert!(!rules_for(id).known);
    let gemma = declared(json!({"family": "Gemma 3 27B", "contextWindow": 128000, "maxOutputTokens": 8192,
        "systemPrompt": true, "images": true, "tools": true}))
    .unwrap()
    .rules(id)
    .unwrap();
    assert!(gemma.known && gemma.system_prompt && gemma.images && gemma.tools && gemma.streaming_tools);
    assert!(!gemma.documents && !gemma.video && !gemma.reasoning && !gemma.stop_sequences);
    assert_eq!(
        (gemma.family.as_ref(), gemma.context_window, gemma.max_output_tokens),
        ("Gemma 3 27B", 128_000, 8192)
    );
    // Its limits cannot be guessed: without them the declaration is refused, saying so.
    let why = declared(json!({"images": true})).unwrap().rules(id).unwrap_err();
    assert!(why.contains("contextWindow and maxOutputTokens"), "{why}");
    // A misspelt capability is refused rather than ignored.
    assert!(declared(json!({"image": true})).is_err());
}

#[test]
fn a_declaration_over_a_table_model_changes_only_what_it_names() {
    let id = "us.amazon.nova-lite-v1:0";
    let table = rules_for(id);
    let rules = declared(json!({"maxOutputTokens": 2048, "video": false})).unwrap().rules(id).unwrap();
    assert_eq!(rules, ModelRules { max_output_tokens: 2048, video: false, ..table });
}

#[test]
fn a_model_nobody_knows_is_sent_text_alone_and_told_so_plainly() {
    let id = "example.brand-new-model-v1:0";
    let rules = rules_for(id);
    let mut r = request(json!({"system": [{"text": "Be terse."}],
        "inferenceConfig": {"temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
        "messages": [{"role": "user", "content": [{"text": "hi"}]}]}));
    let adjustments = prepare(id, &rules, &mut r, true).unwrap();
    assert_eq!(
        adjustments,
        [Adjustment::TopPDropped, Adjustment::StopSequencesDropped, Adjustment::SystemPromptFolded]
    );
    assert_eq!(r.messages[0].content[0], ContentBlock::Text("Be terse.".into()));
    let mut with_image = request(json!({"messages": [{"role": "user", "content": [
        {"text": "look"}, {"image": {"format": "png", "source": {"bytes": "AAAA"}}}]}]}));
    let err = prepare(id, &rules, &mut with_image, true).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
    assert!(err.message.starts_with(&format!("{id} is not a model this relay knows")), "{}", err.message);
    assert!(err.message.contains("image input"), "{}", err.message);
}

#[test]
fn what_a_model_cannot_take_is_left_out_as_words_and_the_request_then_prepares() {
    let model = "mistral.mistral-7b-instruct-v0:2";
    let history = || {
        request(json!({"messages": [
            {"role": "user", "content": [
                {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
                {"document": {"name": "notes", "format": "txt", "source": {"bytes": "aGk="}}},
                {"text": "What is in these?"}]},
            {"role": "assistant", "content": [{"text": "A chart and a note."}]},
            {"role": "user", "content": [{"text": "Thanks"}]}]}))
    };
    let mut r = history();
    let rules = rules_for(model);
    assert!(prepare(model, &rules, &mut r.clone(), true).is_err(), "Mistral 7B refuses the image as it is");
    assert_eq!(leave_out_unsupported(&mut r.messages, &rules), [1, 1, 0, 0]);
    let said: Vec<&str> = r.messages[0].content.iter().filter_map(ContentBlock::as_text).collect();
    assert_eq!(said[0], format!("[an image was left out: {} takes no images]", rules.family));
    assert_eq!(said[1], format!("[a document (notes) was left out: {} takes no documents]", rules.family));
    assert!(prepare(model, &rules, &mut r, true).is_ok());
    assert_eq!(left_out_words([2, 1, 0, 0]).as_deref(), Some("2 images and 1 document"));
    assert_eq!(left_out_words([0, 0, 0, 0]), None);
    // A model that takes them keeps them.
    let mut kept = history();
    assert_eq!(
        leave_out_unsupported(&mut kept.messages, &rules_for("anthropic.claude-3-haiku-20240307-v1:0")),
        [0, 0, 0, 0]
    );
    assert_eq!(kept, history());
}

#[test]
fn thinking_is_turned_on_only_where_offered_and_takes_what_it_must() {
    let claude = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
    let mut r = request(json!({
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"temperature": 0.5, "topP": 0.9, "maxTokens": 1500},
        "additionalModelRequestFields": {"top_k": 5},
        "toolConfig": {"tools": [{"toolSpec": {"name": "clock", "inputSchema": {"json": {"type": "object"}}}}],
            "toolChoice": {"any": {}}}}));
    let changes = enable_thinking(&mut r, &rules_for(claude), 2_000).expect("Claude 3.7 offers thinking");
    assert_eq!(
        changes,
        ThinkingChanges {
            sampling_dropped: true,
            tool_choice_dropped: true,
            max_tokens_raised: Some(6_096),
            budget: 2_000
        }
    );
    let sent = serde_json::to_value(&r).unwrap();
    assert_eq!(
        sent["additionalModelRequestFields"],
        json!({"top_k": 5, "thinking": {"type": "enabled", "budget_tokens": 2000}})
    );
    assert_eq!(sent["inferenceConfig"], json!({"maxTokens": 6096}));
    assert!(sent["toolConfig"].get("toolChoice").is_none());

    // A budget under the minimum is raised to it; a maxTokens above the budget stays.
    let mut r = request(json!({"messages": [], "inferenceConfig": {"maxTokens": 9000}}));
    let changes = enable_thinking(&mut r, &rules_for(claude), 10).unwrap();
    assert_eq!((changes.budget, changes.max_tokens_raised), (MIN_THINKING_BUDGET, None));

    // Claude 3 Haiku and DeepSeek-R1 (whose reasoning is not budgeted) are left alone.
    for model in ["anthropic.claude-3-haiku-20240307-v1:0", "us.deepseek.r1-v1:0"] {
        let mut r = request(json!({"messages": [], "inferenceConfig": {"temperature": 0.5}}));
        let before = r.clone();
        assert_eq!(enable_thinking(&mut r, &rules_for(model), 2_000), None, "{model}");
        assert_eq!(r, before);
    }
}

#[test]
fn tokens_are_counted_by_the_foundation_model_id_where_bedrock_counts_them() {
    fn count(id: &str) -> Option<&str> {
        counting_model_id(id, &rules_for(id))
    }
    // CountTokens refuses inference profiles; their foundation model is counted instead.
    let sonnet = "anthropic.claude-sonnet-4-20250514-v1:0";
    for id in [
        sonnet.to_owned(),
        format!("us.{sonnet}"),
        format!("global.{sonnet}"),
        format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.{sonnet}"),
        format!("arn:aws:bedrock:us-east-1::foundation-model/{sonnet}"),
    ] {
        assert_eq!(count(&id), Some(sonnet), "{id}");
    }
    assert_eq!(
        count("us.anthropic.claude-3-5-haiku-20241022-v1:0"),
        Some("anthropic.claude-3-5-haiku-20241022-v1:0")
    );
    // Claude 3, Nova and Llama are not counted by Bedrock; nor is a model whose foundation
    // model its id does not name.
    for id in [
        "anthropic.claude-3-haiku-20240307-v1:0",
        "us.amazon.nova-lite-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
        "some.model-nobody-knows-v1:0",
    ] {
        assert_eq!(count(id), None, "{id}");
    }
    let app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3";
    assert_eq!(counting_model_id(app, &rules_for(sonnet)), None);
    // A deployer may declare that a model is counted.
    let declared: DeclaredRules = serde_json::from_value(json!({"countTokens": true})).unwrap();
    let rules = declared.rules("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
    assert_eq!(counting_model_id(haiku, &rules), Some(haiku));
}

/// What goes in `outputConfig` and within the conversation, by model.
mod fields;
