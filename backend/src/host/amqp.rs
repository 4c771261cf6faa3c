//! The AMQP bridge: vCD's legacy API extensions, served by the one Router.
//!
//! vCD publishes each HTTP request that matches the extension's API filter (`/api/stratus/.*`)
//! to a direct exchange; the bridge consumes them from its queue, runs each through `app(state)`
//! as the caller named by the message's security context, and publishes the answer to the
//! `replyToExchange` header's exchange with the `reply_to` routing key and the request's
//! correlation id. See ARCHITECTURE.md ("The AMQP host") for the guarantees.
//!
//! - [`message`]: decode `[request, securityContext]`, map `/api/stratus/<rest>` to `/api/<rest>`,
//!   encode `{id, headers, statusCode, body, request: false}`.
//! - [`identity`]: org name (from the [`OrgDirectory`]) → [`stratus_core::tenancy::Principal`].
//! - [`dispatch`]: one request through the Router.
//! - [`replies`]: replies by request id, in this process and in the database every replica
//!   shares (a redelivery, to any replica, is answered, not re-run).
//! - `session`: the connection, the consumer, transactional replies, reconnection.

pub mod dispatch;
pub mod identity;
pub mod message;
pub mod replies;
mod session;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::host::amqp::dispatch::Dispatcher;
use crate::host::amqp::replies::Replies;
use stratus_core::Store;
use stratus_core::amqp_replies::AmqpReplies;
use stratus_core::org_directory::{OrgDirectory, StaticOrgs};
use stratus_core::vcd::orgs::VcdOrgs;

/// `stratus serve` flags for the bridge.
#[derive(Debug, Clone, clap::Args)]
pub struct AmqpArgs {
    /// RabbitMQ vCD's API extensions use, e.g. amqp://guest:guest@127.0.0.1:5672/%2f; starts the
    /// AMQP bridge beside the HTTP server.
    #[arg(long, env = "STRATUS_AMQP_URL", hide_env_values = true)]
    pub amqp_url: Option<String>,
    /// The extension service's exchange (direct).
    #[arg(long, env = "STRATUS_AMQP_EXCHANGE", default_value = "vcdext")]
    pub amqp_exchange: String,
    /// The bridge's queue.
    #[arg(long, env = "STRATUS_AMQP_QUEUE", default_value = "stratus")]
    pub amqp_queue: String,
    /// The extension service's routing key.
    #[arg(long, env = "STRATUS_AMQP_ROUTING_KEY", default_value = "stratus")]
    pub amqp_routing_key: String,
    /// Requests the bridge runs at once.
    #[arg(long, env = "STRATUS_AMQP_CONCURRENCY", default_value_t = BridgeConfig::DEFAULT_CONCURRENCY)]
    pub amqp_concurrency: usize,
    /// `urn:vcloud:org:<uuid>=<org name>`: an org known without asking vCD (repeat the flag, or
    /// comma-separate); the System org's name is `System`. Other orgs are looked up in vCD.
    #[arg(long, env = "STRATUS_AMQP_ORGS", value_delimiter = ',')]
    pub amqp_org: Vec<String>,
    /// Exchange for rejected messages (those without a reply address).
    #[arg(long, env = "STRATUS_AMQP_DEAD_LETTER_EXCHANGE")]
    pub amqp_dead_letter_exchange: Option<String>,
}

/// Starts the bridge when `--amqp-url` is given. Orgs come from `--amqp-org`, then from vCD
/// when Stratus has a service account there (found names cached; an unknown org, answered 403,
/// is asked again next time). Replies are kept in `store` for every replica.
pub fn start(
    router: Router,
    store: Store,
    args: &AmqpArgs,
    vcd: Option<&vcd_client::VcdEndpoint>,
) -> Result<Option<Bridge>, String> {
    let Some(url) = &args.amqp_url else { return Ok(None) };
    let fixed = StaticOrgs::parse(&args.amqp_org).map_err(|e| format!("--amqp-org {e}"))?;
    let orgs = VcdOrgs::directory(fixed, vcd)?.missing_ttl(Duration::ZERO);
    if orgs.is_empty() {
        return Err("--amqp-url needs --vcd-url (to name each caller's org) or --amqp-org urn=name".into());
    }
    let orgs: Arc<dyn OrgDirectory> = Arc::new(orgs);
    let mut config = BridgeConfig::new(url, &args.amqp_exchange, &args.amqp_queue, &args.amqp_routing_key);
    config.concurrency = args.amqp_concurrency;
    config.dead_letter_exchange.clone_from(&args.amqp_dead_letter_exchange);
    tracing::info!(exchange = %config.exchange, queue = %config.queue, "starting the AMQP bridge");
    Ok(Some(Bridge::spawn(config, router, orgs, store)))
}

