//! Reads for internal metering (function invocations) and for the CSV export.

use sqlx::Row as _;

use super::{Store, UsageRecord};

/// One function's finished invocations on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeteredFunctionDay {
    pub org: String,
    pub function: String,
    /// Days since 1970-01-01 (UTC).
    pub epoch_day: i64,
    pub invocations: i64,
    /// Σ duration_us × memory_mb: GB-seconds × 1024 × 10⁶.
    pub mb_micros: i64,
}

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

impl Store {
    /// Finished invocations started in `[from_ms, to_ms)`, per org, function and UTC day, priced
    /// at the memory of the version that ran. Invocations of deleted orgs are left out.
    pub(crate) async fn meter_function_days(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<MeteredFunctionDay>, sqlx::Error> {
        let rows = sqlx::query(
            "select i.org_name, i.function_name, i.started_at / 86400000 as d, count(*) as n, \
             cast(sum(i.duration_us * coalesce(v.memory_mb, 128)) as bigint) as mbus \
             from invocation i join org o on o.org_name = i.org_name \
             left join function_version v on v.org_name = i.org_name and v.name = i.function_name \
             and v.version = i.version \
             where i.started_at >= $1 and i.started_at < $2 and i.duration_us is not null \
             group by i.org_name, i.function_name, i.started_at / 86400000 \
             order by i.org_name, i.function_name, d",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MeteredFunctionDay {
                    org: row.try_get("org_name")?,
                    function: row.try_get("function_name")?,
                    epoch_day: row.try_get("d")?,
                    invocations: row.try_get("n")?,
                    mb_micros: row.try_get::<Option<i64>, _>("mbus")?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// When the first invocation started (epoch ms), if any.
    pub(crate) async fn first_invocation_at(&self) -> Result<Option<i64>, sqlx::Error> {
        let row = sqlx::query("select min(started_at) as first from invocation").fetch_one(self.pool()).await?;
        row.try_get("first")
    }

    /// The org's records between two days (inclusive), ordered by day, service, resource, source.
    pub(crate) async fn usage_records(&self, org: &str, from: &str, to: &str) -> Result<Vec<UsageRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "select source, org_name, day, service, resource, quantity_micros, unit, cost_micros, currency \
             from usage_record where org_name = $1 and day >= $2 and day <= $3 \
             order by day, service, resource, source",
        )
        .bind(org)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UsageRecord {
                    source: row.try_get("source")?,
                    org: row.try_get("org_name")?,
                    day: row.try_get("day")?,
                    service: row.try_get("service")?,
                    resource: row.try_get("resource")?,
                    quantity_micros: row.try_get("quantity_micros")?,
                    unit: row.try_get("unit")?,
                    cost_micros: row.try_get("cost_micros")?,
                    currency: row.try_get("currency")?,
                })
            })
            .collect()
    }
}
