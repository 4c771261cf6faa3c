//! The Autoscale UI in real headless Chromium against the vCD simulator: create a rule with the
//! form (pickers filled from vCD, a field error first), see it listed, push a vROps alert, and see
//! the decision and the action in the rule's timeline. Screenshots: target/screenshots/autoscale-*.png.

use std::time::{Duration, Instant};

use api_types::Role;
use fantoccini::Locator;
use harness::browser::{Browser, start_app_with_ui_and};
use harness::vcd::{fast_autoscale, sim_endpoint};
use serde_json::json;
use vcd_sim::Simulator;

/// Picks the option labelled `label` in the picker `css` once vCD's list has arrived.
async fn pick(browser: &Browser, css: &str, label: &str) {
    let select = browser.wait_for(&format!("{css}[data-state='ready']"), css).await;
    select.select_by_label(label).await.unwrap_or_else(|e| panic!("{css} offers no {label}: {e}"));
}

/// Waits until some element matching `css` has text containing `needle`.
async fn wait_for_text(browser: &Browser, css: &str, needle: &str) -> String {
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(30) {
        seen.clear();
        for element in browser.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
            let text = element.text().await.unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            seen.push(text);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    panic!("no {css} says {needle:?}; seen {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_is_created_in_the_ui_and_its_timeline_shows_an_alert_decision() {
    let sim = Simulator::start().await;
    let endpoint = sim_endpoint(&sim);
    let app = start_app_with_ui_and(|mut config| {
        config.vcd = Some(endpoint);
        config.autoscale = fast_autoscale();
        config
    })
    .await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#/autoscale&token={token}"))).await.unwrap();
    browser.wait_for("#page-autoscale[data-state='empty']", "the empty rule list").await;

    browser.find("#new-rule").await.click().await.unwrap();
    browser.wait_for("#page-rule-form", "the rule form").await;
    browser.type_into("#rule-name", "web").await;
    pick(&browser, "#rule-template", "web-template").await;
    pick(&browser, "#rule-vapp", "web-app").await;
    pick(&browser, "#rule-edge", "edge-v").await;
    // Pools are labelled with their member count; their value is the pool's name.
    let pool = browser.wait_for("#rule-pool[data-state='ready']", "the pool picker").await;
    pool.select_by_value("web-pool").await.expect("web-pool is offered");
    // A scale-in threshold above the scale-out one is refused under its field.
    browser.type_into("#rule-cpu-out", "80").await;
    browser.type_into("#rule-cpu-in", "90").await;
    browser.find("#rule-save").await.click().await.unwrap();
    wait_for_text(&browser, "[data-field='cpu.scale_in'] .field-error", "below").await;
    browser.screenshot("autoscale-form-error").await;
    browser.type_into("#rule-cpu-in", "30").await;
    browser.type_into("#rule-out-cooldown", "0").await;
    browser.find("#rule-save").await.click().await.unwrap();

    // The webhook secret is shown once.
    browser.wait_for("#rule-secret-dialog", "the webhook secret dialog").await;
    let user = browser.find("#rule-webhook-user").await.text().await.unwrap().trim().to_owned();
    let secret_field = browser.find("#rule-webhook-secret").await;
    let mut secret = secret_field.text().await.unwrap().trim().to_owned();
    if secret.is_empty() {
        secret = secret_field.prop("value").await.unwrap().unwrap_or_default();
    }
    assert!(user.starts_with("rule_") && secret.len() > 20, "user {user:?}, secret {secret:?}");
    browser.screenshot("autoscale-secret").await;
    browser.find("#rule-secret-done").await.click().await.unwrap();

    // Listed.
    browser.client.goto(&app.url("/#/autoscale")).await.unwrap();
    browser.wait_for("#page-autoscale[data-state='ready']", "the rule list").await;
    let row = browser.wait_for(&format!("tr.rule-row[data-rule-id='{user}']"), "the new rule's row").await;
    assert!(row.text().await.unwrap().contains("web-app"));
    browser.screenshot("autoscale-list").await;

    // vROps raises a CPU alert on the vApp; the timeline shows the decision and the action.
    let alert = json!({"alertId": "ui-1", "alertName": "web-app CPU high", "status": "ACTIVE",
                       "resourceId": "vrops-1", "resourceName": "web-app", "updateDate": 1_700_000_000_000_i64});
    let url = app.url("/api/autoscale/alerts/vrops");
    let response = app.client.post(url).basic_auth(&user, Some(&secret)).json(&alert).send().await.unwrap();
    assert_eq!(response.status(), 201);
    browser.client.goto(&app.url(&format!("/#/autoscale/{user}"))).await.unwrap();
    browser.wait_for("#page-rule[data-state='ready']", "the rule page").await;
    wait_for_text(&browser, "li.rule-event[data-kind='signal']", "web-app CPU high").await;
    let decision = wait_for_text(&browser, "li.rule-event[data-kind='decision']", "scale-out 2 → 3").await;
    assert!(decision.contains("cpu: vROps alert above the scale-out threshold"), "{decision}");
    wait_for_text(&browser, "li.rule-event[data-kind='action']", "succeeded").await;
    browser.wait_for("#rule-current-vms[data-current='3']", "3 VMs after the scale-out").await;
    browser.screenshot("autoscale-timeline").await;
    assert_eq!(sim.state().vms("web-app").len(), 3);
    browser.close().await;
    app.shutdown().await;
}
