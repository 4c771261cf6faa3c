//! Cost reports.

use serde::{Deserialize, Serialize};

/// How `GET …/showback/costs` groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CostGroupBy {
    #[default]
    Service,
    Resource,
    Day,
    Month,
}

/// Query of `GET …/showback/costs`: `from` and `to` are `YYYY-MM-DD`, `to` inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CostQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub group_by: Option<CostGroupBy>,
}

/// `{currency, from, to, total, groups}` with every amount a decimal string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostReport {
    pub currency: String,
    pub from: String,
    pub to: String,
    pub total: String,
    pub groups: Vec<CostGroup>,
}

/// One group of a cost report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostGroup {
    pub key: String,
    pub cost: String,
}

/// `POST /api/provider/showback/import` and `stratus showback import`: what happened, row by
/// row. A re-import of the same data is all `unchanged`; `skipped` counts bad rows left out
/// with `skip_invalid`, each described in `errors` with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// Rows whose (source, org, date, service, resource) was new.
    pub imported: u64,
    /// Rows that changed an existing record's quantity, unit, cost or currency.
    pub replaced: u64,
    /// Rows identical to the stored record.
    pub unchanged: u64,
    /// Bad rows left out (only with `skip_invalid`).
    pub skipped: u64,
    pub errors: Vec<crate::ErrorDetail>,
}

/// How `projected` was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectionMethod {
    /// Month-to-date ÷ days elapsed × days in month.
    RunRate,
    /// Before day 3: month-to-date + last month's daily average × remaining days.
    LastMonthDailyAverage,
    /// The month is over: its actual cost.
    Actual,
}

/// Where spending stands against the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    Ok,
    /// A threshold below the budget has been reached.
    Warning,
    /// Month-to-date spending has reached the budget.
    Exceeded,
}

/// `GET`/`PUT /api/org/{org}/showback/budget`: a monthly budget, `amount` a decimal string,
/// `thresholds` percentages (default 50, 80, 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Budget {
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub thresholds: Vec<u32>,
}

/// The budget in a summary, with the month's standing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetStatus {
    pub amount: String,
    pub currency: String,
    pub thresholds: Vec<u32>,
    pub status: BudgetState,
    /// The highest threshold month-to-date spending has reached.
    pub threshold_crossed: Option<u32>,
    /// Month-to-date and projected spending in percent of `amount`, rounded down.
    pub spent_percent: u32,
    pub projected_percent: u32,
}

/// `GET /api/org/{org}/showback/summary?month=YYYY-MM`; amounts are decimal strings in
/// `currency` (the budget's, else the org's largest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShowbackSummary {
    pub org: String,
    pub month: String,
    pub currency: String,
    /// Days counted so far, today included (all days for a past month).
    pub days_elapsed: u32,
    pub days_in_month: u32,
    pub month_to_date: String,
    pub projected: String,
    pub projection_method: ProjectionMethod,
    /// The previous month's total.
    pub last_month: String,
    pub budget: Option<BudgetStatus>,
}

/// A rate card entry: `unit_price` per one `unit` of `service`, from `effective_from` on.
/// `org` is `null` on the provider's card and the org's name on an override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateEntry {
    pub id: String,
    pub org: Option<String>,
    pub service: String,
    pub unit: String,
    /// Decimal string with up to nine decimals, e.g. `"0.0000002"`.
    pub unit_price: String,
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    pub updated_at: String,
}

/// Body of `POST`/`PUT` on rate entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateInput {
    pub service: String,
    pub unit: String,
    pub unit_price: String,
    pub currency: String,
    pub effective_from: String,
}

/// Maps fields of each fetched record (JSON paths such as `usage.cost`) to usage fields; a
/// value starting with `=` is a constant (`"=EUR"`). Without `cost` the rate card prices rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMapping {
    pub date: String,
    pub org: String,
    pub service: String,
    pub resource: String,
    pub quantity: String,
    pub unit: String,
    #[serde(default)]
    pub cost: Option<String>,
    pub currency: String,
}

/// Pulls JSON from an external billing API. `{from}` and `{to}` in `url` become the first and
/// last day of the window (today and `lookback_days` before it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HttpSource {
    pub url: String,
    /// Header sent with every request, e.g. `Authorization`.
    #[serde(default)]
    pub auth_header: Option<String>,
    /// Its value; shown as `********` once stored (send that back to keep it).
    #[serde(default)]
    pub auth_value: Option<String>,
    /// Path of the array of records in the response; empty when the response is the array.
    #[serde(default)]
    pub records_path: String,
    pub fields: FieldMapping,
    #[serde(default = "default_lookback")]
    pub lookback_days: u32,
    /// Store the good records when some are bad (the run is then `partial`).
    #[serde(default = "default_true")]
    pub skip_invalid: bool,
}

/// Imports a CSV or JSON file on the server's disk (format by extension: `.json`, `.ndjson`,
/// `.jsonl`, else CSV).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileSource {
    pub path: String,
    #[serde(default)]
    pub skip_invalid: bool,
}

/// Turns function invocations of the last `lookback_days` days into records (source
/// `metering`, service `functions`, resource the function, unit `GB-second`, cost GB-seconds
/// and invocations priced by the rate card).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeteringSource {
    #[serde(default = "default_lookback")]
    pub lookback_days: u32,
}

fn default_lookback() -> u32 {
    3
}

fn default_true() -> bool {
    true
}

/// Where a collector's records come from; `kind` tells which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(
    not(target_arch = "wasm32"),
    expect(clippy::large_enum_variant, reason = "a wire type built once per request; boxing would burden its users")
)]
pub enum CollectorSource {
    Http(HttpSource),
    File(FileSource),
    Metering(MeteringSource),
}

/// Body of `POST /api/provider/showback/collectors` and `PUT …/{id}`. `schedule` is
/// `every 15m` (s, m, h, d) or a five-field cron expression in UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectorInput {
    pub name: String,
    pub schedule: String,
    #[serde(default = "default_true")]
    pub enabled: bool,
    pub source: CollectorSource,
}

/// A collector as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Collector {
    pub id: String,
    pub name: String,
    pub schedule: String,
    pub enabled: bool,
    pub source: CollectorSource,
    pub created_at: String,
    pub updated_at: String,
    /// When the scheduler will start it next (RFC 3339), when enabled.
    pub next_run_at: Option<String>,
    pub last_run: Option<CollectorRun>,
}

/// One run of a collector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectorRun {
    pub id: String,
    pub collector_id: String,
    /// `schedule` or `manual`.
    pub trigger: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub imported: u64,
    pub replaced: u64,
    pub unchanged: u64,
    pub skipped: u64,
    /// The first errors (at most 100).
    pub errors: Vec<crate::ErrorDetail>,
    pub message: Option<String>,
}

/// State of a collector run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Succeeded,
    /// Some records were bad and left out.
    Partial,
    Failed,
}
