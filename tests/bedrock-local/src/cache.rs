//! Prompt caching as Bedrock keeps it
//! (<https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html>): a checkpoint
//! (`cachePoint`, in the tools, the system prompt or the messages) writes everything before it
//! to the cache, if that is at least the model's minimum of tokens, for its lifetime (five
//! minutes, or `ttl`); a later request whose prefix matches reads it back, looking back from
//! each checkpoint over the 20 blocks before it (so a checkpoint that moved on with the
//! conversation still finds the last one, as recorded in realcases pyd-34 and pyd-35). Usage
//! says so as Bedrock does: `inputTokens` without what was read or written,
//! `cacheReadInputTokens`, `cacheWriteInputTokens`, and `cacheDetails` by lifetime (pyd-36:
//! `[{"inputTokens": 2074, "ttl": "5m"}]`, the lifetime named though none was asked for).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use converse_shared::types::*;

use crate::catalog::Model;

/// Blocks a checkpoint looks back over for an earlier one.
const LOOKBACK: usize = 20;

/// What the stand-in holds: prefix hashes, each until it expires, and its lifetime (a hit
/// starts it again).
#[derive(Default)]
pub(crate) struct PromptCache {
    entries: Mutex<HashMap<u64, (Instant, Duration)>>,
}

/// The end of one block of the prompt: the hash of everything up to it, its tokens, and the
/// lifetime asked for if a checkpoint stands there.
struct Boundary {
    hash: u64,
    tokens: u32,
    checkpoint: Option<CacheTtl>,
}

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

/// The prompt's block ends in order: tools, system prompt, then each message's blocks. Tokens
/// are the stand-in's (a word of text each, as it bills).
fn boundaries(request: &ConverseRequest) -> Vec<Boundary> {
    let mut out = Vec::new();
    let (mut hash, mut tokens) = (0xcbf2_9ce4_8422_2325_u64, 0u32);
    let mut at = |json: Option<String>, words: u32, checkpoint: Option<&CachePointBlock>| match checkpoint {
        Some(point) => out.push(Boundary {
            hash,
            tokens,
            checkpoint: Some(point.ttl.clone().unwrap_or(CacheTtl::FiveMinutes)),
        }),
        None => {
            hash = fnv(hash, json.unwrap_or_default().as_bytes());
            tokens += words;
            out.push(Boundary { hash, tokens, checkpoint: None });
        }
    };
    let words = |text: &str| text.split_whitespace().count() as u32;
    for tool in request.tool_config.iter().flat_map(|c| &c.tools) {
        match tool {
            Tool::CachePoint(point) => at(None, 0, Some(point)),
            other => at(serde_json::to_string(other).ok(), 0, None),
        }
    }
    for block in request.system.iter().flatten() {
        match block {
            SystemContentBlock::CachePoint(point) => at(None, 0, Some(point)),
            SystemContentBlock::Text(text) => at(Some(text.clone()), words(text), None),
            other => at(serde_json::to_string(other).ok(), 0, None),
        }
    }
    for message in &request.messages {
        at(Some(message.role.to_string()), 0, None);
        for block in &message.content {
            match block {
                ContentBlock::CachePoint(point) => at(None, 0, Some(point)),
                ContentBlock::Text(text) => at(Some(text.clone()), words(text), None),
                other => at(serde_json::to_string(other).ok(), 0, None),
            }
        }
    }
    out
}

fn lifetime(ttl: &CacheTtl) -> Duration {
    Duration::from_secs(if *ttl == CacheTtl::OneHour { 3_600 } else { 300 })
}

