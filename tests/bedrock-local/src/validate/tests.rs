use super::*;

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn message_of(model: &str, body: &str) -> String {
    parse_request(model, body.as_bytes(), true).unwrap_err().message
}

#[test]
fn rejects_what_bedrock_rejects() {
    assert!(
        message_of(HAIKU, r#"{"messages":[]}"#).starts_with("A conversation must start with a user message")
    );
    assert!(
        message_of(HAIKU, r#"{"messages":[{"role":"assistant","content":[{"text":"hi"}]}]}"#)
            .starts_with("A conversation must start with a user message")
    );
    assert!(message_of(
        HAIKU,
        r#"{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]}"#
    )
    .starts_with("A conversation must alternate"));
    assert!(
        message_of(HAIKU, r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"temprature":1}"#)
            .contains("extraneous key [temprature]")
    );
    assert!(
        message_of(HAIKU, r#"{"messages":[{"role":"user","content":[{"hologram":{}}]}]}"#)
            .contains("extraneous key [hologram]")
    );
    assert!(
        message_of(HAIKU, r#"{"messages":[{"role":"user","content":[{"text":""}]}]}"#).contains("is blank")
    );
    assert!(message_of(HAIKU, "{not json").starts_with("Malformed input request"));
}

#[test]
fn model_rules_are_enforced_not_fitted() {
    let system = r#"{"system":[{"text":"be brief"}],"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
    assert!(
        message_of("mistral.mistral-7b-instruct-v0:2", system).contains("doesn't support system messages")
    );
    assert!(parse_request(HAIKU, system.as_bytes(), true).is_ok());
    let both = r#"{"inferenceConfig":{"temperature":0.5,"topP":0.5},"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
    assert!(
        message_of("us.anthropic.claude-sonnet-4-5-20250929-v1:0", both).contains("cannot both be specified")
    );
    let many =
        r#"{"inferenceConfig":{"maxTokens":5000},"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
    assert!(message_of(HAIKU, many).contains("exceeds the model limit of 4096"));
}

#[test]
fn video_and_audio_go_where_the_model_takes_them() {
    let with =
        |blocks: &str| format!(r#"{{"messages":[{{"role":"user","content":[{{"text":"a"}}{blocks}]}}]}}"#);
    let video = r#",{"video":{"format":"mp4","source":{"bytes":"AAAA"}}}"#;
    let audio = r#",{"audio":{"format":"mp3","source":{"bytes":"AAAA"}}}"#;
    let nova = "us.amazon.nova-lite-v1:0";
    let own = "arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123";
    assert!(parse_request(nova, with(video).as_bytes(), true).is_ok());
    // The refusal recorded for video on Claude (realcases pyd-158), for audio.
    assert_eq!(
        message_of(nova, &with(audio)),
        "This model doesn't support the audio content block that you provided. Update the content block and try again."
    );
    assert!(parse_request(own, with(&format!("{video}{audio}")).as_bytes(), true).is_ok());
    assert_eq!(message_of(own, &with(&format!("{video}{video}"))), "Too many videos: 2. The maximum is 1.");
}

#[test]
fn system_tools_go_to_the_models_that_run_them() {
    let with = r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"toolConfig":{"tools":[{"systemTool":{"name":"nova_code_interpreter"}}]}}"#;
    assert!(parse_request("us.amazon.nova-2-lite-v1:0", with.as_bytes(), true).is_ok());
    assert_eq!(
        message_of("us.amazon.nova-lite-v1:0", with),
        "This model doesn't support the system tool nova_code_interpreter. Remove it and try again."
    );
}

#[test]
fn search_results_go_to_the_models_that_cite_them() {
    let body = r#"{"messages":[{"role":"user","content":[{"text":"look it up"}]},
        {"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"search","input":{}}}]},
        {"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[
            {"searchResult":{"source":"https://shop.test/returns","title":"Returns","content":[{"text":"30 days."}]}}]}}]}],
        "toolConfig":{"tools":[{"toolSpec":{"name":"search","inputSchema":{"json":{"type":"object"}}}}]}}"#;
    assert!(parse_request("us.anthropic.claude-sonnet-4-5-20250929-v1:0", body.as_bytes(), true).is_ok());
    assert!(parse_request("anthropic.claude-3-5-haiku-20241022-v1:0", body.as_bytes(), true).is_ok());
    // In the words of Bedrock's refusals of the other blocks a model does not take.
    let refused = "This model doesn't support the searchResult content block that you provided. Update the content block and try again.";
    assert_eq!(message_of("us.amazon.nova-lite-v1:0", body), refused);
    assert_eq!(message_of("anthropic.claude-3-haiku-20240307-v1:0", body), refused);
}

