//! The embeddable widget's side of the relay: which sites may embed the chat, and what each
//! may do.
//!
//! A host page loads `/widget.js` (a static asset); on first open it frames `/widget?site=
//! <its origin>`, which this module serves only to configured sites, with `frame-ancestors`
//! naming exactly that site (so a page claiming another site's origin is not framed). The
//! framed chat asks `/v1/widget` for its site's settings and a visitor token (see
//! [`crate::visitor`]), and every request it makes carries the token: those requests are held
//! to the token's site's models, system-prompt presets and limits. A request that names a
//! site without a valid token for it is refused.

use converse_shared::models::ModelListing;
use converse_shared::{BedrockError, ErrorKind};
use serde::Serialize;
use worker::{Env, Headers, Request, Response};

use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::policy::{self, Site};
use crate::visitor::{self, TOKEN_HEADER, Visitor};

/// The header naming the site a widget request comes from.
pub(crate) const SITE_HEADER: &str = "x-converse-widget";
/// The header naming the system-prompt preset a widget request asks for.
pub(crate) const PROMPT_HEADER: &str = "x-converse-prompt";

fn refused(kind: ErrorKind, message: String) -> RelayError {
    RelayError::Bedrock(BedrockError::new(kind, message))
}

/// The site a request names in [`SITE_HEADER`], if it names one; naming a site that may not
/// embed the chat is refused. This is what `/v1/widget` issues a token for; nothing else
/// takes a site from this header alone.
pub(crate) fn site_of<'c>(
    req: &Request,
    config: &'c RelayConfig,
) -> Result<Option<(&'c str, &'c Site)>, RelayError> {
    let Some(origin) = req.headers().get(SITE_HEADER).ok().flatten() else { return Ok(None) };
    config
        .widget_sites
        .get_key_value(origin.as_str())
        .map(|(origin, site)| Some((origin.as_str(), site)))
        .ok_or_else(|| not_allowed(&origin))
}

/// The widget visitor a request proves with its token, and the site's rules; `None` for a
/// request that is no widget's (no token, no site named). A site named without a valid token
/// for it, a forged or expired token, or a token of a site no longer allowed is refused.
pub(crate) fn visitor_of<'c>(
    req: &Request,
    config: &'c RelayConfig,
) -> Result<Option<(Visitor, &'c Site)>, RelayError> {
    let named = req.headers().get(SITE_HEADER).ok().flatten();
    let Some(token) = req.headers().get(TOKEN_HEADER).ok().flatten() else {
        return match named {
            None => Ok(None),
            Some(_) => Err(refused(
                ErrorKind::AccessDenied,
                format!("A widget request needs its visitor token ({TOKEN_HEADER}); reload the page."),
            )),
        };
    };
    // No key means no widget sites (the configuration requires one with them): a token can
    // prove nothing here, and the caller is told so, not that the relay is broken.
    let verified =
        config.widget_token_key.as_ref().and_then(|key| visitor::verify(key.bytes(), &token, now_secs()));
    let Some(visitor) = verified else {
        return Err(refused(
            ErrorKind::AccessDenied,
            "The widget's visitor token is not valid or has expired; reload the page.".to_owned(),
        ));
    };
    if named.as_ref().is_some_and(|n| *n != visitor.site) {
        return Err(refused(ErrorKind::AccessDenied, "The visitor token is for another site.".to_owned()));
    }
    let site = config.widget_sites.get(&visitor.site).ok_or_else(|| not_allowed(&visitor.site))?;
    Ok(Some((visitor, site)))
}

fn token_key(config: &RelayConfig) -> Result<&[u8], RelayError> {
    config.widget_token_key.as_ref().map(|k| k.bytes()).ok_or_else(|| {
        RelayError::Misconfigured("WIDGET_SITES needs WIDGET_TOKEN_SECRET to sign visitor tokens".into())
    })
}

fn now_secs() -> u64 {
    worker::Date::now().as_millis() / 1000
}

