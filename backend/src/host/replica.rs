//! `stratus serve` as one replica among several on one database: its flags, and how it stops.
//!
//! On SIGTERM (or Ctrl-C) the replica drains: `/readyz` fails at once and queue consumers stop
//! taking work; the listener keeps accepting for the drain delay (a load balancer polling
//! `/readyz` stops sending), then closes and in-flight requests finish; running async jobs get
//! the rest of the grace period, then what is left is handed back to the other replicas.

use std::time::Duration;

use clap::Args;

use crate::config::Config;
use crate::state::AppState;
use stratus_core::functions::events::RetryPolicy;

/// How this process works as one replica among several.
#[derive(Args, Clone, Debug)]
pub struct ReplicaArgs {
    /// RabbitMQ URL for async invocations (competing consumers, retries through a delay queue,
    /// a dead-letter queue); without it they queue in the database.
    #[arg(long, env = "STRATUS_JOBS_AMQP_URL", hide_env_values = true)]
    pub jobs_amqp_url: Option<String>,
    /// The RabbitMQ queue of async invocations (`<name>.retry` and `<name>.dead` beside it).
    #[arg(long, env = "STRATUS_JOBS_QUEUE", default_value = "stratus.jobs")]
    pub jobs_queue: String,
    /// Delays between attempts of async invocations and event deliveries, in milliseconds:
    /// n delays give n retries.
    #[arg(long, env = "STRATUS_RETRY_DELAYS_MS", value_delimiter = ',', default_value = "10000,60000,300000")]
    pub retry_delays_ms: Vec<u64>,
    /// How often this replica announces it is alive; the others take its work over after five
    /// missed beats.
    #[arg(long, env = "STRATUS_HEARTBEAT_MS", default_value_t = 1000)]
    pub heartbeat_ms: u64,
    /// After SIGTERM, how long to keep accepting requests while `/readyz` fails (so that a load
    /// balancer stops sending) before the listener closes.
    #[arg(long, env = "STRATUS_DRAIN_DELAY_MS", default_value_t = 0)]
    pub drain_delay_ms: u64,
    /// After SIGTERM, how long in-flight requests and running jobs may take before the rest is
    /// handed back to the other replicas.
    #[arg(long, env = "STRATUS_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
}

impl ReplicaArgs {
    /// Sets the replica's part of `config`.
    pub fn apply(&self, config: &mut Config) {
        config.heartbeat = Duration::from_millis(self.heartbeat_ms.max(10));
        let delays = self.retry_delays_ms.iter().map(|ms| Duration::from_millis(*ms)).collect();
        config.jobs.retry = RetryPolicy { delays };
        config.jobs_amqp_url.clone_from(&self.jobs_amqp_url);
        config.jobs_queue.clone_from(&self.jobs_queue);
    }

    pub fn grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// Serves `router` on `listener` until the stop signal; then drains (the drain delay), closes
/// the listener and lets in-flight requests finish within the grace period.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    state: AppState,
    args: &ReplicaArgs,
) -> std::io::Result<()> {
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = {
        let stopping = stopping.clone();
        let drain_delay = Duration::from_millis(args.drain_delay_ms);
        async move {
            super::server::shutdown_signal().await;
            tracing::info!("stopping: draining");
            state.cluster.start_draining();
            tokio::time::sleep(drain_delay).await;
            stopping.notify_one();
        }
    };
    let server = super::server::serve(listener, router, signal);
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => return served,
        () = stopping.notified() => {}
    }
    match tokio::time::timeout(args.grace(), server).await {
        Ok(served) => served,
        Err(_) => {
            tracing::warn!("requests still running at the end of the grace period were cut");
            Ok(())
        }
    }
}

/// The last steps once the listener is closed: lets running jobs finish within `grace`, hands
/// back the rest, writes the invocation history still queued and leaves the cluster.
pub async fn finish(state: &AppState, grace: Duration) {
    state.cluster.start_draining();
    state.jobs.drain(grace).await;
    state.functions.flush_history().await;
    state.cluster.leave().await;
}
