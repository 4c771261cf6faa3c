//! The provider's org picker: a select over every org the caller may open.

use leptos::prelude::*;

/// Selects the org being viewed among `orgs`.
#[component]
pub fn OrgSwitcher(
    orgs: Vec<String>,
    org: Signal<Option<String>>,
    set_org: WriteSignal<Option<String>>,
) -> impl IntoView {
    let options = move || {
        let current = org.get().unwrap_or_default();
        orgs.iter()
            .map(|o| view! { <option value=o.clone() selected=*o == current>{o.clone()}</option> })
            .collect_view()
    };
    view! {
        <select
            id="org-switcher"
            class="org-select"
            aria-label="Organization"
            on:change=move |ev| set_org.set(Some(event_target_value(&ev)))
        >
            {options}
        </select>
    }
}
