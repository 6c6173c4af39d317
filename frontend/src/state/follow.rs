//! Keeping the newest text in view: the conversation follows a streaming reply while the
//! reader is at the bottom, and a reply's view is brought up to date at most once per
//! animation frame, however many deltas arrived.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;

use crate::state::message::ChatMessage;

/// Scrolling and the render schedule, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Follow {
    /// The element that scrolls the conversation.
    pub scroller: StoredValue<Option<web_sys::Element>, LocalStorage>,
    /// Whether the view follows a streaming reply: true while the reader is at the bottom.
    pub following: RwSignal<bool>,
    last_scroll_top: StoredValue<i32>,
    /// The reply whose view awaits the next animation frame.
    dirty: StoredValue<Option<ChatMessage>>,
    frame: StoredValue<Option<Closure<dyn FnMut()>>, LocalStorage>,
}

impl Follow {
    /// Following, with nothing to render.
    pub fn new() -> Self {
        Self {
            scroller: StoredValue::new_local(None),
            following: RwSignal::new(true),
            last_scroll_top: StoredValue::new(0),
            dirty: StoredValue::new(None),
            frame: StoredValue::new_local(None),
        }
    }

    /// Scrolls to the newest message and follows the reply from there.
    pub fn scroll_to_end(self) {
        self.scroller.with_value(|s| {
            if let Some(s) = s {
                s.set_scroll_top(s.scroll_height());
            }
        });
        self.set_following(true);
    }

    /// Scrolls to the newest message once the messages just set are on screen (a
    /// conversation being opened: its views are built in this turn of the event loop, before
    /// the next frame), and follows from there.
    pub(crate) fn scroll_to_end_when_shown(self) {
        self.set_following(true);
        let Some(window) = web_sys::window() else { return };
        let scroll = Closure::once_into_js(move || self.scroll_to_end());
        use wasm_bindgen::JsCast;
        let _ = window.request_animation_frame(scroll.unchecked_ref());
    }

    /// The view scrolled: reaching the bottom resumes following; moving up stops it.
    pub fn on_scroll(self) {
        let Some((top, at_end)) = self.scroller.with_value(|s| {
            s.as_ref().map(|s| (s.scroll_top(), s.scroll_top() + s.client_height() >= s.scroll_height() - 24))
        }) else {
            return;
        };
        let previous = self.last_scroll_top.try_update_value(|t| std::mem::replace(t, top)).unwrap_or(top);
        if at_end {
            self.set_following(true);
        } else if top < previous {
            self.set_following(false);
        }
    }

    /// The reader turned the wheel up: stop following at once, before the view moves.
    pub fn on_wheel(self, delta_y: f64) {
        if delta_y < 0.0 {
            self.set_following(false);
        }
    }

    fn set_following(self, following: bool) {
        if self.following.get_untracked() != following {
            self.following.set(following);
        }
    }

    /// Asks for `reply`'s view to be brought up to date at the next animation frame (one
    /// layout per frame, however many deltas arrived).
    pub(crate) fn schedule_frame(self, reply: ChatMessage) {
        if self.dirty.try_update_value(|d| d.replace(reply)).flatten().is_some() {
            return;
        }
        self.frame.update_value(|frame| {
            let frame = frame.get_or_insert_with(|| {
                Closure::new(move || {
                    if let Some(reply) = self.dirty.try_update_value(Option::take).flatten() {
                        reply.refresh();
                        self.follow();
                    }
                })
            });
            if let Some(window) = web_sys::window() {
                use wasm_bindgen::JsCast;
                let _ = window.request_animation_frame(frame.as_ref().unchecked_ref());
            }
        });
    }

    /// Forgets a pending frame (the reply ended and is rendered whole).
    pub(crate) fn cancel_frame(self) {
        self.dirty.set_value(None);
    }

    /// Keeps the newest text in view if the reader is following.
    pub(crate) fn follow(self) {
        if self.following.get_untracked() {
            self.scroll_to_end();
        }
    }
}

impl Default for Follow {
    fn default() -> Self {
        Self::new()
    }
}
