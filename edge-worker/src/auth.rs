//! Who may call: clients with a relay key (Bearer, or SigV4 signed with it), and, where the
//! deployer opens the page to everyone (`PAGE_ACCESS=open`), visitors of the chat page from
//! the relay's own origin or an allowed one. CORS is answered for exactly those origins.

use converse_shared::sigv4::{self, Credentials, Received};
use converse_shared::{BedrockError, ErrorKind};
use subtle::ConstantTimeEq;
use worker::{Date, Headers, Request, Url};

use crate::access::{self, ASSERTION_HEADER, User};
use crate::config::{PageAccess, RelayConfig};
use crate::errors::RelayError;
use crate::policy::Limit;
use crate::visitor::Visitor;

/// The limits that apply to `caller` from `ip`: the caller's own (a key's, or the default
/// per caller) and the per-IP one.
pub(crate) fn limit_subjects(caller: &Caller, ip: &str, config: &RelayConfig) -> Vec<(String, Limit)> {
    let own = match caller {
        Caller::Key(id) => config.client_keys.iter().find(|k| k.id == *id).and_then(|k| k.limit),
        Caller::Page | Caller::User(_) => None,
        // A widget visitor's own subject is its site (added with the site's limit).
        Caller::Visitor(_) => return vec![(ip_subject(ip), config.ip_limit)],
    };
    vec![(caller.label(), own.unwrap_or(config.caller_limit)), (ip_subject(ip), config.ip_limit)]
}

/// The client's address, as Cloudflare tells it (`CF-Connecting-IP`).
pub(crate) fn client_ip(req: &Request) -> String {
    req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_else(|| "unknown".into())
}

/// The rate-limit subject of a client address: an IPv4 address, or an IPv6 address's /64 —
/// the block one subscriber gets, so its 2^64 addresses are one client.
fn ip_subject(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => format!("ip:{}", v6.to_ipv4_mapped().expect("mapped")),
        Ok(v4) => format!("ip:{v4}"),
        Err(_) => format!("ip:{ip}"),
    }
}

/// Who is calling, for logs and limits.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// A client with this relay key id.
    Key(String),
    /// A visitor of the chat page (`PAGE_ACCESS=open`): anyone, as anyone can load it.
    Page,
    /// A visitor of a site's widget, proven by its visitor token.
    Visitor(Visitor),
    /// A user Cloudflare Access let through (`PAGE_ACCESS=access`).
    User(User),
}

impl Caller {
    /// How the caller appears in logs.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Key(id) => format!("key:{id}"),
            Self::Page => "page".to_owned(),
            Self::Visitor(v) => format!("site:{}", v.site),
            Self::User(u) => format!("user:{}", u.name),
        }
    }
}

/// The origin of the relay itself (pages it serves may always call it).
fn own_origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The request's `Origin` if the relay allows it: its own, or one in `ALLOWED_ORIGINS`.
pub(crate) fn allowed_origin(req: &Request, config: &RelayConfig) -> Option<String> {
    let origin = req.headers().get("origin").ok().flatten()?;
    let url = req.url().ok()?;
    (origin == own_origin(&url) || config.allowed_origins.contains(&origin)).then_some(origin)
}

fn refused(kind: ErrorKind, message: &str) -> RelayError {
    RelayError::Bedrock(BedrockError::new(kind, message))
}

