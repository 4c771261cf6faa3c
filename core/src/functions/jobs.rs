//! Async invocations (`Prefer: respond-async`) as durable work that any replica runs: the
//! accepted call is stored (its pending invocation and an `async_job` row) before the 202, a
//! [`JobQueue`] tells the replicas, and an attempt starts only by claiming the row. An attempt's
//! result and the job's new state are written in one transaction, only while the attempt still
//! holds the job, so the invocation shows one result. A failed attempt (a sandbox failure or an
//! HTTP 5xx answer) is retried with the delays of the retry policy and is dead after the last.
//! A replica that dies mid-attempt leaves the job leased to a dead owner: another replica
//! claims it once the owner has missed its heartbeats, and runs it again.

mod attempt;
mod queue;
mod workers;

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use api_types::{InvocationAccepted, InvocationStatus, InvocationTrigger, JobStatus, OrgLimits};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, Semaphore};

pub use queue::{DbQueue, JobQueue, QueueError, QueueFuture};

use super::calls::{CallError, GatewayRequest};
use super::events::RetryPolicy;
use super::service::Functions;
use crate::dates::now_millis;
use crate::store::JobRow;

/// How this replica runs async jobs.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    pub retry: RetryPolicy,
    /// How often the database consumer polls (it also wakes on every publish).
    pub tick: Duration,
    /// Attempts running at once in this replica.
    pub parallel: usize,
    /// The longest an attempt may hold a job even while its replica beats (a hung attempt).
    pub lease: Duration,
    /// How long done and dead jobs are kept.
    pub keep_finished: Duration,
    /// With a queue other than the database: a job due this long without being started is
    /// published again (its message was lost). Longer than a normal backlog's wait, so that
    /// the sweeper does not flood a busy queue with duplicates.
    pub overdue: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            tick: Duration::from_millis(500),
            parallel: 16,
            lease: Duration::from_secs(20 * 60),
            keep_finished: Duration::from_secs(24 * 3600),
            overdue: Duration::from_secs(60),
        }
    }
}

/// The request of an accepted call as stored in its job.
#[derive(Serialize, Deserialize)]
struct StoredRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body_base64: String,
}

impl From<&GatewayRequest> for StoredRequest {
    fn from(r: &GatewayRequest) -> Self {
        Self {
            method: r.method.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
            headers: r.headers.clone(),
            body_base64: STANDARD.encode(&r.body),
        }
    }
}

impl StoredRequest {
    fn into_request(self) -> Result<GatewayRequest, base64::DecodeError> {
        let body = STANDARD.decode(self.body_base64)?;
        Ok(GatewayRequest { method: self.method, path: self.path, query: self.query, headers: self.headers, body })
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The async-job service of this replica.
pub struct AsyncJobs {
    functions: Arc<Functions>,
    config: JobsConfig,
    queue: RwLock<Arc<dyn JobQueue>>,
    /// Wakes the database consumer.
    wake: Arc<Notify>,
    slots: Arc<Semaphore>,
    /// Attempts running now, and a signal when one ends (for a graceful stop).
    running: AtomicUsize,
    ended: Notify,
}

impl AsyncJobs {
    /// The service with the database queue; [`AsyncJobs::set_queue`] swaps in another engine.
    pub fn new(functions: Arc<Functions>, config: JobsConfig) -> Arc<Self> {
        let wake = Arc::new(Notify::new());
        let queue: Arc<dyn JobQueue> =
            Arc::new(DbQueue::new(Arc::clone(functions.cluster.coherence()), Arc::clone(&wake)));
        let slots = Arc::new(Semaphore::new(config.parallel.max(1)));
        Arc::new(Self {
            functions,
            config,
            queue: RwLock::new(queue),
            wake,
            slots,
            running: AtomicUsize::new(0),
            ended: Notify::new(),
        })
    }

    pub fn set_queue(&self, queue: Arc<dyn JobQueue>) {
        *self.queue.write().unwrap_or_else(std::sync::PoisonError::into_inner) = queue;
    }

    pub fn queue(&self) -> Arc<dyn JobQueue> {
        Arc::clone(&self.queue.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Attempts this replica may run at once (a RabbitMQ consumer's prefetch).
    pub fn parallel(&self) -> usize {
        self.config.parallel.max(1)
    }

    /// Accepts a call: stores it and announces it; returns where to poll for the result. The
    /// route must have a ready function now (`limits` as for [`Functions::call`]).
    pub async fn accept(
        &self,
        org: &str,
        limits: OrgLimits,
        route: &str,
        request: GatewayRequest,
    ) -> Result<InvocationAccepted, CallError> {
        let stored = serde_json::to_string(&StoredRequest::from(&request))
            .map_err(|err| CallError::Store(sqlx::Error::Encode(Box::new(err))))?;
        let prepared = self.functions.prepare(org, limits, route, request, InvocationTrigger::Async).await?;
        let now = now_millis();
        let mut invocation = prepared.row;
        invocation.status = InvocationStatus::Pending;
        invocation.attempts = 0;
        let job = JobRow {
            invocation_id: invocation.invocation_id.clone(),
            org: org.to_owned(),
            route: route.to_owned(),
            request_json: stored,
            status: JobStatus::Queued,
            next_attempt_at: now,
            created_at: now,
            ..JobRow::default()
        };
        self.functions.store.enqueue_job(&job, &invocation).await?;
        if let Err(err) = self.queue().publish(&job.invocation_id, Duration::ZERO).await {
            tracing::warn!(%err, id = %job.invocation_id, "could not queue an accepted job; the sweeper will");
        }
        Ok(InvocationAccepted {
            id: job.invocation_id.clone(),
            status: InvocationStatus::Pending,
            location: format!("/api/org/{org}/invocations/{}", job.invocation_id),
        })
    }

    fn owner(&self) -> &str {
        self.functions.cluster.id()
    }

    /// A queue handed this replica job `id`: runs an attempt if the job may start now. When it
    /// may not yet (not due, or a replica that may still be alive holds it), it is published
    /// again for when it may. Returns once the message may be acknowledged.
    pub async fn handle(self: &Arc<Self>, id: &str) -> Result<(), sqlx::Error> {
        let now = now_millis();
        let cluster = &self.functions.cluster;
        let lease_until = now + millis(self.config.lease);
        let store = &self.functions.store;
        if cluster.is_late() {
            // Its heartbeat is late: it may soon count as dead, so it takes no more work.
            if let Err(err) = self.queue().publish(id, Duration::from_secs(1)).await {
                tracing::warn!(%err, %id, "could not queue a job again; the sweeper will");
            }
            return Ok(());
        }
        if let Some(job) = store.claim_job(id, self.owner(), now, cluster.alive_since(now), lease_until).await? {
            self.attempt(job).await;
            return Ok(());
        }
        let Some(job) = store.get_job(id).await? else { return Ok(()) };
        let later = match job.status {
            JobStatus::Done | JobStatus::Dead => return Ok(()),
            JobStatus::Queued => Duration::from_millis(u64::try_from(job.next_attempt_at - now).unwrap_or(0)),
            // Look again when its owner would count as dead.
            JobStatus::Running => Duration::from_millis(u64::try_from(now - cluster.alive_since(now)).unwrap_or(0)),
        };
        if let Err(err) = self.queue().publish(id, later.max(Duration::from_millis(100))).await {
            tracing::warn!(%err, %id, "could not queue a job again; the sweeper will");
        }
        Ok(())
    }
}
