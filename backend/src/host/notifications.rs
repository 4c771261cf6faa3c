//! The notifications host: consumes vCD's notifications from AMQP and hands each to the event
//! triggers ([`EventTriggers`]), which store one delivery per matching function; a worker in the
//! same process runs the deliveries.
//!
//! The queue is durable and bound to vCD's topic exchange (`<prefix>.notifications20`) with
//! routing keys such as `true.#.com.vmware.vcloud.event.#` (successful operations only). A
//! message is acknowledged once its deliveries are stored, so a crash in between makes the
//! broker deliver it again, and the deliveries' unique key (function, eventId) makes that
//! harmless. A message that is not a notification is rejected without requeue and logged; one
//! that cannot be handled now (vCD or the database does not answer) goes back to the queue after
//! a pause. A lost connection is made again with backoff.
//!
//! The AMQP bridge (`host::amqp`) has its own connection handling (transactional replies); this
//! consumer needs none of that, so its small reconnect loop lives here.

use std::sync::Arc;
use std::time::Duration;

use crate::host::backoff::Backoff;

use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{FieldTable, LongString, ShortString};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;
use stratus_core::functions::{AcceptError, DeliveryConfig, EventTriggers};
use stratus_core::org_directory::{OrgDirectory, StaticOrgs};
use stratus_core::vcd::orgs::VcdOrgs;

/// The exchange vCD publishes notifications to when its AMQP prefix is `vcd`.
pub const DEFAULT_EXCHANGE: &str = "vcd.notifications20";
/// Stratus' queue (shared by replicas: each notification is taken by one of them).
pub const DEFAULT_QUEUE: &str = "stratus.notifications";
/// Every successful operation's event.
pub const DEFAULT_BINDING: &str = "true.#.com.vmware.vcloud.event.#";

/// The first reconnect delay; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The pause before a message that could not be handled goes back to the queue.
const REQUEUE_PAUSE: Duration = Duration::from_secs(2);

/// `stratus serve` flags of event triggers.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NotificationArgs {
    /// AMQP broker vCD publishes notifications to, e.g. amqp://user:password@rabbit:5672/%2f;
    /// without it no events reach functions.
    #[arg(long, env = "STRATUS_NOTIFICATIONS_URL", hide_env_values = true)]
    pub notifications_url: Option<String>,
    /// vCD's notifications exchange (topic): `<AMQP prefix>.notifications20`.
    #[arg(long, env = "STRATUS_NOTIFICATIONS_EXCHANGE", default_value = DEFAULT_EXCHANGE)]
    pub notifications_exchange: String,
    /// Stratus' durable queue on that exchange.
    #[arg(long, env = "STRATUS_NOTIFICATIONS_QUEUE", default_value = DEFAULT_QUEUE)]
    pub notifications_queue: String,
    /// Routing key patterns the queue is bound with (repeat the flag, or comma-separate).
    #[arg(long, env = "STRATUS_NOTIFICATIONS_BINDINGS", value_delimiter = ',', default_value = DEFAULT_BINDING)]
    pub notifications_binding: Vec<String>,
    /// `urn:vcloud:org:<uuid>=<org name>`: an org known without asking vCD (repeat the flag, or
    /// comma-separate). Other orgs are looked up in vCD (--vcd-url).
    #[arg(long, env = "STRATUS_NOTIFICATIONS_ORGS", value_delimiter = ',')]
    pub notifications_org: Vec<String>,
}

/// Where the consumer reads.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub url: String,
    pub exchange: String,
    pub queue: String,
    pub bindings: Vec<String>,
    /// Messages in flight to this consumer.
    pub prefetch: u16,
}

impl ConsumerConfig {
    pub fn new(url: &str, exchange: &str, queue: &str) -> Self {
        Self {
            url: url.to_owned(),
            exchange: exchange.to_owned(),
            queue: queue.to_owned(),
            bindings: vec![DEFAULT_BINDING.to_owned()],
            prefetch: 32,
        }
    }
}

/// Event triggers at work in this process: the delivery worker and, with a broker, the consumer.
pub struct Notifications {
    pub triggers: Arc<EventTriggers>,
    pub consumer: Option<Consumer>,
    worker: JoinHandle<()>,
}

impl Notifications {
    pub async fn shutdown(self) {
        if let Some(consumer) = self.consumer {
            consumer.shutdown().await;
        }
        self.worker.abort();
    }
}

/// Starts the delivery worker and, when `--notifications-url` is set, the consumer. Event orgs
/// come from `--notifications-org`, then from vCD (found names cached 10 min, unknown orgs 1 min).
pub fn start(state: &AppState, args: &NotificationArgs) -> Result<Notifications, String> {
    let fixed = StaticOrgs::parse(&args.notifications_org).map_err(|e| format!("--notifications-org {e}"))?;
    let orgs = VcdOrgs::directory(fixed, state.config.vcd.as_ref())?;
    if args.notifications_url.is_some() && orgs.is_empty() {
        return Err("--notifications-url needs --vcd-url (to find each event's org) or --notifications-org".into());
    }
    let orgs: Arc<dyn OrgDirectory> = Arc::new(orgs);
    let config = DeliveryConfig { retry: state.config.jobs.retry.clone(), ..DeliveryConfig::default() };
    let triggers = EventTriggers::new(state.functions.clone(), orgs, config);
    let worker = triggers.spawn_worker();
    let consumer = args.notifications_url.as_ref().map(|url| {
        let mut config = ConsumerConfig::new(url, &args.notifications_exchange, &args.notifications_queue);
        config.bindings = args.notifications_binding.clone();
        Consumer::spawn(config, triggers.clone())
    });
    Ok(Notifications { triggers, consumer, worker })
}

