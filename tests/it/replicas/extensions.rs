//! vCD's API-extension requests over AMQP, consumed by every replica from one queue: 500
//! requests with one replica `kill -9`'d mid-traffic are each answered exactly once. The
//! broker hands the killed replica's unacknowledged requests to the others; a request whose
//! reply the killed replica had stored is answered with that reply (the memory is in the
//! database), not run again.

use std::collections::HashMap;
use std::time::Duration;

use harness::replicas::{ORG, Replicas};
use harness::{Db, both_databases};
use serde_json::json;

use super::{FAST, replica_count};
use crate::amqp::fake_vcd::{ACME as ORG_URN, FakeVcd, Names, Reply};

const REQUESTS: usize = 500;
/// Replies received before the kill.
const BEFORE_KILL: usize = 150;

/// Request `k`: every tenth creates a function (run twice it would answer 409), the others
/// list functions.
fn request(k: usize) -> (String, &'static str, &'static str) {
    let method = if k.is_multiple_of(10) { "POST" } else { "GET" };
    (format!("x{k}"), method, "/api/stratus/org/acme/functions")
}

async fn each_request_is_answered_once_through_a_kill(db: Db) {
    let mut vcd = FakeVcd::start(Names::unique("replicas")).await;
    let (url, extension) = (super::broker_url(), vcd.names.clone());
    let acme = format!("{ORG_URN}={ORG}");
    let mut args = vec![
        "--amqp-url",
        &url,
        "--amqp-exchange",
        &extension.exchange,
        "--amqp-queue",
        &extension.queue,
        "--amqp-routing-key",
        &extension.routing_key,
        "--amqp-org",
        &acme,
        "--amqp-concurrency",
        "8",
    ];
    args.extend(FAST);
    let mut r = Replicas::start(db, replica_count(db), &args).await;
    let n = r.count();
    for i in 0..n {
        r.wait_logged(i, "AMQP bridge consuming").await;
    }

    // vCD sends a steady stream, about 400 requests a second.
    let sender = vcd.sender();
    let publisher = tokio::spawn(async move {
        for k in 0..REQUESTS {
            let (id, method, uri) = request(k);
            let code = "export default async () => new Response('hi')";
            let body =
                (method == "POST").then(|| json!({"name": format!("f{k}"), "route": format!("f{k}"), "code": code}));
            sender.send(&id, method, uri, body, ORG_URN).await;
            if k % 2 == 1 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    let mut replies: HashMap<String, Vec<Reply>> = HashMap::new();
    while replies.len() < BEFORE_KILL {
        let reply = vcd.next(Duration::from_secs(30)).await.expect("replies before the kill");
        replies.entry(reply.id().to_owned()).or_default().push(reply);
    }
    let victim = n - 1;
    r.kill9(victim).await;
    if n == 1 {
        r.restart(victim).await;
        r.wait_logged(victim, "AMQP bridge consuming").await;
    }
    publisher.await.expect("the publisher");

    while replies.len() < REQUESTS {
        let Some(reply) = vcd.next(Duration::from_secs(30)).await else {
            let missing: Vec<String> =
                (0..REQUESTS).map(|k| request(k).0).filter(|id| !replies.contains_key(id)).collect();
            panic!("{} of {REQUESTS} answered; missing e.g. {:?}", replies.len(), &missing[..missing.len().min(10)]);
        };
        replies.entry(reply.id().to_owned()).or_default().push(reply);
    }
    // A second answer would come soon after the first: give it the chance to show up.
    while let Some(reply) = vcd.next(Duration::from_secs(2)).await {
        replies.entry(reply.id().to_owned()).or_default().push(reply);
    }

    let mut conflicts = Vec::new();
    for k in 0..REQUESTS {
        let (id, method, _) = request(k);
        let answers = &replies[&id];
        assert_eq!(answers.len(), 1, "{id} answered {} times: {answers:?}", answers.len());
        let answer = &answers[0];
        assert_eq!(answer.correlation_id.as_deref(), Some(format!("corr-{id}").as_str()));
        assert_eq!(answer.expiration.as_deref(), Some("10000"));
        match (method, answer.status()) {
            ("GET", 200) | ("POST", 202) => {}
            // Created by the killed replica, which died before storing its reply: no replica
            // can know the answer, so the request ran again. Reported, not hidden.
            ("POST", 409) => conflicts.push(id),
            (_, status) => panic!("{method} {id} answered {status}: {}", answer.body_json()),
        }
    }
    eprintln!(
        "AMQP requests on {db:?}, {n} replicas: {REQUESTS} answered once each, replica {victim} killed after \
         {BEFORE_KILL}; POSTs run again because the killed replica died between creating and storing its reply: \
         {conflicts:?}"
    );
    r.shutdown().await;
    vcd.cleanup().await;
}

both_databases!(extension_requests, db => super::each_request_is_answered_once_through_a_kill);
