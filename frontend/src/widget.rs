//! The chat in its compact form, framed on someone else's site by the widget loader
//! (`frontend/widget/widget.js`).
//!
//! The frame is `/widget?site=<host origin>#<settings>`: the relay serves it only to sites
//! it lets embed the chat, with `frame-ancestors` naming that site. The settings after `#`
//! (never sent to the server) come from the loader's data attributes and are checked again
//! here, since anyone can write a URL. The host page talks to the frame only by
//! `postMessage`, and each side checks the other's origin: the frame accepts messages only
//! from its parent at `site`, and posts only to `site`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::components::{composer::Composer, message_list::MessageList};
use crate::i18n::{self, t};
use crate::mode::{self, Look};
use crate::site::{SiteInfo, refresh_token_every, site_info};
use crate::state::Page;
use crate::storage::host as host_store;
use crate::storage::{MessageStatus, Settings};

/// What the embedding page chose, as the frame understood it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WidgetConfig {
    /// The embedding site's origin.
    pub site: String,
    /// The panel's title.
    pub title: String,
    /// Shown before the first message.
    pub greeting: String,
    /// The composer's placeholder.
    pub placeholder: String,
    /// `#rgb` or `#rrggbb`, if given.
    pub accent: Option<String>,
    /// `light`, `dark` or `auto`.
    pub theme: String,
    /// The language of the words shown.
    pub lang: String,
    /// The model asked for, if any.
    pub model: Option<String>,
    /// The deployer's system-prompt preset asked for, by name.
    pub prompt: Option<String>,
    /// The host page's own system prompt (used only where the deployer allows it).
    pub system: Option<String>,
    /// What was wrong with the settings (each also reported to the host page's console).
    pub problems: Vec<String>,
}

