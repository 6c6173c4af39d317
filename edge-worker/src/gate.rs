//! Identity before work: every model call (Converse, ConverseStream, CountTokens) comes in
//! here. Its body is read only up to its cap, its caller identified, and the request admitted
//! by the rate limiters of every subject it answers to (the caller, its IP, a widget's site),
//! so that a request the policy then refuses is counted too. Nothing is parsed before that.

use worker::{Env, Request};

use crate::auth;
use crate::config::RelayConfig;
use crate::errors::RelayError;
use crate::intake;
use crate::limits::Limiters;
use crate::log::RequestLog;
use crate::policy::Site;
use crate::visitor::Visitor;
use crate::widget;

/// Which limits a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Inference: the caller's requests and tokens.
    Inference,
    /// Token counts (`CountTokens`, which Bedrock does not bill): as many requests a minute
    /// as inference, counted apart from it, so that a page counting as its user types never
    /// takes the requests its replies need.
    Counting,
}

/// A request past the gate: its body (unparsed), its widget visitor and site if it is one,
/// and the limiters that admitted it (to be told the tokens it used).
pub(crate) struct Entered<'c> {
    pub(crate) body: Vec<u8>,
    pub(crate) widget: Option<(Visitor, &'c Site)>,
    pub(crate) limiters: Limiters,
}

/// Reads, identifies and admits `req`, reserving `reserve(body length)` tokens.
pub(crate) async fn enter<'c>(
    req: &mut Request,
    env: &Env,
    config: &'c RelayConfig,
    lane: Lane,
    log: &mut RequestLog,
    reserve: impl FnOnce(usize) -> u64,
) -> Result<Entered<'c>, RelayError> {
    let widget = widget::visitor_of(req, config)?;
    let body = intake::read_capped(req, config.policy.max_body_bytes).await?;
    let caller = auth::authorize(req, config, &body, widget.as_ref().map(|(v, _)| v)).await?;
    log.caller = Some(caller.label());
    let ip = auth::client_ip(req);
    let mut subjects = auth::limit_subjects(&caller, &ip, config);
    if let Some((visitor, site)) = &widget {
        // A site's visitors share its limit, which adds to the caller's own (a key's) and
        // each visitor's IP's: it never replaces them.
        subjects.push((format!("site:{}", visitor.site), site.limit(config.caller_limit)));
    }
    if lane == Lane::Counting {
        for (name, limit) in &mut subjects {
            name.insert_str(0, "count:");
            limit.tokens = 0;
        }
    }
    let limiters = Limiters::new(env, &subjects)?;
    limiters.admit(reserve(body.len())).await?;
    Ok(Entered { body, widget, limiters })
}
