//! The converse-edge chat page (Leptos, client-side rendered).
//!
//! Browser I/O lives in [`api`] (the streamed call to the relay) and [`storage`]
//! (IndexedDB); [`state`] holds the page's state, one module per responsibility (the open
//! conversation, the library, settings, the composer, replies); the components only show it.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod api;
pub mod attach;
mod components;
pub mod dates;
pub mod i18n;
pub mod json_view;
pub mod markdown;
pub mod mode;
pub mod render;
pub mod site;
pub mod state;
pub mod storage;
pub mod tools;
pub mod widget;

use leptos::prelude::*;

use crate::components::{
    composer::Composer,
    header::Header,
    message_list::MessageList,
    sidebar::{Sidebar, UndoToast},
};
use crate::state::Page;

/// The whole page: the conversations beside the open one (header, messages, composer).
#[component]
pub fn App() -> impl IntoView {
    let page = Page::provide();
    leptos::task::spawn_local(async move { page.restore().await });
    let sidebar_open = RwSignal::new(false);
    components::keys::install(sidebar_open, page.conversation);
    let composer = page.composer;
    // Files dropped anywhere on the page are attached (a drop the page does not take would
    // open the file in the tab, leaving the chat).
    let on_drop = move |ev: web_sys::DragEvent| {
        if ev.default_prevented() {
            return; // the composer took it
        }
        ev.prevent_default();
        composer.add_files(attach::event_files(&ev));
    };
    view! {
        <a class="skip-link" href="#composer-input">"Skip to the message box"</a>
        <div class="app" on:dragover=|ev: web_sys::DragEvent| ev.prevent_default() on:drop=on_drop>
            <Sidebar open=sidebar_open />
            // On a phone, a tap beside the open drawer closes it.
            <div class="backdrop" hidden=move || !sidebar_open.get() on:click=move |_| sidebar_open.set(false)></div>
            <div class="chat">
                <Header sidebar_open />
                <MessageList />
                <Composer />
            </div>
            <UndoToast />
        </div>
    }
}
