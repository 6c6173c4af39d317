//! A local stand-in for Amazon Bedrock Runtime's Converse API.
//!
//! It is the default upstream of converse-edge, so the whole project runs and is tested with
//! no AWS account, and it is what the tests trust — so it is faithful to the wire:
//!
//! - `POST /model/{modelId}/converse` answers JSON; `POST /model/{modelId}/converse-stream`
//!   answers `application/vnd.amazon.eventstream` frames with Bedrock's headers and padding;
//!   `POST /model/{modelId}/count-tokens` counts a request's input tokens as it bills them.
//! - Every request must carry a valid SigV4 signature (signing name `bedrock`) for the
//!   configured credentials, or a configured Bedrock API key (`Authorization: Bearer`).
//! - `POST /2015-03-31/functions/{name}/invocations` is Lambda's `Invoke` for a relay's
//!   Lambda tools (signing name `lambda`), with a few deterministic functions (`lambda`).
//! - Errors carry Bedrock's status, `x-amzn-ErrorType` header and `{"message"}` body.
//! - The reply is derived from the request (it says what it received) and streamed as one
//!   delta per word with a configurable delay, so incremental delivery is observable.
//!
//! Behaviour a test needs on demand is triggered by markers in the last user message; see
//! [`reply::Fault`].
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, rust_2018_idioms)]

pub mod auth;
mod cache;
pub mod catalog;
pub mod count;
pub mod judge;
mod lambda;
mod media;
mod replay;
pub mod reply;
mod routes;
pub mod sigv4;
pub mod structured;
pub mod validate;

use std::time::Duration;

use crate::sigv4::Key;

pub use routes::router;

/// How the stand-in is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The credentials SigV4 requests must be signed with.
    pub credentials: Key,
    /// The region requests must be scoped to.
    pub region: String,
    /// A Bedrock API key accepted as `Authorization: Bearer <key>`, if any.
    pub api_key: Option<String>,
    /// The pause before each streamed text delta.
    pub delta_delay: Duration,
    /// The secret header (`x-tool-secret`) the test tool endpoints require, if any.
    pub tool_secret: Option<String>,
    /// Where `[stand-in:replay ID]` finds recorded Bedrock replies (`tests/fixtures/realcases`).
    pub replay_dir: std::path::PathBuf,
}

impl Config {
    /// Reads the configuration from `BEDROCK_LOCAL_*` environment variables, with defaults
    /// that match the project's `.dev.vars.example`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self {
            credentials: Key {
                access_key_id: var("BEDROCK_LOCAL_ACCESS_KEY_ID")
                    .unwrap_or_else(|| "AKIALOCALSTANDIN0001".into()),
                secret_access_key: var("BEDROCK_LOCAL_SECRET_ACCESS_KEY")
                    .unwrap_or_else(|| "local-stand-in-secret-key".into()),
                session_token: var("BEDROCK_LOCAL_SESSION_TOKEN"),
            },
            region: var("BEDROCK_LOCAL_REGION").unwrap_or_else(|| "us-east-1".into()),
            api_key: var("BEDROCK_LOCAL_API_KEY"),
            delta_delay: Duration::from_millis(
                var("BEDROCK_LOCAL_DELAY_MS").and_then(|v| v.parse().ok()).unwrap_or(25),
            ),
            tool_secret: var("BEDROCK_LOCAL_TOOL_SECRET"),
            replay_dir: var("BEDROCK_LOCAL_REPLAY_DIR")
                .unwrap_or_else(|| "tests/fixtures/realcases".into())
                .into(),
        }
    }
}
