//! One broker connection at a time: declare, consume, answer, and reconnect with backoff.
//!
//! Replies are transactional: the channel is in `tx` mode and a reply's publish and its
//! request's ack are committed together (several requests per commit when they finish close
//! together). If the connection drops before the commit, neither happened and the broker
//! redelivers the request; after the commit, both happened and it is not redelivered. So each
//! delivered request is answered exactly once, and [`Replies`](super::replies::Replies) makes a
//! redelivery, to this replica or another, replay the first run's reply instead of running the
//! request again: the reply is stored in the database before its commit.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::host::backoff::Backoff;

use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, BasicRejectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ErrorKind, ExchangeKind};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot, watch};

use crate::host::amqp::Shared;
use crate::host::amqp::dispatch::error_reply;
use crate::host::amqp::message::{decode, encode_reply, request_id};
use crate::host::amqp::replies::{Encoded, Origin};
use crate::http::error::ApiError;

/// How long a reply waits in vCD's queue before the broker drops it (vCD has given up by then).
const REPLY_EXPIRATION_MS: &str = "10000";
/// The one message type the bridge answers.
const PROCESS_HTTP_REQUEST: &str = "ProcessHttpRequest";
/// Replies committed in one transaction at most.
const MAX_BATCH: usize = 64;
/// The first reconnect delay; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How long a shutdown waits for running requests to reply.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
    #[error("the broker cancelled the consumer")]
    Cancelled,
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Connects, serves until the connection dies, waits, and connects again, until `stop`.
pub(super) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>, sessions: watch::Sender<u64>) {
    let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
    loop {
        let mut consumed = false;
        match session(&shared, &mut stop, &sessions, &mut consumed).await {
            Ok(()) => {
                tracing::info!("AMQP bridge stopped");
                return;
            }
            Err(err) => {
                let delay = backoff.after(consumed);
                tracing::warn!(%err, retry_in_ms = delay.as_millis(), "AMQP bridge disconnected; reconnecting");
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = stopped(&mut stop) => return,
                }
            }
        }
    }
}

/// Completes when the bridge is told to stop (or its handle is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

