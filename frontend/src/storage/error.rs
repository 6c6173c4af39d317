//! A storage failure, in words for people (both backends report them so).

use wasm_bindgen::JsValue;

/// A storage failure, with a message for people.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageError(pub String);

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<JsValue> for StorageError {
    fn from(v: JsValue) -> Self {
        StorageError(v.as_string().unwrap_or_else(|| "browser storage failed".into()))
    }
}

pub(super) fn fail(what: &str) -> impl Fn(rexie::Error) -> StorageError + '_ {
    move |e| {
        // rexie's own message is only "idb error"; the browser's reason is further down.
        let detail = std::error::Error::source(&e).map_or_else(|| e.to_string(), ToString::to_string);
        if format!("{e:?}").to_ascii_lowercase().contains("quota") {
            StorageError(format!("could not {what}: browser storage is full"))
        } else {
            StorageError(format!("could not {what}: {detail}"))
        }
    }
}
