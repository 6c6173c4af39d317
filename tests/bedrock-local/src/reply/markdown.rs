//! Canned reply texts: Markdown as models write it (with what a renderer must not trust), and
//! a conversation's title.

/// A reply in the Markdown models write, with what a renderer must not trust.
pub(super) const MARKDOWN: &str = "## Steps\n\n1. Install **the tool**\n2. Run `tool --fast`\n\n\
    ```rust\nfn main() {\n    println!(\"<b>hi</b>\");\n}\n```\n\n\
    | Option | Meaning |\n|---|---|\n| `-v` | verbose |\n\n\
    See [the guide](https://example.com/guide) or [this](javascript:alert(1)).\n\n\
    <img src=x onerror=\"document.title='pwned'\"> <script>document.title='pwned'</script>\n\n\
    > Quoted *text*.\n";

/// About `words` words of Markdown: sections of paragraphs, lists and code, as a long reply has.
pub(super) fn markdown_of(words: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for section in 1.. {
        out.push_str(&format!("## Part {section}\n\n"));
        for (i, block) in ["para", "list", "para", "code", "para"].iter().enumerate() {
            let count = 40.min(words - n);
            let text: Vec<String> = (0..count).map(|k| format!("w{}", n + k)).collect();
            match *block {
                "list" => text.chunks(8).for_each(|c| out.push_str(&format!("- {}\n", c.join(" ")))),
                "code" => {
                    let lines: Vec<String> = text.chunks(4).map(|c| c.join(" ")).collect();
                    out.push_str(&format!("```\n{}\n```\n", lines.join("\n")));
                }
                _ if i == 0 => out.push_str(&format!("Some **bold** and `code`: {}\n", text.join(" "))),
                _ => out.push_str(&format!("{}\n", text.join(" "))),
            }
            out.push('\n');
            n += count;
            if n >= words {
                return out;
            }
        }
    }
    out
}

/// Asked to name a conversation (a page's generated title: "Name this conversation … It
/// begins:\n<text>"), a title as models write one: quoted, with a full stop, its words the
/// first four of the conversation's start, on a line of its own (the stand-in's signature
/// follows on the next, as a model's afterthought would).
pub(super) fn title_asked(last: &str) -> Option<String> {
    let start = last.strip_prefix("Name this conversation")?.split_once("It begins:")?.1;
    let words: Vec<&str> = start.split_whitespace().take(4).collect();
    Some(format!("\"{}.\"\n", words.join(" ")))
}
