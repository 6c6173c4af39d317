//! Replies as Markdown: safe HTML from `pulldown-cmark`, and where a growing reply can be cut
//! so that finished blocks are rendered once and never again.
//!
//! Safety: raw HTML in a reply is shown as text, never parsed as HTML; links keep only
//! `http`, `https` and `mailto` targets (others, such as `javascript:`, lose the link and keep
//! the text) and open in a new tab without a referrer; images are shown as links, so a reply
//! cannot make the page fetch anything.
//!
//! Streaming: [`Blocks`] scans each new line once and finds cuts (a blank line followed by a
//! line at column 0, outside fenced code; the end of a top-level fence) after which the text
//! before renders the same on its own. The page renders the text up to a cut once, appends it,
//! and re-renders only the unfinished tail, so the cost of a delta does not grow with the reply.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};
use pulldown_cmark_escape::{escape_href, escape_html};

/// The Markdown extensions replies use: tables, strikethrough, task lists.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Whether a link target is safe to follow: `http`, `https`, `mailto`, or no scheme at all
/// (a fragment or relative path on this page's origin).
pub fn safe_href(url: &str) -> bool {
    // Browsers ignore ASCII whitespace and control characters inside a scheme.
    let cleaned: String =
        url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control()).take(16).collect();
    let cleaned = cleaned.to_ascii_lowercase();
    match cleaned.find([':', '/', '?', '#']) {
        Some(at) if cleaned[at..].starts_with(':') => {
            matches!(&cleaned[..at], "http" | "https" | "mailto")
        }
        _ => true,
    }
}

fn link_open(url: &str, title: &str) -> CowStr<'static> {
    let mut out = String::from("<a href=\"");
    let _ = escape_href(&mut out, url);
    out.push('"');
    if !title.is_empty() {
        out.push_str(" title=\"");
        let _ = escape_html(&mut out, title);
        out.push('"');
    }
    out.push_str(" target=\"_blank\" rel=\"noopener noreferrer nofollow\">");
    out.into()
}

fn code_open(kind: &CodeBlockKind<'_>) -> CowStr<'static> {
    let language = match kind {
        CodeBlockKind::Fenced(info) => info.split_whitespace().next(),
        CodeBlockKind::Indented => None,
    };
    let mut out = String::from("<div class=\"code-block\">");
    // The language named over the block, as chat pages do.
    if let Some(language) = language {
        out.push_str("<span class=\"code-lang\">");
        let _ = escape_html(&mut out, language);
        out.push_str("</span>");
    }
    out.push_str(
        "<button type=\"button\" class=\"copy-code\" aria-label=\"Copy code\">Copy</button><pre><code",
    );
    if let Some(language) = language {
        out.push_str(" class=\"language-");
        let _ = escape_html(&mut out, language);
        out.push('"');
    }
    out.push('>');
    out.into()
}

/// Renders Markdown to HTML that is safe to insert into the page.
pub fn render(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2);
    // Whether each open link or image was kept (an unsafe one is dropped, its text kept).
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::HtmlBlock) => Event::Html("<p class=\"raw\">".into()),
        Event::End(TagEnd::HtmlBlock) => Event::Html("</p>".into()),
        Event::Start(Tag::Link { dest_url, title, .. } | Tag::Image { dest_url, title, .. }) => {
            let keep = safe_href(&dest_url);
            links.push(keep);
            Event::Html(if keep { link_open(&dest_url, &title) } else { "".into() })
        }
        Event::End(TagEnd::Link | TagEnd::Image) => {
            Event::Html(if links.pop().unwrap_or(false) { "</a>".into() } else { "".into() })
        }
        Event::Start(Tag::CodeBlock(kind)) => Event::Html(code_open(&kind)),
        Event::End(TagEnd::CodeBlock) => Event::Html("</code></pre></div>\n".into()),
        other => other,
    });
    html::push_html(&mut out, events);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fence {
    marker: u8,
    len: usize,
    /// Opened at column 0 (not inside a list item or quote): its end is a cut.
    top_level: bool,
}

