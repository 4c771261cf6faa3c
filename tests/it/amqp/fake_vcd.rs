//! A test publisher playing vCD: sends `[request, securityContext]` messages to the extension's
//! exchange with `reply_to`, a correlation id and the `messageType`/`replyToExchange` headers,
//! and collects the replies from its own exchange and queue.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::StreamExt as _;
use lapin::options::{
    BasicConsumeOptions, BasicGetOptions, BasicPublishOptions, ExchangeDeclareOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const ACME: &str = "urn:vcloud:org:11111111-1111-1111-1111-111111111111";
pub const GLOBEX: &str = "urn:vcloud:org:22222222-2222-2222-2222-222222222222";
pub const SYSTEM: &str = "urn:vcloud:org:00000000-0000-0000-0000-000000000000";

/// Exchange and queue names of one test, unique so tests run in parallel.
#[derive(Debug, Clone)]
pub struct Names {
    pub exchange: String,
    pub queue: String,
    pub routing_key: String,
    pub reply_exchange: String,
    pub reply_key: String,
    pub dead_letter_exchange: String,
    pub dead_letter_queue: String,
}

impl Names {
    pub fn unique(test: &str) -> Names {
        let tag = format!("{test}-{:08x}", rand::random::<u32>());
        Names {
            exchange: format!("stratus-t-{tag}"),
            queue: format!("stratus-t-{tag}"),
            routing_key: "stratus".into(),
            reply_exchange: format!("vcd-replies-t-{tag}"),
            reply_key: format!("vcd-cell-{tag}"),
            dead_letter_exchange: format!("stratus-dlx-t-{tag}"),
            dead_letter_queue: format!("stratus-dlq-t-{tag}"),
        }
    }
}

/// One reply as vCD receives it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub correlation_id: Option<String>,
    pub expiration: Option<String>,
    pub json: Value,
}

impl Reply {
    pub fn id(&self) -> &str {
        self.json["id"].as_str().unwrap_or_default()
    }

    pub fn status(&self) -> u64 {
        self.json["statusCode"].as_u64().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.json["headers"][name].as_str()
    }

    pub fn body(&self) -> Vec<u8> {
        BASE64.decode(self.json["body"].as_str().unwrap_or_default()).expect("a base64 body")
    }

    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body()).unwrap_or_else(|e| panic!("a JSON body ({e}): {self:?}"))
    }
}

/// How a message is sent.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub correlation_id: String,
    pub reply_to: bool,
    pub message_type: &'static str,
}

impl Envelope {
    pub fn to(correlation_id: &str) -> Envelope {
        Envelope { correlation_id: correlation_id.into(), reply_to: true, message_type: "ProcessHttpRequest" }
    }
}

pub struct FakeVcd {
    pub names: Names,
    connection: Connection,
    channel: Channel,
    replies: mpsc::UnboundedReceiver<Reply>,
}

/// Publishes requests; cheap to clone into a publishing task.
#[derive(Clone)]
pub struct Sender {
    names: Names,
    channel: Channel,
}