#[test]
fn a_project_is_taken_where_bedrock_takes_it() {
    let with = |project: &str| {
        format!(
            r#"{{"projectIdentifier":{project:?},"messages":[{{"role":"user","content":[{{"text":"a"}}]}}]}}"#
        )
    };
    for ok in ["default", "p-1_a", "arn:aws:bedrock:us-east-1:123456789012:project/p1"] {
        assert!(parse_request(HAIKU, with(ok).as_bytes(), true).is_ok(), "{ok}");
        assert!(parse_request("us.amazon.nova-lite-v1:0", with(ok).as_bytes(), false).is_ok(), "{ok}");
    }
    for bad in ["", "a b", "arn:aws:bedrock:us-east-1:123:project/p1"] {
        assert!(message_of(HAIKU, &with(bad)).contains("at 'projectIdentifier' failed to satisfy"), "{bad}");
    }
    let profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
    assert!(message_of(profile, &with("p1")).contains("don't support non-default projects"));
    assert!(parse_request(profile, with("default").as_bytes(), true).is_ok());
}

#[test]
fn tool_blocks_need_a_tool_config() {
    let history = r#"{"messages":[{"role":"user","content":[{"text":"a"}]},
        {"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"calc","input":{}}}]},
        {"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"4"}]}}]}]"#;
    assert!(message_of(HAIKU, &format!("{history}}}")).contains("toolConfig field must be defined"));
    let with_tools = format!(
        r#"{history},"toolConfig":{{"tools":[{{"toolSpec":{{"name":"calc","inputSchema":{{"json":{{}}}}}}}}]}}}}"#
    );
    assert!(parse_request(HAIKU, with_tools.as_bytes(), true).is_ok());
}

#[test]
fn accepts_every_member_bedrock_knows() {
    let body = r#"{"messages":[{"role":"user","content":[{"text":"a"},{"cachePoint":{"type":"default"}}]}],
                   "toolConfig":{"tools":[{"toolSpec":{"name":"calc","inputSchema":{"json":{}}}}]},"inferenceConfig":{"maxTokens":5,"temperature":0.5},
                   "requestMetadata":{"k":"v"},"serviceTier":{"type":"flex"}}"#;
    assert!(parse_request(HAIKU, body.as_bytes(), true).is_ok());
}

#[test]
fn refuses_what_the_service_model_forbids() {
    let tools = r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"toolConfig":{"tools":[]}}"#;
    assert!(message_of(HAIKU, tools).contains("at 'toolConfig.tools' failed to satisfy constraint"));
    let mode = r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],
        "guardrailConfig":{"guardrailIdentifier":"g","guardrailVersion":"1","streamProcessingMode":"async"}}"#;
    assert!(parse_request(HAIKU, mode.as_bytes(), true).is_ok());
    let converse = parse_request(HAIKU, mode.as_bytes(), false).unwrap_err().message;
    assert!(converse.contains("extraneous key [streamProcessingMode]"), "{converse}");
    let plain = r#"{"messages":[{"role":"user","content":[{"text":"a"}]}]}"#;
    assert_eq!(
        message_of("anthropic.claude-3-haiku-2024", plain),
        "The provided model identifier is invalid."
    );
    assert!(
        message_of("anthropic.claude-3-7-sonnet-20250219-v1:0", plain).contains("with on-demand throughput")
    );
}

