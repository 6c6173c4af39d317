//! Checks a request's credentials the way Bedrock does: SigV4 or a Bedrock API key.

use std::time::{Duration, SystemTime};

use converse_shared::sigv4::{self, Authorization, SIGNING_NAME};
use converse_shared::{BedrockError, ErrorKind};
use http::{HeaderMap, Uri};
use subtle::ConstantTimeEq;

use crate::Config;

/// How far a request's `x-amz-date` may be from the stand-in's clock, as on AWS.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

fn err(kind: ErrorKind, message: impl Into<String>) -> BedrockError {
    BedrockError::new(kind, message)
}

/// Accepts the request if it is signed for `config`'s credentials (or carries its API key).
pub fn verify(
    config: &Config,
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), BedrockError> {
    let Some(auth) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(err(ErrorKind::MissingAuthenticationToken, "Missing Authentication Token"));
    };
    if let Some(key) = auth.strip_prefix("Bearer ") {
        return match &config.api_key {
            Some(expected) if bool::from(expected.as_bytes().ct_eq(key.trim().as_bytes())) => Ok(()),
            _ => Err(err(
                ErrorKind::UnrecognizedClient,
                "Invalid API Key format: Must start with pre-defined prefix or the API key is not valid.",
            )),
        };
    }
    let parsed = Authorization::parse(auth).map_err(|m| err(ErrorKind::IncompleteSignature, m))?;
    if parsed.service != SIGNING_NAME {
        return Err(err(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to correct service: '{SIGNING_NAME}'. "),
        ));
    }
    if parsed.region != config.region {
        return Err(err(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to a valid region, not '{}'. ", parsed.region),
        ));
    }
    if parsed.access_key_id != config.credentials.access_key_id {
        return Err(err(
            ErrorKind::UnrecognizedClient,
            "The security token included in the request is invalid.",
        ));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(expected) = config.credentials.session_token() {
        let given = header("x-amz-security-token").unwrap_or_default();
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return Err(err(
                ErrorKind::UnrecognizedClient,
                "The security token included in the request is invalid.",
            ));
        }
    }
    let amz_date = header("x-amz-date").ok_or_else(|| {
        err(
            ErrorKind::IncompleteSignature,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let signed_at = sigv4::parse_amz_date(amz_date).ok_or_else(|| {
        err(
            ErrorKind::IncompleteSignature,
            format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'."),
        )
    })?;
    let skew = now.duration_since(signed_at).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(err(
            ErrorKind::InvalidSignature,
            format!("Signature expired: {amz_date} is now outside the allowed 5 minute window."),
        ));
    }
    if !parsed.date.is_empty() && !amz_date.starts_with(&parsed.date) {
        return Err(err(
            ErrorKind::InvalidSignature,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
        ));
    }

    // Sign the same request again over the headers the client said it signed.
    let mut signed: Vec<(&str, String)> = Vec::new();
    for name in &parsed.signed_headers {
        if matches!(name.as_str(), "x-amz-date" | "x-amz-security-token" | "authorization") {
            continue; // the signer adds the first two itself
        }
        let values: Vec<&str> =
            headers.get_all(name.as_str()).iter().filter_map(|v| v.to_str().ok()).collect();
        if values.is_empty() {
            return Err(mismatch());
        }
        signed.push((name.as_str(), values.join(",")));
    }
    if !parsed.signed_headers.iter().any(|h| h == "host") {
        return Err(err(
            ErrorKind::InvalidSignature,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let host = header("host").unwrap_or("localhost");
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let url = format!("http://{host}{path_and_query}");
    let pairs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added = sigv4::sign(&config.credentials, &config.region, signed_at, method, &url, &pairs, body)
        .map_err(|e| err(ErrorKind::InternalServer, e.to_string()))?;
    let expected = added
        .iter()
        .find(|(k, _)| *k == "authorization")
        .and_then(|(_, v)| Authorization::parse(v).ok())
        .ok_or_else(mismatch)?;
    if expected.signed_headers != parsed.signed_headers
        || !bool::from(expected.signature.as_bytes().ct_eq(parsed.signature.as_bytes()))
    {
        return Err(mismatch());
    }
    Ok(())
}

fn mismatch() -> BedrockError {
    err(
        ErrorKind::InvalidSignature,
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}
