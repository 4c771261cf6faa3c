//! Releases: each apply of a content package into an org, written in the same transaction as
//! the function versions it makes.

use api_types::{PackageSigner, ReleaseElement};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::autoscale_rules::{insert_rule, update_rule};
use super::functions::{HEAD_COLUMNS, insert_version, route_owner};
use super::showback_budget::put_budget_if;
use super::{BudgetRow, RuleRow, Store, VersionRow, WriteError};

/// A release as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRow {
    /// `''` for a provider release.
    pub org: String,
    /// From 1 per org; assigned when written.
    pub number: i64,
    pub package_name: String,
    pub digest: String,
    pub signers: Vec<PackageSigner>,
    pub elements: Vec<ReleaseElement>,
    pub rollback_of: Option<i64>,
    pub created_at: i64,
}

/// One function version a release writes, serving as soon as the transaction commits.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportWrite {
    pub route: String,
    /// Ready and compiled; `version` is the function's next number (1 for a new function).
    pub row: VersionRow,
    /// The newest version the plan saw; `None`: the function did not exist.
    pub expected_latest: Option<i64>,
    /// The signer key that locks it from now on; `None`: not locked.
    pub locked_by: Option<String>,
    /// Earlier versions a new function arrives with (numbered before `row`), oldest first.
    pub history: Vec<VersionRow>,
}

/// Everything one release writes.
#[derive(Debug, Clone, Default)]
pub struct ReleaseWrites {
    pub functions: Vec<ImportWrite>,
    pub rules: Vec<RuleWrite>,
    pub budget: Option<BudgetWrite>,
}

/// The org's budget a release writes.
#[derive(Debug, Clone)]
pub struct BudgetWrite {
    pub row: BudgetRow,
    /// When the budget was last changed, as the plan saw it (`None`: the org had none).
    pub expected_updated_at: Option<i64>,
}

