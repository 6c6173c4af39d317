//! Errors: Bedrock's own error vocabulary ([`BedrockError`]) and this crate's [`Error`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::{ExceptionEvent, StreamEvent};

/// Bedrock's error names, as sent in `x-amzn-ErrorType` and as stream exception members.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `AccessDeniedException` (403).
    AccessDenied,
    /// `InternalServerException` (500).
    InternalServer,
    /// `ModelErrorException` (424).
    ModelError,
    /// `ModelNotReadyException` (429).
    ModelNotReady,
    /// `ModelTimeoutException` (408).
    ModelTimeout,
    /// `ModelStreamErrorException` (424).
    ModelStreamError,
    /// `ResourceNotFoundException` (404).
    ResourceNotFound,
    /// `ServiceQuotaExceededException` (400).
    ServiceQuotaExceeded,
    /// `ServiceUnavailableException` (503).
    ServiceUnavailable,
    /// `ThrottlingException` (429).
    Throttling,
    /// `ValidationException` (400).
    Validation,
    /// `InvalidSignatureException` (403): SigV4 did not match.
    InvalidSignature,
    /// `IncompleteSignatureException` (403): the Authorization header is malformed.
    IncompleteSignature,
    /// `MissingAuthenticationTokenException` (403): no credentials at all.
    MissingAuthenticationToken,
    /// `UnrecognizedClientException` (403): unknown access key or API key.
    UnrecognizedClient,
    /// `SerializationException` (400): the body is not valid JSON of the right shape.
    Serialization,
    /// `UnknownOperationException` (404): the path names no operation.
    UnknownOperation,
    /// Any other name, kept as sent.
    Other(String),
}

const KINDS: &[(ErrorKind, &str, u16)] = &[
    (ErrorKind::AccessDenied, "AccessDeniedException", 403),
    (ErrorKind::InternalServer, "InternalServerException", 500),
    (ErrorKind::ModelError, "ModelErrorException", 424),
    (ErrorKind::ModelNotReady, "ModelNotReadyException", 429),
    (ErrorKind::ModelTimeout, "ModelTimeoutException", 408),
    (ErrorKind::ModelStreamError, "ModelStreamErrorException", 424),
    (ErrorKind::ResourceNotFound, "ResourceNotFoundException", 404),
    (ErrorKind::ServiceQuotaExceeded, "ServiceQuotaExceededException", 400),
    (ErrorKind::ServiceUnavailable, "ServiceUnavailableException", 503),
    (ErrorKind::Throttling, "ThrottlingException", 429),
    (ErrorKind::Validation, "ValidationException", 400),
    (ErrorKind::InvalidSignature, "InvalidSignatureException", 403),
    (ErrorKind::IncompleteSignature, "IncompleteSignatureException", 403),
    (ErrorKind::MissingAuthenticationToken, "MissingAuthenticationTokenException", 403),
    (ErrorKind::UnrecognizedClient, "UnrecognizedClientException", 403),
    (ErrorKind::Serialization, "SerializationException", 400),
    (ErrorKind::UnknownOperation, "UnknownOperationException", 404),
];

impl ErrorKind {
    /// Reads an error name the way the AWS SDKs do: anything after `:` or before `#` is
    /// not part of it (`aws.protocols#ValidationException:http://...` → `ValidationException`).
    /// Stream exception members (`throttlingException`) are accepted too.
    pub fn from_name(raw: &str) -> Self {
        let name = raw.split(':').next().unwrap_or(raw);
        let name = name.rsplit('#').next().unwrap_or(name).trim();
        KINDS
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(name))
            .map(|(k, _, _)| k.clone())
            .unwrap_or_else(|| Self::Other(name.to_owned()))
    }

    /// The name as Bedrock sends it in `x-amzn-ErrorType`.
    pub fn name(&self) -> &str {
        match self {
            Self::Other(name) => name,
            known => KINDS.iter().find(|(k, _, _)| k == known).map(|(_, n, _)| *n).unwrap_or(""),
        }
    }

    /// The HTTP status Bedrock uses for this error (500 for names it does not know).
    pub fn status(&self) -> u16 {
        KINDS.iter().find(|(k, _, _)| k == self).map(|(_, _, s)| *s).unwrap_or(500)
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttling
                | Self::ServiceUnavailable
                | Self::InternalServer
                | Self::ModelNotReady
                | Self::ModelTimeout
        )
    }
}

/// An error as Bedrock reports it: a name from its vocabulary and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedrockError {
    /// Which error.
    pub kind: ErrorKind,
    /// What went wrong, for people.
    pub message: String,
}

/// The JSON body of an error response (`{"message": "..."}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    #[serde(default, alias = "Message")]
    pub message: Option<String>,
    /// The error name, when a body carries it (`__type`, sometimes `code`).
    #[serde(default, rename = "__type", alias = "code", skip_serializing)]
    pub type_name: Option<String>,
}

