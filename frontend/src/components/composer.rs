//! Where the person writes: the draft, the files waiting to go, Send and Stop, and the
//! context meter and usage totals under it.

use converse_shared::conversation::Totals;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use wasm_bindgen::JsCast;

use crate::attach;
use crate::components::keys;
use crate::i18n::{t, tf};
use crate::mode::Look;
use crate::state::composer::ComposerState;
use crate::state::conversation::Conversation;
use crate::state::count::{Source, TokenCount};
use crate::state::notices::Notices;
use crate::state::reply::Reply;
use crate::state::running::Running;

/// Where the person writes. Enter sends (on a touch keyboard it adds a line, and Send sends),
/// Shift+Enter adds a line, Esc stops a reply, ArrowUp in an empty box edits the last message.
#[component]
pub(crate) fn Composer() -> impl IntoView {
    let composer = expect_context::<ComposerState>();
    let reply = expect_context::<Reply>();
    let running = expect_context::<Running>();
    let notices = expect_context::<Notices>();
    let conversation = expect_context::<Conversation>();
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.shift_key() && !ev.is_composing() && !keys::touch_keyboard() => {
            ev.prevent_default();
            reply.send();
        }
        "Escape" => running.stop(),
        "ArrowUp" if composer.draft.with_untracked(String::is_empty) => {
            let turn = conversation.turn.get_untracked();
            if turn.edit_last(conversation.messages) {
                ev.prevent_default();
            }
        }
        _ => {}
    };
    let on_files = move |ev: web_sys::Event| {
        let files = attach::event_files(&ev);
        if !files.is_empty() {
            ev.prevent_default();
            composer.add_files(files);
        }
    };
    // The message box has the focus when the page opens and whenever a conversation is opened
    // or started (not on a touch screen, where focus brings up the keyboard; not in the widget,
    // whose host page says when the panel opens).
    let input = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        conversation.current.track();
        if let Some(input) = input.get()
            && !keys::touch_keyboard()
            && crate::mode::widget().is_none()
        {
            let _ = input.focus();
        }
    });
    // Worked out once per change, for the places that show it: Bedrock's count where it is
    // had, else the estimate.
    let count = expect_context::<TokenCount>();
    let context = Memo::new(move |_| {
        let (estimate, window) = reply.context_used();
        let (used, source) = count.figure(estimate);
        (used, window, source)
    });
    let look = use_context::<Look>();
    // "Enter to send" is not so on a touch keyboard.
    let placeholder = match &look {
        Some(look) => look.placeholder.clone(),
        None if keys::touch_keyboard() => t("placeholder_short"),
        None => t("placeholder"),
    };
    // The widget is compact: no context meter or totals.
    let compact = look.is_some();
    view! {
        <Show when=move || composer.pending.with(|p| !p.is_empty())>
            <ul class="pending" aria-label=t("attachments")>
                <For each=move || composer.pending.get() key=|p| p.key let:file>
                    <li>
                        {file.preview.clone().map(|(shown, src)| attach::preview_view(shown, src, file.label.clone()))}
                        <span>{file.label.clone()}</span>
                        <button type="button" class="icon" aria-label=tf("remove", &[("name", &file.label)])
                            on:click=move |_| composer.remove_pending(file.key)>"✕"</button>
                    </li>
                </For>
            </ul>
        </Show>
        {move || composer.attach_errors.get().into_iter().map(|e| view! { <p class="send-error" role="alert">{e}</p> }).collect_view()}
        <Show when=move || notices.send_error.with(Option::is_some)>
            <p class="send-error" role="alert">{move || notices.send_error.get()}</p>
        </Show>
        <form
            class="composer"
            on:submit=move |ev| { ev.prevent_default(); reply.send(); }
            on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default()
            on:drop=move |ev: web_sys::DragEvent| on_files(ev.into())
        >
            <label class="attach" title="Attach images, documents, videos or recordings">
                <span aria-hidden="true">{t("attach")}</span>
                <input
                    type="file"
                    multiple
                    class="sr-only"
                    aria-label=t("attach_files")
                    accept="image/png,image/jpeg,image/gif,image/webp,video/*,audio/*,.pdf,.csv,.doc,.docx,.xls,.xlsx,.html,.txt,.md,.mkv,.flv,.mka"
                    on:change=move |ev| {
                        composer.add_files(attach::event_files(&ev));
                        // The same file can be chosen again after it was removed.
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.set_value("");
                        }
                    }
                />
            </label>
            // Where the model takes files by S3 link and the relay reads some bucket.
            <Show when=move || {
                let settings = conversation.settings;
                settings.model_rules().s3_media && settings.models.with(|l| l.as_ref().is_some_and(|l| l.s3_links))
            }>
                <button type="button" class="attach" title="Attach a file in Amazon S3 by its URI (for large videos)"
                    aria-label="Attach a file in S3" on:click=move |_| composer.link_s3()>"S3"</button>
            </Show>
            <label for="composer-input" class="sr-only">{t("message")}</label>
            <textarea
                id="composer-input"
                node_ref=input
                rows="2"
                placeholder=placeholder
                prop:value=move || composer.draft.get()
                on:input=move |ev| composer.set_draft(event_target_value(&ev))
                on:keydown=on_keydown
                on:paste=move |ev: web_sys::ClipboardEvent| on_files(ev.into())
            ></textarea>
            <Show
                when=move || running.busy.get()
                fallback=move || view! {
                    <button type="submit" disabled=move || composer.draft.with(|d| d.trim().is_empty()) && composer.pending.with(Vec::is_empty)>{t("send")}</button>
                }
            >
                <button type="button" class="stop" on:click=move |_| running.stop()>{t("stop")}</button>
            </Show>
        </form>
        <div class="status-line" hidden=compact>
            <label class="context" title=move || source_note(context.get().2)>
                <span>{move || {
                    let (used, window, source) = context.get();
                    let how = match source {
                        Source::Counted => "counted by Bedrock",
                        Source::Counting => "estimated, counting…",
                        Source::Estimated => "estimated",
                    };
                    format!("Context: {used} of {window} tokens ({:.0}%) · {how}", f64::from(used) * 100.0 / f64::from(window.max(1)))
                }}</span>
                <meter
                    aria-label="Context window used"
                    min="0"
                    max=move || context.get().1
                    high=move || f64::from(context.get().1) * 0.8
                    value=move || context.get().0
                ></meter>
            </label>
            <p class="totals" role="note" aria-label="Conversation usage">{move || {
                let Totals { input, output, replies } = conversation.totals();
                (replies > 0).then(|| {
                    let plural = if replies == 1 { "reply" } else { "replies" };
                    format!("This conversation: {input} in · {output} out tokens over {replies} {plural}")
                })
            }}</p>
        </div>
    }
}

/// What the context meter's figure is, in a sentence (its tooltip).
fn source_note(source: Source) -> &'static str {
    match source {
        Source::Counted => {
            "Bedrock counted the tokens the next request will send: the system prompt, the tools, the conversation and what you are writing."
        }
        Source::Counting => {
            "An estimate from the text's length, until Bedrock has counted the latest change."
        }
        Source::Estimated => {
            "An estimate from the text's length: Bedrock does not count this model's tokens. After each reply, Bedrock's own figures are used up to it."
        }
    }
}
