//! Keys and taps that work anywhere on the chat page: Esc closes what is open (the Settings
//! panel, the Tools menu, the phone's conversation drawer) and otherwise stops a reply that
//! is arriving; Ctrl+Shift+O starts a new chat; a tap outside an open panel closes it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::state::conversation::Conversation;

/// The open panels (`<details>` menus of the header).
const PANELS: &str = "details.settings-panel[open], details.tools-panel[open]";

/// Listens on the document for the page's lifetime (the page is never unmounted).
pub(crate) fn install(drawer_open: RwSignal<bool>, conversation: Conversation) {
    let running = conversation.running;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let on_key = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
        // Ctrl+Shift+O (⌘⇧O): a new chat, as in the chat pages people use daily.
        if (ev.ctrl_key() || ev.meta_key()) && ev.shift_key() && ev.key().eq_ignore_ascii_case("o") {
            ev.prevent_default();
            drawer_open.set(false);
            conversation.new_conversation();
            return;
        }
        if ev.key() != "Escape" || ev.default_prevented() {
            return;
        }
        if close_panels(None) {
            return;
        }
        if drawer_open.get_untracked() {
            drawer_open.set(false);
            return;
        }
        // Fields with an Esc of their own (rename, edit) keep it; the composer stops a reply itself.
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if !in_field && running.busy.get_untracked() {
            running.stop();
        }
    });
    let on_down = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        close_panels(target.as_ref());
    });
    let _ = document.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    let _ = document.add_event_listener_with_callback("pointerdown", on_down.as_ref().unchecked_ref());
    on_key.forget();
    on_down.forget();
}

/// Closes the open panels that do not hold `inside` (all of them for `None`); whether any was.
fn close_panels(inside: Option<&web_sys::Element>) -> bool {
    let Some(open) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector_all(PANELS).ok())
    else {
        return false;
    };
    let mut closed = false;
    for i in 0..open.length() {
        let Some(panel) = open.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
        if inside.is_some_and(|target| panel.contains(Some(target))) {
            continue;
        }
        let _ = panel.remove_attribute("open");
        closed = true;
    }
    closed
}

/// Whether the person types on a touch keyboard (a coarse pointer), where Enter adds a line and
/// the Send button sends.
pub(crate) fn touch_keyboard() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(pointer: coarse)").ok().flatten())
        .is_some_and(|m| m.matches())
}
