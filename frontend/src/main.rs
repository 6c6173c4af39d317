//! Mounts the chat page, or the compact chat when framed by the widget (`/widget`).

fn main() {
    console_error_panic_hook::set_once();
    match frontend::widget::detect() {
        Some(config) => {
            leptos::mount::mount_to_body(move || leptos::view! { <frontend::widget::WidgetApp config /> })
        }
        None => leptos::mount::mount_to_body(frontend::App),
    }
}
