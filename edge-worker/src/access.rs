//! `PAGE_ACCESS=access`: the chat page behind Cloudflare Access, each request proven by the
//! application token Access adds (`Cf-Access-Jwt-Assertion`), as Cloudflare's guide says to
//! validate it (<https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/>):
//! RS256 under one of the team's keys (`<team domain>/cdn-cgi/access/certs`, or
//! `ACCESS_JWKS_URL`), issued by the team domain (`iss`), for this application (`aud` has
//! `ACCESS_AUD`), and not expired (`exp`, `nbf`). The signature is checked with the runtime's
//! Web Crypto; the keys are fetched once per isolate and again for a key id not yet seen (at
//! most once a minute, so made-up key ids cannot make it fetch on every request).

use std::cell::RefCell;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The header Cloudflare Access puts its application token in.
pub(crate) const ASSERTION_HEADER: &str = "cf-access-jwt-assertion";

/// The least time between two fetches of the team's keys.
const REFETCH_MS: u64 = 60_000;

/// Who Access says is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    /// The user's email, or the token's subject when it has none (a service token).
    pub(crate) name: String,
}

/// What the deployer configured (`ACCESS_TEAM_DOMAIN`, `ACCESS_AUD`, `ACCESS_JWKS_URL`).
#[derive(Debug, Clone)]
pub(crate) struct AccessConfig {
    /// The issuer: `https://<team>.cloudflareaccess.com`.
    pub(crate) team_domain: String,
    /// The application's audience tag.
    pub(crate) aud: String,
    /// Where the team's public keys are.
    pub(crate) jwks_url: String,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    aud: Audience,
    iss: Option<String>,
    exp: Option<f64>,
    nbf: Option<f64>,
    email: Option<String>,
    sub: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

/// A token taken apart, its claims checked, its signature not yet.
#[derive(Debug)]
pub(crate) struct Unverified {
    kid: Option<String>,
    signed: Vec<u8>,
    signature: Vec<u8>,
    user: User,
}

/// Takes `token` apart and checks what needs no key: RS256, the issuer, the audience, the
/// times (`now_secs`). Says why not, for the log (the caller is told only that it failed).
pub(crate) fn check_claims(token: &str, config: &AccessConfig, now_secs: f64) -> Result<Unverified, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT".into());
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|e| format!("bad base64url: {e}"));
    let header: Header = serde_json::from_slice(&decode(header)?).map_err(|e| format!("bad header: {e}"))?;
    let claims_bytes = decode(claims)?;
    let claims: Claims = serde_json::from_slice(&claims_bytes).map_err(|e| format!("bad claims: {e}"))?;
    if header.alg != "RS256" {
        return Err(format!("alg {} is not RS256", header.alg));
    }
    if claims.iss.as_deref().map(|i| i.trim_end_matches('/'))
        != Some(config.team_domain.trim_end_matches('/'))
    {
        return Err(format!("issuer {:?} is not the team domain", claims.iss));
    }
    let for_us = match &claims.aud {
        Audience::One(a) => *a == config.aud,
        Audience::Many(all) => all.contains(&config.aud),
        Audience::None => false,
    };
    if !for_us {
        return Err("the audience is another application's".into());
    }
    match claims.exp {
        Some(exp) if exp > now_secs => {}
        _ => return Err("expired (or no expiry)".into()),
    }
    if claims.nbf.is_some_and(|nbf| nbf > now_secs) {
        return Err("not valid yet".into());
    }
    let name = claims.email.filter(|e| !e.is_empty()).or(claims.sub).ok_or("no email or subject")?;
    let signed_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
    Ok(Unverified {
        kid: header.kid,
        signed: token.as_bytes()[..signed_len].to_vec(),
        signature: decode(signature)?,
        user: User { name },
    })
}

struct Keys {
    /// The JWKS's `keys`.
    keys: Vec<Value>,
    fetched_ms: u64,
}

thread_local! {
    static KEYS: RefCell<Option<Keys>> = const { RefCell::new(None) };
}

/// The token's user, if Access issued it for this application and it is still good.
pub(crate) async fn verify(token: &str, config: &AccessConfig) -> Result<User, String> {
    let now_ms = worker::Date::now().as_millis();
    let token = check_claims(token, config, now_ms as f64 / 1000.0)?;
    let mut key = find_key(token.kid.as_deref());
    let stale =
        KEYS.with_borrow(|k| k.as_ref().is_none_or(|k| now_ms.saturating_sub(k.fetched_ms) >= REFETCH_MS));
    if key.is_none() && stale {
        let keys = fetch_keys(&config.jwks_url).await?;
        KEYS.with_borrow_mut(|k| *k = Some(Keys { keys, fetched_ms: now_ms }));
        key = find_key(token.kid.as_deref());
    }
    let key = key.ok_or("no key of the team has this token's key id")?;
    if rs256_verify(&key, &token.signed, &token.signature).await.map_err(|e| format!("{e:?}"))? {
        Ok(token.user)
    } else {
        Err("the signature does not match".into())
    }
}

