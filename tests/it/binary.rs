//! The `stratus` binary as a provider ships it: it serves the UI built into it, and its metrics
//! name no tenant's functions to callers without the right.

use api_types::Role;
use harness::process::ServeProcess;
use harness::{Db, TestApp};

#[tokio::test]
async fn the_binary_serves_its_built_in_ui_with_no_flag() {
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("serve.log");
    let server = ServeProcess::start(&["--data-dir", data.path().to_str().unwrap()], &[], log).await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    // No inline script: the configuration comes from config.js, the app from a boot module.
    assert!(html.contains(r#"<script src="./config.js"></script>"#), "the host page loads its config: {html}");
    assert!(!html.contains("<script>") && !html.contains("<script type=\"module\">"), "no inline script: {html}");
    asset_in(&html, "boot.", ".js");
    let config = client.get(format!("{}/config.js", server.base)).send().await.unwrap().text().await.unwrap();
    assert!(config.contains("__STRATUS_CONFIG__"), "{config}");
    assert!(!html.contains("not built"), "the UI is built in: {html}");
    let wasm_path = asset_in(&html, "stratus_frontend_bg.", ".wasm");
    let plain = client.get(format!("{}/{wasm_path}", server.base)).header("accept-encoding", "identity");
    let wasm = plain.send().await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(
        wasm.headers()["cache-control"],
        "public, max-age=31536000, immutable",
        "a hashed name is cached for good"
    );
    let wasm = wasm.bytes().await.unwrap();
    assert!(wasm.starts_with(b"\0asm"), "a WebAssembly module");
    let brotli = client.get(format!("{}/{wasm_path}", server.base)).header("accept-encoding", "gzip, br").send();
    let brotli = brotli.await.unwrap();
    assert_eq!(
        (brotli.headers()["content-encoding"].to_str().unwrap(), brotli.headers()["vary"].to_str().unwrap()),
        ("br", "accept-encoding")
    );
    let compressed = brotli.bytes().await.unwrap();
    assert!(compressed.len() * 2 < wasm.len(), "brotli: {} of {} bytes", compressed.len(), wasm.len());
    let gzip = client.get(format!("{}/{wasm_path}", server.base)).header("accept-encoding", "gzip").send();
    assert_eq!(gzip.await.unwrap().headers()["content-encoding"], "gzip");
    let glue_path = asset_in(&html, "stratus_frontend.", ".js");
    let glue = client.get(format!("{}/{glue_path}", server.base)).send().await.unwrap();
    assert!(glue.headers()["content-type"].to_str().unwrap().contains("javascript"));
    let missing = client.get(format!("{}/nope.js", server.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    server.kill().await;
}

/// The asset named `prefix….ext` in the host page.
fn asset_in(html: &str, prefix: &str, ext: &str) -> String {
    let start = html.find(prefix).unwrap_or_else(|| panic!("no {prefix}… in {html}"));
    let end = start + html[start..].find(ext).unwrap_or_else(|| panic!("no {prefix}…{ext} in {html}")) + ext.len();
    html[start..end].to_owned()
}

/// Calls acme's function once, so that the metrics have a function label to leak.
async fn call_a_function(app: &TestApp, tenant: &str) {
    let spec = serde_json::json!({"name": "secret-fn", "route": "secret-fn",
        "code": "module.exports = async () => ({ statusCode: 200, body: 'ok' });"});
    let created = app.client.post(app.url("/api/org/acme/functions")).bearer_auth(tenant).json(&spec).send().await;
    assert_eq!(created.unwrap().status(), 202);
    for _ in 0..100 {
        let call = app.client.get(app.url("/api/org/acme/secret-fn")).bearer_auth(tenant).send().await.unwrap();
        if call.status() == 200 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the function never answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_the_api_port_need_the_provider_role() {
    let app = TestApp::start(Db::Sqlite).await;
    let tenant = app.token(Role::TenantAdmin, Some("acme")).await;
    let provider = app.token(Role::Provider, None).await;
    call_a_function(&app, &tenant).await;

    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let anonymous = anonymous.text().await.unwrap();
    assert!(!anonymous.contains("secret-fn"), "{anonymous}");
    let as_tenant = app.get("/metrics", &tenant).await;
    assert_eq!(as_tenant.status(), 403);
    assert!(!as_tenant.text().await.unwrap().contains("secret-fn"));

    let as_provider = app.get("/metrics", &provider).await;
    assert_eq!(as_provider.status(), 200);
    let text = as_provider.text().await.unwrap();
    assert!(text.contains("gateway_function_invocation_total{function_name=\"secret-fn.acme\""), "{text}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_separate_metrics_listener_serves_prometheus_without_credentials() {
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("serve.log");
    let args = ["--data-dir", data.path().to_str().unwrap(), "--metrics-listen", "127.0.0.1:0"];
    let server = ServeProcess::start(&args, &[], log).await;
    let output = server.output();
    let url = output
        .lines()
        .find_map(|l| l.strip_prefix("Prometheus metrics at ").and_then(|r| r.split_whitespace().next()))
        .unwrap_or_else(|| panic!("no metrics address in: {output}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let client = reqwest::Client::new();
    let scrape = client.get(&url).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    assert!(scrape.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert!(scrape.text().await.unwrap().contains("# TYPE stratus_http_requests counter"));
    let on_api_port = client.get(format!("{}/metrics", server.base)).send().await.unwrap();
    assert_eq!(on_api_port.status(), 401, "the API port still wants credentials");
    server.kill().await;
}
