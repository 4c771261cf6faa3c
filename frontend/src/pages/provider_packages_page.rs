//! `#/provider/packages`: the provider's own content (rate cards, showback collectors, per-org
//! limits) moved between instances: export it, import a provider package (verify, plan, pick,
//! apply), and the provider releases with rollback and drift (providers only).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::package_history::PackageHistory;
use crate::components::package_import::PackageImport;
use crate::components::page_heading::PageHeading;
use crate::host;
use crate::logic::urls::PackageScope;

#[component]
pub fn ProviderPackagesPage() -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let generation = RwSignal::new(0u32);
    let refresh = Callback::new(move |()| generation.update(|n| *n += 1));
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let export = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let api = api.clone();
        spawn_local(async move {
            let saved = match api.export_package(&PackageScope::Provider, &[]).await {
                Ok(bytes) => {
                    host::save_bytes("provider.stratus", "application/octet-stream", &bytes).map_err(ApiError::network)
                }
                Err(error) => Err(error),
            };
            if let Err(error) = saved {
                failure.set(Some(error));
            }
            busy.set(false);
        });
    };
    view! {
        <section id="page-provider-packages" class="page">
            <PageHeading
                title="Provider packages"
                subtitle="Rate cards, showback collectors and organization limits of this instance, as signed packages"
                on_refresh=refresh
            >
                <button
                    id="export-provider-package"
                    type="button"
                    class="btn btn-sm btn-outline"
                    disabled=move || busy.get()
                    on:click=export
                >
                    {move || if busy.get() { "Exporting…" } else { "Export provider content" }}
                </button>
            </PageHeading>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            <PackageImport scope=PackageScope::Provider on_applied=refresh />
            <h2 class="section-title">"Provider releases"</h2>
            <PackageHistory scope=PackageScope::Provider generation />
        </section>
    }
}