/// A fence line: three or more backticks or tildes after at most three spaces.
fn fence_of(line: &str) -> Option<(u8, usize, usize)> {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let marker = *trimmed.as_bytes().first()?;
    if indent > 3 || !matches!(marker, b'`' | b'~') {
        return None;
    }
    let len = trimmed.bytes().take_while(|&b| b == marker).count();
    (len >= 3).then_some((marker, len, indent))
}

/// Finds the cuts in a growing Markdown text (see the module's docs). Each line is scanned
/// once; the text itself is kept by the caller.
#[derive(Debug, Default, Clone)]
pub struct Blocks {
    /// The text before this has been handed out as final.
    committed: usize,
    /// The start of the first line not yet scanned.
    line_start: usize,
    /// The latest cut found.
    cut: usize,
    fence: Option<Fence>,
    blank_before: bool,
}

impl Blocks {
    /// Scans the lines `text` has gained since the last call; returns the range that became
    /// final, if any. `text` must only ever grow.
    pub fn advance(&mut self, text: &str) -> Option<Range<usize>> {
        while let Some(newline) = text[self.line_start..].find('\n') {
            let start = self.line_start;
            self.line_start += newline + 1;
            self.scan(&text[start..start + newline], start);
        }
        (self.cut > self.committed).then(|| {
            let range = self.committed..self.cut;
            self.committed = self.cut;
            range
        })
    }

    /// Where the unfinished tail begins.
    pub fn committed(&self) -> usize {
        self.committed
    }

    fn scan(&mut self, line: &str, start: usize) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(open) = self.fence {
            if let Some((marker, len, _)) = fence_of(line)
                && marker == open.marker
                && len >= open.len
                && line.trim_start().trim_start_matches(marker as char).trim().is_empty()
            {
                self.fence = None;
                if open.top_level {
                    self.cut = self.line_start;
                }
            }
            self.blank_before = false;
            return;
        }
        if line.trim().is_empty() {
            self.blank_before = true;
            return;
        }
        let at_column_0 = !line.starts_with([' ', '\t']);
        if self.blank_before && at_column_0 {
            self.cut = start;
        }
        self.blank_before = false;
        if let Some((marker, len, indent)) = fence_of(line)
            // A backtick fence's info string may not contain backticks.
            && !(marker == b'`' && line.trim_start().trim_start_matches('`').contains('`'))
        {
            self.fence = Some(Fence { marker, len, top_level: indent == 0 && at_column_0 });
        }
    }
}

