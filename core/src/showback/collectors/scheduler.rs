//! The scheduler: on every tick, start each enabled collector whose next run time has come.

use std::sync::Arc;
use std::time::Duration;

use api_types::RunTrigger;

use crate::dates::now_millis;
use crate::showback::collectors::Collectors;
use crate::showback::collectors::runner::RunError;
use crate::store::RunRow;

impl Collectors {
    /// Starts every due collector, one after the other; returns the runs this runner did.
    pub async fn tick(&self) -> Result<Vec<RunRow>, sqlx::Error> {
        let mut runs = Vec::new();
        for c in self.store.list_collectors().await?.into_iter().filter(|c| c.enabled) {
            if self.next_run_at(&c).await?.is_none_or(|due| due > now_millis()) {
                continue;
            }
            match self.run(&c.collector_id, RunTrigger::Schedule).await {
                Ok(run) => runs.push(run),
                Err(RunError::Busy(_) | RunError::NotDue(_) | RunError::NotFound(_)) => {}
                Err(RunError::Store(err)) => return Err(err),
            }
        }
        Ok(runs)
    }

    /// Ticks every `every` until the process ends.
    pub fn spawn_scheduler(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        crate::periodic::every(every, "showback scheduler tick", move || {
            let me = self.clone();
            async move { me.tick().await.map(drop) }
        })
    }
}
