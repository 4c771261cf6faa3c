//! The releases of an org (or of the provider's content) with what drifted since, loaded
//! together; they load again whenever `generation` moves (an apply, a rollback, a refresh).

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::datagrid::Column;
use crate::components::error_alert::ErrorAlert;
use crate::components::release_list::ReleaseList;
use crate::components::skeleton_grid::SkeletonGrid;
use crate::logic::urls::PackageScope;

const LOADING: &[Column] = &[Column::numeric("Release"), Column::text("Applied"), Column::text("Package")];

#[component]
pub fn PackageHistory(scope: PackageScope, generation: RwSignal<u32>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    // Releases and drift are two resources: both requests leave at once, not one after the other.
    let (releases_api, releases_scope) = (api.clone(), scope.clone());
    let releases = LocalResource::new(move || {
        generation.track();
        let (api, scope) = (releases_api.clone(), releases_scope.clone());
        async move { api.releases(&scope).await }
    });
    let drift_scope = scope.clone();
    let drift = LocalResource::new(move || {
        generation.track();
        let (api, scope) = (api.clone(), drift_scope.clone());
        async move { api.drift(&scope).await }
    });
    let changed = Callback::new(move |()| generation.update(|n| *n += 1));
    move || match (releases.get(), drift.get()) {
        (Some(Err(error)), _) | (_, Some(Err(error))) => view! { <ErrorAlert error /> }.into_any(),
        (Some(Ok(releases)), Some(Ok(drift))) => view! {
            <ReleaseList scope=scope.clone() releases=releases.items drift=drift.items on_changed=changed />
        }
        .into_any(),
        _ => view! { <SkeletonGrid columns=LOADING label="Loading releases…" /> }.into_any(),
    }
}
