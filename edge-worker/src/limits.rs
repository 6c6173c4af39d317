//! Rate limits per caller (relay key, the page, a widget site) and per client IP: requests and
//! tokens per minute, counted in a Durable Object per subject, so every worker instance sees
//! the same counts, and kept in its storage, so a restart or a deploy forgets nothing. Over a
//! limit → 429 `ThrottlingException` with `Retry-After`.
//!
//! Tokens are charged for what Bedrock bills: an estimate is reserved when a request is
//! admitted, and settled to the reply's real usage when its `metadata` arrives. A client that
//! hangs up before that keeps the reservation charged (Bedrock bills the input, and what was
//! generated, all the same); a request that never reached a model is refunded.
//!
//! Each isolate admits from a lease of the subject's minute ([`lease`]), asking the object
//! only when its lease is spent or over, so most requests cost no call to it; the object
//! counts by the second ([`window`]), so its work per call stays the same however busy.

mod lease;
mod window;

use std::cell::{Cell, RefCell};
use std::time::Duration;

use futures_util::future::join_all;

use worker::{Delay, DurableObject, Env, Request, Response, Result, State, Stub, durable_object};

use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::policy::{self, Limit};
use window::{Ask, Window};

/// The Durable Object holding one subject's [`Window`], in memory and in its storage.
#[durable_object(fetch)]
#[derive(Debug)]
pub struct RateLimiter {
    state: State,
    /// `None` until read from storage (after a restart).
    window: RefCell<Option<Window>>,
}

const STORED: &str = "window";

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        Self { state, window: RefCell::new(None) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let number = |name: &str| param(name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let now = worker::Date::now().as_millis();
        // The object's input gate holds other requests while storage is read and written, so
        // this read-change-write is not interleaved.
        let taken = self.window.borrow_mut().take();
        let mut window = match taken {
            Some(window) => window,
            None => self.state.storage().get(STORED).await.ok().flatten().unwrap_or_default(),
        };
        let limit = Limit { requests: number("rpm"), tokens: number("tpm") };
        let response = match url.path() {
            // A lease: what the last one did not use comes back, then the request is admitted
            // with its reservation, and its lease granted ([`lease`]). `/admit` is a request
            // alone, as relays before leases asked.
            "/lease" | "/admit" => {
                let leasing = url.path() == "/lease";
                for (at, requests, tokens) in lease::read(&param("back").unwrap_or_default()) {
                    window.give_back(now, at, requests, tokens);
                }
                let reserve = number("reserve");
                let ask = if leasing {
                    Ask {
                        limit,
                        reserve,
                        requests: number("requests"),
                        tokens: number("tokens"),
                        // Dated by this object's clock, never the isolate's: the lease ends
                        // by then in real time, however the two clocks differ.
                        until: now + number("lease_ms"),
                    }
                } else {
                    Ask { limit, reserve, requests: 1, tokens: reserve, until: now }
                };
                match window.lease(now, ask) {
                    Ok(grant) => Response::ok(format!("{} {} {}", grant.requests, grant.tokens, grant.at)),
                    Err(retry_ms) => Ok(Response::ok(retry_ms.to_string())?.with_status(429)),
                }
            }
            "/tokens" => {
                let n = param("n").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
                window.record_tokens(now, n);
                Response::ok("recorded")
            }
            _ => Response::error("not found", 404),
        };
        if let Err(e) = self.state.storage().put(STORED, &window).await {
            worker::console_error!("rate limiter storage: {e}");
        }
        *self.window.borrow_mut() = Some(window);
        response
    }
}

/// The tokens reserved for a request before it is read: its body's size at four bytes a
/// token (at most the model's context window), and the most it may generate. Generous for
/// media (whose bytes are not tokens); settled to the real usage as soon as it is known.
pub(crate) fn reservation(config: &RelayConfig, model_id: &str, body_bytes: usize) -> u64 {
    let input = (body_bytes as u64 / 4).min(u64::from(config.policy.rules(model_id).context_window));
    input + u64::from(policy::output_cap(&config.policy, model_id))
}

/// The limiter stubs of a request's subjects, with their names and limits.
#[derive(Debug)]
pub(crate) struct Limiters {
    subjects: Vec<(String, Stub, Limit)>,
    /// The tokens reserved at admission, until settled.
    reserved: Cell<u64>,
}

impl Limiters {
    /// The stubs for `subjects` (name and limit each) from the `RATE_LIMITER` binding. A
    /// figure of 0 (requests or tokens) means no limit on it (say, where Cloudflare's own rate
    /// limiting rules apply); a subject with neither is not asked at all.
    pub(crate) fn new(env: &Env, subjects: &[(String, Limit)]) -> std::result::Result<Self, RelayError> {
        let internal = |e: worker::Error| RelayError::Misconfigured(format!("RATE_LIMITER binding: {e}"));
        let namespace = env.durable_object("RATE_LIMITER").map_err(internal)?;
        let mut stubs = Vec::new();
        for (name, limit) in subjects.iter().filter(|(_, l)| l.requests > 0 || l.tokens > 0) {
            let stub = namespace.id_from_name(name).and_then(|id| id.get_stub()).map_err(internal)?;
            stubs.push((name.clone(), stub, *limit));
        }
        Ok(Self { subjects: stubs, reserved: Cell::new(0) })
    }

