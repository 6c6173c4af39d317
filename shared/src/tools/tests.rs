use serde_json::json;

use super::*;

fn clock() -> Clock {
    Clock { epoch_ms: 0.0, utc_offset_minutes: 0, time_zone: "UTC".into() }
}

fn reply(json: serde_json::Value) -> Message {
    serde_json::from_value(json).unwrap()
}

#[test]
fn the_loop_runs_every_call_then_stops() {
    let asked = reply(json!({"role": "assistant", "content": [
        {"text": "Let me compute."},
        {"toolUse": {"toolUseId": "a", "name": "calculator", "input": {"expression": "0.1+0.2"}}},
        {"toolUse": {"toolUseId": "b", "name": "convert_units", "input": {"value": "1", "from": "mi", "to": "km"}}}]}));
    let mut tools = ToolLoop::new(2);
    let Next::RunTools(calls) = tools.next(&asked, &StopReason::ToolUse) else { panic!() };
    assert_eq!(calls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    let results: Vec<(ToolCall, Outcome)> = calls
        .into_iter()
        .map(|c| {
            let o = run_builtin(&c.name, &c.input, &clock()).unwrap();
            (c, o)
        })
        .collect();
    let message = results_message(&results);
    assert_eq!(
        serde_json::to_value(&message).unwrap(),
        json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": "a", "content": [{"text": "0.3"}], "status": "success"}},
            {"toolResult": {"toolUseId": "b", "content": [{"text": "1.609344 km"}], "status": "success"}}]})
    );
    let answer = reply(json!({"role": "assistant", "content": [{"text": "0.3 and 1.609344 km"}]}));
    assert_eq!(tools.next(&answer, &StopReason::EndTurn), Next::Done);
}

#[test]
fn the_round_cap_ends_the_loop() {
    let asked = reply(
        json!({"role": "assistant", "content": [{"toolUse": {"toolUseId": "a", "name": "current_time", "input": {}}}]}),
    );
    let mut tools = ToolLoop::new(1);
    assert!(matches!(tools.next(&asked, &StopReason::ToolUse), Next::RunTools(_)));
    assert_eq!(tools.next(&asked, &StopReason::ToolUse), Next::RoundCapReached(1));
}

#[test]
fn failures_become_error_results_with_a_reason() {
    let call = ToolCall { id: "x".into(), name: "calculator".into(), input: json!({"expression": "1/0"}) };
    let outcome = run_builtin(&call.name, &call.input, &clock()).unwrap();
    assert_eq!(outcome, Outcome::Error("division by zero".into()));
    let message = serde_json::to_value(results_message(&[(call, outcome)])).unwrap();
    assert_eq!(message["content"][0]["toolResult"]["status"], "error");
    assert_eq!(
        run_builtin("calculator", &json!({}), &clock()),
        Some(Outcome::Error("the input has no \"expression\"".into()))
    );
    assert_eq!(run_builtin("no_such_tool", &json!({}), &clock()), None);
}

#[test]
fn builtin_specs_make_a_valid_tool_config() {
    let config = tool_config(builtin_specs()).unwrap();
    let json = serde_json::to_value(&config).unwrap();
    assert_eq!(json["tools"][0]["toolSpec"]["name"], "calculator");
    assert!(tool_config(vec![]).is_none());
}

