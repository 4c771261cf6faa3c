//! The create/edit form of an autoscale rule: targets picked from vCD, thresholds, group size
//! and timing, checked here as the server checks them, with the server's field errors under
//! each field.

use api_types::{LbKind, Rule, RuleTargets, RuleWithSecret, VcdObject};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::field_error::FieldError;
use crate::components::icon::{Icon, IconShape};
use crate::components::rule_vcd_select::{RuleVcdSelect, VCD_UNAVAILABLE, VcdChoices};
use crate::logic::function_form::{FieldErrors, FormMode};
use crate::logic::rule_form::{MAX_NAME, RuleFormValues, field, rule_errors_from_api};
use crate::logic::rule_text::{lb_kind_label, victim_policy_of, victim_policy_value};

/// What a save gave back.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleSaved {
    /// A new rule, with its webhook secret (shown only now).
    Created(RuleWithSecret),
    Updated(Rule),
}

/// The form, filled from `initial`. `Create` posts a new rule; `Edit` puts the rule `rule_id`.
/// `targets` names the objects the rule points at now (edit only), for objects the pickers
/// no longer list.
#[component]
pub fn RuleForm(
    mode: FormMode,
    org: String,
    initial: RuleFormValues,
    #[prop(optional)] rule_id: Option<String>,
    #[prop(optional)] targets: Option<RuleTargets>,
    on_saved: Callback<RuleSaved>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let v = initial.clone();
    let text = |s: &String| RwSignal::new(s.clone());
    let (name, template, vapp, edge, pool) =
        (text(&v.name), text(&v.template), text(&v.vapp), text(&v.edge_gateway), text(&v.lb_pool));
    let (member_port, vrops) = (text(&v.member_port), text(&v.vrops_resource));
    let (cpu_out, cpu_in, memory_out, memory_in, tolerance) =
        (text(&v.cpu_out), text(&v.cpu_in), text(&v.memory_out), text(&v.memory_in), text(&v.tolerance));
    let (min_vms, max_vms, step) = (text(&v.min_vms), text(&v.max_vms), text(&v.step));
    let (out_cooldown, in_cooldown, stabilization, drain) =
        (text(&v.out_cooldown), text(&v.in_cooldown), text(&v.stabilization), text(&v.drain));
    let victim = RwSignal::new(v.victim_policy);
    let enabled = RwSignal::new(v.enabled);
    let errors = RwSignal::new(FieldErrors::default());
    let saving = RwSignal::new(false);

    let list = |kind: &'static str| {
        let (api, org) = (api.clone(), org.clone());
        let resource = LocalResource::new(move || {
            let (api, org) = (api.clone(), org.clone());
            async move { api.vcd_objects(&org, kind).await.map(|l| l.items) }
        });
        Signal::derive(move || resource.get())
    };
    let (templates, vapps, edges) = (list("templates"), list("vapps"), list("edge-gateways"));
    let (pool_api, pool_org) = (api.clone(), org.clone());
    let pools_resource = LocalResource::new(move || {
        let (api, org, edge) = (pool_api.clone(), pool_org.clone(), edge.get());
        async move {
            if edge.is_empty() {
                return Ok(Vec::new());
            }
            api.vcd_pools(&org, &edge).await.map(|l| l.items)
        }
    });
    let pools: Signal<VcdChoices> = Signal::derive(move || pools_resource.get());
    // Another edge has other pools: the chosen one no longer applies.
    Effect::new(move |before: Option<String>| {
        let now = edge.get();
        if before.is_some_and(|b| b != now) {
            pool.set(String::new());
        }
        now
    });
    let vcd_down = Memo::new(move |_| {
        [templates, vapps, edges, pools]
            .into_iter()
            .find_map(|choices| choices.get().and_then(Result::err).filter(|e: &ApiError| e.code == VCD_UNAVAILABLE))
    });

    let targets = targets.unwrap_or_default();
    let original_edge = initial.edge_gateway.clone();
    let original_lb = targets.lb_kind;
    let lb_kind = move || -> Option<LbKind> {
        let chosen = edge.get();
        let listed = edges.with(|e| {
            e.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|l| l.iter().find(|o: &&VcdObject| o.id == chosen).cloned())
        });
        match listed {
            Some(o) => o.lb_kind,
            None if chosen == original_edge => original_lb,
            None => None,
        }
    };
    let lb_help = move || {
        (!edge.with(String::is_empty)).then(|| {
            let kind = lb_kind();
            let slug = match kind {
                Some(LbKind::NsxV) => "nsx_v",
                Some(LbKind::NsxTAlb) => "nsx_t_alb",
                None => "none",
            };
            view! {
                <div id="rule-edge-lb-kind" class="form-help" data-lb-kind=slug>
                    "Load balancer: "
                    <strong>{lb_kind_label(kind)}</strong>
                </div>
            }
        })
    };

    let invalid = move |key: &'static str| Signal::derive(move || errors.with(|e| !e.get(key).is_empty()));
    let collect = move || RuleFormValues {
        name: name.get_untracked(),
        template: template.get_untracked(),
        vapp: vapp.get_untracked(),
        edge_gateway: edge.get_untracked(),
        lb_pool: pool.get_untracked(),
        member_port: member_port.get_untracked(),
        cpu_out: cpu_out.get_untracked(),
        cpu_in: cpu_in.get_untracked(),
        memory_out: memory_out.get_untracked(),
        memory_in: memory_in.get_untracked(),
        tolerance: tolerance.get_untracked(),
        min_vms: min_vms.get_untracked(),
        max_vms: max_vms.get_untracked(),
        step: step.get_untracked(),
        out_cooldown: out_cooldown.get_untracked(),
        in_cooldown: in_cooldown.get_untracked(),
        stabilization: stabilization.get_untracked(),
        drain: drain.get_untracked(),
        victim_policy: victim.get_untracked(),
        vrops_resource: vrops.get_untracked(),
        protected_vms: initial.protected_vms.clone(),
        enabled: enabled.get_untracked(),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() || vcd_down.get_untracked().is_some() {
            return;
        }
        let spec = match collect().to_spec() {
            Ok(spec) => spec,
            Err(found) => {
                errors.set(found);
                return;
            }
        };
        errors.set(FieldErrors::default());
        saving.set(true);
        let (api, org, id) = (api.clone(), org.clone(), rule_id.clone().unwrap_or_default());
        spawn_local(async move {
            let result = match mode {
                FormMode::Create => api.create_autoscale_rule(&org, &spec).await.map(RuleSaved::Created),
                FormMode::Edit => api.update_autoscale_rule(&org, &id, &spec).await.map(RuleSaved::Updated),
            };
            saving.set(false);
            match result {
                Ok(saved) => on_saved.run(saved),
                Err(error) => errors.set(rule_errors_from_api(&error)),
            }
        });
    };

    let vcd_alert = move || {
        vcd_down.get().map(|error| {
            view! {
                <div id="rule-vcd-unavailable" class="alert alert-danger" role="alert">
                    <Icon shape=IconShape::Error size=20 />
                    <div class="alert-body">
                        <p class="alert-message">"vCD is not available"</p>
                        <p class="alert-code">{error.message}</p>
                        <p class="alert-code">
                            "Rules are checked against vCD when they are saved, so this form cannot be saved "
                            "until vCD is configured and answers."
                        </p>
                    </div>
                </div>
            }
        })
    };
    let general_errors = move || {
        let messages = errors.with(|e| e.general.clone());
        (!messages.is_empty()).then(|| {
            let items = messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view();
            view! {
                <div id="rule-form-errors" class="alert alert-danger" role="alert">
                    <Icon shape=IconShape::Error size=20 />
                    <div class="alert-body">
                        <p class="alert-message">"The rule was not saved"</p>
                        <ul class="alert-details">{items}</ul>
                    </div>
                </div>
            }
        })
    };
    let number = move |key: &'static str, value: RwSignal<String>| {
        view! {
            <FormRow key errors>
                <input
                    id=row_text(key).id
                    type="number"
                    class="clr-input narrow"
                    class:invalid=move || invalid(key).get()
                    step="any"
                    min="0"
                    prop:value=value
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </FormRow>
        }
    };
    let picker = move |key: &'static str, choices: Signal<VcdChoices>, value: RwSignal<String>, current: String| {
        let RowText { id, placeholder, .. } = row_text(key);
        view! {
            <FormRow key errors>
                <RuleVcdSelect id choices value placeholder invalid=invalid(key) current_label=current />
            </FormRow>
        }
    };

    let general = view! {
        <fieldset class="form-section">
            <legend class="form-section-title">"Rule"</legend>
            <FormRow key=field::NAME errors>
                <input
                    id="rule-name"
                    type="text"
                    class="clr-input"
                    class:invalid=move || invalid(field::NAME).get()
                    maxlength=MAX_NAME.to_string()
                    spellcheck="false"
                    autocomplete="off"
                    placeholder="web-tier"
                    prop:value=name
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </FormRow>
            <div class="form-row">
                <span class="form-label">"State"</span>
                <div class="form-control">
                    <label class="checkbox">
                        <input
                            id="rule-enabled"
                            type="checkbox"
                            prop:checked=enabled
                            on:change=move |ev| enabled.set(event_target_checked(&ev))
                        />
                        " Enabled: signals may scale the group"
                    </label>
                </div>
            </div>
        </fieldset>
    };
    let pool_waiting = Signal::derive(move || edge.with(String::is_empty).then_some("Choose an edge gateway first"));
    let target_section = view! {
        <fieldset class="form-section">
            <legend class="form-section-title">"Targets in vCD"</legend>
            {picker(field::TEMPLATE, templates, template, targets.template_name.clone())}
            {picker(field::VAPP, vapps, vapp, targets.vapp_name.clone())}
            <FormRow key=field::EDGE_GATEWAY errors>
                <RuleVcdSelect
                    id="rule-edge"
                    choices=edges
                    value=edge
                    placeholder=row_text(field::EDGE_GATEWAY).placeholder
                    invalid=invalid(field::EDGE_GATEWAY)
                    current_label=targets.edge_gateway_name.clone()
                />
                {lb_help}
            </FormRow>
            <FormRow key=field::LB_POOL errors>
                <RuleVcdSelect
                    id="rule-pool"
                    choices=pools
                    value=pool
                    by_name=true
                    placeholder=row_text(field::LB_POOL).placeholder
                    invalid=invalid(field::LB_POOL)
                    waiting_for=pool_waiting
                />
            </FormRow>
            {number(field::MEMBER_PORT, member_port)}
            <FormRow key=field::VROPS_RESOURCE errors>
                <input
                    id="rule-vrops"
                    type="text"
                    class="clr-input"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=vrops
                    on:input=move |ev| vrops.set(event_target_value(&ev))
                />
            </FormRow>
        </fieldset>
    };
    let threshold_section = view! {
        <fieldset class="form-section">
            <legend class="form-section-title">"Thresholds"</legend>
            <p class="form-help">
                "Average usage of the group's VMs, in percent. At or above scale-out the group grows; "
                "at or below scale-in it may shrink."
            </p>
            <div class="form-columns">
                <div>
                    {number(field::CPU_OUT, cpu_out)}
                    {number(field::CPU_IN, cpu_in)}
                    <FieldError messages=Signal::derive(move || errors.with(|e| e.get(field::CPU))) />
                </div>
                <div>
                    {number(field::MEMORY_OUT, memory_out)}
                    {number(field::MEMORY_IN, memory_in)}
                    <FieldError messages=Signal::derive(move || errors.with(|e| e.get(field::MEMORY))) />
                </div>
            </div>
            {number(field::TOLERANCE, tolerance)}
        </fieldset>
    };
    let size_section = view! {
        <fieldset class="form-section">
            <legend class="form-section-title">"Group size"</legend>
            <div class="form-columns">
                <div>
                    {number(field::MIN_VMS, min_vms)}
                    {number(field::MAX_VMS, max_vms)}
                    {number(field::STEP, step)}
                </div>
                <div>
                    <FormRow key=field::VICTIM_POLICY errors>
                        <select
                            id="rule-victim"
                            class="clr-select"
                            on:change=move |ev| victim.set(victim_policy_of(&event_target_value(&ev)))
                        >
                            <option value="newest" selected=move || victim_policy_value(victim.get()) == "newest">
                                "the newest VM first"
                            </option>
                            <option value="oldest" selected=move || victim_policy_value(victim.get()) == "oldest">
                                "the oldest VM first"
                            </option>
                        </select>
                    </FormRow>
                </div>
            </div>
        </fieldset>
    };
    let timing_section = view! {
        <fieldset class="form-section">
            <legend class="form-section-title">"Timing (seconds)"</legend>
            <div class="form-columns">
                <div>
                    {number(field::OUT_COOLDOWN, out_cooldown)}
                    {number(field::IN_COOLDOWN, in_cooldown)}
                </div>
                <div>
                    {number(field::STABILIZATION, stabilization)}
                    {number(field::DRAIN, drain)}
                </div>
            </div>
        </fieldset>
    };
    let save_label = match mode {
        FormMode::Create => "Create rule",
        FormMode::Edit => "Save",
    };
    view! {
        <form id="rule-form" class="function-form rule-form" novalidate=true on:submit=on_submit>
            {vcd_alert}
            {general_errors}
            {general}
            {target_section}
            {threshold_section}
            {size_section}
            {timing_section}
            <div class="form-footer">
                <button
                    id="rule-save"
                    type="submit"
                    class="btn btn-primary"
                    disabled=move || saving.get() || vcd_down.with(Option::is_some)
                >
                    {move || if saving.get() { "Saving…" } else { save_label }}
                </button>
                <button id="rule-cancel" type="button" class="btn btn-outline" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
                {move || {
                    (!errors.with(FieldErrors::is_empty)).then(|| {
                        view! { <span class="form-footer-note">"Fix the fields marked in red, then save again."</span> }
                    })
                }}
            </div>
        </form>
    }
}

