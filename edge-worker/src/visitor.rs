//! Widget visitor tokens: what a framed widget proves itself with.
//!
//! `GET /v1/widget` (which the frame calls when it loads) issues one: the site's origin, a
//! visitor id and an expiry, signed with HMAC-SHA256 under the worker's `WIDGET_TOKEN_SECRET`.
//! Every widget request carries it in [`TOKEN_HEADER`]; the site's rules and limits come from
//! the token, never from a bare header, so no caller can name a site it holds no token for,
//! nor change the site of a token. Anyone may load a site's widget, so anyone may hold a token
//! for it: what a token grants is what the site grants its visitors, within the site's limits.
//!
//! The format, all ASCII: `v1.<site, base64url>.<visitor id>.<expiry, Unix seconds>.<MAC,
//! base64url>`, the MAC over `v1.<site, base64url>.<visitor id>.<expiry>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header a widget request carries its token in.
pub(crate) const TOKEN_HEADER: &str = "x-converse-widget-token";

/// How long a token is good for (the frame asks for a new one each time it loads).
pub(crate) const LIFETIME_SECS: u64 = 12 * 60 * 60;

/// A proven widget visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Visitor {
    /// The site it visits (an origin in `WIDGET_SITES`).
    pub(crate) site: String,
    /// Its id, random per token.
    pub(crate) id: String,
}

fn mac(key: &[u8], signed: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(signed.as_bytes());
    mac
}

/// A token for a visitor `id` of `site`, good until `now_secs` + [`LIFETIME_SECS`].
pub(crate) fn issue(key: &[u8], site: &str, id: &str, now_secs: u64) -> String {
    let signed = format!("v1.{}.{id}.{}", URL_SAFE_NO_PAD.encode(site), now_secs + LIFETIME_SECS);
    let tag = URL_SAFE_NO_PAD.encode(mac(key, &signed).finalize().into_bytes());
    format!("{signed}.{tag}")
}

/// The visitor a token proves at `now_secs`, or `None` if it is malformed, forged or expired.
pub(crate) fn verify(key: &[u8], token: &str, now_secs: u64) -> Option<Visitor> {
    let (signed, tag) = token.rsplit_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(key, signed).verify_slice(&tag).ok()?; // in constant time
    let mut parts = signed.split('.');
    let (Some("v1"), Some(site), Some(id), Some(expiry), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if expiry.parse::<u64>().ok()? <= now_secs {
        return None;
    }
    let site = String::from_utf8(URL_SAFE_NO_PAD.decode(site).ok()?).ok()?;
    Some(Visitor { site, id: id.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a widget token secret of 32 bytes!";

    #[test]
    fn a_token_proves_its_site_and_visitor_until_it_expires() {
        let token = issue(KEY, "https://shop.example", "v42", 1_000);
        let visitor = Visitor { site: "https://shop.example".into(), id: "v42".into() };
        assert_eq!(verify(KEY, &token, 1_000), Some(visitor.clone()));
        assert_eq!(verify(KEY, &token, 1_000 + LIFETIME_SECS - 1), Some(visitor));
        assert_eq!(verify(KEY, &token, 1_000 + LIFETIME_SECS), None, "expired");
    }

    #[test]
    fn a_token_cannot_be_changed_or_made_without_the_key() {
        let token = issue(KEY, "https://shop.example", "v42", 1_000);
        assert_eq!(verify(b"another key", &token, 1_000), None);
        let other_site = token.replacen(
            &URL_SAFE_NO_PAD.encode("https://shop.example"),
            &URL_SAFE_NO_PAD.encode("https://other.example"),
            1,
        );
        assert_eq!(verify(KEY, &other_site, 1_000), None);
        let later = token.replacen(&(1_000 + LIFETIME_SECS).to_string(), &u64::MAX.to_string(), 1);
        assert_eq!(verify(KEY, &later, 1_000), None);
        for junk in ["", "v1", "v1.....", "not a token at all"] {
            assert_eq!(verify(KEY, junk, 1_000), None, "{junk:?}");
        }
    }
}
