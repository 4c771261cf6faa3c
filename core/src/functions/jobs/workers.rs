//! The background side of [`AsyncJobs`]: the database consumer, the sweeper, and the stop.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::{AsyncJobs, millis};
use crate::dates::now_millis;

/// How often the sweeper looks.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

impl AsyncJobs {
    /// Starts this replica's background work: the database consumer when the queue is the
    /// database, otherwise the sweeper; and the pruning of finished jobs.
    pub fn spawn_workers(self: &Arc<Self>) -> Vec<JoinHandle<()>> {
        let mut handles = Vec::new();
        if self.queue().polls_database() {
            let this = Arc::clone(self);
            handles.push(tokio::spawn(async move { this.poll_loop().await }));
        } else {
            let this = Arc::clone(self);
            handles.push(tokio::spawn(async move { this.sweep_loop().await }));
        }
        let this = Arc::clone(self);
        handles.push(crate::periodic::every(Duration::from_secs(3600), "pruning finished jobs", move || {
            let this = Arc::clone(&this);
            async move {
                let before = now_millis() - millis(this.config.keep_finished);
                this.functions.store.prune_jobs(before).await.map(|_| ())
            }
        }));
        handles
    }

    async fn poll_loop(self: Arc<Self>) {
        while !self.functions.cluster.is_draining() {
            if let Err(err) = self.poll().await {
                tracing::warn!(%err, "could not look for due async jobs");
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.tick) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// Claims as many due jobs as there are free slots and starts their attempts; returns how
    /// many started.
    pub async fn poll(self: &Arc<Self>) -> Result<usize, sqlx::Error> {
        let free = self.slots.available_permits();
        let cluster = &self.functions.cluster;
        // A replica whose heartbeat is late may soon count as dead: it takes no more work.
        if free == 0 || cluster.is_draining() || cluster.is_late() {
            return Ok(0);
        }
        let now = now_millis();
        let lease_until = now + millis(self.config.lease);
        let limit = i64::try_from(free).unwrap_or(i64::MAX);
        let jobs = self
            .functions
            .store
            .claim_due_jobs(self.owner(), now, cluster.alive_since(now), lease_until, limit)
            .await?;
        let started = jobs.len();
        for job in jobs {
            let slot = Arc::clone(&self.slots).acquire_owned().await.expect("the slots are never closed");
            let this = Arc::clone(self);
            tokio::spawn(async move {
                this.attempt(job).await;
                drop(slot);
                this.wake.notify_one();
            });
        }
        Ok(started)
    }

    async fn sweep_loop(self: Arc<Self>) {
        while !self.functions.cluster.is_draining() {
            tokio::time::sleep(SWEEP_EVERY).await;
            if let Err(err) = self.sweep().await {
                tracing::warn!(%err, "could not look for overdue async jobs");
            }
        }
    }

    /// Announces again the jobs that may start and were due `overdue` ago; returns how many.
    pub async fn sweep(&self) -> Result<usize, sqlx::Error> {
        let now = now_millis();
        let stale = self.functions.cluster.alive_since(now);
        let due_before = now - millis(self.config.overdue);
        let overdue = self.functions.store.overdue_jobs(now, stale, due_before, 500).await?;
        let queue = self.queue();
        for id in &overdue {
            if let Err(err) = queue.publish(id, Duration::ZERO).await {
                tracing::warn!(%err, %id, "could not announce an overdue job");
                break;
            }
        }
        Ok(overdue.len())
    }

    /// Stops: no new attempts start here (the cluster is draining); waits up to `grace` for the
    /// running ones, then hands back what is left so that other replicas run it at once.
    pub async fn drain(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while self.running.load(Ordering::Acquire) > 0 {
            let ended = self.ended.notified();
            if self.running.load(Ordering::Acquire) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                break;
            }
        }
        let left = self.running.load(Ordering::Acquire);
        let released = match self.functions.store.release_jobs(self.owner(), now_millis()).await {
            Ok(ids) => ids,
            Err(err) => {
                tracing::warn!(%err, "could not hand back unfinished async jobs; they are taken over later");
                return;
            }
        };
        if !released.is_empty() {
            tracing::info!(jobs = released.len(), running = left, "handed unfinished async jobs back to the queue");
        }
        let queue = self.queue();
        for id in &released {
            if let Err(err) = queue.publish(id, Duration::ZERO).await {
                tracing::warn!(%err, %id, "could not announce a handed-back job; the sweeper will");
                break;
            }
        }
    }

    /// Attempts running in this replica now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }
}
