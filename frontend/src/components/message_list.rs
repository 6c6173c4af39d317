//! The open conversation on screen: one keyed view per message (text, attachments, tool
//! cards, notes, actions), and the notices under it.

use leptos::html::{Div, Main};
use leptos::prelude::*;

use wasm_bindgen::JsCast;

use converse_shared::ContentBlock;

use crate::components::reply_parts::{StopNote, Thinking, VersionNav};
use crate::components::starters::Starters;
use crate::components::tool_cards::ToolCards;
use crate::components::usage;
use crate::i18n::{t, tf};
use crate::mode::Look;
use crate::render::{LiveMarkdown, code_of_copy_button, copy_from};
use crate::state::conversation::Conversation;
use crate::state::follow::Follow;
use crate::state::message::ChatMessage;
use crate::state::notices::Notices;
use crate::state::reply::{Reply, too_long};
use crate::state::settings::SettingsState;
use crate::storage::MessageStatus;
use crate::{attach, dates};

/// The conversation, one keyed entry per message.
#[component]
pub(crate) fn MessageList() -> impl IntoView {
    let conversation = expect_context::<Conversation>();
    let follow = expect_context::<Follow>();
    let notices = expect_context::<Notices>();
    let settings = expect_context::<SettingsState>();
    let scroller = NodeRef::<Main>::new();
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            follow.scroller.set_value(Some(el.into()));
        }
    });
    // One listener for every copy button of every code block.
    let on_click = move |ev: web_sys::MouseEvent| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        if let Some(code) = code_of_copy_button(&target) {
            copy_from(&target, code);
        }
    };
    let look = use_context::<Look>();
    // The widget greets as its site chose, and offers no starters of the page's own.
    let starters = look.is_none();
    let empty = look.map_or_else(|| t("empty"), |look| look.greeting);
    view! {
        <main class="messages" node_ref=scroller aria-label=t("conversation") data-loaded=move || conversation.messages.with(Vec::len)
            on:scroll=move |_| follow.on_scroll()
            on:wheel=move |ev: web_sys::WheelEvent| follow.on_wheel(ev.delta_y()) on:click=on_click>
            <Show when=move || conversation.messages.with(Vec::is_empty)>
                <p class="empty">{empty.clone()}</p>
                {starters.then(|| view! { <Starters /> })}
            </Show>
            // What the model is sent in place of the turns it no longer gets.
            <Show when=move || conversation.summary.with(Option::is_some)>
                <details class="summary-note">
                    <summary>{t("summary_title")}</summary>
                    <p>{move || conversation.summary.get()}</p>
                </details>
            </Show>
            // Tool results are shown in the cards of the reply that asked for them.
            <Show when=move || { conversation.shown_from.get() > 0 }>
                <button type="button" class="secondary show-earlier" on:click=move |_| conversation.show_earlier()>
                    {move || tf("earlier", &[("n", &conversation.shown_from.get().to_string())])}
                </button>
            </Show>
            {move || {
                conversation.turn.track();
                view! {
                    <For
                        each=move || {
                            let from = conversation.shown_from.get();
                            conversation.messages.get().into_iter().skip(from).filter(|m| !m.is_tool_results())
                        }
                        key=|m| m.key
                        let:message
                    >
                        <MessageView message />
                    </For>
                }
            }}
            <Show when=move || {
                settings.models.with(|l| l.as_ref().is_some_and(|l| l.page_access.as_deref() == Some("off")))
            }>
                <p class="storage-error" role="alert">{t("keys_only")}</p>
            </Show>
            <Show when=move || notices.storage_error.get().is_some()>
                <p class="storage-error" role="alert">{move || notices.storage_error.get()}</p>
            </Show>
            <div class="sr-only" aria-live="polite">{move || notices.announcement.get()}</div>
            <Show when=move || !follow.following.get()>
                <button type="button" class="jump" on:click=move |_| follow.scroll_to_end()>{t("jump")}</button>
            </Show>
        </main>
    }
}

