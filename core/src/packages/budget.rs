//! The org's showback budget in packages: `showback/budget.json`, as the budget API takes it.

use api_types::{Budget, ElementPlan, ErrorDetail, FieldChange, PlanAction as Action};
use package::{Element, ElementKind, Files, Manifest, Package};

use super::PackagesError;
use crate::dates::now_millis;
use crate::store::{BudgetRow, Store};

const PATH: &str = "showback/budget.json";

/// Adds the org's budget, when it has one.
pub(super) async fn export_budget(
    store: &Store,
    org: &str,
    content: &mut Files,
    elements: &mut Vec<Element>,
) -> Result<(), PackagesError> {
    let Some(row) = store.find_budget(org).await? else { return Ok(()) };
    content.insert(PATH.to_owned(), super::json_bytes(&dto(&row))?);
    elements.push(Element {
        kind: ElementKind::Budget,
        name: "budget".to_owned(),
        path: PATH.to_owned(),
        requires: vec![],
        reason: None,
        locked: false,
    });
    Ok(())
}

fn dto(row: &BudgetRow) -> Budget {
    Budget {
        amount: crate::money::format_cents(row.amount_micros),
        currency: row.currency.clone(),
        thresholds: row.thresholds.clone(),
    }
}

/// The package's budget for `org`, checked, with its plan; and what the fingerprint covers.
pub(super) async fn plan_budget(
    store: &Store,
    org: &str,
    package: &Package,
    manifest: &Manifest,
) -> Result<Option<(ElementPlan, Option<BudgetRow>, i64)>, PackagesError> {
    let Some(element) = manifest.elements.iter().find(|e| e.kind == ElementKind::Budget) else { return Ok(None) };
    let bytes = package
        .files()
        .get(&element.path)
        .ok_or_else(|| PackagesError::Invalid(format!("{} is missing", element.path)))?;
    let wanted: Budget =
        serde_json::from_slice(bytes).map_err(|e| PackagesError::Invalid(format!("{}: {e}", element.path)))?;
    let current = store.find_budget(org).await?;
    let mut plan = ElementPlan::new(element.id(), Action::Create);
    let row = match crate::showback::budget::check_budget(&wanted) {
        Ok((amount_micros, thresholds)) => Some(BudgetRow {
            org: org.to_owned(),
            amount_micros,
            currency: wanted.currency.clone(),
            thresholds,
            updated_at: now_millis(),
        }),
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(|e: &ErrorDetail| e.reason.clone()).collect();
            plan.blocked = Some(format!("not a valid budget: {}", reasons.join("; ")));
            None
        }
    };
    if let Some(now) = &current {
        let (old, new) = (
            serde_json::to_value(dto(now)).map_err(super::invalid)?,
            serde_json::to_value(&wanted).map_err(super::invalid)?,
        );
        for key in ["amount", "currency", "thresholds"] {
            if old.get(key) != new.get(key) {
                let text = |v: &serde_json::Value| v.get(key).map(ToString::to_string);
                plan.fields.push(FieldChange { field: key.to_owned(), from: text(&old), to: text(&new) });
            }
        }
        plan.action = if plan.fields.is_empty() { Action::Unchanged } else { Action::Update };
    }
    let seen = current.as_ref().map_or(0, |b| b.updated_at);
    Ok(Some((plan, row, seen)))
}
