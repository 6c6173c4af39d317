//! `GET /v1/models`: the models this relay offers, with what each accepts.

use converse_shared::models::rules_for;
use serde_json::json;
use worker::{Request, Response, Result};

use crate::auth;
use crate::config::RelayConfig;
use crate::policy::output_cap;

/// The offered models (`ALLOWED_MODELS`), each with its family's capabilities, context
/// window and the output maximum here. `anyModel` is true when no list restricts them.
pub(crate) fn models(req: &Request, config: &RelayConfig) -> Result<Response> {
    let models: Vec<serde_json::Value> = config
        .policy
        .models
        .iter()
        .flatten()
        .map(|id| {
            let mut entry = serde_json::to_value(rules_for(id)).unwrap_or_default();
            entry["modelId"] = json!(id);
            entry["maxOutputTokens"] = json!(output_cap(&config.policy, id));
            entry
        })
        .collect();
    let mut response =
        Response::from_json(&json!({ "models": models, "anyModel": config.policy.models.is_none() }))?;
    if let Some(origin) = auth::allowed_origin(req, config) {
        auth::cors(response.headers_mut(), &origin);
    }
    Ok(response)
}
