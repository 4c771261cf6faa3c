//! Several `stratus serve` processes on one database behave as one service. Each replica
//! registers itself with a heartbeat (dead after [`MISSED_BEATS`] missed beats: its leased work
//! is taken over, and concurrency caps are shared among the live ones), and hears the others'
//! cache invalidations through [`Coherence`].

mod coherence;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

pub use coherence::{Coherence, Invalidation};

use crate::Store;
use crate::dates::now_millis;

/// Beats a replica may miss before the others treat it as dead.
pub const MISSED_BEATS: u32 = 5;

/// This replica, as the others see it. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    id: String,
    heartbeat: Duration,
    /// Live replicas, this one included, as of the last beat.
    live: AtomicU32,
    draining: AtomicBool,
    /// When the last beat succeeded (epoch ms).
    last_beat: AtomicI64,
    /// Unregistered: the heartbeat stops (it goes on while draining, so that the work this
    /// replica still finishes is not taken over).
    left: AtomicBool,
    coherence: Arc<Coherence>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Cluster {
    /// This process as a replica on `store`, beating every `heartbeat` once [`Cluster::start`]ed.
    pub fn new(store: Store, heartbeat: Duration) -> Self {
        let heartbeat = heartbeat.max(Duration::from_millis(10));
        let coherence = Arc::new(Coherence::new(store.clone(), heartbeat));
        let id = crate::ids::new_id("rep");
        let inner = Inner {
            store,
            id,
            heartbeat,
            live: AtomicU32::new(1),
            draining: AtomicBool::new(false),
            last_beat: AtomicI64::new(0),
            left: AtomicBool::new(false),
            coherence,
        };
        Self { inner: Arc::new(inner) }
    }

    /// The replica id (`rep_…`): it owns the leases this process takes.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    pub fn coherence(&self) -> &Arc<Coherence> {
        &self.inner.coherence
    }

    /// The oldest heartbeat (epoch ms) of a replica that still counts as alive at `now`.
    pub fn alive_since(&self, now: i64) -> i64 {
        now - millis(self.inner.heartbeat) * i64::from(MISSED_BEATS)
    }

    /// Live replicas as of the last beat (at least 1: this one).
    pub fn live_replicas(&self) -> u32 {
        self.inner.live.load(Ordering::Relaxed).max(1)
    }

    /// This replica's share of a service-wide cap: `ceil(cap / live replicas)`, at least 1. The
    /// whole service may run up to `live - 1` calls over the cap (the shares round up) and, for
    /// one heartbeat after a replica joins or dies, the old shares.
    pub fn share(&self, cap: u32) -> u32 {
        cap.div_ceil(self.live_replicas()).max(1)
    }

    /// Registers the replica and starts its heartbeat and, on PostgreSQL, its listener for the
    /// other replicas' invalidations. The heartbeat has a thread, a runtime and a database
    /// connection of its own: a replica busy with calls (or waiting for its pool) must not look
    /// dead to the others, who would take its work over.
    pub async fn start(&self) -> Result<(), sqlx::Error> {
        self.beat(&self.inner.store).await?;
        let this = self.clone();
        let spawned = std::thread::Builder::new().name("stratus-heartbeat".into()).spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(this.beat_loop()),
                Err(err) => tracing::error!(%err, "the heartbeat could not start its runtime"),
            }
        });
        spawned.map_err(|err| sqlx::Error::Io(std::io::Error::other(err)))?;
        Coherence::spawn_listener(&self.inner.coherence, self.inner.id.clone());
        Ok(())
    }

    async fn beat_loop(self) {
        let mut store = None;
        let mut interval = tokio::time::interval(self.inner.heartbeat);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !self.inner.left.load(Ordering::Relaxed) {
            interval.tick().await;
            if store.is_none() {
                match self.inner.store.dedicated().await {
                    Ok(own) => store = Some(own),
                    Err(err) => tracing::warn!(%err, "the heartbeat could not connect to the database"),
                }
            }
            let Some(own) = &store else { continue };
            if self.inner.left.load(Ordering::Relaxed) {
                break;
            }
            if let Err(err) = self.beat(own).await {
                tracing::warn!(%err, "replica heartbeat failed");
            }
        }
        if let Some(own) = store {
            own.close().await;
        }
    }

    /// One beat on `store` (the heartbeat's own connection, or the pool at registration).
    async fn beat(&self, store: &Store) -> Result<(), sqlx::Error> {
        let now = now_millis();
        store.beat(&self.inner.id, now).await?;
        self.inner.last_beat.store(now, Ordering::Relaxed);
        // A replica gone for an hour is forgotten (its leases were taken over long ago).
        let live = store.live_replicas(self.alive_since(now), now - 3_600_000).await?;
        self.inner.live.store(u32::try_from(live).unwrap_or(u32::MAX).max(1), Ordering::Relaxed);
        let coherence = &self.inner.coherence;
        coherence.ping(store, &self.inner.id).await;
        coherence.check_epoch(store).await
    }

    /// Whether this replica's last successful beat is more than two beats old: the others may
    /// soon count it dead, so it should not take more work.
    pub fn is_late(&self) -> bool {
        let beat = i64::try_from(self.inner.heartbeat.as_millis()).unwrap_or(i64::MAX);
        now_millis() - self.inner.last_beat.load(Ordering::Relaxed) > beat.saturating_mul(2)
    }

    /// The replica is stopping: `/readyz` fails, queue consumers stop taking work.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Relaxed);
    }

    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Relaxed)
    }

    /// Removes the replica's registration (its last step when it stops): what it still leased
    /// may be taken over at once.
    pub async fn leave(&self) {
        self.inner.left.store(true, Ordering::Relaxed);
        if let Err(err) = self.inner.store.remove_replica(&self.inner.id).await {
            tracing::warn!(%err, "could not unregister the replica");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn caps_are_shared_among_live_replicas_and_dead_ones_drop_out() {
        let (_dir, store) = crate::store::temp_store().await;
        let cluster = Cluster::new(store.clone(), Duration::from_millis(100));
        cluster.beat(&store).await.unwrap();
        assert_eq!((cluster.live_replicas(), cluster.share(5)), (1, 5));
        let now = now_millis();
        store.beat("rep_other", now).await.unwrap();
        store.beat("rep_third", now).await.unwrap();
        cluster.beat(&store).await.unwrap();
        assert_eq!((cluster.live_replicas(), cluster.share(5), cluster.share(1)), (3, 2, 1));
        // Five missed beats (500 ms) later the other two are dead.
        store.beat("rep_other", now - 600).await.unwrap();
        store.beat("rep_third", now - 600).await.unwrap();
        cluster.beat(&store).await.unwrap();
        assert_eq!(cluster.live_replicas(), 1);
        assert!(cluster.coherence().is_live(), "SQLite: one process, always coherent");
        cluster.leave().await;
    }
}
