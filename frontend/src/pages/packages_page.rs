//! `#/packages`: moving content between instances. Import a package (verify, plan, pick,
//! apply), export one, and the org's releases with rollback and drift.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::Column;
use crate::components::error_alert::ErrorAlert;
use crate::components::package_export::PackageExport;
use crate::components::package_import::PackageImport;
use crate::components::page_heading::PageHeading;
use crate::components::release_list::ReleaseList;
use crate::components::skeleton_grid::SkeletonGrid;

const LOADING: &[Column] = &[Column::numeric("Release"), Column::text("Applied"), Column::text("Package")];

#[component]
pub fn PackagesPage(org: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    // Releases and drift are two resources: both requests leave at once, not one after the other.
    let (releases_api, releases_org) = (api.clone(), org.clone());
    let releases = LocalResource::new(move || {
        let (api, org) = (releases_api.clone(), releases_org.clone());
        async move { api.releases(&org).await }
    });
    let (drift_api, drift_org) = (api.clone(), org.clone());
    let drift = LocalResource::new(move || {
        let (api, org) = (drift_api.clone(), drift_org.clone());
        async move { api.drift(&org).await }
    });
    let exporting = RwSignal::new(false);
    let refresh = Callback::new(move |()| {
        releases.refetch();
        drift.refetch();
    });
    let list_org = org.clone();
    let history = move || match (releases.get(), drift.get()) {
        (Some(Err(error)), _) | (_, Some(Err(error))) => view! { <ErrorAlert error /> }.into_any(),
        (Some(Ok(releases)), Some(Ok(drift))) => view! {
            <ReleaseList org=list_org.clone() releases=releases.items drift=drift.items on_changed=refresh />
        }
        .into_any(),
        _ => view! { <SkeletonGrid columns=LOADING label="Loading releases…" /> }.into_any(),
    };
    let export_org = org.clone();
    let export = move || {
        exporting.get().then(|| {
            view! { <PackageExport org=export_org.clone() on_close=Callback::new(move |()| exporting.set(false)) /> }
        })
    };
    view! {
        <section id="page-packages" class="page">
            <PageHeading
                title="Packages"
                subtitle=format!("Signed packages and releases of organization {org}")
                on_refresh=refresh
            >
                <button id="export-package" type="button" class="btn btn-sm btn-outline" on:click=move |_| exporting.set(true)>
                    "Export package"
                </button>
            </PageHeading>
            <PackageImport org=org.clone() on_applied=refresh />
            <h2 class="section-title">"Releases"</h2>
            {history}
            {export}
        </section>
    }
}
