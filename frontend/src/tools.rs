//! Running the tools built into the page (pure Rust from `converse_shared::tools`), with the
//! browser's clock and time zone.

use converse_shared::tools::{Clock, Outcome, ToolCall, run_builtin};
use wasm_bindgen::JsValue;

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

/// Runs one call of a built-in tool; an unknown tool is an error the model can read.
pub fn run(call: &ToolCall) -> Outcome {
    run_builtin(&call.name, &call.input, &browser_clock())
        .unwrap_or_else(|| Outcome::Error(format!("the tool {:?} is not available in this page", call.name)))
}
