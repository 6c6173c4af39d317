//! Citations (`citationsContent` blocks): the sources a reply cites, numbered once each, and
//! the reply's text with each cited passage marked by its sources' numbers, for the page to
//! show under and in the reply. Bedrock returns them for documents sent with
//! `citations.enabled` (<https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CitationsConfig.html>).

use crate::types::{
    Citation, CitationLocation, CitationSourceContent, CitationsConfig, ContentBlock, Message,
    ToolResultContentBlock,
};

/// One cited source, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Its title (a document's name), or where it is.
    pub title: String,
    /// The passages cited, joined.
    pub passage: String,
    /// Where in it, in words: "characters 0–60", "page 3", "pages 2–4", "chunk 1".
    pub place: String,
    /// A web source's address.
    pub url: Option<String>,
}

fn range(one: &str, many: &str, start: Option<u32>, end: Option<u32>) -> String {
    // Characters end after the range; pages and chunks end on its last one.
    let last = end.map(|e| if one == "character" { e.saturating_sub(1) } else { e });
    match (start, last) {
        (Some(s), Some(l)) if l > s => format!("{many} {s}–{}", end.unwrap_or(l)),
        (Some(s), _) => format!("{one} {s}"),
        _ => String::new(),
    }
}

fn source_of(citation: &Citation) -> Source {
    let passage = citation
        .source_content
        .iter()
        .flatten()
        .filter_map(|c| match c {
            CitationSourceContent::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" … ");
    let (place, url) = match &citation.location {
        Some(CitationLocation::DocumentChar(l)) => (range("character", "characters", l.start, l.end), None),
        Some(CitationLocation::DocumentPage(l)) => (range("page", "pages", l.start, l.end), None),
        Some(CitationLocation::DocumentChunk(l)) => (range("chunk", "chunks", l.start, l.end), None),
        Some(CitationLocation::SearchResultLocation(l)) => (
            l.search_result_index.map(|i| format!("search result {}", i + 1)).unwrap_or_default(),
            citation.source.as_deref().and_then(crate::search::web_url),
        ),
        Some(CitationLocation::Web(w)) => (w.domain.clone().unwrap_or_default(), w.url.clone()),
        _ => (String::new(), None),
    };
    let title = citation.title.clone().or_else(|| citation.source.clone()).unwrap_or_else(|| place.clone());
    Source { title, passage, place, url }
}

/// Whether `content` cites anything.
pub fn cites(content: &[ContentBlock]) -> bool {
    content.iter().any(|b| matches!(b, ContentBlock::CitationsContent(c) if c.citations.as_ref().is_some_and(|c| !c.is_empty())))
}

/// The sources `content` cites, each once, in the order first cited; and for each
/// `citationsContent` block, its text and the numbers (from 1) of the sources it cites.
pub fn cited(content: &[ContentBlock]) -> (Vec<Source>, Vec<(String, Vec<usize>)>) {
    let mut sources: Vec<Source> = Vec::new();
    let mut passages = Vec::new();
    for block in content {
        let ContentBlock::CitationsContent(c) = block else { continue };
        let text = c.text();
        let mut numbers = Vec::new();
        for citation in c.citations.iter().flatten() {
            let source = source_of(citation);
            let n = match sources.iter().position(|s| *s == source) {
                Some(i) => i + 1,
                None => {
                    sources.push(source);
                    sources.len()
                }
            };
            if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        passages.push((text, numbers));
    }
    (sources, passages)
}

/// Markdown's punctuation in `text` escaped, so a title or passage shows as written.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~&".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The reply as Markdown: its text with each cited passage followed by its sources' numbers
/// (`[1]`, `[1][2]`), then the sources, numbered: title (a link for a web page), where in
/// it, and the passage cited. `None` when it cites nothing.
pub fn marked_text(content: &[ContentBlock]) -> Option<String> {
    let (sources, passages) = cited(content);
    if sources.is_empty() {
        return None;
    }
    let mut passages = passages.into_iter();
    let mut out: String = content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::Text(t) => Some(t.clone()),
            ContentBlock::CitationsContent(_) => passages.next().map(|(text, numbers)| {
                let marks: String = numbers.iter().map(|n| format!("\\[{n}\\]")).collect();
                format!("{text} {marks}")
            }),
            _ => None,
        })
        .collect();
    out.push_str("\n\n**Sources**\n");
    for (i, source) in sources.iter().enumerate() {
        let title = match &source.url {
            Some(url) => format!("[{}](<{}>)", escaped(&source.title), url.replace(['<', '>', ' '], "")),
            None => escaped(&source.title),
        };
        out.push_str(&format!("\n{}. {title}", i + 1));
        if !source.place.is_empty() {
            out.push_str(&format!(", {}", source.place));
        }
        for line in source.passage.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!("\n   > {}", escaped(line)));
        }
    }
    Some(out)
}

