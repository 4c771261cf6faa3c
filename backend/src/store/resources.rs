//! Autoscale rules as listed by the UI.

use sqlx::Row as _;

use super::Store;

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
