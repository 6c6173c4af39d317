//! Prompt caching (<https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html>):
//! where a chat puts its checkpoints, and Bedrock's limit on them.
//!
//! A checkpoint caches everything before it (tools, system prompt, messages). The page puts
//! one at the end of each of the last two user turns: the newest writes the conversation so
//! far for the next request, the one before reads what the previous request wrote. (Claude
//! also looks back from a checkpoint for an earlier one it wrote, as recorded in realcases
//! pyd-34 and pyd-35; two checkpoints do not rely on that.) A prefix shorter than the model's
//! minimum is simply not cached.

use crate::types::*;

/// At most this many checkpoints in one request ("Maximum number of cache checkpoints per
/// request: 4").
pub const MAX_CHECKPOINTS: usize = 4;

/// Marks the last two user turns of `messages` as checkpoints kept for `ttl` (`None`: the
/// standard five minutes, no `ttl` sent, as a model without the extended lifetime expects).
pub fn place(messages: &mut [Message], ttl: Option<CacheTtl>) {
    for message in messages.iter_mut().rev().filter(|m| m.role == Role::User).take(2) {
        message.content.push(ContentBlock::CachePoint(CachePointBlock {
            r#type: CachePointType::Default,
            ttl: ttl.clone(),
            extra: Extra::new(),
        }));
    }
}

/// The checkpoints of a request: in its tools, its system prompt and its messages.
pub fn checkpoints(request: &ConverseRequest) -> usize {
    let tools = request.tool_config.iter().flat_map(|c| &c.tools);
    let system = request.system.iter().flatten();
    tools.filter(|t| matches!(t, Tool::CachePoint(_))).count()
        + system.filter(|b| matches!(b, SystemContentBlock::CachePoint(_))).count()
        + request
            .messages
            .iter()
            .flat_map(|m| &m.content)
            .filter(|b| matches!(b, ContentBlock::CachePoint(_)))
            .count()
}

/// What `ttl` ("5m", "1h") means for [`place`] on a model whose lifetimes are
/// `prompt_cache`: `Some(None)` for the standard five minutes (also for a lifetime the model
/// lacks, when it caches at all), `Some(Some(1h))` for an hour, `None` for a model without
/// prompt caching.
pub fn lifetime(ttl: &str, prompt_cache: &str) -> Option<Option<CacheTtl>> {
    let mut taken = prompt_cache.split_whitespace().peekable();
    taken.peek()?;
    Some((ttl != "5m" && taken.any(|t| t == ttl)).then(|| CacheTtl::from(ttl)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: Role, text: &str) -> Message {
        Message { role, content: vec![ContentBlock::Text(text.into())], extra: Extra::new() }
    }

    #[test]
    fn the_last_two_user_turns_become_checkpoints() {
        let mut messages = vec![
            turn(Role::User, "a"),
            turn(Role::Assistant, "b"),
            turn(Role::User, "c"),
            turn(Role::Assistant, "d"),
            turn(Role::User, "e"),
        ];
        place(&mut messages, Some(CacheTtl::OneHour));
        let marked: Vec<bool> =
            messages.iter().map(|m| matches!(m.content.last(), Some(ContentBlock::CachePoint(_)))).collect();
        assert_eq!(marked, [false, false, true, false, true]);
        let json = serde_json::to_value(&messages[4]).unwrap();
        assert_eq!(json["content"][1], serde_json::json!({"cachePoint": {"type": "default", "ttl": "1h"}}));
        let request = ConverseRequest { messages, ..Default::default() };
        assert_eq!(checkpoints(&request), 2);
    }

    #[test]
    fn five_minutes_sends_no_ttl_and_a_lifetime_the_model_lacks_is_none() {
        assert_eq!(lifetime("5m", "5m"), Some(None));
        assert_eq!(lifetime("1h", "5m 1h"), Some(Some(CacheTtl::OneHour)));
        assert_eq!(lifetime("1h", "5m"), Some(None));
        assert_eq!(lifetime("5m", ""), None);
        let mut messages = vec![turn(Role::User, "a")];
        place(&mut messages, None);
        assert_eq!(
            serde_json::to_value(&messages[0]).unwrap()["content"][1],
            serde_json::json!({"cachePoint": {"type": "default"}})
        );
    }
}
