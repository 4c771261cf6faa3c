//! The `stratus` binary as an AWS Lambda function, against a fake Runtime API.

use std::process::Stdio;
use std::time::Duration;

use harness::lambda_fake::{FakeRuntime, http_api_v2_event};
use harness::process::{run_stratus, stratus_bin};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateway_v2_events_are_answered_by_the_same_router() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let out = run_stratus(&["token", "create", "--org", "acme", "--role", "tenant-admin", "--data-dir", data_dir], &[]);
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let mut runtime = FakeRuntime::start().await;
    let mut child = tokio::process::Command::new(stratus_bin())
        .env("AWS_LAMBDA_RUNTIME_API", runtime.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "stratus")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/stratus")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/22/[$LATEST]test")
        .env("STRATUS_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start stratus in Lambda mode");

    let auth =
        json!({ "authorization": format!("Bearer {token}"), "host": "stratusapi.execute-api.eu-west-1.amazonaws.com" });
    runtime.invoke("req-me", http_api_v2_event("GET", "/api/me", "", auth.clone(), None));
    let outcome = runtime.next_outcome(Duration::from_secs(30)).await.expect("an answer to req-me");
    assert_eq!((outcome.request_id.as_str(), outcome.kind), ("req-me", "response"), "{:?}", outcome.body);
    assert_eq!(outcome.body["statusCode"], 200, "{}", outcome.body);
    let me: Value = serde_json::from_str(outcome.body["body"].as_str().expect("string body")).unwrap();
    assert_eq!((me["org"].as_str(), me["role"].as_str()), (Some("acme"), Some("tenant-admin")));

    runtime.invoke("req-costs", http_api_v2_event("GET", "/api/org/acme/showback/costs", "group_by=bogus", auth, None));
    let outcome = runtime.next_outcome(Duration::from_secs(10)).await.expect("an answer to req-costs");
    assert_eq!(outcome.body["statusCode"], 422, "the query string reaches the router: {}", outcome.body);

    runtime.invoke("req-anon", http_api_v2_event("GET", "/api/me", "", json!({}), None));
    let outcome = runtime.next_outcome(Duration::from_secs(10)).await.expect("an answer to req-anon");
    assert_eq!(outcome.request_id, "req-anon");
    assert_eq!(outcome.body["statusCode"], 401);
    let error: Value = serde_json::from_str(outcome.body["body"].as_str().unwrap()).unwrap();
    assert_eq!(error["error"]["code"], "unauthorized");

    child.kill().await.ok();
}
