//! The Functions UI in real headless Chromium: create a function with the form (field errors
//! first), wait for it to deploy, call it from the test console and see its answer and logs,
//! then save a syntax error and see the line marked, and delete it. Screenshots land in
//! target/screenshots/functions-*.png.

use std::time::{Duration, Instant};

use api_types::{Function, Role};
use fantoccini::Locator;
use harness::browser::Browser;
use harness::{Db, TestApp, workspace_root};

/// The handler typed into the editor. Lines start unindented: the editor indents after `{`
/// on Enter by itself.
const HANDLER: &str = "module.exports = async (event, context) => {\n\
    console.log(\"greeter saw \" + event.method + \" \" + event.path);\n\
    return { greeting: \"hi \" + (event.query.name || \"nobody\"), method: event.method, got: event.body };\n\
    };\n";

/// Line 2 does not parse.
const BROKEN: &str = "module.exports = async (event) => {\nconst x = ;\nreturn x;\n};\n";

async fn start_app() -> TestApp {
    let web_dir = workspace_root().join("target").join("web");
    assert!(
        web_dir.join("index.html").is_file() && harness::web_asset(&web_dir, "stratus_frontend_bg", "wasm").is_some(),
        "the UI is not built in {}: run `cargo xtask build` (cargo xtask test does)",
        web_dir.display()
    );
    TestApp::start_with(Db::Sqlite, |mut config| {
        config.web_dir = Some(web_dir);
        config
    })
    .await
}

/// Scrolls the first element matching `css` into view, aligned at `block` (`start`, `end`).
async fn scroll_into_view(browser: &Browser, css: &str, block: &str) {
    let script = "document.querySelector(arguments[0]).scrollIntoView({ block: arguments[1] })";
    browser.client.execute(script, vec![css.into(), block.into()]).await.unwrap();
}

