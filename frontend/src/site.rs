//! What the relay says of the widget's site (`GET /v1/widget`: its models, presets, and the
//! visitor's token), and the token kept fresh while the frame lives.

use converse_shared::models::ModelListing;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::mode;

/// What the relay says of this site (`GET /v1/widget`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteInfo {
    /// The models the site may use.
    pub models: ModelListing,
    /// The names of the deployer's presets.
    pub prompts: Vec<String>,
    /// Whether the host page may add its own system prompt.
    pub host_prompt: bool,
    /// This visitor's token, which every request of the widget carries.
    #[serde(default)]
    pub token: String,
}

/// Asks the relay about `site` (and for a visitor token); the error in words for people.
pub async fn site_info(site: &str) -> Result<SiteInfo, String> {
    let response = gloo_net::http::Request::get("/v1/widget")
        .header(crate::api::SITE_HEADER, site)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        let error_type = response.headers().get("x-amzn-ErrorType");
        let body = response.binary().await.unwrap_or_default();
        return Err(converse_shared::BedrockError::from_response(
            response.status(),
            error_type.as_deref(),
            &body,
        )
        .to_string());
    }
    crate::api::json_of(response).await
}

/// Visitor tokens last 12 hours (the relay's `visitor::LIFETIME_SECS`): the widget asks for
/// a new one every 6, so a visitor who leaves the page open for days can still chat.
const TOKEN_REFRESH_MS: i32 = 6 * 60 * 60 * 1000;

/// Asks for a new token every [`TOKEN_REFRESH_MS`], for the life of the frame.
pub fn refresh_token_every(site: String) {
    let Some(window) = web_sys::window() else { return };
    let refresh = Closure::<dyn FnMut()>::new(move || {
        let site = site.clone();
        leptos::task::spawn_local(async move {
            // On failure the old token serves until the next try; the relay says when it expired.
            if let Ok(info) = site_info(&site).await {
                mode::update_widget(|w| w.token = Some(info.token));
            }
        });
    });
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(
        refresh.as_ref().unchecked_ref(),
        TOKEN_REFRESH_MS,
    );
    refresh.forget(); // for the life of the frame
}
