//! AWS Signature Version 4 for Bedrock Runtime, on `aws-sigv4` (the AWS SDK for Rust's signer).
//!
//! Pure: the time is an argument (there is no usable clock on wasm32). The relay signs with
//! [`sign`]; [`verify`] checks a signed request by signing it again (the stand-in checks the
//! relay's requests with it, and the relay checks its own clients').

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign as sigv4_sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::error::{BedrockError, ErrorKind};

/// The SigV4 signing name of Bedrock Runtime (not `bedrock-runtime`, the endpoint prefix).
pub const SIGNING_NAME: &str = "bedrock";

/// AWS credentials. `Debug` never shows the secret or the session token.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id (not secret; it names the key).
    pub access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl Credentials {
    /// Credentials from their parts; an empty session token counts as none.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: session_token.filter(|t| !t.is_empty()),
        }
    }

    /// The session token, if these are temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    fn identity(&self) -> Identity {
        aws_credential_types::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            None,
            "converse-edge",
        )
        .into()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("session_token", &self.session_token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

/// Why a request could not be signed. Never contains a credential.
#[derive(Debug)]
pub struct SignError(String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not sign the request: {}", self.0)
    }
}

impl std::error::Error for SignError {}

/// Signs a request and returns the headers to add (`authorization`, `x-amz-date`, and
/// `x-amz-security-token` for temporary credentials).
///
/// `url` is the full URL with the path already percent-encoded (see [`crate::path`]);
/// `headers` are the headers to sign (at least `host` and `content-type`, as boto3 does).
pub fn sign(
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, SignError> {
    sign_scoped(credentials, region, SIGNING_NAME, time, method, url, headers, body)
}

/// [`sign`] for another service's signing name: `lambda` for the deployer's Lambda tools (and
/// `service` for AWS's test suite).
#[allow(clippy::too_many_arguments)]
pub fn sign_scoped(
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, SignError> {
    let identity = credentials.identity();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| SignError(e.to_string()))?
        .into();
    let request = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body))
        .map_err(|e| SignError(e.to_string()))?;
    let (instructions, _signature) =
        sigv4_sign(request, &params).map_err(|e| SignError(e.to_string()))?.into_parts();
    let (added, _query) = instructions.into_parts();
    Ok(added.iter().map(|h| (h.name(), h.value().to_owned())).collect())
}

/// The parts of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id the request claims.
    pub access_key_id: String,
    /// The scope's date, `YYYYMMDD`.
    pub date: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service (must be [`SIGNING_NAME`]).
    pub service: String,
    /// The signed headers, lowercase, in order.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl Authorization {
    /// Reads `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/bedrock/aws4_request,
    /// SignedHeaders=content-type;host;x-amz-date, Signature=...`.
    pub fn parse(header: &str) -> Result<Self, String> {
        let rest = header
            .strip_prefix("AWS4-HMAC-SHA256 ")
            .ok_or_else(|| "Authorization header requires the AWS4-HMAC-SHA256 algorithm".to_owned())?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("Credential", v)) => credential = Some(v),
                Some(("SignedHeaders", v)) => signed = Some(v),
                Some(("Signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let missing = |name: &str| format!("Authorization header requires '{name}' parameter");
        let credential = credential.ok_or_else(|| missing("Credential"))?;
        let signed = signed.ok_or_else(|| missing("SignedHeaders"))?;
        let signature = signature.ok_or_else(|| missing("Signature"))?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
            return Err(format!(
                "Credential should be scoped to a valid region, not '{}'",
                scope.get(2).unwrap_or(&"")
            ));
        };
        Ok(Self {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            signed_headers: signed.split(';').map(str::to_owned).collect(),
            signature: signature.to_owned(),
        })
    }
}

/// Reads an `x-amz-date` value (`20240101T120000Z`).
pub fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| value.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// A request as received, for [`verify`].
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The `Host` header's value.
    pub host: &'a str,
    /// The path (still percent-encoded, as sent) and query.
    pub path_and_query: &'a str,
    /// The headers, names in lowercase; a name may appear more than once.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

impl Received<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// How far a request's `x-amz-date` may be from the verifier's clock, as on AWS.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

fn refuse(kind: ErrorKind, message: impl Into<String>) -> BedrockError {
    BedrockError::new(kind, message)
}

