//! What the page hosting the app provides: the API base, the token, the clock and timers, and
//! the address bar.
//!
//! Standalone mode: the backend serves `config.js`, which `index.html` loads before the app, with
//! `window.__STRATUS_CONFIG__` (`{"apiBase": "", "mode": "standalone"}`) and the person opens `/#token=…`. The token is
//! moved into `sessionStorage` and taken out of the address bar.
//!
//! vCD mode: the plugin's `assets/config.js` carries `{"mode": "vcd", "routing": "ext-api"|"amqp"}`
//! and the page runs in an iframe of the plugin's Angular shell. The app waits for the shell's
//! `stratus:session` message ([`listen_for_vcd_session`]; the rules are in
//! [`crate::logic::vcd_host`]), keeps the token in memory only, and addresses the API through
//! vCD. Pages only ever see a [`HostConfig`] and the API client's [`Access`].

use std::sync::{Arc, RwLock};
use std::time::Duration;

use leptos::prelude::{Effect, LocalResource, on_cleanup, set_timeout, set_timeout_with_handle};
use serde::Deserialize;
use wasm_bindgen::{JsCast as _, JsValue};

use crate::logic::date::Date;
use crate::logic::fragment;
use crate::logic::vcd_host::{self, Routing, Session};

/// The `sessionStorage` key holding the token of this browser tab.
const TOKEN_KEY: &str = "stratus.token";

/// How the app is hosted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMode {
    /// Served by the Stratus backend itself, token from the URL fragment.
    Standalone,
    /// In an iframe of the vCD plugin shell; the session comes by `postMessage`.
    Vcd { routing: Routing },
}

/// Everything the app needs from its host before it can call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    pub mode: HostMode,
    /// Standalone: prefix of every API URL, `""` meaning the page's own origin. vCD: replaces
    /// the leading `/api` of every API path ([`vcd_host::api_base`]); `""` until the session
    /// has arrived.
    pub api_base: String,
    /// `None` until the person has given a token.
    pub token: Option<String>,
}

impl HostConfig {
    pub fn standalone(api_base: impl Into<String>, token: Option<String>) -> Self {
        Self { mode: HostMode::Standalone, api_base: api_base.into(), token }
    }

    /// vCD mode once the shell's session has arrived.
    pub fn vcd(routing: Routing, session: &Session) -> Self {
        Self {
            mode: HostMode::Vcd { routing },
            api_base: vcd_host::api_base(routing, &session.api_root),
            token: Some(session.token.clone()),
        }
    }

    /// Reads the injected config and the token (fragment first, then this tab's storage).
    ///
    /// A page without injected config (served by a plain static server) is standalone on
    /// the same origin. In vCD mode there is no token yet: see [`listen_for_vcd_session`].
    pub fn from_page() -> Self {
        let injected = injected_config();
        if injected.mode == "vcd" {
            let routing = Routing::parse(&injected.routing).unwrap_or_else(|| {
                leptos::logging::warn!("unknown vCD routing {:?}, using ext-api", injected.routing);
                Routing::ExtApi
            });
            return Self { mode: HostMode::Vcd { routing }, api_base: String::new(), token: None };
        }
        if !matches!(injected.mode.as_str(), "" | "standalone") {
            leptos::logging::warn!("unknown host mode {:?}, running standalone", injected.mode);
        }
        Self::standalone(injected.api_base, take_token())
    }
}

/// How the API client addresses and authorises requests; every clone shares the token, which
/// the vCD shell may renew.
#[derive(Clone)]
pub struct Access {
    /// vCD modes: the base replacing the leading `/api` of each URL. `None`: URLs as built.
    vcd_base: Option<String>,
    token: Arc<RwLock<String>>,
}

impl Access {
    /// Standalone: `Authorization: Bearer <token>`, URLs unchanged.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self { vcd_base: None, token: Arc::new(RwLock::new(token.into())) }
    }

    /// For `host` once it has a token.
    pub fn for_host(host: &HostConfig) -> Self {
        let token = host.token.clone().unwrap_or_default();
        match host.mode {
            HostMode::Standalone => Self::bearer(token),
            HostMode::Vcd { .. } => Self { vcd_base: Some(host.api_base.clone()), token: Arc::new(RwLock::new(token)) },
        }
    }

    /// The URL to request for an API URL built on the client's base (`/api/…` in vCD modes).
    pub fn url(&self, url: &str) -> String {
        match &self.vcd_base {
            Some(base) => vcd_host::api_url(base, url),
            None => url.to_owned(),
        }
    }

    /// The credential headers: Bearer standalone; in vCD, Bearer or `x-vcloud-authorization`
    /// by the token's form, and the token again in Stratus' own header.
    pub fn credentials(&self) -> Vec<(&'static str, String)> {
        let token = self.token.read().map(|t| t.clone()).unwrap_or_default();
        match self.vcd_base {
            Some(_) => vcd_host::credential_headers(&token),
            None => vec![("Authorization", format!("Bearer {token}"))],
        }
    }

    fn renew(&self, token: &str) {
        if let Ok(mut current) = self.token.write()
            && *current != token
        {
            token.clone_into(&mut current);
        }
    }
}

