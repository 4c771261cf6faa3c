//! Showback collectors: where usage records come from, and the scheduler that runs them.
//!
//! - [`import`]: the pipeline every source feeds (validate, batch, upsert); [`files`] reads CSV
//!   and JSON usage files for `stratus showback import`, the import endpoint and file collectors.
//!   The backend's `showback_cli` adds the progress bar of the command.
//! - [`http_source`]: pulls an external billing API; [`metering`]: Stratus' own usage.
//! - [`runner`]: runs one collector under a database lease and records the run; [`scheduler`]
//!   starts due collectors on every tick. Several replicas may tick at once: the lease lets one
//!   of them run a collector, and a run is due only if no run started in its current slot.
//! - [`rows`]: collectors and runs between their stored rows and the API's types.

pub mod csv;
pub mod files;
pub mod http_source;
pub mod import;
pub mod json;
pub mod metering;
pub mod rows;
pub mod runner;
pub mod scheduler;

use std::time::Duration;

use rand::RngCore as _;

use crate::store::Store;

/// Runs collectors; one per process, shared by the API and the scheduler.
#[derive(Debug, Clone)]
pub struct Collectors {
    store: Store,
    client: reqwest::Client,
    /// Identifies this process in leases.
    holder: String,
    lease_ttl: Duration,
}

impl Collectors {
    /// Collectors over `store`, with a random lease holder id.
    pub fn new(store: Store) -> Self {
        let mut id = [0u8; 8];
        rand::rng().fill_bytes(&mut id);
        Self::with_holder(store, &format!("{}-{}", std::process::id(), hex::encode(id)))
    }

    /// Collectors whose leases carry `holder`.
    pub fn with_holder(store: Store, holder: &str) -> Self {
        let client = reqwest::Client::builder().user_agent("stratus-showback").build().unwrap_or_default();
        Self { store, client, holder: holder.to_owned(), lease_ttl: Duration::from_secs(120) }
    }

    /// Changes how long a lease lasts without renewal (renewed every third of it).
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
