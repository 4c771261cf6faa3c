//! "Pull from": the instances the provider registered as package sources, and a button that
//! plans this org's export from the one picked. Nothing shows when there are none.

use leptos::prelude::*;

use crate::api::ApiClient;

/// `#package-source` and `#plan-source`; `on_pick` gets the source's name.
#[component]
pub fn PackageSourcePick(
    org: String,
    #[prop(into)] disabled: Signal<bool>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let sources = LocalResource::new(move || {
        let (api, org) = (api.clone(), org.clone());
        async move { api.package_sources(&org).await }
    });
    let picked = RwSignal::new(String::new());
    move || {
        let list = sources.get().and_then(Result::ok).map(|l| l.items).unwrap_or_default();
        let first = list.first()?.name.clone();
        if picked.get_untracked().is_empty() {
            picked.set(first);
        }
        let options = list
            .into_iter()
            .map(|s| view! { <option value=s.name.clone()>{format!("{} ({})", s.name, s.url)}</option> })
            .collect_view();
        Some(view! {
            <span class="package-source">
                <span class="muted">"or pull from "</span>
                <select
                    id="package-source"
                    class="clr-select"
                    prop:value=move || picked.get()
                    on:change=move |ev| picked.set(event_target_value(&ev))
                >
                    {options}
                </select>
                <button
                    id="plan-source"
                    type="button"
                    class="btn btn-sm btn-outline"
                    disabled=move || disabled.get()
                    on:click=move |_| on_pick.run(picked.get_untracked())
                >
                    "Plan from source"
                </button>
            </span>
        })
    }
}
