//! Async invocations through RabbitMQ (`jobs_amqp_url`), against the real broker at
//! 127.0.0.1:5672 (guest/guest); every test has its own queues. The database queue's async
//! tests are in `functions::calls`.

use std::time::{Duration, Instant};

use api_types::{InvocationAccepted, InvocationResult, InvocationStatus, InvocationTrigger};
use harness::{Db, TestApp, both_databases};
use lapin::options::{BasicGetOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties};
use serde_json::{Value, json};
use stratus::config::Config;
use stratus::host::jobs_amqp::{AmqpQueue, QueueNames};
use stratus_core::functions::events::RetryPolicy;
use stratus_core::functions::jobs::JobQueue as _;
use stratus_core::store::InvocationRow;
use stratus_core::testing::StoreAccess as _;

use crate::amqp::proxy::Proxy;
use crate::functions::{deploy, tenant};

const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

fn unique_queue(test: &str) -> String {
    format!("stratus-t-jobs-{test}-{:08x}", rand::random::<u32>())
}

/// `config` with async invocations on RabbitMQ at `url`, queue `queue`.
fn on_rabbitmq(mut config: Config, url: &str, queue: &str) -> Config {
    config.jobs_amqp_url = Some(url.to_owned());
    config.jobs_queue = queue.to_owned();
    config
}

/// The test's own view of the broker.
struct Broker {
    connection: Connection,
    channel: Channel,
}

impl Broker {
    async fn connect() -> Broker {
        let properties = ConnectionProperties::default().with_connection_name("jobs-test".into());
        let connection =
            Connection::connect(BROKER, properties).await.expect("RabbitMQ must run at 127.0.0.1:5672 (guest/guest)");
        let channel = connection.create_channel().await.unwrap();
        Broker { connection, channel }
    }

    /// (messages ready, consumers) of `queue`, which must exist.
    async fn stats(&self, queue: &str) -> (u32, u32) {
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let q = self.channel.queue_declare(queue.into(), passive, FieldTable::default()).await.unwrap();
        (q.message_count(), q.consumer_count())
    }