impl BedrockError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The JSON body Bedrock sends with this error.
    pub fn body_json(&self) -> String {
        serde_json::to_string(&ErrorBody { message: Some(self.message.clone()), type_name: None })
            .expect("a string map always serialises")
    }

    /// Reads an error response: the name from `x-amzn-ErrorType` (if present), else from the
    /// body's `__type` / `code`, else from the status; the message from the body.
    pub fn from_response(status: u16, error_type_header: Option<&str>, body: &[u8]) -> Self {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let name = error_type_header
            .map(str::to_owned)
            .or_else(|| parsed.as_ref().and_then(|b| b.type_name.clone()));
        let kind = match name {
            Some(name) => ErrorKind::from_name(&name),
            None => match status {
                400 => ErrorKind::Validation,
                403 => ErrorKind::AccessDenied,
                404 => ErrorKind::ResourceNotFound,
                408 => ErrorKind::ModelTimeout,
                424 => ErrorKind::ModelError,
                429 => ErrorKind::Throttling,
                503 => ErrorKind::ServiceUnavailable,
                _ => ErrorKind::InternalServer,
            },
        };
        let message = parsed.and_then(|b| b.message).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                format!("upstream answered HTTP {status}")
            } else {
                text.chars().take(500).collect()
            }
        });
        Self { kind, message }
    }

    /// The stream event for this error when it is one of the stream's exception members.
    pub fn to_stream_event(&self) -> Option<StreamEvent> {
        let payload = ExceptionEvent::new(self.message.clone());
        Some(match self.kind {
            ErrorKind::InternalServer => StreamEvent::InternalServerException(payload),
            ErrorKind::ModelStreamError => StreamEvent::ModelStreamErrorException(payload),
            ErrorKind::Validation => StreamEvent::ValidationException(payload),
            ErrorKind::Throttling => StreamEvent::ThrottlingException(payload),
            ErrorKind::ServiceUnavailable => StreamEvent::ServiceUnavailableException(payload),
            _ => return None,
        })
    }

    /// The error an in-stream exception event stands for.
    pub fn from_stream_event(event: &StreamEvent) -> Option<Self> {
        let e = event.exception()?;
        Some(Self {
            kind: ErrorKind::from_name(event.member_name()),
            message: e.message.clone().unwrap_or_default(),
        })
    }
}

impl fmt::Display for BedrockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for BedrockError {}

/// What can go wrong in this crate's codecs and accumulator.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An event-stream frame was malformed (length, CRC, header encoding).
    Frame(aws_smithy_eventstream::error::Error),
    /// An event-stream frame read in place was malformed: why.
    BadFrame(&'static str),
    /// A frame lacked a header it must have.
    MissingHeader(&'static str),
    /// A frame named a header twice.
    DuplicateHeader(String),
    /// A frame had a `:message-type` that is not `event`, `exception` or `error`.
    UnknownMessageType(String),
    /// An event's payload was not the JSON its type calls for.
    Json {
        /// The event or field being read.
        what: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A Server-Sent Events stream broke its format.
    Sse(String),
    /// The events did not make a complete reply.
    Incomplete(&'static str),
    /// A tool call's input, complete, was not JSON.
    ToolInput {
        /// The block's `contentBlockIndex`.
        index: u32,
        /// The tool's name.
        name: String,
        /// The parser's error.
        source: serde_json::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Frame(_) => f.write_str("malformed event-stream frame"),
            Self::BadFrame(why) => write!(f, "malformed event-stream frame: {why}"),
            Self::MissingHeader(h) => write!(f, "event-stream frame has no {h} header"),
            Self::DuplicateHeader(h) => write!(f, "event-stream frame has the {h} header twice"),
            Self::UnknownMessageType(t) => write!(f, "event-stream frame has unknown :message-type {t:?}"),
            Self::Json { what, .. } => write!(f, "invalid JSON in {what}"),
            Self::Sse(why) => write!(f, "malformed server-sent events: {why}"),
            Self::Incomplete(why) => write!(f, "incomplete stream: {why}"),
            Self::ToolInput { index, name, .. } => {
                write!(f, "the input of tool call {name:?} (content block {index}) is not valid JSON")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Frame(e) => Some(e),
            Self::Json { source, .. } | Self::ToolInput { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<aws_smithy_eventstream::error::Error> for Error {
    fn from(e: aws_smithy_eventstream::error::Error) -> Self {
        Self::Frame(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_like_the_sdks_read_them() {
        assert_eq!(ErrorKind::from_name("ValidationException"), ErrorKind::Validation);
        assert_eq!(
            ErrorKind::from_name("InvalidSignatureException:http://internal.amazon.com/coral/"),
            ErrorKind::InvalidSignature
        );
        assert_eq!(ErrorKind::from_name("aws.protocols#ThrottlingException"), ErrorKind::Throttling);
        assert_eq!(ErrorKind::from_name("throttlingException"), ErrorKind::Throttling);
        assert_eq!(ErrorKind::from_name("NewException").name(), "NewException");
    }

    #[test]
    fn response_without_header_takes_name_from_body_then_status() {
        let e =
            BedrockError::from_response(400, None, br#"{"__type":"ValidationException","message":"bad"}"#);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Validation, "bad"));
        let e = BedrockError::from_response(429, None, b"slow down");
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Throttling, "slow down"));
    }

    #[test]
    fn stream_exceptions_map_both_ways() {
        let e = BedrockError::new(ErrorKind::Throttling, "Too many requests");
        let event = e.to_stream_event().unwrap();
        assert_eq!(event.member_name(), "throttlingException");
        assert_eq!(BedrockError::from_stream_event(&event), Some(e));
    }
}
