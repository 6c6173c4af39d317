//! What the deployer allows a request to ask for: models, sizes, counts, output tokens, and
//! an enforced guardrail. Applied before any upstream call.

use converse_shared::models::{base_model_id, rules_for};
use converse_shared::path::model_id_problem;
use converse_shared::types::*;
use converse_shared::{BedrockError, ErrorKind};

use crate::config::Policy;
use crate::errors::RelayError;
use crate::widget::{self, Site};

fn invalid(message: String) -> RelayError {
    RelayError::Bedrock(BedrockError::new(ErrorKind::Validation, message))
}

/// Whether the relay offers `model_id` (an inference profile or ARN of an offered model counts).
pub(crate) fn offers(policy: &Policy, model_id: &str) -> bool {
    listed(policy.models.as_deref(), model_id)
}

/// Whether `models` (`None`: any model) has `model_id`, or the model it is a profile or ARN of.
pub(crate) fn listed(models: Option<&[String]>, model_id: &str) -> bool {
    models.is_none_or(|models| {
        models.iter().any(|m| m == model_id || base_model_id(m) == base_model_id(model_id))
    })
}

/// The most output tokens a request to `model_id` may ask for here.
pub(crate) fn output_cap(policy: &Policy, model_id: &str) -> u32 {
    let model_max = rules_for(model_id).max_output_tokens;
    policy.max_output_tokens.map_or(model_max, |cap| cap.min(model_max))
}

/// Checks a request against the policy. Returns the body to send: the client's own bytes,
/// or, where the policy had to set something (output cap, guardrail), the request written
/// again — which loses nothing, as the wire model keeps every member it does not know.
///
/// A widget request (`site`: its origin, its rules, the preset it asks for) is also held to
/// its site's rules.
pub(crate) fn apply(
    policy: &Policy,
    site: Option<(&str, &Site, Option<&str>)>,
    model_id: &str,
    body: Vec<u8>,
) -> Result<Vec<u8>, RelayError> {
    if let Some(problem) = model_id_problem(model_id) {
        return Err(invalid(format!("The provided model identifier is invalid: {problem}.")));
    }
    if !offers(policy, model_id) {
        return Err(RelayError::Bedrock(BedrockError::new(
            ErrorKind::AccessDenied,
            format!("This relay does not offer the model {model_id}."),
        )));
    }
    if body.len() > policy.max_body_bytes {
        return Err(RelayError::TooLarge(policy.max_body_bytes));
    }
    let mut request: ConverseRequest = serde_json::from_slice(&body).map_err(|e| {
        invalid(format!("Malformed input request: {e}, please reformat your input and try again."))
    })?;
    if request.messages.len() > policy.max_messages {
        return Err(invalid(format!(
            "The request has {} messages; this relay takes at most {}.",
            request.messages.len(),
            policy.max_messages
        )));
    }
    let attachments = request
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .map(|block| match block {
            ContentBlock::Image(_)
            | ContentBlock::Document(_)
            | ContentBlock::Video(_)
            | ContentBlock::Audio(_) => 1,
            ContentBlock::ToolResult(r) => r
                .content
                .iter()
                .filter(|c| !matches!(c, ToolResultContentBlock::Text(_) | ToolResultContentBlock::Json(_)))
                .count(),
            _ => 0,
        })
        .sum::<usize>();
    if attachments > policy.max_attachments {
        return Err(invalid(format!(
            "The request has {attachments} attachments; this relay takes at most {}.",
            policy.max_attachments
        )));
    }

    let mut rewritten = match site {
        Some((origin, site, preset)) => widget::apply(origin, site, preset, model_id, &mut request)?,
        None => false,
    };
    if policy.max_output_tokens.is_some() {
        let cap = output_cap(policy, model_id);
        let config = request.inference_config.get_or_insert_with(Default::default);
        match config.max_tokens {
            Some(asked) if asked > cap => {
                return Err(invalid(format!("maxTokens {asked} is above this relay's limit of {cap}.")));
            }
            Some(_) => {}
            None => {
                config.max_tokens = Some(cap);
                rewritten = true;
            }
        }
    }
    if let Some((id, version)) = &policy.guardrail {
        let config = request.guardrail_config.get_or_insert_with(|| GuardrailConfiguration {
            guardrail_identifier: None,
            guardrail_version: None,
            trace: None,
            stream_processing_mode: None,
            extra: Extra::new(),
        });
        config.guardrail_identifier = Some(id.clone());
        config.guardrail_version = Some(version.clone());
        rewritten = true;
    }
    if !rewritten {
        return Ok(body);
    }
    serde_json::to_vec(&request).map_err(|e| RelayError::Internal(e.to_string()))
}
