//! Every replica consumes the same notifications queue: one vCD notification, published twice
//! (a redelivery), runs each matching function once, whichever replicas take the copies.

use std::time::{Duration, Instant};

use harness::replicas::{ORG, Replicas};
use harness::{Db, both_databases};
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::{Value, json};

use super::{broker_url, delete_broker_objects, replica_count, unique};

const ORG_UUID: &str = "5eed0001-0000-4000-8000-0000000000a1";
const ORG_URN: &str = "urn:vcloud:org:5eed0001-0000-4000-8000-0000000000a1";
const VM_UUID: &str = "0a0a0a0a-0000-4000-8000-000000000001";
const USER_UUID: &str = "0b0b0b0b-0000-4000-8000-000000000001";
const VM_CREATE: &str = "com.vmware.vcloud.event.vm.create";

const RECORDER: &str = "module.exports = async (event, context) => context.status(200).succeed({ got: event.body });";

/// A vCD notification of a VM created in acme's org: routing key and JSON body.
fn notification(event_id: &str) -> (String, Vec<u8>) {
    let body = json!({
        "eventId": event_id, "type": VM_CREATE.replace('.', "/"), "timestamp": "2024-01-01T10:00:00.000+00:00",
        "operationSuccess": true, "org": ORG_URN,
        "user": format!("urn:vcloud:user:{USER_UUID}"), "entity": format!("urn:vcloud:vm:{VM_UUID}"),
    });
    // vCD's routing key: operationSuccess.entity.org.user.type.
    let key = format!("true.{VM_UUID}.{ORG_UUID}.{USER_UUID}.{VM_CREATE}");
    (key, serde_json::to_vec(&body).expect("JSON"))
}

async fn list(r: &Replicas, i: usize, function: &str, what: &str) -> Vec<Value> {
    let url = r.url(i, &format!("/api/org/{ORG}/functions/{function}/{what}"));
    let response = r.client.get(url).bearer_auth(&r.token).send().await.expect("GET");
    assert_eq!(response.status(), 200, "{what} of {function}");
    let body: Value = response.json().await.expect("JSON");
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn a_notification_runs_each_matching_function_once(db: Db) {
    let (exchange, queue) = (unique("stratus-t.notifications20"), unique("stratus-t.notifications"));
    let url = broker_url();
    let org = format!("{ORG_URN}={ORG}");
    let args = [
        "--notifications-url",
        &url,
        "--notifications-exchange",
        &exchange,
        "--notifications-queue",
        &queue,
        "--notifications-org",
        &org,
    ];
    let r = Replicas::start(db, replica_count(db), &args).await;
    let n = r.count();
    for (name, event) in [
        ("on-create", VM_CREATE),
        ("on-any-vm", "com.vmware.vcloud.event.vm.*"),
        ("on-delete", "com.vmware.vcloud.event.vm.delete"),
    ] {
        create_triggered(&r, name, event).await;
    }
    // The queue exists once the replicas consume; until then a notification would be unroutable.
    for i in 0..n {
        r.wait_logged(i, "consuming vCD notifications").await;
    }

    let connection = Connection::connect(&url, ConnectionProperties::default()).await.expect("RabbitMQ");
    let channel = connection.create_channel().await.unwrap();
    let (key, body) = notification("ev-1");
    for _ in 0..2 {
        let properties = BasicProperties::default().with_content_type("application/json".into());
        let publish = channel.basic_publish(
            exchange.as_str().into(),
            key.as_str().into(),
            BasicPublishOptions::default(),
            &body,
            properties,
        );
        publish.await.unwrap().await.unwrap();
    }

    for function in ["on-create", "on-any-vm"] {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let deliveries = list(&r, n - 1, function, "deliveries").await;
            if deliveries.iter().any(|d| d["status"] == "succeeded") {
                break;
            }
            assert!(Instant::now() < deadline, "{function} never ran: {deliveries:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // A second run would follow the first closely: give it the chance to show up.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let attempts = r.attempts();
    for function in ["on-create", "on-any-vm"] {
        let deliveries = list(&r, 0, function, "deliveries").await;
        assert_eq!(deliveries.len(), 1, "{function}: one delivery: {deliveries:?}");
        assert_eq!((deliveries[0]["event_id"].as_str(), deliveries[0]["attempts"].as_u64()), (Some("ev-1"), Some(1)));
        let invocations = list(&r, 0, function, "invocations").await;
        assert_eq!(invocations.len(), 1, "{function} ran once: {invocations:?}");
        assert_eq!(invocations[0]["status"], "succeeded");
        let id = invocations[0]["id"].as_str().unwrap_or_default();
        let ends = attempts.iter().filter(|l| l.invocation == id && !l.is_start()).count();
        assert!(ends <= 1, "{function}'s invocation finished {ends} times");
    }
    assert!(list(&r, 0, "on-delete", "deliveries").await.is_empty());
    assert!(list(&r, 0, "on-delete", "invocations").await.is_empty());

    let _ = connection.close(200, "done".into()).await;
    r.shutdown().await;
    delete_broker_objects(&[&queue], &[&exchange]).await;
}

async fn create_triggered(r: &Replicas, name: &str, event: &str) {
    let body = json!({"name": name, "route": name, "code": RECORDER, "trigger": {"type": "event", "event": event}});
    let url = r.url(0, &format!("/api/org/{ORG}/functions"));
    let created = r.client.post(url).bearer_auth(&r.token).json(&body).send().await.expect("POST function");
    assert_eq!(created.status(), 202, "{}", created.text().await.unwrap_or_default());
    r.wait_function(0, name).await;
}

both_databases!(one_notification, db => super::a_notification_runs_each_matching_function_once);
