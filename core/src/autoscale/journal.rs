//! Driving an action's journal: each step is marked running before it touches vCD and done
//! after; a failed step turns the action into a rollback that undoes, newest first, every step
//! that started. Steps and their undos are idempotent (they look at vCD before acting), so an
//! action found unfinished after a crash is simply driven again from where its journal stops.

use std::time::Duration;

use api_types::{ActionStatus, EventKind, RuleSpec, StepKind, StepState};

use super::convert;
use super::error::AutoscaleError;
use super::service::Autoscale;
use super::vcd::{Edge, Member, VcdFault, VmInfo};
use crate::dates::now_millis;
use crate::store::{ActionRow, StepRow};

/// What every step of one action needs.
struct Ctx {
    org: String,
    spec: RuleSpec,
    edge: Edge,
}

const TASK_PREFIX: &str = "task ";

impl Autoscale {
    /// Drives `action_id` in the background unless this process drives it already.
    pub(super) fn spawn_action(&self, action_id: String) {
        let Some(me) = self.me.upgrade() else { return };
        if !self.driving.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(action_id.clone()) {
            return;
        }
        tokio::spawn(async move {
            if let Err(err) = me.drive_leased(&action_id).await {
                tracing::warn!(%err, action = %action_id, "autoscale action interrupted; it will be resumed");
            }
            me.driving.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&action_id);
        });
    }

    /// Resumes every unfinished action whose lease is free (after a restart, or a replica's death).
    pub async fn resume_unfinished(&self) -> Result<usize, AutoscaleError> {
        let actions = self.store.unfinished_actions().await?;
        let count = actions.len();
        for action in actions {
            self.spawn_action(action.action_id);
        }
        Ok(count)
    }

    async fn drive_leased(&self, action_id: &str) -> Result<(), AutoscaleError> {
        let Some(action) = self.store.action_by_id(action_id).await? else { return Ok(()) };
        let lease = format!("autoscale:{}", action.rule_id);
        let ttl = i64::try_from(self.config.lease_ttl.as_millis()).unwrap_or(60_000);
        let now = now_millis();
        if !self.store.acquire_lease(&lease, &self.holder, now, now + ttl).await? {
            return Ok(());
        }
        let renewer = {
            let (store, holder, lease, every) = (self.store.clone(), self.holder.clone(), lease.clone(), ttl / 3);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(every.max(10) as u64)).await;
                    let now = now_millis();
                    if !matches!(store.acquire_lease(&lease, &holder, now, now + ttl).await, Ok(true)) {
                        tracing::warn!(lease, "lost an autoscale lease");
                    }
                }
            })
        };
        let result = self.drive(&action).await;
        renewer.abort();
        if let Err(err) = self.store.release_lease(&lease, &self.holder).await {
            tracing::warn!(%err, lease, "could not release an autoscale lease; it will expire");
        }
        result
    }

    async fn drive(&self, action: &ActionRow) -> Result<(), AutoscaleError> {
        // Re-read under the lease: another replica may have finished it meanwhile.
        let Some(action) = self.store.action_by_id(&action.action_id).await? else { return Ok(()) };
        let Some(rule) = self.store.rule_by_id(&action.rule_id).await? else { return Ok(()) };
        let spec = convert::spec(&rule)?;
        let edge = self.vcd.edge(&rule.org_name, &spec.edge_gateway).await?;
        let ctx = Ctx { org: rule.org_name.clone(), spec, edge };
        let mut steps = self.store.steps(&action.action_id).await?;
        let mut status = action.status;
        if status == ActionStatus::Running {
            status = self.forward(&action, &ctx, &mut steps).await?;
        }
        if status == ActionStatus::RollingBack {
            self.backward(&action, &ctx, &mut steps).await?;
            status = ActionStatus::RolledBack;
        }
        self.store.set_action_status(&action.action_id, status, None, Some(now_millis())).await?;
        let vms = self.vcd.vms(&ctx.spec.vapp).await.ok().map(|v| u32::try_from(v.len()).unwrap_or_default());
        if let Some(n) = vms {
            self.store.set_rule_vms(&action.rule_id, i64::from(n)).await?;
        }
        let what = format!("{} {} → {}", super::evaluate::verb(action.direction), action.from_vms, action.to_vms);
        let message = if status == ActionStatus::Succeeded {
            let secs = (now_millis() - action.started_at) as f64 / 1000.0;
            format!("{what} succeeded in {secs:.1} s")
        } else {
            format!("{what} rolled back: every step that had run was undone")
        };
        self.event(&action.rule_id, EventKind::Action, message, Some(&action.action_id), vms).await;
        Ok(())
    }

    /// Runs the steps not done yet; the status the action ends in (`succeeded` or
    /// `rolling_back`). vCD being unreachable is an error: the action stays as it is and resumes.
    async fn forward(
        &self,
        action: &ActionRow,
        ctx: &Ctx,
        steps: &mut [StepRow],
    ) -> Result<ActionStatus, AutoscaleError> {
        for step in steps.iter_mut().filter(|s| s.state != StepState::Done) {
            step.state = StepState::Running;
            step.updated_at = now_millis();
            self.store.save_step(step).await?;
            match self.run_step(ctx, step).await {
                Ok(()) => {
                    step.state = StepState::Done;
                    step.updated_at = now_millis();
                    self.store.save_step(step).await?;
                    let message = format!("{} {}: done", step.step, step.vm_name);
                    self.event(&action.rule_id, EventKind::Step, message, Some(&action.action_id), None).await;
                }
                Err(VcdFault::Unavailable(reason)) => return Err(VcdFault::Unavailable(reason).into()),
                Err(fault) => {
                    step.state = StepState::Failed;
                    step.detail = Some(fault.to_string());
                    step.updated_at = now_millis();
                    self.store.save_step(step).await?;
                    let error = format!("{} {} failed: {fault}", step.step, step.vm_name);
                    let rolling_back = ActionStatus::RollingBack;
                    self.store.set_action_status(&action.action_id, rolling_back, Some(&error), None).await?;
                    let message = format!("{error}; rolling back");
                    self.event(&action.rule_id, EventKind::Action, message, Some(&action.action_id), None).await;
                    return Ok(rolling_back);
                }
            }
        }
        Ok(ActionStatus::Succeeded)
    }

    /// Undoes, newest first, every step that started. An undo that fails leaves the action
    /// rolling back, to be retried.
    async fn backward(&self, action: &ActionRow, ctx: &Ctx, steps: &mut [StepRow]) -> Result<(), AutoscaleError> {
        let started = |s: &&mut StepRow| matches!(s.state, StepState::Running | StepState::Done | StepState::Failed);
        for step in steps.iter_mut().rev().filter(started) {
            if let Err(fault) = self.undo_step(ctx, step).await {
                let message = format!("undo {} {} failed: {fault}; will retry", step.step, step.vm_name);
                self.event(&action.rule_id, EventKind::Step, message, Some(&action.action_id), None).await;
                return Err(fault.into());
            }
            step.state = StepState::Undone;
            step.updated_at = now_millis();
            self.store.save_step(step).await?;
            let message = format!("{} {}: undone", step.step, step.vm_name);
            self.event(&action.rule_id, EventKind::Step, message, Some(&action.action_id), None).await;
        }
        Ok(())
    }

    async fn find_vm(&self, ctx: &Ctx, name: &str) -> Result<Option<VmInfo>, VcdFault> {
        Ok(self.vcd.vms(&ctx.spec.vapp).await?.into_iter().find(|vm| vm.name == name))
    }

    async fn run_step(&self, ctx: &Ctx, step: &mut StepRow) -> Result<(), VcdFault> {
        let timeout = self.config.task_timeout;
        let vm = self.find_vm(ctx, &step.vm_name).await?;
        match (step.step, vm) {
            (StepKind::Recompose, Some(vm)) => step.vm_id = Some(vm.id),
            (StepKind::Recompose, None) => {
                let task = match step.detail.as_deref().and_then(|d| d.strip_prefix(TASK_PREFIX)) {
                    Some(task) => task.to_owned(),
                    None => {
                        let template = self.vcd.template(&ctx.org, &ctx.spec.template).await?;
                        let task = self.vcd.start_add_vm(&ctx.spec.vapp, &template.vm_href, &step.vm_name).await?;
                        // Journal the task before waiting: a restart waits for it instead of
                        // starting a second copy.
                        step.detail = Some(format!("{TASK_PREFIX}{task}"));
                        self.store.save_step(step).await.map_err(|e| VcdFault::Unavailable(e.to_string()))?;
                        task
                    }
                };
                self.vcd.wait(&task, timeout).await?;
                let vm = self.find_vm(ctx, &step.vm_name).await?;
                let vm = vm.ok_or_else(|| VcdFault::Rejected(format!("VM {} did not appear", step.vm_name)))?;
                step.vm_id = Some(vm.id);
            }
            // Removing a VM that is gone already has nothing left to do.
            (StepKind::Drain | StepKind::PoolRemove | StepKind::PowerOff | StepKind::Delete, None) => {}
            (StepKind::PowerOn | StepKind::PoolAdd, None) => {
                return Err(VcdFault::NotFound(format!("VM {} is gone", step.vm_name)));
            }
            (StepKind::PowerOn, Some(vm)) => {
                if !vm.powered_on {
                    self.vcd.power_on(&vm, timeout).await?;
                }
            }
            (StepKind::PoolAdd, Some(vm)) => {
                let ip =
                    vm.ip.clone().ok_or_else(|| VcdFault::Rejected(format!("VM {} has no IP address", vm.name)))?;
                let member = Member { name: vm.name.clone(), ip: ip.clone(), port: ctx.spec.member_port };
                self.vcd.pool_add(&ctx.edge, &ctx.spec.lb_pool, &member).await?;
                step.detail = Some(format!("member {ip}:{}", ctx.spec.member_port));
            }
            (StepKind::Drain, Some(vm)) => {
                if let Some(ip) = &vm.ip {
                    // A VM that is not a member has nothing to drain.
                    if let Err(fault) = self.vcd.pool_enable(&ctx.edge, &ctx.spec.lb_pool, ip, false).await {
                        return if matches!(fault, VcdFault::NotFound(_)) { Ok(()) } else { Err(fault) };
                    }
                    let secs = f64::from(ctx.spec.drain_secs) * self.config.drain_scale;
                    tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0))).await;
                }
            }
            (StepKind::PoolRemove, Some(vm)) => {
                if let Some(ip) = &vm.ip {
                    self.vcd.pool_remove(&ctx.edge, &ctx.spec.lb_pool, ip).await?;
                }
            }
            (StepKind::PowerOff, Some(vm)) => {
                if vm.powered_on {
                    self.vcd.power_off(&vm, timeout).await?;
                }
            }
            (StepKind::Delete, Some(vm)) => self.vcd.delete_vm(&vm, timeout).await?,
        }
        Ok(())
    }

    async fn undo_step(&self, ctx: &Ctx, step: &StepRow) -> Result<(), VcdFault> {
        let timeout = self.config.task_timeout;
        if step.step == StepKind::Recompose
            && let Some(task) = step.detail.as_deref().and_then(|d| d.strip_prefix(TASK_PREFIX))
        {
            // A recompose still running would add the VM after we looked: let it end first.
            let _ = self.vcd.wait(task, timeout).await;
        }
        let Some(vm) = self.find_vm(ctx, &step.vm_name).await? else { return Ok(()) };
        let (edge, pool) = (&ctx.edge, ctx.spec.lb_pool.as_str());
        match step.step {
            StepKind::Recompose => {
                if vm.powered_on {
                    self.vcd.power_off(&vm, timeout).await?;
                }
                self.vcd.delete_vm(&vm, timeout).await?;
            }
            StepKind::PowerOn => {
                if vm.powered_on {
                    self.vcd.power_off(&vm, timeout).await?;
                }
            }
            StepKind::PoolAdd => {
                if let Some(ip) = &vm.ip {
                    self.vcd.pool_remove(edge, pool, ip).await?;
                }
            }
            StepKind::Drain => {
                if let Some(ip) = &vm.ip {
                    match self.vcd.pool_enable(edge, pool, ip, true).await {
                        Err(VcdFault::NotFound(_)) | Ok(()) => {}
                        Err(fault) => return Err(fault),
                    }
                }
            }
            StepKind::PoolRemove => {
                if let Some(ip) = &vm.ip {
                    let member = Member { name: vm.name.clone(), ip: ip.clone(), port: ctx.spec.member_port };
                    self.vcd.pool_add(edge, pool, &member).await?;
                }
            }
            StepKind::PowerOff => {
                if !vm.powered_on {
                    self.vcd.power_on(&vm, timeout).await?;
                }
            }
            // The last step of a removal: a VM still here was never deleted.
            StepKind::Delete => {}
        }
        Ok(())
    }
}