/// Where the bridge consumes, and how much it takes on at once.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// `amqp://user:password@host:5672/%2f`.
    pub url: String,
    /// The direct exchange vCD's extension service publishes to (declared durable if missing).
    pub exchange: String,
    /// The bridge's queue (durable, so requests survive a bridge restart).
    pub queue: String,
    /// The extension service's routing key, bound from `exchange` to `queue`.
    pub routing_key: String,
    /// Requests run at once (also the consumer's prefetch).
    pub concurrency: usize,
    /// Shown by the broker (`rabbitmqctl list_connections name client_properties`).
    pub connection_name: String,
    /// Rejected messages (no reply address) go here when set (`x-dead-letter-exchange`).
    pub dead_letter_exchange: Option<String>,
    /// How long a reply is kept (in the database, for every replica) to answer a redelivery of
    /// its request.
    pub replay_window: Duration,
}

impl BridgeConfig {
    pub const DEFAULT_CONCURRENCY: usize = 32;

    pub fn new(url: &str, exchange: &str, queue: &str, routing_key: &str) -> Self {
        Self {
            url: url.to_owned(),
            exchange: exchange.to_owned(),
            queue: queue.to_owned(),
            routing_key: routing_key.to_owned(),
            concurrency: Self::DEFAULT_CONCURRENCY,
            connection_name: format!("stratus-amqp-bridge:{queue}"),
            dead_letter_exchange: None,
            replay_window: Duration::from_secs(300),
        }
    }
}

/// A running bridge; it reconnects by itself until [`Bridge::shutdown`].
pub struct Bridge {
    stop: watch::Sender<bool>,
    sessions: watch::Receiver<u64>,
    task: JoinHandle<()>,
    pruning: JoinHandle<()>,
    shared: Arc<Shared>,
}

/// What every session shares: the Router, the reply memory and the concurrency limit.
struct Shared {
    config: BridgeConfig,
    dispatcher: Dispatcher,
    replies: Replies,
    permits: Arc<Semaphore>,
    counters: Counters,
}

/// Since the bridge started.
#[derive(Debug, Default)]
struct Counters {
    /// Deliveries the broker marked as redelivered (their first delivery was never acked).
    redelivered: AtomicU64,
    /// Requests answered with a reply remembered from an earlier delivery instead of running.
    replayed: AtomicU64,
}

/// A snapshot of what the bridge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeStats {
    /// Times the bridge connected and started consuming.
    pub sessions: u64,
    pub redelivered: u64,
    pub replayed: u64,
}

impl Bridge {
    /// Starts consuming in the background, keeping replies in `store` (shared by every bridge
    /// on that database) and pruning the old ones.
    pub fn spawn(config: BridgeConfig, router: Router, orgs: Arc<dyn OrgDirectory>, store: Store) -> Bridge {
        let concurrency = config.concurrency.clamp(1, usize::from(u16::MAX));
        let stored = AmqpReplies::new(store, config.replay_window);
        let pruning = stored.spawn_pruning();
        let shared = Arc::new(Shared {
            replies: Replies::new(stored, config.replay_window, 100_000),
            config: BridgeConfig { concurrency, ..config },
            dispatcher: Dispatcher::new(router, orgs),
            permits: Arc::new(Semaphore::new(concurrency)),
            counters: Counters::default(),
        });
        let (stop, stop_rx) = watch::channel(false);
        let (sessions_tx, sessions) = watch::channel(0);
        let shared_view = shared.clone();
        let task = tokio::spawn(session::run(shared, stop_rx, sessions_tx));
        Bridge { stop, sessions, task, pruning, shared: shared_view }
    }

    pub fn stats(&self) -> BridgeStats {
        BridgeStats {
            sessions: self.sessions(),
            redelivered: self.shared.counters.redelivered.load(Ordering::Relaxed),
            replayed: self.shared.counters.replayed.load(Ordering::Relaxed),
        }
    }

    /// How many times the bridge has connected and started consuming.
    pub fn sessions(&self) -> u64 {
        *self.sessions.borrow()
    }

    /// Waits until the bridge has started consuming `n` times in all (1: the first connection).
    pub async fn wait_sessions(&mut self, n: u64) {
        let _ = self.sessions.wait_for(|count| *count >= n).await;
    }

    /// Stops taking requests, lets running ones reply (up to 10 s), then disconnects.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.pruning.abort();
        if let Err(err) = self.task.await {
            tracing::error!(%err, "the AMQP bridge task failed");
        }
    }
}
