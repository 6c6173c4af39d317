//! The top bar: the conversations button on narrow screens, the model picker, the settings
//! panel and the tools menu.

use leptos::prelude::*;

use crate::components::settings::{ModelPicker, SettingsPanel};
use crate::state::settings::{ListedTool, SettingsState};
use crate::storage::ToolSetting;

/// The top bar: the conversations button (narrow screens), product name, model, tools.
#[component]
pub(crate) fn Header(
    /// Whether the conversations list is shown on a narrow screen.
    sidebar_open: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <header class="top">
            <button
                type="button"
                class="secondary sidebar-toggle"
                aria-expanded=move || sidebar_open.get().to_string()
                on:click=move |_| sidebar_open.update(|o| *o = !*o)
                aria-label="Conversations"
            >"☰"</button>
            <h1>"converse-edge"</h1>
            <ModelPicker />
            <SettingsPanel />
            <ToolSettings />
        </header>
    }
}

/// The tools offered in this conversation: each can be switched off, or set to ask first.
#[component]
fn ToolSettings() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let no_tools = move || {
        let rules = settings.model_rules();
        (!rules.tools || !rules.streaming_tools).then(|| rules.takes_no("tools") + ".")
    };
    view! {
        <details class="tools-panel">
            <summary>"Tools"</summary>
            <ul>
                {move || no_tools().map(|why| view! { <li class="hint">{why}</li> })}
                {move || {
                    settings.unavailable_servers
                        .get()
                        .into_iter()
                        .map(|u| {
                            let text = format!(
                                "The MCP server {} is unavailable ({}): its tools are left out.",
                                u.server,
                                u.why,
                            );
                            view! { <li class="hint" role="status">{text}</li> }
                        })
                        .collect_view()
                }}
                <li>
                    <label>
                        "Tool choice "
                        <select
                            disabled=move || no_tools().is_some()
                            prop:value=move || settings.tool_choice.get().unwrap_or_else(|| "auto".into())
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                settings.set_tool_choice((value != "auto").then_some(value));
                            }
                        >
                            <option value="auto">"The model decides"</option>
                            <option value="any">"Use some tool"</option>
                            {move || {
                                settings.tool_list
                                    .get()
                                    .into_iter()
                                    .map(|tool| {
                                        let name = tool.name;
                                        view! { <option value=name.clone()>{format!("Use {name}")}</option> }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </label>
                </li>
                {move || {
                    settings.tool_list
                        .get()
                        .into_iter()
                        .map(|ListedTool { name, description, place }| {
                            let setting = move |name: &str| {
                                settings.tool_settings.with(|s| s.get(name).copied().unwrap_or_default())
                            };
                            let (n1, n2, n3, n4) = (name.clone(), name.clone(), name.clone(), name.clone());
                            view! {
                                <li title=description>
                                    <span class="tool-name">{name.clone()}</span>
                                    <span class="tool-place">{place}</span>
                                    <label>
                                        <input
                                            type="checkbox"
                                            disabled=move || no_tools().is_some()
                                            prop:checked=move || setting(&n1).enabled
                                            on:change=move |ev| {
                                                let enabled = event_target_checked(&ev);
                                                settings.set_tool(&n2, ToolSetting { enabled, ..setting(&n2) });
                                            }
                                        />
                                        {format!("Use {name}")}
                                    </label>
                                    <label>
                                        <input
                                            type="checkbox"
                                            disabled=move || no_tools().is_some()
                                            prop:checked=move || setting(&n3).ask
                                            on:change=move |ev| {
                                                let ask = event_target_checked(&ev);
                                                settings.set_tool(&n4, ToolSetting { ask, ..setting(&n4) });
                                            }
                                        />
                                        {format!("Ask before running {name}")}
                                    </label>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </details>
    }
}
