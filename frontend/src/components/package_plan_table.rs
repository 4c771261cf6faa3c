//! The import wizard's plan: one row per element with its action, what changes and its secret
//! slots; a checkbox picks it, and "Diff" opens its changes below the row.

use std::collections::BTreeSet;

use api_types::{ElementPlan, PackagePlan};
use leptos::prelude::*;

use crate::components::package_diff::PackageDiff;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::BadgeKind;
use crate::logic::package_plan::{change_summary, element_badge, secrets_summary, selectable};

/// The table; `selected` holds the ticked element ids.
#[component]
pub fn PackagePlanTable(plan: PackagePlan, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let rows = plan.elements.into_iter().map(|element| view! { <PlanRow element selected /> }).collect_view();
    view! {
        <div class="datagrid">
            <table class="datagrid-table" id="plan-table">
                <thead>
                    <tr>
                        <th class="select-col" scope="col">
                            <span class="visually-hidden">"Apply"</span>
                        </th>
                        <th scope="col">"Element"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Changes"</th>
                        <th scope="col">"Secrets"</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn PlanRow(element: ElementPlan, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let id = element.id.clone();
    let (word, kind) = element_badge(&element);
    let can_pick = selectable(&element);
    let has_diff = !element.fields.is_empty() || !element.files.is_empty();
    let open = RwSignal::new(false);
    let checked_id = id.clone();
    let toggle_id = id.clone();
    let on_toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            if on {
                s.insert(toggle_id.clone());
            } else {
                s.remove(&toggle_id);
            }
        });
    };
    let secrets = match secrets_summary(&element) {
        None => view! { <span class="muted">"—"</span> }.into_any(),
        Some((text, kind)) => view! { <StatusBadge kind text /> }.into_any(),
    };
    let summary = change_summary(&element);
    let lock = element.locked.then(|| view! { " " <StatusBadge kind=BadgeKind::Neutral text="locks it" /> });
    let blocked = element.blocked.clone().map(|why| view! { <div class="plan-blocked">{why}</div> });
    let detail = element.detail.clone().map(|why| view! { <div class="plan-detail muted">{why}</div> });
    let diff_element = element.clone();
    view! {
        <tr data-element=id.clone() data-action=word>
            <td class="select-col">
                <input
                    type="checkbox"
                    class="plan-pick"
                    aria-label=format!("Apply {id}")
                    disabled=!can_pick
                    prop:checked=move || selected.with(|s| s.contains(&checked_id))
                    on:change=on_toggle
                />
            </td>
            <td>
                <code>{id.clone()}</code>
            </td>
            <td>
                <StatusBadge kind text=word />
            </td>
            <td>{summary} {lock} {detail} {blocked}</td>
            <td>{secrets}</td>
            <td class="numeric">
                {has_diff
                    .then(|| {
                        view! {
                            <button type="button" class="btn btn-sm btn-link plan-diff" on:click=move |_| open.update(|o| *o = !*o)>
                                {move || if open.get() { "Hide diff" } else { "Diff" }}
                            </button>
                        }
                    })}
            </td>
        </tr>
        {move || {
            open.get()
                .then(|| {
                    view! {
                        <tr class="plan-diff-row">
                            <td colspan="6">
                                <PackageDiff element=diff_element.clone() />
                            </td>
                        </tr>
                    }
                })
        }}
    }
}
