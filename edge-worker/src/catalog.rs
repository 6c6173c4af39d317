//! `GET /v1/models`: the models this relay offers, with what each accepts.

use converse_shared::models::ModelListing;
use worker::{Request, Response, Result};

use crate::auth;
use crate::config::RelayConfig;
use crate::policy::listing;

/// The offered models (`ALLOWED_MODELS`; without it, those the deployer declared), each with
/// what it takes (declared, or its family's; `known: false` for a model neither knows),
/// context window and the output maximum here. `anyModel` is true when no list restricts them.
pub(crate) fn models(req: &Request, config: &RelayConfig) -> Result<Response> {
    let models = listing(&config.policy, None);
    let listing = ModelListing {
        models,
        any_model: config.policy.models.is_none(),
        page_access: Some(config.page_access.name().to_owned()),
        enforced_guardrail: config.policy.guardrail.is_some(),
        service_tiers: config.policy.service_tiers.clone(),
        max_request_bytes: Some(config.policy.max_body_bytes as u64),
        s3_links: !config.policy.s3_prefixes.is_empty(),
    };
    let mut response = Response::from_json(&listing)?;
    if let Some(origin) = auth::allowed_origin(req, config) {
        auth::cors(response.headers_mut(), &origin);
    }
    Ok(response)
}