fn mismatch() -> BedrockError {
    refuse(
        ErrorKind::InvalidSignature,
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}

/// Checks a SigV4-signed request the way AWS does, and returns the access key id it was
/// signed with. `credentials` finds the credentials of an access key id; `now` is the
/// verifier's clock. Errors are AWS's own (`InvalidSignatureException`,
/// `UnrecognizedClientException`, `IncompleteSignatureException`,
/// `MissingAuthenticationTokenException`) and never contain a secret.
pub fn verify(
    request: &Received<'_>,
    region: &str,
    now: SystemTime,
    credentials: impl Fn(&str) -> Option<Credentials>,
) -> Result<String, BedrockError> {
    verify_scoped(request, region, SIGNING_NAME, now, credentials)
}

/// [`verify`] for another service's signing name: how AWS's own SigV4 test suite, which signs
/// for `service`, checks the verifier (`shared/tests/sigv4_suite.rs`).
pub fn verify_scoped(
    request: &Received<'_>,
    region: &str,
    service: &str,
    now: SystemTime,
    credentials: impl Fn(&str) -> Option<Credentials>,
) -> Result<String, BedrockError> {
    use subtle::ConstantTimeEq;

    let Some(auth) = request.header("authorization") else {
        return Err(refuse(ErrorKind::MissingAuthenticationToken, "Missing Authentication Token"));
    };
    let parsed = Authorization::parse(auth).map_err(|m| refuse(ErrorKind::IncompleteSignature, m))?;
    if parsed.service != service {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to correct service: '{service}'. "),
        ));
    }
    if parsed.region != region {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to a valid region, not '{}'. ", parsed.region),
        ));
    }
    let unrecognized =
        || refuse(ErrorKind::UnrecognizedClient, "The security token included in the request is invalid.");
    let creds = credentials(&parsed.access_key_id).ok_or_else(unrecognized)?;
    if let Some(expected) = creds.session_token() {
        let given = request.header("x-amz-security-token").unwrap_or_default();
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return Err(unrecognized());
        }
    }
    let amz_date = request.header("x-amz-date").ok_or_else(|| {
        refuse(
            ErrorKind::IncompleteSignature,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let signed_at = parse_amz_date(amz_date).ok_or_else(|| {
        refuse(
            ErrorKind::IncompleteSignature,
            format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'."),
        )
    })?;
    let skew = now.duration_since(signed_at).unwrap_or_else(|e| e.duration());
    if skew > MAX_SKEW {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            format!("Signature expired: {amz_date} is now outside the allowed 5 minute window."),
        ));
    }
    if !amz_date.starts_with(&parsed.date) {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
        ));
    }
    if !parsed.signed_headers.iter().any(|h| h == "host") {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }

    // Sign the same request again over the headers the client said it signed.
    let mut signed: Vec<(&str, String)> = Vec::new();
    for name in &parsed.signed_headers {
        if matches!(name.as_str(), "x-amz-date" | "x-amz-security-token" | "authorization") {
            continue; // the signer adds the first two itself
        }
        let values: Vec<&str> =
            request.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        if values.is_empty() {
            return Err(mismatch());
        }
        signed.push((name.as_str(), values.join(",")));
    }
    let url = format!("http://{}{}", request.host, request.path_and_query);
    let pairs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let added = sign_scoped(&creds, region, service, signed_at, request.method, &url, &pairs, request.body)
        // A request that cannot be signed again (a header value no signer takes) cannot be
        // the one its signature was made for: the caller's mistake, not the verifier's.
        .map_err(|_| mismatch())?;
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
    Ok(parsed.access_key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token.map(str::to_owned))
    }

    const URL: &str = "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";
    const HEADERS: &[(&str, &str)] =
        &[("content-type", "application/json"), ("host", "bedrock-runtime.us-east-1.amazonaws.com")];

    #[test]
    fn signs_with_the_bedrock_signing_name_and_boto3s_header_set() {
        let time = parse_amz_date("20240307T101500Z").unwrap();
        let added = sign(&creds(Some("TOKEN")), "us-east-1", time, "POST", URL, HEADERS, b"{}").unwrap();
        let get = |n: &str| added.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("x-amz-date"), Some("20240307T101500Z"));
        assert_eq!(get("x-amz-security-token"), Some("TOKEN"));
        let auth = Authorization::parse(get("authorization").unwrap()).unwrap();
        assert_eq!(
            (auth.access_key_id.as_str(), auth.date.as_str(), auth.region.as_str(), auth.service.as_str()),
            ("AKIDEXAMPLE", "20240307", "us-east-1", "bedrock")
        );
        assert_eq!(auth.signed_headers, ["content-type", "host", "x-amz-date", "x-amz-security-token"]);
        assert_eq!(auth.signature.len(), 64);
    }

    #[test]
    fn signature_covers_body_path_and_time() {
        let t = parse_amz_date("20240307T101500Z").unwrap();
        let sig = |url: &str, body: &[u8], time| {
            let added = sign(&creds(None), "us-east-1", time, "POST", url, HEADERS, body).unwrap();
            added.into_iter().find(|(k, _)| *k == "authorization").unwrap().1
        };
        let base = sig(URL, b"{}", t);
        assert_eq!(base, sig(URL, b"{}", t), "signing is deterministic");
        assert_ne!(base, sig(URL, b"{ }", t));
        assert_ne!(base, sig(&URL.replace("%3A0", "%3A1"), b"{}", t));
        assert_ne!(base, sig(URL, b"{}", t + Duration::from_secs(1)));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!("{:?}", creds(Some("SESSIONTOKEN")));
        assert!(!shown.contains("wJalr") && !shown.contains("SESSIONTOKEN"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE"));
    }

    #[test]
    fn amz_dates_parse_to_unix_time() {
        let t = parse_amz_date("20240307T101500Z").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1_709_806_500);
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(UNIX_EPOCH));
        for bad in ["20241307T101500Z", "2024-03-07T10:15:00Z", "", "20240307T101500"] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn malformed_authorization_headers_say_what_is_missing() {
        assert!(Authorization::parse("Bearer abc").is_err());
        let e = Authorization::parse(
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/bedrock/aws4_request, Signature=ab",
        )
        .unwrap_err();
        assert!(e.contains("SignedHeaders"), "{e}");
    }
}
