//! Rate limits per caller (relay key, the page, a widget site) and per client IP: requests and
//! tokens per minute, counted in a Durable Object per subject, so every worker instance sees
//! the same counts, and kept in its storage, so a restart or a deploy forgets nothing. Over a
//! limit → 429 `ThrottlingException` with `Retry-After`.
//!
//! Tokens are charged for what Bedrock bills: an estimate is reserved when a request is
//! admitted, and settled to the reply's real usage when its `metadata` arrives. A client that
//! hangs up before that keeps the reservation charged (Bedrock bills the input, and what was
//! generated, all the same); a request that never reached a model is refunded.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use futures_util::future::join_all;

use worker::{DurableObject, Env, Request, Response, Result, State, Stub, durable_object};

use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::policy::{self, Limit};

const WINDOW_MS: u64 = 60_000;

/// One subject's last minute: when requests came, and the tokens charged (reservations,
/// and the settlements that correct them, which may be negative).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Window {
    requests: VecDeque<u64>,
    tokens: VecDeque<(u64, i64)>,
}

impl Window {
    fn prune(&mut self, now: u64) {
        let start = now.saturating_sub(WINDOW_MS);
        while self.requests.front().is_some_and(|t| *t <= start) {
            self.requests.pop_front();
        }
        while self.tokens.front().is_some_and(|(t, _)| *t <= start) {
            self.tokens.pop_front();
        }
    }

    /// Admits a request at `now` (ms) under `limit`, reserving `reserve` tokens for it, or
    /// says in how many ms to try again.
    pub(crate) fn admit(&mut self, now: u64, limit: Limit, reserve: u64) -> std::result::Result<(), u64> {
        self.prune(now);
        let retry_at = |t: u64| (t + WINDOW_MS).saturating_sub(now).max(1);
        // 0 means no limit, for either figure.
        if limit.requests > 0 && self.requests.len() as u64 >= limit.requests {
            return Err(retry_at(*self.requests.front().unwrap_or(&now)));
        }
        let used = self.tokens.iter().map(|(_, n)| n).sum::<i64>().max(0) as u64;
        if limit.tokens > 0 && used >= limit.tokens {
            return Err(retry_at(self.tokens.front().map_or(now, |(t, _)| *t)));
        }
        self.requests.push_back(now);
        if reserve > 0 {
            self.tokens.push_back((now, reserve as i64));
        }
        Ok(())
    }

    /// Charges `tokens` more (or, negative, fewer) at `now`.
    pub(crate) fn record_tokens(&mut self, now: u64, tokens: i64) {
        self.prune(now);
        if tokens != 0 {
            self.tokens.push_back((now, tokens));
        }
    }
}

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
        let response = match url.path() {
            "/admit" => {
                let limit = Limit { requests: number("rpm"), tokens: number("tpm") };
                match window.admit(now, limit, number("reserve")) {
                    Ok(()) => Response::ok("admitted"),
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

/// The limiter stubs of a request's subjects, with their limits.
#[derive(Debug)]
pub(crate) struct Limiters {
    subjects: Vec<(Stub, Limit)>,
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
            stubs.push((stub, *limit));
        }
        Ok(Self { subjects: stubs, reserved: Cell::new(0) })
    }

    /// Asks every subject's limiter at once, reserving `reserve` tokens with each; refused if
    /// any refuses (the first one asked, in order, names the wait).
    pub(crate) async fn admit(&self, reserve: u64) -> std::result::Result<(), RelayError> {
        self.reserved.set(reserve);
        let asks = self.subjects.iter().map(|(stub, limit)| async move {
            let url = format!(
                "https://limiter/admit?rpm={}&tpm={}&reserve={reserve}",
                limit.requests, limit.tokens
            );
            let mut response = stub
                .fetch_with_str(&url)
                .await
                .map_err(|e| RelayError::Internal(format!("rate limiter: {e}")))?;
            if response.status_code() == 429 {
                let retry_ms: u64 = response.text().await.ok().and_then(|t| t.parse().ok()).unwrap_or(1000);
                return Err(RelayError::RateLimited(retry_ms.div_ceil(1000)));
            }
            Ok(())
        });
        join_all(asks).await.into_iter().collect()
    }

    /// Settles the reservation to the `tokens` the reply really used (0: the request never
    /// reached a model), against every subject at once. The reply ends after this, so the
    /// caller's next request is measured with these tokens counted.
    pub(crate) async fn settle(&self, tokens: u64) {
        let correction = tokens as i64 - self.reserved.replace(tokens) as i64;
        if correction == 0 {
            return;
        }
        let url = format!("https://limiter/tokens?n={correction}");
        let tells = self.subjects.iter().map(|(stub, _)| stub.fetch_with_str(&url));
        for result in join_all(tells).await {
            if let Err(e) = result {
                worker::console_error!("rate limiter: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_per_minute_slide() {
        let mut w = Window::default();
        let limit = Limit { requests: 2, tokens: 1_000 };
        assert!(w.admit(1_000, limit, 0).is_ok());
        assert!(w.admit(2_000, limit, 0).is_ok());
        assert_eq!(w.admit(3_000, limit, 0), Err(58_000));
        assert!(w.admit(61_001, limit, 0).is_ok(), "the first request left the window");
    }

    #[test]
    fn tokens_per_minute_count_what_replies_used() {
        let mut w = Window::default();
        let limit = Limit { requests: 100, tokens: 50 };
        assert!(w.admit(0, limit, 0).is_ok());
        w.record_tokens(500, 60);
        assert_eq!(w.admit(1_000, limit, 0), Err(59_500));
        assert!(w.admit(60_501, limit, 0).is_ok());
    }

    #[test]
    fn a_reservation_counts_until_it_is_settled() {
        let mut w = Window::default();
        let limit = Limit { requests: 100, tokens: 1_000 };
        assert!(w.admit(1_000, limit, 1_200).is_ok(), "under the limit when asked");
        assert!(w.admit(1_010, limit, 1_200).is_err(), "the first reservation fills the minute");
        w.record_tokens(1_020, 300 - 1_200); // the reply used 300
        assert!(w.admit(1_030, limit, 1_200).is_ok());
        // A window survives being written to storage and read back.
        let stored = serde_json::to_vec(&w).unwrap();
        let mut back: Window = serde_json::from_slice(&stored).unwrap();
        assert!(back.admit(1_040, limit, 0).is_err(), "300 + 1,200 charged");
    }

    #[test]
    fn zero_means_no_limit_for_either_figure() {
        let mut w = Window::default();
        let no_tokens = Limit { requests: 2, tokens: 0 };
        w.record_tokens(0, 1_000_000);
        assert!(w.admit(1, no_tokens, 5).is_ok());
        assert!(w.admit(2, no_tokens, 5).is_ok());
        assert!(w.admit(3, no_tokens, 5).is_err(), "the request limit still holds");
        let no_requests = Limit { requests: 0, tokens: 2_000_000 };
        for t in 4..100 {
            assert!(w.admit(t, no_requests, 0).is_ok());
        }
    }
}
