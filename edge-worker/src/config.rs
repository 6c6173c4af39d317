//! The relay's configuration, read from the worker's environment once per request.
//!
//! Secrets (`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_BEARER_TOKEN_BEDROCK`,
//! `RELAY_API_KEYS`) are read here and nowhere else, and the types holding them never print
//! them.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use converse_shared::sigv4::Credentials;
use worker::Env;

use crate::errors::RelayError;
use crate::limits::Limit;
use crate::policy;
use crate::widget::{self, Site};

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

/// A key a client of the relay may use: as `Authorization: Bearer <secret>`, or as SigV4
/// credentials (access key id `id`, secret access key `secret`) with an unchanged AWS SDK.
#[derive(Clone)]
pub(crate) struct ClientKey {
    /// Names the key in logs.
    pub(crate) id: String,
    pub(crate) secret: String,
    /// This key's own limit, if it has one (`id:secret:rpm:tpm`).
    pub(crate) limit: Option<Limit>,
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientKey({}, ** redacted **)", self.id)
    }
}

/// What the deployer allows.
#[derive(Debug)]
pub(crate) struct Policy {
    /// The models on offer (`ALLOWED_MODELS`); `None` offers any.
    pub(crate) models: Option<Vec<String>>,
    /// The largest request body (`MAX_BODY_BYTES`).
    pub(crate) max_body_bytes: usize,
    /// The most output tokens a request may ask for (`MAX_OUTPUT_TOKENS`).
    pub(crate) max_output_tokens: Option<u32>,
    /// The most messages in a request (`MAX_MESSAGES`).
    pub(crate) max_messages: usize,
    /// The most images, documents, videos and audio clips in a request (`MAX_ATTACHMENTS`).
    pub(crate) max_attachments: usize,
    /// A guardrail applied to every request (`ENFORCE_GUARDRAIL`, `id:version`).
    pub(crate) guardrail: Option<(String, String)>,
}

/// How long to wait, and how often to try again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Until Bedrock's response starts (`FIRST_BYTE_TIMEOUT_MS`).
    pub(crate) first_byte: Duration,
    /// Between two chunks of a stream (`IDLE_TIMEOUT_MS`).
    pub(crate) idle: Duration,
    /// Attempts per request, the first included (`RETRY_MAX_ATTEMPTS`).
    pub(crate) attempts: u32,
    /// The most time spent waiting between attempts (`RETRY_BUDGET_MS`).
    pub(crate) retry_budget: Duration,
}

