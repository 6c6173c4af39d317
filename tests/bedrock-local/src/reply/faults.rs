//! The errors the stand-in answers with when a trigger asks for one, in Bedrock's words.

use converse_shared::{BedrockError, ErrorKind};

/// An IAM denial in IAM's words, which name the caller's principal and account
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>).
pub(super) fn iam_denied(model_id: &str) -> BedrockError {
    BedrockError::new(
        ErrorKind::AccessDenied,
        format!(
            "User: arn:aws:iam::123456789012:user/bedrock-local-relay is not authorized to perform: \
             bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/{model_id} \
             because no identity-based policy allows the bedrock:InvokeModel action"
        ),
    )
}

pub(super) fn http_error(status: u16) -> Option<BedrockError> {
    let (kind, message) = match status {
        400 => (ErrorKind::Validation, "The provided request is not valid (stand-in trigger)."),
        403 => (ErrorKind::AccessDenied, "You don't have access to the model with the specified model ID."),
        404 => (ErrorKind::ResourceNotFound, "The specified resource could not be found (stand-in trigger)."),
        408 => {
            (ErrorKind::ModelTimeout, "The model timed out while processing the request (stand-in trigger).")
        }
        424 => (ErrorKind::ModelError, "The model returned an error (stand-in trigger)."),
        429 => (ErrorKind::Throttling, "Too many requests, please wait before trying again."),
        500 => (ErrorKind::InternalServer, "The server encountered an internal error (stand-in trigger)."),
        503 => (
            ErrorKind::ServiceUnavailable,
            "The service is temporarily unable to handle the request (stand-in trigger).",
        ),
        _ => return None,
    };
    Some(BedrockError::new(kind, message))
}

pub(super) const STREAM_EXCEPTIONS: &[(&str, ErrorKind, &str)] = &[
    (
        "internalServerException",
        ErrorKind::InternalServer,
        "An internal server error occurred while streaming.",
    ),
    ("modelStreamErrorException", ErrorKind::ModelStreamError, "The model failed while streaming."),
    ("validationException", ErrorKind::Validation, "The stream was not valid."),
    ("throttlingException", ErrorKind::Throttling, "Too many tokens, please wait before trying again."),
    ("serviceUnavailableException", ErrorKind::ServiceUnavailable, "The service is temporarily unavailable."),
];
