//! Autoscaled vApps are metered in VM-hours and priced by the rate card.

use api_types::{CollectorRun, Role};
use chrono::{Duration as Days, Utc};
use harness::{Db, both_databases};
use serde_json::json;
use stratus_core::store::EventRow;
use stratus_core::testing::StoreAccess as _;

use super::Ctx;

async fn vm_hours_are_metered_by_the_rate_card(db: Db) {
    let ctx = Ctx::start(db).await;
    let (id, _) = ctx.create(&ctx.spec("edge-v", "web-pool", json!({})).await).await;
    let provider = ctx.app.token(Role::Provider, None).await;
    let yesterday = Utc::now().date_naive() - Days::days(1);
    let start = yesterday.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis();
    // Yesterday: 2 VMs from midnight, 3 from noon: 12 × 2 + 12 × 3 = 60 VM-hours.
    for (at, vms) in [(start, 2), (start + 12 * 3_600_000, 3)] {
        let event = EventRow {
            rule_id: id.clone(),
            at,
            kind: api_types::EventKind::Action,
            message: "test".into(),
            vm_count: Some(vms),
            event_id: 0,
            action_id: None,
            desired: None,
        };
        ctx.app.store.insert_event(&event).await.unwrap();
    }
    let rate = json!({"service": "autoscale", "unit": "VM-hour", "unit_price": "0.05", "currency": "EUR",
                      "effective_from": (yesterday - Days::days(30)).to_string()});
    let created = ctx
        .app
        .client
        .post(ctx.app.url("/api/provider/showback/rates"))
        .bearer_auth(&provider)
        .json(&rate)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap_or_default());
    let run =
        ctx.app.client.post(ctx.app.url("/api/provider/showback/collectors/col_metering/run")).bearer_auth(&provider);
    let run: CollectorRun = run.json(&json!({})).send().await.unwrap().json().await.unwrap();
    assert!(run.imported >= 1, "{run:?}");
    let day = yesterday.to_string();
    let records = ctx.app.store.usage_records("acme", &day, &day).await.unwrap();
    let vm = records.iter().find(|r| r.service == "autoscale").expect("an autoscale record");
    assert_eq!((vm.resource.as_str(), vm.unit.as_str(), vm.source.as_str()), ("web-app", "VM-hour", "metering"));
    assert_eq!(vm.quantity_micros, 60_000_000);
    assert_eq!((vm.cost_micros, vm.currency.as_str()), (3_000_000, "EUR"));
    ctx.stop().await;
}

both_databases!(vm_hours, db => super::vm_hours_are_metered_by_the_rate_card);
