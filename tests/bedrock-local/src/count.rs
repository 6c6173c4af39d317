//! `CountTokens` (`POST /model/{modelId}/count-tokens`) as Bedrock answers it: only a
//! foundation model that Bedrock counts, named by its bare id or foundation-model ARN (an
//! inference profile is refused, though inference on the newer Claude models needs one); the
//! input checked as a Converse request would be; the count the same as the stand-in bills.
//!
//! Sources: "Monitor your token usage by counting tokens before running inference"
//! (<https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html>) and the API
//! reference (`CountTokensRequest`, `CountTokensInput`: a union, exactly one of `converse`
//! and `invokeModel`); Bedrock's words for an id it does not count, "The provided model
//! doesn't support counting tokens.", as other projects recorded them (pydantic-ai #4001,
//! agentcore-public-stack #430).

use converse_shared::types::{CountTokensInput, CountTokensRequest, CountTokensResponse, take_unrecognized};
use converse_shared::{BedrockError, ConverseRequest, ErrorKind};

use crate::catalog::{self, Model};
use crate::{judge, reply, validate};

/// Bedrock's refusal of a model it does not count, or of an inference profile.
pub const NOT_COUNTED: &str = "The provided model doesn't support counting tokens.";

fn invalid(message: impl Into<String>) -> BedrockError {
    BedrockError::new(ErrorKind::Validation, message)
}

/// The model `model_id` names for counting: a bare id or a foundation-model ARN.
fn counted_model(model_id: &str) -> Result<&'static Model, BedrockError> {
    let id = match model_id.strip_prefix("arn:aws:bedrock:") {
        Some(rest) => match rest.split_once("::foundation-model/") {
            Some((region, id)) if !region.contains(':') => id,
            _ => return Err(invalid(NOT_COUNTED)), // a profile's, or an account's own model's
        },
        None => model_id,
    };
    match catalog::base(id) {
        Some(model) if model.count_tokens => Ok(model),
        // A known model Bedrock does not count, or a system-defined profile (`us.…`).
        Some(_) => Err(invalid(NOT_COUNTED)),
        None if catalog::resolve(model_id).is_ok() => Err(invalid(NOT_COUNTED)),
        None => Err(invalid(catalog::INVALID_ID)),
    }
}

/// Answers `CountTokens` for `model_id`.
pub fn count(model_id: &str, body: &[u8]) -> Result<CountTokensResponse, BedrockError> {
    let model = counted_model(model_id)?;
    take_unrecognized();
    let request: CountTokensRequest = serde_json::from_slice(body).map_err(|e| {
        invalid(format!("Malformed input request: {e}, please reformat your input and try again."))
    })?;
    if let Some(name) = take_unrecognized().first() {
        return Err(validate::extraneous(name));
    }
    let input_tokens = match request.input {
        CountTokensInput::Converse(input) => {
            let request = ConverseRequest {
                messages: input.messages.unwrap_or_default(),
                system: input.system,
                tool_config: input.tool_config,
                additional_model_request_fields: input.additional_model_request_fields,
                ..Default::default()
            };
            validate::check_conversation(&request.messages)?;
            validate::tool_changes(&request)?;
            judge::check(model_id, model, &request, false)?;
            reply::input_tokens(&request.messages, request.system.as_deref())
        }
        CountTokensInput::InvokeModel(input) => {
            // The model's own body (Anthropic's Messages format for Claude): a token per word
            // of its text.
            let body: serde_json::Value = serde_json::from_slice(input.body.as_bytes())
                .map_err(|_| invalid("The provided invokeModel body is not valid JSON."))?;
            words_in(&body)
        }
        _ => return Err(invalid("input: exactly one of converse and invokeModel is required.")),
    };
    Ok(CountTokensResponse { input_tokens, extra: Default::default() })
}

/// A token per word of every string in `value`'s `text` and `content` members.
fn words_in(value: &serde_json::Value) -> u32 {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter().map(words_in).sum(),
        Value::Object(members) => members
            .iter()
            .map(|(key, v)| match v {
                Value::String(s) if matches!(key.as_str(), "text" | "content" | "system") => {
                    s.split_whitespace().count() as u32
                }
                _ => words_in(v),
            })
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converse(text: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"input": {"converse": {
            "system": [{"text": "Be brief."}],
            "messages": [{"role": "user", "content": [{"text": text}]}],
        }}}))
        .unwrap()
    }

    #[test]
    fn counts_what_converse_would_bill() {
        let sonnet = "anthropic.claude-sonnet-4-20250514-v1:0";
        assert_eq!(count(sonnet, &converse("one two three")).unwrap().input_tokens, 5);
        let arn = format!("arn:aws:bedrock:us-east-1::foundation-model/{sonnet}");
        assert_eq!(count(&arn, &converse("one")).unwrap().input_tokens, 3);
        let invoke = br#"{"input": {"invokeModel": {"body": "eyJtZXNzYWdlcyI6W3sicm9sZSI6InVzZXIiLCJjb250ZW50IjoiaGkgdGhlcmUifV19"}}}"#;
        assert_eq!(count(sonnet, invoke).unwrap().input_tokens, 2); // {"messages":[{"role":"user","content":"hi there"}]}
    }

    #[test]
    fn profiles_and_models_bedrock_does_not_count_are_refused() {
        for id in [
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
            "amazon.nova-lite-v1:0",
            "us.amazon.nova-lite-v1:0",
        ] {
            assert_eq!(count(id, &converse("hi")).unwrap_err().message, NOT_COUNTED, "{id}");
        }
        assert_eq!(
            count("anthropic.claude-sonnet-9", &converse("hi")).unwrap_err().message,
            catalog::INVALID_ID
        );
    }

    #[test]
    fn the_input_is_judged_as_a_converse_request() {
        let haiku = "anthropic.claude-3-5-haiku-20241022-v1:0";
        let empty = br#"{"input": {"converse": {"messages": []}}}"#;
        assert!(count(haiku, empty).unwrap_err().message.starts_with("A conversation must start"));
        let both = br#"{"input": {"converse": {}, "invokeModel": {"body": "e30="}}}"#;
        assert_eq!(count(haiku, both).unwrap_err().kind, ErrorKind::Validation);
        let extra = br#"{"input": {"converse": {"messages": [{"role": "user", "content": [{"text": "a"}]}], "inferenceConfig": {}}}}"#;
        assert!(count(haiku, extra).unwrap_err().message.contains("extraneous key [inferenceConfig]"));
        // Claude 3.5 Haiku takes no images (the judge's word, as for Converse).
        let image = br#"{"input": {"converse": {"messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}]}]}}}"#;
        assert_eq!(count(haiku, image).unwrap_err().kind, ErrorKind::Validation);
    }
}