fn not_allowed(origin: &str) -> RelayError {
    refused(ErrorKind::AccessDenied, format!("The site {origin} may not embed this chat (WIDGET_SITES)."))
}

/// What the framed chat learns about its site (`GET /v1/widget`, naming the site in
/// [`SITE_HEADER`]): its models, its preset names (never their text), and whether the host
/// page may add a system prompt.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SiteInfo<'a> {
    site: &'a str,
    models: ModelListing,
    prompts: Vec<&'a str>,
    default_prompt: Option<&'a str>,
    host_prompt: bool,
    /// A new visitor token for this site.
    token: String,
}

/// `GET /v1/widget`.
pub(crate) fn info(req: &Request, config: &RelayConfig) -> Result<Response, RelayError> {
    let Some((origin, site)) = site_of(req, config)? else {
        return Err(refused(ErrorKind::Validation, format!("Name the embedding site in {SITE_HEADER}.")));
    };
    let models = ModelListing {
        models: policy::listing(&config.policy, site.models.as_deref()),
        any_model: site.models.is_none() && config.policy.models.is_none(),
        page_access: Some(config.page_access.name().to_owned()),
        enforced_guardrail: config.policy.guardrail.is_some(),
        service_tiers: config.policy.service_tiers.clone(),
        max_request_bytes: Some(config.policy.max_body_bytes as u64),
        s3_links: !config.policy.s3_prefixes.is_empty(),
    };
    let info = SiteInfo {
        site: origin,
        models,
        prompts: site.prompts.keys().map(String::as_str).collect(),
        default_prompt: site.default_prompt.as_deref(),
        host_prompt: site.host_prompt,
        token: visitor::issue(token_key(config)?, origin, &crate::log::random_id(), now_secs()),
    };
    Response::from_json(&info).map_err(|e| RelayError::Internal(e.to_string()))
}

/// `GET /widget?site=<origin>`: the chat page in its compact form, framable by that site only.
/// Any other site gets a short page saying it may not embed the chat, framable by nobody.
pub(crate) async fn page(req: &Request, env: &Env, config: &RelayConfig) -> worker::Result<Response> {
    let url = req.url()?;
    let site = url.query_pairs().find(|(k, _)| k == "site").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let headers = Headers::new();
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "no-referrer")?;
    headers.set("cache-control", "no-store")?;
    if !config.widget_sites.contains_key(&site) {
        headers.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'")?;
        headers.set("content-type", "text/plain; charset=utf-8")?;
        let message = not_allowed(if site.is_empty() { "(none named)" } else { &site }).to_bedrock().message;
        return Ok(Response::ok(message)?.with_status(403).with_headers(headers));
    }
    let mut index = url.clone();
    index.set_path("/index.html");
    index.set_query(None);
    let mut asset = env.assets("ASSETS")?.fetch(index.to_string(), None).await?;
    // The page's own policy (from dist/_headers), with this site as the only ancestor.
    let policy = asset.headers().get("content-security-policy")?.unwrap_or_default();
    let policy = with_frame_ancestors(&policy, &site);
    headers.set("content-security-policy", &policy)?;
    headers.set("content-type", "text/html; charset=utf-8")?;
    Ok(Response::from_bytes(asset.bytes().await?)?.with_headers(headers))
}

/// `policy` with its `frame-ancestors` directive replaced by `site` alone.
fn with_frame_ancestors(policy: &str, site: &str) -> String {
    policy
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !d.starts_with("frame-ancestors"))
        .chain(std::iter::once(format!("frame-ancestors {site}").as_str()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_names_only_the_site() {
        let policy = "default-src 'self'; script-src 'self' 'sha256-x'; frame-ancestors 'self'";
        assert_eq!(
            with_frame_ancestors(policy, "https://shop.example"),
            "default-src 'self'; script-src 'self' 'sha256-x'; frame-ancestors https://shop.example"
        );
    }
}
