//! One subject's last minute, second by second: the requests and tokens charged in each
//! second. Its size is bounded whatever the traffic (61 seconds, and the few ahead that
//! leases are dated to), so the work of every admission stays the same however busy the
//! subject is; before, it kept every request's time, and each admission stored them all.
//!
//! A charge counts for at least a minute: a second's charges leave the window once 61
//! seconds have begun since it, so a request may be counted up to a second longer than a
//! minute, never shorter.

use serde::{Deserialize, Serialize};

use crate::policy::Limit;

/// A second, as the window counts them.
fn second(ms: u64) -> u64 {
    ms / 1000
}

/// The seconds a charge stays in the window after its own.
const KEPT_SECONDS: u64 = 60;

/// What a lease asks of the window: one request's admission under `limit`, with `reserve`
/// tokens for it, and as many more requests and tokens as it wants to admit on its own until
/// `until` (ms, the object's clock: the lease is charged as of then, so everything it admits
/// is counted for a minute after it is admitted).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ask {
    pub(crate) limit: Limit,
    pub(crate) reserve: u64,
    pub(crate) requests: u64,
    pub(crate) tokens: u64,
    pub(crate) until: u64,
}

/// What a lease was given: requests and tokens, this request's among them, charged as of
/// `at` (ms, the object's clock), where what it does not use is given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) requests: u64,
    pub(crate) tokens: u64,
    pub(crate) at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Window {
    /// `(second, requests, tokens)`, oldest first. Tokens are reservations, and the
    /// settlements that correct them (which may be negative).
    #[serde(default)]
    seconds: Vec<(u64, u64, i64)>,
    /// The shape stored before: each request's time, and each charge's. Read from storage
    /// once, folded into `seconds`, and not written again.
    #[serde(default, skip_serializing)]
    requests: Vec<u64>,
    #[serde(default, skip_serializing)]
    tokens: Vec<(u64, i64)>,
}

impl Window {
    fn prune(&mut self, now: u64) {
        for t in std::mem::take(&mut self.requests) {
            self.charge(t, 1, 0);
        }
        for (t, n) in std::mem::take(&mut self.tokens) {
            self.charge(t, 0, n);
        }
        let oldest = second(now).saturating_sub(KEPT_SECONDS);
        self.seconds.retain(|(s, _, _)| *s >= oldest);
    }

    fn charge(&mut self, at: u64, requests: u64, tokens: i64) {
        let s = second(at);
        match self.seconds.binary_search_by_key(&s, |(k, _, _)| *k) {
            Ok(i) => {
                self.seconds[i].1 += requests;
                self.seconds[i].2 += tokens;
            }
            Err(i) => self.seconds.insert(i, (s, requests, tokens)),
        }
    }

    /// In how many ms the oldest second leaves the window.
    fn retry_after(&self, now: u64) -> u64 {
        let oldest = self.seconds.first().map_or(second(now), |(s, _, _)| *s);
        ((oldest + KEPT_SECONDS + 1) * 1000).saturating_sub(now).max(1)
    }

    /// Admits a request at `now` (ms) and grants its lease, or says in how many ms to try
    /// again. Refused while the minute's requests or tokens are at their limit (0: no limit on
    /// that figure). The lease gets what it asks, up to what the minute has left; the
    /// request's reservation is always charged in full, as for a request admitted alone.
    pub(crate) fn lease(&mut self, now: u64, ask: Ask) -> Result<Grant, u64> {
        self.prune(now);
        let requests: u64 = self.seconds.iter().map(|(_, r, _)| r).sum();
        let tokens = self.seconds.iter().map(|(_, _, t)| t).sum::<i64>().max(0) as u64;
        let Limit { requests: rpm, tokens: tpm } = ask.limit;
        if (rpm > 0 && requests >= rpm) || (tpm > 0 && tokens >= tpm) {
            return Err(self.retry_after(now));
        }
        let granted = Grant {
            requests: if rpm > 0 { ask.requests.min(rpm - requests).max(1) } else { ask.requests.max(1) },
            tokens: if tpm > 0 { ask.tokens.min(tpm - tokens).max(ask.reserve) } else { ask.reserve },
            at: ask.until.max(now),
        };
        self.charge(
            granted.at,
            if rpm > 0 { granted.requests } else { 0 },
            if tpm > 0 { granted.tokens as i64 } else { 0 },
        );
        Ok(granted)
    }

    /// Takes back what a lease dated `at` did not use, at `now`: at most what that second
    /// still holds (never below nothing, so a minute is never undercounted); nothing once it
    /// has left the window.
    pub(crate) fn give_back(&mut self, now: u64, at: u64, requests: u64, tokens: u64) {
        self.prune(now);
        if let Ok(i) = self.seconds.binary_search_by_key(&second(at), |(k, _, _)| *k) {
            let (_, r, t) = &mut self.seconds[i];
            *r = r.saturating_sub(requests);
            *t -= (tokens as i64).min((*t).max(0));
        }
    }

