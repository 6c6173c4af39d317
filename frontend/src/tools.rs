//! Running tools: the ones built into the page (pure Rust from `converse_shared::tools`, with
//! the browser's clock and time zone), and the deployer's, through the relay.

use converse_shared::tools::{Clock, Outcome, ToolCall, run_builtin};
use wasm_bindgen::JsValue;

use crate::api;

/// The browser's clock and time zone.
pub fn browser_clock() -> Clock {
    let now = js_sys::Date::new_0();
    let options =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
    let time_zone = js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_else(|| "UTC".into());
    Clock { epoch_ms: now.get_time(), utc_offset_minutes: -(now.get_timezone_offset() as i32), time_zone }
}

/// Runs one call: a built-in tool here, anything else through the relay.
pub async fn run(call: &ToolCall) -> Outcome {
    match run_builtin(&call.name, &call.input, &browser_clock()) {
        Some(outcome) => outcome,
        None => api::run_http_tool(&call.name, &call.input).await,
    }
}