/// Decides who is calling, or refuses the request. `visitor`: the widget visitor the request
/// proved with its token, if any (see [`crate::widget::visitor_of`]).
pub(crate) async fn authorize(
    req: &Request,
    config: &RelayConfig,
    body: &[u8],
    visitor: Option<&Visitor>,
) -> Result<Caller, RelayError> {
    let headers = req.headers();
    match headers.get("authorization").ok().flatten() {
        Some(auth) if auth.starts_with("Bearer ") => {
            let token = auth["Bearer ".len()..].trim().as_bytes();
            // Compare with every key, in constant time each, so timing reveals nothing.
            let mut found = None;
            for key in &config.client_keys {
                if bool::from(key.secret.as_bytes().ct_eq(token)) {
                    found = Some(key.id.clone());
                }
            }
            found
                .map(Caller::Key)
                .ok_or_else(|| refused(ErrorKind::UnrecognizedClient, "The API key is not valid."))
        }
        Some(_) => {
            let url = req.url().map_err(|e| RelayError::Internal(e.to_string()))?;
            let host = match (url.host_str(), url.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_owned(),
                (None, _) => String::new(),
            };
            let pairs = header_pairs(headers);
            let path_and_query = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            let received = Received {
                method: "POST",
                host: &host,
                path_and_query: &path_and_query,
                headers: &pairs,
                body,
            };
            let now = std::time::UNIX_EPOCH + std::time::Duration::from_millis(Date::now().as_millis());
            let id = sigv4::verify(&received, &config.region, now, |id| {
                config
                    .client_keys
                    .iter()
                    .find(|k| k.id == id)
                    .map(|k| Credentials::new(&k.id, &k.secret, None))
            })?;
            Ok(Caller::Key(id))
        }
        // No key: a widget visitor with its token; else a page user, as `PAGE_ACCESS` says.
        // `Origin` is no credential (anyone can send any); it only keeps other sites' pages
        // from using their visitors' browsers to call.
        None => match (visitor, &config.page_access) {
            (Some(visitor), _) => Ok(Caller::Visitor(visitor.clone())),
            (None, PageAccess::Open) => allowed_origin(req, config).map(|_| Caller::Page).ok_or_else(|| {
                refused(
                    ErrorKind::MissingAuthenticationToken,
                    "Missing Authentication Token: send a relay API key, or call from the chat page.",
                )
            }),
            (None, PageAccess::Off) => Err(refused(
                ErrorKind::MissingAuthenticationToken,
                "Missing Authentication Token: this relay serves API keys only (PAGE_ACCESS is off).",
            )),
            (None, PageAccess::Access(access)) => {
                let token =
                    headers.get(ASSERTION_HEADER).ok().flatten().ok_or(RelayError::Unauthenticated)?;
                let user = access::verify(&token, access).await.map_err(|why| {
                    worker::console_log!("Cloudflare Access token refused: {why}");
                    RelayError::Unauthenticated
                })?;
                Ok(Caller::User(user))
            }
        },
    }
}

fn header_pairs(headers: &Headers) -> Vec<(String, String)> {
    headers.entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()
}

/// Adds the CORS headers for an allowed cross-origin caller.
pub(crate) fn cors(headers: &Headers, origin: &str) {
    let _ = headers.set("access-control-allow-origin", origin);
    let _ = headers.append("vary", "Origin");
    let _ = headers.set(
        "access-control-expose-headers",
        "x-amzn-ErrorType, x-amzn-RequestId, x-relay-request-id, x-relay-attempts",
    );
}

/// Answers a CORS preflight: allowed origins get the methods and headers they may use;
/// others get no CORS headers, so the browser refuses.
pub(crate) fn preflight(req: &Request, config: &RelayConfig) -> worker::Result<worker::Response> {
    let headers = Headers::new();
    if let Some(origin) = allowed_origin(req, config) {
        cors(&headers, &origin);
        headers.set("access-control-allow-methods", "POST, GET, OPTIONS")?;
        headers.set("access-control-allow-headers", "content-type, accept, authorization")?;
        headers.set("access-control-max-age", "600")?;
    }
    Ok(worker::Response::empty()?.with_status(204).with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64_and_an_ipv4_client_its_address() {
        assert_eq!(ip_subject("2001:db8:1:2:aaaa::1"), ip_subject("2001:0db8:0001:0002:ffff:1:2:3"));
        assert_eq!(ip_subject("2001:db8:1:2::9"), "ip:2001:db8:1:2::/64");
        assert_ne!(ip_subject("2001:db8:1:2::1"), ip_subject("2001:db8:1:3::1"));
        assert_eq!(ip_subject("203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(ip_subject("::ffff:203.0.113.7"), "ip:203.0.113.7");
        assert_ne!(ip_subject("203.0.113.7"), ip_subject("203.0.113.8"));
    }
}
