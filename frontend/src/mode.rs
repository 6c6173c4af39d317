//! The mode the page was started in: the chat page itself, or the widget framed on a site.
//!
//! Set once at start by whoever mounts the page (the widget sets its site, preset, token and
//! defaults as it learns them) and read by the API client, the chat state and the components.
//! It imports nothing of the page, so nothing that reads it depends on the widget.

use std::cell::RefCell;

use futures_channel::oneshot;

use crate::storage::Settings;

/// Who the page calls the relay as, when it is a site's widget.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WidgetCaller {
    /// The embedding site's origin.
    pub site: String,
    /// The deployer's system-prompt preset asked for, if any.
    pub preset: Option<String>,
    /// The visitor token the relay gave this widget (`GET /v1/widget`), once it has one.
    pub token: Option<String>,
    /// The settings of a new conversation in the widget (it has no saved defaults).
    pub defaults: Option<Settings>,
}

/// What the compact view shows in place of the page's own words.
#[derive(Debug, Clone)]
pub struct Look {
    /// Shown before the first message.
    pub greeting: String,
    /// The composer's placeholder.
    pub placeholder: String,
}

thread_local! {
    static WIDGET: RefCell<Option<WidgetCaller>> = const { RefCell::new(None) };
    /// Sends waiting for the widget to learn its token, or that it will not get one.
    static WAITING: RefCell<Vec<oneshot::Sender<()>>> = const { RefCell::new(Vec::new()) };
    static SETTLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Starts the widget mode for `site`.
pub fn start_widget(site: String, preset: Option<String>) {
    WIDGET.with_borrow_mut(|w| *w = Some(WidgetCaller { site, preset, token: None, defaults: None }));
}

/// Changes what the widget calls as (its token once the relay gave it, a preset dropped, its
/// defaults); nothing when the page is not the widget.
pub fn update_widget(change: impl FnOnce(&mut WidgetCaller)) {
    WIDGET.with_borrow_mut(|w| w.as_mut().map(change));
}

/// The widget's caller, if this page is a site's widget.
pub fn widget() -> Option<WidgetCaller> {
    WIDGET.with_borrow(Clone::clone)
}

/// The widget has asked the relay for its token and has it (or learnt it will not get one):
/// sends that waited go on.
pub fn widget_settled() {
    SETTLED.set(true);
    for waiting in WAITING.take() {
        let _ = waiting.send(());
    }
}

/// Waits, in the widget, until it has asked the relay for its token: a visitor quick to send
/// is not refused for a token still on its way. At once on the chat page.
pub async fn ready() {
    if SETTLED.get() || widget().is_none() {
        return;
    }
    let (done, wait) = oneshot::channel();
    WAITING.with_borrow_mut(|w| w.push(done));
    let _ = wait.await;
}