    /// Charges `tokens` more (or, negative, fewer) at `now`.
    pub(crate) fn record_tokens(&mut self, now: u64, tokens: i64) {
        self.prune(now);
        if tokens != 0 {
            self.charge(now, 0, tokens);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One request alone, as an old relay asks (`/admit`): no lease beyond it.
    fn admit(w: &mut Window, now: u64, limit: Limit, reserve: u64) -> Result<(), u64> {
        w.lease(now, Ask { limit, reserve, requests: 1, tokens: reserve, until: now }).map(|_| ())
    }

    #[test]
    fn requests_per_minute_slide_by_the_second() {
        let mut w = Window::default();
        let limit = Limit { requests: 2, tokens: 1_000 };
        assert!(admit(&mut w, 1_000, limit, 0).is_ok());
        assert!(admit(&mut w, 2_000, limit, 0).is_ok());
        // The first request's second (1) leaves once second 62 begins.
        assert_eq!(admit(&mut w, 3_000, limit, 0), Err(59_000));
        assert!(admit(&mut w, 61_999, limit, 0).is_err(), "counted for at least a minute");
        assert!(admit(&mut w, 62_000, limit, 0).is_ok(), "the first request left the window");
    }

    #[test]
    fn tokens_per_minute_count_what_replies_used() {
        let mut w = Window::default();
        let limit = Limit { requests: 100, tokens: 50 };
        assert!(admit(&mut w, 0, limit, 0).is_ok());
        w.record_tokens(500, 60);
        assert_eq!(admit(&mut w, 1_000, limit, 0), Err(60_000));
        assert!(admit(&mut w, 61_000, limit, 0).is_ok());
    }

    #[test]
    fn a_reservation_counts_until_it_is_settled() {
        let mut w = Window::default();
        let limit = Limit { requests: 100, tokens: 1_000 };
        assert!(admit(&mut w, 1_000, limit, 1_200).is_ok(), "under the limit when asked");
        assert!(admit(&mut w, 1_010, limit, 1_200).is_err(), "the first reservation fills the minute");
        w.record_tokens(1_020, 300 - 1_200); // the reply used 300
        assert!(admit(&mut w, 1_030, limit, 1_200).is_ok());
        // A window survives being written to storage and read back.
        let stored = serde_json::to_vec(&w).unwrap();
        let mut back: Window = serde_json::from_slice(&stored).unwrap();
        assert!(admit(&mut back, 1_040, limit, 0).is_err(), "300 + 1,200 charged");
    }

    #[test]
    fn zero_means_no_limit_for_either_figure() {
        let mut w = Window::default();
        let no_tokens = Limit { requests: 2, tokens: 0 };
        w.record_tokens(0, 1_000_000);
        assert!(admit(&mut w, 1, no_tokens, 5).is_ok());
        assert!(admit(&mut w, 2, no_tokens, 5).is_ok());
        assert!(admit(&mut w, 3, no_tokens, 5).is_err(), "the request limit still holds");
        let no_requests = Limit { requests: 0, tokens: 2_000_000 };
        for t in 4..100 {
            assert!(admit(&mut w, t, no_requests, 0).is_ok());
        }
    }

    #[test]
    fn a_lease_gets_what_the_minute_has_left_and_is_counted_as_of_its_end() {
        let mut w = Window::default();
        let limit = Limit { requests: 10, tokens: 1_000 };
        let ask = |reserve, requests, tokens| Ask { limit, reserve, requests, tokens, until: 5_000 };
        assert_eq!(w.lease(0, ask(100, 4, 300)), Ok(Grant { requests: 4, tokens: 300, at: 5_000 }));
        assert_eq!(
            w.lease(0, ask(100, 8, 900)),
            Ok(Grant { requests: 6, tokens: 700, at: 5_000 }),
            "what is left"
        );
        assert!(w.lease(0, ask(1, 1, 1)).is_err(), "the minute is leased out");
        // Dated to its end (second 5), a lease is counted until second 66 begins.
        assert!(w.lease(65_999, ask(1, 1, 1)).is_err());
        assert!(w.lease(66_000, ask(1, 1, 1)).is_ok());
    }

    #[test]
    fn what_a_lease_did_not_use_comes_back_but_never_below_nothing() {
        let mut w = Window::default();
        let limit = Limit { requests: 10, tokens: 1_000 };
        let ask = Ask { limit, reserve: 100, requests: 10, tokens: 1_000, until: 5_000 };
        assert_eq!(w.lease(0, ask), Ok(Grant { requests: 10, tokens: 1_000, at: 5_000 }));
        w.give_back(1_000, 5_000, 7, 600);
        // 3 requests and 400 tokens are used: 7 and 600 are left.
        assert_eq!(w.lease(1_000, ask), Ok(Grant { requests: 7, tokens: 600, at: 5_000 }));
        // Giving back more than a second holds leaves it at nothing, not below.
        let mut w = Window::default();
        w.lease(0, Ask { until: 0, ..ask }).unwrap();
        w.give_back(0, 0, 50, 5_000);
        assert_eq!(w.seconds, vec![(0, 0, 0)]);
        // A lease's second that has left the window takes nothing back.
        w.give_back(120_000, 0, 1, 1);
        assert!(w.seconds.is_empty());
    }

    #[test]
    fn a_window_stored_in_the_old_shape_is_read_and_folded_in() {
        let old = br#"{"requests":[1000,2000],"tokens":[[1000,700],[1500,-200]]}"#;
        let mut w: Window = serde_json::from_slice(old).unwrap();
        let limit = Limit { requests: 3, tokens: 1_000 };
        assert_eq!(admit(&mut w, 3_000, limit, 0), Ok(()));
        assert_eq!(admit(&mut w, 3_000, limit, 0), Err(59_000), "two requests before, one now");
        let stored = String::from_utf8(serde_json::to_vec(&w).unwrap()).unwrap();
        assert_eq!(stored, r#"{"seconds":[[1,1,500],[2,1,0],[3,1,0]]}"#);
    }
}
