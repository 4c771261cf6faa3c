//! Per-org resources listed by the UI: functions and autoscale rules.

use sqlx::Row as _;

use super::Store;

/// A function as listed.
#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub name: String,
    pub runtime: String,
    pub route: String,
    pub status: String,
    pub version: i64,
    pub updated_at: i64,
}

/// An autoscale rule as listed.
#[derive(Debug, Clone)]
pub struct RuleRow {
    pub rule_id: String,
    pub name: String,
    pub vapp: String,
    pub enabled: bool,
    pub current_vms: i64,
    pub min_vms: i64,
    pub max_vms: i64,
    pub last_action: Option<String>,
}

impl Store {
    pub async fn list_functions(&self, org: &str) -> Result<Vec<FunctionRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select name, runtime, route, status, version, updated_at from tenant_function \
             where org_name = $1 order by name",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(FunctionRow {
                    name: row.try_get("name")?,
                    runtime: row.try_get("runtime")?,
                    route: row.try_get("route")?,
                    status: row.try_get("status")?,
                    version: row.try_get("version")?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect()
    }

    pub async fn list_rules(&self, org: &str) -> Result<Vec<RuleRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select rule_id, name, vapp, enabled, current_vms, min_vms, max_vms, last_action \
             from autoscale_rule where org_name = $1 order by name",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RuleRow {
                    rule_id: row.try_get("rule_id")?,
                    name: row.try_get("name")?,
                    vapp: row.try_get("vapp")?,
                    enabled: row.try_get::<i64, _>("enabled")? != 0,
                    current_vms: row.try_get("current_vms")?,
                    min_vms: row.try_get("min_vms")?,
                    max_vms: row.try_get("max_vms")?,
                    last_action: row.try_get("last_action")?,
                })
            })
            .collect()
    }
}
