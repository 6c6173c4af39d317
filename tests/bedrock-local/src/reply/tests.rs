use serde_json::{Value, json};

use super::*;

fn request(value: Value) -> ConverseRequest {
    serde_json::from_value(value).unwrap()
}

fn conversation(texts: &[&str]) -> ConverseRequest {
    let messages: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(
            |(i, t)| json!({"role": if i % 2 == 0 { "user" } else { "assistant" }, "content": [{"text": t}]}),
        )
        .collect();
    request(json!({ "messages": messages }))
}

fn text(plan: &Plan) -> String {
    plan.response.output.message().unwrap().joined_text()
}

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const CALC: &str = r#"{"toolSpec": {"name": "calc", "inputSchema": {"json": {"type": "object", "properties": {"expr": {"type": "string"}, "digits": {"type": "integer"}}}}}}"#;

#[test]
fn reply_quotes_the_last_message_and_the_history() {
    let p = plan(HAIKU, &conversation(&["first question", "an answer", "second question"])).unwrap();
    let text = text(&p);
    assert!(text.starts_with("You said: “second question”."), "{text}");
    assert!(
        text.contains("I also received 2 earlier messages; the conversation began with “first question”."),
        "{text}"
    );
    assert_eq!((&p.response.stop_reason, p.response.usage.input_tokens), (&StopReason::EndTurn, 6));
}

#[test]
fn max_tokens_and_stop_sequences_cut_the_reply() {
    let mut r = conversation(&["hello there"]);
    r.inference_config = Some(InferenceConfiguration { max_tokens: Some(3), ..Default::default() });
    let p = plan(HAIKU, &r).unwrap();
    assert_eq!((text(&p).as_str(), &p.response.stop_reason), ("You said: “hello ", &StopReason::MaxTokens));
    r.inference_config =
        Some(InferenceConfiguration { stop_sequences: Some(vec!["there".into()]), ..Default::default() });
    let p = plan(HAIKU, &r).unwrap();
    assert_eq!(
        (text(&p).as_str(), &p.response.stop_reason),
        ("You said: “hello ", &StopReason::StopSequence)
    );
}

#[test]
fn errors_on_demand() {
    for status in [400, 403, 404, 408, 424, 429, 500, 503] {
        let e = plan(HAIKU, &conversation(&[&format!("x [stand-in:http-{status}]")]))
            .unwrap()
            .http_error
            .unwrap();
        assert_eq!(e.status(), status);
    }
    for member in [
        "internalServerException",
        "modelStreamErrorException",
        "validationException",
        "throttlingException",
        "serviceUnavailableException",
    ] {
        let e = plan(HAIKU, &conversation(&[&format!("x [stand-in:stream-{member}]")]))
            .unwrap()
            .stream_exception
            .unwrap();
        assert_eq!(e.to_stream_event().unwrap().member_name(), member);
    }
    assert!(plan(HAIKU, &conversation(&["x"])).unwrap().http_error.is_none());
}

#[test]
fn tool_calls_come_from_the_request_s_tools() {
    let r = request(json!({"messages": [{"role": "user", "content": [{"text": "add [stand-in:tools2]"}]}],
        "toolConfig": {"tools": [serde_json::from_slice::<Value>(CALC.as_bytes()).unwrap()]}}));
    let p = plan(HAIKU, &r).unwrap();
    assert_eq!(p.response.stop_reason, StopReason::ToolUse);
    let calls: Vec<&ToolUseBlock> = p
        .response
        .output
        .message()
        .unwrap()
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolUse(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].input, json!({"expr": "example", "digits": 2}));
    assert_ne!(calls[0].tool_use_id, calls[1].tool_use_id);
}

#[test]
fn tool_results_are_quoted_by_tool_name() {
    let r = request(json!({"messages": [
        {"role": "user", "content": [{"text": "add"}]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "calc", "input": {}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "4"}]}}]}]}));
    assert!(text(&plan(HAIKU, &r).unwrap()).starts_with("The tool results: calc returned “4”."));
}

