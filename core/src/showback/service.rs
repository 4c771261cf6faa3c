//! The showback service the HTTP handlers call: cost reports, the month's summary and overview,
//! budgets, the export and the import. Rate cards, collectors and chart data are in the
//! submodules; each method checks what it is given and answers with API types.

mod charts;
mod collectors;
mod rates;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use api_types::{Budget, CostGroup, CostReport, ErrorDetail, ImportResult, ShowbackOverview, ShowbackSummary};

pub use charts::{MonthTrend, ServicesByMonth, TopCosts};
pub(crate) use rates::to_row as rate_row;

use crate::dates::{format_day, now_millis};
use crate::money::format_cents;
use crate::showback::budget::check_budget;
use crate::showback::chart_data::reports_by_month;
use crate::showback::collectors::Collectors;
use crate::showback::collectors::files::{self, Format};
use crate::showback::collectors::import::{self, ImportError, ImportOptions, Progress};
use crate::showback::month::Month;
use crate::showback::records::{RawRow, format_exact};
use crate::showback::summary::{month_view, to_summary};
use crate::showback::{DEFAULT_CURRENCY, DayRange, currencies};
use crate::store::{BudgetRow, CostKey, CostRow, Store};

/// Why a showback request failed.
#[derive(Debug, thiserror::Error)]
pub enum ShowbackError {
    #[error("{0}")]
    NotFound(String),
    /// The fields at fault, each named.
    #[error("invalid showback request")]
    Invalid(Vec<ErrorDetail>),
    #[error("{0}")]
    Conflict(String),
    /// A usage file that cannot be imported: nothing was; `details` names each bad row.
    #[error("{message}")]
    Rejected { message: String, details: Vec<ErrorDetail> },
    /// The file to import could not be read.
    #[error("reading the import: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
}

impl From<ImportError> for ShowbackError {
    fn from(err: ImportError) -> Self {
        match err {
            ImportError::Rejected { errors, bad_rows } => {
                let message = if bad_rows == 0 {
                    "the file cannot be imported; nothing was imported".to_owned()
                } else {
                    format!("{bad_rows} bad rows; nothing was imported")
                };
                ShowbackError::Rejected { message, details: errors }
            }
            ImportError::Io(e) => ShowbackError::Io(e),
            ImportError::Store(e) => ShowbackError::Store(e),
        }
    }
}

type Result<T, E = ShowbackError> = std::result::Result<T, E>;

/// Showback over the store, with the collectors it runs; shared by the handlers in an `Arc`.
pub struct Showback {
    store: Store,
    collectors: Arc<Collectors>,
}

impl Showback {
    pub fn new(store: Store, collectors: Collectors) -> Self {
        Self { store, collectors: Arc::new(collectors) }
    }

    /// Starts the collector scheduler: every `every`, the due collectors run.
    pub fn spawn_scheduler(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        Arc::clone(&self.collectors).spawn_scheduler(every)
    }

    /// Costs over `range` grouped by `key`, for one org or (`None`) all of them, in `currency`
    /// (a code the caller has checked; default: the one with the largest total).
    pub async fn costs(
        &self,
        org: Option<&str>,
        range: DayRange,
        currency: Option<String>,
        key: CostKey,
    ) -> Result<CostReport> {
        let (from, to) = (format_day(range.from), format_day(range.to));
        let rows = self.store.costs(org, &from, &to, key).await?;
        let currency =
            currency.or_else(|| currencies(&rows).into_iter().next()).unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
        let rows: Vec<CostRow> = rows.into_iter().filter(|r| r.currency == currency).collect();
        let total: i64 = rows.iter().map(|r| r.cost_micros).sum();
        let groups = rows.into_iter().map(|r| CostGroup { key: r.key, cost: format_cents(r.cost_micros) }).collect();
        Ok(CostReport { currency, from, to, total: format_cents(total), groups })
    }