impl FakeVcd {
    /// Connects and declares the reply exchange and queue, and the dead-letter exchange and queue.
    pub async fn start(names: Names) -> FakeVcd {
        let connection =
            Connection::connect(BROKER, ConnectionProperties::default().with_connection_name("fake-vcd".into()))
                .await
                .expect("RabbitMQ must run at 127.0.0.1:5672 (guest/guest)");
        let channel = connection.create_channel().await.unwrap();
        for (exchange, kind) in
            [(&names.reply_exchange, ExchangeKind::Direct), (&names.dead_letter_exchange, ExchangeKind::Fanout)]
        {
            channel
                .exchange_declare(
                    exchange.as_str().into(),
                    kind,
                    ExchangeDeclareOptions::default(),
                    FieldTable::default(),
                )
                .await
                .unwrap();
        }
        let reply_queue = format!("{}-q", names.reply_exchange);
        for (queue, exchange, key) in [
            (&reply_queue, &names.reply_exchange, &names.reply_key),
            (&names.dead_letter_queue, &names.dead_letter_exchange, &String::new()),
        ] {
            let exclusive = QueueDeclareOptions { exclusive: true, ..QueueDeclareOptions::default() };
            channel.queue_declare(queue.as_str().into(), exclusive, FieldTable::default()).await.unwrap();
            channel
                .queue_bind(
                    queue.as_str().into(),
                    exchange.as_str().into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .unwrap();
        }
        let no_ack = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        let mut consumer =
            channel.basic_consume(reply_queue.as_str().into(), "".into(), no_ack, FieldTable::default()).await.unwrap();
        let (tx, replies) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let json = serde_json::from_slice(&delivery.data).unwrap_or_else(
                    |e| json!({"unreadable": e.to_string(), "raw": String::from_utf8_lossy(&delivery.data)}),
                );
                let properties = &delivery.properties;
                let reply = Reply {
                    correlation_id: properties.correlation_id().as_ref().map(ToString::to_string),
                    expiration: properties.expiration().as_ref().map(ToString::to_string),
                    json,
                };
                if tx.send(reply).is_err() {
                    return;
                }
            }
        });
        FakeVcd { names, connection, channel, replies }
    }

    pub fn sender(&self) -> Sender {
        Sender { names: self.names.clone(), channel: self.channel.clone() }
    }

    pub async fn send_raw(&self, payload: &[u8], envelope: &Envelope) {
        self.sender().send_raw(payload, envelope).await;
    }

    pub async fn send(&self, id: &str, method: &str, uri: &str, body: Option<Value>, org: &str) {
        self.sender().send(id, method, uri, body, org).await;
    }

    /// The next reply, if one comes within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Reply> {
        tokio::time::timeout(timeout, self.replies.recv()).await.ok().flatten()
    }

    /// The next reply; fails the test after 20 s.
    pub async fn reply(&mut self) -> Reply {
        self.next(Duration::from_secs(20)).await.expect("a reply within 20 s")
    }

    /// Sends a request and returns its reply (the next one: use when nothing else is in flight).
    pub async fn call(&mut self, id: &str, method: &str, uri: &str, body: Option<Value>, org: &str) -> Reply {
        self.send(id, method, uri, body, org).await;
        let reply = self.reply().await;
        assert_eq!(reply.id(), id, "{reply:?}");
        reply
    }

    /// A message from the dead-letter queue, waiting up to 10 s.
    pub async fn dead_letter(&self) -> Option<Vec<u8>> {
        for _ in 0..100 {
            let got = self
                .channel
                .basic_get(self.names.dead_letter_queue.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap();
            if let Some(message) = got {
                return Some(message.delivery.data);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }

    /// Deletes everything the test and the bridge declared.
    pub async fn cleanup(self) {
        let names = &self.names;
        let channel = self.connection.create_channel().await.unwrap();
        channel.queue_delete(names.queue.as_str().into(), QueueDeleteOptions::default()).await.ok();
        for exchange in [&names.exchange, &names.reply_exchange, &names.dead_letter_exchange] {
            channel.exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default()).await.ok();
        }
        self.connection.close(200, "done".into()).await.ok();
    }
}

impl Sender {
    /// Publishes one raw message body to the extension's exchange.
    pub async fn send_raw(&self, payload: &[u8], envelope: &Envelope) {
        let mut headers = FieldTable::default();
        headers.insert("messageType".into(), AMQPValue::LongString(envelope.message_type.into()));
        headers.insert("replyToExchange".into(), AMQPValue::LongString(self.names.reply_exchange.as_str().into()));
        let mut properties = BasicProperties::default()
            .with_correlation_id(envelope.correlation_id.as_str().into())
            .with_content_type("application/json".into())
            .with_headers(headers);
        if envelope.reply_to {
            properties = properties.with_reply_to(self.names.reply_key.as_str().into());
        }
        self.channel
            .basic_publish(
                self.names.exchange.as_str().into(),
                self.names.routing_key.as_str().into(),
                BasicPublishOptions::default(),
                payload,
                properties,
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Sends an HTTP request as a caller of `org` (a `urn:vcloud:org:…`); correlation id `corr-<id>`.
    pub async fn send(&self, id: &str, method: &str, uri: &str, body: Option<Value>, org: &str) {
        let payload = message(id, method, uri, body, org);
        self.send_raw(&payload, &Envelope::to(&format!("corr-{id}"))).await;
    }
}

/// `[request, securityContext]` as vCD sends it.
pub fn message(id: &str, method: &str, uri: &str, body: Option<Value>, org: &str) -> Vec<u8> {
    let (path, query) = uri.split_once('?').map_or((uri, None), |(p, q)| (p, Some(q)));
    let body = body.map(|b| BASE64.encode(serde_json::to_vec(&b).unwrap()));
    let request = json!({
        "id": id, "method": method, "scheme": "https", "protocol": "HTTP/1.1",
        "requestUri": path, "queryString": query,
        "headers": {"Accept": "application/json", "Content-Type": "application/json",
                    "x-vcloud-authorization": "vcd-session-token"},
        "localAddr": "10.0.0.1", "localPort": 443, "remoteAddr": "10.0.0.9", "remotePort": 50123,
        "request": true, "body": body,
    });
    let context = json!({"user": "urn:vcloud:user:aaaaaaaa-0000-0000-0000-000000000001", "org": org, "rights": []});
    serde_json::to_vec(&json!([request, context])).unwrap()
}