/// One message: who wrote it, its text (appended to in place while it streams), and how it
/// ended.
#[component]
fn MessageView(
    /// The message to show.
    message: ChatMessage,
) -> impl IntoView {
    let text_ref = NodeRef::<Div>::new();
    // A reply is Markdown, rendered as it streams; what the person wrote is shown as written.
    Effect::new(move |_| {
        if let Some(el) = text_ref.get()
            && !message.from_user
        {
            let live = message.text.with_value(|text| LiveMarkdown::new(&el, text));
            message.live.set_value(live);
            if message.status.get_untracked() != MessageStatus::Streaming {
                message.finish_render();
            }
        }
    });
    let reply = expect_context::<Reply>();
    // The page's `messages` and `busy` through this conversation's memos (see `Turn`).
    let turn = expect_context::<Conversation>().turn.get_untracked();
    let editing = RwSignal::new(false);
    if message.from_user {
        // ArrowUp in the empty message box edits the last thing the person wrote.
        Effect::new(move |_| {
            if turn.edit_request.get() == Some(message.key) {
                turn.edit_request.set(None);
                editing.set(true);
            }
        });
    }
    let copy_ref = NodeRef::<leptos::html::Button>::new();
    let copy = move |_| {
        if let Some(button) = copy_ref.get_untracked() {
            copy_from(&button, message.text.get_value());
        }
    };
    let (who, class) =
        if message.from_user { (t("you"), "message user") } else { (t("assistant"), "message assistant") };
    let status = move || match message.status.get() {
        MessageStatus::Complete => "complete",
        MessageStatus::Streaming => "streaming",
        MessageStatus::Stopped => "stopped",
        MessageStatus::Interrupted => "interrupted",
        MessageStatus::Error => "error",
    };
    // A long message the person pasted shows its start until asked for the rest.
    let long = message.from_user && message.text.with_value(|t| t.lines().count() > 12 || t.len() > 1_500);
    let expanded = RwSignal::new(false);
    view! {
        <article class=class data-status=status aria-busy=move || (message.status.get() == MessageStatus::Streaming).to_string()>
            <div class="who">
                {who}
                {message.at.map(|at| view! {
                    <time datetime=dates::iso(at) title=dates::full_time(at)>
                        {dates::message_time(at, js_sys::Date::now())}
                    </time>
                })}
            </div>
            {(!message.from_user).then(|| view! { <Thinking message /> })}
            <div class=if message.from_user { "text plain" } else { "text markdown" } node_ref=text_ref
                class:collapsed=move || long && !expanded.get()
                hidden=move || editing.get()>
                {message.from_user.then(|| message.text.get_value())}
            </div>
            {long.then(|| view! {
                <button type="button" class="secondary expand" aria-expanded=move || expanded.get().to_string()
                    hidden=move || editing.get() on:click=move |_| expanded.update(|e| *e = !*e)>
                    {move || if expanded.get() { t("show_less") } else { t("show_all") }}
                </button>
            })}
            <Show when=move || editing.get()>
                <EditBox message editing />
            </Show>
            // A reply's generated images are there once it has ended.
            {move || {
                message.status.track();
                view! { <Attachments message /> }
            }}
            <Show when=move || message.status.get() == MessageStatus::Streaming>
                <span class="typing" aria-hidden="true">"●"</span>
            </Show>
            <ToolCards message />
            <Show when=move || message.note.get().is_some()>
                <p class="note">{move || message.note.get()}</p>
            </Show>
            <Show when=move || turn.is_unanswered(&message)>
                <p class="note unanswered">{t("unanswered")}</p>
            </Show>
            <StopNote message />
            <Show when=move || message.status.get() == MessageStatus::Stopped>
                <p class="note">{t("stopped")}</p>
            </Show>
            <Show when=move || message.status.get() == MessageStatus::Interrupted>
                <p class="note">{t("interrupted")}</p>
            </Show>
            <Show when=move || message.error.get().is_some()>
                <p class="error" role="alert">{move || message.error.get()}</p>
            </Show>
            <Show when=move || message.versions.with(|v| !v.is_empty())>
                <VersionNav message idle=turn.idle />
            </Show>
            <div class="actions" hidden=move || editing.get() || message.status.get() == MessageStatus::Streaming>
                <button type="button" class="copy-message" node_ref=copy_ref on:click=copy
                    aria-label=if message.from_user { t("copy_message") } else { t("copy_reply") }>{t("copy")}</button>
                <Show when=move || message.from_user && turn.idle.get()>
                    <button type="button" on:click=move |_| editing.set(true)>{t("edit")}</button>
                </Show>
                <Show when=move || turn.is_last_reply(&message) && turn.idle.get()>
                    <button type="button" on:click=move |_| reply.regenerate()>
                        {move || if message.status.get() == MessageStatus::Error { t("retry") } else { t("regenerate") }}
                    </button>
                </Show>
                <Show when=move || turn.is_last_reply(&message) && turn.idle.get() && too_long(&message)>
                    <button type="button" on:click=move |_| reply.trim_and_retry()>{t("trim_retry")}</button>
                </Show>
                <Show when=move || turn.is_last_reply(&message) && turn.idle.get() && reply.can_continue(&message)>
                    <button type="button" on:click=move |_| reply.continue_reply()>{t("continue")}</button>
                </Show>
            </div>
            <Show when=move || message.usage.get().is_some() || message.timing.get().is_some()>
                <p class="usage">{move || usage::line(&message)}</p>
            </Show>
        </article>
    }
}

