//! `#/packages`: moving content between instances. Import a package (verify, plan, pick,
//! apply), export one, and the org's releases with rollback and drift.

use leptos::prelude::*;

use crate::components::package_export::PackageExport;
use crate::components::package_history::PackageHistory;
use crate::components::package_import::PackageImport;
use crate::components::page_heading::PageHeading;
use crate::logic::urls::PackageScope;

#[component]
pub fn PackagesPage(org: String) -> impl IntoView {
    let generation = RwSignal::new(0u32);
    let refresh = Callback::new(move |()| generation.update(|n| *n += 1));
    let exporting = RwSignal::new(false);
    let export_org = org.clone();
    let export = move || {
        exporting.get().then(|| {
            view! { <PackageExport org=export_org.clone() on_close=Callback::new(move |()| exporting.set(false)) /> }
        })
    };
    let scope = PackageScope::Org(org.clone());
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
            <PackageImport scope=scope.clone() on_applied=refresh />
            <h2 class="section-title">"Releases"</h2>
            <PackageHistory scope generation />
            {export}
        </section>
    }
}
