//! What every tool call to the outside shares: header values that name worker secrets, and
//! sending with a time-out.

use std::collections::BTreeMap;

use serde::Deserialize;
use worker::{Env, Request, Response};

use crate::errors::RelayError;

/// A header value: plain, or the name of a worker secret (after a `prefix`, e.g. `Bearer `).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum HeaderValue {
    Plain(String),
    Secret {
        secret: String,
        #[serde(default)]
        prefix: String,
    },
}

/// `headers` with their secrets read; `owner` names the tool or server for the log.
pub(super) fn resolve_headers(
    env: &Env,
    owner: &str,
    headers: &BTreeMap<String, HeaderValue>,
) -> Result<Vec<(String, String)>, RelayError> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = match value {
                HeaderValue::Plain(v) => v.clone(),
                HeaderValue::Secret { secret, prefix } => {
                    let value = crate::config::read(env, secret).ok_or_else(|| {
                        RelayError::Misconfigured(format!("{owner} needs the secret {secret}"))
                    })?;
                    format!("{prefix}{value}")
                }
            };
            Ok((name.clone(), value))
        })
        .collect()
}

/// Why a call got no response.
pub(super) enum Sent {
    Unreachable(String),
    TimedOut,
}

/// Sends `request`, giving up (and aborting it) after `timeout`.
pub(super) async fn send(request: Request, timeout: std::time::Duration) -> Result<Response, Sent> {
    use futures_util::future::{Either, select};
    let controller = worker::AbortController::default();
    let signal = controller.signal();
    let fetch = worker::Fetch::Request(request);
    let sending = std::pin::pin!(fetch.send_with_signal(&signal));
    match select(sending, std::pin::pin!(worker::Delay::from(timeout))).await {
        Either::Left((Ok(response), _)) => Ok(response),
        Either::Left((Err(e), _)) => Err(Sent::Unreachable(e.to_string())),
        Either::Right(_) => {
            controller.abort();
            Err(Sent::TimedOut)
        }
    }
}
