//! What a reply says of what it was given: the tool results of the last turn, quoted, and
//! the documents sent with citations enabled, cited.

use converse_shared::types::*;

use super::quote;

/// Quotes the tool results of the last user turn, naming each tool from the call it answers.
pub(super) fn tool_results_text(request: &ConverseRequest) -> Option<String> {
    let last = request.messages.last()?;
    let calls: Vec<&ToolUseBlock> = request
        .messages
        .iter()
        .rev()
        .nth(1)
        .into_iter()
        .flat_map(|m| &m.content)
        .filter_map(|b| match b {
            ContentBlock::ToolUse(t) => Some(t),
            _ => None,
        })
        .collect();
    let parts: Vec<String> = last
        .content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::ToolResult(r) => Some(r),
            _ => None,
        })
        .map(|r| {
            let name =
                calls.iter().find(|c| c.tool_use_id == r.tool_use_id).map_or("a tool", |c| c.name.as_str());
            let content: Vec<String> = r.content.iter().map(ToolResultContentBlock::as_readable).collect();
            let verb = if r.status == Some(ToolResultStatus::Error) { "failed with" } else { "returned" };
            format!("{name} {verb} {}", quote(&content.join(" ")))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("The tool results: {}.", parts.join("; ")))
}

pub(super) fn cited_documents(request: &ConverseRequest) -> Vec<ContentBlock> {
    let Some(last) = request.messages.last() else { return Vec::new() };
    last.content
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Document(d) if d.citations.as_ref().is_some_and(|c| c.enabled) => Some(d),
            _ => None,
        })
        .enumerate()
        .map(|(index, doc)| {
            let text = match &doc.source {
                DocumentSource::Text(t) => t.clone(),
                DocumentSource::Bytes(b) => String::from_utf8_lossy(b.as_bytes()).into_owned(),
                DocumentSource::Content(blocks) => blocks
                    .iter()
                    .filter_map(|c| match c {
                        DocumentContentBlock::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            };
            let passage: String = text.chars().take(60).collect();
            ContentBlock::CitationsContent(CitationsContentBlock {
                // A part of the reply's one text, after what came before it.
                content: Some(vec![CitationGeneratedContent::Text(format!(
                    " {} says {}.",
                    doc.name,
                    quote(&passage)
                ))]),
                citations: Some(vec![Citation {
                    title: Some(doc.name.clone()),
                    source: None,
                    source_content: Some(vec![CitationSourceContent::Text(passage.clone())]),
                    location: Some(CitationLocation::DocumentChar(DocumentCharLocation {
                        document_index: Some(index as u32),
                        start: Some(0),
                        end: Some(passage.chars().count() as u32),
                        extra: Extra::new(),
                    })),
                    extra: Extra::new(),
                }]),
                extra: Extra::new(),
            })
        })
        .collect()
}
