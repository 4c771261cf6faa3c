//! The import pipeline shared by files, the import endpoint and collectors: read items on a
//! blocking thread, validate them, and write good records in batch transactions.
//!
//! Without `skip_invalid` a first pass only validates; any bad row rejects the whole input and
//! nothing is written. The write pass (the only pass with `skip_invalid`) streams too, so memory
//! stays bounded by the batch size whatever the input's length. A crash in the middle of the
//! write pass leaves the batches written so far; importing again completes the job, since rows
//! are keyed by (source, org, date, service, resource).

use std::collections::HashSet;
use std::io;

use api_types::{ErrorDetail, ImportResult};
use tokio::sync::mpsc;

use crate::showback::rates::RateBook;
use crate::showback::records::{Checks, RawRow, check_name, validate};
use crate::store::{Store, UpsertCounts, UsageRecord};

/// Rows per write transaction.
pub const BATCH_ROWS: usize = 2_000;

/// Error details kept per import; bad rows beyond them are only counted.
pub const MAX_ERRORS: usize = 10_000;

/// One item of an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A row to validate, with its line (or record number).
    Row(u64, RawRow),
    /// A record that needs no validation (internal metering).
    Record(UsageRecord),
    /// An unreadable row: what is wrong with it.
    Bad(Vec<ErrorDetail>),
}

/// A fresh pass over an input.
pub type Items = Box<dyn Iterator<Item = io::Result<Item>> + Send>;

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Stored as each record's `source`.
    pub source: String,
    /// Write the good rows of an input that has bad ones.
    pub skip_invalid: bool,
}

/// Where an import stands, for progress bars.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Rows read in the current pass.
    pub rows: u64,
    /// `true` in the write pass.
    pub writing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bad rows (or an unusable header); nothing was written.
    #[error("{bad_rows} bad rows; nothing was imported")]
    Rejected { errors: Vec<ErrorDetail>, bad_rows: u64 },
    #[error("cannot read the input: {0}")]
    Io(#[from] io::Error),
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
}

/// Imports every item `open` yields (it is called once per pass).
pub async fn run<F>(
    store: &Store,
    open: F,
    options: &ImportOptions,
    rates: Option<&RateBook>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportResult, ImportError>
where
    F: Fn() -> Result<Items, ImportError>,
{
    if let Err(reason) = check_name(&options.source) {
        let errors = vec![ErrorDetail::field("source", reason)];
        return Err(ImportError::Rejected { errors, bad_rows: 0 });
    }
    let orgs: HashSet<String> = store.list_orgs().await?.into_iter().map(|o| o.name).collect();
    let checks = Checks { source: &options.source, orgs: &orgs, rates };
    if !options.skip_invalid {
        let checked = pass(None, open()?, &checks, progress).await?;
        if checked.bad_rows > 0 {
            return Err(ImportError::Rejected { errors: checked.errors, bad_rows: checked.bad_rows });
        }
    }
    let written = pass(Some(store), open()?, &checks, progress).await?;
    Ok(ImportResult {
        imported: written.counts.imported,
        replaced: written.counts.replaced,
        unchanged: written.counts.unchanged,
        skipped: written.bad_rows,
        errors: written.errors,
    })
}

#[derive(Default)]
struct PassOutcome {
    counts: UpsertCounts,
    bad_rows: u64,
    errors: Vec<ErrorDetail>,
}

impl PassOutcome {
    fn bad(&mut self, details: Vec<ErrorDetail>) {
        self.bad_rows += 1;
        let room = MAX_ERRORS.saturating_sub(self.errors.len());
        self.errors.extend(details.into_iter().take(room));
    }
}

/// Reads `items` on a blocking thread and validates them; writes when `store` is given.
async fn pass(
    store: Option<&Store>,
    items: Items,
    checks: &Checks<'_>,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<PassOutcome, ImportError> {
    const CHUNK: usize = 1_000;
    let (tx, mut rx) = mpsc::channel::<io::Result<Vec<Item>>>(4);
    let reader = tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(CHUNK);
        for item in items {
            match item {
                Ok(item) => chunk.push(item),
                Err(err) => {
                    let _ = tx.blocking_send(Err(err));
                    return;
                }
            }
            if chunk.len() == CHUNK && tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                return;
            }
        }
        if !chunk.is_empty() {
            let _ = tx.blocking_send(Ok(chunk));
        }
    });
    let mut out = PassOutcome::default();
    let mut batch: Vec<UsageRecord> = Vec::with_capacity(BATCH_ROWS);
    let mut rows = 0u64;
    while let Some(chunk) = rx.recv().await {
        for item in chunk? {
            rows += 1;
            let record = match item {
                Item::Row(line, raw) => match validate(&raw, line, checks) {
                    Ok(record) => record,
                    Err(details) => {
                        out.bad(details);
                        continue;
                    }
                },
                Item::Record(record) => record,
                Item::Bad(details) => {
                    out.bad(details);
                    continue;
                }
            };
            if let Some(store) = store {
                batch.push(record);
                if batch.len() >= BATCH_ROWS {
                    out.counts += store.upsert_usage(&batch).await?;
                    batch.clear();
                }
            }
        }
        progress(Progress { rows, writing: store.is_some() });
    }
    if let (Some(store), false) = (store, batch.is_empty()) {
        out.counts += store.upsert_usage(&batch).await?;
    }
    reader.await.map_err(|e| io::Error::other(format!("reader thread: {e}")))?;
    Ok(out)
}
