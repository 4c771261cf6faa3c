//! What the page hosting the app provides: the API base, the token, the clock and timers, and
//! the address bar.
//!
//! Standalone mode: the backend serves `index.html` with `window.__STRATUS_CONFIG__` filled in
//! (`{"apiBase": "", "mode": "standalone"}`) and the person opens `/#token=…`. The token is
//! moved into `sessionStorage` and taken out of the address bar. A vCD-embedded mode, where
//! the portal's Angular shell posts `{token, scope, orgId, apiRoot}`, will be another
//! [`HostMode`] with its own constructor; pages only ever see a [`HostConfig`].

use std::time::Duration;

use leptos::prelude::{Effect, LocalResource, on_cleanup, set_timeout, set_timeout_with_handle};
use serde::Deserialize;
use wasm_bindgen::{JsCast as _, JsValue};

use crate::logic::date::Date;
use crate::logic::fragment;

/// The `sessionStorage` key holding the token of this browser tab.
const TOKEN_KEY: &str = "stratus.token";

/// How the app is hosted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMode {
    /// Served by the Stratus backend itself, token from the URL fragment.
    Standalone,
}

/// Everything the app needs from its host before it can call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    pub mode: HostMode,
    /// Prefix of every API URL; `""` means the page's own origin.
    pub api_base: String,
    /// `None` until the person has given a token.
    pub token: Option<String>,
}

impl HostConfig {
    pub fn standalone(api_base: impl Into<String>, token: Option<String>) -> Self {
        Self { mode: HostMode::Standalone, api_base: api_base.into(), token }
    }

    /// Reads the injected config and the token (fragment first, then this tab's storage).
    ///
    /// A page without injected config (served by a plain static server) is standalone on
    /// the same origin.
    pub fn from_page() -> Self {
        let injected = injected_config();
        if !matches!(injected.mode.as_str(), "" | "standalone") {
            leptos::logging::warn!("unknown host mode {:?}, running standalone", injected.mode);
        }
        Self::standalone(injected.api_base, take_token())
    }
}

/// Drops the stored token, e.g. after the API rejected it.
pub fn forget_token() {
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        // Failing to remove it only means the next reload tries the same token again.
        let _ = storage.remove_item(TOKEN_KEY);
    }
}

/// The location hash, e.g. `#/showback`.
pub fn current_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Opens another view of the app, e.g. `#/functions/hello`.
pub fn go_to(href: &str) {
    if let Some(window) = web_sys::window() {
        // Setting the hash fires `hashchange`, which the shell turns into the new route.
        let _ = window.location().set_hash(href);
    }
}

/// Milliseconds since the epoch, for measuring how long something took.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Resolves after `duration`.
pub async fn sleep(duration: Duration) {
    let millis = i32::try_from(duration.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window()
            .map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis).is_ok())
            .unwrap_or(false);
        if !scheduled {
            // No timer to wait for: go on at once rather than hang.
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Refetches `resource` every `every` for as long as `busy` says its value is still changing,
/// e.g. while a function is `initializing`; stops by itself, and with the calling component.
pub fn refetch_while<T: 'static>(resource: LocalResource<T>, busy: impl Fn(&T) -> bool + 'static, every: Duration) {
    Effect::new(move |_| {
        let still_busy = resource.map(|value| busy(value)) == Some(true);
        if still_busy && let Ok(handle) = set_timeout_with_handle(move || resource.refetch(), every) {
            on_cleanup(move || handle.clear());
        }
    });
}

/// Offers `content` to the person as a download named `name`: a Blob, an object URL and a
/// temporary `<a download>` clicked once.
pub fn save_file(name: &str, mime: &str, content: &str) -> Result<(), String> {
    let js = |e: JsValue| format!("{e:?}");
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let body = document.body().ok_or("no body")?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    body.append_child(&link).map_err(js)?;
    link.click();
    link.remove();
    // The browser has read the URL by the time the click returns; a moment later it can go.
    set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), Duration::from_secs(10));
    Ok(())
}

/// Today's date in UTC, the calendar the cost data is kept in.
pub fn today_utc() -> Date {
    let now = js_sys::Date::new_0();
    let (year, month, day) = (now.get_utc_full_year(), now.get_utc_month() + 1, now.get_utc_date());
    Date::new(year as i32, month, day)
        .unwrap_or_else(|| unreachable!("the browser's clock gave an impossible date {year}-{month}-{day}"))
}

/// `window.__STRATUS_CONFIG__` as the backend injects it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InjectedConfig {
    #[serde(default)]
    api_base: String,
    #[serde(default)]
    mode: String,
}

fn injected_config() -> InjectedConfig {
    let Some(window) = web_sys::window() else {
        return InjectedConfig::default();
    };
    let value = js_sys::Reflect::get(&window, &JsValue::from_str("__STRATUS_CONFIG__")).ok().filter(JsValue::is_object);
    let json = value.and_then(|v| js_sys::JSON::stringify(&v).ok()).map(String::from);
    json.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}

/// Takes the token out of the fragment into `sessionStorage`, or reads a stored one.
fn take_token() -> Option<String> {
    let window = web_sys::window()?;
    let storage = window.session_storage().ok().flatten();
    let location = window.location();
    let hash = location.hash().unwrap_or_default();
    let Some(token) = fragment::token_from_fragment(&hash) else {
        return storage?.get_item(TOKEN_KEY).ok().flatten().filter(|t| !t.is_empty());
    };
    if let Some(storage) = &storage {
        // Without storage the token still works until the tab is reloaded.
        let _ = storage.set_item(TOKEN_KEY, &token);
    }
    let path = location.pathname().unwrap_or_else(|_| "/".to_owned());
    let search = location.search().unwrap_or_default();
    let url = format!("{path}{search}{}", fragment::fragment_without_token(&hash));
    if let Ok(history) = window.history() {
        // If this fails the token stays visible in the address bar, nothing worse.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
    Some(token)
}
