//! The import wizard in real headless Chromium: a signed package from dev is planned on prod
//! (the trusted signer shown, one update with its side-by-side diff, one unchanged that cannot
//! be picked, one create), the create is unticked, the update applied as release 1, and the
//! releases table shows it; then the create is pulled from dev registered as a source. The
//! provider's own page plans and applies a provider package the same way. Screenshots:
//! target/screenshots/packages-*.png and provider-packages-plan.png.

use api_types::Role;
use harness::browser::{Browser, start_app_with_ui};
use harness::{Db, TestApp};
use package::SigningKey;
use serde_json::json;

use crate::functions::{call, deploy, tenant};

fn code(text: &str) -> String {
    format!("export default {{\n  fetch() {{\n    return new Response('{text}');\n  }},\n}};\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_is_planned_picked_and_applied_in_the_browser() {
    let (dev, prod) = (TestApp::start(Db::Sqlite).await, start_app_with_ui().await);
    let (dev_token, token) = (tenant(&dev, "acme").await, tenant(&prod, "acme").await);
    for (name, text) in [("hello", "v1"), ("keep", "same"), ("fresh", "new")] {
        deploy(&dev, &dev_token, "acme", name, &code(text), json!({})).await;
    }
    deploy(&prod, &token, "acme", "hello", &code("v0"), json!({})).await;
    deploy(&prod, &token, "acme", "keep", &code("same"), json!({})).await;
    let key = SigningKey::generate();
    let provider = prod.token(Role::Provider, None).await;
    let trust = json!({ "principal": "alice@dev", "public_key": key.public_key() });
    let r = prod.client.post(prod.url("/api/provider/package-keys")).bearer_auth(&provider).json(&trust);
    assert_eq!(r.send().await.unwrap().status(), 201);
    let mut package = stratus_core::packages::export_functions(&dev.store, "acme", &Default::default()).await.unwrap();
    package.sign(&key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.stratus");
    std::fs::write(&path, package.to_archive().unwrap()).unwrap();

    let browser = Browser::start().await;
    browser.client.goto(&prod.url(&format!("/#token={token}"))).await.unwrap();
    browser.wait_for("#page-functions", "the function list").await;
    browser.find("#nav-packages").await.click().await.unwrap();
    browser.wait_for("#page-packages", "the packages page").await;
    browser.wait_for("#page-packages .empty-state", "no releases yet").await;
    browser.find("#package-file").await.send_keys(path.to_str().unwrap()).await.unwrap();
    browser.wait_for("#plan-table", "the plan").await;
    let signers = browser.find("#package-signers").await.text().await.unwrap();
    assert!(signers.contains("signed by alice@dev"), "{signers}");
    browser.wait_for("#plan-table tr[data-element='function:hello'][data-action='update']", "hello updated").await;
    browser.wait_for("#plan-table tr[data-element='function:fresh'][data-action='create']", "fresh created").await;
    let keep = browser.find("#plan-table tr[data-element='function:keep'][data-action='unchanged'] input").await;
    assert_eq!(keep.attr("disabled").await.unwrap().as_deref(), Some("true"), "an unchanged element cannot be picked");

    // The update's diff, side by side.
    browser.find("#plan-table tr[data-element='function:hello'] .plan-diff").await.click().await.unwrap();
    let old = browser.wait_for(".file-diff .diff-old", "the removed line").await.text().await.unwrap();
    let new = browser.find(".file-diff .diff-new").await.text().await.unwrap();
    assert!(old.contains("'v0'") && new.contains("'v1'"), "{old:?} → {new:?}");
    browser.screenshot("packages-plan").await;

    // Untick the create; apply the update alone.
    assert_eq!(browser.find("#apply-package").await.text().await.unwrap().to_lowercase(), "apply 2 elements");
    browser.find("#plan-table tr[data-element='function:fresh'] input").await.click().await.unwrap();
    assert_eq!(browser.find("#apply-package").await.text().await.unwrap().to_lowercase(), "apply 1 element");
    browser.find("#apply-package").await.click().await.unwrap();
    let applied = browser.wait_for("#package-applied", "the apply's outcome").await.text().await.unwrap();
    assert!(applied.contains("Release 1 applied: 1 element(s) changed"), "{applied}");
    let body = call(&prod, &token, "GET", "/api/org/acme/hello", None).await.text().await.unwrap();
    assert_eq!(body, "v1");
    assert_eq!(call(&prod, &token, "GET", "/api/org/acme/fresh", None).await.status(), 404);
    let row = browser.wait_for("#release-table tr[data-release='1']", "release 1 listed").await.text().await.unwrap();
    assert!(row.contains("acme content") && row.contains("alice@dev"), "{row}");

    // Pulled from a registered source (dev, as prod's provider registered it): the create that
    // waited is applied now.
    let dev_provider = dev.token(Role::Provider, None).await;
    let source = json!({ "name": "dev", "url": dev.url(""), "token": dev_provider, "orgs": ["acme"] });
    let r = prod.client.post(prod.url("/api/provider/package-sources")).bearer_auth(&provider).json(&source);
    assert_eq!(r.send().await.unwrap().status(), 201);
    browser.client.refresh().await.unwrap();
    browser.wait_for("#package-source option[value='dev']", "the source to pull from").await;
    browser.find("#plan-source").await.click().await.unwrap();
    browser.wait_for("#plan-table tr[data-element='function:fresh'][data-action='create']", "fresh from dev").await;
    browser.wait_for("#plan-table tr[data-element='function:hello'][data-action='unchanged']", "hello in place").await;
    browser.find("#apply-package").await.click().await.unwrap();
    let applied = browser.wait_for("#package-applied", "the pull's outcome").await.text().await.unwrap();
    assert!(applied.contains("Release 2 applied: 1 element(s) changed"), "{applied}");
    let fresh = call(&prod, &token, "GET", "/api/org/acme/fresh", None).await.text().await.unwrap();
    assert_eq!(fresh, "new");

    // The export dialog lists every function, all ticked.
    browser.find("#export-package").await.click().await.unwrap();
    browser.wait_for("#export-table tr[data-element='function:hello']", "the export list").await;
    let download = browser.find("#export-download").await.text().await.unwrap();
    assert_eq!(download.to_lowercase(), "download 3 element(s)", "buttons are upper case, as in Clarity");
    browser.screenshot("packages-export").await;

    browser.close().await;
    dev.shutdown().await;
    prod.shutdown().await;
}

/// The provider's page: a provider package from dev (its rate card and an org's limits) is
/// planned on prod in the browser, one element unticked, the rest applied as provider release 1.
/// Screenshot: target/screenshots/provider-packages-plan.png.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_package_is_planned_and_applied_in_the_browser() {
    let (dev, prod) = (TestApp::start(Db::Sqlite).await, start_app_with_ui().await);
    tenant(&dev, "acme").await;
    tenant(&prod, "acme").await;
    let (dev_provider, provider) = (dev.token(Role::Provider, None).await, prod.token(Role::Provider, None).await);
    let rate = json!({ "service": "compute", "unit": "vcpu-hour", "unit_price": "0.02", "currency": "EUR",
                       "effective_from": "2026-01-01" });
    let r = dev.client.post(dev.url("/api/provider/showback/rates")).bearer_auth(&dev_provider).json(&rate);
    assert_eq!(r.send().await.unwrap().status(), 201);
    let mut limits: serde_json::Value =
        dev.get("/api/provider/orgs/acme/limits", &dev_provider).await.json().await.unwrap();
    limits["max_functions"] = json!(7);
    let r = dev.client.put(dev.url("/api/provider/orgs/acme/limits")).bearer_auth(&dev_provider).json(&limits);
    assert_eq!(r.send().await.unwrap().status(), 200);
    let r = dev.client.get(dev.url("/api/provider/packages/export")).bearer_auth(&dev_provider).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("provider.stratus");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();

    let browser = Browser::start().await;
    browser.client.goto(&prod.url(&format!("/#/provider/packages&token={provider}"))).await.unwrap();
    browser.wait_for("#page-provider-packages", "the provider packages page").await;
    browser.wait_for("#nav-provider-packages.active", "its nav entry").await;
    browser.wait_for("#page-provider-packages .empty-state", "no provider releases yet").await;
    browser.find("#package-file").await.send_keys(path.to_str().unwrap()).await.unwrap();
    browser.wait_for("#plan-table tr[data-element='rate_card:provider'][data-action='create']", "the card").await;
    browser.wait_for("#plan-table tr[data-element='org_limits:acme'][data-action='create']", "acme's limits").await;
    browser.find("#plan-table tr[data-element='rate_card:provider'] .plan-diff").await.click().await.unwrap();
    browser.wait_for(".plan-diff-row", "the card's entries").await;
    browser.screenshot("provider-packages-plan").await;
    browser.find("#plan-table tr[data-element='org_limits:acme'] input").await.click().await.unwrap();
    assert_eq!(browser.find("#apply-package").await.text().await.unwrap().to_lowercase(), "apply 1 element");
    browser.find("#apply-package").await.click().await.unwrap();
    let applied = browser.wait_for("#package-applied", "the apply's outcome").await.text().await.unwrap();
    assert!(applied.contains("Release 1 applied: 1 element(s) changed"), "{applied}");
    browser.wait_for("#release-table tr[data-release='1']", "provider release 1 listed").await;
    let rates: serde_json::Value = prod.get("/api/provider/showback/rates", &provider).await.json().await.unwrap();
    assert_eq!(rates[0]["unit_price"], "0.02");
    let limits: serde_json::Value = prod.get("/api/provider/orgs/acme/limits", &provider).await.json().await.unwrap();
    assert_ne!(limits["max_functions"], 7, "unticked, so left as it was");

    browser.close().await;
    dev.shutdown().await;
    prod.shutdown().await;
}
