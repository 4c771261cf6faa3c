//! Usage and cost records, one per (source, org, day, service, resource).

use sqlx::Row as _;

use super::Store;

/// One day of one resource's use of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRecord {
    pub source: String,
    pub org: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub service: String,
    pub resource: String,
    pub quantity_micros: i64,
    pub unit: String,
    pub cost_micros: i64,
    pub currency: String,
}

/// A group of a cost query.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub key: String,
    pub cost_micros: i64,
    pub currency: String,
}

/// The SQL expression a cost query groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostKey {
    Service,
    Resource,
    Day,
    Month,
    Org,
}

impl CostKey {
    fn column(self) -> &'static str {
        match self {
            CostKey::Service => "service",
            CostKey::Resource => "resource",
            CostKey::Day => "day",
            CostKey::Month => "substr(day, 1, 7)",
            CostKey::Org => "org_name",
        }
    }
}

impl Store {
    /// Inserts or replaces records by their natural key, all in one transaction.
    pub async fn upsert_usage(&self, records: &[UsageRecord]) -> Result<(), sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        for r in records {
            sqlx::query(
                "insert into usage_record \
                 (source, org_name, day, service, resource, quantity_micros, unit, cost_micros, currency) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 on conflict (source, org_name, day, service, resource) do update set \
                 quantity_micros = excluded.quantity_micros, unit = excluded.unit, \
                 cost_micros = excluded.cost_micros, currency = excluded.currency",
            )
            .bind(&r.source)
            .bind(&r.org)
            .bind(&r.day)
            .bind(&r.service)
            .bind(&r.resource)
            .bind(r.quantity_micros)
            .bind(&r.unit)
            .bind(r.cost_micros)
            .bind(&r.currency)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Cost between `from` and `to` (inclusive days), grouped by `key`, for one org or all.
    pub async fn costs(
        &self,
        org: Option<&str>,
        from: &str,
        to: &str,
        key: CostKey,
    ) -> Result<Vec<CostRow>, sqlx::Error> {
        let column = key.column();
        let sql = format!(
            "select {column} as k, currency, cast(sum(cost_micros) as bigint) as cost \
             from usage_record where day >= $1 and day <= $2 and ($3 = '' or org_name = $3) \
             group by {column}, currency order by {column}, currency"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .bind(org.unwrap_or(""))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CostRow {
                    key: row.try_get("k")?,
                    currency: row.try_get("currency")?,
                    cost_micros: row.try_get::<Option<i64>, _>("cost")?.unwrap_or(0),
                })
            })
            .collect()
    }
}
