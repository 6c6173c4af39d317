//! Leases: a share of a subject's minute that this isolate admits requests from on its own,
//! so that most requests are admitted and settled without a call to the subject's Durable
//! Object (four calls a request before, a third of a short stream's CPU, and on the first
//! byte's path).
//!
//! The object charges a lease in full when it grants it, dated by its own clock to the
//! lease's end (the isolate, which began counting before it asked, ends it sooner), so the
//! limit holds exactly across isolates, whatever their clocks: what any isolate may admit
//! was counted before it was admitted, and for a minute after. A lease is a twelfth of the
//! limit (five seconds of the minute spent evenly) and lasts five seconds; a request that
//! does not fit the leases renews them, giving back what they did not use. What an isolate never gives back (it was stopped, or
//! no request came to renew) stays charged until the minute passes: the error is always on
//! the side of counting too much, never too little.

use std::cell::RefCell;
use std::collections::HashMap;

use super::window::Grant;
use crate::policy::Limit;

/// How long a lease admits requests, in ms.
pub(crate) const LEASE_MS: u64 = 5_000;

/// A share of the limit to ask for: a twelfth of each figure, at least this one request
/// and its reservation.
pub(crate) fn wanted(limit: Limit, reserve: u64) -> (u64, u64) {
    ((limit.requests / 12).max(1), (limit.tokens / 12).max(reserve))
}

/// What is left of a lease.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lease {
    /// Requests it may still admit.
    pub(crate) requests: u64,
    /// Tokens it may still reserve: what was granted, less the reservations, plus what
    /// settlements gave back.
    pub(crate) tokens: i64,
    /// When it ends (ms, this isolate's clock).
    pub(crate) until: u64,
    /// When the object charged it as of (ms, the object's clock): what it did not use is
    /// given back there.
    pub(crate) at: u64,
}

thread_local! {
    /// This isolate's leases, by subject. Requests that find a subject's leases spent at the
    /// same moment each ask for one, and every one granted is kept (a lease that replaced
    /// another would leave it charged, unused, for a minute); a request that must ask again
    /// gives back all of them. They do not wait for one another's renewal instead: workerd
    /// does not let a request go on from another request's I/O (tried: a lock shared by
    /// requests failed those woken by another's renewal with HTTP 500).
    static LEASES: RefCell<HashMap<String, Vec<Lease>>> = RefCell::new(HashMap::new());
    /// The subjects whose lease is being renewed, and since when (ms).
    static RENEWING: RefCell<HashMap<String, u64>> = RefCell::new(HashMap::new());
}

/// How long a request waits, at most, for a renewal another request began, before it asks
/// for a lease of its own.
pub(crate) const WAIT_MS: u64 = 50;

/// Whether another request is renewing `subject`'s lease (begun within [`WAIT_MS`]).
pub(crate) fn renewing(subject: &str, now: u64) -> bool {
    RENEWING.with_borrow(|r| r.get(subject).is_some_and(|since| now < since + WAIT_MS))
}

/// Marks `subject`'s renewal begun (`Some(now)`) or over (`None`).
pub(crate) fn mark_renewing(subject: &str, since: Option<u64>) {
    RENEWING.with_borrow_mut(|r| match since {
        Some(now) => r.insert(subject.to_owned(), now),
        None => r.remove(subject),
    });
}

/// Admits a request from one of `subject`'s leases that is still running and holds the
/// request and its reservation (the figures the limit does not count are not asked).
pub(crate) fn take(subject: &str, limit: Limit, reserve: u64, now: u64) -> bool {
    LEASES.with_borrow_mut(|leases| {
        let room = |lease: &&mut Lease| {
            now < lease.until
                && (limit.requests == 0 || lease.requests >= 1)
                && (limit.tokens == 0 || lease.tokens >= reserve as i64)
        };
        let Some(lease) = leases.get_mut(subject).and_then(|l| l.iter_mut().find(room)) else {
            return false;
        };
        if limit.requests > 0 {
            lease.requests -= 1;
        }
        if limit.tokens > 0 {
            lease.tokens -= reserve as i64;
        }
        true
    })
}

/// Puts back a request admitted from a lease, which another subject refused.
pub(crate) fn put_back(subject: &str, limit: Limit, reserve: u64) {
    LEASES.with_borrow_mut(|leases| {
        if let Some(lease) = leases.get_mut(subject).and_then(|l| l.last_mut()) {
            if limit.requests > 0 {
                lease.requests += 1;
            }
            if limit.tokens > 0 {
                lease.tokens += reserve as i64;
            }
        }
    })
}

/// Takes `subject`'s leases out, to be given back as a new one is asked for.
pub(crate) fn give_up(subject: &str) -> Vec<Lease> {
    LEASES.with_borrow_mut(|leases| leases.remove(subject).unwrap_or_default())
}

