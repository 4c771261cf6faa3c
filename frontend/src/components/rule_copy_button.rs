//! A button that puts a text on the clipboard, e.g. a webhook secret shown once.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast as _, JsValue};

/// How long the button says what happened before it reads "Copy" again.
const FEEDBACK_FOR: Duration = Duration::from_secs(2);

/// `Copy`; after a click `Copied` (or `Copy failed`) for a moment. `data-copied` on the
/// button is `true` once the text is on the clipboard.
#[component]
pub fn RuleCopyButton(#[prop(into)] id: String, #[prop(into)] text: String) -> impl IntoView {
    let outcome = RwSignal::new(None::<bool>);
    let text = StoredValue::new(text);
    let copy = move |_| {
        spawn_local(async move {
            let copied = copy_text(&text.get_value()).await;
            outcome.set(Some(copied));
            set_timeout(move || outcome.set(None), FEEDBACK_FOR);
        });
    };
    view! {
        <button
            id=id
            type="button"
            class="btn btn-sm btn-outline copy-button"
            data-copied=move || if outcome.get() == Some(true) { "true" } else { "false" }
            on:click=copy
        >
            {move || match outcome.get() {
                None => "Copy",
                Some(true) => "Copied",
                Some(false) => "Copy failed",
            }}
        </button>
    }
}

/// The asynchronous Clipboard API where the page may use it (a secure context), else the
/// older `execCommand("copy")` on a hidden text area.
async fn copy_text(text: &str) -> bool {
    if let Some(promise) = clipboard_write(text)
        && wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    {
        return true;
    }
    copy_with_text_area(text).unwrap_or(false)
}

fn clipboard_write(text: &str) -> Option<js_sys::Promise> {
    let window = web_sys::window()?;
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key)).ok();
    let clipboard = get(&window, "navigator").and_then(|n| get(&n, "clipboard")).filter(JsValue::is_object)?;
    let write: js_sys::Function = get(&clipboard, "writeText")?.dyn_into().ok()?;
    write.call1(&clipboard, &JsValue::from_str(text)).ok()?.dyn_into().ok()
}

fn copy_with_text_area(text: &str) -> Option<bool> {
    let document = web_sys::window()?.document()?;
    let area: web_sys::HtmlTextAreaElement = document.create_element("textarea").ok()?.dyn_into().ok()?;
    area.set_value(text);
    area.set_attribute("style", "position:fixed;top:0;left:0;opacity:0").ok()?;
    document.body()?.append_child(&area).ok()?;
    area.select();
    let copied = document.dyn_into::<web_sys::HtmlDocument>().ok()?.exec_command("copy").unwrap_or(false);
    area.remove();
    Some(copied)
}