#[test]
fn reasoning_only_for_reasoning_models_signed_where_they_sign() {
    let r = conversation(&["think [stand-in:reasoning]"]);
    let claude = plan("us.anthropic.claude-3-7-sonnet-20250219-v1:0", &r).unwrap();
    let first = &claude.response.output.message().unwrap().content[0];
    assert!(
        matches!(first, ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(t)) if t.signature.is_some())
    );
    let deepseek = plan("us.deepseek.r1-v1:0", &r).unwrap();
    let first = &deepseek.response.output.message().unwrap().content[0];
    assert!(
        matches!(first, ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(t)) if t.signature.is_none())
    );
    let haiku = plan("anthropic.claude-3-haiku-20240307-v1:0", &r).unwrap();
    assert!(matches!(haiku.response.output.message().unwrap().content[0], ContentBlock::Text(_)));
}

#[test]
fn documents_with_citations_are_cited() {
    let r = request(json!({"messages": [{"role": "user", "content": [{"text": "summarise"},
        {"document": {"name": "Atlas", "format": "txt", "source": {"text": "Paris is the capital of France."}, "citations": {"enabled": true}}}]}]}));
    let p = plan(HAIKU, &r).unwrap();
    let cited = p.response.output.message().unwrap().content.iter().find_map(|b| match b {
        ContentBlock::CitationsContent(c) => Some(c),
        _ => None,
    });
    let cited = serde_json::to_value(cited.unwrap()).unwrap();
    assert_eq!(cited["citations"][0]["title"], "Atlas");
    assert_eq!(cited["citations"][0]["location"]["documentChar"]["end"], 31);
}

#[test]
fn search_results_with_citations_are_cited_by_source() {
    let result = |source: &str, title: &str, text: &str, cite: bool| json!({"searchResult": {"source": source, "title": title, "content": [{"text": text}], "citations": {"enabled": cite}}});
    let r = request(json!({"messages": [
        {"role": "user", "content": [{"text": "first"}, result("kb://old", "Old", "earlier", true)]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "search", "input": {}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [
            result("https://shop.test/returns", "Returns", "Refunds within 30 days.", true),
            result("kb://quiet", "Quiet", "not to be cited", false)]}}]}]}));
    let p = plan("anthropic.claude-3-5-haiku-20241022-v1:0", &r).unwrap();
    let content = serde_json::to_value(&p.response.output.message().unwrap().content).unwrap();
    let cited: Vec<&Value> =
        content.as_array().unwrap().iter().filter(|b| b.get("citationsContent").is_some()).collect();
    assert_eq!(cited.len(), 1, "only the last turn's search results with citations on: {content}");
    let citation = &cited[0]["citationsContent"]["citations"][0];
    assert_eq!(citation["title"], "Returns");
    assert_eq!(citation["source"], "https://shop.test/returns");
    assert_eq!(citation["sourceContent"][0]["text"], "Refunds within 30 days.");
    // Counted over the request's search results: the earlier turn's is the first.
    assert_eq!(
        citation["location"]["searchResultLocation"],
        json!({"searchResultIndex": 1, "start": 0, "end": 1})
    );
    // The tool result is quoted with its title and source.
    assert!(
        content[0]["text"]
            .as_str()
            .unwrap()
            .contains("Returns (https://shop.test/returns): Refunds within 30 days.")
    );
}

#[test]
fn guardrails_intervene_with_a_trace_when_asked() {
    let r =
        request(json!({"messages": [{"role": "user", "content": [{"text": "bad [stand-in:guardrail]"}]}],
        "guardrailConfig": {"guardrailIdentifier": "g", "guardrailVersion": "1", "trace": "enabled"}}));
    let p = plan(HAIKU, &r).unwrap();
    assert_eq!(p.response.stop_reason, StopReason::GuardrailIntervened);
    assert!(p.response.trace.unwrap().guardrail.is_some());
}

#[test]
fn context_window_limits() {
    let p = plan(HAIKU, &conversation(&["x [stand-in:context-window]"])).unwrap();
    assert_eq!(p.response.stop_reason, StopReason::ModelContextWindowExceeded);
    let huge = "word ".repeat(4_001);
    let e = plan("amazon.titan-text-lite-v1", &conversation(&[&huge])).unwrap_err();
    assert_eq!(e.message, "Input is too long for requested model.");
}

