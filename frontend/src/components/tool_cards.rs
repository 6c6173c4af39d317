//! A reply's tool calls, one card each: the tool, its input, its result (its search results
//! as a list of sources), how long it took, and Run / Skip where the tool asks first.

use converse_shared::search::Found;
use leptos::prelude::*;

use crate::state::message::{ChatMessage, ToolStatus};
use crate::state::running::Running;

/// A tool's search results, each its title (a link where its source is a web address) and
/// where it was found (when that is not its title too).
fn found_list(found: Vec<Found>) -> impl IntoView {
    let items = found
        .into_iter()
        .map(|f| {
            // A source the tool gave no other title shows once.
            let source =
                (f.source != f.title).then(|| view! { " "<span class="tool-source">{f.source}</span> });
            let title = match f.url {
                Some(url) => {
                    view! { <a href=url target="_blank" rel="noopener noreferrer">{f.title}</a> }.into_any()
                }
                None => view! { <span>{f.title}</span> }.into_any(),
            };
            view! { <li>{title}{source}</li> }
        })
        .collect_view();
    view! { <ol class="tool-sources" aria-label="Sources found">{items}</ol> }
}

/// The tool calls of a reply, one collapsible card each: the tool, its input, its result or
/// error, and how long it took.
#[component]
pub fn ToolCards(
    /// The reply whose calls to show.
    message: ChatMessage,
) -> impl IntoView {
    let running = expect_context::<Running>();
    move || {
        message
            .tools
            .get()
            .into_iter()
            .map(|card| {
                let (status, label) = match card.status {
                    ToolStatus::Receiving => ("receiving", "receiving input…".to_owned()),
                    ToolStatus::Asking => ("asking", "waiting for you".to_owned()),
                    ToolStatus::Running => ("running", "running…".to_owned()),
                    ToolStatus::Done => ("done", format!("done in {:.0} ms", card.duration_ms)),
                    ToolStatus::Failed => ("failed", "failed".to_owned()),
                };
                let asking = card.status == ToolStatus::Asking;
                let (run_id, skip_id) = (card.id.clone(), card.id.clone());
                view! {
                    <details
                        class="tool-card"
                        data-status=status
                        aria-label=format!("Tool call {}", card.name)
                        open=asking
                    >
                        <summary>
                            <span class="tool-name">{card.name.clone()}</span>
                            " · "
                            <span class="tool-status">{label}</span>
                        </summary>
                        <div class="tool-io">
                            <div class="tool-label">"Input"</div>
                            <pre class="tool-input">{card.input.clone()}</pre>
                            <div class="tool-label">{if card.status == ToolStatus::Failed { "Error" } else { "Result" }}</div>
                            {(!card.result.is_empty() || card.found.is_empty())
                                .then(|| view! { <pre class="tool-result">{card.result.clone()}</pre> })}
                            {(!card.found.is_empty()).then(|| found_list(card.found.clone()))}
                            <Show when=move || asking>
                                <div class="tool-ask">
                                    <button type="button" on:click={
                                        let id = run_id.clone();
                                        move |_| running.decide(&id, true)
                                    }>"Run"</button>
                                    <button type="button" class="secondary" on:click={
                                        let id = skip_id.clone();
                                        move |_| running.decide(&id, false)
                                    }>"Skip"</button>
                                </div>
                            </Show>
                        </div>
                    </details>
                }
            })
            .collect_view()
    }
}