async fn session(
    shared: &Arc<Shared>,
    stop: &mut watch::Receiver<bool>,
    sessions: &watch::Sender<u64>,
    consumed: &mut bool,
) -> Result<(), SessionError> {
    let config = &shared.config;
    let name = LongString::from(config.connection_name.clone());
    let connection =
        Arc::new(Connection::connect(&config.url, ConnectionProperties::default().with_connection_name(name)).await?);
    let channel = connection.create_channel().await?;
    declare(&channel, shared).await?;
    let prefetch = u16::try_from(config.concurrency).unwrap_or(u16::MAX);
    channel.basic_qos(prefetch, BasicQosOptions::default()).await?;
    channel.tx_select().await?;
    let mut consumer = channel
        .basic_consume(short(&config.queue)?, "".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    let (commits, queue) = mpsc::channel(config.concurrency * 2 + MAX_BATCH);
    let committer = tokio::spawn(commit_loop(channel.clone(), queue));
    let exchanges = Exchanges { connection: connection.clone(), known: Arc::default() };
    *consumed = true;
    sessions.send_modify(|n| *n += 1);
    tracing::info!(queue = %config.queue, exchange = %config.exchange, "AMQP bridge consuming");

    let ended = loop {
        tokio::select! {
            () = stopped(stop) => break Ok(()),
            delivery = consumer.next() => match delivery {
                Some(Ok(delivery)) => {
                    let Ok(permit) = shared.permits.clone().acquire_owned().await else {
                        break Ok(());
                    };
                    tokio::spawn(handle(shared.clone(), delivery, commits.clone(), exchanges.clone(), permit));
                }
                Some(Err(err)) => break Err(SessionError::Amqp(err)),
                None => break Err(SessionError::Cancelled),
            },
        }
    };
    drop(commits);
    if ended.is_ok() {
        // Stop taking requests; running ones still reply, then the committer ends.
        let _ = channel.basic_cancel(consumer.tag(), BasicCancelOptions::default()).await;
        if tokio::time::timeout(DRAIN_TIMEOUT, committer).await.is_err() {
            tracing::warn!("requests still running at shutdown; the broker redelivers them");
        }
    } else {
        // The channel is gone: running requests finish into the reply memory and their
        // redeliveries replay them on the next connection.
        committer.abort();
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.close(200, "bye".into())).await;
    ended
}

/// Declares the direct exchange, the queue and the binding (idempotent).
async fn declare(channel: &Channel, shared: &Shared) -> Result<(), SessionError> {
    let config = &shared.config;
    let durable = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
    channel.exchange_declare(short(&config.exchange)?, ExchangeKind::Direct, durable, FieldTable::default()).await?;
    let mut arguments = FieldTable::default();
    if let Some(dlx) = &config.dead_letter_exchange {
        arguments.insert("x-dead-letter-exchange".into(), AMQPValue::LongString(dlx.as_str().into()));
    }
    let queue_options = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
    channel.queue_declare(short(&config.queue)?, queue_options, arguments).await?;
    channel
        .queue_bind(
            short(&config.queue)?,
            short(&config.exchange)?,
            short(&config.routing_key)?,
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

fn short(text: &str) -> Result<ShortString, SessionError> {
    ShortString::try_new(text).map_err(|e| SessionError::Config(format!("'{text}': {e}")))
}

/// Where a request wants its reply.
struct Address {
    exchange: ShortString,
    routing_key: ShortString,
}

/// What to do with a delivery, committed together with its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    Ack,
    /// Dead-lettered (or dropped when the queue has no dead-letter exchange).
    Reject,
    /// Back on the queue: the bridge could not decide now.
    Requeue,
}

struct Commit {
    reply: Option<(Address, BasicProperties, Encoded)>,
    delivery_tag: u64,
    settle: Settle,
    done: oneshot::Sender<bool>,
}

async fn handle(
    shared: Arc<Shared>,
    delivery: Delivery,
    commits: mpsc::Sender<Commit>,
    exchanges: Exchanges,
    _permit: OwnedSemaphorePermit,
) {
    let tag = delivery.delivery_tag;
    let properties = &delivery.properties;
    if delivery.redelivered {
        shared.counters.redelivered.fetch_add(1, Ordering::Relaxed);
    }
    let Some(address) = reply_address(properties) else {
        tracing::warn!(redelivered = delivery.redelivered, "a message without reply_to or replyToExchange: rejected");
        settle(&commits, None, tag, Settle::Reject).await;
        return;
    };
    match exchanges.exists(&address.exchange).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(exchange = %address.exchange, "the reply exchange does not exist: rejected");
            settle(&commits, None, tag, Settle::Reject).await;
            return;
        }
        Err(err) => {
            tracing::warn!(%err, exchange = %address.exchange, "cannot check the reply exchange: requeued");
            settle(&commits, None, tag, Settle::Requeue).await;
            return;
        }
    }
    let payload = answer(&shared, &delivery).await;
    let mut reply_properties = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_expiration(REPLY_EXPIRATION_MS.into());
    if let Some(correlation_id) = properties.correlation_id() {
        reply_properties = reply_properties.with_correlation_id(correlation_id.clone());
    }
    settle(&commits, Some((address, reply_properties, payload)), tag, Settle::Ack).await;
}

/// The encoded reply: the Router's answer, a remembered one, a 400 for a bad message, or a 503
/// when the reply memory (the database) cannot say whether the request already ran.
async fn answer(shared: &Shared, delivery: &Delivery) -> Encoded {
    let message_type = header_text(&delivery.properties, "messageType");
    if let Some(kind) = message_type.filter(|t| t != PROCESS_HTTP_REQUEST) {
        let id = request_id(&delivery.data).unwrap_or_default();
        let err = ApiError::BadRequest(format!("messageType '{kind}' is not supported; send {PROCESS_HTTP_REQUEST}"));
        return Arc::from(encode_reply(&error_reply(id, err).await));
    }
    let request = match decode(&delivery.data) {
        Ok(request) => request,
        Err(err) => {
            tracing::warn!(%err, "a malformed extension request: answered 400");
            let id = request_id(&delivery.data).unwrap_or_default();
            return Arc::from(encode_reply(&error_reply(id, ApiError::BadRequest(err.to_string())).await));
        }
    };
    let id = request.id.clone();
    let answered = shared
        .replies
        .get_or_run(&id, || async { Arc::from(encode_reply(&shared.dispatcher.answer(request).await)) })
        .await;
    match answered {
        Ok((payload, Origin::Ran)) => payload,
        Ok((payload, Origin::Replayed)) => {
            shared.counters.replayed.fetch_add(1, Ordering::Relaxed);
            tracing::info!(%id, redelivered = delivery.redelivered, "replaying the reply to a request already run");
            payload
        }
        Err(err) => {
            tracing::warn!(%err, %id, "cannot tell whether the request already ran: answered 503");
            let err = ApiError::Unavailable("the database does not answer; try again".into());
            Arc::from(encode_reply(&error_reply(id, err).await))
        }
    }
}

