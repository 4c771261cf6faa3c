//! Event triggers end to end: vCD notifications published to a real RabbitMQ reach the matching
//! functions of the event's org, once each, with retries, a dead-letter list and re-drive.

use std::sync::Arc;
use std::time::{Duration, Instant};
use stratus_core::testing::StoreAccess as _;

use api_types::{EventDelivery, InvocationResult, ListResponse, Redriven};
use harness::{Db, TestApp, both_databases};
use lapin::options::{BasicPublishOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use rand::RngCore as _;
use serde_json::{Value, json};
use stratus::host::notifications::{Consumer, ConsumerConfig};
use stratus_core::functions::events::RetryPolicy;
use stratus_core::functions::{DeliveryConfig, EventTriggers};
use stratus_core::org_directory::StaticOrgs;

use super::{deploy, tenant, wait_settled};

const ACME_ORG: &str = "urn:vcloud:org:5eed0001-0000-4000-8000-0000000000a1";
const GLOBEX_ORG: &str = "urn:vcloud:org:5eed0002-0000-4000-8000-0000000000b2";
const VM_CREATE: &str = "com.vmware.vcloud.event.vm.create";

/// Answers with what it got: the event as its body, and the event type header.
const RECORDER: &str = r#"
module.exports = async (event, context) =>
  context.status(200).succeed({ got: event.body, type: event.headers["x-vcd-event-type"] });
"#;

const FAILING: &str = r#"
module.exports = async (event) => { throw new Error("cannot handle " + event.body.eventId); };
"#;

fn amqp_url() -> String {
    std::env::var("STRATUS_TEST_AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

fn unique(prefix: &str) -> String {
    let mut id = [0u8; 6];
    rand::rng().fill_bytes(&mut id);
    format!("{prefix}.{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// A vCD notification as vCD publishes it: JSON body, routing key
/// `operationSuccess.entity.org.user.type…`.
fn notification(event_id: &str, event_type: &str, org: &str) -> (String, Vec<u8>) {
    let entity = "urn:vcloud:vm:0a0a0a0a-0000-4000-8000-000000000001";
    let user = "urn:vcloud:user:0b0b0b0b-0000-4000-8000-000000000001";
    let body = json!({
        "eventId": event_id,
        "type": event_type.replace('.', "/"),
        "timestamp": "2024-01-01T10:00:00.000+00:00",
        "operationSuccess": true,
        "user": user,
        "org": org,
        "entity": entity,
        "task": "urn:vcloud:task:0c0c0c0c-0000-4000-8000-000000000001",
        "taskOwner": "urn:vcloud:vapp:0d0d0d0d-0000-4000-8000-000000000001",
    });
    let uuid = |urn: &str| urn.rsplit(':').next().unwrap_or_default().to_owned();
    let key = format!("true.{}.{}.{}.{event_type}", uuid(entity), uuid(org), uuid(user));
    (key, serde_json::to_vec(&body).unwrap())
}

/// A publisher on the test's own exchange.
struct Broker {
    connection: Connection,
    channel: lapin::Channel,
    exchange: String,
    queue: String,
}

impl Broker {
    async fn connect(exchange: &str, queue: &str) -> Self {
        let connection = Connection::connect(&amqp_url(), ConnectionProperties::default())
            .await
            .expect("RabbitMQ must be reachable at STRATUS_TEST_AMQP_URL or amqp://guest:guest@127.0.0.1:5672/%2f");
        let channel = connection.create_channel().await.unwrap();
        Self { connection, channel, exchange: exchange.to_owned(), queue: queue.to_owned() }
    }

    async fn publish(&self, routing_key: &str, body: &[u8]) {
        self.channel
            .basic_publish(
                self.exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                body,
                BasicProperties::default().with_content_type("application/json".into()),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    async fn delete(self) {
        let _ = self.channel.queue_delete(self.queue.as_str().into(), QueueDeleteOptions::default()).await;
        let _ = self.channel.exchange_delete(self.exchange.as_str().into(), ExchangeDeleteOptions::default()).await;
        let _ = self.connection.close(200, "bye".into()).await;
    }
}

async fn deliveries(app: &TestApp, token: &str, org: &str, name: &str) -> Vec<EventDelivery> {
    let r = app.get(&format!("/api/org/{org}/functions/{name}/deliveries"), token).await;
    assert_eq!(r.status(), 200, "deliveries of {org}/{name}");
    r.json::<ListResponse<EventDelivery>>().await.unwrap().items
}

async fn invocations(app: &TestApp, token: &str, org: &str, name: &str) -> Vec<InvocationResult> {
    let r = app.get(&format!("/api/org/{org}/functions/{name}/invocations"), token).await;
    assert_eq!(r.status(), 200, "invocations of {org}/{name}");
    r.json::<ListResponse<InvocationResult>>().await.unwrap().items
}

/// Polls a function's deliveries until `done` holds for them.
async fn wait_deliveries(
    app: &TestApp,
    token: &str,
    org: &str,
    name: &str,
    what: &str,
    done: impl Fn(&[EventDelivery]) -> bool,
) -> Vec<EventDelivery> {
    let started = Instant::now();
    loop {
        let list = deliveries(app, token, org, name).await;
        if done(&list) {
            return list;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{org}/{name}: never {what}; deliveries: {list:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn of_event<'a>(list: &'a [EventDelivery], event_id: &str) -> Option<&'a EventDelivery> {
    list.iter().find(|d| d.event_id == event_id)
}

fn event_trigger(event: &str) -> Value {
    json!({"trigger": {"type": "event", "event": event}})
}

async fn vcd_events_reach_only_matching_functions_of_their_org(db: Db) {
    let app = TestApp::start(db).await;
    let acme = tenant(&app, "acme").await;
    let globex = tenant(&app, "globex").await;
    for (token, org, name, code, extra) in [
        (&acme, "acme", "on-create", RECORDER, event_trigger(VM_CREATE)),
        (&acme, "acme", "on-any-vm", RECORDER, event_trigger("com.vmware.vcloud.event.vm.*")),
        (&acme, "acme", "on-delete", RECORDER, event_trigger("com.vmware.vcloud.event.vm.delete")),
        (&acme, "acme", "web", RECORDER, json!({})),
        (&acme, "acme", "flaky", FAILING, event_trigger(VM_CREATE)),
        (&globex, "globex", "on-create", RECORDER, event_trigger(VM_CREATE)),
    ] {
        let function = deploy(&app, token, org, name, code, extra).await;
        assert_eq!(function.status, "ready", "{org}/{name}: {:?}", function.error);
    }

    let exchange = unique("stratus-test.notifications20");
    let queue = unique("stratus-test.notifications");
    let broker = Broker::connect(&exchange, &queue).await;
    let orgs = StaticOrgs::new([(ACME_ORG, "acme"), (GLOBEX_ORG, "globex")]);
    let config = DeliveryConfig {
        retry: RetryPolicy { delays: vec![Duration::from_millis(200), Duration::from_millis(400)] },
        tick: Duration::from_millis(100),
        ..DeliveryConfig::default()
    };
    let triggers = EventTriggers::new(app.functions.clone(), Arc::new(orgs), config);
    let worker = triggers.spawn_worker();
    let consumer = Consumer::spawn(ConsumerConfig::new(&amqp_url(), &exchange, &queue), triggers.clone());
    assert!(consumer.wait_consuming(Duration::from_secs(20)).await, "the consumer never bound its queue");

    // A VM of acme's is created: acme's vm.create functions run with the event.
    let (key, body) = notification("ev-1", VM_CREATE, ACME_ORG);
    broker.publish(&key, &body).await;
    let list = wait_deliveries(&app, &acme, "acme", "on-create", "succeeded", |l| {
        of_event(l, "ev-1").is_some_and(|d| d.status == "succeeded")
    })
    .await;
    let delivery = of_event(&list, "ev-1").unwrap();
    assert_eq!((delivery.event_type.as_str(), delivery.attempts), (VM_CREATE, 1));
    let invocation_id = delivery.invocation_id.clone().expect("the delivery names its invocation");
    let r = app.get(&format!("/api/org/acme/invocations/{invocation_id}"), &acme).await;
    let invocation: InvocationResult = r.json().await.unwrap();
    assert_eq!((invocation.record.trigger.as_str(), invocation.record.status.as_str()), ("event", "succeeded"));
    assert_eq!(invocation.record.function, "on-create");
    let answer: Value = serde_json::from_str(&invocation.response.expect("a stored response").body).unwrap();
    assert_eq!(answer["type"], VM_CREATE);
    assert_eq!(answer["got"]["eventId"], "ev-1");
    assert_eq!(answer["got"]["org"], ACME_ORG);
    assert_eq!(answer["got"]["type"], "com/vmware/vcloud/event/vm/create");
    // The invocation is in the function's history.
    assert!(invocations(&app, &acme, "acme", "on-create").await.iter().any(|i| i.record.id == invocation_id));
    // A trailing wildcard matches too.
    wait_deliveries(&app, &acme, "acme", "on-any-vm", "succeeded", |l| {
        of_event(l, "ev-1").is_some_and(|d| d.status == "succeeded")
    })
    .await;

    // The same event again (vCD or the broker redelivering), a message that is no notification,
    // and a later event of globex's: each function still ran once per event.
    broker.publish(&key, &body).await;
    broker.publish("true.x.y.z.com.vmware.vcloud.event.vm.create", b"<vmext:Notification/>").await;
    let (globex_key, globex_body) = notification("ev-2", VM_CREATE, GLOBEX_ORG);
    broker.publish(&globex_key, &globex_body).await;
    wait_deliveries(&app, &globex, "globex", "on-create", "succeeded", |l| {
        l.len() == 1 && l[0].event_id == "ev-2" && l[0].status == "succeeded"
    })
    .await;
    let list = deliveries(&app, &acme, "acme", "on-create").await;
    assert_eq!(list.len(), 1, "ev-1 ran once: {list:#?}");
    assert_eq!(invocations(&app, &acme, "acme", "on-create").await.len(), 1);
    // Globex's function never saw acme's event, nor acme's functions globex's.
    let globex_calls = invocations(&app, &globex, "globex", "on-create").await;
    assert_eq!(globex_calls.len(), 1);
    assert!(deliveries(&app, &acme, "acme", "on-any-vm").await.iter().all(|d| d.event_id == "ev-1"));
    // Neither a function of another event type nor an HTTP-triggered one runs.
    assert!(deliveries(&app, &acme, "acme", "on-delete").await.is_empty());
    assert!(invocations(&app, &acme, "acme", "on-delete").await.is_empty());
    assert!(deliveries(&app, &acme, "acme", "web").await.is_empty());
    assert!(invocations(&app, &acme, "acme", "web").await.is_empty());

    // A failing function is tried three times, then its delivery is in the dead-letter list.
    let list = wait_deliveries(&app, &acme, "acme", "flaky", "dead", |l| {
        of_event(l, "ev-1").is_some_and(|d| d.status == "dead")
    })
    .await;
    let dead = of_event(&list, "ev-1").unwrap().clone();
    assert_eq!(dead.attempts, 3);
    assert!(dead.last_error.as_deref().unwrap_or_default().contains("cannot handle ev-1"), "{dead:?}");
    let failed = invocations(&app, &acme, "acme", "flaky").await;
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|i| i.record.status == "failed" && i.record.trigger == "event"));
    let r = app.get("/api/org/acme/functions/flaky/deliveries?status=dead", &acme).await;
    let dead_list: ListResponse<EventDelivery> = r.json().await.unwrap();
    assert_eq!(dead_list.items.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [dead.id.as_str()]);
    let r = app.get("/api/org/acme/functions/flaky/deliveries?status=succeeded", &acme).await;
    assert!(r.json::<ListResponse<EventDelivery>>().await.unwrap().items.is_empty());
    let r = app.get("/api/org/acme/functions/flaky/deliveries?status=lost", &acme).await;
    assert_eq!(r.status(), 422);

    // Another org can neither see nor re-drive it.
    let r = app.get("/api/org/acme/functions/flaky/deliveries", &globex).await;
    assert_eq!(r.status(), 404);
    let path = format!("/api/org/acme/functions/flaky/deliveries/{}/redrive", dead.id);
    let r = app.client.post(app.url(&path)).bearer_auth(&globex).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let foreign = format!("/api/org/globex/functions/on-create/deliveries/{}/redrive", dead.id);
    let r = app.client.post(app.url(&foreign)).bearer_auth(&globex).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Only dead deliveries are re-driven.
    let done = &deliveries(&app, &acme, "acme", "on-create").await[0];
    let path_done = format!("/api/org/acme/functions/on-create/deliveries/{}/redrive", done.id);
    let r = app.client.post(app.url(&path_done)).bearer_auth(&acme).send().await.unwrap();
    assert_eq!(r.status(), 409);

    // Fixed (a new version), then re-driven: it succeeds on the first attempt of its new life.
    let fixed = json!({"route": "flaky", "code": RECORDER, "trigger": {"type": "event", "event": VM_CREATE}});
    let r = app.client.put(app.url("/api/org/acme/functions/flaky")).bearer_auth(&acme).json(&fixed).send().await;
    assert_eq!(r.unwrap().status(), 202);
    assert_eq!(wait_settled(&app, &acme, "acme", "flaky").await.status, "ready");
    let r = app.client.post(app.url(&path)).bearer_auth(&acme).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let redriven: EventDelivery = r.json().await.unwrap();
    assert_eq!((redriven.status.as_str(), redriven.attempts), ("pending", 0));
    let list = wait_deliveries(&app, &acme, "acme", "flaky", "succeeded after the re-drive", |l| {
        of_event(l, "ev-1").is_some_and(|d| d.status == "succeeded")
    })
    .await;
    let delivery = of_event(&list, "ev-1").unwrap();
    assert_eq!((delivery.attempts, delivery.last_error.as_deref()), (1, None));
    assert_eq!(invocations(&app, &acme, "acme", "flaky").await.len(), 4);
    // Nothing is dead any more: re-driving them all finds none.
    let r = app.client.post(app.url("/api/org/acme/functions/flaky/deliveries/redrive")).bearer_auth(&acme).send();
    let redriven: Redriven = r.await.unwrap().json().await.unwrap();
    assert_eq!(redriven.redriven, 0);

    // Deleting a function deletes its deliveries.
    let r = app.client.delete(app.url("/api/org/acme/functions/on-any-vm")).bearer_auth(&acme).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert!(app.store.list_deliveries("acme", "on-any-vm", None, 10).await.unwrap().is_empty());

    consumer.shutdown().await;
    worker.abort();
    broker.delete().await;
    app.shutdown().await;
}

both_databases!(vcd_events, db => super::vcd_events_reach_only_matching_functions_of_their_org);