/// Whether `value` is a CSS hex colour: `#rgb` or `#rrggbb`.
pub fn is_hex_colour(value: &str) -> bool {
    value
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Black or white, whichever reads better on `accent` (`#rgb` or `#rrggbb`).
pub fn text_on(accent: &str) -> &'static str {
    let hex = accent.trim_start_matches('#');
    let channel = |i: usize| {
        let part = if hex.len() == 3 { hex[i..i + 1].repeat(2) } else { hex[i * 2..i * 2 + 2].to_owned() };
        f64::from(u8::from_str_radix(&part, 16).unwrap_or(0)) / 255.0
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    if luminance > 0.55 { "#000000" } else { "#ffffff" }
}

impl WidgetConfig {
    /// Reads the frame's settings: `site` from the query, the rest from the fragment.
    pub fn parse(query: &str, fragment: &str) -> Self {
        let pairs = |s: &str| -> Vec<(String, String)> { url_pairs(s.trim_start_matches(['?', '#'])) };
        let site = pairs(query).into_iter().find(|(k, _)| k == "site").map(|(_, v)| v).unwrap_or_default();
        let mut config = Self {
            site,
            title: t("title"),
            greeting: t("empty"),
            placeholder: t("placeholder_short"),
            theme: "auto".into(),
            lang: "en".into(),
            ..Self::default()
        };
        let settings = pairs(fragment);
        // The language first, so the defaults are in it.
        if let Some((_, lang)) = settings.iter().find(|(k, _)| k == "lang") {
            if i18n::set_language(lang) {
                config.lang = lang.clone();
                config.title = t("title");
                config.greeting = t("empty");
                config.placeholder = t("placeholder_short");
            } else {
                config.problems.push(format!(
                    "data-lang {lang:?} is not one of {}; English is used.",
                    i18n::languages().join(", ")
                ));
            }
        }
        let text = |value: &str, max: usize| value.trim().chars().take(max).collect::<String>();
        for (key, value) in settings {
            match key.as_str() {
                "title" => config.title = text(&value, 80),
                "greeting" => config.greeting = text(&value, 1000),
                "placeholder" => config.placeholder = text(&value, 200),
                "accent" if is_hex_colour(&value) => config.accent = Some(value),
                "accent" => {
                    config.problems.push(format!("data-accent {value:?} is not a colour like #1a7f5a."))
                }
                "theme" if matches!(value.as_str(), "light" | "dark" | "auto") => config.theme = value,
                "theme" => config.problems.push(format!("data-theme {value:?} is not light, dark or auto.")),
                "model" if !value.trim().is_empty() => config.model = Some(value.trim().to_owned()),
                "prompt" if !value.trim().is_empty() => config.prompt = Some(value.trim().to_owned()),
                "system" if !value.trim().is_empty() => config.system = Some(text(&value, 20_000)),
                _ => {}
            }
        }
        config
    }
}

fn url_pairs(encoded: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        js_sys::decode_uri_component(&s.replace('+', " ")).map(String::from).unwrap_or_else(|_| s.to_owned())
    };
    encoded
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The widget's settings if this page is the framed widget (`/widget`).
pub fn detect() -> Option<WidgetConfig> {
    let location = web_sys::window()?.location();
    (location.pathname().ok()? == "/widget").then(|| {
        WidgetConfig::parse(&location.search().unwrap_or_default(), &location.hash().unwrap_or_default())
    })
}

/// Sends `message` (a JSON object with a `type`) to the host page, and to it alone.
fn post(site: &str, message: serde_json::Value) {
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else { return };
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    if let Ok(value) = serde::Serialize::serialize(&message, &serializer) {
        let _ = parent.post_message(&value, site);
    }
}

/// Reports a problem with the embed to the host page's console (and this frame's).
fn report(site: &str, problem: &str) {
    web_sys::console::error_1(&format!("[converse-edge widget] {problem}").into());
    post(site, serde_json::json!({ "type": "converse-edge:problem", "message": problem }));
}

/// Applies the site's rules to what the host page asked for: the model (one the site
/// offers), the preset (one the deployer wrote), the host's own system prompt (if allowed).
fn settle(page: Page, config: &WidgetConfig, info: &SiteInfo) {
    let offered = |id: &str| info.models.models.iter().any(|m| m.model_id == id) || info.models.any_model;
    let model = match &config.model {
        Some(model) if offered(model) => Some(model.clone()),
        Some(model) => {
            report(
                &config.site,
                &format!("data-model {model:?} is not offered to this site; its first model is used."),
            );
            None
        }
        None => None,
    };
    let settings = page.settings;
    let current = settings.model_id.get_untracked();
    let model = model
        .or_else(|| offered(&current).then(|| current.clone()))
        .or_else(|| info.models.models.first().map(|m| m.model_id.clone()));
    if let Some(model) = model.filter(|m| *m != current) {
        settings.set_model(model);
    }
    if let Some(prompt) = config.prompt.as_ref().filter(|p| !info.prompts.contains(p)) {
        report(
            &config.site,
            &format!(
                "data-prompt {prompt:?} is not one of this site's prompts ({}).",
                info.prompts.join(", ")
            ),
        );
        mode::update_widget(|w| w.preset = None);
    }
    let system = match &config.system {
        Some(_) if !info.host_prompt => {
            report(
                &config.site,
                "data-system-prompt is ignored: the relay does not let this site set its own system prompt.",
            );
            String::new()
        }
        Some(system) => system.clone(),
        None => String::new(),
    };
    mode::update_widget(|w| {
        w.defaults = Some(Settings { system_prompt: system.clone(), ..Settings::default() })
    });
    if settings.settings.with_untracked(|s| s.system_prompt != system) {
        settings.set_settings(|s| s.system_prompt = system);
    }
}

/// Listens to the host page: `converse-edge:send` {text} sends a message, and
/// `converse-edge:opened` puts the focus in the composer. Anything not from the parent at
/// `site` is ignored.
fn listen(page: Page, site: String) {
    host_store::on_host_message(site.clone(), move |event| {
        let data = event.data();
        let field = |name: &str| js_sys::Reflect::get(&data, &name.into()).ok().and_then(|v| v.as_string());
        match field("type").as_deref() {
            Some("converse-edge:send") => {
                let Some(text) = field("text").filter(|t| !t.trim().is_empty()) else { return };
                if page.running.busy.get_untracked() {
                    report(&site, "send() was ignored: a reply is still arriving.");
                    return;
                }
                page.composer.set_draft(text);
                page.reply.send();
            }
            Some("converse-edge:opened") => focus_composer(),
            _ => {}
        }
    });
}

fn focus_composer() {
    let input = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("composer-input"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(input) = input {
        let _ = input.focus();
    }
}

/// Esc closes the panel (the first Esc stops a reply that is arriving).
fn close_on_escape(page: Page, site: String) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let on_key = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
        // Read before the composer's own handler stops the reply.
        if ev.key() == "Escape" && !page.running.busy.get_untracked() && !ev.default_prevented() {
            post(&site, serde_json::json!({ "type": "converse-edge:close" }));
        }
    });
    let _ =
        document.add_event_listener_with_callback_and_bool("keydown", on_key.as_ref().unchecked_ref(), true);
    on_key.forget();
}