/// The files a message carries: images, videos and recordings shown (their object URLs let
/// go when the message leaves the screen), documents by name.
#[component]
fn Attachments(message: ChatMessage) -> impl IntoView {
    let files: Vec<(Option<(attach::Shown, String)>, String)> = message.blocks.with_value(|blocks| {
        blocks
            .iter()
            .filter(|b| {
                matches!(
                    b,
                    ContentBlock::Image(_)
                        | ContentBlock::Document(_)
                        | ContentBlock::Video(_)
                        | ContentBlock::Audio(_)
                )
            })
            .map(|b| (attach::preview(b), attach::label(b)))
            .collect()
    });
    let urls: Vec<String> =
        files.iter().filter_map(|(p, _)| p.as_ref().map(|(_, url)| url.clone())).collect();
    on_cleanup(move || {
        for url in &urls {
            let _ = web_sys::Url::revoke_object_url(url);
        }
    });
    (!files.is_empty()).then(|| {
        view! {
            <ul class="attachments" aria-label=if message.from_user { "Attached files" } else { "Generated images" }>
                {files.into_iter().map(|(preview, label)| view! {
                    <li>
                        {preview.map(|(shown, src)| attach::preview_view(shown, src, label.clone()))}
                        <span>{label.clone()}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}

/// Where a message the person wrote is edited: Enter (or Send) resends it, replacing the
/// turns after it; Esc (or Cancel) leaves it as it was.
#[component]
fn EditBox(message: ChatMessage, editing: RwSignal<bool>) -> impl IntoView {
    let reply = expect_context::<Reply>();
    let field = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    let send = move || {
        if let Some(field) = field.get_untracked() {
            editing.set(false);
            reply.edit(message.id, field.value());
        }
    };
    view! {
        <div class="edit-box">
            <textarea
                aria-label=t("edit_message")
                rows="3"
                node_ref=field
                prop:value=message.text.get_value()
                on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                    "Enter" if !ev.shift_key() && !ev.is_composing() => {
                        ev.prevent_default();
                        send();
                    }
                    "Escape" => editing.set(false),
                    _ => {}
                }
            ></textarea>
            <div class="actions">
                <button type="button" on:click=move |_| send()>{t("send")}</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(false)>{t("cancel")}</button>
            </div>
        </div>
    }
}