impl PromptCache {
    /// Reads and writes the cache for `request` on `model` at `now`, and says so in `usage`
    /// (which counts the whole prompt as `inputTokens` when it comes in). A request without
    /// checkpoints is left as it is; a model without prompt caching caches nothing.
    pub(crate) fn settle(
        &self,
        model: &Model,
        request: &ConverseRequest,
        usage: &mut TokenUsage,
        now: Instant,
    ) {
        let ends = boundaries(request);
        let points: Vec<usize> = (0..ends.len()).filter(|&i| ends[i].checkpoint.is_some()).collect();
        if points.is_empty() {
            return;
        }
        usage.cache_read_input_tokens = Some(0);
        usage.cache_write_input_tokens = Some(0);
        if model.cache_min == 0 {
            return;
        }
        let mut entries = self.entries.lock().expect("not poisoned");
        entries.retain(|_, (until, _)| *until > now);
        // The longest prefix held, found from any checkpoint within its lookback.
        let read = points
            .iter()
            .flat_map(|&p| (p.saturating_sub(LOOKBACK)..=p).filter(|&i| entries.contains_key(&ends[i].hash)))
            .max_by_key(|&i| ends[i].tokens);
        let read_tokens = read.map_or(0, |i| ends[i].tokens);
        if let Some((until, kept)) = read.and_then(|i| entries.get_mut(&ends[i].hash)) {
            *until = now + *kept;
        }
        let mut written = Vec::<(CacheTtl, u32)>::new();
        let mut before = read_tokens;
        for &p in &points {
            let (end, ttl) = (&ends[p], ends[p].checkpoint.clone().expect("a checkpoint"));
            if end.tokens < model.cache_min || end.tokens <= before {
                continue;
            }
            entries.insert(end.hash, (now + lifetime(&ttl), lifetime(&ttl)));
            match written.iter_mut().find(|(t, _)| *t == ttl) {
                Some((_, n)) => *n += end.tokens - before,
                None => written.push((ttl, end.tokens - before)),
            }
            before = end.tokens;
        }
        let write_tokens: u32 = written.iter().map(|(_, n)| n).sum();
        usage.input_tokens = usage.input_tokens.saturating_sub(read_tokens + write_tokens);
        usage.cache_read_input_tokens = Some(read_tokens);
        usage.cache_write_input_tokens = Some(write_tokens);
        // "Sorted by TTL duration (1h before 5m)."
        written.sort_by_key(|(ttl, _)| std::cmp::Reverse(lifetime(ttl)));
        usage.cache_details = (!written.is_empty()).then(|| {
            written
                .into_iter()
                .map(|(ttl, input_tokens)| CacheDetail { ttl, input_tokens, extra: Extra::new() })
                .collect()
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog::resolve;

    fn request(value: serde_json::Value) -> ConverseRequest {
        serde_json::from_value(value).unwrap()
    }

    fn usage(cache: &PromptCache, model: &str, request: &ConverseRequest, now: Instant) -> TokenUsage {
        let total = crate::reply::input_tokens(&request.messages, request.system.as_deref());
        let mut usage = TokenUsage { input_tokens: total, ..Default::default() };
        cache.settle(resolve(model).unwrap(), request, &mut usage, now);
        usage
    }

    const SONNET: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";

    #[test]
    fn a_conversation_writes_then_reads_back_what_it_wrote() {
        let cache = PromptCache::default();
        let system = "word ".repeat(1_100);
        let point = json!({"cachePoint": {"type": "default"}});
        let first = request(json!({"system": [{"text": system}], "messages": [
            {"role": "user", "content": [{"text": "one two three"}, point]}]}));
        let now = Instant::now();
        let u = usage(&cache, SONNET, &first, now);
        assert_eq!(
            (u.input_tokens, u.cache_read_input_tokens, u.cache_write_input_tokens),
            (0, Some(0), Some(1_103))
        );
        assert_eq!(
            serde_json::to_value(&u.cache_details).unwrap(),
            json!([{"ttl": "5m", "inputTokens": 1_103}])
        );

        // The next turn: its checkpoint is further on, and looks back to the one written.
        let second = request(json!({"system": [{"text": system}], "messages": [
            {"role": "user", "content": [{"text": "one two three"}]},
            {"role": "assistant", "content": [{"text": "four five"}]},
            {"role": "user", "content": [{"text": "six"}, point]}]}));
        let u = usage(&cache, SONNET, &second, now + Duration::from_secs(60));
        assert_eq!(
            (u.input_tokens, u.cache_read_input_tokens, u.cache_write_input_tokens),
            (0, Some(1_103), Some(3))
        );

        // Six minutes after its last use, five minutes' entry is gone.
        let u = usage(&cache, SONNET, &second, now + Duration::from_secs(60 + 360));
        assert_eq!(u.cache_read_input_tokens, Some(0));
    }

    #[test]
    fn short_prefixes_and_models_without_caching_cache_nothing() {
        let cache = PromptCache::default();
        let short = request(json!({"messages": [
            {"role": "user", "content": [{"text": "hello there"}, {"cachePoint": {"type": "default"}}]}]}));
        let u = usage(&cache, SONNET, &short, Instant::now());
        assert_eq!((u.input_tokens, u.cache_write_input_tokens, u.cache_details), (2, Some(0), None));
        let long = request(json!({"messages": [{"role": "user", "content": [
            {"text": "word ".repeat(5_000)}, {"cachePoint": {"type": "default"}}]}]}));
        let u = usage(&cache, "anthropic.claude-3-haiku-20240307-v1:0", &long, Instant::now());
        assert_eq!((u.input_tokens, u.cache_write_input_tokens), (5_000, Some(0)));
        let plain = request(json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}));
        assert_eq!(usage(&cache, SONNET, &plain, Instant::now()).cache_read_input_tokens, None);
    }

    #[test]
    fn an_hours_checkpoint_is_kept_an_hour_and_listed_first() {
        let cache = PromptCache::default();
        let sonnet45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let text = |n: usize| json!({"text": "word ".repeat(n)});
        let both = request(json!({
            "system": [text(1_100), {"cachePoint": {"type": "default", "ttl": "1h"}}],
            "messages": [{"role": "user", "content": [text(200), {"cachePoint": {"type": "default"}}]}]}));
        let now = Instant::now();
        let u = usage(&cache, sonnet45, &both, now);
        assert_eq!(
            serde_json::to_value(&u.cache_details).unwrap(),
            json!([{"ttl": "1h", "inputTokens": 1_100}, {"ttl": "5m", "inputTokens": 200}])
        );
        let later = usage(&cache, sonnet45, &both, now + Duration::from_secs(1_800));
        assert_eq!(later.cache_read_input_tokens, Some(1_100));
    }
}
