//! The model picker and the open conversation's settings panel; controls a model does not
//! take are disabled, with why.

use leptos::prelude::*;

use converse_shared::models::{MIN_THINKING_BUDGET, leave_out_unsupported, left_out_words, offers_thinking};
use converse_shared::{Message, Role};

use crate::components::cache::PromptCacheField;
use crate::components::guardrail::Guardrail;
use crate::components::reply_format::{EffortField, ReplyFormatField};
use crate::components::tier::ServiceTierField;
use crate::state::composer::ComposerState;
use crate::state::conversation::Conversation;
use crate::state::reply::{TITLES_KEY, titles_on};
use crate::state::settings::SettingsState;
use crate::storage::{self, ContextStrategy, Settings};

/// The model picker: the relay's models (with what each accepts), or any id where the relay
/// allows any model.
#[component]
pub(crate) fn ModelPicker() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let options = move || {
        let current = settings.model_id.get();
        let mut models: Vec<(String, String)> = settings.models.with(|l| {
            l.iter()
                .flat_map(|l| &l.models)
                .map(|m| (m.model_id.clone(), m.rules.family.to_string()))
                .collect()
        });
        if !models.iter().any(|(id, _)| *id == current) {
            let why = match settings.models.with(Option::is_some) {
                true => "not offered by this relay",
                false if settings.listing_failed.get() => "the relay's model list could not be loaded",
                false => "…",
            };
            models.insert(0, (current.clone(), why.into()));
        }
        models
    };
    let any_model = move || settings.models.with(|l| l.as_ref().is_none_or(|l| l.any_model));
    let conversation = expect_context::<Conversation>();
    let composer = expect_context::<ComposerState>();
    let picker = NodeRef::<leptos::html::Select>::new();
    // A switch to a model that cannot take what the conversation holds waits for the person.
    let asking = RwSignal::new(None::<(String, String)>);
    let choose = move |model_id: String| {
        let rules = settings.rules_of(&model_id);
        let mut held: Vec<Message> =
            conversation.messages.with_untracked(|m| m.iter().map(|m| m.to_stored().message).collect());
        held.push(Message { role: Role::User, content: composer.attached(), extra: Default::default() });
        let counts = leave_out_unsupported(&mut held, &rules);
        match left_out_words(counts) {
            Some(what) => {
                let current = settings.rules_of(&settings.model_id.get_untracked()).family;
                asking.set(Some((
                    model_id,
                    format!(
                        "This conversation holds {what} that {} cannot take. Switch, and each goes as a note \
                         saying what was there, or keep {current}.",
                        rules.family
                    ),
                )));
            }
            None => settings.set_model(model_id),
        }
    };
    let keep = move || {
        asking.set(None);
        if let Some(select) = picker.get_untracked() {
            select.set_value(&settings.model_id.get_untracked());
        }
    };
    view! {
        <label class="model">
            <span>"Model"</span>
            <select
                node_ref=picker
                prop:value=move || settings.model_id.get()
                on:change=move |ev| choose(event_target_value(&ev))
            >
                {move || {
                    options()
                        .into_iter()
                        .map(|(id, family)| {
                            let selected = settings.model_id.with_untracked(|m| *m == id);
                            view! { <option value=id.clone() selected=selected>{format!("{family} — {id}")}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </label>
        <Show when=move || !settings.model_rules().known>
            <p class="hint model-unknown" role="note">
                "Not a model this relay knows: it is sent text alone (Settings says more)."
            </p>
        </Show>
        <Show when=any_model>
            <label class="model">
                <span class="sr-only">"Model id"</span>
                <input
                    type="text"
                    spellcheck="false"
                    placeholder="or any model id"
                    aria-label="Model id"
                    on:change=move |ev| choose(event_target_value(&ev).trim().to_owned())
                />
            </label>
        </Show>
        <Show when=move || asking.with(Option::is_some)>
            <div class="toast switch-warning" role="alert">
                <span>{move || asking.with(|a| a.as_ref().map(|(_, why)| why.clone()))}</span>
                <button type="button" on:click=move |_| {
                    if let Some((model_id, _)) = asking.get_untracked() {
                        asking.set(None);
                        settings.set_model(model_id);
                    }
                }>"Switch anyway"</button>
                <button type="button" class="secondary" on:click=move |_| keep()>"Keep the current model"</button>
            </div>
        </Show>
    }
}

fn parse_unit(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(Some(v)),
        _ => Err(format!("{text} is not a number from 0 to 1")),
    }
}

/// The open conversation's settings. Controls the model does not take are disabled, with why.
#[component]
pub(crate) fn SettingsPanel() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let rules = move || settings.model_rules();
    let errors = RwSignal::new(std::collections::BTreeMap::<&'static str, String>::new());
    let set_error = move |field: &'static str, error: Option<String>| {
        errors.update(|e| {
            match error {
                Some(error) => e.insert(field, error),
                None => e.remove(field),
            };
        })
    };
    let error_of = move |field: &'static str| move || errors.with(|e| e.get(field).cloned());
    let unit_field =
        move |field: &'static str, value: String, apply: fn(&mut Settings, Option<f64>)| match parse_unit(
            &value,
        ) {
            Ok(v) => {
                set_error(field, None);
                settings.set_settings(|s| apply(s, v));
            }
            Err(e) => set_error(field, Some(e)),
        };
    let fields_error = move || settings.settings.with(|s| s.additional_fields().err());
    let top_p_blocked = move || {
        let r = rules();
        if r.fixed_sampling {
            return Some(format!("{} sets its own sampling: it takes no temperature or top P.", r.family));
        }
        (r.temperature_xor_top_p && settings.settings.with(|s| s.temperature.is_some())).then(|| {
            format!("{} takes temperature or top P, not both: clear temperature to use top P.", r.family)
        })
    };
    let fmt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    view! {
        <details class="settings-panel">
            <summary>"Settings"</summary>
            <div class="panel-body">
                <p class="capabilities">{move || {
                    let r = rules();
                    if !r.known {
                        return format!(
                            "The relay does not know what {} takes, so it sends text alone: no tools, images or \
                             documents, the system prompt at the start of your first message, and {} tokens of \
                             context assumed. The relay's deployer can declare what it takes (MODEL_CAPABILITIES).",
                            settings.model_id.get(),
                            r.context_window,
                        );
                    }
                    let mut takes = vec![];
                    if r.tools { takes.push("tools") }
                    if r.images { takes.push("images") }
                    if r.documents { takes.push("documents") }
                    format!(
                        "{}: {} tokens of context, up to {} out{}",
                        r.family,
                        r.context_window,
                        r.max_output_tokens,
                        if takes.is_empty() { String::new() } else { format!("; takes {}", takes.join(", ")) },
                    )
                }}</p>
                <label>
                    "System prompt"
                    <textarea
                        rows="3"
                        prop:value=move || settings.settings.with(|s| s.system_prompt.clone())
                        on:change=move |ev| {
                            let text = event_target_value(&ev);
                            settings.set_settings(|s| s.system_prompt = text);
                        }
                    ></textarea>
                </label>
                <Show when=move || !rules().system_prompt>
                    <p class="hint">{move || format!(
                        "Emulated: {} has no system prompt, so it is sent at the start of your first message.",
                        rules().family,
                    )}</p>
                </Show>
                <div class="row">
                    <label>
                        "Temperature"
                        <input type="number" min="0" max="1" step="0.1" placeholder="default"
                            disabled=move || rules().fixed_sampling
                            prop:value=move || settings.settings.with(|s| fmt(s.temperature))
                            on:change=move |ev| unit_field("temperature", event_target_value(&ev), |s, v| s.temperature = v)
                        />
                    </label>
                    <label>
                        "Top P"
                        <input type="number" min="0" max="1" step="0.05" placeholder="default"
                            disabled=move || top_p_blocked().is_some()
                            prop:value=move || settings.settings.with(|s| fmt(s.top_p))
                            on:change=move |ev| unit_field("topP", event_target_value(&ev), |s, v| s.top_p = v)
                        />
                    </label>
                    <label>
                        "Max tokens"
                        <input type="number" min="1" step="1"
                            max=move || rules().max_output_tokens
                            placeholder=move || format!("up to {}", rules().max_output_tokens)
                            prop:value=move || settings.settings.with(|s| s.max_tokens.map(|m| m.to_string()).unwrap_or_default())
                            on:change=move |ev| {
                                let text = event_target_value(&ev);
                                let max = rules().max_output_tokens;
                                match text.trim() {
                                    "" => { set_error("maxTokens", None); settings.set_settings(|s| s.max_tokens = None); }
                                    t => match t.parse::<u32>() {
                                        Ok(v) if (1..=max).contains(&v) => {
                                            set_error("maxTokens", None);
                                            settings.set_settings(|s| s.max_tokens = Some(v));
                                        }
                                        _ => set_error("maxTokens", Some(format!("{t} is not a whole number from 1 to {max}"))),
                                    },
                                }
                            }
                        />
                    </label>
                </div>
                {move || ["temperature", "topP", "maxTokens"].into_iter().filter_map(|f| error_of(f)()).map(|e| view! {
                    <p class="field-error" role="alert">{e}</p>
                }).collect_view()}
                {move || top_p_blocked().map(|why| view! { <p class="hint">{why}</p> })}
                <Thinking />
                <label>
                    "Stop sequences (one per line)"
                    <textarea rows="2"
                        disabled=move || !rules().stop_sequences
                        prop:value=move || settings.settings.with(|s| s.stop_sequences.join("\n"))
                        on:change=move |ev| {
                            let stops = event_target_value(&ev).lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
                            settings.set_settings(|s| s.stop_sequences = stops);
                        }
                    ></textarea>
                </label>
                <Show when=move || !rules().stop_sequences>
                    <p class="hint">{move || rules().takes_no("stop sequences") + "."}</p>
                </Show>
                <label>
                    "Model-specific fields (JSON)"
                    <textarea rows="3" spellcheck="false" class="mono" placeholder="{\"top_k\": 50}"
                        prop:value=move || settings.settings.with(|s| s.additional_fields.clone())
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            settings.set_settings(|s| s.additional_fields = text);
                        }
                    ></textarea>
                </label>
                {move || fields_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <ReplyFormatField />
                <EffortField />
                <PromptCacheField />
                <Guardrail />
                <ServiceTierField />
                <label>
                    "When the conversation outgrows the context window"
                    <select
                        prop:value=move || match settings.settings.with(|s| s.context) {
                            ContextStrategy::Prune => "prune",
                            ContextStrategy::Summarise => "summarise",
                        }
                        on:change=move |ev| {
                            let context = if event_target_value(&ev) == "summarise" { ContextStrategy::Summarise } else { ContextStrategy::Prune };
                            settings.set_settings(|s| s.context = context);
                        }
                    >
                        <option value="prune">"Leave out the oldest turns"</option>
                        <option value="summarise">"Summarise the oldest turns"</option>
                    </select>
                </label>
                <button type="button" class="secondary" on:click=move |_| settings.save_defaults()>
                    "Use for new conversations"
                </button>
                <label class="inline">
                    <input type="checkbox" prop:checked=titles_on()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            storage::set_preference(TITLES_KEY, if on { "on" } else { "off" });
                        } />
                    "Let the model name new conversations"
                </label>
            </div>
        </details>
    }
}