impl ReleaseWrites {
    /// How many elements it changes.
    pub fn len(&self) -> usize {
        self.functions.len() + self.rules.len() + usize::from(self.budget.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One autoscale rule a release writes.
#[derive(Debug, Clone)]
pub struct RuleWrite {
    pub row: RuleRow,
    /// `None`: a new rule; else when the rule was last changed, as the plan saw it.
    pub expected_updated_at: Option<i64>,
}

const RELEASE_COLUMNS: &str =
    "org_name, number, package_name, digest, signers_json, elements_json, rollback_of, created_at";

fn release(row: &AnyRow) -> Result<ReleaseRow, sqlx::Error> {
    Ok(ReleaseRow {
        org: row.try_get("org_name")?,
        number: row.try_get("number")?,
        package_name: row.try_get("package_name")?,
        digest: row.try_get("digest")?,
        signers: super::json(row, "signers_json")?,
        elements: super::json(row, "elements_json")?,
        rollback_of: row.try_get("rollback_of")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Writes every function version and rule of a release and the release itself in one
    /// transaction, each function's route switching with it; `Raced` when a function is not as the plan saw it.
    /// Returns the release's number.
    pub(crate) async fn write_release(&self, all: &ReleaseWrites, release: &ReleaseRow) -> Result<i64, WriteError> {
        let (writes, rules) = (&all.functions, &all.rules);
        let mut tx = self.begin_write().await?;
        if let Some(budget) = &all.budget
            && !put_budget_if(&mut tx, &budget.row, budget.expected_updated_at).await?
        {
            return Err(WriteError::Raced);
        }
        for rule in rules {
            let written = match rule.expected_updated_at {
                None => insert_rule(&mut *tx, &rule.row).await?,
                Some(expected) => update_rule(&mut *tx, &rule.row, Some(expected)).await? == Some(true),
            };
            if !written {
                return Err(WriteError::Raced);
            }
        }
        for write in writes {
            let v = &write.row;
            if let Some(owner) = route_owner(&mut tx, &v.org, &write.route).await?
                && owner != v.name
            {
                return Err(WriteError::RouteTaken(write.route.clone(), owner));
            }
            let written = match write.expected_latest {
                None => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "insert into tenant_function ({HEAD_COLUMNS}) values ($1, $2, 'javascript', $3, 'ready', $4, $4, $5, $5, $6)"
                )))
                .bind(&v.org)
                .bind(&v.name)
                .bind(&write.route)
                .bind(v.version)
                .bind(v.created_at)
                .bind(&write.locked_by)
                .execute(&mut *tx)
                .await,
                Some(expected) => sqlx::query(
                    "update tenant_function set latest_version = $1, active_version = $1, status = 'ready', \
                     route = $2, updated_at = $3, locked_by = $7 where org_name = $4 and name = $5 \
                     and latest_version = $6",
                )
                .bind(v.version)
                .bind(&write.route)
                .bind(v.created_at)
                .bind(&v.org)
                .bind(&v.name)
                .bind(expected)
                .bind(&write.locked_by)
                .execute(&mut *tx)
                .await,
            };
            match written {
                Err(e) if super::is_unique_violation(&e) => return Err(WriteError::Raced),
                Ok(done) if done.rows_affected() != 1 => return Err(WriteError::Raced),
                other => other?,
            };
            for earlier in &write.history {
                insert_version(&mut tx, earlier).await?;
            }
            insert_version(&mut tx, v).await?;
        }
        let next = insert_release(&mut tx, release).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// The org's releases (`''`: the provider's), newest first.
    pub(crate) async fn releases(&self, org: &str) -> Result<Vec<ReleaseRow>, sqlx::Error> {
        let table = release_table(org);
        let sql = format!("select {RELEASE_COLUMNS} from {table} where org_name = $1 order by number desc");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).fetch_all(self.pool()).await?;
        rows.iter().map(release).collect()
    }

    pub(crate) async fn release(&self, org: &str, number: i64) -> Result<Option<ReleaseRow>, sqlx::Error> {
        let table = release_table(org);
        let sql = format!("select {RELEASE_COLUMNS} from {table} where org_name = $1 and number = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(number).fetch_optional(self.pool()).await?;
        row.as_ref().map(release).transpose()
    }
}

/// Where a scope's releases are: an org's in `package_release`, the provider's (org `''`) in
/// `provider_release`.
fn release_table(org: &str) -> &'static str {
    if org.is_empty() { "provider_release" } else { "package_release" }
}

/// Numbers `release` (the next in its scope) and inserts it; `Raced` when another release of
/// the scope took the number first (PostgreSQL's read committed).
pub(super) async fn insert_release(conn: &mut sqlx::AnyConnection, release: &ReleaseRow) -> Result<i64, WriteError> {
    let table = release_table(&release.org);
    let next: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "select cast(coalesce(max(number), 0) + 1 as bigint) as n from {table} where org_name = $1"
    )))
    .bind(&release.org)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into {table} ({RELEASE_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&release.org)
    .bind(next)
    .bind(&release.package_name)
    .bind(&release.digest)
    .bind(super::to_json(&release.signers)?)
    .bind(super::to_json(&release.elements)?)
    .bind(release.rollback_of)
    .bind(release.created_at)
    .execute(&mut *conn)
    .await;
    match inserted {
        Err(e) if super::is_unique_violation(&e) => Err(WriteError::Raced),
        other => other.map(|_| next).map_err(WriteError::from),
    }
}

impl Store {
    /// This instance's age identity (secret form), made on first use: the first replica to
    /// ask writes it, every other reads the same row.
    pub(crate) async fn instance_age_identity(&self, fresh: &str, now: i64) -> Result<String, sqlx::Error> {
        sqlx::query(
            "insert into instance_key (id, age_identity, created_at) values (1, $1, $2) on conflict (id) do nothing",
        )
        .bind(fresh)
        .bind(now)
        .execute(self.pool())
        .await?;
        sqlx::query("select age_identity from instance_key where id = 1")
            .fetch_one(self.pool())
            .await?
            .try_get("age_identity")
    }
}