/// Hands a delivery's outcome to the committer and waits for the commit.
async fn settle(
    commits: &mpsc::Sender<Commit>,
    reply: Option<(Address, BasicProperties, Encoded)>,
    tag: u64,
    how: Settle,
) {
    let (done, committed) = oneshot::channel();
    let commit = Commit { reply, delivery_tag: tag, settle: how, done };
    if commits.send(commit).await.is_err() || !committed.await.unwrap_or(false) {
        tracing::debug!(tag, "not committed: the connection is gone and the broker redelivers the request");
    }
}

/// Commits replies and acks in batches until the channel fails or every sender is gone.
async fn commit_loop(channel: Channel, mut queue: mpsc::Receiver<Commit>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let result = commit(&channel, &batch).await;
        if let Err(err) = &result {
            tracing::warn!(%err, requests = batch.len(), "replies not committed; the broker redelivers their requests");
        }
        for item in batch.drain(..) {
            let _ = item.done.send(result.is_ok());
        }
        if result.is_err() {
            return;
        }
    }
}

async fn commit(channel: &Channel, batch: &[Commit]) -> Result<(), lapin::Error> {
    for item in batch {
        if let Some((address, properties, payload)) = &item.reply {
            channel
                .basic_publish(
                    address.exchange.clone(),
                    address.routing_key.clone(),
                    BasicPublishOptions::default(),
                    payload,
                    properties.clone(),
                )
                .await?;
        }
        match item.settle {
            Settle::Ack => channel.basic_ack(item.delivery_tag, BasicAckOptions::default()).await?,
            Settle::Reject => {
                channel.basic_reject(item.delivery_tag, BasicRejectOptions { requeue: false }).await?;
            }
            Settle::Requeue => channel.basic_reject(item.delivery_tag, BasicRejectOptions { requeue: true }).await?,
        }
    }
    channel.tx_commit().await
}

fn reply_address(properties: &BasicProperties) -> Option<Address> {
    let routing_key = properties.reply_to().clone().filter(|r| !r.as_str().is_empty())?;
    let exchange = ShortString::try_new(header_text(properties, "replyToExchange")?).ok()?;
    Some(Address { exchange, routing_key })
}

fn header_text(properties: &BasicProperties, name: &str) -> Option<String> {
    let headers = properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::LongString(text) => Some(text.to_string()),
        AMQPValue::ShortString(text) => Some(text.to_string()),
        _ => None,
    }
}

/// Reply exchanges known to exist. Publishing to a missing exchange would close the channel
/// (and with it every running request's delivery), so each new one is checked first on a
/// throwaway channel.
#[derive(Clone)]
struct Exchanges {
    connection: Arc<Connection>,
    known: Arc<Mutex<HashSet<String>>>,
}

impl Exchanges {
    async fn exists(&self, name: &ShortString) -> Result<bool, lapin::Error> {
        // The default exchange always exists and cannot be declared.
        if name.as_str().is_empty() || self.lock().contains(name.as_str()) {
            return Ok(true);
        }
        let probe = self.connection.create_channel().await?;
        let passive = ExchangeDeclareOptions { passive: true, ..ExchangeDeclareOptions::default() };
        match probe.exchange_declare(name.clone(), ExchangeKind::Direct, passive, FieldTable::default()).await {
            Ok(()) => {
                self.lock().insert(name.to_string());
                let _ = probe.close(200, "checked".into()).await;
                Ok(true)
            }
            Err(err) if matches!(err.kind(), ErrorKind::ProtocolError(e) if e.get_id() == 404) => Ok(false),
            Err(err) => Err(err),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_address_needs_reply_to_and_the_exchange_header() {
        let mut headers = FieldTable::default();
        headers.insert("replyToExchange".into(), AMQPValue::LongString("vcdreplies".into()));
        headers.insert("messageType".into(), AMQPValue::LongString("ProcessHttpRequest".into()));
        let full = BasicProperties::default().with_reply_to("q1".into()).with_headers(headers.clone());
        let address = reply_address(&full).unwrap();
        assert_eq!((address.exchange.as_str(), address.routing_key.as_str()), ("vcdreplies", "q1"));
        assert_eq!(header_text(&full, "messageType").as_deref(), Some("ProcessHttpRequest"));
        assert!(reply_address(&BasicProperties::default().with_headers(headers)).is_none());
        assert!(reply_address(&BasicProperties::default().with_reply_to("q1".into())).is_none());
    }
}
