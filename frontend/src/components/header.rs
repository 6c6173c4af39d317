use leptos::prelude::*;

use crate::chat::Chat;

/// The top bar: product name, model id, and "New chat".
#[component]
pub(crate) fn Header() -> impl IntoView {
    let chat = expect_context::<Chat>();
    view! {
        <header class="top">
            <h1>"converse-edge"</h1>
            <label class="model">
                <span>"Model"</span>
                <input
                    type="text"
                    spellcheck="false"
                    prop:value=move || chat.model_id.get()
                    on:change=move |ev| chat.set_model(event_target_value(&ev).trim().to_owned())
                />
            </label>
            <button type="button" class="secondary" on:click=move |_| chat.new_conversation()>
                "New chat"
            </button>
        </header>
    }
}
