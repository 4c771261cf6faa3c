//! Cache coherence across replicas: a write that changes what a call does is announced on the
//! PostgreSQL channel [`CHANNEL`] (`NOTIFY`), and every replica's listener applies it to its
//! caches. PostgreSQL rather than a RabbitMQ fanout: every replica has the database, RabbitMQ is
//! optional, and a `NOTIFY` is delivered only if the writer's statement committed.
//!
//! The listener also hears the replicas' heartbeat pings; when it has heard nothing for three
//! beats the channel is down and [`Coherence::is_live`] says so: caches then trust an entry only
//! for [`FALLBACK_TTL`] and `/readyz` reports `degraded`. Whenever the listener (re)connects it
//! clears every cache, since it may have missed announcements. On SQLite (one process) the
//! channel is this process alone, and always live.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::dates::now_millis;
use crate::store::Backend;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "stratus_invalidate";
/// How long a cached entry is trusted while the channel is down.
pub const FALLBACK_TTL: Duration = Duration::from_secs(1);

/// What changed. Each cache forgets what depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Invalidation {
    /// The org's limits (and so every route of it).
    Org { org: String },
    /// A function: its routes, versions and code.
    Function { org: String, name: String },
    /// What serves a route (a function took it or left it).
    Route { org: String, route: String },
    /// An API token, by hash (revoked).
    Token { hash: String },
    /// Anything: announcements may have been missed.
    Everything,
    /// Async jobs are due: a database-queue poller should look now.
    JobsDue,
    /// A replica's heartbeat: proves the channel works; changes nothing.
    Ping { replica: String },
}

type Handler = Box<dyn Fn(&Invalidation) + Send + Sync>;

/// The invalidation channel of this replica.
pub struct Coherence {
    store: Store,
    heartbeat: Duration,
    handlers: RwLock<Vec<Handler>>,
    /// When the listener last heard anything (epoch ms; 0 = never).
    last_heard: AtomicI64,
    /// Bumped by every applied invalidation: a cache fill that started before a bump must not
    /// store what it read (it may be older than the invalidation).
    generation: AtomicU64,
    /// The change epoch at the last heartbeat ([`NO_EPOCH`] before the first).
    epoch: AtomicI64,
}

const NO_EPOCH: i64 = i64::MIN;

impl Coherence {
    pub(super) fn new(store: Store, heartbeat: Duration) -> Self {
        Self {
            store,
            heartbeat,
            handlers: RwLock::default(),
            last_heard: AtomicI64::new(0),
            generation: AtomicU64::new(0),
            epoch: AtomicI64::new(NO_EPOCH),
        }
    }

    /// A channel for one process alone (tests and tools): publishing applies locally.
    pub fn local(store: Store) -> Arc<Self> {
        Arc::new(Self::new(store, Duration::from_secs(1)))
    }

    /// Registers a cache: `handler` is called with every invalidation, local or remote.
    pub fn subscribe(&self, handler: impl Fn(&Invalidation) + Send + Sync + 'static) {
        self.handlers.write().unwrap_or_else(std::sync::PoisonError::into_inner).push(Box::new(handler));
    }

    /// The current generation; see [`Coherence::unchanged_since`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Whether no invalidation was applied since `generation` was read: a value read from the
    /// database after that may be cached.
    pub fn unchanged_since(&self, generation: u64) -> bool {
        self.generation() == generation
    }

    /// Whether announcements from other replicas arrive (always on SQLite).
    pub fn is_live(&self) -> bool {
        if self.store.backend() == Backend::Sqlite {
            return true;
        }
        let window = i64::try_from(self.heartbeat.as_millis()).unwrap_or(i64::MAX).saturating_mul(3) + 1_000;
        now_millis() - self.last_heard.load(Ordering::Relaxed) <= window
    }

    /// How long a cache may trust an entry now: `normal`, or [`FALLBACK_TTL`] while the channel
    /// is down.
    pub fn trust(&self, normal: Duration) -> Duration {
        if self.is_live() { normal } else { normal.min(FALLBACK_TTL) }
    }

    /// Applies `change` here at once, then announces it to the other replicas. An announcement
    /// that fails is logged: the others then see the change within their TTL.
    pub async fn publish(&self, change: Invalidation) {
        self.apply(&change);
        self.announce(&change).await;
    }

    /// Tells the other replicas about `change` without applying it here.
    pub async fn announce(&self, change: &Invalidation) {
        Self::announce_from(&self.store, change).await;
    }

    /// Tells every replica on `store`'s database about `change`, from a process that is not
    /// one (a command). A failed announcement is logged.
    pub async fn announce_from(store: &Store, change: &Invalidation) {
        let Ok(payload) = serde_json::to_string(change) else { return };
        if let Err(err) = store.notify(CHANNEL, &payload).await {
            tracing::warn!(%err, "could not announce a change to the other replicas");
        }
    }

    /// Empties every cache when the change epoch moved since the last look (a write by another
    /// process, which SQLite cannot announce); the first look only notes it. Asks `store` (the
    /// heartbeat's connection).
    pub(super) async fn check_epoch(&self, store: &Store) -> Result<(), sqlx::Error> {
        let epoch = store.change_epoch().await?;
        let seen = self.epoch.swap(epoch, Ordering::AcqRel);
        if seen != NO_EPOCH && seen != epoch {
            self.apply(&Invalidation::Everything);
        }
        Ok(())
    }

    /// A heartbeat ping on `store` (the heartbeat's connection).
    pub(super) async fn ping(&self, store: &Store, replica: &str) {
        if store.backend() == Backend::Postgres {
            Self::announce_from(store, &Invalidation::Ping { replica: replica.to_owned() }).await;
        }
    }

    fn apply(&self, change: &Invalidation) {
        if matches!(change, Invalidation::Ping { .. }) {
            return;
        }
        if !matches!(change, Invalidation::JobsDue) {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        for handler in self.handlers.read().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
            handler(change);
        }
    }

    /// On PostgreSQL, listens on [`CHANNEL`] for as long as the process lives, reconnecting
    /// after a failure.
    pub(super) fn spawn_listener(this: &Arc<Self>, replica: String) {
        if this.store.backend() != Backend::Postgres {
            return;
        }
        let this = Arc::clone(this);
        tokio::spawn(async move {
            loop {
                if let Err(err) = this.listen(&replica).await {
                    tracing::warn!(%err, "the cache-coherence listener lost its connection; reconnecting");
                }
                tokio::time::sleep(this.heartbeat).await;
            }
        });
    }

    async fn listen(&self, replica: &str) -> Result<(), sqlx::Error> {
        let mut listener = self.store.listener().await?;
        listener.listen(CHANNEL).await?;
        // Whatever was announced while nobody listened is lost: start again from the database.
        self.apply(&Invalidation::Everything);
        self.last_heard.store(now_millis(), Ordering::Relaxed);
        tracing::debug!(%replica, "listening for other replicas' changes");
        while let Some(notification) = listener.try_recv().await? {
            self.last_heard.store(now_millis(), Ordering::Relaxed);
            match serde_json::from_str::<Invalidation>(notification.payload()) {
                Ok(change) => self.apply(&change),
                Err(err) => tracing::warn!(%err, "an unreadable change announcement was ignored"),
            }
        }
        Err(sqlx::Error::Protocol("the notification connection closed".into()))
    }
}