/// Where and how to reach Bedrock, and who may use the relay for what.
#[derive(Debug)]
pub(crate) struct RelayConfig {
    /// The upstream base URL, without a trailing slash.
    pub(crate) endpoint: String,
    /// The region to sign for (and that clients signing with SigV4 sign for).
    pub(crate) region: String,
    /// The upstream credentials.
    pub(crate) auth: UpstreamAuth,
    /// The keys clients may use (`RELAY_API_KEYS`: `id:secret,id:secret`).
    pub(crate) client_keys: Vec<ClientKey>,
    /// Origins whose pages may call the relay besides its own (`ALLOWED_ORIGINS`).
    pub(crate) allowed_origins: Vec<String>,
    /// What requests may ask for.
    pub(crate) policy: Policy,
    /// Time-outs and retries.
    pub(crate) timing: Timing,
    /// Per caller (key or origin), unless a key has its own (`RATE_LIMIT_RPM`, `RATE_LIMIT_TPM`).
    pub(crate) caller_limit: Limit,
    /// Per client IP (`RATE_LIMIT_IP_RPM`, `RATE_LIMIT_IP_TPM`).
    pub(crate) ip_limit: Limit,
    /// The sites that may embed the chat widget, by origin (`WIDGET_SITES`).
    pub(crate) widget_sites: BTreeMap<String, Site>,
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

fn list(value: Option<String>) -> Vec<String> {
    value.iter().flat_map(|v| v.split(',')).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

fn number<T: std::str::FromStr>(env: &Env, name: &str, default: T) -> Result<T, RelayError> {
    match read(env, name) {
        None => Ok(default),
        Some(v) => {
            v.parse().map_err(|_| RelayError::Misconfigured(format!("{name} must be a number, not {v:?}")))
        }
    }
}

/// Reads one `RELAY_API_KEYS` entry: `id:secret` or `id:secret:rpm:tpm`.
fn parse_key(entry: &str) -> Result<ClientKey, RelayError> {
    let bad = || {
        RelayError::Misconfigured(
            "RELAY_API_KEYS entries must be id:secret or id:secret:rpm:tpm, each secret at least 16 characters"
                .into(),
        )
    };
    let parts: Vec<&str> = entry.split(':').collect();
    let (id, secret, limit) = match parts[..] {
        [id, secret] => (id, secret, None),
        [id, secret, rpm, tpm] => {
            let limit =
                Limit { requests: rpm.parse().map_err(|_| bad())?, tokens: tpm.parse().map_err(|_| bad())? };
            (id, secret, Some(limit))
        }
        _ => return Err(bad()),
    };
    if id.is_empty() || secret.len() < 16 {
        return Err(bad());
    }
    Ok(ClientKey { id: id.to_owned(), secret: secret.to_owned(), limit })
}

impl RelayConfig {
    /// Reads the configuration; see the README's configuration table.
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
        let mut client_keys = Vec::new();
        for entry in list(read(env, "RELAY_API_KEYS")) {
            client_keys.push(parse_key(&entry)?);
        }
        let guardrail = match read(env, "ENFORCE_GUARDRAIL") {
            None => None,
            Some(v) => {
                Some(v.split_once(':').map(|(id, version)| (id.to_owned(), version.to_owned())).ok_or_else(
                    || RelayError::Misconfigured("ENFORCE_GUARDRAIL must be id:version".into()),
                )?)
            }
        };
        let models = read(env, "ALLOWED_MODELS").map(Some).unwrap_or_default();
        let mut config = Self {
            endpoint,
            region,
            auth,
            client_keys,
            allowed_origins: list(read(env, "ALLOWED_ORIGINS")),
            policy: Policy {
                models: models.map(|m| list(Some(m))),
                max_body_bytes: number(env, "MAX_BODY_BYTES", 32 * 1024 * 1024)?,
                max_output_tokens: read(env, "MAX_OUTPUT_TOKENS")
                    .map(|_| number(env, "MAX_OUTPUT_TOKENS", 0))
                    .transpose()?,
                max_messages: number(env, "MAX_MESSAGES", 1000)?,
                max_attachments: number(env, "MAX_ATTACHMENTS", 25)?,
                guardrail,
            },
            timing: Timing {
                first_byte: Duration::from_millis(number(env, "FIRST_BYTE_TIMEOUT_MS", 60_000)?),
                idle: Duration::from_millis(number(env, "IDLE_TIMEOUT_MS", 30_000)?),
                attempts: number(env, "RETRY_MAX_ATTEMPTS", 3)?.max(1),
                retry_budget: Duration::from_millis(number(env, "RETRY_BUDGET_MS", 10_000)?),
            },
            caller_limit: Limit {
                requests: number(env, "RATE_LIMIT_RPM", 60)?,
                tokens: number(env, "RATE_LIMIT_TPM", 200_000)?,
            },
            ip_limit: Limit {
                requests: number(env, "RATE_LIMIT_IP_RPM", 120)?,
                tokens: number(env, "RATE_LIMIT_IP_TPM", 400_000)?,
            },
            widget_sites: BTreeMap::new(),
        };
        config.widget_sites =
            widget::parse_sites(read(env, "WIDGET_SITES").as_deref(), |m| policy::offers(&config.policy, m))?;
        Ok(config)
    }
}