    /// The body of the next message of `queue`, waiting up to `timeout`.
    async fn next(&self, queue: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.channel.basic_get(queue.into(), BasicGetOptions { no_ack: true }).await.unwrap();
            if let Some(message) = got {
                return Some(String::from_utf8(message.delivery.data).unwrap());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Deletes `queue` and the queues beside it (delay queues the tests do not use expire by
    /// themselves a minute after their delay).
    async fn cleanup(self, queue: &str) {
        let delays = [100, 200, 400, 5_000].map(|ms| format!("{queue}.retry.{ms}"));
        for name in delays.into_iter().chain([queue.to_owned(), format!("{queue}.dead")]) {
            self.channel.queue_delete(name.as_str().into(), QueueDeleteOptions::default()).await.ok();
        }
        self.connection.close(200, "done".into()).await.ok();
    }
}

/// Stops the app's consumer (so that it does not declare the queues again), the app, and
/// deletes the queues.
async fn stop(app: TestApp, broker: Broker, queue: &str) {
    app.cluster.start_draining();
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.shutdown().await;
    broker.cleanup(queue).await;
}

/// Sends an async call to `/api/org/acme/{route}`; the invocation's id.
async fn accept(app: &TestApp, token: &str, route: &str, body: &str) -> String {
    let response = app
        .client
        .post(app.url(&format!("/api/org/acme/{route}")))
        .bearer_auth(token)
        .header("prefer", "respond-async")
        .header("content-type", "text/plain")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let accepted: InvocationAccepted = response.json().await.unwrap();
    accepted.id
}

/// Polls invocation `id` until `done` says it is, for up to `timeout`.
async fn wait_for(
    app: &TestApp,
    token: &str,
    id: &str,
    timeout: Duration,
    done: impl Fn(&InvocationResult) -> bool,
) -> InvocationResult {
    let deadline = Instant::now() + timeout;
    loop {
        let result: InvocationResult =
            app.get(&format!("/api/org/acme/invocations/{id}"), token).await.json().await.unwrap();
        if done(&result) {
            return result;
        }
        assert!(Instant::now() < deadline, "invocation {id} did not get there in {timeout:?}: {result:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn finished(result: &InvocationResult) -> bool {
    result.record.status == InvocationStatus::Succeeded || result.record.status == InvocationStatus::Failed
}

const ECHO: &str = "module.exports = async (e) => ({ got: e.body })";

fn echoed(result: &InvocationResult) -> Value {
    let response = result.response.as_ref().expect("a stored response");
    assert_eq!(response.status, 200);
    serde_json::from_str(&response.body).unwrap()
}

both_databases!(async_call, db => super::an_async_call_runs_through_rabbitmq);

async fn an_async_call_runs_through_rabbitmq(db: Db) {
    let queue = unique_queue("call");
    let app = TestApp::start_with(db, |config| on_rabbitmq(config, BROKER, &queue)).await;
    let broker = Broker::connect().await;
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "echo", ECHO, json!({})).await;
    let mut consumers = 0;
    for _ in 0..100 {
        consumers = broker.stats(&queue).await.1;
        if consumers > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(consumers, 1, "the app consumes the jobs queue");

    let id = accept(&app, &token, "echo", "ping").await;
    let result = wait_for(&app, &token, &id, Duration::from_secs(20), finished).await;
    assert_eq!(result.record.status, InvocationStatus::Succeeded, "{result:?}");
    assert_eq!(result.record.attempts, 1);
    assert_eq!(echoed(&result), json!({"got": "ping"}));
    assert_eq!(broker.stats(&queue).await.0, 0, "the message was acked");

    stop(app, broker, &queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_call_is_retried_through_the_delay_queue_then_dead_lettered() {
    let queue = unique_queue("retry");
    let app = TestApp::start_with(Db::Sqlite, |mut config| {
        config.jobs.retry = RetryPolicy { delays: vec![Duration::from_millis(100), Duration::from_millis(200)] };
        on_rabbitmq(config, BROKER, &queue)
    })
    .await;
    let broker = Broker::connect().await;
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "fails", "module.exports = async () => { throw new Error('always') }", json!({}))
        .await;

    let id = accept(&app, &token, "fails", "x").await;
    let result = wait_for(&app, &token, &id, Duration::from_secs(30), |r| r.record.attempts >= 3 && finished(r)).await;
    assert_eq!((result.record.status, result.record.attempts), (InvocationStatus::Failed, 3), "{result:?}");
    assert_eq!(result.record.error_code.as_deref(), Some("function_error"));
    let dead = broker.next(&format!("{queue}.dead"), Duration::from_secs(10)).await;
    assert_eq!(dead.as_deref(), Some(id.as_str()), "the dead job's id is in the dead-letter queue");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = wait_for(&app, &token, &id, Duration::from_secs(1), finished).await;
    assert_eq!(again.record.attempts, 3, "no attempt after the last");
    assert_eq!(broker.next(&format!("{queue}.dead"), Duration::ZERO).await, None, "dead-lettered once");

    stop(app, broker, &queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_message_was_lost_is_announced_again_by_the_sweeper() {
    let queue = unique_queue("lost");
    let app = TestApp::start_with(Db::Sqlite, |mut config| {
        config.jobs.overdue = Duration::from_secs(1);
        on_rabbitmq(config, BROKER, &queue)
    })
    .await;
    let broker = Broker::connect().await;
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "echo", ECHO, json!({})).await;

    // An accepted call whose message never reached the broker: its rows alone, due 10 s ago.
    let id = format!("inv_lost{:016x}", rand::random::<u64>());
    let now = stratus_core::dates::now_millis();
    let invocation = InvocationRow {
        invocation_id: id.clone(),
        org: "acme".into(),
        function_name: "echo".into(),
        version: 1,
        trigger_kind: InvocationTrigger::Async,
        status: InvocationStatus::Pending,
        started_at: now,
        ..InvocationRow::default()
    };
    app.store.save_invocations(&[invocation]).await.unwrap();
    let request = json!({"method": "POST", "path": "", "query": "", "headers": [], "body_base64": "bG9zdA=="});
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query(
        "insert into async_job (invocation_id, org_name, route, request_json, status, attempts, next_attempt_at, \
         created_at, updated_at) values ($1, 'acme', 'echo', $2, 'queued', 0, $3, $3, $3)",
    )
    .bind(&id)
    .bind(request.to_string())
    .bind(now - 10_000)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let result = wait_for(&app, &token, &id, Duration::from_secs(20), finished).await;
    assert_eq!(result.record.status, InvocationStatus::Succeeded, "{result:?}");
    assert_eq!(echoed(&result), json!({"got": "lost"}));

    stop(app, broker, &queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_reconnects_after_a_network_drop() {
    let queue = unique_queue("netdrop");
    let proxy = Proxy::start("127.0.0.1:5672".parse().unwrap()).await;
    let url = format!("amqp://guest:guest@{}/%2f", proxy.addr);
    let app = TestApp::start_with(Db::Sqlite, |config| on_rabbitmq(config, &url, &queue)).await;
    let broker = Broker::connect().await;
    let token = tenant(&app, "acme").await;
    deploy(&app, &token, "acme", "echo", ECHO, json!({})).await;
    let id = accept(&app, &token, "echo", "before").await;
    let result = wait_for(&app, &token, &id, Duration::from_secs(20), finished).await;
    assert_eq!(echoed(&result), json!({"got": "before"}));

    assert_eq!(proxy.cut(), 2, "the publisher's and the consumer's connections were open");
    let started = Instant::now();
    let id = accept(&app, &token, "echo", "after").await;
    let result = wait_for(&app, &token, &id, Duration::from_secs(20), finished).await;
    assert_eq!(echoed(&result), json!({"got": "after"}));
    assert!(started.elapsed() < Duration::from_secs(5), "not left to the sweeper: {:?}", started.elapsed());

    stop(app, broker, &queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_replica_stops_consuming() {
    let queue = unique_queue("drain");
    let app = TestApp::start_with(Db::Sqlite, |config| on_rabbitmq(config, BROKER, &queue)).await;
    let broker = Broker::connect().await;
    let consumers = |want: u32| {
        let (broker, queue) = (&broker, &queue);
        async move {
            for _ in 0..100 {
                if broker.stats(queue).await.1 == want {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(consumers(1).await, "the app consumes");
    app.cluster.start_draining();
    assert!(consumers(0).await, "the consumer is cancelled when the replica drains");
    stop(app, broker, &queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_publishes_now_later_and_to_the_dead_letters() {
    let queue = unique_queue("engine");
    let engine = AmqpQueue::connect(BROKER, QueueNames::new(&queue).unwrap(), "rep_test").await.unwrap();
    let broker = Broker::connect().await;
    let retry = format!("{queue}.retry.400");

    engine.publish("inv_now", Duration::ZERO).await.unwrap();
    assert_eq!(broker.next(&queue, Duration::from_secs(5)).await.as_deref(), Some("inv_now"));

    let published = Instant::now();
    engine.publish("inv_later", Duration::from_millis(400)).await.unwrap();
    assert_eq!(broker.stats(&retry).await.0, 1, "it waits in the delay queue");
    assert_eq!(broker.next(&queue, Duration::ZERO).await, None, "not yet due");
    assert_eq!(broker.next(&queue, Duration::from_secs(10)).await.as_deref(), Some("inv_later"));
    assert!(published.elapsed() >= Duration::from_millis(400), "{:?}", published.elapsed());
    assert_eq!(broker.stats(&retry).await.0, 0);

    // A short delay does not wait behind a longer one (each delay has its own queue).
    engine.publish("inv_slow", Duration::from_secs(5)).await.unwrap();
    engine.publish("inv_quick", Duration::from_millis(200)).await.unwrap();
    assert_eq!(broker.next(&queue, Duration::from_secs(4)).await.as_deref(), Some("inv_quick"));
    assert_eq!(broker.next(&queue, Duration::from_secs(10)).await.as_deref(), Some("inv_slow"));

    engine.dead_letter("inv_dead").await.unwrap();
    assert_eq!(broker.next(&format!("{queue}.dead"), Duration::from_secs(5)).await.as_deref(), Some("inv_dead"));

    // A queue deleted under the engine is declared again by the next publish.
    broker.channel.queue_delete(queue.as_str().into(), QueueDeleteOptions::default()).await.unwrap();
    engine.publish("inv_again", Duration::ZERO).await.unwrap();
    assert_eq!(broker.next(&queue, Duration::from_secs(5)).await.as_deref(), Some("inv_again"));

    assert_eq!(engine.kind(), "rabbitmq");
    broker.cleanup(&queue).await;
}
