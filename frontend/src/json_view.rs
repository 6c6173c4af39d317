//! A reply that is all JSON (a reply format's, or one that happens to be), shown as a tree:
//! each object and array folds (`<details>`, so by keyboard too), its keys in the order the
//! model wrote them; the code block's copy button copies the JSON, indented.
//!
//! HTML made here from the parsed value, every key and value escaped: nothing the model wrote
//! becomes markup.

use pulldown_cmark_escape::escape_html;
use serde_json::Value;

/// The tree of `value`, with `indented` (its text, indented) for the copy button.
pub fn html(value: &Value, indented: &str) -> String {
    let mut out = String::from(
        "<div class=\"code-block json-view\"><span class=\"code-lang\">json</span>\
         <button type=\"button\" class=\"copy-code\" aria-label=\"Copy code\">Copy</button><code hidden>",
    );
    let _ = escape_html(&mut out, indented);
    out.push_str("</code><div class=\"json-tree\">");
    node(&mut out, None, value);
    out.push_str("</div></div>");
    out
}

/// One member (`key`, in an object) or item: a line for a value, a fold for an object or array.
fn node(out: &mut String, key: Option<&str>, value: &Value) {
    let label = |out: &mut String| {
        if let Some(key) = key {
            out.push_str("<span class=\"json-key\">");
            let _ = escape_html(&mut *out, &Value::from(key).to_string());
            out.push_str("</span>: ");
        }
    };
    let (open, close, count, one, many) = match value {
        Value::Object(map) if !map.is_empty() => ("{", "}", map.len(), "field", "fields"),
        Value::Array(items) if !items.is_empty() => ("[", "]", items.len(), "item", "items"),
        leaf => {
            let kind = match leaf {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                _ => "literal",
            };
            out.push_str("<div>");
            label(out);
            out.push_str(&format!("<span class=\"json-{kind}\">"));
            let _ = escape_html(&mut *out, &leaf.to_string());
            out.push_str("</span></div>");
            return;
        }
    };
    out.push_str("<details open><summary>");
    label(out);
    out.push_str(&format!(
        "{open} <span class=\"json-count\">{count} {}</span> {close}</summary><div class=\"json-children\">",
        if count == 1 { one } else { many }
    ));
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| node(out, Some(k), v)),
        Value::Array(items) => items.iter().for_each(|v| node(out, None, v)),
        _ => {}
    }
    out.push_str("</div></details>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_arrays_fold_in_the_models_order_and_everything_is_escaped() {
        let value: Value =
            serde_json::from_slice(br#"{"z": "<b>", "a": [1, true], "e": {}, "n": null}"#).unwrap();
        let html = html(&value, "{…}");
        assert!(html.contains("<code hidden>{…}</code>"));
        let z = html.find("&quot;z&quot;").unwrap();
        assert!(z < html.find("&quot;a&quot;").unwrap(), "keys keep their order");
        assert!(html.contains("{ <span class=\"json-count\">4 fields</span> }"));
        assert!(html.contains("[ <span class=\"json-count\">2 items</span> ]"));
        assert!(html.contains("<span class=\"json-string\">&quot;&lt;b&gt;&quot;</span>"));
        assert!(html.contains("<span class=\"json-literal\">{}</span>"), "an empty object is a value");
        assert!(!html.contains("<b>"));
    }
}