fn find_key(kid: Option<&str>) -> Option<Value> {
    KEYS.with_borrow(|keys| {
        keys.as_ref()?.keys.iter().find(|k| kid.is_none_or(|kid| k["kid"].as_str() == Some(kid))).cloned()
    })
}

async fn fetch_keys(url: &str) -> Result<Vec<Value>, String> {
    let mut response = worker::Fetch::Url(url.parse().map_err(|e| format!("ACCESS_JWKS_URL: {e}"))?)
        .send()
        .await
        .map_err(|e| format!("fetching the team's keys: {e}"))?;
    let jwks: Value = response.json().await.map_err(|e| format!("the team's keys are not JSON: {e}"))?;
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    Ok(keys.into_iter().filter(|k| k["kty"] == "RSA").collect())
}

/// RSASSA-PKCS1-v1_5 with SHA-256, by the runtime's Web Crypto (`crypto.subtle`).
async fn rs256_verify(jwk: &Value, signed: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
    let get = |target: &JsValue, name: &str| Reflect::get(target, &JsValue::from_str(name));
    let subtle = get(&get(&js_sys::global(), "crypto")?, "subtle")?;
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into())?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    let public =
        serde_json::json!({ "kty": "RSA", "n": jwk["n"], "e": jwk["e"], "alg": "RS256", "ext": true });
    let jwk = js_sys::JSON::parse(&public.to_string())?;
    let import: Function = get(&subtle, "importKey")?.dyn_into()?;
    let args = Array::of5(&"jwk".into(), &jwk, &algorithm, &JsValue::FALSE, &Array::of1(&"verify".into()));
    let key = JsFuture::from(import.apply(&subtle, &args)?.dyn_into::<Promise>()?).await?;
    let verify: Function = get(&subtle, "verify")?.dyn_into()?;
    let args = Array::of4(&algorithm, &key, &Uint8Array::from(signature), &Uint8Array::from(signed));
    Ok(JsFuture::from(verify.apply(&subtle, &args)?.dyn_into::<Promise>()?).await?.as_bool() == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AccessConfig {
        AccessConfig {
            team_domain: "https://team.cloudflareaccess.com".into(),
            aud: "app-aud".into(),
            jwks_url: "https://team.cloudflareaccess.com/cdn-cgi/access/certs".into(),
        }
    }

    fn token(header: Value, claims: Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.{}", part(&header), part(&claims), URL_SAFE_NO_PAD.encode(b"sig"))
    }

    fn claims(extra: Value) -> Value {
        let mut c = serde_json::json!({"iss": "https://team.cloudflareaccess.com", "aud": ["app-aud"],
            "exp": 2_000.0, "nbf": 1_000.0, "email": "ada@example.com", "sub": "s-1"});
        c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        c
    }

    #[test]
    fn a_token_for_this_application_names_its_user() {
        let rs256 = serde_json::json!({"alg": "RS256", "kid": "k1"});
        let t = token(rs256.clone(), claims(serde_json::json!({})));
        let checked = check_claims(&t, &config(), 1_500.0).unwrap();
        assert_eq!(checked.user, User { name: "ada@example.com".into() });
        assert_eq!(checked.kid.as_deref(), Some("k1"));
        assert_eq!(checked.signature, b"sig");
        assert_eq!(checked.signed, t.rsplit_once('.').unwrap().0.as_bytes());
        // A service token has no email: its subject names it.
        let service = token(rs256, claims(serde_json::json!({"email": ""})));
        assert_eq!(check_claims(&service, &config(), 1_500.0).unwrap().user.name, "s-1");
    }

    #[test]
    fn other_issuers_audiences_algorithms_and_times_are_refused() {
        let rs256 = serde_json::json!({"alg": "RS256"});
        for (what, t, now) in [
            ("expired", token(rs256.clone(), claims(serde_json::json!({}))), 2_000.0),
            ("not yet", token(rs256.clone(), claims(serde_json::json!({}))), 999.0),
            ("aud", token(rs256.clone(), claims(serde_json::json!({"aud": ["other"]}))), 1_500.0),
            (
                "iss",
                token(rs256.clone(), claims(serde_json::json!({"iss": "https://evil.example"}))),
                1_500.0,
            ),
            ("alg", token(serde_json::json!({"alg": "none"}), claims(serde_json::json!({}))), 1_500.0),
            ("HS256", token(serde_json::json!({"alg": "HS256"}), claims(serde_json::json!({}))), 1_500.0),
            ("shape", "a.b".to_owned(), 1_500.0),
        ] {
            assert!(check_claims(&t, &config(), now).is_err(), "{what}");
        }
    }
}
