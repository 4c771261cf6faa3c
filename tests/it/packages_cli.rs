//! Content packages from the command line, against a real instance's database (SQLite and
//! PostgreSQL): export an org's functions signed, build and expand byte for byte, verify
//! against the trust store (untrusted, out of scope, two signers, revoked), tampering, and no
//! secret value in the archive.

use harness::process::run_stratus;
use harness::{Db, TestApp};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::functions::{deploy, tenant};

const SECRET: &str = "s3cr3t-value-that-never-travels";

fn stratus(args: &[&str], app: &TestApp) -> (bool, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--database-url", app.database_url.as_str()]);
    let out = run_stratus(&all, &[]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn round_trip(db: Db) {
    let app = TestApp::start(db).await;
    let token = tenant(&app, "acme").await;
    deploy(
        &app,
        &token,
        "acme",
        "hello",
        "module.exports = async () => 'hi';",
        json!({ "secrets": { "API_KEY": SECRET } }),
    )
    .await;
    let files =
        json!({ "index.js": "module.exports = async () => require('./lib/x').x;", "lib/x.js": "exports.x = 1;" });
    deploy(&app, &token, "acme", "multi", "", json!({ "files": files })).await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    let (ok, alice_public, stderr) = stratus(&["keys", "generate", "--out", &path("alice.key")], &app);
    assert!(ok, "{stderr}");
    assert_eq!(alice_public.trim().len(), 44, "a base64 Ed25519 public key: {alice_public}");
    assert!(stratus(&["keys", "generate", "--out", &path("bob.key")], &app).0);
    assert!(!stratus(&["keys", "generate", "--out", &path("bob.key")], &app).0, "a key file is never overwritten");

    let (ok, _, stderr) =
        stratus(&["package", "export", "--org", "acme", "--out", &path("pkg"), "--sign", &path("alice.key")], &app);
    assert!(ok, "{stderr}");
    assert!(dir.path().join("pkg/functions/multi/code/lib/x.js").is_file());
    assert!(dir.path().join("pkg/functions/hello/code/function.js").is_file());
    assert!(stratus(&["package", "build", &path("pkg"), "--out", &path("a.stratus")], &app).0);
    assert!(stratus(&["package", "build", &path("pkg"), "--out", &path("b.stratus")], &app).0);
    let archive = std::fs::read(path("a.stratus")).unwrap();
    assert_eq!(archive, std::fs::read(path("b.stratus")).unwrap(), "the same folder builds the same bytes");
    assert!(stratus(&["package", "expand", &path("a.stratus"), "--out", &path("expanded")], &app).0);
    assert!(stratus(&["package", "build", &path("expanded"), "--out", &path("c.stratus")], &app).0);
    assert_eq!(archive, std::fs::read(path("c.stratus")).unwrap(), "expand → build keeps the bytes");

    // The secret's value, and its SHA-256, appear nowhere in the package.
    let folder_text: String = walk(&dir.path().join("expanded")).concat();
    let hash = hex::encode(Sha256::digest(SECRET.as_bytes()));
    assert!(folder_text.contains("\"API_KEY\": \"unset\""), "the slot travels: {folder_text}");
    assert!(!folder_text.contains(SECRET) && !folder_text.contains(&hash));
    assert!(!archive.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));

    // Verification against the trust store.
    let (ok, _, stderr) = stratus(&["package", "verify", &path("a.stratus"), "--org", "acme"], &app);
    assert!(!ok && stderr.contains("is not in this instance's trust store"), "{stderr}");
    let (ok, alice_id, stderr) =
        stratus(&["keys", "trust", &path("alice.key"), "--principal", "alice@dev", "--org", "acme"], &app);
    assert!(ok, "{stderr}");
    let alice_id = alice_id.trim().to_owned();
    let (ok, stdout, stderr) = stratus(&["package", "verify", &path("a.stratus"), "--org", "acme"], &app);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("signed by alice@dev"), "{stdout}");
    let (ok, _, stderr) = stratus(&["package", "verify", &path("a.stratus"), "--org", "globex"], &app);
    assert!(!ok && stderr.contains("may not sign packages for org globex"), "{stderr}");

    // Author and approver.
    let two = ["package", "verify", &path("a.stratus"), "--org", "acme", "--min-signatures", "2"];
    assert!(!stratus(&two, &app).0);
    assert!(stratus(&["package", "sign", &path("a.stratus"), "--key", &path("bob.key")], &app).0);
    assert!(stratus(&["keys", "trust", &path("bob.key"), "--principal", "bob@ops", "--expires", "2099-12-31"], &app).0);
    let (ok, stdout, stderr) = stratus(&two, &app);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("alice@dev") && stdout.contains("bob@ops"), "{stdout}");
    let (ok, stdout, _) = stratus(&["package", "inspect", &path("a.stratus")], &app);
    assert!(ok && stdout.contains("function:hello") && stdout.contains("function:multi"), "{stdout}");

    // Plans: nothing to do where it came from; a target that drifted shows fields and code;
    // another org gets everything created, its secret slot missing.
    let plan = |org: &str| {
        let (ok, stdout, stderr) = stratus(&["package", "plan", &path("a.stratus"), "--org", org, "--json"], &app);
        assert!(ok, "{stderr}");
        let json = &stdout[stdout.find('{').expect("a JSON plan")..];
        serde_json::from_str::<serde_json::Value>(json).unwrap()
    };
    let actions = |plan: &serde_json::Value| -> Vec<String> {
        plan["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["id"].as_str().unwrap(), e["action"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(actions(&plan("acme")), ["function:hello unchanged", "function:multi unchanged"]);
    let changed =
        json!({ "route": "hello", "code": "module.exports = async () => 'hello!';", "env": { "MODE": "prod" } });
    let put = app.client.put(app.url("/api/org/acme/functions/hello")).bearer_auth(&token).json(&changed).send();
    assert_eq!(put.await.unwrap().status(), 202);
    crate::functions::wait_settled(&app, &token, "acme", "hello").await;
    let drifted = plan("acme");
    // The package carries what hello was before this edit: going back to it is a downgrade.
    assert_eq!(actions(&drifted), ["function:hello downgrade", "function:multi unchanged"]);
    let hello = &drifted["elements"][0];
    let detail = hello["detail"].as_str().unwrap();
    assert_eq!(detail, "the package carries what v1 was; this instance has moved on to v2");
    assert_eq!(hello["fields"][0]["field"], "env");
    let diff = hello["files"][0]["diff"].as_str().unwrap();
    assert!(
        diff.contains("-module.exports = async () => 'hello!';")
            && diff.contains("+module.exports = async () => 'hi';"),
        "{diff}"
    );
    assert_eq!(hello["secrets"], json!([{ "name": "API_KEY", "status": "present" }]));
    let elsewhere = plan("globex");
    assert_eq!(actions(&elsewhere), ["function:hello create", "function:multi create"]);
    assert_eq!(elsewhere["elements"][0]["secrets"][0]["status"], "missing");
    let plan_text = serde_json::to_string(&drifted).unwrap();
    assert!(!plan_text.contains(SECRET) && !plan_text.contains(&hash), "no secret in a plan");

    // The same plan over the API, for the org's tenant only; a broken archive is a 422.
    let post = |org: &str, token: &str, body: Vec<u8>| {
        app.client
            .post(app.url(&format!("/api/org/{org}/packages/plan")))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    let signed = std::fs::read(path("a.stratus")).unwrap();
    let answer = post("acme", &token, signed.clone()).await.unwrap();
    assert_eq!(answer.status(), 200);
    let api_plan: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(actions(&api_plan), actions(&drifted));
    let mut principals: Vec<&str> =
        api_plan["signers"].as_array().unwrap().iter().map(|s| s["principal"].as_str().unwrap()).collect();
    principals.sort();
    assert_eq!(principals, ["alice@dev", "bob@ops"]);
    let globex = tenant(&app, "globex").await;
    assert_eq!(post("acme", &globex, signed.clone()).await.unwrap().status(), 404);
    assert_eq!(post("acme", &token, b"not an archive".to_vec()).await.unwrap().status(), 422);

    // The trust store over the API: the provider's only.
    let provider = app.token(api_types::Role::Provider, None).await;

    // The org's signature policy decides what the plan requires.
    let policy: serde_json::Value =
        app.get("/api/provider/orgs/acme/package-policy", &provider).await.json().await.unwrap();
    assert_eq!(policy, json!({ "mode": "warn", "min_signatures": 1 }));
    let set = |org: &str, who: &str, body: serde_json::Value| {
        app.client.put(app.url(&format!("/api/provider/orgs/{org}/package-policy"))).bearer_auth(who).json(&body).send()
    };
    assert_eq!(set("acme", &token, json!({ "mode": "enforce", "min_signatures": 3 })).await.unwrap().status(), 403);
    assert_eq!(set("nope", &provider, json!({ "mode": "enforce", "min_signatures": 3 })).await.unwrap().status(), 404);
    assert_eq!(set("acme", &provider, json!({ "mode": "enforce", "min_signatures": 0 })).await.unwrap().status(), 422);
    assert_eq!(set("acme", &provider, json!({ "mode": "enforce", "min_signatures": 3 })).await.unwrap().status(), 200);
    let refused = post("acme", &token, signed.clone()).await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body.to_string().contains("2 valid signature(s) by trusted keys; this org requires 3"), "{body}");
    assert_eq!(set("acme", &provider, json!({ "mode": "enforce", "min_signatures": 2 })).await.unwrap().status(), 200);
    assert_eq!(post("acme", &token, signed.clone()).await.unwrap().status(), 200);
    let keys: serde_json::Value = app.get("/api/provider/package-keys", &provider).await.json().await.unwrap();
    assert_eq!(keys["items"][0]["principal"], "alice@dev");
    assert_eq!(keys["items"][0]["orgs"], json!(["acme"]));
    assert_eq!(app.get("/api/provider/package-keys", &token).await.status(), 403);
    let carol = package::SigningKey::generate();
    let trust = |body: serde_json::Value| {
        app.client.post(app.url("/api/provider/package-keys")).bearer_auth(&provider).json(&body).send()
    };
    let body =
        json!({ "principal": "carol@ci", "public_key": carol.public_key(), "expires_at": "2099-01-01T00:00:00Z" });
    let created = trust(body.clone()).await.unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    assert_eq!(created["id"], carol.id().0);
    assert_eq!(trust(body).await.unwrap().status(), 409);
    assert_eq!(trust(json!({ "principal": "x", "public_key": "nope" })).await.unwrap().status(), 422);
    let revoke = |id: String| {
        app.client.delete(app.url(&format!("/api/provider/package-keys/{id}"))).bearer_auth(&provider).send()
    };
    assert_eq!(revoke(carol.id().0).await.unwrap().status(), 204);
    assert_eq!(revoke(carol.id().0).await.unwrap().status(), 404);

    // A flipped byte in code; then a revoked key.
    let code = dir.path().join("expanded/functions/multi/code/lib/x.js");
    std::fs::write(&code, "exports.x = 2;").unwrap();
    let (ok, _, stderr) = stratus(&["package", "verify", &path("expanded"), "--org", "acme"], &app);
    assert!(!ok && stderr.contains("functions/multi/code/lib/x.js is not the file the manifest pins"), "{stderr}");
    let (ok, _, stderr) = stratus(&["package", "build", &path("expanded"), "--out", &path("tampered.stratus")], &app);
    assert!(!ok && stderr.contains("functions/multi/code/lib/x.js changed since the manifest pinned it"), "{stderr}");
    let tampered = package::Package::read_folder(&dir.path().join("expanded")).unwrap().to_archive().unwrap();
    let refused = post("acme", &token, tampered.clone()).await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"]["details"][0]["reason"].as_str().unwrap().contains("lib/x.js is not the file"), "{body}");
    // Nothing of it is stored but the record of the refusal, which only the org sees.
    let refusals: serde_json::Value = app.get("/api/org/acme/packages/refusals", &token).await.json().await.unwrap();
    let newest = &refusals["items"][0];
    assert_eq!(newest["archive_sha256"], hex::encode(Sha256::digest(&tampered)), "{refusals}");
    assert!(newest["reasons"][0].as_str().unwrap().contains("lib/x.js is not the file"), "{refusals}");
    assert_eq!(app.get("/api/org/acme/packages/refusals", &globex).await.status(), 404);
    // An edit made on purpose (in git) is pinned by signing the folder again.
    let (ok, _, stderr) = stratus(&["package", "sign", &path("expanded"), "--key", &path("bob.key")], &app);
    assert!(ok && stderr.contains("pinned again (functions/multi/code/lib/x.js changed)"), "{stderr}");
    let (ok, stdout, stderr) = stratus(&["package", "verify", &path("expanded"), "--org", "acme"], &app);
    assert!(
        ok && stdout.contains("bob@ops") && !stdout.contains("alice@dev"),
        "only the new signature: {stdout}{stderr}"
    );
    assert!(stratus(&["keys", "revoke", &alice_id], &app).0);
    let (ok, _, stderr) = stratus(&["package", "verify", &path("c.stratus"), "--org", "acme"], &app);
    assert!(!ok && stderr.contains("is revoked"), "{stderr}");
    let (_, listing, _) = stratus(&["keys", "list"], &app);
    assert!(listing.contains("revoked") && listing.contains("bob@ops"), "{listing}");
    app.shutdown().await;
}

pub(crate) fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_round_trip_on_sqlite() {
    round_trip(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_round_trip_on_postgres() {
    round_trip(Db::Postgres).await;
}
