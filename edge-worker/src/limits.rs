//! Rate limits per caller (relay key or page origin) and per client IP: requests and tokens
//! per minute, counted in a Durable Object per subject, so every worker instance sees the
//! same counts. Over a limit → 429 `ThrottlingException` with `Retry-After`.

use std::cell::RefCell;
use std::collections::VecDeque;

use futures_util::future::join_all;

use worker::{DurableObject, Env, Request, Response, Result, State, Stub, durable_object};

use crate::errors::RelayError;

const WINDOW_MS: u64 = 60_000;

/// A limit: requests and tokens per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    pub(crate) requests: u64,
    pub(crate) tokens: u64,
}

/// One subject's last minute: when requests came, and how many tokens replies used.
#[derive(Debug, Default)]
pub(crate) struct Window {
    requests: VecDeque<u64>,
    tokens: VecDeque<(u64, u64)>,
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

    /// Admits a request at `now` (ms) under `limit`, or says in how many ms to try again.
    pub(crate) fn admit(&mut self, now: u64, limit: Limit) -> std::result::Result<(), u64> {
        self.prune(now);
        let retry_at = |t: u64| (t + WINDOW_MS).saturating_sub(now).max(1);
        if self.requests.len() as u64 >= limit.requests {
            return Err(retry_at(*self.requests.front().unwrap_or(&now)));
        }
        let used: u64 = self.tokens.iter().map(|(_, n)| n).sum();
        if used >= limit.tokens {
            return Err(retry_at(self.tokens.front().map_or(now, |(t, _)| *t)));
        }
        self.requests.push_back(now);
        Ok(())
    }

    /// Counts `tokens` used by a reply that ended at `now`.
    pub(crate) fn record_tokens(&mut self, now: u64, tokens: u64) {
        self.prune(now);
        self.tokens.push_back((now, tokens));
    }
}

/// The Durable Object holding one subject's [`Window`].
#[durable_object(fetch)]
#[derive(Debug)]
pub struct RateLimiter {
    window: RefCell<Window>,
}

impl DurableObject for RateLimiter {
    fn new(_state: State, _env: Env) -> Self {
        Self { window: RefCell::new(Window::default()) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        let param = |name: &str| {
            url.query_pairs().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<u64>().ok()).unwrap_or(0)
        };
        let now = worker::Date::now().as_millis();
        match url.path() {
            "/admit" => {
                let limit = Limit { requests: param("rpm"), tokens: param("tpm") };
                match self.window.borrow_mut().admit(now, limit) {
                    Ok(()) => Response::ok("admitted"),
                    Err(retry_ms) => Ok(Response::ok(retry_ms.to_string())?.with_status(429)),
                }
            }
            "/tokens" => {
                self.window.borrow_mut().record_tokens(now, param("n"));
                Response::ok("recorded")
            }
            _ => Response::error("not found", 404),
        }
    }
}

/// The limiter stubs of a request's subjects, with their limits.
#[derive(Debug)]
pub(crate) struct Limiters {
    subjects: Vec<(Stub, Limit)>,
}

impl Limiters {
    /// The stubs for `subjects` (name and limit each) from the `RATE_LIMITER` binding. A limit
    /// of 0 requests means "no limit" (say, where Cloudflare's own rate limiting rules apply).
    pub(crate) fn new(env: &Env, subjects: &[(String, Limit)]) -> std::result::Result<Self, RelayError> {
        let internal = |e: worker::Error| RelayError::Misconfigured(format!("RATE_LIMITER binding: {e}"));
        let namespace = env.durable_object("RATE_LIMITER").map_err(internal)?;
        let mut stubs = Vec::new();
        for (name, limit) in subjects.iter().filter(|(_, l)| l.requests > 0) {
            let stub = namespace.id_from_name(name).and_then(|id| id.get_stub()).map_err(internal)?;
            stubs.push((stub, *limit));
        }
        Ok(Self { subjects: stubs })
    }

    /// Asks every subject's limiter at once; refused if any refuses (the first one asked, in
    /// order, names the wait).
    pub(crate) async fn admit(&self) -> std::result::Result<(), RelayError> {
        let asks = self.subjects.iter().map(|(stub, limit)| async move {
            let url = format!("https://limiter/admit?rpm={}&tpm={}", limit.requests, limit.tokens);
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

    /// Counts the tokens a reply used against every subject, all at once. The reply ends
    /// after this, so the caller's next request is measured with these tokens counted.
    pub(crate) async fn record(&self, tokens: u64) {
        let url = format!("https://limiter/tokens?n={tokens}");
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
        assert!(w.admit(1_000, limit).is_ok());
        assert!(w.admit(2_000, limit).is_ok());
        assert_eq!(w.admit(3_000, limit), Err(58_000));
        assert!(w.admit(61_001, limit).is_ok(), "the first request left the window");
    }

    #[test]
    fn tokens_per_minute_count_what_replies_used() {
        let mut w = Window::default();
        let limit = Limit { requests: 100, tokens: 50 };
        assert!(w.admit(0, limit).is_ok());
        w.record_tokens(500, 60);
        assert_eq!(w.admit(1_000, limit), Err(59_500));
        assert!(w.admit(60_501, limit).is_ok());
    }
}
