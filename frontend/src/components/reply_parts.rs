//! What a message says about itself besides its text: the model's reasoning (a "Thinking"
//! section that grows as the reasoning streams), why the reply stopped, when it stopped for
//! any reason but the end of its turn, with what the person can do next, and its other
//! versions (‹ 2/3 ›).

use converse_shared::StopReason;
use leptos::html::Div;
use leptos::prelude::*;

use crate::i18n::{t, tf};
use crate::render::LiveText;
use crate::state::conversation::Conversation;
use crate::state::message::ChatMessage;
use crate::state::settings::SettingsState;
use crate::storage::MessageStatus;

/// The reply's reasoning, collapsed under "Thinking"; said plainly where the provider redacted it.
#[component]
pub(crate) fn Thinking(
    /// The reply.
    message: ChatMessage,
) -> impl IntoView {
    let text_ref = NodeRef::<Div>::new();
    Effect::new(move |_| {
        if let Some(el) = text_ref.get() {
            let live = message.thinking.with_value(|text| LiveText::new(&el, text));
            message.thinking_live.set_value(live);
        }
    });
    let reasoning = message.reasoning;
    let thinking_now =
        move || message.status.get() == MessageStatus::Streaming && message.text.with_value(String::is_empty);
    view! {
        <Show when=move || reasoning.get().any()>
            <details class="thinking">
                <summary>{move || if thinking_now() { t("thinking_now") } else { t("thinking") }}</summary>
                <Show when=move || reasoning.get().readable>
                    <div class="thinking-text" node_ref=text_ref></div>
                </Show>
                <Show when=move || reasoning.get().redacted>
                    <p class="note">{t("reasoning_redacted")}</p>
                </Show>
            </details>
        </Show>
    }
}

/// Why the reply stopped, when it was not the end of its turn (or a tool call), and the way on.
#[component]
pub(crate) fn StopNote(
    /// The reply.
    message: ChatMessage,
) -> impl IntoView {
    let settings = expect_context::<SettingsState>();
    let note = move || {
        let reason = message.stop_reason.get()?;
        let family = settings.model_rules().family;
        let key = match reason {
            StopReason::EndTurn | StopReason::ToolUse => return None,
            StopReason::MaxTokens => "stop_max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::GuardrailIntervened => "stop_guardrail",
            StopReason::ContentFiltered => "stop_content_filtered",
            StopReason::MalformedModelOutput | StopReason::MalformedToolUse => "stop_malformed",
            StopReason::ModelContextWindowExceeded => "stop_context_window",
            _ => return Some(tf("stop_other", &[("reason", reason.as_str())])),
        };
        Some(tf(key, &[("model", &family)]))
    };
    move || {
        note().map(|text| {
            let reason = message.stop_reason.get().map(|r| r.as_str().to_owned()).unwrap_or_default();
            view! { <p class="note stop-reason" data-stop-reason=reason>{text}</p> }
        })
    }
}

/// "‹ 2/3 ›": the versions of the conversation from this message on (regenerated replies,
/// edited messages), any of which can be shown again while no reply is running.
#[component]
pub(crate) fn VersionNav(
    /// The first message of the versions.
    message: ChatMessage,
    /// No reply is running.
    idle: Memo<bool>,
) -> impl IntoView {
    let conversation = expect_context::<Conversation>();
    let shown = move || message.versions.with(|v| (v.shown, v.count()));
    let go = move |k: usize| conversation.show_version(message, k);
    let newest = move || {
        let (at, count) = shown();
        at + 1 == count
    };
    view! {
        <nav class="versions" aria-label=t("versions")>
            <button type="button" class="icon" aria-label=t("previous_version")
                disabled=move || !idle.get() || shown().0 == 0
                on:click=move |_| go(shown().0.saturating_sub(1))>"‹"</button>
            <span>{move || {
                let (at, count) = shown();
                tf("version_of", &[("n", &(at + 1).to_string()), ("count", &count.to_string())])
            }}</span>
            <button type="button" class="icon" aria-label=t("next_version")
                disabled=move || !idle.get() || newest()
                on:click=move |_| go(shown().0 + 1)>"›"</button>
        </nav>
    }
}
