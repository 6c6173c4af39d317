//! The relay's errors, and the one place they become HTTP responses.

use converse_shared::{BedrockError, ErrorKind};
use worker::{Headers, Response, console_error};

/// What can go wrong in the relay.
#[derive(Debug)]
pub(crate) enum RelayError {
    /// The relay's own check of the request refused it.
    Bedrock(BedrockError),
    /// Bedrock answered with this error: passed on with its name and status, and with its
    /// own words unless they speak of the relay's credentials or of Bedrock's insides (see
    /// [`RelayError::upstream_detail`]).
    Upstream(BedrockError),
    /// The path is not a Bedrock Runtime operation the relay serves.
    UnknownOperation,
    /// The request body is larger than the relay takes.
    TooLarge(usize),
    /// The worker has no credentials for Bedrock.
    NotConfigured,
    /// A setting has a value the relay cannot use. The detail is logged, not returned.
    Misconfigured(String),
    /// Bedrock could not be reached. The detail is logged, not returned.
    Unreachable(String),
    /// Bedrock did not answer in time.
    Timeout(&'static str),
    /// The caller is over a rate limit; it may try again in this many seconds.
    RateLimited(u64),
    /// `PAGE_ACCESS=access` and no valid Cloudflare Access token: 401. Why is logged.
    Unauthenticated,
    /// Something inside the relay failed. The detail is logged, not returned.
    Internal(String),
}

impl RelayError {
    /// The client-facing error, in Bedrock's vocabulary.
    pub(crate) fn to_bedrock(&self) -> BedrockError {
        match self {
            Self::Bedrock(e) => e.clone(),
            Self::Upstream(e) if self.upstream_detail().is_none() => e.clone(),
            Self::Upstream(e) => match &e.kind {
                ErrorKind::AccessDenied => BedrockError::new(
                    ErrorKind::AccessDenied,
                    "Bedrock refused this relay the model (its IAM permissions or model access); \
                     the relay's log has Bedrock's words.",
                ),
                kind if e.status() >= 500 => BedrockError::new(
                    kind.clone(),
                    "Bedrock failed to handle the request. Try again; the relay's log has Bedrock's words.",
                ),
                // The relay's own credentials were refused: the deployer's to fix, not the caller's.
                _ => BedrockError::new(
                    ErrorKind::InternalServer,
                    "Bedrock refused the relay's credentials; the relay's log has Bedrock's words.",
                ),
            },
            Self::UnknownOperation => BedrockError::new(ErrorKind::UnknownOperation, "Unknown operation"),
            Self::TooLarge(limit) => BedrockError::new(
                ErrorKind::Validation,
                format!("The request body is larger than this relay takes ({limit} bytes)."),
            ),
            Self::NotConfigured => BedrockError::new(
                ErrorKind::InternalServer,
                "The relay has no Bedrock credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
                 (or AWS_BEARER_TOKEN_BEDROCK) as worker secrets.",
            ),
            Self::Misconfigured(detail) => {
                console_error!("relay misconfigured: {detail}");
                BedrockError::new(ErrorKind::InternalServer, "The relay is misconfigured; its log says how.")
            }
            Self::Unreachable(detail) => {
                console_error!("bedrock unreachable: {detail}");
                BedrockError::new(
                    ErrorKind::ServiceUnavailable,
                    "The relay could not reach Bedrock. Try again.",
                )
            }
            Self::Unauthenticated => BedrockError::new(
                ErrorKind::AccessDenied,
                "Sign in through Cloudflare Access to use this chat (no valid Access token came with the request).",
            ),
            Self::RateLimited(seconds) => BedrockError::new(
                ErrorKind::Throttling,
                format!("Rate limit exceeded for this relay: try again in {seconds} s."),
            ),
            Self::Timeout(what) => {
                BedrockError::new(ErrorKind::ModelTimeout, format!("Bedrock did not {what} in time."))
            }
            Self::Internal(detail) => {
                console_error!("relay failure: {detail}");
                BedrockError::new(ErrorKind::InternalServer, "The relay failed to handle the request.")
            }
        }
    }

    /// Bedrock's own words, where the client is told the relay's instead: an access denial
    /// (it names the relay's IAM principal and account), a refusal of the relay's credentials,
    /// and a 5xx. They go to the relay's log line.
    pub(crate) fn upstream_detail(&self) -> Option<&str> {
        let Self::Upstream(e) = self else { return None };
        let credentials = matches!(
            e.kind,
            ErrorKind::AccessDenied
                | ErrorKind::UnrecognizedClient
                | ErrorKind::InvalidSignature
                | ErrorKind::IncompleteSignature
                | ErrorKind::MissingAuthenticationToken
        ) || e.kind.name() == "ExpiredTokenException";
        (credentials || e.status() >= 500).then_some(e.message.as_str())
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::TooLarge(_) => 413,
            Self::Unauthenticated => 401,
            other => other.to_bedrock().status(),
        }
    }

    /// The HTTP response: Bedrock's status, `x-amzn-ErrorType` header and `{"message"}` body.
    pub(crate) fn into_response(self) -> Response {
        let e = self.to_bedrock();
        let headers = Headers::new();
        let _ = headers.set("content-type", "application/json");
        let _ = headers.set("x-amzn-ErrorType", e.kind.name());
        let retry_after = match self {
            Self::RateLimited(seconds) => Some(seconds.to_string()),
            _ if e.kind == ErrorKind::Throttling => Some("1".to_owned()),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            let _ = headers.set("retry-after", &seconds);
        }
        match Response::ok(e.body_json()) {
            Ok(r) => r.with_status(self.status()).with_headers(headers),
            Err(_) => Response::empty().expect("an empty response is always valid").with_status(500),
        }
    }
}

impl From<BedrockError> for RelayError {
    fn from(e: BedrockError) -> Self {
        Self::Bedrock(e)
    }
}

/// How a relayed stream failed after it began, in Bedrock's vocabulary: the same words for SSE
/// (an `error` event) and for frames (the log line).
pub(crate) mod failed {
    use std::time::Duration;

    use converse_shared::{BedrockError, ErrorKind};

    /// The connection to Bedrock failed mid-reply.
    pub(crate) fn broke() -> BedrockError {
        BedrockError::new(ErrorKind::InternalServer, "The connection to Bedrock failed during the reply.")
    }

    /// Bedrock's stream ended inside a frame.
    pub(crate) fn cut() -> BedrockError {
        BedrockError::new(ErrorKind::InternalServer, "Bedrock's stream ended in the middle of an event.")
    }

    /// Bedrock's stream could not be decoded.
    pub(crate) fn malformed() -> BedrockError {
        BedrockError::new(
            ErrorKind::InternalServer,
            "The relay received a malformed event stream from Bedrock.",
        )
    }

    /// Bedrock sent nothing for `idle`.
    pub(crate) fn stalled(idle: Duration) -> BedrockError {
        let seconds = idle.as_secs_f64();
        BedrockError::new(
            ErrorKind::ModelTimeout,
            format!("Bedrock sent nothing for {seconds} s; the reply was cut off."),
        )
    }
}
