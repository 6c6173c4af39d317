//! What the deployer allows a `CountTokens` request: counting the tokens of a model on offer,
//! within the same size limits as a conversation sent to it.

use converse_shared::models::counting_model_id;
use converse_shared::types::{CountTokensInput, CountTokensRequest};
use converse_shared::{BedrockError, ErrorKind};

use super::{Policy, check_attachments, check_model_id, check_size, invalid, offers};
use crate::errors::RelayError;

/// Whether the relay counts tokens for `model_id`: a model it offers, or the foundation model
/// an offered inference profile routes to (`CountTokens` takes only foundation models:
/// <https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html>).
pub(crate) fn counts(policy: &Policy, model_id: &str) -> bool {
    offers(policy, model_id)
        || policy.models.iter().flatten().any(|m| counting_model_id(m, &policy.rules(m)) == Some(model_id))
}

/// Checks a `CountTokens` request against the policy. The body goes on as the client sent it:
/// nothing is generated, so there is no output cap, guardrail or project to set.
pub(crate) fn apply(policy: &Policy, model_id: &str, body: &[u8]) -> Result<(), RelayError> {
    check_model_id(model_id)?;
    if !counts(policy, model_id) {
        return Err(RelayError::Bedrock(BedrockError::new(
            ErrorKind::AccessDenied,
            format!("This relay does not offer the model {model_id}."),
        )));
    }
    check_size(policy, body, &["input", "converse"])?;
    let request: CountTokensRequest = serde_json::from_slice(body).map_err(|e| {
        invalid(format!("Malformed input request: {e}, please reformat your input and try again."))
    })?;
    if let CountTokensInput::Converse(converse) = &request.input {
        let messages = converse.messages.as_deref().unwrap_or_default();
        check_attachments(policy, messages)?;
        // Counting reads the file too: a count would tell a caller what it holds.
        super::s3::check(&policy.s3_prefixes, messages)?;
    }
    Ok(())
}
