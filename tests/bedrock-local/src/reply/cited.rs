//! What a reply says of what it was given: the tool results of the last turn, quoted, and
//! the documents and search results sent with citations enabled, cited.

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
            let location = CitationLocation::DocumentChar(DocumentCharLocation {
                document_index: Some(index as u32),
                start: Some(0),
                end: Some(passage.chars().count() as u32),
                extra: Extra::new(),
            });
            citing(&doc.name, None, passage, location)
        })
        .collect()
}

/// Every search result of the request, in order (its place in this list is the
/// `searchResultIndex` a citation gives), with whether it is in the last turn.
fn search_results(request: &ConverseRequest) -> Vec<(&SearchResultBlock, bool)> {
    let last = request.messages.len().saturating_sub(1);
    let mut found = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        for block in &message.content {
            match block {
                ContentBlock::SearchResult(r) => found.push((r, i == last)),
                ContentBlock::ToolResult(result) => {
                    for part in &result.content {
                        if let ToolResultContentBlock::SearchResult(r) = part {
                            found.push((r, i == last));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Cites each search result of the last turn that has citations enabled, by its title and
/// source, at its first content block (`searchResultLocation`, whose `start` and `end` count
/// the result's content blocks).
pub(super) fn cited_search_results(request: &ConverseRequest) -> Vec<ContentBlock> {
    search_results(request)
        .into_iter()
        .enumerate()
        .filter(|(_, (r, last))| *last && r.citations.as_ref().is_some_and(|c| c.enabled))
        .map(|(index, (r, _))| {
            let passage: String =
                r.content.first().map(|c| c.text.chars().take(60).collect()).unwrap_or_default();
            let location = CitationLocation::SearchResultLocation(SearchResultLocation {
                search_result_index: Some(index as u32),
                start: Some(0),
                end: Some(1),
                extra: Extra::new(),
            });
            citing(&r.title, Some(&r.source), passage, location)
        })
        .collect()
}

/// A part of the reply's one text, after what came before it, that cites `passage` of the
/// source titled `title` at `location`.
fn citing(title: &str, source: Option<&str>, passage: String, location: CitationLocation) -> ContentBlock {
    ContentBlock::CitationsContent(CitationsContentBlock {
        content: Some(vec![CitationGeneratedContent::Text(format!(" {title} says {}.", quote(&passage)))]),
        citations: Some(vec![Citation {
            title: Some(title.to_owned()),
            source: source.map(str::to_owned),
            source_content: Some(vec![CitationSourceContent::Text(passage)]),
            location: Some(location),
            extra: Extra::new(),
        }]),
        extra: Extra::new(),
    })
}
