//! This replica's consumer of `<queue>`: one connection at a time, each message handed to
//! [`AsyncJobs::handle`] and settled when it returns; reconnects with backoff until the replica
//! drains.

use std::sync::Arc;
use std::time::Duration;

use crate::host::backoff::Backoff;

use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
};
use lapin::types::FieldTable;
use tokio::task::JoinSet;

use super::{KIND, QueueNames, declare, open};
use stratus_core::cluster::Cluster;
use stratus_core::functions::jobs::AsyncJobs;

/// The first reconnect delay; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How often the consumer looks whether the replica drains.
const DRAIN_CHECK: Duration = Duration::from_millis(100);
/// The pause before a message that could not be handled (the database did not answer) goes
/// back to the queue, so that it does not spin.
const REQUEUE_PAUSE: Duration = Duration::from_secs(1);

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
    #[error("the broker cancelled the consumer (the queue was deleted?)")]
    Cancelled,
}

/// Starts the consumer in the background; it lives until `cluster` drains.
pub(super) fn spawn(url: String, names: QueueNames, jobs: Arc<AsyncJobs>, cluster: Cluster) {
    tokio::spawn(async move {
        // What `handle` publishes again must reach the broker, not the database queue that
        // `jobs` has until the caller installs this engine.
        while jobs.queue().kind() != KIND {
            if cluster.is_draining() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        run(&url, &names, &jobs, &cluster).await;
    });
}

async fn run(url: &str, names: &QueueNames, jobs: &Arc<AsyncJobs>, cluster: &Cluster) {
    let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
    loop {
        let mut consumed = false;
        let err = match session(url, names, jobs, cluster, &mut consumed).await {
            Ok(()) => return,
            Err(err) => err,
        };
        let delay = backoff.after(consumed);
        tracing::warn!(%err, retry_in_ms = delay.as_millis(), "async jobs consumer disconnected; reconnecting");
        let until = tokio::time::Instant::now() + delay;
        while tokio::time::Instant::now() < until {
            if cluster.is_draining() {
                return;
            }
            tokio::time::sleep_until(until.min(tokio::time::Instant::now() + DRAIN_CHECK)).await;
        }
    }
}

/// One connection: consume until it dies (an error) or the replica drains (`Ok`).
async fn session(
    url: &str,
    names: &QueueNames,
    jobs: &Arc<AsyncJobs>,
    cluster: &Cluster,
    consumed: &mut bool,
) -> Result<(), SessionError> {
    let connection = open(url, &format!("stratus-jobs-consumer:{}:{}", names.queue, cluster.id())).await?;
    let channel = connection.create_channel().await?;
    declare(&channel, names).await?;
    let prefetch = u16::try_from(jobs.parallel()).unwrap_or(u16::MAX);
    channel.basic_qos(prefetch, BasicQosOptions::default()).await?;
    let mut consumer = channel
        .basic_consume(names.queue.clone(), "".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    *consumed = true;
    tracing::info!(queue = %names.queue, prefetch, "consuming async jobs");
    let mut running = JoinSet::new();
    let mut drain_check = tokio::time::interval(DRAIN_CHECK);
    let ended = loop {
        tokio::select! {
            _ = drain_check.tick() => if cluster.is_draining() {
                break Ok(());
            },
            delivery = consumer.next() => match delivery {
                Some(Ok(delivery)) => {
                    running.spawn(settle(Arc::clone(jobs), cluster.clone(), delivery));
                }
                Some(Err(err)) => break Err(SessionError::Amqp(err)),
                None => break Err(SessionError::Cancelled),
            },
            Some(_) = running.join_next(), if !running.is_empty() => {}
        }
    };
    if ended.is_ok() {
        // Draining: no new work. What runs finishes and is acked (the replica's grace period
        // bounds it); held messages go back to the broker when the connection closes.
        let _ = channel.basic_cancel(consumer.tag(), BasicCancelOptions::default()).await;
        while running.join_next().await.is_some() {}
        tracing::info!(queue = %names.queue, "async jobs consumer stopped: the replica drains");
    } else {
        // The channel is gone: running attempts still finish and store their results; the
        // broker redelivers their messages, which then find the jobs finished.
        running.detach_all();
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), connection.close(200, "bye".into())).await;
    ended
}

/// The job id a message carries, if it is one.
fn job_id(body: &[u8]) -> Option<&str> {
    let id = std::str::from_utf8(body).ok()?;
    let plausible =
        !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
    plausible.then_some(id)
}

/// Hands one message to the jobs service and settles it: acked once handled, back to the
/// queue (after a pause) when the service could not look at the job.
async fn settle(jobs: Arc<AsyncJobs>, cluster: Cluster, delivery: Delivery) {
    let Some(id) = job_id(&delivery.data) else {
        tracing::warn!(bytes = delivery.data.len(), "a message on the jobs queue is no job id: dead-lettered");
        if let Err(err) = delivery.reject(BasicRejectOptions { requeue: false }).await {
            tracing::debug!(%err, "could not reject a message");
        }
        return;
    };
    let settled = match jobs.handle(id).await {
        Ok(()) => delivery.ack(BasicAckOptions::default()).await,
        Err(err) => {
            tracing::warn!(%err, invocation = %id, "could not look at an async job: back to the queue");
            if !cluster.is_draining() {
                tokio::time::sleep(REQUEUE_PAUSE).await;
            }
            delivery.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await
        }
    };
    if let Err(err) = settled {
        tracing::debug!(%err, invocation = %id, "could not settle a job message; the broker delivers it again");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plausible_ids_are_handled() {
        assert_eq!(job_id(b"inv_01HZX-abc"), Some("inv_01HZX-abc"));
        for bad in [&b""[..], b"inv 1", b"\xff\xfe", &[b'a'; 200]] {
            assert_eq!(job_id(bad), None, "{bad:?}");
        }
    }
}