/// Extended thinking, for the models that offer it: on or off, and its budget in tokens.
#[component]
fn Thinking() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let offered = move || offers_thinking(&settings.model_rules());
    let budget = move || settings.settings.with(|s| s.thinking_budget);
    view! {
        <label class="inline">
            <input type="checkbox"
                disabled=move || !offered()
                prop:checked=move || offered() && budget().is_some()
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    settings.set_settings(|s| s.thinking_budget = on.then_some(4 * MIN_THINKING_BUDGET));
                }
            />
            "Extended thinking"
        </label>
        <Show when=move || offered() && budget().is_some()>
            <label>
                "Thinking budget (tokens)"
                <input type="number" min=MIN_THINKING_BUDGET step="1024"
                    prop:value=move || budget().map(|b| b.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        if let Ok(tokens) = event_target_value(&ev).trim().parse::<u32>() {
                            settings.set_settings(|s| s.thinking_budget = Some(tokens.max(MIN_THINKING_BUDGET)));
                        }
                    }
                />
            </label>
        </Show>
        <Show when=move || !offered()>
            <p class="hint">{move || {
                let rules = settings.model_rules();
                if rules.adaptive_thinking {
                    format!("{} thinks on its own, as much as its effort asks: it takes no thinking budget.", rules.family)
                } else {
                    format!("{} has no extended thinking.", rules.family)
                }
            }}</p>
        </Show>
    }
}
