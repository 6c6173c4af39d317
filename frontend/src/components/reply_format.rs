//! What a conversation asks of a reply (`outputConfig`), where the model takes it: its
//! format (free text, or JSON that follows a schema: structured output) and the effort spent.

use converse_shared::reply_format::output_config;
use leptos::prelude::*;

use crate::state::settings::SettingsState;

/// The reply format field of Settings: a JSON schema (empty: free text), checked as it is
/// typed; disabled, with the reason, for a model without structured output.
#[component]
pub(crate) fn ReplyFormatField() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let rules = move || settings.model_rules();
    let problem = move || settings.settings.with(|s| output_config(&s.reply_schema).err());
    let placeholder = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"], \"additionalProperties\": false}";
    view! {
        <label>
            "Reply format: a JSON schema the reply must follow (empty: free text)"
            <textarea rows="3" spellcheck="false" class="mono" placeholder=placeholder
                disabled=move || !rules().structured_output
                prop:value=move || settings.settings.with(|s| s.reply_schema.clone())
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    settings.set_settings(|s| s.reply_schema = text);
                }
            ></textarea>
        </label>
        {move || problem().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        <Show when=move || !rules().structured_output>
            <p class="hint">{move || rules().takes_no("reply formats (structured output)") + "."}</p>
        </Show>
    }
}

/// The effort field of Settings, where the model takes effort levels: the model's default
/// (`high`), or a level it takes.
#[component]
pub(crate) fn EffortField() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let levels = move || {
        let rules = settings.model_rules();
        rules.effort.split_whitespace().map(str::to_owned).collect::<Vec<_>>()
    };
    view! {
        <Show when=move || !levels().is_empty()>
            <label>
                "Effort"
                <select
                    prop:value=move || settings.settings.with(|s| s.effort.clone().unwrap_or_default())
                    on:change=move |ev| {
                        let level = event_target_value(&ev);
                        settings.set_settings(|s| s.effort = (!level.is_empty()).then_some(level));
                    }
                >
                    <option value="">"The model's default (high)"</option>
                    {move || levels().into_iter().map(|level| view! {
                        <option value=level.clone()>{level.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <p class="hint">"Lower effort answers sooner and spends fewer tokens; higher effort thinks longer."</p>
        </Show>
    }
}
