//! Functions of several files: real npm packages (installed from the registry by the test,
//! never fetched at run time) uploaded as a zip with `node_modules`, ES modules and CommonJS
//! between files, a `files` map through the JSON API with errors that name the file, and the
//! checks on uploads (paths, sizes, media type, tenant isolation).

use api_types::{Function, OrgLimits, Role};
use harness::{Db, TestApp, npm};
use serde_json::{Value, json};

use super::{call, deploy, error_code, tenant, wait_settled};

const PACKAGES: [&str; 5] = ["lodash@4.17.21", "dayjs@1.11.13", "uuid@11.1.0", "ajv@8.17.1", "jsonwebtoken@9.0.2"];

/// CommonJS, as most Lambda zips are.
const CJS_ENTRY: &str = r#"const _ = require('lodash');
const dayjs = require('dayjs');
const { v4, validate } = require('uuid');
const Ajv = require('ajv');
const jwt = require('jsonwebtoken');
const validateUser = new Ajv().compile({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
exports.handler = async (event) => {
  const token = jwt.sign({ sub: 'alice' }, 'secret', { algorithm: 'HS256', noTimestamp: true });
  let forged;
  try { jwt.verify(token, 'other secret') } catch (e) { forged = e.message }
  let fs;
  try { require('fs') } catch (e) { fs = e.message }
  return {
    lodash: _.chunk([1, 2, 3, 4, 5], 2),
    dayjs: dayjs('2026-01-31').add(1, 'day').format('YYYY-MM-DD'),
    uuid: validate(v4()),
    ajv: [validateUser({ name: 'x' }), validateUser({})],
    token,
    verified: jwt.verify(token, 'secret').sub,
    forged,
    fs,
  };
};
"#;

/// An ES module entry importing CommonJS packages and a CommonJS file that requires an ES module.
const ESM_ENTRY: &str = r#"import _ from 'lodash';
import { groupBy } from 'lodash';
import { v4, validate } from 'uuid';
import { describe } from './lib/describe.cjs';
export default {
  async fetch(request) {
    const grouped = groupBy(['one', 'two', 'three'], (w) => w.length);
    return Response.json({ sum: _.sum([1, 2, 3]), grouped, uuid: validate(v4()), described: describe('x') });
  },
};
"#;

async fn create(app: &TestApp, token: &str, org: &str, name: &str) -> Function {
    deploy(app, token, org, name, "module.exports = async () => 'placeholder'", json!({})).await
}

async fn upload(app: &TestApp, token: &str, org: &str, name: &str, zip: Vec<u8>, main: &str) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/org/{org}/functions/{name}/code?main={main}")))
        .bearer_auth(token)
        .header("content-type", "application/zip")
        .body(zip)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_packages_uploaded_as_a_zip_answer_correctly() {
    let project = npm::project("stratus-packages-test", &PACKAGES);
    let app = TestApp::start(Db::Sqlite).await;
    let acme = tenant(&app, "acme").await;

    create(&app, &acme, "acme", "deps").await;
    let zip = npm::zip(&project, &[("index.js", CJS_ENTRY)]);
    let uploaded = upload(&app, &acme, "acme", "deps", zip.clone(), "").await;
    assert_eq!(uploaded.status(), 202, "{}", uploaded.text().await.unwrap());
    let function = wait_settled(&app, &acme, "acme", "deps").await;
    assert_eq!(function.status, "ready", "{:?}", function.error);
    assert_eq!((function.main.as_deref(), function.shape.as_deref()), (Some("index.js"), Some("lambda")));
    let files = function.files.expect("files");
    assert!(files.contains_key("node_modules/lodash/lodash.js") && files.contains_key("index.js"));
    assert!(!files.keys().any(|path| path.ends_with(".md") || path.ends_with(".d.ts")), "docs are skipped");
    assert_eq!(function.code, CJS_ENTRY);

    let answer: Value = call(&app, &acme, "GET", "/api/org/acme/deps", None).await.json().await.unwrap();
    assert_eq!(answer["lodash"], json!([[1, 2], [3, 4], [5]]), "{answer}");
    assert_eq!(answer["dayjs"], "2026-02-01");
    assert_eq!(answer["uuid"], true);
    assert_eq!(answer["ajv"], json!([true, false]));
    // HS256 over {"alg":"HS256","typ":"JWT"}.{"sub":"alice"} with "secret", as Node computes it.
    assert_eq!(
        answer["token"],
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c3brGQkxoiCgrl5LGiV0go9qgN0MtrdnDBCCfJ45f_Q"
    );
    assert_eq!(answer["verified"], "alice");
    assert_eq!(answer["forged"], "invalid signature");
    assert!(answer["fs"].as_str().unwrap().contains("require('fs') is not available in Stratus functions"));

    create(&app, &acme, "acme", "esm").await;
    let describe = "const { shout } = require('./shout.mjs');\nexports.describe = (w) => shout(`word ${w}`);";
    let zip = npm::zip(
        &project,
        &[
            ("index.mjs", ESM_ENTRY),
            ("lib/describe.cjs", describe),
            ("lib/shout.mjs", "export const shout = (s) => s.toUpperCase();"),
        ],
    );
    let uploaded = upload(&app, &acme, "acme", "esm", zip.clone(), "index.mjs").await;
    assert_eq!(uploaded.status(), 202);
    let function = wait_settled(&app, &acme, "acme", "esm").await;
    assert_eq!(
        (function.status.as_str(), function.shape.as_deref()),
        ("ready", Some("workers")),
        "{:?}",
        function.error
    );
    let answer: Value = call(&app, &acme, "GET", "/api/org/acme/esm", None).await.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"sum": 6, "grouped": {"3": ["one", "two"], "5": ["three"]}, "uuid": true, "described": "WORD X"})
    );

    // Another tenant cannot upload over acme's function; a wrong media type and a non-zip are refused.
    let globex = tenant(&app, "globex").await;
    assert_eq!(upload(&app, &globex, "acme", "esm", zip.clone(), "").await.status(), 404);
    let other = app.token(Role::TenantAdmin, Some("globex")).await;
    assert_eq!(upload(&app, &other, "globex", "esm", zip.clone(), "").await.status(), 404);
    let wrong = app
        .client
        .put(app.url("/api/org/acme/functions/esm/code"))
        .bearer_auth(&acme)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 415);
    let garbage = upload(&app, &acme, "acme", "esm", b"not a zip".to_vec(), "").await;
    assert_eq!(garbage.status(), 422);
    let missing_main = upload(&app, &acme, "acme", "esm", zip, "nope.js").await;
    assert_eq!(missing_main.status(), 422);
    let body: Value = missing_main.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["field"], "main");
    app.shutdown().await;
}

