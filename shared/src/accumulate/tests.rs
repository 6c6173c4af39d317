use proptest::prelude::*;
use serde_json::json;

use super::*;

fn response(content: Vec<ContentBlock>, stop_reason: StopReason) -> ConverseResponse {
    ConverseResponse {
        output: ConverseOutput::Message(Message { role: Role::Assistant, content, extra: Extra::new() }),
        stop_reason,
        usage: TokenUsage { input_tokens: 3, output_tokens: 4, total_tokens: 7, ..Default::default() },
        metrics: ConverseMetrics { latency_ms: 12, ..Default::default() },
        additional_model_response_fields: None,
        trace: None,
        performance_config: None,
        service_tier: None,
        extra: Extra::new(),
    }
}

fn accumulate(events: &[StreamEvent]) -> Result<ConverseResponse, Error> {
    let mut acc = StreamAccumulator::new();
    for e in events {
        acc.push(e)?;
    }
    acc.finish()
}

fn event(name: &str, json: serde_json::Value) -> StreamEvent {
    StreamEvent::from_member_value(name, json).unwrap()
}

fn tool_use(id: &str, name: &str, input: serde_json::Value) -> ContentBlock {
    ContentBlock::ToolUse(ToolUseBlock {
        tool_use_id: id.into(),
        name: name.into(),
        input,
        r#type: None,
        extra: Extra::new(),
    })
}

#[test]
fn tool_input_is_assembled_from_its_pieces() {
    let events = [
        event("messageStart", json!({"role": "assistant"})),
        event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "Let me check."}})),
        event("contentBlockStop", json!({"contentBlockIndex": 0})),
        event(
            "contentBlockStart",
            json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "t1", "name": "calc"}}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"expr"}}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "\": \"2+2\"}"}}}),
        ),
        event("contentBlockStop", json!({"contentBlockIndex": 1})),
        event("messageStop", json!({"stopReason": "tool_use"})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 5}}),
        ),
    ];
    let reply = accumulate(&events).unwrap();
    let message = reply.output.message().unwrap();
    assert_eq!(message.content[0], ContentBlock::Text("Let me check.".into()));
    assert_eq!(message.content[1], tool_use("t1", "calc", json!({"expr": "2+2"})));
    assert_eq!(reply.stop_reason, StopReason::ToolUse);
}

#[test]
fn invalid_tool_input_is_a_clear_error() {
    let mut acc = StreamAccumulator::new();
    acc.push(&event(
        "contentBlockStart",
        json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t", "name": "calc"}}}),
    ))
    .unwrap();
    acc.push(&event(
        "contentBlockDelta",
        json!({"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"a\": "}}}),
    ))
    .unwrap();
    // The partial message leaves out the call whose input is not JSON yet.
    assert!(acc.message().content.is_empty());
    let err = acc.push(&event("contentBlockStop", json!({"contentBlockIndex": 0}))).unwrap_err();
    assert_eq!(err.to_string(), "the input of tool call \"calc\" (content block 0) is not valid JSON");
}

#[test]
fn an_index_reused_for_another_kind_is_another_block() {
    let events = [
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "thinking"}}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "sig"}}}),
        ),
        event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "answer"}})),
        event("messageStop", json!({"stopReason": "end_turn"})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 5}}),
        ),
    ];
    let content = accumulate(&events).unwrap().output.message().unwrap().content.clone();
    assert_eq!(content.len(), 2);
    assert_eq!(
        content[0],
        ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(ReasoningTextBlock {
            text: "thinking".into(),
            signature: Some("sig".into()),
            extra: Extra::new()
        }))
    );
    assert_eq!(content[1], ContentBlock::Text("answer".into()));
}

#[test]
fn redacted_reasoning_without_text_is_kept_as_bytes() {
    let events = [
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"reasoningContent": {"redactedContent": "AAEC"}}}),
        ),
        event("messageStop", json!({"stopReason": "end_turn"})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 5}}),
        ),
    ];
    let content = accumulate(&events).unwrap().output.message().unwrap().content.clone();
    assert_eq!(
        content,
        [ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(Blob(vec![0, 1, 2])))]
    );
}

#[test]
fn citations_join_the_text_they_cite() {
    let events = [
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": "Paris is the capital."}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"citation": {
            "title": "Atlas", "sourceContent": [{"text": "Paris, capital of France"}],
            "location": {"documentPage": {"documentIndex": 0, "start": 3, "end": 4}}}}}),
        ),
        event("messageStop", json!({"stopReason": "end_turn"})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 5}}),
        ),
    ];
    let reply = accumulate(&events).unwrap();
    let json = serde_json::to_value(reply.output.message().unwrap()).unwrap();
    assert_eq!(
        json["content"][0],
        json!({"citationsContent": {
            "content": [{"text": "Paris is the capital."}],
            "citations": [{"title": "Atlas", "sourceContent": [{"text": "Paris, capital of France"}],
                           "location": {"documentPage": {"documentIndex": 0, "start": 3, "end": 4}}}]}})
    );
}

