//! The conversations beside the open one: new chat, search, open, rename, delete with Undo,
//! export and import. Reads the library (and starts conversations).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::dates;
use crate::state::conversation::Conversation;
use crate::state::library::Library;
use crate::storage::ConversationMeta;

/// The stored conversations: new, open, search, rename, delete (with Undo).
#[component]
pub(crate) fn Sidebar(
    /// Shown on narrow screens (always shown on wide ones).
    open: RwSignal<bool>,
) -> impl IntoView {
    let library = expect_context::<Library>();
    let conversation = expect_context::<Conversation>();
    let editing = RwSignal::new(None::<String>);
    let visible = move || {
        let query = library.search.with(|q| q.trim().to_lowercase());
        let hits = library.search_hits.get();
        library
            .list
            .rows
            .get()
            .into_iter()
            .filter(|c| query.is_empty() || c.title.to_lowercase().contains(&query) || hits.contains(&c.id))
            .collect::<Vec<_>>()
    };
    // Each row with the date heading it opens, if it is the first of its group (newest first).
    let grouped = move || {
        let now = js_sys::Date::now();
        let mut last = None;
        visible()
            .into_iter()
            .map(|c| {
                let heading = dates::group_heading(c.updated_at, now);
                let opens = (last.as_ref() != Some(&heading)).then(|| heading.clone());
                last = Some(heading);
                (opens, c)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <nav class="sidebar" class:open=move || open.get() aria-label="Conversations">
            <button type="button" class="icon drawer-close" aria-label="Close conversations"
                on:click=move |_| open.set(false)>"✕"</button>
            <button type="button" class="new-chat" on:click=move |_| {
                conversation.new_conversation();
                open.set(false);
            }>"New chat"</button>
            <input
                type="search"
                aria-label="Search conversations"
                placeholder="Search conversations"
                prop:value=move || library.search.get()
                on:input=move |ev| library.set_search(event_target_value(&ev))
            />
            <ul class="conversation-list">
                // Built anew for each search (which takes rows out and puts them back), and the
                // rows read this build's memos rather than the page's signals: in Leptos a
                // long-lived owner keeps a record of every child row it had, and a signal of
                // every subscriber, until they run again, which a removed row never does.
                {move || {
                    library.search.track();
                    let shown = Shown {
                        current: Memo::new(move |_| conversation.current.get()),
                        editing: Memo::new(move |_| editing.get()),
                    };
                    view! {
                        <For each=grouped key=|(heading, c)| (c.id.clone(), c.title.clone(), heading.clone()) let:row>
                            {row.0.map(|heading| view! { <li class="date-group"><h2>{heading}</h2></li> })}
                            <ConversationItem conversation=row.1 shown editing open />
                        </For>
                    }
                }}
            </ul>
            <Show when=move || !library.search.with(|q| q.trim().is_empty()) && visible().is_empty()>
                <p class="muted">"No conversation matches."</p>
            </Show>
            <div class="transfer">
                <button type="button" class="secondary" on:click=move |_| library.export(false)>"Export conversation"</button>
                <button type="button" class="secondary" on:click=move |_| library.export(true)>"Export all"</button>
                <label class="button secondary">
                    "Import…"
                    <input
                        type="file"
                        accept="application/json,.json"
                        class="sr-only"
                        aria-label="Import conversations"
                        on:change=move |ev| {
                            let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                            if let Some(file) = input.as_ref().and_then(|i| i.files()).and_then(|f| f.get(0)) {
                                library.import(file);
                            }
                            if let Some(input) = input {
                                input.set_value("");
                            }
                        }
                    />
                </label>
            </div>
            <Show when=move || library.import_note.with(Option::is_some)>
                <p class="import-note" role="status">{move || library.import_note.get()}</p>
            </Show>
        </nav>
    }
}

/// "Deleted …" with Undo, fixed at the bottom of the window (not in the sidebar, which may be
/// scrolled or, on a phone, closed), until another is deleted or it is dismissed.
#[component]
pub(crate) fn UndoToast() -> impl IntoView {
    let library = expect_context::<Library>();
    view! {
        <Show when=move || library.deleted.with(Option::is_some)>
            <div class="toast" role="status">
                <span>{move || library.deleted.with(|d| d.as_ref().map(|d| format!("Deleted “{}”.", d.title)))}</span>
                <button type="button" on:click=move |_| library.undo_delete()>"Undo"</button>
                <button type="button" class="icon" aria-label="Dismiss" on:click=move |_| library.deleted.set(None)>"✕"</button>
            </div>
        </Show>
    }
}

/// What the rows of one build of the list read: the open conversation and the one being renamed.
#[derive(Clone, Copy)]
struct Shown {
    current: Memo<String>,
    editing: Memo<Option<String>>,
}

#[component]
fn ConversationItem(
    conversation: ConversationMeta,
    shown: Shown,
    editing: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let library = expect_context::<Library>();
    let id = StoredValue::new(conversation.id.clone());
    let title = conversation.title.clone();
    let is_editing = move || shown.editing.with(|e| e.as_deref() == Some(id.get_value().as_str()));
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            let _ = input.focus();
            input.select();
        }
    });
    let finish = move |value: Option<String>| {
        // Enter or Escape ends the edit; the blur that follows must not end it again.
        if !is_editing() {
            return;
        }
        if let Some(value) = value {
            library.rename(&id.get_value(), value);
        }
        editing.set(None);
    };
    let on_key = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            finish(Some(event_target_value(&ev)));
        }
        "Escape" => finish(None),
        _ => {}
    };
    let current = move || shown.current.with(|c| *c == id.get_value());
    let (rename_label, delete_label) = (format!("Rename “{title}”"), format!("Delete “{title}”"));
    view! {
        <li class:active=current>
            <Show
                when=is_editing
                fallback={
                    let title = title.clone();
                    move || view! {
                        <button
                            type="button"
                            class="open-conversation"
                            aria-current=move || current().then_some("page")
                            on:click=move |_| {
                                library.open(id.get_value());
                                open.set(false);
                            }
                        >{title.clone()}</button>
                        <button type="button" class="icon" aria-label=rename_label.clone()
                            on:click=move |_| editing.set(Some(id.get_value()))>"✎"</button>
                        <button type="button" class="icon" aria-label=delete_label.clone()
                            on:click=move |_| library.delete(&id.get_value())>"✕"</button>
                    }
                }
            >
                <input
                    type="text"
                    class="rename"
                    aria-label="Conversation title"
                    prop:value=title.clone()
                    on:keydown=on_key
                    on:blur=move |ev| finish(Some(event_target_value(&ev)))
                    node_ref=input
                />
            </Show>
        </li>
    }
}