#[test]
fn tool_history_is_told_as_text_when_no_tools_go_with_it() {
    let mut messages = vec![
        reply(json!({"role": "user", "content": [{"text": "What is 2+2?"}]})),
        reply(json!({"role": "assistant", "content": [{"text": "Let me compute."},
            {"toolUse": {"toolUseId": "a", "name": "calculator", "input": {"expression": "2+2"}}}]})),
        reply(json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": "a", "content": [{"text": "4"}], "status": "success"}}]})),
        reply(json!({"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "b", "name": "lookup_order", "input": {}}}]})),
        reply(json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": "b", "content": [{"json": {"why": "down"}}], "status": "error"}}]})),
    ];
    assert_eq!(tool_history_as_text(&mut messages), 4);
    let texts: Vec<&str> =
        messages.iter().flat_map(|m| &m.content).filter_map(ContentBlock::as_text).collect();
    assert_eq!(
        texts,
        [
            "What is 2+2?",
            "Let me compute.",
            r#"[I called the tool calculator with {"expression":"2+2"}]"#,
            "[calculator returned: 4]",
            "[I called the tool lookup_order with {}]",
            r#"[lookup_order failed: {"why":"down"}]"#,
        ]
    );
    // Nothing else in the conversation changed: it is still valid as it was.
    assert!(crate::validate::validate(&ConverseRequest { messages, ..Default::default() }).is_ok());
}

#[test]
fn each_call_is_shown_with_its_own_answer_or_as_not_run() {
    let asked = reply(json!({"role": "assistant", "content": [
        {"toolUse": {"toolUseId": "a", "name": "calculator", "input": {"expression": "1/0"}}},
        {"toolUse": {"toolUseId": "b", "name": "clock", "input": {}}},
        {"toolUse": {"toolUseId": "c", "name": "lookup", "input": {}}}]}));
    let answers = reply(json!({"role": "user", "content": [
        {"toolResult": {"toolUseId": "b", "content": [{"json": {"time": "12:00"}}, {"text": "noon"}]}},
        {"toolResult": {"toolUseId": "a", "status": "error", "content": [{"text": "division by zero"}]}}]}));
    let shown = answered(&asked, Some(&answers));
    assert_eq!(shown.iter().map(|a| a.call.id.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(shown[0].result, Some(Err("division by zero".into())));
    assert_eq!(shown[1].result, Some(Ok("{\"time\":\"12:00\"}\nnoon".into())));
    assert_eq!(shown[2].result, None, "a call nobody answered was not run");
    assert!(answered(&asked, None).iter().all(|a| a.result.is_none()));
}

#[test]
fn a_tool_that_speaks_converse_has_its_blocks_passed_on_as_they_are() {
    let answer = json!({"content": [
        {"text": "2 pages found"},
        {"searchResult": {"source": "https://shop.test/returns", "title": "Returns", "content": [{"text": "30 days."}]}}
    ]});
    let Outcome::Content(blocks) = converse_answer(&answer) else { panic!() };
    assert_eq!(serde_json::to_value(&blocks).unwrap(), answer["content"]);
    let failed = json!({"status": "error", "content": [{"text": "the index is rebuilding"}]});
    assert_eq!(converse_answer(&failed), Outcome::Error("the index is rebuilding".into()));
}

#[test]
fn a_converse_answer_that_is_not_converse_says_what_is_wrong() {
    let why = |answer: serde_json::Value| match converse_answer(&answer) {
        Outcome::Error(why) => why,
        other => panic!("{other:?}"),
    };
    assert!(why(json!({"results": []})).starts_with("the tool's answer has no content"));
    assert!(why(json!({"content": []})).starts_with("the tool's answer has no content"));
    assert!(why(json!({"content": "text"})).starts_with("the tool's answer is not Converse content"));
    assert!(
        why(json!({"content": [{"searchResult": {"title": "no source"}}]}))
            .starts_with("the tool's answer is not Converse content")
    );
    assert_eq!(
        why(json!({"content": [{"webPage": {"url": "https://x.test"}}]})),
        "the tool's answer holds a \"webPage\" block, which is not a Converse tool-result block"
    );
}

#[test]
fn a_calls_search_results_are_listed_apart_from_its_text() {
    let asked = reply(json!({"role": "assistant", "content": [
        {"toolUse": {"toolUseId": "s", "name": "search_docs", "input": {"q": "returns"}}}]}));
    let results = reply(json!({"role": "user", "content": [{"toolResult": {"toolUseId": "s", "content": [
        {"text": "1 page found"},
        {"searchResult": {"source": "https://shop.test/returns", "title": "Returns", "content": [{"text": "30 days."}]}}
    ]}}]}));
    let shown = answered(&asked, Some(&results));
    assert_eq!(shown[0].result, Some(Ok("1 page found".into())));
    assert_eq!(shown[0].found.len(), 1);
    assert_eq!(shown[0].found[0].url.as_deref(), Some("https://shop.test/returns"));
}

/// The page's three tools, as `known`, and a conversation that called the calculator.
fn called_the_calculator() -> Vec<Message> {
    vec![
        reply(json!({"role": "user", "content": [{"text": "What is 2+2?"}]})),
        reply(json!({"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "a", "name": "calculator", "input": {"expression": "2+2"}}}]})),
        reply(json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": "a", "content": [{"text": "4"}]}}]})),
        reply(json!({"role": "assistant", "content": [{"text": "4."}]})),
        reply(json!({"role": "user", "content": [{"text": "And the time?"}]})),
        reply(json!({"role": "assistant", "content": [{"text": "Noon."}]})),
        reply(json!({"role": "user", "content": [{"text": "Thanks"}]})),
    ]
}

#[test]
fn a_tool_switched_off_is_declared_as_before_and_withdrawn_after_its_last_use() {
    let known = builtin_specs();
    let mut messages = called_the_calculator();
    // The calculator is off now: only the clock and the converter are offered.
    let mut config = tool_config(known[1..].to_vec());
    let withdrawn = withdraw_switched_off(&mut messages, &mut config, &known).unwrap();
    assert_eq!(withdrawn, ["calculator"]);
    // The tools are as they were while the calculator was on, in the same order: the request
    // up to the removal is the one sent then.
    assert_eq!(config, tool_config(known.clone()));
    // The removal stands after the answer that used it, before the next thing the person said.
    let roles: Vec<Role> = messages.iter().map(|m| m.role.clone()).collect();
    assert_eq!(roles[4], Role::System);
    assert_eq!(messages[5].content[0].as_text(), Some("And the time?"));
    let removal = serde_json::to_value(&messages[4]).unwrap();
    assert_eq!(
        removal,
        json!({"role": "system", "content": [{"toolRemoval": {"tool": {"name": "calculator"}}}]})
    );
    let request = ConverseRequest { messages, tool_config: config, ..Default::default() };
    assert!(crate::validate::validate(&request).is_ok(), "{:?}", crate::validate::validate(&request));
}

#[test]
fn withdrawing_changes_nothing_while_the_tools_called_are_on() {
    let known = builtin_specs();
    let mut messages = called_the_calculator();
    let mut config = tool_config(known.clone());
    assert_eq!(withdraw_switched_off(&mut messages, &mut config, &known), Some(vec![]));
    assert_eq!(messages, called_the_calculator());
    assert_eq!(config, tool_config(known));
}

#[test]
fn all_tools_off_declares_the_called_ones_and_a_call_in_the_last_turn_is_withdrawn_at_the_end() {
    let known = builtin_specs();
    // The calculator was called in the turn still going on: its result is the last message.
    let mut messages = called_the_calculator()[..3].to_vec();
    let mut config = None;
    assert_eq!(withdraw_switched_off(&mut messages, &mut config, &known).unwrap(), ["calculator"]);
    assert_eq!(config, tool_config(known[..1].to_vec()));
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[3].role, Role::System);
    let request = ConverseRequest { messages, tool_config: config, ..Default::default() };
    assert!(crate::validate::validate(&request).is_ok());
}

#[test]
fn a_called_tool_the_page_no_longer_knows_cannot_be_withdrawn() {
    let known = builtin_specs();
    let mut messages = called_the_calculator();
    let mut config = None;
    assert_eq!(withdraw_switched_off(&mut messages, &mut config, &known[1..]), None);
    assert_eq!(messages, called_the_calculator());
}

#[test]
fn tool_changes_stand_in_system_messages_and_name_declared_tools() {
    let known = builtin_specs();
    let mut messages = called_the_calculator();
    let mut config = tool_config(known[1..].to_vec());
    withdraw_switched_off(&mut messages, &mut config, &known).unwrap();
    let check = |messages: Vec<Message>, config: Option<ToolConfiguration>| {
        crate::validate::validate(&ConverseRequest { messages, tool_config: config, ..Default::default() })
            .map_err(|e| e.message)
    };
    // Not declared: refused, naming it.
    let undeclared = check(messages.clone(), tool_config(known[1..].to_vec())).unwrap_err();
    assert!(undeclared.contains("the tool calculator is not declared in toolConfig"), "{undeclared}");
    // A tool change in a user message: refused.
    let mut moved = messages.clone();
    let change = moved.remove(4).content.remove(0);
    moved[4].content.push(change);
    assert!(check(moved, config.clone()).unwrap_err().contains("only allowed in system messages"));
    // An image in a system message: refused.
    let mut image = messages.clone();
    image[4].content.push(
        reply(json!({"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": ""}}}]}))
            .content
            .remove(0),
    );
    assert!(
        check(image, config.clone())
            .unwrap_err()
            .contains("a system message holds text and tool changes, not image")
    );
    // A system message first: the conversation must still start with the person.
    let mut first = messages.clone();
    let system = first.remove(4);
    first.insert(0, system);
    assert!(check(first, config).unwrap_err().contains("must start with a user message"));
}
