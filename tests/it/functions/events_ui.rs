//! The Events tab in real headless Chromium: a dead delivery of an event-triggered function is
//! listed with its error, filtered as a dead letter, and re-driven with its button after the
//! code is fixed. Screenshot: target/screenshots/function-events.png.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api_types::{EventDelivery, ListResponse, Role};
use harness::TestApp;
use harness::browser::{Browser, start_app_with_ui};
use serde_json::json;
use stratus_core::functions::events::RetryPolicy;
use stratus_core::functions::{DeliveryConfig, EventTriggers};
use stratus_core::org_directory::StaticOrgs;

use super::{deploy, wait_settled};

const ORG_ID: &str = "urn:vcloud:org:5eed0001-0000-4000-8000-0000000000c3";
const FAILING: &str =
    "module.exports = async (event) => { throw new Error(\"no handler for \" + event.body.eventId); };";
const FIXED: &str = "module.exports = async (event) => ({ handled: event.body.eventId });";

async fn delivery_status(app: &TestApp, token: &str) -> Option<String> {
    let r = app.get("/api/org/acme/functions/on-create/deliveries", token).await;
    let list: ListResponse<EventDelivery> = r.json().await.unwrap();
    list.items.first().map(|d| d.status.to_string())
}

async fn wait_status(app: &TestApp, token: &str, status: &str) {
    let started = Instant::now();
    while delivery_status(app, token).await.as_deref() != Some(status) {
        assert!(started.elapsed() < Duration::from_secs(20), "the delivery never became {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_is_shown_and_redriven_in_the_events_tab() {
    let app = start_app_with_ui().await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let trigger = json!({"trigger": {"type": "event", "event": "com.vmware.vcloud.event.vm.create"}});
    assert_eq!(deploy(&app, &token, "acme", "on-create", FAILING, trigger).await.status, "ready");
    let orgs = Arc::new(StaticOrgs::new([(ORG_ID, "acme")]));
    let config = DeliveryConfig {
        retry: RetryPolicy { delays: Vec::new() },
        tick: Duration::from_millis(100),
        ..DeliveryConfig::default()
    };
    let triggers = EventTriggers::new(app.functions.clone(), orgs, config);
    let worker = triggers.spawn_worker();
    let event = json!({"eventId": "ev-ui-1", "type": "com/vmware/vcloud/event/vm/create", "org": ORG_ID,
                       "operationSuccess": true, "entity": "urn:vcloud:vm:1"});
    let accepted = triggers.accept(event.to_string().as_bytes()).await.unwrap();
    assert_eq!((accepted.org.as_deref(), accepted.new), (Some("acme"), 1));
    wait_status(&app, &token, "dead").await;

    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#/functions/on-create/events&token={token}"))).await.unwrap();
    let row = browser.wait_for("#deliveries-table tr[data-status='dead']", "the dead delivery").await;
    let text = row.text().await.unwrap();
    assert!(text.contains("vm/create") && text.contains("ev-ui-1"), "the row names the event: {text:?}");
    assert!(text.contains("no handler for ev-ui-1"), "the row shows the error: {text:?}");
    let tab = browser.find("#tab-events").await;
    assert_eq!(tab.attr("aria-selected").await.unwrap().as_deref(), Some("true"));
    browser.find("#deliveries-filter").await.select_by_value("dead").await.unwrap();
    browser.wait_for("#deliveries-table tr[data-status='dead']", "the dead-letter list").await;
    browser.screenshot("function-events").await;

    // Fixed, then re-driven from the row's button: it succeeds and the list follows it.
    let fixed = json!({"route": "on-create", "code": FIXED,
                       "trigger": {"type": "event", "event": "com.vmware.vcloud.event.vm.create"}});
    let r = app.client.put(app.url("/api/org/acme/functions/on-create")).bearer_auth(&token).json(&fixed).send();
    assert_eq!(r.await.unwrap().status(), 202);
    assert_eq!(wait_settled(&app, &token, "acme", "on-create").await.status, "ready");
    browser.find("#deliveries-filter").await.select_by_value("all").await.unwrap();
    browser.wait_for("#deliveries-table .redrive-button", "the re-drive button").await.click().await.unwrap();
    wait_status(&app, &token, "succeeded").await;
    browser.wait_for("#deliveries-table tr[data-status='succeeded']", "the succeeded delivery").await;
    assert!(browser.client.find(fantoccini::Locator::Css(".redrive-button")).await.is_err(), "nothing to re-drive");

    // An HTTP-triggered function has no Events tab.
    assert_eq!(deploy(&app, &token, "acme", "web", FIXED, json!({})).await.status, "ready");
    browser.client.goto(&app.url(&format!("/#/functions/web&token={token}"))).await.unwrap();
    browser.wait_for("#function-detail[data-status='ready']", "the HTTP function").await;
    let events_tab = browser.client.find(fantoccini::Locator::Css("#tab-events")).await.unwrap();
    assert!(!events_tab.is_displayed().await.unwrap(), "no Events tab for an HTTP function");

    browser.close().await;
    worker.abort();
    app.shutdown().await;
}
