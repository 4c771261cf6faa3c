//! Content packages from dev to prod over the API, on SQLite and PostgreSQL: plan, apply as a
//! release (signatures enforced), the same plan twice, a stale plan, a conflict with an edit
//! made on prod, a failure injected in the middle of an apply, rollback, drift, an older
//! package planned as a downgrade, a package that does not compile, and other tenants refused.

use api_types::Role;
use harness::{Db, TestApp};
use package::{Package, SigningKey};
use serde_json::{Value, json};

use crate::functions::{call, deploy, tenant, wait_settled};

const SECRET: &str = "prod-only-secret-value";

/// Answers `text:` and the value of secret `API_KEY` (`-` when it has none).
fn hello(text: &str) -> String {
    format!("export default {{ fetch(r, env) {{ return new Response('{text}:' + (env.API_KEY ?? '-')); }} }};")
}

async fn export(app: &TestApp, key: &SigningKey) -> Vec<u8> {
    let mut package = stratus_core::packages::export_functions(&app.store, "acme", &Default::default()).await.unwrap();
    package.sign(key).unwrap();
    package.to_archive().unwrap()
}

async fn plan(app: &TestApp, token: &str, archive: &[u8]) -> (u16, Value) {
    let r = app.client.post(app.url("/api/org/acme/packages/plan")).bearer_auth(token).body(archive.to_vec());
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn apply(app: &TestApp, token: &str, archive: &[u8], fingerprint: &str, select: Option<&str>) -> (u16, Value) {
    let mut query = vec![("plan", fingerprint)];
    query.extend(select.map(|s| ("select", s)));
    let url = app.url("/api/org/acme/packages/apply");
    let r = app.client.post(url).query(&query).bearer_auth(token).body(archive.to_vec()).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn text(app: &TestApp, token: &str, route: &str) -> String {
    call(app, token, "GET", &format!("/api/org/acme/{route}"), None).await.text().await.unwrap()
}

fn actions(plan: &Value) -> Vec<(String, String)> {
    let elements = plan["elements"].as_array().unwrap();
    elements.iter().map(|e| (e["id"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned())).collect()
}

async fn put_code(app: &TestApp, token: &str, name: &str, code: &str, extra: Value) {
    let mut body = json!({ "route": name, "code": code });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let url = app.url(&format!("/api/org/acme/functions/{name}"));
    let r = app.client.put(url).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    assert_eq!(wait_settled(app, token, "acme", name).await.status, "ready");
}

async fn releases(app: &TestApp, token: &str) -> Vec<Value> {
    let body: Value = app.get("/api/org/acme/packages/releases", token).await.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

/// Fails every insert of a version of function `name` until [`heal`] (a failure from the
/// database itself, in the middle of the apply's transaction).
async fn sabotage(app: &TestApp, db: Db, name: &str) {
    let statements = match db {
        Db::Sqlite => vec![format!(
            "create trigger sabotage before insert on function_version when new.name = '{name}' \
             begin select raise(abort, 'injected failure'); end"
        )],
        Db::Postgres => vec![
            "create function sabotage() returns trigger language plpgsql as \
             $$ begin raise exception 'injected failure'; end $$"
                .to_owned(),
            format!(
                "create trigger sabotage before insert on function_version for each row \
                 when (new.name = '{name}') execute function sabotage()"
            ),
        ],
    };
    raw(app, db, &statements).await;
}

async fn heal(app: &TestApp, db: Db) {
    let drop = match db {
        Db::Sqlite => vec!["drop trigger sabotage".to_owned()],
        Db::Postgres => {
            vec!["drop trigger sabotage on function_version".to_owned(), "drop function sabotage".to_owned()]
        }
    };
    raw(app, db, &drop).await;
}

async fn raw(app: &TestApp, db: Db, statements: &[String]) {
    for sql in statements {
        let sql = sqlx::AssertSqlSafe(sql.clone());
        match db {
            Db::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
            Db::Postgres => {
                let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
    }
}

async fn dev_to_prod(db: Db) {
    let (dev, prod) = (TestApp::start(db).await, TestApp::start(db).await);
    let (dev_token, token) = (tenant(&dev, "acme").await, tenant(&prod, "acme").await);
    deploy(&dev, &dev_token, "acme", "hello", &hello("v1"), json!({ "secrets": { "API_KEY": "dev-value" } })).await;
    let files =
        json!({ "index.js": "module.exports = async () => require('./lib/x').x;", "lib/x.js": "exports.x = 'm1';" });
    deploy(&dev, &dev_token, "acme", "multi", "", json!({ "files": files })).await;

    // Prod trusts alice's key for acme and enforces one signature.
    let key = SigningKey::generate();
    let provider = prod.token(Role::Provider, None).await;
    let trust = json!({ "principal": "alice@dev", "public_key": key.public_key(), "orgs": ["acme"] });
    let r = prod.client.post(prod.url("/api/provider/package-keys")).bearer_auth(&provider).json(&trust);
    assert_eq!(r.send().await.unwrap().status(), 201);
    let policy = json!({ "mode": "enforce", "min_signatures": 1 });
    let r = prod.client.put(prod.url("/api/provider/orgs/acme/package-policy")).bearer_auth(&provider).json(&policy);
    assert_eq!(r.send().await.unwrap().status(), 200);

    let v1 = export(&dev, &key).await;
    let (status, first) = plan(&prod, &token, &v1).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["signers"][0]["principal"], "alice@dev");
    assert_eq!(
        actions(&first),
        [("function:hello".into(), "create".into()), ("function:multi".into(), "create".into())]
    );
    assert_eq!(first["elements"][0]["secrets"], json!([{ "name": "API_KEY", "status": "missing" }]));
    let fingerprint = first["fingerprint"].as_str().unwrap().to_owned();

    // A selection naming what the package does not hold changes nothing.
    let (status, body) = apply(&prod, &token, &v1, &fingerprint, Some("function:hello,function:nope")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("the package has no element function:nope"), "{body}");
    assert!(releases(&prod, &token).await.is_empty());

    // Apply: both functions serve at once, as release 1.
    let (status, applied) = apply(&prod, &token, &v1, &fingerprint, None).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["changed"], 2);
    assert_eq!(applied["release"]["number"], 1);
    assert_eq!(applied["release"]["signers"][0]["principal"], "alice@dev");
    assert_eq!(text(&prod, &token, "hello").await, "v1:-", "the secret's value stays on dev");
    assert_eq!(text(&prod, &token, "multi").await, "m1");
    // The same plan again changes nothing.
    let (status, again) = apply(&prod, &token, &v1, &fingerprint, None).await;
    assert_eq!((status, again["changed"].clone(), again["release"].clone()), (200, json!(0), Value::Null), "{again}");
    assert_eq!(releases(&prod, &token).await.len(), 1);

    // Prod gives the secret its value (a new version: drift from release 1).
    put_code(&prod, &token, "hello", &hello("v1"), json!({ "secrets": { "API_KEY": SECRET } })).await;
    let drift: Value = prod.get("/api/org/acme/packages/drift", &token).await.json().await.unwrap();
    assert_eq!(drift["items"][0]["id"], "function:hello", "{drift}");
    assert_eq!(
        (drift["items"][0]["released_version"].clone(), drift["items"][0]["current_version"].clone()),
        (json!(1), json!(2))
    );

    // Dev moves on; planned on prod, then prod changes before the apply: 409, nothing written.
    put_code(&dev, &dev_token, "hello", &hello("v2"), json!({})).await;
    let v2 = export(&dev, &key).await;
    let (_, second) = plan(&prod, &token, &v2).await;
    assert_eq!(actions(&second)[0], ("function:hello".into(), "conflict".into()), "edited on prod since release 1");
    assert_eq!(second["elements"][0]["secrets"], json!([{ "name": "API_KEY", "status": "present" }]));
    let diff = second["elements"][0]["files"][0]["diff"].as_str().unwrap();
    assert!(diff.contains(&format!("-{}", hello("v1"))) && diff.contains(&format!("+{}", hello("v2"))), "{diff}");
    put_code(&prod, &token, "multi", "module.exports = async () => 'prod edit';", json!({})).await;
    let (status, body) = apply(&prod, &token, &v2, second["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("stale_plan")), "{body}");
    assert_eq!(text(&prod, &token, "hello").await, format!("v1:{SECRET}"));
    assert_eq!(releases(&prod, &token).await.len(), 1);

    // Planned again, only hello selected: it serves v2 and keeps prod's secret value.
    let (_, third) = plan(&prod, &token, &v2).await;
    let (status, body) =
        apply(&prod, &token, &v2, third["fingerprint"].as_str().unwrap(), Some("function:hello")).await;
    assert_eq!(
        (status, body["changed"].clone(), body["release"]["number"].clone()),
        (200, json!(1), json!(2)),
        "{body}"
    );
    assert_eq!(text(&prod, &token, "hello").await, format!("v2:{SECRET}"), "prod's value is kept");
    assert_eq!(text(&prod, &token, "multi").await, "prod edit");
    assert!(!serde_json::to_string(&(first, second, third, body)).unwrap().contains(SECRET));

    // Rollback to release 1: both serve exactly what release 1 left.
    let rollback = prod.client.post(prod.url("/api/org/acme/packages/releases/1/rollback")).bearer_auth(&token);
    let body: Value = rollback.send().await.unwrap().json().await.unwrap();
    assert_eq!((body["changed"].clone(), body["release"]["rollback_of"].clone()), (json!(2), json!(1)), "{body}");
    assert_eq!(text(&prod, &token, "hello").await, "v1:-", "release 1's version, as it was");
    assert_eq!(text(&prod, &token, "multi").await, "m1");
    assert_eq!(releases(&prod, &token).await.len(), 3);

    // After the rollback, v2 again is a move forward; then v1's package is older than prod.
    let (_, forward) = plan(&prod, &token, &v2).await;
    assert_eq!(actions(&forward)[0], ("function:hello".into(), "update".into()), "{forward}");
    let (status, body) = apply(&prod, &token, &v2, forward["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(1)), "{body}");
    let (_, back) = plan(&prod, &token, &v1).await;
    assert_eq!(actions(&back)[0], ("function:hello".into(), "downgrade".into()), "{back}");
    let detail = back["elements"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("the package carries what v") && detail.contains("moved on to v"), "{detail}");
    let fingerprint = back["fingerprint"].as_str().unwrap();
    let (status, body) = apply(&prod, &token, &v1, fingerprint, None).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(0)), "without a selection, no downgrade: {body}");
    let (status, body) = apply(&prod, &token, &v1, fingerprint, Some("function:multi")).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(0)), "a downgrade is applied only when picked: {body}");
    assert!(text(&prod, &token, "hello").await.starts_with("v2:"));
    let (status, body) = apply(&prod, &token, &v1, fingerprint, Some("function:hello")).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(1)), "{body}");
    assert!(text(&prod, &token, "hello").await.starts_with("v1:"));

    // Another tenant sees none of it.
    let other = tenant(&prod, "globex").await;
    assert_eq!(prod.get("/api/org/acme/packages/releases", &other).await.status(), 404);
    let (status, _) = apply(&prod, &other, &v2, "x", None).await;
    assert_eq!(status, 404);
    let r = prod.client.post(prod.url("/api/org/acme/packages/releases/1/rollback")).bearer_auth(&other);
    assert_eq!(r.send().await.unwrap().status(), 404);

    dev.shutdown().await;
    prod.shutdown().await;
}

/// Five functions; the database refuses the third while the apply writes: nothing changes,
/// and the same plan applies once the fault is gone. A package that does not compile is a 422
/// naming the element, file and line.
async fn atomic(db: Db) {
    let (dev, prod) = (TestApp::start(db).await, TestApp::start(db).await);
    let (dev_token, token) = (tenant(&dev, "acme").await, tenant(&prod, "acme").await);
    for name in ["a", "b", "c", "d", "e"] {
        deploy(&dev, &dev_token, "acme", name, &hello(name), json!({})).await;
    }
    deploy(&prod, &token, "acme", "a", &hello("prod a"), json!({})).await;
    let key = SigningKey::generate();
    let archive = export(&dev, &key).await;
    let (_, planned) = plan(&prod, &token, &archive).await;
    assert_eq!(planned["warnings"].as_array().map(Vec::len), Some(1), "warn: the signer is not trusted here");
    let fingerprint = planned["fingerprint"].as_str().unwrap();
    sabotage(&prod, db, "c").await;
    let (status, body) = apply(&prod, &token, &archive, fingerprint, None).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(text(&prod, &token, "a").await, "prod a:-");
    assert_eq!(call(&prod, &token, "GET", "/api/org/acme/b", None).await.status(), 404);
    assert!(releases(&prod, &token).await.is_empty());
    heal(&prod, db).await;
    let (status, body) = apply(&prod, &token, &archive, fingerprint, None).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(5)), "{body}");
    for name in ["a", "b", "c", "d", "e"] {
        assert_eq!(text(&prod, &token, name).await, format!("{name}:-"));
    }

    // A package whose code does not compile: 422 naming it, nothing written.
    let mut files = Package::from_archive(&archive, package::Caps::default()).unwrap().files().clone();
    let manifest: package::Manifest = serde_json::from_slice(&files[package::MANIFEST]).unwrap();
    files.retain(|path, _| path.starts_with("functions/"));
    files.insert("functions/b/code/function.js".into(), b"export default {\n  fetch() { return (; }\n};\n".to_vec());
    let broken = Package::seal(manifest.kind, &manifest.name, manifest.elements, files).unwrap().to_archive().unwrap();
    let (_, planned) = plan(&prod, &token, &broken).await;
    let (status, body) = apply(&prod, &token, &broken, planned["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!(status, 422, "{body}");
    let detail = &body["error"]["details"][0];
    assert_eq!(detail["field"], "function:b.code", "{body}");
    assert!(detail["reason"].as_str().unwrap().starts_with("function.js:2:"), "{body}");
    assert_eq!(text(&prod, &token, "b").await, "b:-");
    assert_eq!(releases(&prod, &token).await.len(), 1);

    dev.shutdown().await;
    prod.shutdown().await;
}

/// A secret value sealed to prod's recipient: it travels only as age ciphertext, prod opens it
/// and the function reads it; another instance shows the slot as missing.
async fn sealed(db: Db) {
    let (dev, prod, other) = (TestApp::start(db).await, TestApp::start(db).await, TestApp::start(db).await);
    let (dev_token, token, other_token) =
        (tenant(&dev, "acme").await, tenant(&prod, "acme").await, tenant(&other, "acme").await);
    deploy(&dev, &dev_token, "acme", "hello", &hello("v1"), json!({ "secrets": { "API_KEY": SECRET } })).await;
    let answer: Value = prod.get("/api/org/acme/packages/recipient", &token).await.json().await.unwrap();
    let recipient = answer["recipient"].as_str().unwrap().to_owned();
    assert!(recipient.starts_with("age1"), "{answer}");
    let again: Value = prod.get("/api/org/acme/packages/recipient", &token).await.json().await.unwrap();
    assert_eq!(again["recipient"].as_str(), Some(recipient.as_str()), "one key per instance");

    let url = dev.url("/api/org/acme/packages/export");
    let r = dev.client.get(&url).query(&[("seal_to", "age1nope")]).bearer_auth(&dev_token).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r =
        dev.client.get(&url).query(&[("seal_to", recipient.as_str())]).bearer_auth(&dev_token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let archive = r.bytes().await.unwrap().to_vec();
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(SECRET.as_bytes()));
    let contains = |haystack: &[u8], needle: &str| haystack.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!contains(&archive, SECRET) && !contains(&archive, &hash), "no value, no hash in the archive");
    let package = Package::from_archive(&archive, package::Caps::default()).unwrap();
    let sealed = String::from_utf8(package.files()["functions/hello/secrets/API_KEY.age"].clone()).unwrap();
    assert!(sealed.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"), "{sealed}");

    let (_, planned) = plan(&prod, &token, &archive).await;
    assert_eq!(planned["elements"][0]["secrets"], json!([{ "name": "API_KEY", "status": "sealed" }]));
    let (_, elsewhere) = plan(&other, &other_token, &archive).await;
    assert_eq!(elsewhere["elements"][0]["secrets"], json!([{ "name": "API_KEY", "status": "missing" }]));
    assert!(!planned.to_string().contains(SECRET) && !planned.to_string().contains(&hash));
    let (status, applied) = apply(&prod, &token, &archive, planned["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(text(&prod, &token, "hello").await, format!("v1:{SECRET}"));
    let (_, again) = plan(&prod, &token, &archive).await;
    assert_eq!(actions(&again), [("function:hello".into(), "unchanged".into())], "the same value is no change");
    for app in [dev, prod, other] {
        app.shutdown().await;
    }
}

async fn export_locked(app: &TestApp, key: &SigningKey) -> Vec<u8> {
    let options = stratus_core::packages::ExportOptions { lock: vec!["hello".into()], ..Default::default() };
    let mut package = stratus_core::packages::export_functions(&app.store, "acme", &options).await.unwrap();
    package.sign(key).unwrap();
    package.to_archive().unwrap()
}

/// A function locked by alice's package: its code is never returned, code changes and exports
/// are refused, settings still change, a package signed by bob cannot touch it and alice's next
/// package updates it.
async fn locked(db: Db) {
    let (dev, prod) = (TestApp::start(db).await, TestApp::start(db).await);
    let (dev_token, token) = (tenant(&dev, "acme").await, tenant(&prod, "acme").await);
    deploy(&dev, &dev_token, "acme", "hello", &hello("v1"), json!({})).await;
    let (alice, bob) = (SigningKey::generate(), SigningKey::generate());
    let provider = prod.token(Role::Provider, None).await;
    for (who, key) in [("alice", &alice), ("bob", &bob)] {
        let trust = json!({ "principal": who, "public_key": key.public_key() });
        let r = prod.client.post(prod.url("/api/provider/package-keys")).bearer_auth(&provider).json(&trust);
        assert_eq!(r.send().await.unwrap().status(), 201);
    }
    let v1 = export_locked(&dev, &alice).await;
    let (_, planned) = plan(&prod, &token, &v1).await;
    assert_eq!(
        (planned["elements"][0]["locked"].clone(), planned["elements"][0]["blocked"].clone()),
        (json!(true), Value::Null)
    );
    assert_eq!(planned["elements"][0]["files"][0]["diff"], "", "a locked function's code is not shown");
    let (status, body) = apply(&prod, &token, &v1, planned["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{body}");

    let function: Value = prod.get("/api/org/acme/functions/hello", &token).await.json().await.unwrap();
    assert_eq!((function["locked"].clone(), function["code"].clone()), (json!(true), json!("")), "{function}");
    let versions = prod.get("/api/org/acme/functions/hello/versions", &token).await.text().await.unwrap();
    assert!(!versions.contains("Response"), "no code in the versions: {versions}");
    let url = prod.url("/api/org/acme/functions/hello");
    let edit = json!({ "route": "hello", "code": hello("mine") });
    assert_eq!(prod.client.put(&url).bearer_auth(&token).json(&edit).send().await.unwrap().status(), 409);
    let zip = prod.client.put(format!("{url}/code")).bearer_auth(&token).header("content-type", "application/zip");
    assert_eq!(zip.body(vec![0u8; 4]).send().await.unwrap().status(), 409);
    // Settings still change (a PUT without code keeps the code).
    let settings = json!({ "route": "hello", "env": { "MODE": "prod" } });
    let r = prod.client.put(&url).bearer_auth(&token).json(&settings).send().await.unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    assert_eq!(wait_settled(&prod, &token, "acme", "hello").await.status, "ready");
    assert_eq!(text(&prod, &token, "hello").await, "v1:-");
    let export_url = prod.url("/api/org/acme/packages/export");
    let named = prod.client.get(&export_url).query(&[("functions", "hello")]).bearer_auth(&token).send().await.unwrap();
    assert_eq!(named.status(), 409, "a locked function is never exported");

    // Bob's package cannot change it; alice's next one does.
    put_code(&dev, &dev_token, "hello", &hello("v2"), json!({})).await;
    let by_bob = export_locked(&dev, &bob).await;
    let (_, planned) = plan(&prod, &token, &by_bob).await;
    assert!(
        planned["elements"][0]["blocked"].as_str().unwrap().contains("only a package signed by that key"),
        "{planned}"
    );
    let (status, body) = apply(&prod, &token, &by_bob, planned["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "function:hello");
    let by_alice = export_locked(&dev, &alice).await;
    let (_, planned) = plan(&prod, &token, &by_alice).await;
    let (status, body) = apply(&prod, &token, &by_alice, planned["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(text(&prod, &token, "hello").await, "v2:-");
    dev.shutdown().await;
    prod.shutdown().await;
}

/// A function's earlier versions travel with `?history=`: the import that creates it makes them
/// its first versions, then the serving one.
async fn history(db: Db) {
    let (dev, prod) = (TestApp::start(db).await, TestApp::start(db).await);
    let (dev_token, token) = (tenant(&dev, "acme").await, tenant(&prod, "acme").await);
    deploy(&dev, &dev_token, "acme", "hello", &hello("v1"), json!({})).await;
    put_code(&dev, &dev_token, "hello", &hello("v2"), json!({})).await;
    put_code(&dev, &dev_token, "hello", &hello("v3"), json!({})).await;
    let export = |history: &str| {
        let url = dev.url("/api/org/acme/packages/export");
        dev.client.get(url).query(&[("history", history)]).bearer_auth(&dev_token).send()
    };
    assert_eq!(export("21").await.unwrap().status(), 422, "at most 20 earlier versions");
    let archive = export("2").await.unwrap().bytes().await.unwrap().to_vec();
    let package = Package::from_archive(&archive, package::Caps::default()).unwrap();
    let v2 = String::from_utf8(package.files()["functions/hello/history/1/code/function.js"].clone()).unwrap();
    assert_eq!(v2, hello("v2"));
    assert!(package.files().contains_key("functions/hello/history/2/function.json"));

    let (status, planned) = plan(&prod, &token, &archive).await;
    assert_eq!(status, 200, "{planned}");
    assert_eq!(planned["elements"][0]["detail"], "arrives with 2 earlier version(s) before this one");
    let (status, body) = apply(&prod, &token, &archive, planned["fingerprint"].as_str().unwrap(), None).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(1)), "{body}");
    assert_eq!(text(&prod, &token, "hello").await, "v3:-");
    let versions: Value = prod.get("/api/org/acme/functions/hello/versions", &token).await.json().await.unwrap();
    let items = versions["items"].as_array().unwrap();
    let listed: Vec<(i64, &str, bool)> = items
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["code"].as_str().unwrap(), v["active"].as_bool().unwrap()))
        .collect();
    let (v1, v2, v3) = (hello("v1"), hello("v2"), hello("v3"));
    let expected = [(3, v3.as_str(), true), (2, v2.as_str(), false), (1, v1.as_str(), false)];
    assert_eq!(listed, expected, "newest first, the serving one active");
    dev.shutdown().await;
    prod.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_travels_on_sqlite() {
    history(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_travels_on_postgres() {
    history(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_functions_on_sqlite() {
    locked(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_functions_on_postgres() {
    locked(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_secrets_on_sqlite() {
    sealed(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_secrets_on_postgres() {
    sealed(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_to_prod_on_sqlite() {
    dev_to_prod(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_to_prod_on_postgres() {
    dev_to_prod(Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_is_atomic_on_sqlite() {
    atomic(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_is_atomic_on_postgres() {
    atomic(Db::Postgres).await;
}