    /// Admits the request under every subject's limit, reserving `reserve` tokens with each:
    /// from this isolate's lease where it holds them, else by a new lease from the subject's
    /// object (all asked at once). Refused if any refuses (the first one asked, in order,
    /// names the wait); what the others admitted is put back.
    pub(crate) async fn admit(&self, reserve: u64) -> std::result::Result<(), RelayError> {
        self.reserved.set(reserve);
        let now = worker::Date::now().as_millis();
        let mut admitted: Vec<(&str, Limit)> = Vec::new();
        let mut asks = Vec::new();
        for (name, stub, limit) in &self.subjects {
            if lease::take(name, *limit, reserve, now) {
                admitted.push((name, *limit));
            } else {
                asks.push(renew(name, stub, *limit, reserve, now));
            }
        }
        let mut refused = None;
        for (name, limit, answer) in join_all(asks).await {
            match answer {
                Ok(()) => admitted.push((name, limit)),
                Err(e) => refused = refused.or(Some(e)),
            }
        }
        match refused {
            None => Ok(()),
            Some(e) => {
                for (name, limit) in admitted {
                    lease::put_back(name, limit, reserve);
                }
                Err(e)
            }
        }
    }

    /// Settles the reservation to the `tokens` the reply really used (0: the request never
    /// reached a model), against every subject's lease; a reply that used more than its
    /// lease can cover is charged to the subject's object at once. The reply ends after this,
    /// so the caller's next request is measured with these tokens counted.
    pub(crate) async fn settle(&self, tokens: u64) {
        let correction = tokens as i64 - self.reserved.replace(tokens) as i64;
        if correction == 0 {
            return;
        }
        let tells =
            self.subjects.iter().filter(|(_, _, limit)| limit.tokens > 0).filter_map(|(name, stub, _)| {
                let owed = lease::settle(name, correction);
                (owed > 0).then_some(async move {
                    stub.fetch_with_str(&format!("https://limiter/tokens?n={owed}")).await
                })
            });
        for result in join_all(tells).await {
            if let Err(e) = result {
                worker::console_error!("rate limiter: {e}");
            }
        }
    }
}

/// Asks `subject`'s object for a new lease that admits this request, giving back what the
/// leases it holds did not use.
async fn renew<'a>(
    name: &'a str,
    stub: &Stub,
    limit: Limit,
    reserve: u64,
    now: u64,
) -> (&'a str, Limit, std::result::Result<(), RelayError>) {
    // Requests that find the lease spent while another renews it wait for that renewal, on
    // timers of their own (workerd lets no request go on from another's I/O), rather than
    // each leasing a share: at once, a dozen of them would lease the whole minute, and the
    // rest be refused though it was unused (seen: 429s among 500 streams at once).
    let mut now = now;
    while lease::renewing(name, now) {
        Delay::from(Duration::from_millis(1)).await;
        now = worker::Date::now().as_millis();
        if lease::take(name, limit, reserve, now) {
            return (name, limit, Ok(()));
        }
    }
    lease::mark_renewing(name, Some(now));
    let answer = lease_from_object(name, stub, limit, reserve, now).await;
    lease::mark_renewing(name, None);
    (name, limit, answer)
}

/// Asks `subject`'s object for the lease.
async fn lease_from_object(
    name: &str,
    stub: &Stub,
    limit: Limit,
    reserve: u64,
    now: u64,
) -> std::result::Result<(), RelayError> {
    let (requests, tokens) = lease::wanted(limit, reserve);
    // It ends here before the object dates it: `now` was read before the object is asked.
    let until = now + lease::LEASE_MS;
    let mut url = format!(
        "https://limiter/lease?rpm={}&tpm={}&reserve={reserve}&requests={requests}&tokens={tokens}&lease_ms={}",
        limit.requests,
        limit.tokens,
        lease::LEASE_MS
    );
    let back = lease::give_up(name);
    if !back.is_empty() {
        // A lease never owes: settling charges the object what it cannot cover.
        url.push_str(&format!("&back={}", lease::written(&back)));
    }
    async {
        let mut response = stub
            .fetch_with_str(&url)
            .await
            .map_err(|e| RelayError::Internal(format!("rate limiter: {e}")))?;
        let text = response.text().await.unwrap_or_default();
        if response.status_code() == 429 {
            let retry_ms: u64 = text.parse().unwrap_or(1000);
            return Err(RelayError::RateLimited(retry_ms.div_ceil(1000)));
        }
        let mut figures = text.split(' ').map(|n| n.parse::<u64>());
        match (figures.next(), figures.next(), figures.next()) {
            (Some(Ok(requests)), Some(Ok(tokens)), Some(Ok(at))) => {
                lease::granted(name, window::Grant { requests, tokens, at }, reserve, until);
                Ok(())
            }
            _ => Err(RelayError::Internal(format!("rate limiter answered {text:?}"))),
        }
    }
    .await
}