#[test]
fn calls_with_given_input_for_declared_tools_only() {
    let text = r#"sum [stand-in:call calc {"expr": "0.1 + 0.2"}] [stand-in:call calc {"expr": "[1]"}] [stand-in:call nope {}]"#;
    let r = request(json!({"messages": [{"role": "user", "content": [{"text": text}]}],
        "toolConfig": {"tools": [serde_json::from_slice::<Value>(CALC.as_bytes()).unwrap()]}}));
    let p = plan(HAIKU, &r).unwrap();
    let inputs: Vec<Value> = p
        .response
        .output
        .message()
        .unwrap()
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolUse(t) => Some(t.input.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(inputs, [json!({"expr": "0.1 + 0.2"}), json!({"expr": "[1]"})]);
}

#[test]
fn a_prefilled_reply_is_continued_where_it_stands() {
    let ask = |messages: serde_json::Value, max: Option<u32>| {
        let mut body = serde_json::json!({ "messages": messages });
        if let Some(max) = max {
            body["inferenceConfig"] = serde_json::json!({ "maxTokens": max });
        }
        plan("anthropic.claude-3-haiku-20240307-v1:0", &serde_json::from_value(body).unwrap())
    };
    let user = serde_json::json!({"role": "user", "content": [{"text": "one two three four"}]});
    let whole = ask(serde_json::json!([user]), None).unwrap();
    let whole_text = whole.response.output.message().unwrap().joined_text();
    let cut = ask(serde_json::json!([user]), Some(3)).unwrap();
    assert_eq!(cut.response.stop_reason, StopReason::MaxTokens);
    let start = cut.response.output.message().unwrap().joined_text();
    let prefill = serde_json::json!({"role": "assistant", "content": [{"text": start.trim_end()}]});
    let rest = ask(serde_json::json!([user, prefill]), Some(3)).unwrap();
    let more = rest.response.output.message().unwrap().joined_text();
    assert_eq!(rest.response.usage.output_tokens, 3);
    assert!(
        whole_text.starts_with(&format!("{}{more}", start.trim_end())),
        "{start:?} + {more:?} vs {whole_text:?}"
    );
    let end = ask(serde_json::json!([user, prefill]), None).unwrap();
    assert_eq!(
        format!("{}{}", start.trim_end(), end.response.output.message().unwrap().joined_text()),
        whole_text
    );
    assert_eq!(end.response.stop_reason, StopReason::EndTurn);
    // Bedrock refuses a prefill that ends with whitespace.
    let spaced = serde_json::json!({"role": "assistant", "content": [{"text": start}]});
    assert_eq!(ask(serde_json::json!([user, spaced]), None).unwrap_err().kind, ErrorKind::Validation);
}

#[test]
fn a_tool_withdrawn_is_not_called_until_it_is_given_back() {
    let calc: Value = serde_json::from_slice(CALC.as_bytes()).unwrap();
    let opus = "global.anthropic.claude-opus-5-5";
    let asked = |changes: Value| {
        let r = request(json!({"messages": [
            {"role": "user", "content": [{"text": "hello"}]},
            {"role": "assistant", "content": [{"text": "hi"}]},
            {"role": "system", "content": changes},
            {"role": "user", "content": [{"text": r#"sum [stand-in:call calc {"expr": "1"}]"#}]}],
            "toolConfig": {"tools": [calc.clone()]}}));
        let p = plan(opus, &r).unwrap();
        let content = &p.response.output.message().unwrap().content;
        content.iter().filter(|b| matches!(b, ContentBlock::ToolUse(_))).count()
    };
    assert_eq!(asked(json!([{"toolRemoval": {"tool": {"name": "calc"}}}])), 0);
    assert_eq!(
        asked(
            json!([{"toolRemoval": {"tool": {"name": "calc"}}}, {"toolAddition": {"tool": {"name": "calc"}}}])
        ),
        1
    );
    assert_eq!(asked(json!([{"text": "Be brief."}])), 1);
}
