//! The stand-in's own SigV4 verification, written from AWS's specification
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>)
//! with HMAC-SHA256 and SHA-256 alone: it shares no code with the relay's verifier
//! (`converse_shared::sigv4`, which signs again with `aws-sigv4`), so a mistake in either shows
//! as a disagreement. Both are held to AWS's signing test suite (`tests/sigv4_suite.rs` here,
//! `shared/tests/sigv4_suite.rs` there).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use converse_shared::{BedrockError, ErrorKind};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A key the stand-in knows.
#[derive(Clone)]
pub struct Key {
    /// Its id.
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// The session token requests must carry, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// A request as it arrived.
#[derive(Debug, Clone, Copy)]
pub struct Arrived<'a> {
    /// The method.
    pub method: &'a str,
    /// The path as sent (percent-encoded once) and the query, if any.
    pub path_and_query: &'a str,
    /// The headers, names in lowercase, in the order they came.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

fn refuse(kind: ErrorKind, message: impl Into<String>) -> BedrockError {
    BedrockError::new(kind, message)
}

fn mismatch() -> BedrockError {
    refuse(
        ErrorKind::InvalidSignature,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// RFC 3986 encoding of everything but the unreserved characters (and `/` when `keep_slash`).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The path with empty segments removed (`//a//` is `/a/`), as SigV4 normalizes it for every
/// service but S3. (Bedrock's paths have no `.` or `..` segments: the relay builds them.)
fn normalize(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = format!("/{}", segments.join("/"));
    if !segments.is_empty() && path.ends_with('/') {
        out.push('/');
    }
    out
}

/// `20150830T123600Z` as a time, if it is one.
fn parse_time(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    if b.len() != 16
        || b[8] != b'T'
        || b[15] != b'Z'
        || !value[..8].bytes().chain(value[9..15].bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| value[r].parse::<i64>().expect("digits");
    let (y, m, d, hh, mm, ss) = (n(0..4), n(4..6), n(6..8), n(9..11), n(11..13), n(13..15));
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date.
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719_469;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()?))
}

/// Checks `request`'s `Authorization` for `service` in `region` against `keys` at `now`, as
/// AWS does, with AWS's errors.
pub fn verify(
    request: &Arrived<'_>,
    region: &str,
    service: &str,
    now: SystemTime,
    keys: impl Fn(&str) -> Option<Key>,
) -> Result<(), BedrockError> {
    let header = |name: &str| request.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let auth = header("authorization")
        .ok_or_else(|| refuse(ErrorKind::MissingAuthenticationToken, "Missing Authentication Token"))?;
    let incomplete = |what: &str| {
        refuse(ErrorKind::IncompleteSignature, format!("Authorization header requires '{what}' parameter."))
    };
    let fields = auth
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| refuse(ErrorKind::IncompleteSignature, "Unsupported Authorization Type"))?;
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| incomplete(name))
    };
    let (credential, signed_headers, signature) =
        (field("Credential")?, field("SignedHeaders")?, field("Signature")?);
    let [key_id, date, scope_region, scope_service, "aws4_request"] =
        credential.split('/').collect::<Vec<_>>()[..]
    else {
        return Err(incomplete("Credential"));
    };
    if scope_service != service {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to correct service: '{service}'. "),
        ));
    }
    if scope_region != region {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            format!("Credential should be scoped to a valid region, not '{scope_region}'. "),
        ));
    }
    let unknown =
        || refuse(ErrorKind::UnrecognizedClient, "The security token included in the request is invalid.");
    let key = keys(key_id).ok_or_else(unknown)?;
    if let Some(token) = &key.session_token
        && !bool::from(token.as_bytes().ct_eq(header("x-amz-security-token").unwrap_or_default().as_bytes()))
    {
        return Err(unknown());
    }
    let stamp = header("x-amz-date").ok_or_else(|| {
        refuse(
            ErrorKind::IncompleteSignature,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let signed_at = parse_time(stamp).ok_or_else(|| {
        refuse(
            ErrorKind::IncompleteSignature,
            format!("Date must be in ISO-8601 'basic format'. Got '{stamp}'."),
        )
    })?;
    let skew = now.duration_since(signed_at).unwrap_or_else(|e| e.duration());
    if skew > Duration::from_secs(5 * 60) {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            format!("Signature expired: {stamp} is now outside the allowed 5 minute window."),
        ));
    }
    if !stamp.starts_with(date) {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
        ));
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    if !names.contains(&"host") {
        return Err(refuse(
            ErrorKind::InvalidSignature,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }

    // The canonical request: method, path (each segment encoded again), query (sorted),
    // the signed headers (values trimmed, runs of spaces made one, repeats joined by commas),
    // their names, and the body's hash.
    let (path, query) = request.path_and_query.split_once('?').unwrap_or((request.path_and_query, ""));
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            (uri_encode(&decode(k), false), uri_encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    let query = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let mut canonical_headers = String::new();
    for name in &names {
        let values: Vec<String> = request
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(mismatch());
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let canonical = [
        request.method,
        // Encoded again: the path arrived encoded once (`%3A` is signed as `%253A`).
        &uri_encode(&normalize(path), true),
        &query,
        &canonical_headers,
        signed_headers,
        &sha256_hex(request.body),
    ]
    .join("\n");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{date}/{region}/{service}/aws4_request\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let mut signing_key = hmac(format!("AWS4{}", key.secret_access_key).as_bytes(), date);
    for part in [region, service, "aws4_request"] {
        signing_key = hmac(&signing_key, part);
    }
    let expected = hex::encode(hmac(&signing_key, &string_to_sign));
    if bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) { Ok(()) } else { Err(mismatch()) }
}
