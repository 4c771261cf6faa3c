//! Rate cards: the provider's prices (`org_name` '') and per-org overrides, each effective from
//! a day on.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// One price entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RateRow {
    pub rate_id: String,
    /// `None` for the provider's card, else the org it overrides prices for.
    pub org: Option<String>,
    pub service: String,
    pub unit: String,
    /// Billionths of a currency unit per unit of quantity.
    pub unit_price_nanos: i64,
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub effective_from: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "rate_id, org_name, service, unit, unit_price_nanos, currency, effective_from, created_at, updated_at";

fn rate(row: &AnyRow) -> Result<RateRow, sqlx::Error> {
    let org: String = row.try_get("org_name")?;
    Ok(RateRow {
        rate_id: row.try_get("rate_id")?,
        org: (!org.is_empty()).then_some(org),
        service: row.try_get("service")?,
        unit: row.try_get("unit")?,
        unit_price_nanos: row.try_get("unit_price_nanos")?,
        currency: row.try_get("currency")?,
        effective_from: row.try_get("effective_from")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// The provider's entries (`org` `None`) or one org's overrides.
    pub(crate) async fn list_rates(&self, org: Option<&str>) -> Result<Vec<RateRow>, sqlx::Error> {
        card(self.pool(), org).await
    }

    /// The provider's entries and every override (what pricing needs).
    pub(crate) async fn all_rates(&self) -> Result<Vec<RateRow>, sqlx::Error> {
        let sql = format!("select {COLUMNS} from rate_card order by org_name, service, unit, effective_from");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await?;
        rows.iter().map(rate).collect()
    }

    pub(crate) async fn find_rate(&self, rate_id: &str) -> Result<Option<RateRow>, sqlx::Error> {
        let sql = format!("select {COLUMNS} from rate_card where rate_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(rate_id).fetch_optional(self.pool()).await?;
        row.as_ref().map(rate).transpose()
    }

    /// Inserts an entry; a unique violation (`rate_card_key`) means the key exists.
    pub(crate) async fn insert_rate(&self, r: &RateRow) -> Result<(), sqlx::Error> {
        insert_rate(self.pool(), r).await
    }

    /// Replaces an entry's fields (not its org); `false` when there is no such entry.
    pub(crate) async fn update_rate(&self, r: &RateRow) -> Result<bool, sqlx::Error> {
        update_rate(self.pool(), r).await
    }

    pub(crate) async fn delete_rate(&self, rate_id: &str) -> Result<bool, sqlx::Error> {
        delete_rate(self.pool(), rate_id).await
    }
}

/// The entries of one card: the provider's (`org` `None`) or an org's overrides.
pub(super) async fn card<'c>(exec: impl sqlx::AnyExecutor<'c>, org: Option<&str>) -> Result<Vec<RateRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from rate_card where org_name = $1 order by service, unit, effective_from");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.unwrap_or("")).fetch_all(exec).await?;
    rows.iter().map(rate).collect()
}

pub(super) async fn insert_rate<'c>(exec: impl sqlx::AnyExecutor<'c>, r: &RateRow) -> Result<(), sqlx::Error> {
    let sql = format!("insert into rate_card ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&r.rate_id)
        .bind(r.org.as_deref().unwrap_or(""))
        .bind(&r.service)
        .bind(&r.unit)
        .bind(r.unit_price_nanos)
        .bind(&r.currency)
        .bind(&r.effective_from)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(exec)
        .await
        .map(|_| ())
}

pub(super) async fn update_rate<'c>(exec: impl sqlx::AnyExecutor<'c>, r: &RateRow) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update rate_card set service = $2, unit = $3, unit_price_nanos = $4, currency = $5, \
         effective_from = $6, updated_at = $7 where rate_id = $1",
    )
    .bind(&r.rate_id)
    .bind(&r.service)
    .bind(&r.unit)
    .bind(r.unit_price_nanos)
    .bind(&r.currency)
    .bind(&r.effective_from)
    .bind(r.updated_at)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn delete_rate<'c>(exec: impl sqlx::AnyExecutor<'c>, rate_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from rate_card where rate_id = $1").bind(rate_id).execute(exec).await?;
    Ok(done.rows_affected() == 1)
}

/// What a card looked like, to tell whether it changed since: its entry count and the newest
/// `updated_at` (an insert or delete changes the count, an update the time).
pub fn card_stamp(entries: &[RateRow]) -> String {
    format!("{}@{}", entries.len(), entries.iter().map(|r| r.updated_at).max().unwrap_or(0))
}
