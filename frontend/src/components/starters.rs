//! Prompts offered on an empty chat.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::t;
use crate::state::composer::ComposerState;

/// Prompts to start an empty chat with: one puts its text in the message box, to send as it
/// is or to change first.
#[component]
pub(crate) fn Starters() -> impl IntoView {
    let composer = expect_context::<ComposerState>();
    let start = move |text: String| {
        composer.set_draft(text);
        if let Some(input) = document().get_element_by_id("composer-input") {
            let _ = input.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    };
    view! {
        <ul class="starters" aria-label=t("starters")>
            {(1..=4)
                .map(|n| {
                    let text = t(&format!("starter_{n}"));
                    view! {
                        <li>
                            <button type="button" class="secondary" on:click=move |_| start(text.clone())>
                                {t(&format!("starter_{n}"))}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