async fn files_map_round_trip(db: Db) {
    let app = TestApp::start(db).await;
    let acme = tenant(&app, "acme").await;
    let files = json!({
        "package.json": r#"{"main": "src/app.js"}"#,
        "src/app.js": "const { greet } = require('./greet');\nmodule.exports = async (event) => greet(event.query.name);",
        "src/greet.js": "exports.greet = (name) => ({ hello: name, from: __filename });",
    });
    let function = deploy(&app, &acme, "acme", "multi", "", json!({ "files": files })).await;
    assert_eq!(function.status, "ready", "{:?}", function.error);
    assert_eq!(function.main.as_deref(), Some("src/app.js"));
    let answer: Value = call(&app, &acme, "GET", "/api/org/acme/multi?name=ann", None).await.json().await.unwrap();
    assert_eq!(answer, json!({"hello": "ann", "from": "/src/greet.js"}));

    // A syntax error names its file, line and column; the serving version stays.
    let mut broken = files.clone();
    broken["src/greet.js"] = json!("exports.greet = (name) => {\n  return { hello: name ;\n};");
    let put = app
        .client
        .put(app.url("/api/org/acme/functions/multi"))
        .bearer_auth(&acme)
        .json(&json!({ "route": "multi", "files": broken }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 202);
    let failed = wait_settled(&app, &acme, "acme", "multi").await;
    let error = failed.error.expect("compile error");
    assert_eq!((error.file.as_deref(), error.line), (Some("src/greet.js"), Some(2)), "{error:?}");
    assert!(error.column.is_some());
    assert_eq!(failed.active_version, Some(1));
    let versions: Value = app.get("/api/org/acme/functions/multi/versions", &acme).await.json().await.unwrap();
    assert_eq!(versions["items"][0]["file_count"], 3);

    // Field-level refusals, and the provider's code cap per org.
    for (body, field) in [
        (json!({ "name": "x", "route": "x", "code": "module.exports = 1", "files": files }), "code"),
        (json!({ "name": "x", "route": "x", "files": { "../up.js": "" } }), "files.../up.js"),
        (json!({ "name": "x", "route": "x", "files": files, "main": "nope.js" }), "main"),
    ] {
        let created = app.client.post(app.url("/api/org/acme/functions")).bearer_auth(&acme).json(&body).send();
        let created = created.await.unwrap();
        assert_eq!(created.status(), 422, "{body}");
        let answer: Value = created.json().await.unwrap();
        assert_eq!(answer["error"]["details"][0]["field"], field, "{answer}");
    }
    let provider = app.token(Role::Provider, None).await;
    let small = OrgLimits { max_code_bytes: 1024, ..OrgLimits::default() };
    let put = app.client.put(app.url("/api/provider/orgs/acme/limits")).bearer_auth(&provider).json(&small).send();
    assert_eq!(put.await.unwrap().status(), 200);
    let big = json!({ "name": "big", "route": "big", "files": { "index.js": format!("module.exports = 1;//{}", "x".repeat(2000)) } });
    let created = app.client.post(app.url("/api/org/acme/functions")).bearer_auth(&acme).json(&big).send();
    let created = created.await.unwrap();
    assert_eq!(created.status(), 422);
    assert_eq!(error_code(created).await, "validation_failed");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_map_round_trip_on_sqlite() {
    files_map_round_trip(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_map_round_trip_on_postgres() {
    files_map_round_trip(Db::Postgres).await;
}
