//! The verification banner of a planned package: who signed it (as this instance's trust store
//! names them) or that nobody it trusts did, and the warnings the org's policy let through.

use api_types::PackagePlan;
use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};
use crate::logic::package_plan::import_line;

#[component]
pub fn PackageSigners(plan: PackagePlan) -> impl IntoView {
    let warnings = plan.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view();
    let (class, message) = if plan.signers.is_empty() {
        ("alert alert-warning", "Verified contents, but no key this instance trusts signed it".to_owned())
    } else {
        let names: Vec<String> = plan.signers.iter().map(|s| format!("{} (key {})", s.principal, s.key_id)).collect();
        ("alert alert-success", format!("Verified: signed by {}", names.join(" and ")))
    };
    view! {
        <div id="package-signers" class=class role="status">
            <Icon shape=IconShape::Info size=20 />
            <div class="alert-body">
                <p class="alert-message">{message}</p>
                <p class="alert-code">{import_line(&plan)}</p>
                <ul class="alert-details">{warnings}</ul>
            </div>
        </div>
    }
}
