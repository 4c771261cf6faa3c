//! The autoscale service the HTTP handlers call: rules, their VMs, timelines and journals.

use std::sync::Arc;
use std::time::Duration;

use api_types::{
    ActionDetail, ActionSummary, AutoscaleEvent, AutoscaleRuleSummary, ErrorDetail, EventKind, Rule, RuleSpec, RuleVm,
    RuleWithSecret, VcdObject,
};

use super::convert;
use super::error::AutoscaleError;
use super::rules::{self, TargetError};
use super::vcd::{Inventory, VcdPort};
use crate::dates::now_millis;
use crate::store::{RuleRow, Store};
use crate::tokens;

/// Timings of the service; the defaults suit production, tests shorten them.
#[derive(Debug, Clone)]
pub struct AutoscaleConfig {
    /// Longest wait for one vCD task (a recompose copies a disk).
    pub task_timeout: Duration,
    /// A pushed sample older than this is stale.
    pub stale_after: Duration,
    /// An active alert not updated for this long no longer counts.
    pub alert_stale_after: Duration,
    /// How long a replica owns a rule's action before another may take it over.
    pub lease_ttl: Duration,
    /// Scale drains sleep this fraction of `drain_secs` (1.0 in production).
    pub drain_scale: f64,
}

impl Default for AutoscaleConfig {
    fn default() -> Self {
        Self {
            task_timeout: Duration::from_secs(15 * 60),
            stale_after: Duration::from_secs(10 * 60),
            alert_stale_after: Duration::from_secs(60 * 60),
            lease_ttl: Duration::from_secs(60),
            drain_scale: 1.0,
        }
    }
}

/// Cheap to share: the handlers and the background loop hold it in an `Arc`.
pub struct Autoscale {
    pub(super) store: Store,
    pub(super) vcd: Arc<dyn VcdPort>,
    pub(super) config: AutoscaleConfig,
    /// This replica's name in leases.
    pub(super) holder: String,
    /// Actions this process is driving now (the lease is per replica, this is per task).
    pub(super) driving: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Lets `&self` methods start background tasks that own the service.
    pub(super) me: std::sync::Weak<Autoscale>,
}

