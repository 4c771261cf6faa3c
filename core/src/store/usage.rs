//! Usage and cost records, one per (source, org, day, service, resource). Every write adjusts
//! the monthly rollups (see `showback_rollup`) inside the same transaction.

use std::collections::HashMap;

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::showback_rollup::{MonthKey, write_rollups};
use super::showback_sql::Binds;
use super::{Backend, Store};

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

/// What an upsert did, row by row in input order: a new key is `imported`, a known key with
/// other values is `replaced`, a known key with the same values is `unchanged`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub imported: u64,
    pub replaced: u64,
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, other: Self) {
        self.imported += other.imported;
        self.replaced += other.replaced;
        self.unchanged += other.unchanged;
    }
}

/// Rows per statement. PostgreSQL gets fewer so that each message fits one loopback TCP
/// segment: sqlx leaves Nagle's algorithm on, and the tail of a larger message waits for a
/// delayed ACK (about 40 ms) before it is sent.
fn chunk_rows(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 500,
        Backend::Postgres => 100,
    }
}

type Key = (String, String, String, String, String);
type Values = (i64, String, i64, String);

fn key(r: &UsageRecord) -> Key {
    (r.source.clone(), r.org.clone(), r.day.clone(), r.service.clone(), r.resource.clone())
}

fn values(r: &UsageRecord) -> Values {
    (r.quantity_micros, r.unit.clone(), r.cost_micros, r.currency.clone())
}

impl Store {
    /// Inserts or replaces records by their natural key, all in one transaction, and adjusts the
    /// monthly rollup by the difference. Later rows win over earlier rows with the same key.
    pub(crate) async fn upsert_usage(&self, records: &[UsageRecord]) -> Result<UpsertCounts, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        // Taking the write lock first makes this transaction the only usage writer.
        sqlx::query("update usage_write_lock set generation = generation + 1 where lock_id = 1")
            .execute(&mut *tx)
            .await?;
        let mut counts = UpsertCounts::default();
        for chunk in records.chunks(chunk_rows(self.backend())) {
            let original = existing(&mut tx, self.backend(), chunk).await?;
            let mut current: HashMap<Key, Values> = original.clone();
            let mut touched: Vec<Key> = Vec::with_capacity(chunk.len());
            for r in chunk {
                let k = key(r);
                let v = values(r);
                match current.get(&k) {
                    None => counts.imported += 1,
                    Some(old) if *old == v => counts.unchanged += 1,
                    Some(_) => counts.replaced += 1,
                }
                touched.push(k.clone());
                current.insert(k, v);
            }
            touched.sort();
            touched.dedup();
            let changed: Vec<(&Key, &Values)> = touched
                .iter()
                .filter_map(|k| current.get_key_value(k))
                .filter(|(k, v)| original.get(*k) != Some(*v))
                .collect();
            write_records(&mut tx, self.backend(), &changed).await?;
            let mut deltas: HashMap<MonthKey, (i64, i64)> = HashMap::new();
            for (k, v) in &changed {
                if let Some(old) = original.get(*k) {
                    let d = deltas.entry(month_key(k, &old.3)).or_default();
                    d.0 -= old.2;
                    d.1 -= 1;
                }
                let d = deltas.entry(month_key(k, &v.3)).or_default();
                d.0 += v.2;
                d.1 += 1;
            }
            write_rollups(&mut tx, self.backend(), deltas).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// Appends records that are known to be new (benchmark and bulk-load data) without looking
    /// for existing keys, and leaves the rollups stale: call [`Store::rebuild_usage_rollup`].
    #[cfg(feature = "test-store")]
    pub(crate) async fn insert_usage_unchecked(&self, records: &[UsageRecord]) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        for chunk in records.chunks(chunk_rows(self.backend())) {
            let rows: Vec<(Key, Values)> = chunk.iter().map(|r| (key(r), values(r))).collect();
            let refs: Vec<(&Key, &Values)> = rows.iter().map(|(k, v)| (k, v)).collect();
            write_records(&mut tx, self.backend(), &refs).await?;
        }
        tx.commit().await
    }
}

fn month_key(k: &Key, currency: &str) -> MonthKey {
    [k.1.clone(), k.2.get(..7).unwrap_or(&k.2).to_owned(), k.3.clone(), k.4.clone(), currency.to_owned()]
}

async fn existing(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    chunk: &[UsageRecord],
) -> Result<HashMap<Key, Values>, sqlx::Error> {
    let mut binds = Binds::new(backend);
    let tuples: Vec<String> = chunk
        .iter()
        .map(|r| {
            let p: Vec<String> = [&r.source, &r.org, &r.day, &r.service, &r.resource]
                .into_iter()
                .map(|v| binds.text(v.clone()))
                .collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "select u.source, u.org_name, u.day, u.service, u.resource, u.quantity_micros, u.unit, u.cost_micros, \
         u.currency from usage_record u join (values {}) v on u.source = v.column1 and u.org_name = v.column2 \
         and u.day = v.column3 and u.service = v.column4 and u.resource = v.column5",
        tuples.join(", ")
    );
    let rows = binds.apply(sqlx::query(sqlx::AssertSqlSafe(sql))).fetch_all(&mut *tx).await?;
    rows.iter().map(existing_row).collect()
}

fn existing_row(row: &AnyRow) -> Result<(Key, Values), sqlx::Error> {
    Ok((
        (
            row.try_get("source")?,
            row.try_get("org_name")?,
            row.try_get("day")?,
            row.try_get("service")?,
            row.try_get("resource")?,
        ),
        (row.try_get("quantity_micros")?, row.try_get("unit")?, row.try_get("cost_micros")?, row.try_get("currency")?),
    ))
}

async fn write_records(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    rows: &[(&Key, &Values)],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut binds = Binds::new(backend);
    let tuples: Vec<String> = rows
        .iter()
        .map(|(k, v)| {
            let p = [
                binds.text(k.0.clone()),
                binds.text(k.1.clone()),
                binds.text(k.2.clone()),
                binds.text(k.3.clone()),
                binds.text(k.4.clone()),
                binds.int(v.0),
                binds.text(v.1.clone()),
                binds.int(v.2),
                binds.text(v.3.clone()),
            ];
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "insert into usage_record \
         (source, org_name, day, service, resource, quantity_micros, unit, cost_micros, currency) values {} \
         on conflict (source, org_name, day, service, resource) do update set \
         quantity_micros = excluded.quantity_micros, unit = excluded.unit, \
         cost_micros = excluded.cost_micros, currency = excluded.currency",
        tuples.join(", ")
    );
    binds.apply(sqlx::query(sqlx::AssertSqlSafe(sql))).execute(&mut *tx).await.map(|_| ())
}
