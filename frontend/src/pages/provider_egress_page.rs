//! `#/provider/egress`: where the current org's functions may send requests with `fetch()`
//! (providers only). The provider picks the org as for the org's own views.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::egress_form::EgressForm;
use crate::components::error_alert::ErrorAlert;
use crate::components::page_heading::PageHeading;
use crate::components::spinner::Spinner;
use crate::logic::egress_form::EgressValues;

#[component]
pub fn ProviderEgressPage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let refresh = RwSignal::new(0u32);
    let policy_org = org.clone();
    let policy = LocalResource::new(move || {
        refresh.track();
        let (api, org) = (api.clone(), policy_org.clone());
        async move { api.egress_policy(&org).await }
    });
    let form_org = org.clone();
    let body = move || match policy.get() {
        None => view! { <Spinner label="Loading the egress policy…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(policy)) => {
            view! { <EgressForm org=form_org.clone() initial=EgressValues::from_policy(&policy) /> }.into_any()
        }
    };
    view! {
        <section id="page-provider-egress" class="page" data-state=move || if policy.get().is_some() { "ready" } else { "loading" }>
            <PageHeading
                title="Outbound access"
                subtitle=format!("Where the functions of organization {org} may send requests with fetch()")
                on_refresh=Callback::new(move |()| refresh.update(|n| *n += 1))
            />
            {body}
        </section>
    }
}
