//! The relay's configuration, read from the worker's environment once per request.
//!
//! Secrets (`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_BEARER_TOKEN_BEDROCK`) are read
//! here and nowhere else, and the types holding them never print them.

use std::fmt;

use converse_shared::sigv4::Credentials;
use worker::Env;

use crate::errors::RelayError;

/// How the relay proves itself to Bedrock.
pub(crate) enum UpstreamAuth {
    /// SigV4 with these credentials.
    SigV4(Credentials),
    /// A Bedrock API key, sent as `Authorization: Bearer`.
    ApiKey(String),
}

impl fmt::Debug for UpstreamAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SigV4(c) => f.debug_tuple("SigV4").field(c).finish(),
            Self::ApiKey(_) => f.write_str("ApiKey(** redacted **)"),
        }
    }
}

/// Where and how to reach Bedrock.
#[derive(Debug)]
pub(crate) struct RelayConfig {
    /// The upstream base URL, without a trailing slash.
    pub(crate) endpoint: String,
    /// The region to sign for.
    pub(crate) region: String,
    /// The upstream credentials.
    pub(crate) auth: UpstreamAuth,
}

fn read(env: &Env, name: &str) -> Option<String> {
    // Secrets and plain vars are both string bindings; `.dev.vars` fills either.
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl RelayConfig {
    /// Reads `BEDROCK_ENDPOINT`, `AWS_REGION` and the credentials.
    pub(crate) fn from_env(env: &Env) -> Result<Self, RelayError> {
        let region = read(env, "AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned());
        let endpoint = read(env, "BEDROCK_ENDPOINT")
            .unwrap_or_else(|| format!("https://bedrock-runtime.{region}.amazonaws.com"))
            .trim_end_matches('/')
            .to_owned();
        let auth = if let Some(key) = read(env, "AWS_BEARER_TOKEN_BEDROCK") {
            UpstreamAuth::ApiKey(key)
        } else {
            match (read(env, "AWS_ACCESS_KEY_ID"), read(env, "AWS_SECRET_ACCESS_KEY")) {
                (Some(id), Some(secret)) => {
                    UpstreamAuth::SigV4(Credentials::new(id, secret, read(env, "AWS_SESSION_TOKEN")))
                }
                _ => return Err(RelayError::NotConfigured),
            }
        };
        Ok(Self { endpoint, region, auth })
    }
}