impl PartialEq for Access {
    fn eq(&self, other: &Self) -> bool {
        self.vcd_base == other.vcd_base && Arc::ptr_eq(&self.token, &other.token)
    }
}

impl Eq for Access {}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").field("vcd_base", &self.vcd_base).field("token", &"<redacted>").finish()
    }
}

/// What the app needs once the vCD shell's first session has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcdStart {
    pub host: HostConfig,
    pub access: Access,
    /// The tenant portal's org; `None` in the provider portal.
    pub fixed_org: Option<String>,
    /// Whether provider pages are shown (the service-provider portal).
    pub provider_ui: bool,
}

/// Listens for the shell's session messages and tells the shell this page is ready.
///
/// The first valid session calls `on_start`; later ones (the shell re-posts when the portal's
/// token changes) renew the token in the [`Access`] handed out. Fails when the page is not in
/// a frame or its `parentOrigin` is malformed.
pub fn listen_for_vcd_session(routing: Routing, on_start: impl FnOnce(VcdStart) + 'static) -> Result<(), String> {
    use std::cell::RefCell;
    use wasm_bindgen::closure::Closure;

    let window = web_sys::window().ok_or("no window")?;
    let parent = window.parent().ok().flatten().ok_or("no parent window")?;
    if js_sys::Object::is(&parent, &window) {
        return Err("Stratus runs inside VMware Cloud Director: open it from the portal's menu".into());
    }
    let location = window.location();
    let own_origin = location.origin().unwrap_or_default();
    let expected = vcd_host::expected_parent_origin(&location.search().unwrap_or_default(), &own_origin)
        .ok_or("the page's parentOrigin is not an origin")?;
    let on_start = RefCell::new(Some(on_start));
    let access = RefCell::new(None::<Access>);
    let expected_origin = expected.clone();
    let source = parent.clone();
    let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let from_parent = event.source().is_some_and(|s| js_sys::Object::is(&s, &source));
        if !from_parent {
            return;
        }
        let data = js_sys::JSON::stringify(&event.data()).map(String::from).unwrap_or_default();
        let session = match vcd_host::accept_message(&event.origin(), &expected_origin, &data) {
            Ok(session) => session,
            Err(vcd_host::Rejected::NotSession) => return,
            Err(rejected) => {
                leptos::logging::warn!("ignored a message from the vCD shell: {rejected}");
                return;
            }
        };
        if let Some(access) = access.borrow().as_ref() {
            access.renew(&session.token);
            return;
        }
        let host = HostConfig::vcd(routing, &session);
        let started = Access::for_host(&host);
        *access.borrow_mut() = Some(started.clone());
        if let Some(on_start) = on_start.borrow_mut().take() {
            on_start(VcdStart {
                host,
                access: started,
                fixed_org: session.fixed_org(),
                provider_ui: session.provider_ui(),
            });
        }
    });
    window
        .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
        .map_err(|e| format!("listening for messages: {e:?}"))?;
    // The page lives as long as the listener.
    listener.forget();
    let ready = js_sys::JSON::parse(&format!(r#"{{"type":"{}"}}"#, vcd_host::READY_TYPE)).unwrap_or(JsValue::NULL);
    parent.post_message(&ready, &expected).map_err(|e| format!("posting to the vCD shell: {e:?}"))
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

/// Loads the page again (a new build of the UI after a deploy, for one).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
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
    save_parts(name, mime, &js_sys::Array::of1(&JsValue::from_str(content)))
}

/// [`save_file`] for bytes (a package archive).
pub fn save_bytes(name: &str, mime: &str, content: &[u8]) -> Result<(), String> {
    save_parts(name, mime, &js_sys::Array::of1(&js_sys::Uint8Array::from(content)))
}

fn save_parts(name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let js = |e: JsValue| format!("{e:?}");
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let body = document.body().ok_or("no body")?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options).map_err(js)?;
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

/// `window.__STRATUS_CONFIG__` as `config.js` sets it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InjectedConfig {
    #[serde(default)]
    api_base: String,
    #[serde(default)]
    mode: String,
    /// vCD mode: `ext-api` or `amqp`.
    #[serde(default)]
    routing: String,
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
