//! A request fitted to a model beyond what [`super::prepare`] does on its own: a conversation
//! that holds what the model cannot take (left out, in words), and extended thinking turned on
//! for the models that offer it.

use super::ModelRules;
use crate::types::*;

/// What a model cannot take of a conversation's blocks, left out of a request in a form
/// Bedrock accepts: each image, document, video or audio the model refuses becomes a line of text
/// saying what was there ("[an image (photo.png) was left out: Titan Text takes no images]"),
/// so a conversation that holds one can go on with a model that takes none. Returns how many
/// of each kind were left out (images, documents, videos, audio).
pub fn leave_out_unsupported(messages: &mut [Message], rules: &ModelRules) -> [usize; 4] {
    let mut counts = [0; 4];
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        let (kind, name, at) = match block {
            ContentBlock::Image(_) if !rules.images => ("an image", None, 0),
            ContentBlock::Document(d) if !rules.documents => ("a document", Some(d.name.clone()), 1),
            ContentBlock::Video(_) if !rules.video => ("a video", None, 2),
            ContentBlock::Audio(_) if !rules.audio => ("a recording", None, 3),
            _ => continue,
        };
        counts[at] += 1;
        let named = name.map(|n| format!(" ({n})")).unwrap_or_default();
        let takes = ["images", "documents", "videos", "audio"][at];
        *block = ContentBlock::Text(format!("[{kind}{named} was left out: {}]", rules.takes_no(takes)));
    }
    counts
}

/// The least a thinking budget may be (Anthropic's minimum for `budget_tokens`).
pub const MIN_THINKING_BUDGET: u32 = 1_024;

/// Whether the model offers extended thinking with a budget: Claude models that sign their
/// reasoning (Claude 3.7 Sonnet and the Claude 4 family, per AWS's "Extended thinking" page).
pub fn offers_thinking(rules: &ModelRules) -> bool {
    rules.reasoning && rules.signed_reasoning && !rules.adaptive_thinking
}

/// What [`enable_thinking`] had to change for thinking to be accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThinkingChanges {
    /// `temperature` and `topP` were left out (thinking takes neither).
    pub sampling_dropped: bool,
    /// A forced tool choice was left out (thinking takes only "auto").
    pub tool_choice_dropped: bool,
    /// `maxTokens` was raised above the budget, to this.
    pub max_tokens_raised: Option<u32>,
    /// The budget sent (at least [`MIN_THINKING_BUDGET`], below `maxTokens`).
    pub budget: u32,
}

/// Turns on extended thinking for a model that offers it: `additionalModelRequestFields`
/// gets `"thinking": {"type": "enabled", "budget_tokens": budget}`, and what AWS documents as
/// incompatible goes ("Thinking isn't compatible with temperature, top_p, or top_k
/// modifications as well as forced tool use"; `max_tokens` must be greater than the budget).
/// `None` for a model that does not offer it (nothing changed).
pub fn enable_thinking(
    request: &mut ConverseRequest,
    rules: &ModelRules,
    budget: u32,
) -> Option<ThinkingChanges> {
    if !offers_thinking(rules) {
        return None;
    }
    let ceiling = rules.max_output_tokens.saturating_sub(1).max(MIN_THINKING_BUDGET);
    let budget = budget.clamp(MIN_THINKING_BUDGET, ceiling);
    let mut changes = ThinkingChanges { budget, ..ThinkingChanges::default() };
    let config = request.inference_config.get_or_insert_with(Default::default);
    if config.temperature.take().is_some() | config.top_p.take().is_some() {
        changes.sampling_dropped = true;
    }
    if config.max_tokens.is_none_or(|m| m <= budget) {
        let raised = budget.saturating_add(4_096).min(rules.max_output_tokens.max(budget + 1));
        config.max_tokens = Some(raised);
        changes.max_tokens_raised = Some(raised);
    }
    if let Some(tools) = request.tool_config.as_mut()
        && matches!(tools.tool_choice, Some(ToolChoice::Any(_) | ToolChoice::Tool(_)))
    {
        tools.tool_choice = None;
        changes.tool_choice_dropped = true;
    }
    let thinking = serde_json::json!({ "type": "enabled", "budget_tokens": budget });
    match request.additional_model_request_fields.as_mut().and_then(serde_json::Value::as_object_mut) {
        Some(fields) => {
            fields.insert("thinking".into(), thinking);
        }
        None => request.additional_model_request_fields = Some(serde_json::json!({ "thinking": thinking })),
    }
    Some(changes)
}

/// Counts of [`leave_out_unsupported`] in words: "2 images and 1 document" (`None` for none).
pub fn left_out_words(counts: [usize; 4]) -> Option<String> {
    let what: Vec<String> = counts
        .iter()
        .zip([
            ("image", "images"),
            ("document", "documents"),
            ("video", "videos"),
            ("recording", "recordings"),
        ])
        .filter(|(n, _)| **n > 0)
        .map(|(n, (one, many))| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    (!what.is_empty()).then(|| what.join(" and "))
}
