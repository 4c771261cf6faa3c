//! The AMQP bridge for vCD's API extensions, against the real RabbitMQ at 127.0.0.1:5672
//! (guest/guest). A test publisher plays vCD; every test has its own exchanges and queues.

mod drop;
pub(crate) mod fake_vcd;
pub(crate) mod proxy;
mod replies;
mod shared_replies;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use stratus_core::testing::StoreAccess as _;

use axum::Router;
use fake_vcd::{ACME, Envelope, FakeVcd, GLOBEX, Names, Reply, SYSTEM, message};
use serde_json::{Value, json};
use stratus::config::Config;
use stratus::host::amqp::{Bridge, BridgeConfig};
use stratus::{AppState, app};
use stratus_core::org_directory::StaticOrgs;
use stratus_core::store::Store;

/// Stratus without an HTTP listener: the Router the bridge feeds, over a fresh SQLite file (or a
/// given database).
pub struct Stratus {
    pub router: Router,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl Stratus {
    pub async fn start() -> Stratus {
        let dir = tempfile::tempdir().unwrap();
        let url = stratus::config::sqlite_url(&dir.path().join("stratus.db"));
        Stratus::start_on(&url, dir).await
    }

    /// Stratus on the database at `url`: one more replica when another runs there already.
    pub async fn start_on(url: &str, dir: tempfile::TempDir) -> Stratus {
        let mut config = Config::with_data_dir(dir.path());
        config.database_url = Some(url.to_owned());
        config.worker_program = Some(harness::process::stratus_bin());
        config.workers = 2;
        let store = Store::connect(url).await.unwrap();
        store.migrate().await.unwrap();
        let now = stratus_core::dates::now_millis();
        for org in ["acme", "globex"] {
            store.ensure_org(org, org, now).await.unwrap();
        }
        let state = AppState::build(config, store).await.unwrap();
        Stratus { router: app(state.clone()), state, _dir: dir }
    }

    pub async fn shutdown(self) {
        self.state.functions.pool().shutdown().await;
        self.state.store.close().await;
    }
}

/// The org map vCD's org ids resolve through (no vCD in these tests).
pub fn orgs() -> Arc<StaticOrgs> {
    let entries = [format!("{ACME}=acme"), format!("{GLOBEX}=globex"), format!("{SYSTEM}=System")];
    Arc::new(StaticOrgs::parse(&entries).unwrap())
}

/// Stratus, a bridge consuming (on `url`) and a fake vCD, with names unique to `test`.
pub async fn start(
    test: &str,
    url: &str,
    adjust: impl FnOnce(&mut BridgeConfig, &Names),
) -> (Stratus, Bridge, FakeVcd) {
    let names = Names::unique(test);
    let vcd = FakeVcd::start(names.clone()).await;
    let stratus = Stratus::start().await;
    let mut config = BridgeConfig::new(url, &names.exchange, &names.queue, &names.routing_key);
    adjust(&mut config, &names);
    let mut bridge = Bridge::spawn(config, stratus.router.clone(), orgs(), stratus.state.store.clone());
    tokio::time::timeout(Duration::from_secs(20), bridge.wait_sessions(1)).await.expect("the bridge consumes");
    (stratus, bridge, vcd)
}

pub async fn stop(stratus: Stratus, bridge: Bridge, vcd: FakeVcd) {
    bridge.shutdown().await;
    vcd.cleanup().await;
    stratus.shutdown().await;
}

fn function(name: &str) -> Value {
    json!({"name": name, "route": name, "code": "export default async () => new Response('hi')"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_run_through_the_router_as_the_caller_vcd_names() {
    let (stratus, bridge, mut vcd) = start("roundtrip", fake_vcd::BROKER, |_, _| {}).await;

    let list = vcd.call("r1", "GET", "/api/stratus/org/acme/functions", None, ACME).await;
    assert_eq!(list.status(), 200, "{list:?}");
    assert_eq!(list.correlation_id.as_deref(), Some("corr-r1"));
    assert_eq!(list.expiration.as_deref(), Some("10000"));
    assert_eq!(list.json["request"], false);
    assert_eq!(list.header("Content-Type"), Some("application/json"));
    assert_eq!(list.body_json(), json!({"items": []}));

    let created = vcd.call("r2", "POST", "/api/stratus/org/acme/functions", Some(function("hello")), ACME).await;
    assert_eq!(created.status(), 202, "{:?}", created.body_json());
    assert_eq!(created.body_json()["name"], "hello");
    let list = vcd.call("r3", "GET", "/api/stratus/org/acme/functions", None, ACME).await;
    let names: Vec<_> = list.body_json()["items"].as_array().unwrap().iter().map(|f| f["name"].clone()).collect();
    assert_eq!(names, [json!("hello")]);

    // Another tenant's org answers 404, as over HTTP; the provider (System) sees every org.
    let foreign = vcd.call("r4", "GET", "/api/stratus/org/acme/functions", None, GLOBEX).await;
    assert_eq!(foreign.status(), 404);
    assert_eq!(foreign.body_json()["error"]["code"], "not_found");
    let provider = vcd.call("r5", "GET", "/api/stratus/org/acme/functions", None, SYSTEM).await;
    assert_eq!(provider.status(), 200);
    assert_eq!(provider.body_json()["items"].as_array().unwrap().len(), 1);

    // The identity is the security context's, whatever vCD token the headers carry.
    let me = vcd.call("r6", "GET", "/api/stratus/me", None, ACME).await;
    assert_eq!((me.body_json()["role"].as_str(), me.body_json()["org"].as_str()), (Some("tenant-admin"), Some("acme")));
    let me = vcd.call("r7", "GET", "/api/stratus/me", None, SYSTEM).await;
    assert_eq!(me.body_json()["role"], "provider");

    // The query string reaches the router; an org Stratus cannot name is refused.
    let bad_query = vcd.call("r8", "GET", "/api/stratus/org/acme/showback/costs?group_by=bogus", None, ACME).await;
    assert_eq!(bad_query.status(), 422, "{:?}", bad_query.body_json());
    let stranger =
        vcd.call("r9", "GET", "/api/stratus/me", None, "urn:vcloud:org:99999999-0000-0000-0000-000000000000");
    let stranger = stranger.await;
    assert_eq!(stranger.status(), 403);
    assert_eq!(stranger.body_json()["error"]["code"], "forbidden");

    stop(stratus, bridge, vcd).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_answered_400_or_dead_lettered_and_the_bridge_keeps_serving() {
    let (stratus, bridge, mut vcd) = start("malformed", fake_vcd::BROKER, |config, names| {
        config.dead_letter_exchange = Some(names.dead_letter_exchange.clone());
    })
    .await;

    let bad_request = |reply: &Reply, correlation: &str| {
        assert_eq!(reply.status(), 400, "{reply:?}");
        assert_eq!(reply.correlation_id.as_deref(), Some(correlation));
        assert_eq!(reply.body_json()["error"]["code"], "bad_request");
    };
    vcd.send_raw(b"this is not JSON", &Envelope::to("c-not-json")).await;
    let reply = vcd.reply().await;
    bad_request(&reply, "c-not-json");
    assert_eq!(reply.id(), "");

    vcd.send_raw(br#"{"id": "m-object"}"#, &Envelope::to("c-object")).await;
    bad_request(&vcd.reply().await, "c-object");

    let bad_base64 = json!([
        {"id": "m-b64", "method": "POST", "requestUri": "/api/stratus/org/acme/functions", "body": "@@not base64@@"},
        {"user": "urn:vcloud:user:u", "org": ACME, "rights": []}
    ]);
    vcd.send_raw(&serde_json::to_vec(&bad_base64).unwrap(), &Envelope::to("c-b64")).await;
    let reply = vcd.reply().await;
    bad_request(&reply, "c-b64");
    assert_eq!(reply.id(), "m-b64", "the id is echoed when it can be read");
    assert!(reply.body_json()["error"]["message"].as_str().unwrap().contains("base64"));

    let response_type = Envelope { message_type: "ProcessHttpResponse", ..Envelope::to("c-type") };
    vcd.send_raw(&message("m-type", "GET", "/api/stratus/me", None, ACME), &response_type).await;
    bad_request(&vcd.reply().await, "c-type");

    let outside = vcd.call("m-outside", "GET", "/api/org/acme/functions", None, ACME).await;
    assert_eq!(outside.status(), 404);

    // No reply_to: nothing to answer, so the message is rejected to the dead-letter exchange.
    let payload = message("m-noreply", "GET", "/api/stratus/me", None, ACME);
    vcd.send_raw(&payload, &Envelope { reply_to: false, ..Envelope::to("c-noreply") }).await;
    assert_eq!(vcd.dead_letter().await.as_deref(), Some(&payload[..]), "dead-lettered unchanged");

    let fine = vcd.call("m-fine", "GET", "/api/stratus/me", None, ACME).await;
    assert_eq!(fine.status(), 200);
    assert!(vcd.next(Duration::from_millis(300)).await.is_none(), "nothing else was answered");
    assert_eq!(bridge.sessions(), 1, "no malformed message broke the connection");

    stop(stratus, bridge, vcd).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_requests_in_flight_are_each_answered_once() {
    let (stratus, bridge, mut vcd) = start("concurrency", fake_vcd::BROKER, |config, _| config.concurrency = 8).await;
    let sender = vcd.sender();
    let publisher = tokio::spawn(async move {
        for i in 0..200 {
            let (uri, org) = if i % 2 == 0 {
                ("/api/stratus/org/acme/functions", ACME)
            } else {
                ("/api/stratus/org/globex/functions", GLOBEX)
            };
            sender.send(&format!("c{i}"), "GET", uri, None, org).await;
        }
    });
    let mut replies: HashMap<String, Vec<Reply>> = HashMap::new();
    while replies.len() < 200 {
        let reply =
            vcd.next(Duration::from_secs(30)).await.unwrap_or_else(|| panic!("{} of 200 answered", replies.len()));
        replies.entry(reply.id().to_owned()).or_default().push(reply);
    }
    publisher.await.unwrap();
    assert!(vcd.next(Duration::from_millis(500)).await.is_none(), "no second answer");
    for (id, answers) in &replies {
        assert_eq!(answers.len(), 1, "{id}");
        assert_eq!(answers[0].correlation_id.as_deref(), Some(format!("corr-{id}").as_str()));
        assert_eq!(answers[0].status(), 200);
    }
    stop(stratus, bridge, vcd).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stratus_serve_runs_the_bridge_beside_the_http_server() {
    let names = Names::unique("serve");
    let mut vcd = FakeVcd::start(names.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let acme = format!("{ACME}=acme");
    let args = [
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--amqp-url",
        fake_vcd::BROKER,
        "--amqp-exchange",
        &names.exchange,
        "--amqp-queue",
        &names.queue,
        "--amqp-routing-key",
        &names.routing_key,
        "--amqp-org",
        &acme,
        "--amqp-concurrency",
        "4",
    ];
    let server = harness::process::ServeProcess::start(&args, &[], dir.path().join("serve.log")).await;
    // The queue exists once the bridge consumes; until then vCD's messages would be unroutable.
    let mut consuming = false;
    for _ in 0..200 {
        if server.output().contains("AMQP bridge consuming") {
            consuming = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(consuming, "{}", server.output());
    let me = vcd.call("s1", "GET", "/api/stratus/me", None, ACME).await;
    assert_eq!(me.status(), 200, "{me:?}");
    assert_eq!(me.body_json()["org"], "acme");
    let http = reqwest::get(format!("{}/api/me", server.base)).await.unwrap();
    assert_eq!(http.status(), 401, "the HTTP server runs too");
    server.kill().await;
    vcd.cleanup().await;
}
