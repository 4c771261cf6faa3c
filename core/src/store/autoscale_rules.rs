//! Autoscale rules. The spec and its resolved targets are kept as JSON; the columns beside them
//! are what queries filter on.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::Store;

/// An autoscale rule as stored.
#[derive(Debug, Clone, Default)]
pub struct RuleRow {
    pub rule_id: String,
    pub org_name: String,
    pub name: String,
    pub spec_json: String,
    pub targets_json: String,
    pub vrops_resource: String,
    pub secret_hash: String,
    pub enabled: bool,
    pub current_vms: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "rule_id, org_name, name, spec_json, targets_json, vrops_resource, secret_hash, enabled, \
                       current_vms, created_at, updated_at";

/// Inserts a rule; `Ok(false)` when its name is taken in the org.
pub(super) async fn insert_rule<'c>(exec: impl sqlx::AnyExecutor<'c>, r: &RuleRow) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "insert into autoscale_rule ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(&r.rule_id)
    .bind(&r.org_name)
    .bind(&r.name)
    .bind(&r.spec_json)
    .bind(&r.targets_json)
    .bind(&r.vrops_resource)
    .bind(&r.secret_hash)
    .bind(i64::from(r.enabled))
    .bind(r.current_vms)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(exec)
    .await;
    match done {
        Ok(_) => Ok(true),
        Err(e) if super::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Replaces a rule's definition, only while it was last changed at `expected` when given:
/// `Some(false)` when the new name is taken by another rule, `None` when the rule changed since
/// (or is gone).
pub(super) async fn update_rule<'c>(
    exec: impl sqlx::AnyExecutor<'c>,
    r: &RuleRow,
    expected: Option<i64>,
) -> Result<Option<bool>, sqlx::Error> {
    let guard = if expected.is_some() { " and updated_at = $8" } else { "" };
    let sql = format!(
        "update autoscale_rule set name = $1, spec_json = $2, targets_json = $3, vrops_resource = $4, \
         enabled = $5, updated_at = $6 where rule_id = $7{guard}"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&r.name)
        .bind(&r.spec_json)
        .bind(&r.targets_json)
        .bind(&r.vrops_resource)
        .bind(i64::from(r.enabled))
        .bind(r.updated_at)
        .bind(&r.rule_id);
    if let Some(expected) = expected {
        query = query.bind(expected);
    }
    match query.execute(exec).await {
        Ok(done) if done.rows_affected() == 0 && expected.is_some() => Ok(None),
        Ok(_) => Ok(Some(true)),
        Err(e) if super::is_unique_violation(&e) => Ok(Some(false)),
        Err(e) => Err(e),
    }
}

fn rule_row(row: &AnyRow) -> Result<RuleRow, sqlx::Error> {
    Ok(RuleRow {
        rule_id: row.try_get("rule_id")?,
        org_name: row.try_get("org_name")?,
        name: row.try_get("name")?,
        spec_json: row.try_get("spec_json")?,
        targets_json: row.try_get("targets_json")?,
        vrops_resource: row.try_get("vrops_resource")?,
        secret_hash: row.try_get("secret_hash")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        current_vms: row.try_get("current_vms")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Inserts a rule; `false` when the org has a rule of that name already.
    pub(crate) async fn insert_rule(&self, r: &RuleRow) -> Result<bool, sqlx::Error> {
        insert_rule(self.pool(), r).await
    }

    /// Replaces a rule's definition; `Ok(false)` when the new name is taken by another rule.
    pub(crate) async fn update_rule(&self, r: &RuleRow) -> Result<bool, sqlx::Error> {
        update_rule(self.pool(), r, None).await.map(|updated| updated != Some(false))
    }

    pub(crate) async fn set_rule_secret(&self, rule_id: &str, secret_hash: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("update autoscale_rule set secret_hash = $1, updated_at = $2 where rule_id = $3")
            .bind(secret_hash)
            .bind(now)
            .bind(rule_id)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    pub(crate) async fn set_rule_vms(&self, rule_id: &str, vms: i64) -> Result<(), sqlx::Error> {
        sqlx::query("update autoscale_rule set current_vms = $1 where rule_id = $2")
            .bind(vms)
            .bind(rule_id)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    /// `true` when the rule existed.
    pub(crate) async fn delete_rule(&self, org: &str, rule_id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("delete from autoscale_rule where org_name = $1 and rule_id = $2")
            .bind(org)
            .bind(rule_id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The rule when it belongs to `org`.
    pub(crate) async fn find_rule(&self, org: &str, rule_id: &str) -> Result<Option<RuleRow>, sqlx::Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from autoscale_rule where org_name = $1 and rule_id = $2"
        )))
        .bind(org)
        .bind(rule_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(rule_row).transpose()
    }

    /// The rule whatever its org (for the webhook, which authenticates with the rule's secret).
    pub(crate) async fn rule_by_id(&self, rule_id: &str) -> Result<Option<RuleRow>, sqlx::Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("select {COLUMNS} from autoscale_rule where rule_id = $1")))
            .bind(rule_id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(rule_row).transpose()
    }

    pub(crate) async fn list_rules(&self, org: &str) -> Result<Vec<RuleRow>, sqlx::Error> {
        self.rules_where("org_name = $1 order by name", Some(org)).await
    }

    /// Rules whose alerts are raised on `resource` (lower-cased id or name), in every org.
    pub(crate) async fn rules_watching(&self, resource: &str) -> Result<Vec<RuleRow>, sqlx::Error> {
        self.rules_where("vrops_resource = $1 order by rule_id", Some(resource)).await
    }

    /// Every rule of every org (for metering).
    pub(crate) async fn all_rules(&self) -> Result<Vec<RuleRow>, sqlx::Error> {
        self.rules_where("1 = 1 order by rule_id", None).await
    }

    /// Every enabled rule (for the periodic evaluation).
    pub(crate) async fn enabled_rules(&self) -> Result<Vec<RuleRow>, sqlx::Error> {
        self.rules_where("enabled = 1 order by rule_id", None).await
    }

    /// Rules matching `condition` (a fixed SQL fragment; `$1` is `arg` when given).
    async fn rules_where(&self, condition: &'static str, arg: Option<&str>) -> Result<Vec<RuleRow>, sqlx::Error> {
        let sql = format!("select {COLUMNS} from autoscale_rule where {condition}");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(arg) = arg {
            query = query.bind(arg.to_owned());
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(rule_row).collect()
    }
}
