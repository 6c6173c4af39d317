//! The converse-edge chat page (Leptos, client-side rendered).
//!
//! Browser I/O lives in [`api`] (the streamed call to the relay) and [`storage`]
//! (IndexedDB); [`state`] holds the page's state, one module per responsibility (the open
//! conversation, the library, settings, the composer, replies); the components only show it.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod api;
pub mod attach;
mod components;
pub mod i18n;
pub mod markdown;
pub mod mode;
pub mod render;
pub mod site;
pub mod state;
pub mod storage;
pub mod tools;
pub mod widget;

use leptos::prelude::*;

use crate::components::{composer::Composer, header::Header, message_list::MessageList, sidebar::Sidebar};
use crate::state::Page;

/// The whole page: the conversations beside the open one (header, messages, composer).
#[component]
pub fn App() -> impl IntoView {
    let page = Page::provide();
    leptos::task::spawn_local(async move { page.restore().await });
    let sidebar_open = RwSignal::new(false);
    view! {
        <div class="app">
            <Sidebar open=sidebar_open />
            <div class="chat">
                <Header sidebar_open />
                <MessageList />
                <Composer />
            </div>
        </div>
    }
}
