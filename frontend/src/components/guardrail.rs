//! The conversation's own guardrail (id and version), where the relay enforces none: Bedrock
//! then checks every turn against it, and a reply it blocks says so.

use leptos::prelude::*;

use crate::state::settings::SettingsState;

/// The guardrail fields of Settings, or, where the relay applies its own guardrail, that.
#[component]
pub(crate) fn Guardrail() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let enforced = move || settings.models.with(|l| l.as_ref().is_some_and(|l| l.enforced_guardrail));
    let problem = move || settings.settings.with(|s| s.guardrail().err());
    let field = move |label: &'static str, placeholder: &'static str, version: bool| {
        view! {
            <label>
                {label}
                <input type="text" spellcheck="false" class="mono" placeholder=placeholder
                    prop:value=move || settings.settings.with(|s| {
                        if version { s.guardrail_version.clone() } else { s.guardrail_id.clone() }
                    })
                    on:input=move |ev| {
                        // Kept as typed (trimmed where it is used): trimming here would eat a
                        // space as it is typed, putting an older value back in the field.
                        let text = event_target_value(&ev);
                        settings.set_settings(|s| {
                            if version { s.guardrail_version = text } else { s.guardrail_id = text }
                        });
                    } />
            </label>
        }
    };
    view! {
        <fieldset class="guardrail">
            <legend>"Guardrail"</legend>
            <Show
                when=move || !enforced()
                fallback=|| view! {
                    <p class="hint">"This relay applies its own guardrail to every conversation."</p>
                }
            >
                {field("Guardrail id", "abc123xyz or its ARN", false)}
                {field("Version", "1 or DRAFT", true)}
                {move || problem().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </Show>
        </fieldset>
    }
}
