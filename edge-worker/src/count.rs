//! `POST /model/{modelId}/count-tokens`: Bedrock's `CountTokens`, relayed under the same
//! identity, limits, policy and log line as Converse. Counting is free on Bedrock, so it
//! reserves no tokens; its requests count in a lane of their own ([`Lane::Counting`]).

use converse_shared::path::Operation;
use converse_shared::{BedrockError, CountTokensResponse, ErrorKind};
use worker::{Env, Headers, Request, Response};

use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::gate::{self, Entered, Lane};
use crate::log::RequestLog;
use crate::{policy, upstream};

/// Counts the tokens of the request in `req`'s body for `model_id`, and logs it.
pub(crate) async fn relay(
    req: &mut Request,
    env: &Env,
    config: &RelayConfig,
    model_id: &str,
    log: &mut RequestLog,
) -> Result<Response, RelayError> {
    let Entered { body, widget, .. } = gate::enter(req, env, config, Lane::Counting, log, |_| 0).await?;
    if let Some((visitor, _)) = widget {
        // The widget shows no context meter: nothing on a site needs its tokens counted.
        return Err(RelayError::Bedrock(BedrockError::new(
            ErrorKind::AccessDenied,
            format!("The chat on {} does not count tokens.", visitor.site),
        )));
    }
    policy::count::apply(&config.policy, model_id, &body)?;
    let mut upstream = upstream::send(config, model_id, Operation::CountTokens, &body, upstream::Tee::Off)
        .await
        .map_err(|failed| {
            log.attempts = failed.attempts;
            failed.error
        })?;
    log.attempts = upstream.attempts;
    let bytes = upstream::read_with_timeout(&mut upstream.response, config.timing.idle).await?;
    log.first_byte();
    log.status = 200;
    if let Ok(counted) = serde_json::from_slice::<CountTokensResponse>(&bytes) {
        log.input_tokens = Some(counted.input_tokens);
    }
    log.write();
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| RelayError::Internal(e.to_string()));
    set("content-type", "application/json")?;
    set("cache-control", "no-store")?;
    if let Some(id) = upstream.response.headers().get("x-amzn-RequestId").ok().flatten() {
        set("x-amzn-RequestId", &id)?;
    }
    Ok(Response::from_bytes(bytes).map_err(|e| RelayError::Internal(e.to_string()))?.with_headers(headers))
}