    /// The `n` orgs with the highest cost over `range`, most expensive first; `total` covers
    /// every org.
    pub async fn top_tenants(&self, range: DayRange, currency: Option<String>, n: usize) -> Result<CostReport> {
        let mut report = self.costs(None, range, currency, CostKey::Org).await?;
        let micros = |s: &str| crate::money::parse_decimal(s).unwrap_or(0);
        report.groups.sort_by(|a, b| micros(&b.cost).cmp(&micros(&a.cost)).then_with(|| a.key.cmp(&b.key)));
        report.groups.truncate(n);
        Ok(report)
    }

    /// The org's `month`: to date, projected, last month and the budget's standing.
    pub async fn summary(&self, org: &str, month: Month) -> Result<ShowbackSummary> {
        let view = month_view(&self.store, org, month, today()).await?;
        Ok(to_summary(org, &view))
    }

    /// The current month's summary and the org's costs by service for each of the last
    /// `months` months, the current one included.
    pub async fn overview(&self, org: &str, months: u32) -> Result<ShowbackOverview> {
        let today = today();
        let current = Month::of(today);
        let months = current.last_n(months);
        let (from, to) = (format_day(months[0].first_day()), format_day(today));
        let (view, rows) = tokio::try_join!(
            month_view(&self.store, org, current, today),
            self.store.costs_by_two_keys(Some(org), &from, &to, CostKey::Month, CostKey::Service),
        )?;
        Ok(ShowbackOverview { summary: to_summary(org, &view), months: reports_by_month(&rows, &months, today) })
    }

    /// The org's monthly budget.
    pub async fn budget(&self, org: &str) -> Result<Budget> {
        let budget = self.store.find_budget(org).await?.ok_or_else(|| no_budget(org))?;
        Ok(budget_dto(&budget))
    }

    /// Sets the org's monthly budget: `amount` > 0 with at most 2 decimals, a currency code,
    /// thresholds in percent.
    pub async fn put_budget(&self, org: &str, input: Budget) -> Result<Budget> {
        let (amount_micros, thresholds) = check_budget(&input).map_err(ShowbackError::Invalid)?;
        let row = BudgetRow {
            org: org.to_owned(),
            amount_micros,
            currency: input.currency,
            thresholds,
            updated_at: now_millis(),
        };
        self.store.put_budget(&row).await?;
        Ok(budget_dto(&row))
    }

    pub async fn delete_budget(&self, org: &str) -> Result<()> {
        if !self.store.delete_budget(org).await? {
            return Err(no_budget(org));
        }
        Ok(())
    }

    /// The org's usage records over `range` in the import format, exact decimals.
    pub async fn export(&self, org: &str, range: DayRange) -> Result<Vec<RawRow>> {
        let records = self.store.usage_records(org, &format_day(range.from), &format_day(range.to)).await?;
        let raw = |r: crate::store::UsageRecord| RawRow {
            date: r.day,
            org: r.org,
            service: r.service,
            resource: r.resource,
            quantity: format_exact(r.quantity_micros),
            unit: r.unit,
            cost: format_exact(r.cost_micros),
            currency: r.currency,
        };
        Ok(records.into_iter().map(raw).collect())
    }

    /// Imports the usage file at `path`, in two streaming passes (see [`import::run`]).
    pub async fn import(&self, path: &Path, format: Format, options: &ImportOptions) -> Result<ImportResult> {
        let count = Arc::default();
        let open = || files::open_path(path, format, Arc::clone(&count));
        Ok(import::run(&self.store, open, options, None, &|_: Progress| {}).await?)
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn no_budget(org: &str) -> ShowbackError {
    ShowbackError::NotFound(format!("org '{org}' has no budget"))
}

fn budget_dto(b: &BudgetRow) -> Budget {
    Budget { amount: format_cents(b.amount_micros), currency: b.currency.clone(), thresholds: b.thresholds.clone() }
}

#[cfg(test)]
mod tests;
