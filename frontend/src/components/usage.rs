//! A reply's usage line: its tokens (and what the prompt cache read and wrote), the service
//! tier that answered, and its times.

use leptos::prelude::*;

use crate::state::message::ChatMessage;

/// A reply's tokens and times: "12 in · 30 out tokens · first token 120 ms · 1.4 s".
pub(crate) fn line(message: &ChatMessage) -> String {
    let mut parts = Vec::new();
    if let Some(u) = message.usage.get() {
        parts.push(format!("{} in · {} out tokens", u.input_tokens, u.output_tokens));
        // Read: tokens not processed again. Written: kept for the next message, by lifetime.
        let read =
            u.cache_read_input_tokens.filter(|n| *n > 0).map(|n| format!("{n} read (not processed again)"));
        let written = u.cache_write_input_tokens.filter(|n| *n > 0).map(|n| {
            let life = |ttl: &converse_shared::CacheTtl| if ttl.as_str() == "1h" { "1 h" } else { "5 min" };
            let kept: Vec<(String, u32)> =
                u.cache_details.iter().flatten().map(|d| (life(&d.ttl).to_owned(), d.input_tokens)).collect();
            match &kept[..] {
                [] => format!("{n} written"),
                [(life, _)] => format!("{n} written (kept {life})"),
                many => {
                    let each: Vec<String> = many.iter().map(|(life, n)| format!("{life}: {n}")).collect();
                    format!("{n} written ({})", each.join(", "))
                }
            }
        });
        let cache: Vec<String> = read.into_iter().chain(written).collect();
        if !cache.is_empty() {
            parts.push(format!("cache: {}", cache.join(", ")));
        }
    }
    if let Some(tier) = message.service_tier.get() {
        parts.push(format!("{tier} tier"));
    }
    if let Some(t) = message.timing.get() {
        if let Some(first) = t.first_token_ms {
            parts.push(format!("first token {first:.0} ms"));
        }
        parts.push(if t.total_ms >= 1000.0 {
            format!("{:.1} s", t.total_ms / 1000.0)
        } else {
            format!("{:.0} ms", t.total_ms)
        });
    }
    parts.join(" · ")
}