impl Autoscale {
    pub fn new(store: Store, vcd: Arc<dyn VcdPort>, config: AutoscaleConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            store,
            vcd,
            config,
            holder: crate::ids::new_id("replica"),
            driving: std::sync::Mutex::default(),
            me: me.clone(),
        })
    }

    pub async fn list(&self, org: &str) -> Result<Vec<AutoscaleRuleSummary>, AutoscaleError> {
        let mut out = Vec::new();
        for row in self.store.list_rules(org).await? {
            let last = self.store.list_actions(&row.rule_id, 1).await?;
            out.push(convert::summary(&row, last.first())?);
        }
        Ok(out)
    }

    pub async fn get(&self, org: &str, id: &str) -> Result<Rule, AutoscaleError> {
        let row = self.rule(org, id).await?;
        self.rule_dto(&row).await
    }

    pub async fn create(&self, org: &str, spec: RuleSpec) -> Result<RuleWithSecret, AutoscaleError> {
        let spec = normalize(spec);
        let targets = self.validate(org, &spec).await?;
        let secret = tokens::mint();
        let now = now_millis();
        let mut row = RuleRow {
            rule_id: crate::ids::new_id("rule"),
            org_name: org.to_owned(),
            secret_hash: secret.hash,
            created_at: now,
            ..RuleRow::default()
        };
        convert::fill_row(&mut row, &spec, &targets, now);
        if !self.store.insert_rule(&row).await? {
            return Err(name_taken(&spec.name));
        }
        // The group's size at creation starts the VM-count history.
        let vms = self.vcd.vms(&spec.vapp).await.ok().map(|v| u32::try_from(v.len()).unwrap_or_default());
        if let Some(n) = vms {
            self.store.set_rule_vms(&row.rule_id, i64::from(n)).await?;
            row.current_vms = Some(i64::from(n));
        }
        self.event(&row.rule_id, EventKind::Rule, format!("rule '{}' created", spec.name), None, vms).await;
        Ok(RuleWithSecret { rule: self.rule_dto(&row).await?, webhook_secret: secret.secret })
    }

    pub async fn update(&self, org: &str, id: &str, mut spec: RuleSpec) -> Result<Rule, AutoscaleError> {
        let mut row = self.rule(org, id).await?;
        if spec.name.trim().is_empty() {
            spec.name.clone_from(&row.name);
        }
        let spec = normalize(spec);
        let targets = self.validate(org, &spec).await?;
        convert::fill_row(&mut row, &spec, &targets, now_millis());
        if !self.store.update_rule(&row).await? {
            return Err(name_taken(&spec.name));
        }
        let state = if spec.enabled { "enabled" } else { "disabled" };
        self.event(&row.rule_id, EventKind::Rule, format!("rule '{}' changed ({state})", spec.name), None, None).await;
        self.rule_dto(&row).await
    }

    pub async fn delete(&self, org: &str, id: &str) -> Result<(), AutoscaleError> {
        let row = self.rule(org, id).await?;
        if let Some(action) = self.store.list_actions(&row.rule_id, 1).await?.first()
            && action.status.is_active()
        {
            return Err(AutoscaleError::Conflict(format!(
                "action {} is still running; wait for it to finish, or disable the rule first",
                action.action_id
            )));
        }
        self.store.delete_rule(org, id).await?;
        Ok(())
    }

    pub async fn rotate_secret(&self, org: &str, id: &str) -> Result<RuleWithSecret, AutoscaleError> {
        let row = self.rule(org, id).await?;
        let secret = tokens::mint();
        self.store.set_rule_secret(&row.rule_id, &secret.hash, now_millis()).await?;
        self.event(&row.rule_id, EventKind::Rule, "webhook secret rotated".into(), None, None).await;
        Ok(RuleWithSecret { rule: self.rule_dto(&row).await?, webhook_secret: secret.secret })
    }

    pub async fn events(&self, org: &str, id: &str, limit: i64) -> Result<Vec<AutoscaleEvent>, AutoscaleError> {
        let row = self.rule(org, id).await?;
        let events = self.store.list_events(&row.rule_id, limit.clamp(1, 1000)).await?;
        Ok(events.iter().map(convert::event).collect())
    }

    pub async fn actions(&self, org: &str, id: &str) -> Result<Vec<ActionSummary>, AutoscaleError> {
        let row = self.rule(org, id).await?;
        let actions = self.store.list_actions(&row.rule_id, 100).await?;
        Ok(actions.iter().map(convert::action).collect())
    }

    pub async fn action(&self, org: &str, id: &str, action_id: &str) -> Result<ActionDetail, AutoscaleError> {
        let row = self.rule(org, id).await?;
        let action = self
            .store
            .find_action(&row.rule_id, action_id)
            .await?
            .ok_or_else(|| AutoscaleError::NotFound(format!("rule {id} has no action '{action_id}'")))?;
        let steps = self.store.steps(action_id).await?;
        Ok(ActionDetail { summary: convert::action(&action), steps: steps.iter().map(convert::step).collect() })
    }

    /// The vApp's VMs as vCD reports them, with their protection and pool membership.
    pub async fn vms(&self, org: &str, id: &str) -> Result<Vec<RuleVm>, AutoscaleError> {
        let row = self.rule(org, id).await?;
        let spec = convert::spec(&row)?;
        let vms = self.vcd.vms(&spec.vapp).await?;
        let members = self.pool_ips(org, &spec).await?;
        self.store.set_rule_vms(&row.rule_id, vms.len() as i64).await?;
        Ok(vms.iter().map(|vm| convert::vm(vm, &spec, &members)).collect())
    }

    /// Protects a VM from scale-in, or lifts the protection.
    pub async fn protect(&self, org: &str, id: &str, vm_id: &str, protected: bool) -> Result<RuleVm, AutoscaleError> {
        let mut row = self.rule(org, id).await?;
        let mut spec = convert::spec(&row)?;
        let vm = self
            .vcd
            .vms(&spec.vapp)
            .await?
            .into_iter()
            .find(|vm| vm.id == vm_id)
            .ok_or_else(|| AutoscaleError::NotFound(format!("the rule's vApp has no VM '{vm_id}'")))?;
        spec.protected_vms.retain(|v| v != vm_id);
        if protected {
            spec.protected_vms.push(vm_id.to_owned());
        }
        let targets = convert::targets(&row)?;
        convert::fill_row(&mut row, &spec, &targets, now_millis());
        self.store.update_rule(&row).await?;
        let verb = if protected { "protected from scale-in" } else { "no longer protected" };
        self.event(&row.rule_id, EventKind::Rule, format!("VM {} {verb}", vm.name), None, None).await;
        let members = self.pool_ips(org, &spec).await?;
        Ok(convert::vm(&vm, &spec, &members))
    }

    /// IPs of the members of the rule's pool.
    async fn pool_ips(&self, org: &str, spec: &RuleSpec) -> Result<Vec<String>, AutoscaleError> {
        let edge = self.vcd.edge(org, &spec.edge_gateway).await?;
        Ok(self.vcd.pool_members(&edge, &spec.lb_pool).await?)
    }

    /// A picker's list, straight from vCD.
    pub async fn inventory(&self, org: &str, list: Inventory) -> Result<Vec<VcdObject>, AutoscaleError> {
        Ok(self.vcd.inventory(org, &list).await?)
    }

    /// One round of the background loop: resume unfinished actions whose lease is free, and
    /// evaluate again each enabled rule whose last decision wanted a change that a cooldown or
    /// the stabilization window held back (signals alone would never wake it up).
    pub async fn tick(&self) -> Result<(), AutoscaleError> {
        self.resume_unfinished().await?;
        for row in self.store.enabled_rules().await? {
            if let Some((desired, count)) = self.store.last_recommendation(&row.rule_id).await?
                && desired != count
            {
                self.evaluate(&row).await?;
            }
        }
        Ok(())
    }

    /// Runs [`Self::tick`] every `every` until the process ends.
    pub fn spawn_loop(self: Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        crate::periodic::every(every, "autoscale tick", move || {
            let me = self.clone();
            async move { me.tick().await }
        })
    }

    pub(super) async fn rule(&self, org: &str, id: &str) -> Result<RuleRow, AutoscaleError> {
        self.store
            .find_rule(org, id)
            .await?
            .ok_or_else(|| AutoscaleError::NotFound(format!("org {org} has no autoscale rule '{id}'")))
    }

    async fn rule_dto(&self, row: &RuleRow) -> Result<Rule, AutoscaleError> {
        let last = self.store.list_actions(&row.rule_id, 1).await?;
        let samples = self.store.latest_samples(&row.rule_id).await?;
        convert::rule(row, last.first(), samples)
    }

    pub(super) async fn validate(&self, org: &str, spec: &RuleSpec) -> Result<api_types::RuleTargets, AutoscaleError> {
        let errors = rules::check_spec(spec);
        if !errors.is_empty() {
            return Err(AutoscaleError::Invalid(errors));
        }
        rules::resolve_targets(self.vcd.as_ref(), org, spec).await.map_err(|e| match e {
            TargetError::Fields(details) => AutoscaleError::Invalid(details),
            TargetError::Vcd(fault) => AutoscaleError::Vcd(fault),
        })
    }

    /// Appends to a rule's timeline; a failure is logged, never fails the caller.
    pub(super) async fn event(
        &self,
        rule_id: &str,
        kind: EventKind,
        message: String,
        action_id: Option<&str>,
        vm_count: Option<u32>,
    ) {
        let row = crate::store::EventRow {
            rule_id: rule_id.to_owned(),
            at: now_millis(),
            kind,
            message,
            action_id: action_id.map(str::to_owned),
            vm_count: vm_count.map(i64::from),
            event_id: 0,
            desired: None,
        };
        if let Err(err) = self.store.insert_event(&row).await {
            tracing::warn!(%err, rule = rule_id, "could not record an autoscale event");
        }
    }
}

pub(super) fn normalize(mut spec: RuleSpec) -> RuleSpec {
    spec.name = spec.name.trim().to_owned();
    spec.protected_vms.sort();
    spec.protected_vms.dedup();
    spec
}

fn name_taken(name: &str) -> AutoscaleError {
    AutoscaleError::Invalid(vec![ErrorDetail::field("name", format!("a rule named '{name}' exists already"))])
}
