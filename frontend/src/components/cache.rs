//! The prompt cache field of Settings: how long Bedrock keeps the conversation so far, so the
//! next message does not pay to process it again
//! (<https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html>).

use leptos::prelude::*;

use crate::state::settings::SettingsState;

/// A lifetime as the person reads it.
fn lifetime_name(ttl: &str) -> &'static str {
    if ttl == "1h" { "For an hour" } else { "For five minutes" }
}

/// Off, or a lifetime the model takes; a model without prompt caching says so.
#[component]
pub(crate) fn PromptCacheField() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let rules = move || settings.model_rules();
    let lifetimes = move || rules().prompt_cache.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    view! {
        <label>
            "Prompt cache"
            <select
                prop:disabled=move || lifetimes().is_empty()
                prop:value=move || settings.settings.with(|s| s.prompt_cache.clone().unwrap_or_default())
                on:change=move |ev| {
                    let ttl = event_target_value(&ev);
                    settings.set_settings(|s| s.prompt_cache = (!ttl.is_empty()).then_some(ttl));
                }
            >
                <option value="">"Off"</option>
                {move || lifetimes().into_iter().map(|ttl| view! {
                    <option value=ttl.clone()>{lifetime_name(&ttl)}</option>
                }).collect_view()}
            </select>
        </label>
        <p class="hint">
            {move || if lifetimes().is_empty() {
                rules().takes_no("prompt caching") + "."
            } else {
                "Keeps the conversation so far for the next message: read back at a fraction of the price, written once at a little more. Each reply says what was read and written.".to_owned()
            }}
        </p>
    }
}