/// A conversation that called `calc`, then a system message withdrawing it, then a question.
fn withdrawn(model: &str, tool_config: &str, change: &str) -> Result<ConverseRequest, String> {
    let body = format!(
        r#"{{"messages":[
            {{"role":"user","content":[{{"text":"add"}}]}},
            {{"role":"assistant","content":[{{"toolUse":{{"toolUseId":"t1","name":"calc","input":{{}}}}}}]}},
            {{"role":"user","content":[{{"toolResult":{{"toolUseId":"t1","content":[{{"text":"2"}}]}}}}]}},
            {{"role":"assistant","content":[{{"text":"2."}}]}},
            {{"role":"system","content":[{change}]}},
            {{"role":"user","content":[{{"text":"and now?"}}]}}
        ]{tool_config}}}"#
    );
    parse_request(model, body.as_bytes(), true).map_err(|e| e.message)
}

const CALC_CONFIG: &str =
    r#","toolConfig":{"tools":[{"toolSpec":{"name":"calc","inputSchema":{"json":{"type":"object"}}}}]}"#;
const REMOVE_CALC: &str = r#"{"toolRemoval":{"tool":{"name":"calc"}}}"#;

#[test]
fn system_messages_within_the_conversation_are_judged_by_model_and_content() {
    // Anthropic's "Mid-conversation system messages and tool changes" names the models (Opus
    // 4.8, Opus 5 and 5.5, Sonnet 5.5, Haiku 5.5; not Sonnet 5).
    let opus = "global.anthropic.claude-opus-5-5";
    assert!(withdrawn(opus, CALC_CONFIG, REMOVE_CALC).is_ok());
    assert!(withdrawn(opus, CALC_CONFIG, r#"{"text":"From now on, answer in French."}"#).is_ok());
    let sonnet_5 = withdrawn("global.anthropic.claude-sonnet-5", CALC_CONFIG, REMOVE_CALC).unwrap_err();
    assert!(sonnet_5.starts_with("This model doesn't support the system role in messages"), "{sonnet_5}");
    assert!(withdrawn("us.anthropic.claude-sonnet-4-6", CALC_CONFIG, REMOVE_CALC).is_err());
    // The tool named must be declared ("Must match the name of a tool declared in the
    // top-level tool configuration", the service model's `ToolReference.name`).
    let undeclared =
        withdrawn(opus, CALC_CONFIG, r#"{"toolAddition":{"tool":{"name":"clock"}}}"#).unwrap_err();
    assert!(
        undeclared
            .starts_with("The tool 'clock' in the toolAddition block at messages.4.content.0 isn't defined")
    );
    // What a system message may not hold, and where a tool change may not stand.
    let image = r#"{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}"#;
    assert!(
        withdrawn(opus, CALC_CONFIG, image)
            .unwrap_err()
            .contains("The image block at messages.4.content.0 is not allowed in a system message")
    );
    let in_user = r#"{"messages":[{"role":"user","content":[{"toolRemoval":{"tool":{"name":"calc"}}}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"calc","inputSchema":{"json":{}}}}]}}"#;
    assert!(
        message_of(opus, in_user)
            .contains("The toolRemoval block at messages.0.content.0 is not allowed in a user message")
    );
    // The turns around a system message still alternate.
    let twice = r#"{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"system","content":[{"text":"b"}]},{"role":"user","content":[{"text":"c"}]}]}"#;
    assert!(message_of(opus, twice).starts_with("A conversation must alternate"));
}

#[test]
fn claude_5_refuses_sampling_parameters_and_a_thinking_budget_in_anthropics_words() {
    let opus = "global.anthropic.claude-opus-5-5";
    let hot =
        r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"inferenceConfig":{"temperature":0.5}}"#;
    assert!(message_of(opus, hot).ends_with(r#""message":"`temperature` is deprecated for this model."}}"#));
    let nucleus = r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"inferenceConfig":{"topP":0.5}}"#;
    assert!(message_of(opus, nucleus).contains("`top_p` is deprecated"));
    let plain =
        r#"{"messages":[{"role":"user","content":[{"text":"a"}]}],"inferenceConfig":{"maxTokens":10}}"#;
    assert!(parse_request(opus, plain.as_bytes(), true).is_ok());
}
