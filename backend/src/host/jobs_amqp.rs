//! RabbitMQ as the engine of the async-job queue ([`JobQueue`]): competing consumers on one
//! durable queue, a delay queue for retries and a queue of dead letters.
//!
//! Three durable queues, all reached through the default exchange:
//! - `<queue>`: a message is the invocation id (persistent). Every replica consumes it with
//!   manual acks and a prefetch of [`AsyncJobs::parallel`]; a message is acknowledged once
//!   [`AsyncJobs::handle`] returns, that is once the attempt's result is stored (or the job did
//!   not need this replica), so a replica that dies mid-attempt leaves the message to the
//!   broker, which hands it to another. A body that is not a job id is dead-lettered.
//! - `<queue>.retry.<ms>`: one delay queue per delay (rounded up to 100 ms below a second, to
//!   whole seconds above), whose `x-message-ttl` is that delay and whose dead-letter route is
//!   `<queue>`: a message waits there, then the broker moves it back. One queue per delay
//!   because the broker expires messages only at the head of a queue: in one shared queue a
//!   10 s retry would wait behind a 5 min one. Each publish declares its delay queue again,
//!   which keeps it alive; an unused one goes away (`x-expires`, the delay plus a minute).
//! - `<queue>.dead`: the ids of jobs that ran out of attempts, for an operator to look at (the
//!   job rows say why).
//!
//! Publishes wait for the broker's confirm, so `publish` returns once the broker has the
//! message. The job row stays the truth: a message that is lost, or published twice, changes
//! nothing but when a replica looks. When the replica drains, its consumer is cancelled: what
//! runs finishes and is acked, and messages it held but did not start go back to the broker
//! when the channel closes.

mod consumer;

use std::sync::Arc;
use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};
use tokio::sync::Mutex;

use stratus_core::cluster::Cluster;
use stratus_core::functions::jobs::{AsyncJobs, JobQueue, QueueError, QueueFuture};

/// What [`JobQueue::kind`] says.
pub const KIND: &str = "rabbitmq";

/// How long a publish may wait for the broker's confirm (a broker under a memory alarm blocks
/// publishers); after that the job is left to the sweeper.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The queue names of one jobs queue.
#[derive(Debug, Clone)]
pub struct QueueNames {
    pub queue: ShortString,
    /// The prefix of the delay queues (`<retry>.<ms>`).
    pub retry: ShortString,
    pub dead: ShortString,
}

impl QueueNames {
    pub fn new(queue: &str) -> Result<Self, String> {
        let name = |text: String| ShortString::try_new(text).map_err(|e| format!("jobs queue name '{queue}': {e}"));
        if queue.is_empty() {
            return Err("the jobs queue needs a name".into());
        }
        Ok(Self {
            queue: name(queue.to_owned())?,
            retry: name(format!("{queue}.retry"))?,
            dead: name(format!("{queue}.dead"))?,
        })
    }
}

/// Connects to `url`, declares the queues of `queue` and starts this replica's consumer, which
/// hands every message to `jobs` and stops taking work when `cluster` drains. The consumer
/// starts once the returned queue is `jobs`' ([`AsyncJobs::set_queue`]), so that what it
/// publishes again goes to the broker. Fails when the broker cannot be reached now.
pub async fn start(
    url: &str,
    queue: &str,
    jobs: Arc<AsyncJobs>,
    cluster: Cluster,
) -> Result<Arc<dyn JobQueue>, String> {
    let names = QueueNames::new(queue)?;
    let engine = AmqpQueue::connect(url, names.clone(), cluster.id()).await?;
    consumer::spawn(url.to_owned(), names, jobs, cluster);
    Ok(Arc::new(engine))
}

/// The publishing side: one connection with a channel in confirm mode, made again when it
/// breaks.
pub struct AmqpQueue {
    url: String,
    names: QueueNames,
    connection_name: String,
    link: Mutex<Option<Link>>,
}

struct Link {
    connection: Connection,
    channel: Channel,
}

impl AmqpQueue {
    /// Connects and declares the queues (idempotent); an error says why the broker cannot be used.
    pub async fn connect(url: &str, names: QueueNames, replica: &str) -> Result<Self, String> {
        let connection_name = format!("stratus-jobs-publisher:{}:{replica}", names.queue);
        let engine = Self { url: url.to_owned(), names, connection_name, link: Mutex::new(None) };
        engine.channel().await.map_err(|err| format!("the jobs queue's RabbitMQ: {err}"))?;
        Ok(engine)
    }

    /// The confirm-mode channel, (re)connecting when there is none or it broke.
    async fn channel(&self) -> Result<Channel, lapin::Error> {
        let mut link = self.link.lock().await;
        if let Some(current) = link.as_mut() {
            if current.channel.status().connected() {
                return Ok(current.channel.clone());
            }
            if current.connection.status().connected() {
                let channel = current.connection.create_channel().await?;
                channel.confirm_select(ConfirmSelectOptions::default()).await?;
                current.channel = channel.clone();
                return Ok(channel);
            }
        }
        let connection = open(&self.url, &self.connection_name).await?;
        let channel = connection.create_channel().await?;
        declare(&channel, &self.names).await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        *link = Some(Link { connection, channel: channel.clone() });
        Ok(channel)
    }

    /// Forgets the link (a publish on it failed): the next publish connects again.
    async fn reset(&self) {
        if let Some(old) = self.link.lock().await.take() {
            let _ =
                tokio::time::timeout(Duration::from_secs(1), old.connection.close(200, "reconnecting".into())).await;
        }
    }