/// Themes the frame: light, dark or the system's, and the accent colour.
fn apply_look(config: &WidgetConfig) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    let _ = root.set_attribute("data-theme", &config.theme);
    let _ = root.set_attribute("lang", &config.lang);
    if let (Some(accent), Ok(root)) = (&config.accent, root.dyn_into::<web_sys::HtmlElement>()) {
        // Set through the CSSOM, which the page's CSP (no inline style) allows.
        let _ = root.style().set_property("--accent", accent);
        let _ = root.style().set_property("--accent-text", text_on(accent));
    }
}

/// The framed chat: a title bar (new conversation, close), the conversation, the composer.
#[component]
pub fn WidgetApp(
    /// What the host page chose.
    config: WidgetConfig,
) -> impl IntoView {
    host_store::start(config.site.clone());
    mode::start_widget(config.site.clone(), config.prompt.clone());
    apply_look(&config);
    let page = Page::provide();
    provide_context(Look { greeting: config.greeting.clone(), placeholder: config.placeholder.clone() });
    let site = config.site.clone();
    for problem in &config.problems {
        report(&site, problem);
    }
    listen(page, site.clone());
    close_on_escape(page, site.clone());
    {
        let config = config.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = host_store::load_preferences().await {
                page.notices.storage_error.set(Some(e.to_string()));
            }
            match site_info(&config.site).await {
                Ok(info) => {
                    mode::update_widget(|w| w.token = Some(info.token.clone()));
                    mode::widget_settled();
                    refresh_token_every(config.site.clone());
                    page.settings.models.set(Some(info.models.clone()));
                    page.restore().await;
                    settle(page, &config, &info);
                }
                Err(e) => {
                    mode::widget_settled();
                    report(&config.site, &e);
                    page.notices.storage_error.set(Some(e));
                }
            }
            post(&config.site, serde_json::json!({ "type": "converse-edge:ready" }));
        });
    }
    // The host page is told when each reply ends, and how.
    let reply_site = site.clone();
    Effect::new(move |was_busy: Option<bool>| {
        let busy = page.running.busy.get();
        if was_busy == Some(true) && !busy {
            let last =
                page.conversation.messages.with_untracked(|m| m.last().filter(|m| !m.from_user).cloned());
            if let Some(reply) = last {
                let status = match reply.status.get_untracked() {
                    MessageStatus::Complete => "complete",
                    MessageStatus::Stopped => "stopped",
                    _ => "error",
                };
                post(
                    &reply_site,
                    serde_json::json!({ "type": "converse-edge:reply", "status": status, "text": reply.text.get_value() }),
                );
            }
        }
        busy
    });
    let close_site = site.clone();
    view! {
        <div class="widget">
            <header class="widget-top">
                <h1>{config.title.clone()}</h1>
                <button type="button" class="secondary" on:click=move |_| page.conversation.new_conversation()>{t("new_conversation")}</button>
                <button type="button" class="icon close" aria-label=t("close")
                    on:click=move |_| post(&close_site, serde_json::json!({ "type": "converse-edge:close" }))>"✕"</button>
            </header>
            <MessageList />
            <Composer />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex_and_text_on_them_is_readable() {
        assert!(is_hex_colour("#1a7f5a") && is_hex_colour("#fff"));
        for bad in ["1a7f5a", "#12345", "red", "#ggg", "url(x)", "#fff;background:red"] {
            assert!(!is_hex_colour(bad), "{bad}");
        }
        assert_eq!(text_on("#ffdd00"), "#000000");
        assert_eq!(text_on("#123"), "#ffffff");
    }
}
