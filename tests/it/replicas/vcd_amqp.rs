//! vCD's side of the API extension over AMQP, as small as these tests need: publishes
//! `[request, securityContext]` messages to the extension's exchange with a reply address and
//! collects the replies. (`amqp::fake_vcd` is the full one, private to the AMQP tests.)

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::StreamExt as _;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions};
use lapin::options::{ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{broker_url, unique};

/// The vCD org whose users the requests come from.
pub const ORG_URN: &str = "urn:vcloud:org:11111111-1111-1111-1111-111111111111";

/// The extension's exchange, queue and routing key (the replicas' `--amqp-*` flags).
#[derive(Clone)]
pub struct Extension {
    pub exchange: String,
    pub queue: String,
    pub routing_key: String,
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

    pub fn body(&self) -> String {
        let bytes = BASE64.decode(self.json["body"].as_str().unwrap_or_default()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

pub struct Vcd {
    pub extension: Extension,
    reply_exchange: String,
    reply_key: String,
    connection: Connection,
    channel: Channel,
    replies: mpsc::UnboundedReceiver<Reply>,
}

/// Publishes requests; cheap to clone into a publishing task.
#[derive(Clone)]
pub struct Sender {
    extension: Extension,
    reply_exchange: String,
    reply_key: String,
    channel: Channel,
}

impl Vcd {
    /// Connects, declares the reply exchange and an exclusive reply queue, and consumes it.
    pub async fn start() -> Vcd {
        let exchange = unique("stratus-t-ext");
        let extension = Extension { queue: exchange.clone(), exchange, routing_key: "stratus".into() };
        let (reply_exchange, reply_key) = (unique("vcd-replies-t"), unique("vcd-cell"));
        let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
            .await
            .expect("RabbitMQ must run at 127.0.0.1:5672 (guest/guest)");
        let channel = connection.create_channel().await.expect("a channel");
        let options = ExchangeDeclareOptions::default();
        let direct = ExchangeKind::Direct;
        channel.exchange_declare(reply_exchange.as_str().into(), direct, options, FieldTable::default()).await.unwrap();
        let exclusive = QueueDeclareOptions { exclusive: true, ..QueueDeclareOptions::default() };
        let queue = channel.queue_declare("".into(), exclusive, FieldTable::default()).await.unwrap();
        let (queue, bind) = (queue.name().clone(), QueueBindOptions::default());
        let (exchange, key) = (reply_exchange.as_str().into(), reply_key.as_str().into());
        channel.queue_bind(queue.clone(), exchange, key, bind, FieldTable::default()).await.unwrap();
        let no_ack = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        let mut consumer = channel.basic_consume(queue, "".into(), no_ack, FieldTable::default()).await.unwrap();
        let (tx, replies) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let properties = &delivery.properties;
                let reply = Reply {
                    correlation_id: properties.correlation_id().as_ref().map(ToString::to_string),
                    expiration: properties.expiration().as_ref().map(ToString::to_string),
                    json: serde_json::from_slice(&delivery.data).unwrap_or_default(),
                };
                if tx.send(reply).is_err() {
                    return;
                }
            }
        });
        Vcd { extension, reply_exchange, reply_key, connection, channel, replies }
    }

    pub fn sender(&self) -> Sender {
        Sender {
            extension: self.extension.clone(),
            reply_exchange: self.reply_exchange.clone(),
            reply_key: self.reply_key.clone(),
            channel: self.channel.clone(),
        }
    }

    /// The next reply, if one comes within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Reply> {
        tokio::time::timeout(timeout, self.replies.recv()).await.ok().flatten()
    }

    /// Deletes what the test and the replicas declared.
    pub async fn cleanup(self) {
        let names = [&self.extension.exchange, &self.reply_exchange];
        let _ = self.channel.queue_delete(self.extension.queue.as_str().into(), QueueDeleteOptions::default()).await;
        for exchange in names {
            let _ = self.channel.exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default()).await;
        }
        let _ = self.connection.close(200, "done".into()).await;
    }
}

impl Sender {
    /// Sends `method uri` (an `/api/stratus/…` path) as a user of [`ORG_URN`]; correlation id
    /// `corr-<id>`.
    pub async fn send(&self, id: &str, method: &str, uri: &str, body: Option<Value>) {
        let request = json!({
            "id": id, "method": method, "scheme": "https", "protocol": "HTTP/1.1", "requestUri": uri,
            "queryString": null, "headers": {"Accept": "application/json", "Content-Type": "application/json"},
            "localAddr": "10.0.0.1", "localPort": 443, "remoteAddr": "10.0.0.9", "remotePort": 50123,
            "request": true, "body": body.map(|b| BASE64.encode(b.to_string())),
        });
        let context =
            json!({"user": "urn:vcloud:user:aaaaaaaa-0000-0000-0000-000000000001", "org": ORG_URN, "rights": []});
        let payload = serde_json::to_vec(&json!([request, context])).expect("JSON");
        let mut headers = FieldTable::default();
        headers.insert("messageType".into(), AMQPValue::LongString("ProcessHttpRequest".into()));
        headers.insert("replyToExchange".into(), AMQPValue::LongString(self.reply_exchange.as_str().into()));
        let properties = BasicProperties::default()
            .with_correlation_id(format!("corr-{id}").as_str().into())
            .with_content_type("application/json".into())
            .with_reply_to(self.reply_key.as_str().into())
            .with_headers(headers);
        let (exchange, key) = (self.extension.exchange.as_str().into(), self.extension.routing_key.as_str().into());
        let publish = self.channel.basic_publish(exchange, key, BasicPublishOptions::default(), &payload, properties);
        publish.await.expect("publish").await.expect("the broker confirms");
    }
}
