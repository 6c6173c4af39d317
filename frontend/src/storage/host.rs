//! The widget's storage: records kept by the host page, in the host's own (first-party)
//! IndexedDB, through the widget loader.
//!
//! Browsers increasingly deny storage to third-party frames (Chromium with third-party
//! cookies blocked throws "Access is denied" on IndexedDB and localStorage in the frame), and
//! where they partition it, may clear it early. The loader runs in the host page's origin,
//! whose storage is its visitor's own, so the widget asks the loader to keep its records
//! there: `converse-edge:store` requests (`get` by key prefix; `write` puts, deletes and
//! deletes by prefix in one transaction), answered by `converse-edge:stored`. Everything
//! read back is parsed and checked like any stored record: the host page could have written
//! it, so it is shown as text or safe Markdown only, and a damaged record is skipped and
//! counted.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

use futures_channel::oneshot;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::StorageError;

thread_local! {
    static SITE: RefCell<Option<String>> = const { RefCell::new(None) };
    static NEXT: Cell<u32> = const { Cell::new(0) };
    static PENDING: RefCell<HashMap<u32, oneshot::Sender<Result<Value, String>>>> = RefCell::new(HashMap::new());
    static PREFERENCES: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
    /// Preferences changed since their last write, and whether a write is on its way.
    static UNWRITTEN: RefCell<std::collections::BTreeSet<String>> = const { RefCell::new(std::collections::BTreeSet::new()) };
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

/// Whether records go to the host page (the widget) rather than this origin's IndexedDB.
pub fn active() -> bool {
    SITE.with_borrow(Option::is_some)
}

/// Calls `handle` with each message from the host page: the parent frame, at `site`.
/// Messages from anyone else (another frame, another origin) are dropped.
pub fn on_host_message(site: String, handle: impl Fn(web_sys::MessageEvent) + 'static) {
    let Some(window) = web_sys::window() else { return };
    let parent = window.parent().ok().flatten();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let from_parent = match (&parent, event.source()) {
            (Some(parent), Some(source)) => js_sys::Object::is(parent.as_ref(), source.as_ref()),
            _ => false,
        };
        if from_parent && event.origin() == site {
            handle(event);
        }
    });
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}

/// Keeps this page's records in the host page at `site` (its parent frame) from now on.
pub fn start(site: String) {
    on_host_message(site.clone(), |event| {
        let Ok(data) = serde_wasm_bindgen::from_value::<Value>(event.data()) else { return };
        if data["type"] != "converse-edge:stored" {
            return;
        }
        let Some(id) = data["id"].as_u64().and_then(|id| u32::try_from(id).ok()) else { return };
        let Some(reply) = PENDING.with_borrow_mut(|p| p.remove(&id)) else { return };
        let _ = reply.send(match data["error"].as_str() {
            Some(error) => Err(error.to_owned()),
            None => Ok(data["result"].clone()),
        });
    });
    SITE.with_borrow_mut(|s| *s = Some(site));
}

async fn call(what: &str, mut request: Value) -> Result<Value, StorageError> {
    let fail = |detail: String| {
        if detail.to_ascii_lowercase().contains("quota") {
            StorageError(format!("could not {what}: browser storage is full"))
        } else {
            StorageError(format!("could not {what}: {detail}"))
        }
    };
    let site = SITE.with_borrow(Clone::clone).ok_or_else(|| fail("no host page".into()))?;
    let parent = web_sys::window()
        .and_then(|w| w.parent().ok().flatten())
        .ok_or_else(|| fail("no host page".into()))?;
    let id = NEXT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    request["type"] = json!("converse-edge:store");
    request["id"] = json!(id);
    let (send, receive) = oneshot::channel();
    PENDING.with_borrow_mut(|p| p.insert(id, send));
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let message = serde::Serialize::serialize(&request, &serializer).map_err(|e| fail(e.to_string()))?;
    parent.post_message(&message, &site).map_err(|e| fail(format!("{e:?}")))?;
    receive.await.map_err(|_| fail("the host page did not answer".into()))?.map_err(fail)
}

/// The records whose keys start with `prefix`, by key.
pub async fn get(what: &str, prefix: &str) -> Result<Vec<(String, String)>, StorageError> {
    let result = call(what, json!({ "op": "get", "prefix": prefix })).await?;
    let mut records: Vec<(String, String)> = result
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())))
        .collect();
    records.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(records)
}

/// Puts, deletes, and deletes by prefix, all or nothing.
pub async fn write(
    what: &str,
    put: Vec<(String, String)>,
    delete: Vec<String>,
    delete_prefixes: Vec<String>,
) -> Result<(), StorageError> {
    call(what, json!({ "op": "write", "put": put, "del": delete, "delPrefix": delete_prefixes }))
        .await
        .map(drop)
}

/// Reads the preferences kept in the host page, for [`preference`] to answer at once.
pub async fn load_preferences() -> Result<(), StorageError> {
    let found = get("read preferences", "p:").await?;
    PREFERENCES.with_borrow_mut(|p| {
        p.extend(found.into_iter().map(|(k, v)| (k.trim_start_matches("p:").to_owned(), v)));
    });
    Ok(())
}

/// A preference, as last loaded or set.
pub fn preference(key: &str) -> Option<String> {
    PREFERENCES.with_borrow(|p| p.get(key).cloned())
}

/// Sets a preference, and keeps it in the host page (best effort, as localStorage is).
/// The draft changes with every keystroke: while one write is on its way, later changes only
/// mark their key, and the next write carries the latest value of each marked key.
pub fn set_preference(key: &str, value: &str) {
    PREFERENCES.with_borrow_mut(|p| p.insert(key.to_owned(), value.to_owned()));
    let first = UNWRITTEN.with_borrow_mut(|u| {
        let idle = u.is_empty() && !WRITING.get();
        u.insert(key.to_owned());
        idle
    });
    if !first {
        return;
    }
    WRITING.set(true);
    leptos::task::spawn_local(async move {
        loop {
            let keys = UNWRITTEN.with_borrow_mut(std::mem::take);
            if keys.is_empty() {
                break;
            }
            let records = PREFERENCES.with_borrow(|p| {
                keys.iter().filter_map(|k| Some((format!("p:{k}"), p.get(k)?.clone()))).collect()
            });
            let _ = write("keep a preference", records, Vec::new(), Vec::new()).await;
        }
        WRITING.set(false);
    });
}
