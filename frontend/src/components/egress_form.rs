//! The egress policy editor: the allow- and deny-lists, one entry per line, saved with
//! `PUT /api/provider/orgs/{org}/egress`.

use api_types::egress_limits;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::field_error::FieldError;
use crate::logic::egress_form::{EgressErrors, EgressValues};

const ALLOW_HELP: &str = "One per line: a host (api.github.com), a domain's hosts (*.slack.com), an address or \
    range (203.0.113.7, 10.20.0.0/16), or * for every public address. Empty: nothing is reachable.";
const DENY_HELP: &str = "Always wins. Loopback, private, link-local (cloud metadata), CGNAT and multicast \
    addresses are refused anyway unless an address or range inside them is allowed above.";

#[component]
pub fn EgressForm(org: String, initial: EgressValues) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let allow = RwSignal::new(initial.allow);
    let deny = RwSignal::new(initial.deny);
    let errors = RwSignal::new(EgressErrors::default());
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        failure.set(None);
        saved.set(false);
        let values = EgressValues { allow: allow.get_untracked(), deny: deny.get_untracked() };
        let policy = match values.to_policy() {
            Ok(policy) => policy,
            Err(found) => return errors.set(found),
        };
        errors.set(EgressErrors::default());
        saving.set(true);
        let (api, org) = (api.clone(), org.clone());
        spawn_local(async move {
            let result = api.put_egress_policy(&org, &policy).await;
            saving.set(false);
            match result {
                Ok(stored) => {
                    let stored = EgressValues::from_policy(&stored);
                    allow.set(stored.allow);
                    deny.set(stored.deny);
                    saved.set(true);
                }
                Err(error) if error.status == 422 => errors.set(values.errors_from_api(&error)),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let field = move |pick: fn(&EgressErrors) -> Vec<String>| Signal::derive(move || errors.with(pick));
    let (allow_errors, deny_errors, general) =
        (field(|e| e.allow.clone()), field(|e| e.deny.clone()), field(|e| e.general.clone()));
    let list = move |id: &'static str,
                     label: &'static str,
                     help: &'static str,
                     value: RwSignal<String>,
                     messages: Signal<Vec<String>>| {
        view! {
            <div class="form-row">
                <label class="form-label" for=id>{label}</label>
                <div class="form-control">
                    <textarea
                        id=id
                        class="clr-textarea"
                        class:invalid=move || !messages.with(Vec::is_empty)
                        rows="6"
                        spellcheck="false"
                        autocomplete="off"
                        prop:value=value
                        on:input=move |ev| value.set(event_target_value(&ev))
                    ></textarea>
                    <div class="form-help">{help}</div>
                    <FieldError messages />
                </div>
            </div>
        }
    };
    view! {
        <form id="egress-form" class="form-section" on:submit=save novalidate>
            {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
            <FieldError messages=general />
            {list("egress-allow", "Allow", ALLOW_HELP, allow, allow_errors)}
            {list("egress-deny", "Deny", DENY_HELP, deny, deny_errors)}
            <div class="form-row">
                <span class="form-label"></span>
                <div class="form-control">
                    <div class="form-help">
                        {format!(
                            "Each call may make {} requests and receive {} MiB, within its own timeout; every request is in its invocation record.",
                            egress_limits::MAX_REQUESTS_PER_CALL,
                            egress_limits::MAX_RESPONSE_BYTES_PER_CALL / (1024 * 1024),
                        )}
                    </div>
                </div>
            </div>
            <div class="form-footer">
                <button id="egress-save" type="submit" class="btn btn-primary" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                <span id="egress-saved" class="form-help" hidden=move || !saved.get()>"Saved: calls starting now use it."</span>
            </div>
        </form>
    }
}
