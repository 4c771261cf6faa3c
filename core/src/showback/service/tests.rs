//! The service over a fresh SQLite file: its answers and the errors the API maps.

use api_types::{Budget, CollectorInput, CollectorSource, MeteringSource, RateInput, RunStatus, RunTrigger};

use super::{Showback, ShowbackError};
use crate::dates::parse_day;
use crate::showback::DayRange;
use crate::showback::collectors::Collectors;
use crate::store::UsageRecord;

async fn showback() -> (tempfile::TempDir, Showback) {
    let (dir, store) = crate::store::temp_store().await;
    for org in ["acme", "globex", "initech"] {
        store.ensure_org(org, org, 0).await.expect("org");
    }
    (dir, Showback::new(store.clone(), Collectors::new(store)))
}

fn rate(service: &str) -> RateInput {
    RateInput {
        service: service.into(),
        unit: "vcpu-hour".into(),
        unit_price: "0.05".into(),
        currency: "EUR".into(),
        effective_from: "2026-01-01".into(),
    }
}

fn record(org: &str, cost_micros: i64) -> UsageRecord {
    UsageRecord {
        source: "test".into(),
        org: org.into(),
        day: "2026-03-10".into(),
        service: "compute".into(),
        resource: "vm-1".into(),
        quantity_micros: 1_000_000,
        unit: "vcpu-hour".into(),
        cost_micros,
        currency: "EUR".into(),
    }
}

#[tokio::test]
async fn a_rate_twice_is_a_conflict_and_an_unknown_org_is_not_found() {
    let (_dir, showback) = showback().await;
    let created = showback.create_rate(rate("compute")).await.unwrap();
    assert_eq!((created.unit_price.as_str(), created.org), ("0.05", None));
    assert!(matches!(showback.create_rate(rate("compute")).await, Err(ShowbackError::Conflict(_))));
    let Err(ShowbackError::NotFound(message)) = showback.create_override("nobody", rate("compute")).await else {
        panic!("an override for a missing org");
    };
    assert_eq!(message, "org 'nobody' not found");
    let updated = showback.update_rate(&created.id, RateInput { unit_price: "0.07".into(), ..rate("compute") }).await;
    assert_eq!(updated.unwrap().unit_price, "0.07");
    showback.delete_rate(&created.id).await.unwrap();
    assert!(matches!(showback.delete_rate(&created.id).await, Err(ShowbackError::NotFound(_))));
}

#[tokio::test]
async fn a_budget_is_checked_then_kept() {
    let (_dir, showback) = showback().await;
    let Err(ShowbackError::NotFound(message)) = showback.budget("acme").await else { panic!("no budget yet") };
    assert_eq!(message, "org 'acme' has no budget");
    let bad = Budget { amount: "-1".into(), currency: "EUR".into(), thresholds: vec![] };
    assert!(matches!(showback.put_budget("acme", bad).await, Err(ShowbackError::Invalid(d)) if d.len() == 1));
    let good = Budget { amount: "1500".into(), currency: "EUR".into(), thresholds: vec![90, 50] };
    let kept = showback.put_budget("acme", good).await.unwrap();
    assert_eq!((kept.amount.as_str(), kept.thresholds), ("1500.00", vec![50, 90]));
    showback.delete_budget("acme").await.unwrap();
    assert!(matches!(showback.delete_budget("acme").await, Err(ShowbackError::NotFound(_))));
}

#[tokio::test]
async fn top_tenants_are_the_costliest_while_the_total_covers_every_org() {
    let (_dir, showback) = showback().await;
    let records = [record("acme", 2_000_000), record("globex", 9_000_000), record("initech", 5_000_000)];
    showback.store.upsert_usage(&records).await.unwrap();
    let day = |s| parse_day(s).unwrap();
    let range = DayRange { from: day("2026-03-01"), to: day("2026-03-31") };
    let top = showback.top_tenants(range, None, 2).await.unwrap();
    let keys: Vec<_> = top.groups.iter().map(|g| g.key.as_str()).collect();
    assert_eq!((keys, top.total.as_str(), top.currency.as_str()), (vec!["globex", "initech"], "16.00", "EUR"));
    let export = showback.export("acme", range).await.unwrap();
    assert_eq!((export.len(), export[0].cost.as_str(), export[0].quantity.as_str()), (1, "2", "1"));
}

#[tokio::test]
async fn collectors_are_checked_named_once_and_found_by_id() {
    let (_dir, showback) = showback().await;
    let input = |schedule: &str| CollectorInput {
        name: "nightly".into(),
        schedule: schedule.into(),
        enabled: true,
        source: CollectorSource::Metering(MeteringSource { lookback_days: 3 }),
    };
    let Err(ShowbackError::Invalid(details)) = showback.create_collector(input("sometimes")).await else {
        panic!("a bad schedule was accepted");
    };
    assert_eq!(details[0].field.as_deref(), Some("schedule"));
    let created = showback.create_collector(input("every 1h")).await.unwrap();
    assert!(created.id.starts_with("col_") && created.next_run_at.is_some());
    assert!(matches!(showback.create_collector(input("every 1h")).await, Err(ShowbackError::Conflict(_))));
    assert!(showback.runs(&created.id, 10).await.unwrap().is_empty());
    let Err(ShowbackError::NotFound(message)) = showback.runs("col_nope", 10).await else { panic!("no collector") };
    assert_eq!(message, "no collector 'col_nope'");
}

#[tokio::test]
async fn a_manual_run_is_recorded_with_its_trigger_and_status() {
    let (_dir, showback) = showback().await;
    let run = showback.run_collector("col_metering").await.unwrap();
    assert_eq!((run.trigger, run.status, run.imported), (RunTrigger::Manual, RunStatus::Succeeded, 0), "{run:?}");
    assert_eq!(showback.runs("col_metering", 10).await.unwrap(), std::slice::from_ref(&run));
    assert_eq!(showback.collector("col_metering").await.unwrap().last_run, Some(run));
}
