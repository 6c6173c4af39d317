//! The words people read, per language, in one file (`frontend/i18n/strings.json`): its
//! `page` table is the chat's, its `launcher` table the widget loader's (which bundles only
//! that part). English is complete; another language falls back to English word by word, so
//! a language can be added a few strings at a time.

use std::cell::RefCell;

use serde_json::Value;

const TABLE: &str = include_str!("../i18n/strings.json");

/// The languages with a table, English first.
pub fn languages() -> Vec<String> {
    let table: Value = serde_json::from_slice(TABLE.as_bytes()).unwrap_or_default();
    table["page"].as_object().map(|t| t.keys().cloned().collect()).unwrap_or_default()
}

thread_local! {
    /// The chosen language's table, then English's.
    static WORDS: RefCell<Option<(Value, Value)>> = const { RefCell::new(None) };
}

/// Chooses the language of what the page shows; an unknown one leaves English.
pub fn set_language(lang: &str) -> bool {
    let mut table: Value = serde_json::from_slice(TABLE.as_bytes()).expect("strings.json is valid JSON");
    let english = table["page"]["en"].clone();
    let chosen = table["page"][lang].take();
    let known = chosen.is_object();
    WORDS.with_borrow_mut(|words| *words = Some((chosen, english)));
    known
}

/// The words for `key` in the chosen language (English where it has none yet).
pub fn t(key: &str) -> String {
    WORDS.with_borrow_mut(|words| {
        let (chosen, english) = words.get_or_insert_with(|| {
            let mut table: Value =
                serde_json::from_slice(TABLE.as_bytes()).expect("strings.json is valid JSON");
            (Value::Null, table["page"]["en"].take())
        });
        chosen[key].as_str().or_else(|| english[key].as_str()).unwrap_or(key).to_owned()
    })
}

/// [`t`] with `{name}` placeholders filled in.
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    args.iter().fold(t(key), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_names_only_keys_english_has() {
        let table: Value = serde_json::from_slice(TABLE.as_bytes()).unwrap();
        for part in ["page", "launcher"] {
            let english = table[part]["en"].as_object().unwrap();
            for (lang, words) in table[part].as_object().unwrap() {
                for key in words.as_object().unwrap().keys() {
                    assert!(english.contains_key(key), "{part}.{lang}.{key} has no English");
                }
            }
        }
    }

    #[test]
    fn a_chosen_language_falls_back_to_english_and_fills_placeholders() {
        assert!(set_language("de"));
        assert_eq!(t("send"), "Senden");
        assert_eq!(tf("earlier", &[("n", "3")]), "Frühere Nachrichten zeigen (3 weitere)");
        assert!(!set_language("xx"));
        assert_eq!(t("send"), "Send");
        assert_eq!(t("no-such-key"), "no-such-key");
        assert!(languages().contains(&"de".to_owned()));
    }
}
