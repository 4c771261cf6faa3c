//! Monthly budgets, one per org.

use sqlx::Row as _;

use super::Store;

/// An org's monthly budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRow {
    pub org: String,
    pub amount_micros: i64,
    pub currency: String,
    /// Percentages, ascending.
    pub thresholds: Vec<u32>,
    pub updated_at: i64,
}

/// The stored comma-separated thresholds (percentages); an empty text is none, anything
/// unreadable is a decode error.
fn parse_thresholds(text: &str) -> Result<Vec<u32>, sqlx::Error> {
    let decode =
        |err: std::num::ParseIntError| sqlx::Error::ColumnDecode { index: "thresholds".into(), source: Box::new(err) };
    text.split(',').filter(|t| !t.trim().is_empty()).map(|t| t.trim().parse().map_err(decode)).collect()
}

/// Creates or replaces an org's budget (also inside a package release's transaction).
pub(super) async fn put_budget<'c>(exec: impl sqlx::AnyExecutor<'c>, b: &BudgetRow) -> Result<(), sqlx::Error> {
    let thresholds: Vec<String> = b.thresholds.iter().map(u32::to_string).collect();
    sqlx::query(
        "insert into showback_budget (org_name, amount_micros, currency, thresholds, updated_at) \
         values ($1, $2, $3, $4, $5) on conflict (org_name) do update set \
         amount_micros = excluded.amount_micros, currency = excluded.currency, \
         thresholds = excluded.thresholds, updated_at = excluded.updated_at",
    )
    .bind(&b.org)
    .bind(b.amount_micros)
    .bind(&b.currency)
    .bind(thresholds.join(","))
    .bind(b.updated_at)
    .execute(exec)
    .await
    .map(|_| ())
}

/// Writes the org's budget only if it is as last seen (`None`: it had none); `false` if not.
pub(super) async fn put_budget_if(
    conn: &mut sqlx::AnyConnection,
    b: &BudgetRow,
    expected: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let thresholds: Vec<String> = b.thresholds.iter().map(u32::to_string).collect();
    let sql = match expected {
        None => {
            "insert into showback_budget (org_name, amount_micros, currency, thresholds, updated_at) \
                 values ($1, $2, $3, $4, $5) on conflict (org_name) do nothing"
        }
        Some(_) => {
            "update showback_budget set amount_micros = $2, currency = $3, thresholds = $4, updated_at = $5 \
                    where org_name = $1 and updated_at = $6"
        }
    };
    let mut query = sqlx::query(sql)
        .bind(&b.org)
        .bind(b.amount_micros)
        .bind(&b.currency)
        .bind(thresholds.join(","))
        .bind(b.updated_at);
    if let Some(expected) = expected {
        query = query.bind(expected);
    }
    Ok(query.execute(conn).await?.rows_affected() == 1)
}

impl Store {
    pub(crate) async fn find_budget(&self, org: &str) -> Result<Option<BudgetRow>, sqlx::Error> {
        let row = sqlx::query(
            "select org_name, amount_micros, currency, thresholds, updated_at from showback_budget where org_name = $1",
        )
        .bind(org)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let thresholds: String = row.try_get("thresholds")?;
        Ok(Some(BudgetRow {
            org: row.try_get("org_name")?,
            amount_micros: row.try_get("amount_micros")?,
            currency: row.try_get("currency")?,
            thresholds: parse_thresholds(&thresholds)?,
            updated_at: row.try_get("updated_at")?,
        }))
    }

    /// Creates or replaces the org's budget.
    pub(crate) async fn put_budget(&self, b: &BudgetRow) -> Result<(), sqlx::Error> {
        put_budget(self.pool(), b).await
    }

    pub(crate) async fn delete_budget(&self, org: &str) -> Result<bool, sqlx::Error> {
        let done =
            sqlx::query("delete from showback_budget where org_name = $1").bind(org).execute(self.pool()).await?;
        Ok(done.rows_affected() == 1)
    }
}
