//! Tools switched off in a conversation that called them, for the models that take tool
//! changes within the conversation ([`crate::models::ModelRules::system_messages`]).
//!
//! Such a model is sent the tools as they were declared when it called them, and a system
//! message withdraws each one that is off (`toolRemoval`) after the turn that last used it:
//! its calls and results stay what they were, and the request up to that point is the one
//! sent while the tool was on, so a prompt cache of it still holds. Anthropic's "Mid-
//! conversation system messages and tool changes": "The tools array sits even earlier in the
//! hashed request prefix than the top-level system field, so editing it invalidates the prompt
//! cache for the entire conversation." For the other models, [`super::tool_history_as_text`].

use std::collections::BTreeMap;

use crate::types::*;

/// Declares again, in `config`, the tools of `known` (the page's tools, in the order it
/// offers them) that `messages` called and `config` no longer offers, and withdraws each by a
/// `toolRemoval` in a system message after the turn that last used it. Returns the names
/// withdrawn, or `None` when a called tool is not in `known` (it cannot be declared again: its
/// calls must go as text).
pub fn withdraw_switched_off(
    messages: &mut Vec<Message>,
    config: &mut Option<ToolConfiguration>,
    known: &[ToolSpecification],
) -> Option<Vec<String>> {
    let offered = |config: &Option<ToolConfiguration>, name: &str| {
        config.iter().flat_map(|c| &c.tools).any(|t| matches!(t, Tool::ToolSpec(s) if s.name == name))
    };
    // Where each tool was last used: its call, or the result that answered it.
    let mut names_by_id = std::collections::HashMap::new();
    let mut last_use: BTreeMap<String, usize> = BTreeMap::new();
    for (i, message) in messages.iter().enumerate() {
        let in_place = super::answered_in_place(message);
        for block in &message.content {
            match block {
                ContentBlock::ToolUse(call) if !in_place.contains(&call.tool_use_id.as_str()) => {
                    names_by_id.insert(call.tool_use_id.clone(), call.name.clone());
                    last_use.insert(call.name.clone(), i);
                }
                ContentBlock::ToolResult(result) => {
                    if let Some(name) = names_by_id.get(&result.tool_use_id) {
                        last_use.insert(name.clone(), i);
                    }
                }
                _ => {}
            }
        }
    }
    last_use.retain(|name, _| !offered(config, name));
    if last_use.keys().any(|name| !known.iter().any(|s| &s.name == name)) {
        return None;
    }
    if last_use.is_empty() {
        return Some(Vec::new());
    }
    // The tools as the page offers them, the withdrawn ones in their places.
    let mut tools: Vec<Tool> = known
        .iter()
        .filter(|s| last_use.contains_key(&s.name) || offered(config, &s.name))
        .map(|s| Tool::ToolSpec(s.clone()))
        .collect();
    let (tool_choice, extra) = match config.take() {
        Some(old) => {
            let kept = old.tools.into_iter().filter(|t| match t {
                Tool::ToolSpec(s) => !known.iter().any(|k| k.name == s.name),
                _ => true,
            });
            tools.extend(kept);
            (old.tool_choice, old.extra)
        }
        None => (None, Extra::new()),
    };
    *config = Some(ToolConfiguration { tools, tool_choice, extra });
    // Each removal goes before the next turn the person began (not a tool result), or last.
    let mut points: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for spec in known {
        let Some(&last) = last_use.get(&spec.name) else { continue };
        let point = (last + 1..messages.len())
            .find(|&j| {
                let m = &messages[j];
                m.role == Role::User && !m.content.iter().any(|b| matches!(b, ContentBlock::ToolResult(_)))
            })
            .unwrap_or(messages.len());
        points.entry(point).or_default().push(spec.name.clone());
    }
    let mut withdrawn = Vec::new();
    for (point, names) in points.into_iter().rev() {
        let content = names
            .iter()
            .map(|name| {
                ContentBlock::ToolRemoval(ToolRemovalBlock {
                    tool: ToolReference {
                        r#type: None,
                        name: Some(name.clone()),
                        server_name: None,
                        extra: Extra::new(),
                    },
                    extra: Extra::new(),
                })
            })
            .collect();
        messages.insert(point, Message { role: Role::System, content, extra: Extra::new() });
        withdrawn.extend(names);
    }
    withdrawn.sort_by_key(|name| known.iter().position(|s| &s.name == name));
    Some(withdrawn)
}
