//! Background loops that run a tick at a fixed interval for as long as the process lives.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

/// Runs `tick` every `every` (a late tick delays the next ones rather than bunching them up);
/// a failed tick is logged as `what` and the loop goes on.
pub fn every<F, Fut, E>(every: Duration, what: &'static str, mut tick: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), E>> + Send,
    E: Display,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(err) = tick().await {
                tracing::warn!(%err, "{what} failed");
            }
        }
    })
}
