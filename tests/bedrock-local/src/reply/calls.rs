//! Tool calls in a reply: the ones a trigger asks for, with inputs from their schemas.

use converse_shared::types::*;
use serde_json::{Value, json};

/// A stable id from the request's content, so replies are deterministic.
pub(super) fn stable_id(seed: &str, n: usize) -> String {
    let hash =
        seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("tooluse_{hash:016x}{n}")
}

/// The tools the model may call at the end of the conversation: those `toolConfig` declares,
/// less those a system message withdrew (`toolRemoval`) and did not give back after
/// (`toolAddition`).
fn offered(request: &ConverseRequest) -> Vec<&ToolSpecification> {
    let mut withdrawn: Vec<&str> = Vec::new();
    for block in request.messages.iter().filter(|m| m.role == Role::System).flat_map(|m| &m.content) {
        match block {
            ContentBlock::ToolRemoval(ToolRemovalBlock { tool, .. }) => {
                withdrawn.extend(tool.name.as_deref());
            }
            ContentBlock::ToolAddition(ToolAdditionBlock { tool, .. }) => {
                withdrawn.retain(|name| Some(*name) != tool.name.as_deref());
            }
            _ => {}
        }
    }
    request
        .tool_config
        .iter()
        .flat_map(|c| &c.tools)
        .filter_map(|t| match t {
            Tool::ToolSpec(spec) if !withdrawn.contains(&spec.name.as_str()) => Some(spec),
            _ => None,
        })
        .collect()
}

/// `[stand-in:call NAME {json}]` markers: calls with the given input, to tools the request
/// offers; `[stand-in:call! NAME {json}]`: a call of NAME whether it is offered or not.
pub(super) fn requested_calls(request: &ConverseRequest, text: &str, seed: &str) -> Vec<ContentBlock> {
    let declared: Vec<&str> = offered(request).into_iter().map(|spec| spec.name.as_str()).collect();
    text.split("[stand-in:call")
        .skip(1)
        .filter_map(|rest| {
            // `call!` calls the tool even if the request does not offer it, as models do.
            let (anyway, rest) = match rest.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            let (name, json) = rest.strip_prefix(' ')?.split_once(' ')?;
            let input = serde_json::Deserializer::from_str(json).into_iter::<Value>().next()?.ok()?;
            (anyway || declared.contains(&name)).then(|| (name.to_owned(), input))
        })
        .enumerate()
        .map(|(n, (name, input))| {
            ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: stable_id(seed, n),
                name,
                input,
                r#type: None,
                extra: Extra::new(),
            })
        })
        .collect()
}

pub(super) fn tool_uses(request: &ConverseRequest, seed: &str, count: usize) -> Vec<ContentBlock> {
    let specs = offered(request);
    let chosen = request.tool_config.as_ref().and_then(|c| match &c.tool_choice {
        Some(ToolChoice::Tool(t)) => specs.iter().position(|s| s.name == t.name),
        _ => None,
    });
    let picks: Vec<&ToolSpecification> = match chosen {
        Some(i) => vec![specs[i]; count],
        None => specs.iter().copied().cycle().take(if specs.is_empty() { 0 } else { count }).collect(),
    };
    picks
        .into_iter()
        .enumerate()
        .map(|(n, spec)| {
            let schema = match &spec.input_schema {
                ToolInputSchema::Json(schema) => schema.clone(),
                _ => json!({}),
            };
            ContentBlock::ToolUse(ToolUseBlock {
                tool_use_id: stable_id(seed, n),
                name: spec.name.clone(),
                input: crate::structured::sample(&schema),
                r#type: None,
                extra: Extra::new(),
            })
        })
        .collect()
}
