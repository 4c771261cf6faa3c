//! Rules that a content package brings: validated against the org's vCD before anything is
//! written, written by the release's transaction (`packages::apply`), their timeline told after.

use api_types::{EventKind, RuleSpec};

use super::AutoscaleError;
use super::convert;
use super::service::{Autoscale, normalize};
use crate::dates::now_millis;
use crate::store::RuleRow;

impl Autoscale {
    /// The org's rules as stored, oldest name first.
    pub async fn rule_rows(&self, org: &str) -> Result<Vec<RuleRow>, AutoscaleError> {
        let mut rows = self.store.list_rules(org).await?;
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(rows)
    }

    /// `spec` as the row it becomes, checked and resolved against vCD; nothing is written.
    /// `existing`: the rule it replaces (its id, secret, protected VMs and history stay).
    pub async fn prepare_import(
        &self,
        org: &str,
        mut spec: RuleSpec,
        existing: Option<&RuleRow>,
    ) -> Result<RuleRow, AutoscaleError> {
        if let Some(row) = existing {
            // Which VMs are protected is this instance's business, not the package's.
            spec.protected_vms = convert::spec(row)?.protected_vms;
        }
        let spec = normalize(spec);
        let targets = self.validate(org, &spec).await?;
        let now = now_millis();
        let mut row = match existing {
            Some(row) => row.clone(),
            None => RuleRow {
                rule_id: crate::ids::new_id("rule"),
                org_name: org.to_owned(),
                // A new rule's webhook secret is made here and shown to nobody: rotate it on
                // the rule's page to give vROps one.
                secret_hash: crate::tokens::mint().hash,
                created_at: now,
                ..RuleRow::default()
            },
        };
        convert::fill_row(&mut row, &spec, &targets, now);
        Ok(row)
    }

    /// After a release wrote `rows`: each rule's timeline says so (best effort, like every
    /// timeline entry).
    pub async fn imported(&self, rows: &[RuleRow], release: i64) {
        for row in rows {
            self.event(
                &row.rule_id,
                EventKind::Rule,
                format!("rule '{}' set by package release {release}", row.name),
                None,
                None,
            )
            .await;
        }
    }
}
