//! `GET /v1/models`: the models this relay offers, with what each accepts.

use converse_shared::models::{ModelListing, OfferedModel};
use worker::{Request, Response, Result};

use crate::auth;
use crate::config::RelayConfig;
use crate::policy::output_cap;

/// The offered models (`ALLOWED_MODELS`), each with its family's capabilities, context
/// window and the output maximum here. `anyModel` is true when no list restricts them.
pub(crate) fn models(req: &Request, config: &RelayConfig) -> Result<Response> {
    let models = config
        .policy
        .models
        .iter()
        .flatten()
        .map(|id| OfferedModel::new(id.clone(), output_cap(&config.policy, id)))
        .collect();
    let listing = ModelListing {
        models,
        any_model: config.policy.models.is_none(),
        page_access: Some(config.page_access.name().to_owned()),
    };
    let mut response = Response::from_json(&listing)?;
    if let Some(origin) = auth::allowed_origin(req, config) {
        auth::cors(response.headers_mut(), &origin);
    }
    Ok(response)
}
