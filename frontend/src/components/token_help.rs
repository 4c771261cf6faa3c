//! How to get a token, shown when there is none or the API refused it.

use leptos::prelude::*;

/// The steps that give this browser tab a token.
#[component]
pub fn TokenHelp() -> impl IntoView {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    view! {
        <div class="card token-help">
            <div class="card-header">"Sign in with an API token"</div>
            <div class="card-block">
                <p>"Stratus needs an API token to show your organization's resources."</p>
                <ol>
                    <li>
                        "On the Stratus server, create a token for your organization:"
                        <pre><code>"stratus token create --org ORG --role tenant-admin"</code></pre>
                    </li>
                    <li>
                        "Open this page with the token after "<code>"#token="</code>":"
                        <pre><code>{origin}"/#token=…"</code></pre>
                    </li>
                </ol>
                <p class="hint">
                    "The token is kept for this browser tab only and removed from the address bar."
                </p>
            </div>
        </div>
    }
}
