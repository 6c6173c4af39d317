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

use crate::access::AccessConfig;
use crate::errors::RelayError;
use crate::policy::{self, Limit, Policy, Site};

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

/// Who may chat without a relay key (`PAGE_ACCESS`).
#[derive(Debug, Clone)]
pub(crate) enum PageAccess {
    /// No one: relay keys only (the default).
    Off,
    /// Anyone who loads the page, within the per-IP limits: a page holds no secret, so
    /// neither does a request from it, and a script can do whatever the page can.
    Open,
    /// Users Cloudflare Access let through, each proven by its application token.
    Access(AccessConfig),
}

impl PageAccess {
    /// The setting's value, as `/v1/models` tells the page.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Open => "open",
            Self::Access(_) => "access",
        }
    }

    fn read(env: &Env) -> Result<Self, RelayError> {
        match read(env, "PAGE_ACCESS").as_deref() {
            None | Some("off") => Ok(Self::Off),
            Some("open") => Ok(Self::Open),
            Some("access") => {
                let needed = |name: &str| {
                    read(env, name)
                        .ok_or_else(|| RelayError::Misconfigured(format!("PAGE_ACCESS=access needs {name}")))
                };
                let domain = needed("ACCESS_TEAM_DOMAIN")?;
                let team_domain =
                    if domain.starts_with("https://") { domain } else { format!("https://{domain}") }
                        .trim_end_matches('/')
                        .to_owned();
                let jwks_url = read(env, "ACCESS_JWKS_URL")
                    .unwrap_or_else(|| format!("{team_domain}/cdn-cgi/access/certs"));
                Ok(Self::Access(AccessConfig { team_domain, aud: needed("ACCESS_AUD")?, jwks_url }))
            }
            Some(other) => Err(RelayError::Misconfigured(format!(
                "PAGE_ACCESS must be off, open or access, not {other:?}"
            ))),
        }
    }
}

/// Reads a project setting, refusing a value Bedrock would refuse.
fn project_setting(name: &str, value: String) -> Result<String, RelayError> {
    converse_shared::project::parse(Some(&value))
        .map_err(|problem| RelayError::Misconfigured(format!("{name}: {problem}, not {value:?}")))?;
    Ok(value)
}

/// How long to wait, and how often to try again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Until Bedrock's response to `ConverseStream` starts (`FIRST_BYTE_TIMEOUT_MS`).
    pub(crate) first_byte: Duration,
    /// Until Bedrock's whole reply to `Converse` arrives (`REPLY_TIMEOUT_MS`): Bedrock sends
    /// nothing until the reply is written, which for a long one takes minutes.
    pub(crate) reply: Duration,
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
    /// Who may chat without a key (`PAGE_ACCESS`).
    pub(crate) page_access: PageAccess,
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
    /// The key widget visitor tokens are signed with (`WIDGET_TOKEN_SECRET`).
    pub(crate) widget_token_key: Option<SecretKey>,
}

/// A key that is never printed.
pub(crate) struct SecretKey(Vec<u8>);

impl SecretKey {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(** redacted **)")
    }
}

pub(crate) fn read(env: &Env, name: &str) -> Option<String> {
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
        let project = project_setting(
            "BEDROCK_PROJECT",
            read(env, "BEDROCK_PROJECT").unwrap_or_else(|| converse_shared::project::DEFAULT.to_owned()),
        )?;
        let other_projects = list(read(env, "BEDROCK_PROJECTS"))
            .into_iter()
            .map(|p| project_setting("BEDROCK_PROJECTS", p))
            .collect::<Result<_, _>>()?;
        let account = read(env, "AWS_ACCOUNT_ID");
        if account.as_ref().is_some_and(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit())) {
            return Err(RelayError::Misconfigured("AWS_ACCOUNT_ID must be 12 digits".into()));
        }
        let mut config = Self {
            endpoint,
            region: region.clone(),
            auth,
            client_keys,
            allowed_origins: list(read(env, "ALLOWED_ORIGINS")),
            page_access: PageAccess::read(env)?,
            policy: Policy {
                models: models.map(|m| list(Some(m))),
                declared: policy::parse_declared(read(env, "MODEL_CAPABILITIES").as_deref())?,
                // 10 MiB: a body at the cap takes the isolate ≈ 60 MiB more (README, Performance),
                // well within Cloudflare's 128 MB; 32 MiB took ≈ 180 MiB, past it.
                max_body_bytes: number(env, "MAX_BODY_BYTES", 10 * 1024 * 1024)?,
                max_output_tokens: read(env, "MAX_OUTPUT_TOKENS")
                    .map(|_| number(env, "MAX_OUTPUT_TOKENS", 0))
                    .transpose()?,
                max_messages: number(env, "MAX_MESSAGES", 1000)?,
                max_blocks: number(env, "MAX_CONTENT_BLOCKS", 10_000)?,
                max_attachments: number(env, "MAX_ATTACHMENTS", 25)?,
                guardrail,
                guardrail_trace: match read(env, "GUARDRAIL_TRACE").as_deref() {
                    None | Some("deny") => false,
                    Some("allow") => true,
                    Some(other) => {
                        return Err(RelayError::Misconfigured(format!(
                            "GUARDRAIL_TRACE must be allow or deny, not {other:?}"
                        )));
                    }
                },
                project,
                other_projects,
                account,
                region,
                service_tiers: policy::parse_tiers(read(env, "ALLOWED_SERVICE_TIERS").as_deref())?,
                system_tools: policy::system_tools::parse(read(env, "SYSTEM_TOOLS").as_deref())?,
                s3_prefixes: policy::s3::parse(read(env, "ALLOWED_S3_BUCKETS").as_deref())?,
            },
            timing: Timing {
                first_byte: Duration::from_millis(number(env, "FIRST_BYTE_TIMEOUT_MS", 60_000)?),
                reply: Duration::from_millis(number(env, "REPLY_TIMEOUT_MS", 3_600_000)?),
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
            widget_token_key: read(env, "WIDGET_TOKEN_SECRET").map(|k| SecretKey(k.into_bytes())),
        };
        config.widget_sites = policy::site::parse_sites(
            read(env, "WIDGET_SITES").as_deref(),
            |m| policy::offers(&config.policy, m),
            |m| config.policy.rules(m),
        )?;
        if !config.widget_sites.is_empty() && config.widget_token_key.as_ref().is_none_or(|k| k.0.len() < 32)
        {
            return Err(RelayError::Misconfigured(
                "WIDGET_SITES needs WIDGET_TOKEN_SECRET, a secret of at least 32 characters, to sign visitor tokens"
                    .into(),
            ));
        }
        Ok(config)
    }
}
