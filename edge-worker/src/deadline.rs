//! A time-out that can be polled from many tasks and set again.
//!
//! `worker::Delay` keeps the waker of its first poll: a stream whose items are pulled by a
//! new task each time (a body workerd pulls) would never be woken by it. One timer per
//! stream, re-armed only when it falls due, needs one that wakes whoever polled it last.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

#[derive(Default)]
struct Shared {
    due: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// Falls due once its time has passed; [`Deadline::set`] starts it again.
pub(crate) struct Deadline {
    shared: Rc<Shared>,
    timer: Option<(i32, Closure<dyn FnMut()>)>,
}

impl std::fmt::Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadline").field("due", &self.shared.due.get()).finish()
    }
}

impl Deadline {
    /// A deadline `after` from now.
    pub(crate) fn after(after: Duration) -> Self {
        let mut deadline = Self { shared: Rc::default(), timer: None };
        deadline.set(after);
        deadline
    }

    /// Starts it again: due `after` from now.
    pub(crate) fn set(&mut self, after: Duration) {
        self.clear();
        self.shared.due.set(false);
        let shared = Rc::clone(&self.shared);
        let fire = Closure::<dyn FnMut()>::new(move || {
            shared.due.set(true);
            if let Some(waker) = shared.waker.borrow_mut().take() {
                waker.wake();
            }
        });
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let millis = i32::try_from(after.as_millis()).unwrap_or(i32::MAX);
        if let Ok(id) = global
            .set_timeout_with_callback_and_timeout_and_arguments_0(fire.as_ref().unchecked_ref(), millis)
        {
            self.timer = Some((id, fire));
        }
    }

    fn clear(&mut self) {
        if let Some((id, _)) = self.timer.take() {
            let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
            global.clear_timeout_with_handle(id);
        }
    }
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shared.due.get() {
            return Poll::Ready(());
        }
        *self.shared.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        self.clear();
    }
}