/// Waits until the text of `css` satisfies `ok`, failing with `what` (and the last text) after 20 s.
async fn wait_text(browser: &Browser, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(element) = browser.client.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if ok(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: {css} still says {last:?}");
}

/// An app, an acme tenant-admin token, and a browser on the empty function list's create form.
async fn open_create_form() -> (TestApp, String, Browser) {
    let app = start_app().await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#token={token}"))).await.unwrap();
    browser.wait_for("#page-functions[data-state='empty']", "the empty function list").await;
    browser.find("#new-function").await.click().await.unwrap();
    browser.wait_for("#fn-name", "the create form").await;
    (app, token, browser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_is_created_tested_broken_and_deleted_in_the_ui() {
    let (app, token, browser) = open_create_form().await;

    // The form: name and route, with a field error from the server first.
    browser.type_into("#fn-name", "greeter").await;
    let path = browser.find("#fn-path").await.text().await.unwrap();
    assert_eq!(path, "/api/org/acme/greeter", "the route follows the name until it is typed");
    browser.type_into("#fn-route", "functions").await;
    browser.find("#fn-save").await.click().await.unwrap();
    let error = browser.wait_for(".field-error", "the route's field error").await.text().await.unwrap();
    assert!(error.contains("reserved"), "the route error says {error:?}");
    browser.type_into("#fn-route", "greet").await;
    assert_eq!(browser.find("#fn-path").await.text().await.unwrap(), "/api/org/acme/greet");
    let ceiling = browser.find("#fn-memory-ceiling").await.text().await.unwrap();
    assert!(ceiling.contains("256"), "the org's memory ceiling is shown: {ceiling:?}");

    // A template fills the editor; then our own handler replaces it.
    browser.find("#template-lambda").await.click().await.unwrap();
    let code = browser.find("#fn-code").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(code.contains("exports.handler"), "the Lambda template is in the editor: {code:?}");
    browser.type_into("#fn-code", HANDLER).await;
    let code = browser.find("#fn-code").await.prop("value").await.unwrap().unwrap_or_default();
    assert!(code.contains("console.log(\"greeter saw"), "the handler was typed: {code:?}");
    browser.wait_for(".editor-highlight .tok-keyword", "highlighted keywords").await;
    scroll_into_view(&browser, ".code-section", "end").await;
    browser.screenshot("functions-form").await;

    // Save: the detail page follows the deployment until the function is ready.
    browser.find("#fn-save").await.click().await.unwrap();
    browser.wait_for("#function-detail[data-status='ready']", "the function deployed").await;
    browser.screenshot("functions-detail").await;

    // The test console: POST with a sub-path, a query and a JSON body.
    browser.find("#tab-test").await.click().await.unwrap();
    browser.wait_for("#test-send", "the test console").await;
    browser.find("#test-method").await.select_by_value("POST").await.unwrap();
    browser.type_into("#test-path", "a/b").await;
    browser.type_into("#test-query", "name=ui").await;
    browser.type_into("#test-body", r#"{"n": 1}"#).await;
    browser.find("#test-send").await.click().await.unwrap();
    let status = wait_text(&browser, "#test-status", "the call's status", |t| !t.is_empty()).await;
    assert!(status.starts_with("200"), "status {status:?}");
    let body = wait_text(&browser, "#test-body-out", "the call's body", |t| t.contains("hi ui")).await;
    assert!(body.contains("\"method\": \"POST\""), "the JSON body is pretty-printed: {body:?}");
    assert!(body.contains("\"n\": 1"), "the function got the JSON body: {body:?}");
    let logs = wait_text(&browser, "#test-logs", "the call's logs", |t| t.contains("greeter saw")).await;
    assert!(logs.contains("greeter saw POST /a/b"), "logs {logs:?}");
    let duration = browser.find("#test-duration").await.text().await.unwrap();
    assert!(duration.ends_with("ms") || duration.ends_with(" s"), "duration {duration:?}");
    browser.screenshot("functions-test-console").await;

    // A syntax error: the version fails and the editor marks its line.
    browser.find("#tab-code").await.click().await.unwrap();
    browser.wait_for("#fn-code", "the code editor").await;
    browser.type_into("#fn-code", BROKEN).await;
    browser.find("#fn-save").await.click().await.unwrap();
    browser.wait_for("#function-detail[data-status='failed']", "the broken version failed").await;
    let function: Function = app.get("/api/org/acme/functions/greeter", &token).await.json().await.unwrap();
    let reported = function.error.as_ref().and_then(|e| e.line).expect("the API names the error's line");
    assert_eq!(reported, 2, "the compile error is on line 2: {:?}", function.error);
    let marked = browser.wait_for(".gutter-line.error", "the error line in the gutter").await.text().await.unwrap();
    assert_eq!(marked.trim(), reported.to_string(), "the gutter marks the reported line");
    browser.wait_for(".editor-error-line", "the error line highlight").await;
    let alert = browser.wait_for(".function-form .compile-error", "the compile error").await.text().await.unwrap();
    assert!(alert.contains(&format!("Line {reported}:")), "the alert shows line:column: {alert:?}");
    scroll_into_view(&browser, ".function-form .compile-error", "start").await;
    browser.screenshot("functions-compile-error").await;

    // The versions: the failed one and the one still serving.
    browser.find("#tab-versions").await.click().await.unwrap();
    browser.wait_for("#function-versions tr[data-version='2']", "version 2 in the list").await;
    browser.wait_for("#function-versions tr.active-version[data-version='1']", "version 1 still serving").await;

    // Delete, confirmed by typing the name.
    browser.find("#delete-function").await.click().await.unwrap();
    browser.wait_for("#delete-confirm", "the delete dialog").await;
    let button = browser.find("#delete-confirm-button").await;
    assert!(!button.is_enabled().await.unwrap(), "delete waits for the name");
    browser.type_into("#delete-confirm", "greeter").await;
    button.click().await.unwrap();
    browser.wait_for("#page-functions[data-state='empty']", "the list without the function").await;
    let gone = app.get("/api/org/acme/functions/greeter", &token).await;
    assert_eq!(gone.status(), 404);

    browser.close().await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_gets_a_function_key_from_the_ui() {
    let (app, _token, browser) = open_create_form().await;

    // "Who may call" in the form: holders of a key.
    browser.type_into("#fn-name", "hook").await;
    browser.find("#fn-access").await.select_by_value("keys").await.unwrap();
    let help = wait_text(&browser, "#fn-access-help", "the access help", |t| t.contains("key")).await;
    assert!(help.contains("x-functions-key"), "the help says how to send a key: {help:?}");
    browser.find("#template-workers").await.click().await.unwrap();
    browser.find("#fn-save").await.click().await.unwrap();
    browser.wait_for("#function-detail[data-status='ready']", "the function deployed").await;
    let access = wait_text(&browser, "#function-access", "the access fact", |t| !t.is_empty()).await;
    assert!(access.contains("key"), "the overview says who may call: {access:?}");

    // A key for the chat tool: shown once, and it calls the function without the org's token.
    browser.wait_for("#function-keys", "the keys panel").await;
    browser.type_into("#key-name", "chat webhook").await;
    browser.find("#key-create").await.click().await.unwrap();
    let secret = wait_text(&browser, "#key-secret", "the new key", |t| t.starts_with("sfk_")).await;
    browser.wait_for("#keys-table tr[data-key]", "the key in the list").await;
    scroll_into_view(&browser, "#function-keys", "start").await;
    browser.screenshot("functions-keys").await;
    let call = |key: String| app.client.get(app.url("/api/org/acme/hook")).header("x-functions-key", key).send();
    assert_eq!(call(secret.clone()).await.unwrap().status(), 200);

    // Deleting it refuses the webhook at once.
    browser.find("#keys-table tr[data-key] .btn-danger").await.click().await.unwrap();
    browser.wait_for("#function-keys .empty-state", "no keys left").await;
    assert_eq!(call(secret).await.unwrap().status(), 401);

    browser.close().await;
    app.shutdown().await;
}
