//! Search results (`searchResult` blocks): retrieved passages with their source, which a
//! model that takes them cites by source (`searchResultLocation` citations). A tool returns
//! them; the page lists them under the tool's call, and sends them as text to a model that
//! does not take them.
//!
//! AWS: "This field is only supported by Anthropic Claude Opus 4.1, Opus 4, Sonnet 4.5,
//! Sonnet 4, Sonnet 3.7, and 3.5 Haiku models" (`SearchResultBlock`,
//! <https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_SearchResultBlock.html>):
//! the models that cite documents ([`crate::models::ModelRules::citations`]), Anthropic's
//! later ones too (<https://platform.claude.com/docs/en/build-with-claude/search-results>).

use crate::types::{ContentBlock, Message, SearchResultBlock, ToolResultContentBlock};

/// A search result as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its title.
    pub title: String,
    /// Where it was found, as the tool named it.
    pub source: String,
    /// The source as a link, where it is a web address.
    pub url: Option<String>,
}

/// `source` as a link, if it is an `http` or `https` address (never `javascript:` and the
/// like: a tool's answer is not trusted).
pub fn web_url(source: &str) -> Option<String> {
    let source = source.trim();
    let lower = source.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    (web && !source.chars().any(char::is_whitespace)).then(|| source.to_owned())
}

/// The search results among a tool's answer, in order.
pub fn found(blocks: &[ToolResultContentBlock]) -> Vec<Found> {
    blocks
        .iter()
        .filter_map(|b| match b {
            ToolResultContentBlock::SearchResult(r) => {
                Some(Found { title: r.title.clone(), source: r.source.clone(), url: web_url(&r.source) })
            }
            _ => None,
        })
        .collect()
}

/// A search result as text, for a model that does not take them: its title and source (once,
/// where they are the same), then its passages.
pub fn as_text(result: &SearchResultBlock) -> String {
    let passages: Vec<&str> = result.content.iter().map(|c| c.text.as_str()).collect();
    let named = if result.title == result.source {
        result.source.clone()
    } else {
        format!("{} ({})", result.title, result.source)
    };
    format!("{named}:\n{}", passages.join("\n"))
}

/// Every search result of `messages` (in tool results and in the turns themselves) as text,
/// for a model that does not take them. Returns how many were rewritten.
pub fn to_text(messages: &mut [Message]) -> usize {
    let mut rewritten = 0;
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        match block {
            ContentBlock::SearchResult(r) => {
                *block = ContentBlock::Text(as_text(r));
                rewritten += 1;
            }
            ContentBlock::ToolResult(result) => {
                for part in &mut result.content {
                    if let ToolResultContentBlock::SearchResult(r) = part {
                        *part = ToolResultContentBlock::Text(as_text(r));
                        rewritten += 1;
                    }
                }
            }
            _ => {}
        }
    }
    rewritten
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn result(source: &str) -> ToolResultContentBlock {
        serde_json::from_value(json!({"searchResult": {
            "source": source, "title": "Returns policy",
            "content": [{"text": "Refunds within 30 days."}, {"text": "Keep the receipt."}]
        }}))
        .unwrap()
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(web_url("https://example.com/returns"), Some("https://example.com/returns".into()));
        assert_eq!(web_url(" HTTP://example.com "), Some("HTTP://example.com".into()));
        for not_a_link in
            ["javascript:alert(1)", "note://returns", "kb://doc/7", "https://a b", "example.com"]
        {
            assert_eq!(web_url(not_a_link), None, "{not_a_link}");
        }
    }

    #[test]
    fn a_tools_search_results_are_listed_in_order() {
        let blocks = vec![
            ToolResultContentBlock::Text("2 found".into()),
            result("https://x.test/r"),
            result("kb://7"),
        ];
        let listed = found(&blocks);
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].url.as_deref(), Some("https://x.test/r"));
        assert_eq!((listed[1].source.as_str(), listed[1].url.as_deref()), ("kb://7", None));
    }

    #[test]
    fn search_results_become_text_where_the_model_takes_none() {
        let mut messages: Vec<Message> = serde_json::from_value(json!([
            {"role": "user", "content": [{"searchResult": {"source": "kb://1", "title": "A", "content": [{"text": "a"}]}}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t", "name": "search", "input": {}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t", "content": [
                {"text": "found"},
                {"searchResult": {"source": "https://x.test", "title": "B", "content": [{"text": "b1"}, {"text": "b2"}]}}
            ]}}]}
        ]))
        .unwrap();
        assert_eq!(to_text(&mut messages), 2);
        assert_eq!(messages[0].content[0], ContentBlock::Text("A (kb://1):\na".into()));
        let untitled: SearchResultBlock = serde_json::from_value(json!({
            "source": "note://launch", "title": "note://launch", "content": [{"text": "ship"}]
        }))
        .unwrap();
        assert_eq!(as_text(&untitled), "note://launch:\nship");
        let ContentBlock::ToolResult(r) = &messages[2].content[0] else { panic!() };
        assert_eq!(r.content[1], ToolResultContentBlock::Text("B (https://x.test):\nb1\nb2".into()));
        assert_eq!(to_text(&mut messages), 0, "nothing is left to rewrite");
    }
}