/// When to re-render a growing tail as Markdown: always while it is short; once it is long
/// (one huge paragraph or code block), only after it has grown by a quarter since the last
/// render, so the total work stays linear in the reply's length. In between, new text is shown
/// as it came.
pub fn rerender_tail(tail_len: usize, rendered_len: usize) -> bool {
    const SHORT: usize = 4 * 1024;
    tail_len <= SHORT || tail_len - rendered_len >= rendered_len / 4
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text` in pieces of `step` bytes and returns the rendered result the page builds:
    /// every final range rendered once, then the tail.
    fn streamed(text: &str, step: usize) -> (String, usize) {
        let mut blocks = Blocks::default();
        let mut shown = String::new();
        let mut grown = String::new();
        let mut cuts = 0;
        let mut at = 0;
        while at < text.len() {
            let mut end = (at + step).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            grown.push_str(&text[at..end]);
            at = end;
            if let Some(range) = blocks.advance(&grown) {
                shown.push_str(&render(&grown[range]));
                cuts += 1;
            }
        }
        shown.push_str(&render(&grown[blocks.committed()..]));
        (shown, cuts)
    }

    const SAMPLE: &str = "# Title\n\nA paragraph with **bold** and `code`.\nStill the paragraph.\n\n\
        - one\n- two\n  continued\n\n  - nested after a blank\n\n\
        ```rust\nfn main() {\n\n    println!(\"hi\");\n}\n```\n\
        After the fence.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n> more\n\n\
        ~~~\nnot closed by ```\n~~~\n\n1. first\n2. second\n\nLast line without newline";

    #[test]
    fn streaming_renders_what_rendering_the_whole_text_renders() {
        let whole = render(SAMPLE);
        for step in [1, 2, 3, 7, 64, SAMPLE.len()] {
            let (shown, _) = streamed(SAMPLE, step);
            assert_eq!(shown, whole, "in pieces of {step}");
        }
        let (_, cuts) = streamed(SAMPLE, 1);
        assert!(cuts >= 8, "only {cuts} cuts: the tail would grow with the reply");
    }

    #[test]
    fn blank_lines_inside_code_and_list_items_do_not_cut() {
        let mut blocks = Blocks::default();
        let text = "```\na\n\nb\n```\n";
        assert_eq!(blocks.advance("```\na\n\nb\n"), None);
        assert_eq!(blocks.advance(text), Some(0..text.len()));
        let mut blocks = Blocks::default();
        assert_eq!(blocks.advance("- a\n\n  b\n\n"), None);
    }

    #[test]
    fn raw_html_is_text() {
        let html = render("<img src=x onerror=alert(1)>\n\nHi <script>alert(2)</script> <b>x</b>");
        assert!(!html.contains("<img") && !html.contains("<script") && !html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"), "{html}");
    }

    #[test]
    fn only_safe_links_are_links() {
        let html = render(
            "[a](https://example.com/?q=1&r=\"2\") [b](javascript:alert(1)) [c](JaVaScRiPt:x) \
             [d](data:text/html,x) [e](#part) [f](mailto:a@b.c) ![g](https://example.com/i.png)",
        );
        assert!(
            html.contains(
                "<a href=\"https://example.com/?q=1&amp;r=%222%22\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">a</a>"
            ),
            "{html}"
        );
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("</a> b c d <a"), "unsafe links keep their text: {html}");
        assert!(html.contains("href=\"#part\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
        assert!(!html.contains("<img"), "images are links: {html}");
        assert!(html.contains(">g</a>"), "{html}");
    }

    #[test]
    fn unsafe_schemes_are_recognised() {
        for bad in ["javascript:x", " javascript:x", "java\nscript:x", "JAVASCRIPT:x", "vbscript:x", "data:x"]
        {
            assert!(!safe_href(bad), "{bad:?}");
        }
        for good in ["https://a", "http://a", "mailto:x@y", "/path", "#frag", "rel/a:b", "?q=a:b"] {
            assert!(safe_href(good), "{good:?}");
        }
    }

    #[test]
    fn code_blocks_get_a_copy_button_and_their_language() {
        let html = render("```py\nprint('<hi>')\n```\n");
        assert!(html.starts_with(
            "<div class=\"code-block\"><span class=\"code-lang\">py</span><button type=\"button\" class=\"copy-code\""
        ));
        // A language is text, never markup.
        assert!(render("```<b>x\ncode\n```\n").contains("<span class=\"code-lang\">&lt;b&gt;x</span>"));
        assert!(render("    indented\n").starts_with("<div class=\"code-block\"><button"));
        assert!(
            html.contains("<code class=\"language-py\">print('&lt;hi&gt;')\n</code></pre></div>\n"),
            "{html}"
        );
    }

    #[test]
    fn a_long_tail_is_rerendered_geometrically() {
        // One 1 MB paragraph streamed a byte at a time: re-renders stay logarithmic in number
        // past the short threshold, so their total size stays linear.
        let (mut rendered, mut work, mut renders) = (0usize, 0usize, 0usize);
        for len in 1..=1_000_000 {
            if rerender_tail(len, rendered) {
                rendered = len;
                work += len;
                renders += 1;
            }
        }
        assert!(work < 4 * 1024 * 4 * 1024 + 6 * 1_000_000, "work {work}");
        assert!(renders < 4 * 1024 + 60, "renders {renders}");
    }
}
