//! Dev → prod by hand, as a team would: two real `stratus serve` processes (dev on SQLite,
//! prod on PostgreSQL), the package pulled from dev into a git-style folder, signed by an
//! author and an approver, applied to prod with the CLI under a two-signature policy, listed
//! as a release and rolled back; then the provider's own rate card, pulled and applied with
//! `--provider`.

use harness::process::{ServeProcess, run_stratus};
use serde_json::json;
use sha2::Digest as _;

fn stratus(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = run_stratus(args, envs);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stratus {args:?} failed:\n{stdout}\n{stderr}");
    format!("{stdout}{stderr}")
}

fn token(data: &[&str], role: &str) -> String {
    let mut args = vec!["token", "create", "--role", role];
    if role == "tenant-admin" {
        args.extend(["--org", "acme"]);
    }
    args.extend(data);
    let out = run_stratus(&args, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

const SECRET: &str = "dev-secret-value-7f3a";

async fn get_text(base: &str, token: &str, path: &str) -> String {
    let r = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_to_prod_between_two_servers_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let dev_data = path("dev");
    let dev_args = ["--data-dir", dev_data.as_str()];
    let (prod_url, prod_db) = harness::fresh_postgres_database().await;
    let prod_args = ["--database-url", prod_url.as_str()];
    let dev_token = token(&dev_args, "tenant-admin");
    let prod_token = token(&prod_args, "tenant-admin");
    let dev = ServeProcess::start(&dev_args, &[], dir.path().join("dev.log")).await;
    let prod = ServeProcess::start(&prod_args, &[], dir.path().join("prod.log")).await;

    let client = reqwest::Client::new();
    let code = "export default { fetch(r, env) { return new Response(env.API_KEY ? 'from dev' : 'no key'); } };";
    let body = json!({ "name": "hello", "route": "hello", "code": code, "secrets": { "API_KEY": SECRET } });
    let r = client.post(format!("{}/api/org/acme/functions", dev.base)).bearer_auth(&dev_token).json(&body);
    assert_eq!(r.send().await.unwrap().status(), 202);
    let started = std::time::Instant::now();
    while get_text(&dev.base, &dev_token, "/api/org/acme/hello").await != "from dev" {
        assert!(started.elapsed().as_secs() < 20, "dev never served hello");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Pulled from dev into a folder for git, the secret sealed to prod; signed by the author and
    // the approver.
    let prod_env = [("STRATUS_SERVER", prod.base.as_str()), ("STRATUS_TOKEN", prod_token.as_str())];
    let recipient = stratus(&["package", "recipient", "--org", "acme"], &prod_env);
    let dev_env = [("STRATUS_SERVER", dev.base.as_str()), ("STRATUS_TOKEN", dev_token.as_str())];
    let seal_to = recipient.lines().find(|l| l.starts_with("age1")).unwrap().to_owned();
    let mut said =
        stratus(&["package", "pull", "--org", "acme", "--out", &path("pkg"), "--seal-to", &seal_to], &dev_env);
    assert!(dir.path().join("pkg/functions/hello/code/function.js").is_file());
    for who in ["alice", "bob"] {
        stratus(&["keys", "generate", "--out", &path(&format!("{who}.key"))], &[]);
        stratus(&["package", "sign", &path("pkg"), "--key", &path(&format!("{who}.key"))], &[]);
    }

    // Prod trusts both keys and wants two signatures.
    for who in ["alice", "bob"] {
        let key = path(&format!("{who}.key"));
        let mut args = vec!["keys", "trust", key.as_str()];
        let principal = format!("{who}@example.com");
        args.extend(["--principal", &principal]);
        args.extend(prod_args);
        stratus(&args, &[]);
    }
    let provider = token(&prod_args, "provider");
    let policy = json!({ "mode": "enforce", "min_signatures": 2 });
    let r = client.put(format!("{}/api/provider/orgs/acme/package-policy", prod.base)).bearer_auth(&provider);
    assert_eq!(r.json(&policy).send().await.unwrap().status(), 200);

    let shown = stratus(&["package", "apply", &path("pkg"), "--org", "acme"], &prod_env);
    said.push_str(&shown);
    assert!(shown.contains("signed by alice@example.com") && shown.contains("signed by bob@example.com"), "{shown}");
    assert!(shown.contains("function:hello") && shown.contains("run again with --yes"), "{shown}");
    assert_eq!(
        client.get(format!("{}/api/org/acme/hello", prod.base)).bearer_auth(&prod_token).send().await.unwrap().status(),
        404
    );
    let applied = stratus(&["package", "apply", &path("pkg"), "--org", "acme", "--yes"], &prod_env);
    said.push_str(&applied);
    assert!(applied.contains("release 1: 1 element(s) changed"), "{applied}");
    assert_eq!(get_text(&prod.base, &prod_token, "/api/org/acme/hello").await, "from dev", "the sealed value arrived");
    let again = stratus(&["package", "apply", &path("pkg"), "--org", "acme", "--yes"], &prod_env);
    assert!(again.contains("nothing to apply"), "{again}");

    // An edit on prod, then back to release 1.
    let body = json!({ "route": "hello", "code": "export default { fetch() { return new Response('hotfix'); } };" });
    let r = client.put(format!("{}/api/org/acme/functions/hello", prod.base)).bearer_auth(&prod_token).json(&body);
    assert_eq!(r.send().await.unwrap().status(), 202);
    let started = std::time::Instant::now();
    while get_text(&prod.base, &prod_token, "/api/org/acme/hello").await != "hotfix" {
        assert!(started.elapsed().as_secs() < 20, "prod never served the hotfix");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let rolled = stratus(&["package", "rollback", "1", "--org", "acme"], &prod_env);
    assert!(rolled.contains("release 2: back to release 1"), "{rolled}");
    assert_eq!(get_text(&prod.base, &prod_token, "/api/org/acme/hello").await, "from dev");
    let listed = stratus(&["package", "releases", "--org", "acme"], &prod_env);
    let signed_by_both = listed.contains("alice@example.com") && listed.contains("bob@example.com");
    assert!(listed.contains("(rollback to 1)") && signed_by_both, "{listed}");

    // The server refuses what does not verify, and the CLI says why.
    std::fs::write(dir.path().join("pkg/functions/hello/code/function.js"), "tampered").unwrap();
    let out = run_stratus(&["package", "apply", &path("pkg"), "--org", "acme", "--yes"], &prod_env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("does not verify"), "{stderr}");

    // The provider's own content: dev's rate card pulled with --provider, signed, applied on prod.
    let dev_provider = token(&dev_args, "provider");
    let rate = json!({ "service": "compute", "unit": "vcpu-hour", "unit_price": "0.02", "currency": "EUR",
                       "effective_from": "2026-01-01" });
    let r = client.post(format!("{}/api/provider/showback/rates", dev.base)).bearer_auth(&dev_provider).json(&rate);
    assert_eq!(r.send().await.unwrap().status(), 201);
    let dev_env = [("STRATUS_SERVER", dev.base.as_str()), ("STRATUS_TOKEN", dev_provider.as_str())];
    stratus(&["package", "pull", "--provider", "--out", &path("provider")], &dev_env);
    assert!(dir.path().join("provider/rates/provider.json").is_file());
    stratus(&["package", "sign", &path("provider"), "--key", &path("alice.key")], &[]);
    let prod_env = [("STRATUS_SERVER", prod.base.as_str()), ("STRATUS_TOKEN", provider.as_str())];
    let applied = stratus(&["package", "apply", &path("provider"), "--provider", "--yes"], &prod_env);
    assert!(applied.contains("rate_card:provider") && applied.contains("release 1: 1 element(s) changed"), "{applied}");
    let listed = stratus(&["package", "releases", "--provider"], &prod_env);
    assert!(listed.contains("provider content") && listed.contains("alice@example.com"), "{listed}");
    let rates = get_text(&prod.base, &provider, "/api/provider/showback/rates").await;
    assert!(rates.contains("\"unit_price\":\"0.02\""), "{rates}");

    // The secret's value, and its SHA-256, are nowhere: not in the folder, what the CLI said,
    // nor either server's log.
    let hash = hex::encode(sha2::Sha256::digest(SECRET.as_bytes()));
    let mut seen = said;
    for log in ["dev.log", "prod.log"] {
        seen.push_str(&std::fs::read_to_string(dir.path().join(log)).unwrap_or_default());
    }
    seen.push_str(&crate::packages_cli::walk(&dir.path().join("pkg")).concat());
    assert!(!seen.contains(SECRET) && !seen.contains(&hash), "a secret's value or hash leaked");

    dev.kill().await;
    prod.kill().await;
    harness::drop_postgres_database(&prod_db).await;
}
