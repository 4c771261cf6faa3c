//! A function of several files in the UI, in real headless Chromium: the file tree beside the
//! editor (node_modules closed until opened), opening and editing a file, adding one, a compile
//! error marked on its file, and a zip upload from the code tab. Screenshots land in
//! target/screenshots/functions-files-*.png.

use std::io::Write as _;
use std::time::{Duration, Instant};

use api_types::{Function, Role};
use fantoccini::Locator;
use harness::browser::Browser;
use harness::{Db, TestApp, workspace_root};
use serde_json::{Value, json};

async fn start_app() -> TestApp {
    let web_dir = workspace_root().join("target").join("web");
    assert!(web_dir.join("index.html").is_file(), "the UI is not built: run `cargo xtask build`");
    TestApp::start_with(Db::Sqlite, |mut config| {
        config.web_dir = Some(web_dir);
        config
    })
    .await
}

async fn function(app: &TestApp, token: &str) -> Function {
    app.get("/api/org/acme/functions/greeter", token).await.json().await.unwrap()
}

/// Polls the API until version `version` of the function settled.
async fn settled(app: &TestApp, token: &str, version: i64) -> Function {
    let started = Instant::now();
    loop {
        let f = function(app, token).await;
        if f.version == version && f.status != "initializing" {
            return f;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "version {version} never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn call(app: &TestApp, token: &str) -> Value {
    let response = app.client.get(app.url("/api/org/acme/greeter?name=ann")).bearer_auth(token).send().await.unwrap();
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_of_several_files_is_edited_in_the_file_tree() {
    let app = start_app().await;
    let token = app.token(Role::TenantAdmin, Some("acme")).await;
    let files = json!({
        "index.js": "const { greet } = require('./lib/greet');\nmodule.exports = async (event) => greet(event.query.name);\n",
        "lib/greet.js": "const pad = require('left-pad');\nexports.greet = (name) => ({ hello: pad(name, 5) });\n",
        "node_modules/left-pad/index.js": "module.exports = (s, n) => String(s).padStart(n, '.');\n",
        "node_modules/left-pad/package.json": "{\"name\": \"left-pad\"}",
    });
    let created = app
        .client
        .post(app.url("/api/org/acme/functions"))
        .bearer_auth(&token)
        .json(&json!({ "name": "greeter", "route": "greeter", "files": files, "main": "index.js" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 202);
    settled(&app, &token, 1).await;

    let browser = Browser::start().await;
    browser.client.goto(&app.url(&format!("/#token={token}"))).await.unwrap();
    browser.wait_for("#page-functions", "the function list").await;
    browser.client.goto(&app.url("/#/functions/greeter/code")).await.unwrap();
    browser.wait_for("#fn-files .file-row[data-path='index.js'].selected", "the entry file open").await;
    let open = browser.find("#fn-open-file").await.text().await.unwrap();
    assert_eq!(open, "index.js");
    assert!(browser.find("#fn-files .file-entry").await.text().await.unwrap().contains("entry"));
    // node_modules is listed closed: its files are not rows until it is opened.
    browser.wait_for("#fn-files .file-row.folder[data-path='node_modules'][aria-expanded='false']", "closed").await;
    assert!(browser.client.find(Locator::Css(".file-row[data-path='node_modules/left-pad/index.js']")).await.is_err());
    browser.find(".file-row.folder[data-path='node_modules']").await.click().await.unwrap();
    browser.find(".file-row.folder[data-path='node_modules/left-pad']").await.click().await.unwrap();
    browser.wait_for(".file-row[data-path='node_modules/left-pad/index.js']", "a package file").await;

    // Open lib/greet.js, change it, add lib/shout.js, save: a new version with every file.
    browser.find(".file-row[data-path='lib/greet.js']").await.click().await.unwrap();
    let started = Instant::now();
    while browser.find("#fn-open-file").await.text().await.unwrap() != "lib/greet.js" {
        assert!(started.elapsed() < Duration::from_secs(5), "lib/greet.js did not open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser
        .type_into(
            "#fn-code",
            "const pad = require('left-pad');\nconst { shout } = require('./shout');\nexports.greet = (name) => ({ hello: shout(pad(name, 5)) });\n",
        )
        .await;
    browser.type_into("#fn-new-file", "lib/shout.js").await;
    browser.find("#fn-add-file").await.click().await.unwrap();
    browser.wait_for(".file-row[data-path='lib/shout.js'].selected", "the new file open").await;
    browser.type_into("#fn-code", "exports.shout = (s) => s.toUpperCase();\n").await;
    browser.screenshot("functions-files-tree").await;
    browser.find("#fn-save").await.click().await.unwrap();
    let saved = settled(&app, &token, 2).await;
    assert_eq!(saved.status, "ready", "{:?}", saved.error);
    assert_eq!(saved.files.as_ref().map(|f| f.len()), Some(5));
    assert_eq!(call(&app, &token).await, json!({ "hello": "..ANN" }));

    // A syntax error in one file: the tree marks that file, the alert names file:line:column.
    browser.wait_for("#function-detail[data-status='ready']", "version 2 shown").await;
    browser.client.goto(&app.url("/#/functions/greeter/code")).await.unwrap();
    browser.wait_for(".file-row[data-path='lib/shout.js']", "the tree").await;
    browser.find(".file-row[data-path='lib/shout.js']").await.click().await.unwrap();
    browser.type_into("#fn-code", "exports.shout = (s) => {\n  return s.toUpperCase(;\n};\n").await;
    browser.find("#fn-save").await.click().await.unwrap();
    let failed = settled(&app, &token, 3).await;
    let error = failed.error.expect("a compile error");
    assert_eq!(error.file.as_deref(), Some("lib/shout.js"));
    browser.wait_for("#function-detail[data-status='failed']", "version 3 failed").await;
    browser.client.goto(&app.url("/#/functions/greeter/code")).await.unwrap();
    browser.wait_for(".file-row.error.selected[data-path='lib/shout.js']", "the file with the error open").await;
    let marked = browser.wait_for(".gutter-line.error", "the error line in the gutter").await.text().await.unwrap();
    assert_eq!(marked.trim(), "2");
    let alert = browser.wait_for(".function-form .compile-error", "the compile error").await.text().await.unwrap();
    assert!(alert.contains("lib/shout.js:2:"), "the alert names file:line:column: {alert:?}");
    let script = "document.querySelector('.function-form .compile-error').scrollIntoView({ block: 'start' })";
    browser.client.execute(script, vec![]).await.unwrap();
    browser.screenshot("functions-files-error").await;

    // A zip from the code tab replaces the files; the function answers from the new code.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("app/index.js", options).unwrap();
    writer.write_all(b"module.exports = async () => ({ from: 'zip', helper: require('./helper').value });").unwrap();
    writer.start_file("app/helper.json", options).unwrap();
    writer.write_all(b"{\"value\": 7}").unwrap();
    writer.start_file("app/README.md", options).unwrap();
    writer.write_all(b"skipped").unwrap();
    let archive = writer.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("greeter.zip");
    std::fs::write(&path, archive).unwrap();
    browser.find("#fn-zip").await.send_keys(path.to_str().unwrap()).await.unwrap();
    let zipped = settled(&app, &token, 4).await;
    assert_eq!(zipped.status, "ready", "{:?}", zipped.error);
    assert_eq!(call(&app, &token).await, json!({ "from": "zip", "helper": 7 }));
    browser.wait_for("#function-detail[data-status='ready']", "the uploaded version shown").await;

    browser.close().await;
    app.shutdown().await;
}
