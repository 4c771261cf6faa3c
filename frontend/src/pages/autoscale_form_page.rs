//! `#/autoscale/new` and `#/autoscale/{id}/edit`: the form that creates or changes a rule.
//!
//! Element ids: `#page-rule-form` (`data-mode` `create|edit`, `data-state` while the rule
//! loads), `#rule-form`; inputs `#rule-name`, `#rule-enabled`, `#rule-template`, `#rule-vapp`,
//! `#rule-edge` (with `#rule-edge-lb-kind`, `data-lb-kind`), `#rule-pool`, `#rule-member-port`,
//! `#rule-vrops`, `#rule-cpu-out`, `#rule-cpu-in`, `#rule-memory-out`, `#rule-memory-in`,
//! `#rule-tolerance`, `#rule-min`, `#rule-max`, `#rule-step`, `#rule-victim`,
//! `#rule-out-cooldown`, `#rule-in-cooldown`, `#rule-stabilization`, `#rule-drain`. Pickers
//! carry `data-state` (`loading|ready|error|waiting`) and `data-count`. Each control's wrapper
//! has `data-field` (the API field, e.g. `cpu.scale_in`) and holds its `.field-error`s;
//! `#rule-form-errors` lists the others and `#rule-vcd-unavailable` shows when vCD is down.
//! Buttons `#rule-save`, `#rule-cancel`. After a create, `#rule-secret-dialog` shows
//! `#rule-webhook-path`, `#rule-webhook-user`, `#rule-webhook-secret`, `#rule-secret-copy` and
//! `#rule-secret-done`, which opens the rule.

use leptos::prelude::*;

use crate::api::ApiClient;
use crate::components::error_alert::ErrorAlert;
use crate::components::rule_form::{RuleForm, RuleSaved};
use crate::components::rule_secret_dialog::RuleSecretDialog;
use crate::components::spinner::Spinner;
use crate::host;
use crate::logic::function_form::FormMode;
use crate::logic::load_state::DataState;
use crate::logic::route::Route;
use crate::logic::rule_form::RuleFormValues;

/// The form page; `id` names the rule to edit, none for a new rule.
#[component]
pub fn AutoscaleFormPage(org: String, #[prop(optional)] id: Option<String>) -> impl IntoView {
    let created = RwSignal::new(None::<api_types::RuleWithSecret>);
    let on_saved = Callback::new(move |saved: RuleSaved| match saved {
        RuleSaved::Created(with_secret) => created.set(Some(with_secret)),
        RuleSaved::Updated(rule) => host::go_to(&Route::rule_href(&rule.id)),
    });
    let secret_dialog = move || {
        created.get().map(|with_secret| {
            let href = Route::rule_href(&with_secret.rule.id);
            view! {
                <RuleSecretDialog
                    title="Rule created"
                    created=with_secret
                    on_close=Callback::new(move |()| host::go_to(&href))
                />
            }
        })
    };
    let (mode, crumb, title) = match id {
        None => (FormMode::Create, "New rule", "New autoscale rule"),
        Some(_) => (FormMode::Edit, "Edit", "Edit autoscale rule"),
    };
    let cancel_href = id.as_deref().map_or_else(|| Route::Autoscale.href(), Route::rule_href);
    let on_cancel = Callback::new(move |()| host::go_to(&cancel_href));
    let (body, state): (AnyView, Signal<&'static str>) = match id {
        None => {
            let form = view! { <RuleForm mode org=org.clone() initial=RuleFormValues::default() on_saved on_cancel /> };
            (form.into_any(), Signal::derive(|| DataState::Ready.as_str()))
        }
        Some(id) => {
            let api = expect_context::<ApiClient>();
            let (fetch_org, fetch_id) = (org.clone(), id.clone());
            let rule = LocalResource::new(move || {
                let (api, org, id) = (api.clone(), fetch_org.clone(), fetch_id.clone());
                async move { api.autoscale_rule(&org, &id).await }
            });
            let form_org = org.clone();
            let body = move || match rule.get() {
                None => view! { <Spinner label="Loading the rule…" /> }.into_any(),
                Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                Some(Ok(rule)) => view! {
                    <RuleForm
                        mode
                        org=form_org.clone()
                        initial=RuleFormValues::from_rule(&rule)
                        rule_id=rule.id.clone()
                        targets=rule.targets.clone()
                        on_saved
                        on_cancel
                    />
                }
                .into_any(),
            };
            let state = Signal::derive(move || rule.with(|r| DataState::of(r.as_ref(), |_| false)).as_str());
            (body.into_any(), state)
        }
    };
    view! {
        <section
            id="page-rule-form"
            class="page"
            data-mode=if mode == FormMode::Create { "create" } else { "edit" }
            data-state=state
        >
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href=Route::Autoscale.href()>"Autoscale"</a>
                <span class="breadcrumb-sep">"/"</span>
                <span>{crumb}</span>
            </nav>
            <div class="page-heading">
                <div>
                    <h1>{title}</h1>
                    <p class="page-subtitle">
                        {format!("Grows and shrinks a vApp of organization {org} behind its load balancer")}
                    </p>
                </div>
            </div>
            {body}
            {secret_dialog}
        </section>
    }
}
