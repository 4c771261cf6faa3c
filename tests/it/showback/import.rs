//! `POST /api/provider/showback/import`: idempotent, all-or-nothing unless skip_invalid.

use api_types::{CostReport, ErrorBody, ImportResult, Role};
use harness::{TestApp, both_databases};
use stratus_core::demo;
use stratus_core::testing::StoreAccess as _;

use super::{csv_of, expected_sums, groups, import};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

async fn reimport_changes_nothing_and_corrections_replace(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    app.token(Role::TenantAdmin, Some("acme")).await;
    let records: Vec<_> =
        demo::records("acme", 1.0, today()).into_iter().filter(|r| r.day.as_str() >= "2026-06").collect();
    let mut records: Vec<_> =
        records.into_iter().map(|r| stratus_core::store::UsageRecord { source: "import".into(), ..r }).collect();
    let n = records.len() as u64;

    let first = import(app, &provider, "", "text/csv", csv_of(&records)).await;
    assert_eq!(first.status(), 200);
    let first: ImportResult = first.json().await.unwrap();
    assert_eq!((first.imported, first.replaced, first.unchanged, first.skipped), (n, 0, 0, 0));

    let report: CostReport = app
        .get("/api/provider/showback/costs?from=2026-06-01&to=2026-11-22&group_by=month", &provider)
        .await
        .json()
        .await
        .unwrap();
    let (expected, total) = expected_sums(&records, "2026-06-01", "2026-11-22", |r| r.day[..7].to_owned());
    assert_eq!((groups(&report), report.total), (expected, total.clone()));

    // The second import of the same file: imported 0, replaced 0, every row unchanged.
    let again: ImportResult = import(app, &provider, "", "text/csv", csv_of(&records)).await.json().await.unwrap();
    assert_eq!((again.imported, again.replaced, again.unchanged), (0, 0, n));
    let same: CostReport =
        app.get("/api/provider/showback/costs?from=2026-06-01&to=2026-11-22", &provider).await.json().await.unwrap();
    assert_eq!(same.total, total);

    // A corrected row replaces the stored one; the totals follow.
    records[5].cost_micros += 1_000_000;
    records[9].currency = "USD".into();
    let fixed: ImportResult = import(app, &provider, "", "text/csv", csv_of(&records)).await.json().await.unwrap();
    assert_eq!((fixed.imported, fixed.replaced, fixed.unchanged), (0, 2, n - 2));
    let eur: Vec<_> = records.iter().filter(|r| r.currency == "EUR").cloned().collect();
    let report: CostReport = app
        .get("/api/org/acme/showback/costs?from=2026-06-01&to=2026-11-22&group_by=service", &provider)
        .await
        .json()
        .await
        .unwrap();
    let (expected, total) = expected_sums(&eur, "2026-06-01", "2026-11-22", |r| r.service.clone());
    assert_eq!((groups(&report), report.total), (expected, total));
    assert_eq!(app.store.usage_rollup_mismatches().await.unwrap(), Vec::<String>::new());

    // The same rows as JSON (numbers or strings) under the same source are unchanged too.
    let json: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            serde_json::json!({"date": r.day, "org": r.org, "service": r.service, "resource": r.resource,
                "quantity": stratus_core::showback::records::format_exact(r.quantity_micros), "unit": r.unit,
                "cost": stratus_core::showback::records::format_exact(r.cost_micros), "currency": r.currency})
        })
        .collect();
    let body = serde_json::to_string(&json).unwrap();
    let from_json: ImportResult = import(app, &provider, "", "application/json", body).await.json().await.unwrap();
    assert_eq!((from_json.imported, from_json.replaced, from_json.unchanged), (0, 0, n));
}
both_databases!(idempotent, super::reimport_changes_nothing_and_corrections_replace);

const MIXED: &str = "\
date,org,service,resource,quantity,unit,cost,currency
2026-03-01,acme,compute,web-01,24,vCPU-hour,0.60,EUR
2026-02-30,acme,compute,web-01,24,vCPU-hour,0.60,EUR
2026-03-02,initech,compute,web-01,24,vCPU-hour,0.60,EUR
2026-03-03,acme,compute,web-01,24,vCPU-hour,abc,EUR
2026-03-04,acme,storage,\"vapp, shop\",500,GB-day,1.65,EUR
2026-03-05,acme,storage,backups,1200
2026-03-06,acme,network,edge-01,40.5,GB,2.025,EUR
";

async fn bad_rows_reject_the_file_unless_skipped(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    app.token(Role::TenantAdmin, Some("acme")).await;
    let rejected = import(app, &provider, "", "text/csv", MIXED.into()).await;
    assert_eq!(rejected.status(), 422);
    let body: ErrorBody = rejected.json().await.unwrap();
    assert_eq!(body.error.code, "validation_failed");
    let named: Vec<(Option<u64>, Option<&str>)> =
        body.error.details.iter().map(|d| (d.line, d.field.as_deref())).collect();
    assert_eq!(named, [(Some(3), Some("date")), (Some(4), Some("org")), (Some(5), Some("cost")), (Some(7), None)]);
    assert!(body.error.details[1].reason.contains("initech"), "{:?}", body.error.details);
    let report: CostReport =
        app.get("/api/org/acme/showback/costs?from=2026-03-01&to=2026-03-31", &provider).await.json().await.unwrap();
    assert_eq!(report.total, "0.00", "nothing was imported");

    let skipped = import(app, &provider, "skip_invalid=true&source=billing", "text/csv", MIXED.into()).await;
    assert_eq!(skipped.status(), 200);
    let result: ImportResult = skipped.json().await.unwrap();
    assert_eq!((result.imported, result.skipped), (3, 4));
    let lines: Vec<_> = result.errors.iter().map(|e| e.line.unwrap()).collect();
    assert_eq!(lines, [3, 4, 5, 7]);
    let report: CostReport = app
        .get("/api/org/acme/showback/costs?from=2026-03-01&to=2026-03-31&group_by=resource", &provider)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.total, "4.28", "0.60 + 1.65 + 2.025, rounded to the cent");
    assert!(report.groups.iter().any(|g| g.key == "vapp, shop"), "quoted fields keep their commas");

    let header = import(app, &provider, "skip_invalid=true", "text/csv", "date,org\n2026-01-01,acme\n".into()).await;
    assert_eq!(header.status(), 422, "a header without every field rejects even with skip_invalid");
    let wrong_type = import(app, &provider, "", "text/plain", MIXED.into()).await;
    assert_eq!(wrong_type.status(), 400);
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    assert_eq!(import(app, &tenant, "", "text/csv", MIXED.into()).await.status(), 403);
}
both_databases!(bad_rows, super::bad_rows_reject_the_file_unless_skipped);