#[test]
fn generated_images_and_stream_tool_results_are_assembled() {
    let events = [
        event("contentBlockStart", json!({"contentBlockIndex": 0, "start": {"image": {"format": "png"}}})),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"image": {"source": {"bytes": "iVBO"}}}}),
        ),
        event(
            "contentBlockStart",
            json!({"contentBlockIndex": 1, "start": {"toolResult": {"toolUseId": "s1", "status": "success"}}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"toolResult": [{"text": "found "}]}}),
        ),
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 1, "delta": {"toolResult": [{"text": "3 pages"}, {"json": {"n": 3}}]}}),
        ),
        event("messageStop", json!({"stopReason": "end_turn"})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}, "metrics": {"latencyMs": 5}}),
        ),
    ];
    let json = serde_json::to_value(accumulate(&events).unwrap().output.message().unwrap()).unwrap();
    assert_eq!(json["content"][0], json!({"image": {"format": "png", "source": {"bytes": "iVBO"}}}));
    // "Incremental image data": a second delta's bytes follow the first's.
    let mut more = events.to_vec();
    more.insert(
        2,
        event(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"image": {"source": {"bytes": "RK5C"}}}}),
        ),
    );
    let json = serde_json::to_value(accumulate(&more).unwrap().output.message().unwrap()).unwrap();
    assert_eq!(json["content"][0]["image"]["source"]["bytes"], "iVBORK5C");
    assert_eq!(
        json["content"][1],
        json!({"toolResult": {"toolUseId": "s1", "status": "success", "content": [{"text": "found 3 pages"}, {"json": {"n": 3}}]}})
    );
}

#[test]
fn a_stream_without_its_end_is_incomplete() {
    let events = [event("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "Hel"}}))];
    assert_eq!(
        accumulate(&events).unwrap_err().to_string(),
        "incomplete stream: the stream ended before messageStop"
    );
}

#[test]
fn metadata_and_stop_fields_reach_the_response() {
    let events = [
        event("messageStop", json!({"stopReason": "end_turn", "additionalModelResponseFields": {"k": 1}})),
        event(
            "metadata",
            json!({"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3, "cacheReadInputTokens": 9},
            "metrics": {"latencyMs": 5}, "trace": {"promptRouter": {"invokedModelId": "m"}},
            "performanceConfig": {"latency": "optimized"}, "serviceTier": {"type": "flex"}}),
        ),
    ];
    let reply = serde_json::to_value(accumulate(&events).unwrap()).unwrap();
    assert_eq!(reply["additionalModelResponseFields"], json!({"k": 1}));
    assert_eq!(reply["usage"]["cacheReadInputTokens"], 9);
    assert_eq!(reply["trace"]["promptRouter"]["invokedModelId"], "m");
    assert_eq!(reply["performanceConfig"]["latency"], "optimized");
    assert_eq!(reply["serviceTier"]["type"], "flex");
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i32>().prop_map(serde_json::Value::from),
        "[a-zé\"\\\\ {}]{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn block() -> impl Strategy<Value = ContentBlock> {
    prop_oneof![
        "[a-zA-Z0-9 .,!?é✓\n]{1,60}".prop_map(ContentBlock::Text),
        ("[a-z0-9]{4,10}", "[a-z_]{1,10}", proptest::collection::btree_map("[a-z]{1,6}", json_value(), 0..4))
            .prop_map(|(id, name, input)| tool_use(
                &id,
                &name,
                serde_json::Value::Object(input.into_iter().collect())
            )),
        ("[a-zA-Z .]{1,60}", proptest::option::of("[A-Za-z0-9+/]{8,20}")).prop_map(|(text, signature)| {
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(ReasoningTextBlock {
                text,
                signature,
                extra: Extra::new(),
            }))
        }),
        proptest::collection::vec(any::<u8>(), 1..40)
            .prop_map(|b| ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(Blob(b)))),
        // A generated image, streamed as pieces of its bytes.
        proptest::collection::vec(any::<u8>(), 1..200).prop_map(|b| ContentBlock::Image(ImageBlock {
            format: ImageFormat::Png,
            source: ImageSource::Bytes(Blob(b)),
            error: None,
            extra: Extra::new(),
        })),
    ]
}

proptest! {
    /// Any reply, streamed in any pieces, accumulates back to itself.
    #[test]
    fn disassembled_replies_accumulate_to_the_original(
        content in proptest::collection::vec(block(), 0..6),
        sizes in proptest::collection::vec(1usize..12, 1..8),
        stop in prop_oneof![Just(StopReason::EndTurn), Just(StopReason::ToolUse), Just(StopReason::MaxTokens)],
    ) {
        let original = response(content, stop);
        let mut i = 0;
        let events = disassemble(&original, |_, _| { i += 1; sizes[i % sizes.len()] });
        prop_assert!(events.len() >= 3);
        prop_assert_eq!(accumulate(&events).unwrap(), original);
    }
}

#[test]
fn a_system_tools_call_and_result_stream_and_come_back_whole() {
    // The shape of realcases pyd-96: Nova's code interpreter ran inside the reply.
    let content: Vec<ContentBlock> = serde_json::from_value(json!([
        {"toolUse": {"input": {"snippet": "1234 * 5678"}, "name": "nova_code_interpreter", "toolUseId": "t1", "type": "server_tool_use"}},
        {"toolResult": {"content": [{"json": {"exitCode": 0, "isError": false, "stdErr": "", "stdOut": "7006652"}}], "status": "success", "toolUseId": "t1", "type": "nova_code_interpreter_result"}},
        {"text": "It is 7006652."}
    ]))
    .unwrap();
    let original = response(content, StopReason::EndTurn);
    let events = disassemble(&original, |_, rest| rest.len().min(5));
    assert_eq!(accumulate(&events).unwrap(), original);
}
