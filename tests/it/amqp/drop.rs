//! The bridge's broker connection drops while vCD keeps sending: every request is answered, and
//! exactly once.
//!
//! Two ways to drop it: a TCP proxy between the bridge and RabbitMQ cuts the sockets (a network
//! failure; the broker sees the client vanish), and `rabbitmqctl close_connection` on the bridge's
//! connection, found by its `connection_name` (the broker closes it). Requests are GETs and, every
//! tenth, a POST creating a function: a POST run twice would answer 409, so all-202 also shows
//! that a redelivered request is replayed, not re-run.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::fake_vcd::{self, ACME, Reply};
use super::proxy::Proxy;
use super::{function, start, stop};

/// At most this many requests (and a tenth of them create functions, under the org's limit).
const MAX_REQUESTS: usize = 1500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// A TCP proxy drops the bridge's sockets.
    Network,
    /// RabbitMQ closes the bridge's connection (`rabbitmqctl close_connection`).
    Broker,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_drop_mid_traffic_loses_no_request_and_answers_none_twice() {
    drop_mid_traffic("netdrop", Cut::Network).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_closing_the_connection_mid_traffic_loses_no_request_and_answers_none_twice() {
    drop_mid_traffic("brokerdrop", Cut::Broker).await;
}

fn request(i: usize) -> (String, &'static str, &'static str) {
    if i.is_multiple_of(10) {
        (format!("d{i}"), "POST", "/api/stratus/org/acme/functions")
    } else {
        (format!("d{i}"), "GET", "/api/stratus/org/acme/functions")
    }
}

async fn drop_mid_traffic(test: &str, cut: Cut) {
    let proxy = match cut {
        Cut::Network => Some(Proxy::start("127.0.0.1:5672".parse().unwrap()).await),
        Cut::Broker => None,
    };
    let url = proxy.as_ref().map_or(fake_vcd::BROKER.to_owned(), |p| format!("amqp://guest:guest@{}/%2f", p.addr));
    let (stratus, mut bridge, mut vcd) = start(test, &url, |config, _| config.concurrency = 16).await;
    let connection_name = format!("stratus-amqp-bridge:{}", vcd.names.queue);
    let broker_name = match cut {
        Cut::Broker => Some(broker_connection(&connection_name).await),
        Cut::Network => None,
    };

    // vCD sends a steady stream (about 400 requests a second) until told to stop.
    let sent = Arc::new(AtomicUsize::new(0));
    let halt = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (sender, sent, halt) = (vcd.sender(), sent.clone(), halt.clone());
        tokio::spawn(async move {
            for i in 0..MAX_REQUESTS {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let (id, method, uri) = request(i);
                let body = (method == "POST").then(|| function(&format!("f{i}")));
                sender.send(&id, method, uri, body, ACME).await;
                sent.store(i + 1, Ordering::SeqCst);
                if i % 2 == 1 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        })
    };

    let mut replies: HashMap<String, Vec<Reply>> = HashMap::new();
    for _ in 0..50 {
        collect(&mut replies, vcd.reply().await);
    }
    match cut {
        Cut::Network => {
            // A burst on top of the stream, so the bridge has deliveries in hand when it drops.
            let sender = vcd.sender();
            for i in 0..64 {
                sender.send(&format!("burst{i}"), "GET", "/api/stratus/org/acme/functions", None, ACME).await;
            }
            loop {
                let reply = vcd.reply().await;
                let from_burst = reply.id().starts_with("burst");
                collect(&mut replies, reply);
                if from_burst {
                    break;
                }
            }
            assert!(proxy.as_ref().unwrap().cut() >= 1, "the bridge's connection was open");
        }
        Cut::Broker => close_connection(broker_name.as_deref().unwrap()).await,
    }
    let at_cut = sent.load(Ordering::SeqCst);

    // The bridge reconnects by itself and goes on.
    let reconnected = tokio::time::timeout(Duration::from_secs(30), bridge.wait_sessions(2)).await;
    assert!(reconnected.is_ok(), "the bridge reconnected within 30 s: {:?}", bridge.stats());
    let answered_at_reconnect = replies.len();
    while replies.len() < answered_at_reconnect + 50 {
        let Some(reply) = vcd.next(Duration::from_secs(20)).await else { break };
        collect(&mut replies, reply);
    }
    halt.store(true, Ordering::SeqCst);
    publisher.await.unwrap();
    let total = sent.load(Ordering::SeqCst) + if cut == Cut::Network { 64 } else { 0 };
    assert!(total > at_cut, "requests were sent after the drop too");

    while replies.len() < total {
        let Some(reply) = vcd.next(Duration::from_secs(30)).await else {
            let missing: Vec<_> = (0..total).map(|i| request(i).0).filter(|id| !replies.contains_key(id)).collect();
            panic!(
                "{} of {total} answered; missing e.g. {:?}; {:?}",
                replies.len(),
                &missing[..missing.len().min(10)],
                bridge.stats()
            );
        };
        collect(&mut replies, reply);
    }
    // A second answer would come soon after the first: give it the chance to show up.
    while let Some(reply) = vcd.next(Duration::from_secs(1)).await {
        collect(&mut replies, reply);
    }

    let stats = bridge.stats();
    eprintln!("{test}: {total} requests, {at_cut} sent before the drop, {stats:?}");
    for (id, answers) in &replies {
        assert_eq!(answers.len(), 1, "{id} answered {} times: {answers:?}", answers.len());
        let answer = &answers[0];
        assert_eq!(answer.correlation_id.as_deref(), Some(format!("corr-{id}").as_str()));
        let expected = if id.starts_with('d') && request(id[1..].parse().unwrap()).1 == "POST" { 202 } else { 200 };
        assert_eq!(answer.status(), expected, "{id}: {:?}", answer.body_json());
    }
    assert_eq!(replies.len(), total, "every request answered");
    if cut == Cut::Network {
        assert!(stats.redelivered > 0, "the drop caught deliveries in flight: {stats:?}");
    }
    stop(stratus, bridge, vcd).await;
}

fn collect(replies: &mut HashMap<String, Vec<Reply>>, reply: Reply) {
    replies.entry(reply.id().to_owned()).or_default().push(reply);
}

/// The broker's process id of the connection whose client called itself `connection_name`.
async fn broker_connection(connection_name: &str) -> String {
    let out = rabbitmqctl(&["list_connections", "pid", "client_properties"]).await;
    out.lines()
        .find(|line| line.contains(connection_name))
        .and_then(|line| line.split('\t').next())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no connection named {connection_name} in:\n{out}"))
}

async fn close_connection(name: &str) {
    rabbitmqctl(&["close_connection", name, "test: connection drop"]).await;
}

async fn rabbitmqctl(args: &[&str]) -> String {
    let out = tokio::process::Command::new("rabbitmqctl")
        .arg("-q")
        .args(args)
        .output()
        .await
        .expect("rabbitmqctl runs (the broker's CLI, on the test machine)");
    assert!(out.status.success(), "rabbitmqctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
