//! `#rule-vms`: the VMs of a rule's vApp as vCD reports them, each protectable from scale-in.

use api_types::RuleVm;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{BadgeKind, count_noun};
use crate::logic::load_state::DataState;

const COLUMNS: &[Column] = &[
    Column::text("Name"),
    Column::text("IP"),
    Column::text("Power"),
    Column::text("In pool"),
    Column::text("Protected"),
];

/// The table, fetched again whenever `revision` changes. The wrapper `#rule-vms` carries
/// `data-state`; each row `tr.vm-row` has `data-vm-id`, `data-vm-name` and
/// `data-protected`, and its toggle is `input.vm-protect`.
#[component]
pub fn RuleVmTable(org: String, rule_id: String, #[prop(into)] revision: Signal<String>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (fetch_api, fetch_org, fetch_id) = (api.clone(), org.clone(), rule_id.clone());
    let vms = LocalResource::new(move || {
        revision.track();
        let (api, org, id) = (fetch_api.clone(), fetch_org.clone(), fetch_id.clone());
        async move { api.autoscale_vms(&org, &id).await }
    });
    // The table as last loaded, each row replaced by the server's answer to a toggle.
    let rows = RwSignal::new(None::<Vec<RuleVm>>);
    Effect::new(move || {
        if let Some(Ok(list)) = vms.get() {
            rows.set(Some(list.items));
        }
    });
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(None::<String>);
    let toggle = Callback::new(move |(vm, protected): (String, bool)| {
        busy.set(Some(vm.clone()));
        failure.set(None);
        let (api, org, id) = (api.clone(), org.clone(), rule_id.clone());
        spawn_local(async move {
            let result = api.protect_autoscale_vm(&org, &id, &vm, protected).await;
            busy.set(None);
            match result {
                Ok(updated) => rows.update(|rows| {
                    if let Some(row) = rows.iter_mut().flatten().find(|r| r.id == updated.id) {
                        *row = updated;
                    }
                }),
                Err(error) => {
                    failure.set(Some(error));
                    vms.refetch();
                }
            }
        });
    });
    let state = move || match (rows.with(|r| r.as_ref().map(Vec::is_empty)), vms.with(|v| v.is_some())) {
        (Some(true), _) => DataState::Empty,
        (Some(false), _) => DataState::Ready,
        (None, false) => DataState::Loading,
        (None, true) => DataState::Error,
    };
    let body = move || match (rows.get(), vms.get()) {
        (Some(list), _) if list.is_empty() => view! {
            <EmptyState title="No VMs in the vApp" hint="The rule adds VMs from its template when it scales out." />
        }
        .into_any(),
        (Some(list), _) => {
            let footer = count_noun(list.len(), "VM", "VMs");
            let rows = list.into_iter().map(|vm| vm_row(vm, busy, toggle)).collect_view();
            view! {
                <Datagrid columns=COLUMNS footer>
                    {rows}
                </Datagrid>
            }
            .into_any()
        }
        (None, Some(Err(error))) => view! { <ErrorAlert error /> }.into_any(),
        (None, _) => view! { <Spinner label="Loading the VMs…" /> }.into_any(),
    };
    view! {
        <div id="rule-vms" data-state=move || state().as_str()>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            {body}
        </div>
    }
}

fn vm_row(vm: RuleVm, busy: RwSignal<Option<String>>, toggle: Callback<(String, bool)>) -> impl IntoView {
    let (power_kind, power) = if vm.powered_on { (BadgeKind::Success, "on") } else { (BadgeKind::Neutral, "off") };
    let (pool_kind, pool) = if vm.in_pool { (BadgeKind::Info, "member") } else { (BadgeKind::Neutral, "not a member") };
    let id = vm.id.clone();
    let this_busy = {
        let id = id.clone();
        move || busy.with(|b| b.as_deref() == Some(id.as_str()))
    };
    view! {
        <tr
            class="vm-row"
            data-vm-id=vm.id.clone()
            data-vm-name=vm.name.clone()
            data-protected=vm.protected.to_string()
        >
            <td class="strong" title=vm.id.clone()>
                {vm.name.clone()}
            </td>
            <td>
                {match vm.ip {
                    Some(ip) => view! { <code>{ip}</code> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            <td>
                <StatusBadge kind=power_kind text=power />
            </td>
            <td>
                <StatusBadge kind=pool_kind text=pool />
            </td>
            <td>
                <label class="checkbox" title="A protected VM is never removed by a scale-in">
                    <input
                        type="checkbox"
                        class="vm-protect"
                        aria-label=format!("Protect {}", vm.name)
                        prop:checked=vm.protected
                        disabled=this_busy
                        on:change=move |ev| toggle.run((id.clone(), event_target_checked(&ev)))
                    />
                    {if vm.protected { " protected" } else { " no" }}
                </label>
            </td>
        </tr>
    }
}
