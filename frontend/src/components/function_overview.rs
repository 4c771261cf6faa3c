//! The overview tab of a function: where it answers, its state and its settings.

use api_types::{Function, FunctionAccess, VersionStatus};
use leptos::prelude::*;

use crate::components::compile_error::CompileError;
use crate::components::spinner::Spinner;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::{format_timestamp, function_status_badge};
use crate::logic::event_deliveries::trigger_event;
use crate::logic::function_form::ACCESS_CHOICES;

fn access_text(access: FunctionAccess) -> &'static str {
    ACCESS_CHOICES.iter().find(|c| c.0 == access).map_or("", |c| c.1)
}

/// A card of facts about `function`, with its compile error when the latest version failed.
#[component]
pub fn FunctionOverview(function: Function) -> impl IntoView {
    let f = function;
    let deploying = (f.status == VersionStatus::Initializing).then(|| {
        view! { <Spinner label=format!("Deploying version {}…", f.version) /> }
    });
    let error =
        f.error.clone().filter(|_| f.status == VersionStatus::Failed).map(|error| view! { <CompileError error /> });
    let active = match f.active_version {
        Some(v) if v == f.version => format!("{v} (the latest)"),
        Some(v) => format!("{v} (an earlier version; the latest is {})", f.version),
        None => "none yet: no version has deployed".to_owned(),
    };
    let names = |names: Vec<String>| {
        if names.is_empty() {
            view! { <span class="muted">"none"</span> }.into_any()
        } else {
            names.into_iter().map(|n| view! { <code class="name-chip">{n}</code> }).collect_view().into_any()
        }
    };
    let trigger = match trigger_event(&f.trigger) {
        Some(event) => view! {
            "HTTP, and vCD event " <code>{event.to_owned()}</code>
        }
        .into_any(),
        None => "HTTP".into_any(),
    };
    let env_names: Vec<String> = f.env.keys().cloned().collect();
    let limit =
        |value: Option<u32>, unit: &str| value.map(|v| format!("{v} {unit}")).unwrap_or_else(|| "org default".into());
    view! {
        {deploying}
        {error}
        <div class="card overview-card">
            <div class="card-block">
                <dl class="facts">
                    <dt>"Status"</dt>
                    <dd>
                        <StatusBadge kind=function_status_badge(f.status) text=f.status.as_str() />
                    </dd>
                    <dt>"Path"</dt>
                    <dd>
                        <code id="function-path">{f.path.clone()}</code>
                        <span class="muted">" and below, any method"</span>
                    </dd>
                    <dt>"Trigger"</dt>
                    <dd id="function-trigger">{trigger}</dd>
                    <dt>"Who may call"</dt>
                    <dd id="function-access">{access_text(f.access)}</dd>
                    <dt>"Runtime"</dt>
                    <dd>{f.runtime.clone()}</dd>
                    <dt>"Handler shape"</dt>
                    <dd>{f.shape.clone().unwrap_or_else(|| "not known until it compiles".into())}</dd>
                    <dt>"Latest version"</dt>
                    <dd>{f.version}</dd>
                    <dt>"Serving version"</dt>
                    <dd>{active}</dd>
                    <dt>"Memory"</dt>
                    <dd>{limit(f.limits.memory_mb, "MB")}</dd>
                    <dt>"Timeout"</dt>
                    <dd>{limit(f.limits.timeout_ms, "ms")}</dd>
                    <dt>"Fresh context"</dt>
                    <dd>{if f.fresh_context { "yes, a new one for every call" } else { "no, warm workers are reused" }}</dd>
                    <dt>"Environment"</dt>
                    <dd>{names(env_names)}</dd>
                    <dt>"Secrets"</dt>
                    <dd>{names(f.secret_names.clone())}</dd>
                    <dt>"Created"</dt>
                    <dd title=f.created_at.clone()>{format_timestamp(&f.created_at)}</dd>
                    <dt>"Updated"</dt>
                    <dd title=f.updated_at.clone()>{format_timestamp(&f.updated_at)}</dd>
                </dl>
            </div>
        </div>
    }
}