/// A labelled row of the field `key` (its words from [`row_text`]): the control
/// (`children`), a line of help and the field's errors. The control's wrapper carries
/// `data-field`, the API's name of the field.
#[component]
fn FormRow(key: &'static str, errors: RwSignal<FieldErrors>, children: Children) -> impl IntoView {
    let RowText { label, id, help, .. } = row_text(key);
    view! {
        <div class="form-row">
            <label class="form-label" for=id>
                {label}
            </label>
            <div class="form-control" data-field=key>
                {children()}
                {(!help.is_empty()).then(|| view! { <div class="form-help">{help}</div> })}
                <FieldError messages=Signal::derive(move || errors.with(|e| e.get(key))) />
            </div>
        </div>
    }
}

/// The words and element id of one field's row.
struct RowText {
    label: &'static str,
    id: &'static str,
    help: &'static str,
    /// The empty choice of a picker.
    placeholder: &'static str,
}

fn row_text(key: &'static str) -> RowText {
    let (label, id, help, placeholder) = match key {
        field::NAME => ("Name", "rule-name", "Unique in the organization.", ""),
        field::TEMPLATE => {
            ("vApp template", "rule-template", "New VMs are copies of its VM.", "Choose a vApp template")
        }
        field::VAPP => ("vApp", "rule-vapp", "The vApp whose VMs the rule adds and removes.", "Choose a vApp"),
        field::EDGE_GATEWAY => ("Edge gateway", "rule-edge", "", "Choose an edge gateway"),
        field::LB_POOL => (
            "Load-balancer pool",
            "rule-pool",
            "New VMs join this pool; removed ones are drained from it first.",
            "Choose a pool",
        ),
        field::MEMBER_PORT => ("Member port", "rule-member-port", "The port the pool sends traffic to on each VM.", ""),
        field::VROPS_RESOURCE => (
            "vROps object",
            "rule-vrops",
            "The resource name or id vROps raises this group's alerts on. Empty: the vApp's name.",
            "",
        ),
        field::CPU_OUT => ("CPU scale-out (%)", "rule-cpu-out", "", ""),
        field::CPU_IN => ("CPU scale-in (%)", "rule-cpu-in", "Below the scale-out threshold.", ""),
        field::MEMORY_OUT => ("Memory scale-out (%)", "rule-memory-out", "", ""),
        field::MEMORY_IN => ("Memory scale-in (%)", "rule-memory-in", "Below the scale-out threshold.", ""),
        field::TOLERANCE => (
            "Tolerance (points)",
            "rule-tolerance",
            "How far past a threshold a reading must be to count, 0 to 20 percentage points.",
            "",
        ),
        field::MIN_VMS => ("Minimum VMs", "rule-min", "", ""),
        field::MAX_VMS => ("Maximum VMs", "rule-max", "", ""),
        field::STEP => ("Step", "rule-step", "VMs added or removed by one action.", ""),
        field::VICTIM_POLICY => ("Scale in removes", "rule-victim", "Protected VMs are never removed.", ""),
        field::OUT_COOLDOWN => {
            ("Scale-out cooldown", "rule-out-cooldown", "No further scale-out this long after one.", "")
        }
        field::IN_COOLDOWN => ("Scale-in cooldown", "rule-in-cooldown", "No scale-in this long after any action.", ""),
        field::STABILIZATION => {
            ("Stabilization", "rule-stabilization", "Scale in only when every evaluation this long agreed.", "")
        }
        field::DRAIN => ("Drain", "rule-drain", "A removed VM leaves the pool this long before it is powered off.", ""),
        other => (other, "", "", ""),
    };
    RowText { label, id, help, placeholder }
}
