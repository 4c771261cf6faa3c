//! Invocation history is written many rows per statement; what is stored is exactly each call's
//! last state.

use api_types::{InvocationResult, InvocationStatus};
use harness::{TestApp, both_databases};
use stratus_core::store::InvocationRow;
use stratus_core::testing::StoreAccess as _;

use super::tenant;

fn row(id: String, status: InvocationStatus, duration_us: i64) -> InvocationRow {
    InvocationRow {
        invocation_id: id,
        org: "acme".into(),
        function_name: "hello".into(),
        version: 1,
        status,
        started_at: 1_700_000_000_000,
        duration_us: Some(duration_us),
        http_status: Some(200),
        log_tail: format!("log of a call that took {duration_us} µs"),
        attempts: 1,
        ..InvocationRow::default()
    }
}

async fn batches_keep_every_row_and_the_last_state_of_each(app: &TestApp) {
    let token = tenant(app, "acme").await;
    // More rows than one statement takes, and one id twice: its later state wins.
    let mut rows: Vec<InvocationRow> =
        (0..130).map(|i| row(format!("inv_batch_{i:03}"), InvocationStatus::Succeeded, i)).collect();
    rows.insert(10, row("inv_batch_129".into(), InvocationStatus::Running, 999_999));
    app.store.save_invocations(&rows).await.unwrap();
    // A later batch updates rows written by an earlier one.
    app.store.save_invocations(&[row("inv_batch_000".into(), InvocationStatus::Failed, 7)]).await.unwrap();

    for (id, status, duration_us) in [
        ("inv_batch_000", InvocationStatus::Failed, 7),
        ("inv_batch_059", InvocationStatus::Succeeded, 59),
        ("inv_batch_060", InvocationStatus::Succeeded, 60),
        ("inv_batch_129", InvocationStatus::Succeeded, 129),
    ] {
        let got = app.get(&format!("/api/org/acme/invocations/{id}"), &token).await;
        assert_eq!(got.status(), 200, "{id}");
        let got: InvocationResult = got.json().await.unwrap();
        assert_eq!((got.record.status, got.record.duration_ms), (status, Some(duration_us as f64 / 1000.0)), "{id}");
    }
    let other = tenant(app, "globex").await;
    let refused = app.get("/api/org/globex/invocations/inv_batch_001", &other).await;
    assert_eq!(refused.status(), 404, "another org's invocation");
}

both_databases!(batched_history, super::batches_keep_every_row_and_the_last_state_of_each);