    /// Publishes `id` to `queue` and waits for the broker's confirm; one more try on a fresh
    /// connection when the first fails.
    async fn send(&self, queue: &ShortString, id: &str, properties: BasicProperties) -> Result<(), QueueError> {
        let mut last = String::new();
        for _ in 0..2 {
            let sent = tokio::time::timeout(CONFIRM_TIMEOUT, self.send_once(queue, id, properties.clone())).await;
            match sent {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(err)) => last = err,
                Err(_) => last = format!("no confirm from the broker within {} s", CONFIRM_TIMEOUT.as_secs()),
            }
            self.reset().await;
        }
        Err(QueueError(format!("RabbitMQ did not take job {id} on '{queue}': {last}")))
    }

    async fn send_once(&self, queue: &ShortString, id: &str, properties: BasicProperties) -> Result<(), String> {
        let channel = self.channel().await.map_err(|e| e.to_string())?;
        // Mandatory: a queue deleted under us returns the message instead of dropping it.
        let options = BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() };
        let confirm = channel
            .basic_publish(ShortString::from(""), queue.clone(), options, id.as_bytes(), properties)
            .await
            .map_err(|e| e.to_string())?;
        match confirm.await.map_err(|e| e.to_string())? {
            Confirmation::Ack(None) | Confirmation::NotRequested => Ok(()),
            Confirmation::Ack(Some(_)) => Err("the queue does not exist (the message was returned)".into()),
            Confirmation::Nack(_) => Err("the broker refused the message".into()),
        }
    }
}

/// A persistent message with the id as its body.
fn message() -> BasicProperties {
    BasicProperties::default().with_delivery_mode(2).with_content_type(ShortString::from("text/plain"))
}

impl JobQueue for AmqpQueue {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn publish<'a>(&'a self, id: &'a str, delay: Duration) -> QueueFuture<'a> {
        Box::pin(async move {
            if delay.is_zero() {
                return self.send(&self.names.queue, id, message()).await;
            }
            let ms = delay_bucket(delay);
            let queue = ShortString::try_new(format!("{}.{ms}", self.names.retry))
                .map_err(|err| QueueError(format!("delay queue name: {err}")))?;
            let channel = self.channel().await.map_err(|err| QueueError(err.to_string()))?;
            declare_delay(&channel, &self.names, &queue, ms)
                .await
                .map_err(|err| QueueError(format!("declaring delay queue '{queue}': {err}")))?;
            self.send(&queue, id, message()).await
        })
    }

    fn dead_letter<'a>(&'a self, id: &'a str) -> QueueFuture<'a> {
        Box::pin(async move { self.send(&self.names.dead, id, message()).await })
    }
}

/// Connects to `url`, naming the connection for the broker's listings.
async fn open(url: &str, name: &str) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default().with_connection_name(LongString::from(name.to_owned()));
    match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, properties)).await {
        Ok(connected) => connected,
        Err(_) => Err(lapin::Error::from(std::io::Error::new(std::io::ErrorKind::TimedOut, "connecting timed out"))),
    }
}

/// The delay queue's delay for `delay`: rounded up to 100 ms below a second and to whole
/// seconds above (few distinct queues; the retry policy's delays stay exact).
fn delay_bucket(delay: Duration) -> u64 {
    let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX).max(1);
    let step = if ms < 1_000 { 100 } else { 1_000 };
    ms.div_ceil(step).saturating_mul(step)
}

/// Declares delay queue `queue` of `ms` (idempotent; also keeps it from expiring).
async fn declare_delay(
    channel: &Channel,
    names: &QueueNames,
    queue: &ShortString,
    ms: u64,
) -> Result<(), lapin::Error> {
    let mut arguments = dead_letters_to(&names.queue);
    arguments.insert("x-message-ttl".into(), AMQPValue::LongLongInt(i64::try_from(ms).unwrap_or(i64::MAX)));
    let expires = i64::try_from(ms.saturating_add(60_000)).unwrap_or(i64::MAX);
    arguments.insert("x-expires".into(), AMQPValue::LongLongInt(expires));
    let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
    channel.queue_declare(queue.clone(), durable, arguments).await?;
    Ok(())
}

/// Queue arguments that dead-letter into `queue` through the default exchange.
fn dead_letters_to(queue: &ShortString) -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-dead-letter-exchange".into(), AMQPValue::LongString("".into()));
    arguments.insert("x-dead-letter-routing-key".into(), AMQPValue::LongString(queue.as_str().into()));
    arguments
}

/// Declares the main queue and the dead letters' (idempotent): `<queue>` dead-letters what is
/// rejected into `<queue>.dead`.
async fn declare(channel: &Channel, names: &QueueNames) -> Result<(), lapin::Error> {
    let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
    channel.queue_declare(names.dead.clone(), durable, FieldTable::default()).await?;
    channel.queue_declare(names.queue.clone(), durable, dead_letters_to(&names.dead)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queues_are_named_after_the_main_one() {
        let names = QueueNames::new("stratus.jobs").unwrap();
        assert_eq!(
            (names.queue.as_str(), names.retry.as_str(), names.dead.as_str()),
            ("stratus.jobs", "stratus.jobs.retry", "stratus.jobs.dead")
        );
        assert!(QueueNames::new("").is_err());
        assert!(QueueNames::new(&"q".repeat(250)).is_err(), "names are at most 255 bytes with the suffix");
    }

    #[test]
    fn delays_round_up_to_few_buckets_and_policy_delays_stay_exact() {
        let ms = |ms| delay_bucket(Duration::from_millis(ms));
        assert_eq!((ms(0), ms(1), ms(100), ms(101), ms(999)), (100, 100, 100, 200, 1_000));
        assert_eq!(
            (ms(1_000), ms(1_001), ms(10_000), ms(60_000), ms(300_000)),
            (1_000, 2_000, 10_000, 60_000, 300_000)
        );
    }
}
