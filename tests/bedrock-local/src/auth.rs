//! Checks a request's credentials the way Bedrock does: SigV4 (the stand-in's own verifier,
//! [`crate::sigv4`]), or a Bedrock API key.

use std::time::SystemTime;

use converse_shared::{BedrockError, ErrorKind};
use http::{HeaderMap, Uri};
use subtle::ConstantTimeEq;

use crate::Config;
use crate::sigv4::{self, Arrived};

/// Bedrock's signing name.
const SIGNING_NAME: &str = "bedrock";

/// Accepts the request if it is signed for Bedrock with `config`'s credentials (or carries its
/// API key).
pub fn verify(
    config: &Config,
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), BedrockError> {
    let auth = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(key) = auth.and_then(|a| a.strip_prefix("Bearer ")) {
        return match &config.api_key {
            Some(expected) if bool::from(expected.as_bytes().ct_eq(key.trim().as_bytes())) => Ok(()),
            _ => Err(BedrockError::new(
                ErrorKind::UnrecognizedClient,
                "Invalid API Key format: Must start with pre-defined prefix or the API key is not valid.",
            )),
        };
    }
    verify_sigv4(config, SIGNING_NAME, method, uri, headers, body, now)
}

/// Accepts the request if it is signed for `service` with `config`'s credentials (Lambda takes
/// SigV4 alone).
pub fn verify_sigv4(
    config: &Config,
    service: &str,
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), BedrockError> {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let arrived = Arrived {
        method,
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        headers: &pairs,
        body,
    };
    sigv4::verify(&arrived, &config.region, service, now, |id| {
        (id == config.credentials.access_key_id).then(|| config.credentials.clone())
    })
}
