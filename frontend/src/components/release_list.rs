//! The releases of an org (or of the provider's content), newest first, each with its signers and a rollback; functions edited
//! here since their release are flagged above the table.

use api_types::{Drift, Release};
use leptos::prelude::*;

use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::release_rollback_dialog::ReleaseRollbackDialog;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{BadgeKind, count_noun, format_timestamp};
use crate::logic::urls::PackageScope;

const COLUMNS: &[Column] = &[
    Column::numeric("Release"),
    Column::text("Applied"),
    Column::text("Package"),
    Column::text("Signed by"),
    Column::numeric("Elements"),
    Column::text(""),
];

/// The drift banner and the releases table; `on_changed` runs after a rollback.
#[component]
pub fn ReleaseList(
    scope: PackageScope,
    releases: Vec<Release>,
    drift: Vec<Drift>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let rolling = RwSignal::new(None::<i64>);
    let drift_banner = (!drift.is_empty()).then(|| {
        let items = drift
            .iter()
            .map(|d| {
                view! {
                    <li>
                        <code>{d.id.clone()}</code>
                        {format!(": {}", d.detail)}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div id="package-drift" class="alert alert-warning" role="status">
                <div class="alert-body">
                    <p class="alert-message">
                        {format!("{} edited here since its release", count_noun(drift.len(), "element", "elements"))}
                    </p>
                    <ul class="alert-details">{items}</ul>
                </div>
            </div>
        }
    });
    if releases.is_empty() {
        return view! {
            {drift_banner}
            <EmptyState title="No releases yet" hint=format!("Import a package to make {}'s first release.", scope.target()) />
        }
        .into_any();
    }
    let newest = releases.first().map(|r| r.number);
    let footer = count_noun(releases.len(), "release", "releases");
    let rows = releases.into_iter().map(|r| release_row(r, newest, rolling)).collect_view();
    let dialog = move || {
        rolling.get().map(|number| {
            view! {
                <ReleaseRollbackDialog
                    scope=scope.clone()
                    number
                    on_close=Callback::new(move |()| rolling.set(None))
                    on_done=Callback::new(move |_| {
                        rolling.set(None);
                        on_changed.run(());
                    })
                />
            }
        })
    };
    view! {
        {drift_banner}
        <Datagrid columns=COLUMNS footer table_id="release-table">
            {rows}
        </Datagrid>
        {dialog}
    }
    .into_any()
}

fn release_row(release: Release, newest: Option<i64>, rolling: RwSignal<Option<i64>>) -> impl IntoView {
    let number = release.number;
    let signers = if release.signers.is_empty() {
        "unsigned".to_owned()
    } else {
        release.signers.iter().map(|s| s.principal.clone()).collect::<Vec<_>>().join(", ")
    };
    let rollback_of = release.rollback_of.map(|n| {
        view! { <StatusBadge kind=BadgeKind::Info text=format!("rollback to {n}") /> }
    });
    let changed = release.elements.iter().filter(|e| e.action != api_types::PlanAction::Unchanged).count();
    let action = (Some(number) != newest).then(|| {
        view! {
            <button type="button" class="btn btn-sm btn-link release-rollback" on:click=move |_| rolling.set(Some(number))>
                "Roll back to this"
            </button>
        }
    });
    view! {
        <tr data-release=number>
            <td class="numeric">{number}</td>
            <td>{format_timestamp(&release.applied_at)}</td>
            <td>{release.package.clone()} " " {rollback_of}</td>
            <td>{signers}</td>
            <td class="numeric" title=format!("{changed} changed")>{release.elements.len()}</td>
            <td class="numeric">{action}</td>
        </tr>
    }
}
