//! The finishing touches of a planned reply: a prefill's continuation, the response fields
//! asked for, a guardrail's trace.

use converse_shared::types::*;
use serde_json::{Value, json};

pub(super) fn guardrail_trace() -> ConverseTrace {
    let assessment: GuardrailAssessment = serde_json::from_value(json!({
        "topicPolicy": {"topics": [{"name": "Stand-in topic", "type": "DENY", "action": "BLOCKED", "detected": true}]}
    }))
    .expect("a valid assessment");
    ConverseTrace {
        guardrail: Some(GuardrailTraceAssessment {
            model_output: None,
            input_assessment: Some([("stand-in-guardrail".to_owned(), assessment)].into()),
            output_assessments: None,
            action_reason: Some("Guardrail blocked.".into()),
            extra: Extra::new(),
        }),
        prompt_router: None,
        extra: Extra::new(),
    }
}

/// Cuts `prefill` from the start of the reply's text and caps what is left at `max_tokens`.
pub(super) fn continue_from(response: &mut ConverseResponse, prefill: &str, max_tokens: Option<u32>) {
    let ConverseOutput::Message(message) = &mut response.output else { return };
    let Some(ContentBlock::Text(text)) = message.content.first() else { return };
    let rest = text.strip_prefix(prefill).unwrap_or(text);
    // The space that joins the prefill to the rest belongs to the first word, not a token of
    // its own.
    let lead = rest.len() - rest.trim_start_matches(' ').len();
    let mut pieces: Vec<&str> = rest[lead..].split_inclusive(' ').collect();
    let cut = max_tokens.map(|m| m as usize).is_some_and(|max| pieces.len() > max);
    if let Some(max) = max_tokens.filter(|_| cut) {
        pieces.truncate(max as usize);
    }
    let continued = format!("{}{}", &rest[..lead], pieces.concat());
    response.usage.output_tokens = pieces.len() as u32;
    response.usage.total_tokens = response.usage.input_tokens + response.usage.output_tokens;
    if cut {
        response.stop_reason = StopReason::MaxTokens;
        message.content.truncate(1);
    }
    message.content[0] = ContentBlock::Text(continued);
}

/// `/a/b` paths asked for with `additionalModelResponseFieldPaths`, answered with a marker.
pub(super) fn response_fields(paths: &[String]) -> Option<Value> {
    let mut root = json!({});
    for path in paths {
        let mut node = &mut root;
        for part in path.trim_start_matches('/').split('/').filter(|p| !p.is_empty()) {
            node = node.as_object_mut()?.entry(part.to_owned()).or_insert_with(|| json!({}));
        }
        *node = json!("stand-in value");
    }
    (!paths.is_empty()).then_some(root)
}