/// Asks for citations from every document and search result of `messages` (in a tool's
/// answer too) that says nothing of them: for a model that gives citations
/// ([`crate::models::ModelRules::citations`]).
pub fn ask(messages: &mut [Message]) {
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        match block {
            ContentBlock::Document(d) => ask_of(&mut d.citations),
            ContentBlock::SearchResult(r) => ask_of(&mut r.citations),
            ContentBlock::ToolResult(result) => {
                for part in &mut result.content {
                    if let ToolResultContentBlock::SearchResult(r) = part {
                        ask_of(&mut r.citations);
                    }
                }
            }
            _ => {}
        }
    }
}

fn ask_of(citations: &mut Option<CitationsConfig>) {
    if citations.is_none() {
        *citations = Some(CitationsConfig { enabled: true, extra: Default::default() });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn blocks(value: serde_json::Value) -> Vec<ContentBlock> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn sources_are_numbered_once_and_passages_marked() {
        let content = blocks(json!([
            {"text": "In short: "},
            {"citationsContent": {"content": [{"text": "Ship on Friday."}], "citations": [
                {"title": "notes.txt", "sourceContent": [{"text": "Ship on Friday"}],
                 "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 14}}}]}},
            {"citationsContent": {"content": [{"text": " Tests first."}], "citations": [
                {"title": "plan.pdf", "sourceContent": [{"text": "test"}], "location": {"documentPage": {"documentIndex": 1, "start": 2, "end": 4}}},
                {"title": "notes.txt", "sourceContent": [{"text": "Ship on Friday"}],
                 "location": {"documentChar": {"documentIndex": 0, "start": 0, "end": 14}}}]}},
        ]));
        let (sources, _) = cited(&content);
        assert_eq!(sources.len(), 2);
        assert_eq!(
            sources[0],
            Source {
                title: "notes.txt".into(),
                passage: "Ship on Friday".into(),
                place: "characters 0–14".into(),
                url: None
            }
        );
        assert_eq!(sources[1].place, "pages 2–4");
        let expected = "In short: Ship on Friday. \\[1\\] Tests first. \\[2\\]\\[1\\]\n\n**Sources**\n\
                        \n1. notes\\.txt, characters 0–14\n   > Ship on Friday\
                        \n2. plan\\.pdf, pages 2–4\n   > test";
        assert_eq!(marked_text(&content).unwrap(), expected);
        assert_eq!(marked_text(&blocks(json!([{"text": "no sources"}]))), None);
    }

    #[test]
    fn a_web_source_keeps_its_address() {
        let content = blocks(json!([{"citationsContent": {"content": [{"text": "x"}], "citations": [
            {"source": "Example", "location": {"web": {"url": "https://example.com/a", "domain": "example.com"}}}]}}]));
        let (sources, _) = cited(&content);
        assert_eq!(sources[0].title, "Example");
        assert_eq!(sources[0].url.as_deref(), Some("https://example.com/a"));
        assert_eq!(sources[0].place, "example.com");
        assert!(
            marked_text(&content).unwrap().ends_with("\n1. [Example](<https://example.com/a>), example.com")
        );
    }

    #[test]
    fn a_cited_search_result_links_to_its_source_only_if_it_is_a_web_address() {
        let cite = |source: &str| {
            blocks(json!([{"citationsContent": {"content": [{"text": "x"}], "citations": [
                {"title": "Returns policy", "source": source, "sourceContent": [{"text": "Refunds within 30 days."}],
                 "location": {"searchResultLocation": {"searchResultIndex": 1, "start": 0, "end": 1}}}]}}]))
        };
        let (web, _) = cited(&cite("https://shop.test/returns"));
        assert_eq!(web[0].title, "Returns policy");
        assert_eq!(web[0].url.as_deref(), Some("https://shop.test/returns"));
        assert_eq!(web[0].place, "search result 2");
        let (other, _) = cited(&cite("javascript:alert(1)"));
        assert_eq!(other[0].url, None);
    }

    #[test]
    fn citations_are_asked_of_documents_and_search_results_that_say_nothing() {
        let mut messages: Vec<Message> = serde_json::from_value(json!([
            {"role": "user", "content": [
                {"document": {"name": "a", "format": "txt", "source": {"text": "a"}}},
                {"document": {"name": "b", "format": "txt", "source": {"text": "b"}, "citations": {"enabled": false}}}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t", "name": "search", "input": {}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t", "content": [
                {"searchResult": {"source": "kb://1", "title": "A", "content": [{"text": "a"}]}}]}}]}
        ]))
        .unwrap();
        ask(&mut messages);
        let value = serde_json::to_value(&messages).unwrap();
        assert_eq!(value[0]["content"][0]["document"]["citations"], json!({"enabled": true}));
        assert_eq!(
            value[0]["content"][1]["document"]["citations"],
            json!({"enabled": false}),
            "the person's choice stays"
        );
        assert_eq!(
            value[2]["content"][0]["toolResult"]["content"][0]["searchResult"]["citations"],
            json!({"enabled": true})
        );
    }
}
