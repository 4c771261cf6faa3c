//! Collectors: where usage comes from and when, their runs, and running one now.

use api_types::{Collector, CollectorInput, CollectorRun, RunTrigger};

use super::{Result, Showback, ShowbackError};
use crate::dates::now_millis;
use crate::ids::new_id;
use crate::showback::collectors::rows;
use crate::showback::collectors::runner::RunError;
use crate::store::{CollectorRow, is_unique_violation};

impl Showback {
    /// Every collector with its last run.
    pub async fn collectors(&self) -> Result<Vec<Collector>> {
        let mut out = Vec::new();
        for row in self.store.list_collectors().await? {
            out.push(self.collector_dto(&row).await?);
        }
        Ok(out)
    }

    pub async fn collector(&self, id: &str) -> Result<Collector> {
        let row = self.find_collector(id).await?;
        self.collector_dto(&row).await
    }

    /// Creates a collector; the scheduler first starts it one interval (or at the first cron
    /// time) after now.
    pub async fn create_collector(&self, input: CollectorInput) -> Result<Collector> {
        check(&input)?;
        let now = now_millis();
        let row = CollectorRow {
            collector_id: new_id("col"),
            name: input.name.trim().to_owned(),
            kind: input.source.kind(),
            schedule: input.schedule.trim().to_owned(),
            enabled: input.enabled,
            source: rows::stored_source(&input, None),
            created_at: now,
            updated_at: now,
        };
        self.store.insert_collector(&row).await.map_err(taken)?;
        self.collector_dto(&row).await
    }

    /// Replaces a collector's definition; an `auth_value` of [`rows::MASK`] keeps the stored
    /// secret.
    pub async fn update_collector(&self, id: &str, input: CollectorInput) -> Result<Collector> {
        let old = self.find_collector(id).await?;
        check(&input)?;
        let row = CollectorRow {
            name: input.name.trim().to_owned(),
            kind: input.source.kind(),
            schedule: input.schedule.trim().to_owned(),
            enabled: input.enabled,
            source: rows::stored_source(&input, Some(&old)),
            updated_at: now_millis(),
            ..old
        };
        self.store.update_collector(&row).await.map_err(taken)?;
        self.collector_dto(&row).await
    }

    /// Deletes a collector and its runs (its records stay).
    pub async fn delete_collector(&self, id: &str) -> Result<()> {
        if !self.store.delete_collector(id).await? {
            return Err(no_collector(id));
        }
        Ok(())
    }

    /// Runs the collector now and answers with the finished run; a conflict while another run
    /// is going.
    pub async fn run_collector(&self, id: &str) -> Result<CollectorRun> {
        match self.collectors.run(id, RunTrigger::Manual).await {
            Ok(run) => Ok(rows::run(&run)),
            Err(RunError::NotFound(_)) => Err(no_collector(id)),
            Err(err @ (RunError::Busy(_) | RunError::NotDue(_))) => Err(ShowbackError::Conflict(err.to_string())),
            Err(RunError::Store(err)) => Err(err.into()),
        }
    }

    /// The collector's last `limit` runs, newest first.
    pub async fn runs(&self, id: &str, limit: i64) -> Result<Vec<CollectorRun>> {
        self.find_collector(id).await?;
        Ok(self.store.list_runs(id, limit).await?.iter().map(rows::run).collect())
    }

    async fn find_collector(&self, id: &str) -> Result<CollectorRow> {
        self.store.find_collector(id).await?.ok_or_else(|| no_collector(id))
    }

    async fn collector_dto(&self, row: &CollectorRow) -> Result<Collector> {
        let last = self.store.list_runs(&row.collector_id, 1).await?;
        let next = self.collectors.next_run_at(row).await?;
        Ok(rows::collector(row, last.first(), next))
    }
}

/// Checks a definition: its name, schedule and source, each problem named by its field.
fn check(input: &CollectorInput) -> Result<()> {
    let errors = rows::validate(input);
    if errors.is_empty() { Ok(()) } else { Err(ShowbackError::Invalid(errors)) }
}

fn no_collector(id: &str) -> ShowbackError {
    ShowbackError::NotFound(format!("no collector '{id}'"))
}

fn taken(err: sqlx::Error) -> ShowbackError {
    if is_unique_violation(&err) { ShowbackError::Conflict("a collector has this name".into()) } else { err.into() }
}