/// Keeps what the object granted until `until`, less the request it was asked for.
pub(crate) fn granted(subject: &str, grant: Grant, reserve: u64, until: u64) {
    let lease = Lease {
        requests: grant.requests.saturating_sub(1),
        tokens: grant.tokens as i64 - reserve as i64,
        until,
        at: grant.at,
    };
    LEASES.with_borrow_mut(|leases| leases.entry(subject.to_owned()).or_default().push(lease));
}

/// Settles a request's reservation by `correction` tokens (what it used, less what was
/// reserved) against `subject`'s newest lease. Returns the tokens the lease cannot cover (a
/// reply that used more than was reserved for it), which the object must be charged now.
pub(crate) fn settle(subject: &str, correction: i64) -> u64 {
    LEASES.with_borrow_mut(|leases| match leases.get_mut(subject).and_then(|l| l.last_mut()) {
        Some(lease) => {
            lease.tokens -= correction;
            let owed = (-lease.tokens).max(0);
            lease.tokens += owed;
            owed as u64
        }
        None => correction.max(0) as u64,
    })
}

/// Leases given back, as the object reads them: `at:requests:tokens`, comma-separated.
pub(crate) fn written(leases: &[Lease]) -> String {
    let each: Vec<String> =
        leases.iter().map(|l| format!("{}:{}:{}", l.at, l.requests, l.tokens.max(0))).collect();
    each.join(",")
}

/// Leases given back, from [`written`]'s form: `(at, requests, tokens)` each.
pub(crate) fn read(text: &str) -> Vec<(u64, u64, u64)> {
    text.split(',')
        .filter_map(|one| {
            let mut figures = one.split(':').map(|n| n.parse::<u64>().ok());
            Some((figures.next()??, figures.next()??, figures.next()??))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Limit = Limit { requests: 120, tokens: 12_000 };

    #[test]
    fn a_lease_admits_until_it_is_spent_or_over() {
        let subject = "key:spent";
        assert!(!take(subject, LIMIT, 100, 0), "no lease yet");
        assert_eq!(wanted(LIMIT, 100), (10, 1_000));
        granted(subject, Grant { requests: 3, tokens: 1_000, at: 9_000 }, 100, LEASE_MS);
        assert!(take(subject, LIMIT, 100, 1));
        assert!(take(subject, LIMIT, 100, 2));
        assert!(!take(subject, LIMIT, 100, 3), "its three requests are used");
        put_back(subject, LIMIT, 100);
        assert!(!take(subject, LIMIT, 100, LEASE_MS), "it has ended");
        assert_eq!(give_up(subject), vec![Lease { requests: 1, tokens: 800, until: LEASE_MS, at: 9_000 }]);
        assert_eq!(give_up(subject), vec![]);
    }

    #[test]
    fn a_reservation_larger_than_what_is_left_asks_for_a_new_lease() {
        let subject = "key:tokens";
        granted(subject, Grant { requests: 10, tokens: 1_000, at: 9_000 }, 600, LEASE_MS);
        assert!(!take(subject, LIMIT, 600, 1), "400 left");
        assert!(take(subject, LIMIT, 400, 1));
        // A figure without a limit is not counted.
        assert!(take(subject, Limit { requests: 120, tokens: 0 }, 5_000, 1));
    }

    #[test]
    fn settling_gives_back_to_the_lease_and_says_what_it_cannot_cover() {
        let subject = "key:settle";
        granted(subject, Grant { requests: 10, tokens: 1_000, at: 9_000 }, 1_000, LEASE_MS);
        assert_eq!(settle(subject, -900), 0, "the reply used 100 of 1,000");
        assert!(take(subject, LIMIT, 900, 1), "what it gave back admits the next");
        assert_eq!(settle(subject, 250), 250, "a reply that used 250 more than reserved");
        assert_eq!(give_up(subject)[0].tokens, 0);
        assert_eq!(settle("key:none", 70), 70, "without a lease, the object is charged");
        assert_eq!(settle("key:none", -70), 0);
    }

    #[test]
    fn leases_granted_at_once_are_all_kept_and_all_given_back() {
        let subject = "key:burst";
        // Two requests found no lease at the same moment; each was granted one.
        granted(subject, Grant { requests: 2, tokens: 1_000, at: 9_000 }, 100, LEASE_MS);
        granted(subject, Grant { requests: 2, tokens: 1_000, at: 9_007 }, 100, LEASE_MS + 7);
        assert!(take(subject, LIMIT, 100, 1));
        assert!(take(subject, LIMIT, 100, 1), "the second lease's request");
        assert!(!take(subject, LIMIT, 100, 1));
        let back = give_up(subject);
        assert_eq!(written(&back), "9000:0:800,9007:0:800");
        assert_eq!(read(&written(&back)), vec![(9_000, 0, 800), (9_007, 0, 800)]);
        assert_eq!(read("5000:1:2,junk,7:x:1"), vec![(5_000, 1, 2)], "what is not a lease is left out");
    }
}
