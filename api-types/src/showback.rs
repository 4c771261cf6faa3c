//! Cost reports.

use serde::{Deserialize, Serialize};

use crate::states::{CollectorKind, RunTrigger, state_names};

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
    /// More than 0, at most 2 decimals, no sign, exponent or thousands
    /// separators, at most 9223372036854.775807; surrounding whitespace is ignored.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:0*(?:[1-9][0-9]{0,11}|(?:[1-8][0-9]{12}|9(?:[01][0-9]{11}|2(?:[01][0-9]{10}|2(?:[0-2][0-9]{9}|3(?:[0-2][0-9]{8}|3(?:[0-6][0-9]{7}|7(?:[01][0-9]{6}|20(?:[0-2][0-9]{4}|3(?:[0-5][0-9]{3}|6(?:[0-7][0-9]{2}|8(?:[0-4][0-9]|5[0-3]))))))))))))(?:\.[0-9]{0,2})?|0*9223372036854(?:\.(?:[0-6][0-9]?|7[0-7]?)?)?|0*\.(?:[1-9][0-9]?|0[1-9]))[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
            example = "1500.00"
        )
    )]
    pub amount: String,
    /// Three upper-case letters, e.g. `EUR`.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 3, pattern = r"^[A-Z]{3}$", example = "EUR"))]
    pub currency: String,
    /// At most 10 distinct percentages from 1 to 1000; empty means 50, 80, 100.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::budget_thresholds))]
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

/// One month of an org's costs by service (`month` is `YYYY-MM`; the current month runs to today).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCosts {
    pub month: String,
    pub report: CostReport,
}

/// `GET /api/org/{org}/showback/overview`: the dashboard's first screen in one answer, the
/// current month's summary and the costs by service of the last months, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShowbackOverview {
    pub summary: ShowbackSummary,
    pub months: Vec<MonthCosts>,
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

/// Body of `POST`/`PUT` on rate entries. One entry per (card, `service`, `unit`,
/// `effective_from`): a second one is a conflict (409).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateInput {
    /// Not blank, at most 200 characters, no control characters; stored trimmed.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::record_name))]
    pub service: String,
    /// Not blank, at most 200 characters, no control characters; stored trimmed.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::record_name))]
    pub unit: String,
    /// Price of one `unit`: a non-negative decimal with at most 9 decimals, no sign, exponent or
    /// thousands separators, at most 9223372036.854775807; surrounding whitespace is ignored.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:0*(?:[0-9]{1,9}|(?:[1-8][0-9]{9}|9(?:[01][0-9]{8}|2(?:[01][0-9]{7}|2(?:[0-2][0-9]{6}|3(?:[0-2][0-9]{5}|3(?:[0-6][0-9]{4}|7(?:[01][0-9]{3}|20(?:[0-2][0-9]|3[0-5])))))))))(?:\.[0-9]{0,9})?|0*9223372036(?:\.(?:[0-7][0-9]{0,8}|8[0-4][0-9]{0,7}|85[0-3][0-9]{0,6}|854[0-6][0-9]{0,5}|8547[0-6][0-9]{0,4}|85477[0-4][0-9]{0,3}|854775[0-7][0-9]{0,2}|85477580[0-6]|8(?:5(?:4(?:7(?:7(?:5(?:8(?:0(?:7)?)?)?)?)?)?)?)?)?)?|\.[0-9]{1,9})[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
            example = "0.0000002"
        )
    )]
    pub unit_price: String,
    /// Three upper-case letters, e.g. `EUR`.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 3, pattern = r"^[A-Z]{3}$", example = "EUR"))]
    pub currency: String,
    /// `YYYY-MM-DD`, a valid calendar day.
    #[cfg_attr(feature = "openapi", schema(format = Date, example = "2026-01-01"))]
    pub effective_from: String,
}

/// Maps fields of each fetched record (JSON paths such as `usage.cost`) to usage fields; a
/// value starting with `=` is a constant (`"=EUR"`). Without `cost` the rate card prices rows.
/// Every field but `cost` must not be blank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMapping {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub date: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub org: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub service: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub resource: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub quantity: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub unit: String,
    #[serde(default)]
    pub cost: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub currency: String,
}

/// What an [`HttpSource`]'s `url` must match (the server checks it with this very pattern).
pub const SOURCE_URL_PATTERN: &str = r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?([/?#]\S*)?$";

/// Pulls JSON from an external billing API. `{from}` and `{to}` in `url` become the first and
/// last day of the window (today and `lookback_days` before it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HttpSource {
    /// An `http://` or `https://` URL with a host name or IPv4 address, an optional port and
    /// no spaces ([`SOURCE_URL_PATTERN`]).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?([/?#]\S*)?$",
            example = "https://billing.example.com/usage?from={from}&to={to}"
        )
    )]
    pub url: String,
    /// Header sent with every request, e.g. `Authorization`: a valid header name (1 to 65535 of
    /// the HTTP token characters: letters, digits and ``!#$%&'*+-.^_`|~``).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 65535, pattern = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
    )]
    pub auth_header: Option<String>,
    /// Its value; shown as `********` once stored (send that back to keep it). No control
    /// characters but tab.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[^\x00-\x08\x0A-\x1F\x7F]*$"))]
    pub auth_value: Option<String>,
    /// Path of the array of records in the response; empty when the response is the array.
    #[serde(default)]
    pub records_path: String,
    #[serde(deserialize_with = "crate::object")]
    pub fields: FieldMapping,
    /// Days before today the window starts (0 to 400).
    #[serde(default = "default_lookback")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 400, default = 3))]
    pub lookback_days: u32,
    /// Store the good records when some are bad (the run is then `partial`).
    #[serde(default = "default_true")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub skip_invalid: bool,
}

/// Imports a CSV or JSON file on the server's disk (format by extension: `.json`, `.ndjson`,
/// `.jsonl`, else CSV).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileSource {
    /// Not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
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
    /// 0 to 400.
    #[serde(default = "default_lookback")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 400, default = 3))]
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

impl CollectorSource {
    /// Which source this is: the name of its `kind` tag.
    pub fn kind(&self) -> CollectorKind {
        match self {
            Self::Http(_) => CollectorKind::Http,
            Self::File(_) => CollectorKind::File,
            Self::Metering(_) => CollectorKind::Metering,
        }
    }
}

/// Body of `POST /api/provider/showback/collectors` and `PUT …/{id}`. `schedule` is
/// `every 15m` (s, m, h, d) or a five-field cron expression in UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectorInput {
    /// Not blank, at most 64 bytes (UTF-8), no control characters; unique (409 otherwise);
    /// stored trimmed.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\x9F\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$",
            example = "billing"
        )
    )]
    pub name: String,
    /// `every <n><unit>` (s, m, h, d; 10 seconds to 366 days) or a five-field cron expression.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::schedule))]
    pub schedule: String,
    #[serde(default = "default_true")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
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
    pub trigger: RunTrigger,
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
state_names!(RunStatus: "a collector run status" {
    Running = "running", Succeeded = "succeeded", Partial = "partial", Failed = "failed",
});
