//! A reply's Markdown in the DOM, kept current while it streams.
//!
//! The page calls [`LiveMarkdown::update`] at most once per animation frame, however many
//! deltas arrived: blocks that became final are rendered once and inserted before the tail;
//! only the tail (the unfinished block) is rendered again (see [`crate::markdown`]).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::{Element, Text};

use crate::markdown::{Blocks, render, rerender_tail};

// The highlighter (dist/highlight.js, highlight.js bundled by esbuild) is imported the first
// time a finished reply holds a code block with a language: a first visit downloads none of it.
#[wasm_bindgen(inline_js = "let loading;
export function highlight(root) {
  loading ??= import(new URL('/highlight.js', location.href).href);
  loading.then((m) => m.highlight(root), (e) => console.warn('syntax highlighting is unavailable', e));
}")]
extern "C" {
    /// Highlights the code blocks under `root`, loading the highlighter the first time.
    fn highlight(root: &Element);
}

/// The rendered Markdown of one reply.
#[derive(Debug)]
pub struct LiveMarkdown {
    tail: Element,
    blocks: Blocks,
    /// Bytes of the tail last rendered as Markdown.
    rendered: usize,
    /// Bytes of the tail on screen (rendered, then shown as it came).
    shown: usize,
    /// Where text shown as it came goes until the next render.
    raw: Option<Text>,
}

impl LiveMarkdown {
    /// Takes over `root` and shows `text` in it.
    pub fn new(root: &Element, text: &str) -> Option<Self> {
        root.set_inner_html("");
        let tail = root.owner_document()?.create_element("div").ok()?;
        tail.set_class_name("tail");
        root.append_child(&tail).ok()?;
        let mut this = Self { tail, blocks: Blocks::default(), rendered: 0, shown: 0, raw: None };
        this.update(text);
        Some(this)
    }

    /// Starts over with `text` (which may be shorter than what is shown).
    pub fn reset(&mut self, text: &str) {
        self.blocks = Blocks::default();
        if let Some(root) = self.tail.parent_element() {
            root.set_inner_html("");
            let _ = root.append_child(&self.tail);
        }
        self.render_tail("");
        self.update(text);
    }

    /// Shows `text`, which has grown since the last call.
    pub fn update(&mut self, text: &str) {
        let mut cut = false;
        if let Some(range) = self.blocks.advance(text) {
            let _ = self.tail.insert_adjacent_html("beforebegin", &render(&text[range]));
            cut = true;
        }
        let tail = &text[self.blocks.committed()..];
        if cut || rerender_tail(tail.len(), self.rendered) {
            self.render_tail(tail);
        } else if tail.len() > self.shown {
            self.show_raw(&tail[self.shown..]);
        }
    }

    /// Shows the finished text: everything rendered as Markdown, its code highlighted.
    pub fn finish(&mut self, text: &str) {
        self.update(text);
        let tail = &text[self.blocks.committed()..];
        if self.rendered != tail.len() {
            self.render_tail(tail);
        }
        // Once, when the reply is whole: nothing is added per streamed token.
        if let Some(root) = self.tail.parent_element()
            && root.query_selector(".code-block code[class]").ok().flatten().is_some()
        {
            highlight(&root);
        }
    }

    /// Shows `html` (made by the page, every part escaped) as the finished reply, in place of
    /// its Markdown: a reply that is all JSON, as a tree ([`crate::json_view`]).
    pub fn finish_as_html(&mut self, html: &str) {
        self.reset("");
        self.tail.set_inner_html(html);
    }

    fn render_tail(&mut self, tail: &str) {
        // Without the final newline, the text on screen only ever grows at its end.
        self.tail.set_inner_html(render(tail).trim_end());
        self.rendered = tail.len();
        self.shown = tail.len();
        self.raw = None;
    }

    /// Appends text as it came to the innermost last element of the tail (the paragraph or
    /// code block being written), until the next render formats it.
    fn show_raw(&mut self, new: &str) {
        self.shown += new.len();
        if let Some(raw) = &self.raw {
            let _ = raw.append_data(new);
            return;
        }
        let mut host = self.tail.clone();
        while let Some(last) = host.last_element_child() {
            host = last;
        }
        if let Some(document) = host.owner_document() {
            let node = document.create_text_node(new);
            if host.append_child(&node).is_ok() {
                self.raw = Some(node);
            }
        }
    }
}

/// Copies the code block or message a copy button belongs to, and says so on the button.
pub fn copy_from(button: &Element, text: String) {
    let Some(window) = web_sys::window() else { return };
    let promise = window.navigator().clipboard().write_text(&text);
    let button = button.clone();
    leptos::task::spawn_local(async move {
        let label = match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => "Copied",
            Err(_) => "Copy failed",
        };
        let previous = button.text_content();
        button.set_text_content(Some(label));
        let restore = wasm_bindgen::closure::Closure::once_into_js(move || {
            button.set_text_content(previous.as_deref());
        });
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(restore.unchecked_ref(), 1500);
    });
}

/// The code of a code block's copy button, if `target` is one.
pub fn code_of_copy_button(target: &Element) -> Option<String> {
    if !target.class_list().contains("copy-code") {
        return None;
    }
    target.closest(".code-block").ok()??.query_selector("code").ok()??.text_content()
}

/// Plain text in the DOM that grows as it streams (a reply's reasoning): each update appends
/// only what arrived since the last, so the work per frame does not grow with the text.
#[derive(Debug)]
pub struct LiveText {
    node: Text,
    shown: usize,
}

impl LiveText {
    /// Takes over `root` and shows `text` in it.
    pub fn new(root: &Element, text: &str) -> Option<Self> {
        root.set_text_content(None);
        let node = root.owner_document()?.create_text_node(text);
        root.append_child(&node).ok()?;
        Some(Self { node, shown: text.len() })
    }

    /// Shows `text`, of which what is shown is the start.
    pub fn update(&mut self, text: &str) {
        if let Some(new) = text.get(self.shown..).filter(|new| !new.is_empty()) {
            let _ = self.node.append_data(new);
            self.shown = text.len();
        }
    }
}
