//! Running one collector: take its lease, record the run, import, record the outcome.

use std::time::Duration;

use api_types::{CollectorSource, ImportResult, RunStatus, RunTrigger};
use chrono::NaiveDate;

use crate::dates::now_millis;
use crate::ids::new_id;
use crate::showback::collectors::import::{self, ImportError, ImportOptions, Items};
use crate::showback::collectors::{Collectors, files, http_source, metering};
use crate::showback::rates::RateBook;
use crate::showback::schedule::Schedule;
use crate::store::{CollectorRow, RunRow};

/// Errors kept in a run record.
pub const RUN_ERRORS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no collector '{0}'")]
    NotFound(String),
    /// Another runner holds the collector's lease.
    #[error("collector '{0}' is running already")]
    Busy(String),
    /// A scheduled run found that another runner has done this slot's run.
    #[error("collector '{0}' is not due")]
    NotDue(String),
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
}

impl Collectors {
    /// Runs collector `id` now, unless another runner has it.
    pub async fn run(&self, id: &str, trigger: RunTrigger) -> Result<RunRow, RunError> {
        let collector = self.store.find_collector(id).await?.ok_or_else(|| RunError::NotFound(id.to_owned()))?;
        let lease = format!("collector:{id}");
        let ttl = i64::try_from(self.lease_ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let now = now_millis();
        if !self.store.acquire_lease(&lease, &self.holder, now, now + ttl).await? {
            return Err(RunError::Busy(id.to_owned()));
        }
        let result = self.run_leased(&collector, trigger, now).await;
        if let Err(err) = self.store.release_lease(&lease, &self.holder).await {
            tracing::warn!(%err, collector = id, "could not release the collector lease; it will expire");
        }
        result
    }

    async fn run_leased(&self, c: &CollectorRow, trigger: RunTrigger, now: i64) -> Result<RunRow, RunError> {
        if trigger == RunTrigger::Schedule && self.next_run_at(c).await?.is_none_or(|due| due > now) {
            return Err(RunError::NotDue(c.collector_id.clone()));
        }
        self.store.fail_interrupted_runs(&c.collector_id, now).await?;
        let mut run = RunRow {
            run_id: new_id("run"),
            collector_id: c.collector_id.clone(),
            trigger,
            status: RunStatus::Running,
            started_at: now,
            finished_at: None,
            imported: 0,
            replaced: 0,
            unchanged: 0,
            skipped: 0,
            errors: Vec::new(),
            message: None,
        };
        self.store.save_run(&run).await?;
        let renewer = self.renew_lease(format!("collector:{}", c.collector_id));
        let outcome = self.execute(c).await;
        renewer.abort();
        run.finished_at = Some(now_millis());
        let errors = match outcome {
            Ok(result) => {
                run.status = if result.skipped > 0 { RunStatus::Partial } else { RunStatus::Succeeded };
                (run.imported, run.replaced, run.unchanged) =
                    (result.imported as i64, result.replaced as i64, result.unchanged as i64);
                run.skipped = result.skipped as i64;
                result.errors
            }
            Err(ImportError::Rejected { errors, bad_rows }) => {
                run.status = RunStatus::Failed;
                run.skipped = bad_rows as i64;
                run.message = Some(format!("{bad_rows} bad records; nothing was imported"));
                errors
            }
            Err(err) => {
                run.status = RunStatus::Failed;
                run.message = Some(err.to_string());
                Vec::new()
            }
        };
        run.errors = errors.into_iter().take(RUN_ERRORS).collect();
        self.store.save_run(&run).await?;
        tracing::info!(collector = %c.name, status = %run.status, imported = run.imported,
            replaced = run.replaced, skipped = run.skipped, "showback collector run");
        Ok(run)
    }

    /// When the scheduler should next start `c`: after its latest run (or its creation).
    pub async fn next_run_at(&self, c: &CollectorRow) -> Result<Option<i64>, sqlx::Error> {
        let Ok(schedule) = Schedule::parse(&c.schedule) else { return Ok(None) };
        let last = self.store.list_runs(&c.collector_id, 1).await?.first().map_or(c.created_at, |r| r.started_at);
        Ok(schedule.next_after(last))
    }

    fn renew_lease(&self, lease: String) -> tokio::task::JoinHandle<()> {
        let (store, holder, ttl) = (self.store.clone(), self.holder.clone(), self.lease_ttl);
        tokio::spawn(async move {
            let every = (ttl / 3).max(Duration::from_millis(50));
            loop {
                tokio::time::sleep(every).await;
                let now = now_millis();
                let until = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
                match store.acquire_lease(&lease, &holder, now, until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(%lease, "lost a collector lease while running"),
                    Err(err) => tracing::warn!(%err, %lease, "could not renew a collector lease"),
                }
            }
        })
    }

    /// Imports what the collector's source yields.
    async fn execute(&self, c: &CollectorRow) -> Result<ImportResult, ImportError> {
        let today = chrono::Utc::now().date_naive();
        let rates = RateBook::new(self.store.all_rates().await?);
        let nothing = |_: import::Progress| {};
        match &c.source {
            CollectorSource::File(file) => {
                let path = std::path::PathBuf::from(&file.path);
                let format = files::Format::from_path(&path);
                let options = ImportOptions { source: c.name.clone(), skip_invalid: file.skip_invalid };
                let count = std::sync::Arc::default();
                let open = || files::open_path(&path, format, std::sync::Arc::clone(&count));
                import::run(&self.store, open, &options, None, &nothing).await
            }
            CollectorSource::Http(http) => {
                let items = http_source::fetch(&self.client, http, today).await.map_err(std::io::Error::other)?;
                let options = ImportOptions { source: c.name.clone(), skip_invalid: http.skip_invalid };
                let open = || Ok(Box::new(items.clone().into_iter().map(Ok)) as Items);
                import::run(&self.store, open, &options, Some(&rates), &nothing).await
            }
            CollectorSource::Metering(m) => {
                let from = self.metering_start(c, today, m.lookback_days).await?;
                let items = metering::meter(&self.store, &rates, from, today).await?;
                let options = ImportOptions { source: metering::SOURCE.into(), skip_invalid: true };
                let open = || Ok(Box::new(items.clone().into_iter().map(Ok)) as Items);
                import::run(&self.store, open, &options, None, &nothing).await
            }
        }
    }

    /// The first day to meter: `lookback_days` ago, or the first invocation's day (at most 400
    /// days back) until a metering run has finished.
    async fn metering_start(
        &self,
        c: &CollectorRow,
        today: NaiveDate,
        lookback: u32,
    ) -> Result<NaiveDate, sqlx::Error> {
        let recent = today - chrono::Duration::days(i64::from(lookback));
        let runs = self.store.list_runs(&c.collector_id, 20).await?;
        if runs.iter().any(|r| imported(r.status)) {
            return Ok(recent);
        }
        let first = self.store.first_invocation_at().await?.and_then(chrono::DateTime::from_timestamp_millis);
        let floor = today - chrono::Duration::days(400);
        Ok(first.map_or(recent, |t| t.date_naive().max(floor).min(recent)))
    }
}

/// Whether a run with this status stored what its source yielded (all of it, or the good part).
fn imported(status: RunStatus) -> bool {
    match status {
        RunStatus::Succeeded | RunStatus::Partial => true,
        RunStatus::Running | RunStatus::Failed => false,
    }
}