/// A running consumer; it reconnects by itself until [`Consumer::shutdown`].
pub struct Consumer {
    stop: watch::Sender<bool>,
    sessions: watch::Receiver<u64>,
    task: JoinHandle<()>,
}

impl Consumer {
    pub fn spawn(config: ConsumerConfig, triggers: Arc<EventTriggers>) -> Consumer {
        let (stop, stop_rx) = watch::channel(false);
        let (sessions_tx, sessions) = watch::channel(0u64);
        let task = tokio::spawn(run(config, triggers, stop_rx, sessions_tx));
        Consumer { stop, sessions, task }
    }

    /// Waits until the queue is bound and consumed (at least once); `false` on timeout.
    pub async fn wait_consuming(&self, timeout: Duration) -> bool {
        let mut sessions = self.sessions.clone();
        tokio::time::timeout(timeout, sessions.wait_for(|n| *n > 0)).await.is_ok_and(|r| r.is_ok())
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(Duration::from_secs(5), self.task).await.is_err() {
            tracing::warn!("the notifications consumer did not stop in time");
        }
    }
}

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

async fn run(
    config: ConsumerConfig,
    triggers: Arc<EventTriggers>,
    mut stop: watch::Receiver<bool>,
    sessions: watch::Sender<u64>,
) {
    let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
    loop {
        let mut consumed = false;
        let ended = session(&config, &triggers, &mut stop, &sessions, &mut consumed).await;
        let err = match ended {
            Ok(()) => return,
            Err(err) => err,
        };
        let delay = backoff.after(consumed);
        tracing::warn!(%err, retry_in_ms = delay.as_millis(), "notifications consumer disconnected; reconnecting");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}

fn short(text: &str) -> Result<ShortString, SessionError> {
    ShortString::try_new(text).map_err(|e| SessionError::Config(format!("'{text}': {e}")))
}

/// One connection: declare, bind, consume until it dies or `stop`.
async fn session(
    config: &ConsumerConfig,
    triggers: &Arc<EventTriggers>,
    stop: &mut watch::Receiver<bool>,
    sessions: &watch::Sender<u64>,
    consumed: &mut bool,
) -> Result<(), SessionError> {
    let name = LongString::from(format!("stratus-notifications:{}", config.queue));
    let properties = ConnectionProperties::default().with_connection_name(name);
    let connection = Connection::connect(&config.url, properties).await?;
    let channel = declare(&connection, config).await?;
    channel.basic_qos(config.prefetch.max(1), BasicQosOptions::default()).await?;
    let mut consumer = channel
        .basic_consume(short(&config.queue)?, "".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    *consumed = true;
    sessions.send_modify(|n| *n += 1);
    tracing::info!(queue = %config.queue, exchange = %config.exchange, "consuming vCD notifications");
    let ended = loop {
        let next = tokio::select! {
            _ = stop.wait_for(|stopped| *stopped) => None,
            delivery = consumer.next() => Some(delivery),
        };
        match next {
            None => break Ok(()),
            Some(Some(Ok(delivery))) => handle(triggers, &delivery, stop).await?,
            Some(Some(Err(err))) => break Err(SessionError::Amqp(err)),
            Some(None) => break Err(SessionError::Cancelled),
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.close(200, "bye".into())).await;
    ended
}

/// Declares the queue and binds it. vCD owns the exchange: it is used as it is, and declared
/// (durable, topic) only when missing.
async fn declare(connection: &Connection, config: &ConsumerConfig) -> Result<Channel, SessionError> {
    let exchange = short(&config.exchange)?;
    let probe = connection.create_channel().await?;
    let passive = ExchangeDeclareOptions { passive: true, ..ExchangeDeclareOptions::default() };
    let exists =
        probe.exchange_declare(exchange.clone(), ExchangeKind::Topic, passive, FieldTable::default()).await.is_ok();
    // A failed passive declare closes its channel; use a fresh one either way.
    let channel = connection.create_channel().await?;
    if !exists {
        let durable = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
        channel.exchange_declare(exchange.clone(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
    }
    let queue = short(&config.queue)?;
    let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
    channel.queue_declare(queue.clone(), durable, FieldTable::default()).await?;
    for binding in &config.bindings {
        channel
            .queue_bind(
                queue.clone(),
                exchange.clone(),
                short(binding)?,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(channel)
}

/// Hands one message to the event triggers and settles it.
async fn handle(
    triggers: &EventTriggers,
    delivery: &Delivery,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), SessionError> {
    match triggers.accept(&delivery.data).await {
        Ok(accepted) => {
            if accepted.new > 0 {
                tracing::info!(
                    org = accepted.org.as_deref().unwrap_or_default(),
                    functions = ?accepted.matched,
                    routing_key = %delivery.routing_key,
                    "vCD event queued for functions"
                );
            }
            delivery.ack(BasicAckOptions::default()).await?;
        }
        Err(AcceptError::Malformed(err)) => {
            tracing::warn!(%err, routing_key = %delivery.routing_key, "not a vCD notification: rejected");
            delivery.reject(BasicRejectOptions { requeue: false }).await?;
        }
        Err(err) => {
            tracing::warn!(%err, routing_key = %delivery.routing_key, "a vCD notification must wait: requeued");
            tokio::select! {
                () = tokio::time::sleep(REQUEUE_PAUSE) => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
            delivery.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await?;
        }
    }
    Ok(())
}
