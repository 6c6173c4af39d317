//! The service tier a conversation asks for, among those the relay offers
//! (`ALLOWED_SERVICE_TIERS`): Bedrock's standard (no tier named), flex (cheaper, may wait),
//! priority (first, at a premium), reserved (the account's reserved capacity).

use leptos::prelude::*;

use crate::state::settings::SettingsState;

/// A tier as the person reads it.
fn tier_name(tier: &str) -> String {
    match tier {
        "flex" => "Flex: costs less, may take longer".into(),
        "priority" => "Priority: answers first, costs more".into(),
        "reserved" => "Reserved: the account's reserved capacity".into(),
        other => other.to_owned(),
    }
}

/// The service tier field of Settings, where the relay offers a tier beyond the standard one.
#[component]
pub(crate) fn ServiceTierField() -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let offered = move || {
        settings.models.with(|l| {
            let tiers = l.iter().flat_map(|l| &l.service_tiers);
            tiers.filter(|t| *t != "default").cloned().collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !offered().is_empty()>
            <label>
                "Service tier"
                <select
                    prop:value=move || settings.settings.with(|s| s.service_tier.clone().unwrap_or_default())
                    on:change=move |ev| {
                        let tier = event_target_value(&ev);
                        settings.set_settings(|s| s.service_tier = (!tier.is_empty()).then_some(tier));
                    }
                >
                    <option value="">"Standard"</option>
                    {move || offered().into_iter().map(|tier| view! {
                        <option value=tier.clone()>{tier_name(&tier)}</option>
                    }).collect_view()}
                </select>
            </label>
            <p class="hint">
                "Each reply says which tier served it. Not every model offers every tier: Bedrock says so when this one does not."
            </p>
        </Show>
    }
}
