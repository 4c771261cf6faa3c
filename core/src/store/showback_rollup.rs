//! Monthly rollups of `usage_record`, kept in step by every usage write:
//! `usage_month` (org, month, service, resource, currency) for tenant reports,
//! `usage_org_month` (org, month, currency) and `usage_service_month` (month, service, currency)
//! so that provider-wide reports over hundreds of tenants read a few thousand rows.

use std::collections::HashMap;

#[cfg(feature = "test-store")]
use sqlx::Row as _;

use super::showback_sql::Binds;
use super::{Backend, Store};

/// A record's key in the finest rollup: org, month, service, resource, currency.
pub(crate) type MonthKey = [String; 5];

/// Column names of a [`MonthKey`], and how a record computes each.
const COLUMNS: [(&str, &str); 5] = [
    ("org_name", "org_name"),
    ("month", "substr(day, 1, 7)"),
    ("service", "service"),
    ("resource", "resource"),
    ("currency", "currency"),
];

/// One rollup table and which [`MonthKey`] columns it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rollup {
    pub table: &'static str,
    columns: &'static [usize],
}

pub(crate) const BY_RESOURCE: Rollup = Rollup { table: "usage_month", columns: &[0, 1, 2, 3, 4] };
pub(crate) const BY_ORG: Rollup = Rollup { table: "usage_org_month", columns: &[0, 1, 4] };
pub(crate) const BY_SERVICE: Rollup = Rollup { table: "usage_service_month", columns: &[1, 2, 4] };
const ROLLUPS: [Rollup; 3] = [BY_RESOURCE, BY_ORG, BY_SERVICE];

impl Rollup {
    fn names(self) -> Vec<&'static str> {
        self.columns.iter().map(|c| COLUMNS[*c].0).collect()
    }

    #[cfg(feature = "test-store")]
    fn exprs(self) -> Vec<&'static str> {
        self.columns.iter().map(|c| COLUMNS[*c].1).collect()
    }

    /// Whether this table has `column`.
    pub(crate) fn has(self, column: &str) -> bool {
        self.names().contains(&column)
    }
}

/// Adds `deltas` (cost, records) to every rollup.
pub(crate) async fn write_rollups(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    deltas: HashMap<MonthKey, (i64, i64)>,
) -> Result<(), sqlx::Error> {
    for rollup in ROLLUPS {
        let mut projected: HashMap<Vec<&str>, (i64, i64)> = HashMap::new();
        for (key, (cost, n)) in &deltas {
            let d = projected.entry(rollup.columns.iter().map(|c| key[*c].as_str()).collect()).or_default();
            d.0 += cost;
            d.1 += n;
        }
        let mut rows: Vec<_> = projected.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
        rows.sort();
        let shrinks = rows.iter().any(|(_, (_, n))| *n < 0);
        let names = rollup.names().join(", ");
        for chunk in rows.chunks(if backend == Backend::Postgres { 100 } else { 500 }) {
            let mut binds = Binds::new(backend);
            let tuples: Vec<String> = chunk
                .iter()
                .map(|(key, (cost, n))| {
                    let mut p: Vec<String> = key.iter().map(|k| binds.text(*k)).collect();
                    p.push(binds.int(*cost));
                    p.push(binds.int(*n));
                    format!("({})", p.join(", "))
                })
                .collect();
            let sql = format!(
                "insert into {table} ({names}, cost_micros, records) values {} on conflict ({names}) do update set \
                 cost_micros = {table}.cost_micros + excluded.cost_micros, records = {table}.records + excluded.records",
                tuples.join(", "),
                table = rollup.table
            );
            binds.apply(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut *tx).await?;
        }
        if shrinks {
            // A record that changed currency leaves an empty group behind.
            let sql = format!("delete from {} where records <= 0", rollup.table);
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
    }
    Ok(())
}

impl Store {
    /// Recomputes every rollup from the records (bulk loads in tests and benchmarks).
    #[cfg(feature = "test-store")]
    pub(crate) async fn rebuild_usage_rollup(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query("update usage_write_lock set generation = generation + 1 where lock_id = 1")
            .execute(&mut *tx)
            .await?;
        for rollup in ROLLUPS {
            let (names, exprs) = (rollup.names().join(", "), rollup.exprs().join(", "));
            let delete = format!("delete from {}", rollup.table);
            sqlx::query(sqlx::AssertSqlSafe(delete)).execute(&mut *tx).await?;
            let insert = format!(
                "insert into {} ({names}, cost_micros, records) select {exprs}, cast(sum(cost_micros) as bigint), \
                 count(*) from usage_record group by {exprs}",
                rollup.table
            );
            sqlx::query(sqlx::AssertSqlSafe(insert)).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Rollup rows that disagree with the records they sum (empty when all is well).
    #[cfg(feature = "test-store")]
    pub(crate) async fn usage_rollup_mismatches(&self) -> Result<Vec<String>, sqlx::Error> {
        let mut out = Vec::new();
        for rollup in ROLLUPS {
            let names = rollup.names();
            let select: Vec<String> = rollup.exprs().iter().zip(&names).map(|(e, n)| format!("{e} as {n}")).collect();
            let on: Vec<String> = names.iter().map(|n| format!("r.{n} = m.{n}")).collect();
            let sql = format!(
                "select coalesce(r.month, m.month) as mo, r.cost as rc, m.cost_micros as mc from \
                 (select {}, cast(sum(cost_micros) as bigint) as cost, count(*) as n from usage_record group by {}) r \
                 full outer join {} m on {} where r.cost is null or m.cost_micros is null \
                 or r.cost <> m.cost_micros or r.n <> m.records",
                select.join(", "),
                rollup.exprs().join(", "),
                rollup.table,
                on.join(" and ")
            );
            for row in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(self.pool()).await? {
                let month: String = row.try_get("mo")?;
                let raw: Option<i64> = row.try_get("rc")?;
                let rolled: Option<i64> = row.try_get("mc")?;
                out.push(format!("{} {month}: records {raw:?}, rollup {rolled:?}", rollup.table));
            }
        }
        Ok(out)
    }
}
