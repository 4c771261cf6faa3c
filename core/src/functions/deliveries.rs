//! Event triggers at work: a notification becomes one durable delivery per matching function
//! of its org, and a worker runs due deliveries as async invocations, retrying with backoff
//! until they succeed or are dead (the dead-letter list, re-drivable by the tenant).

use std::sync::Arc;
use std::time::Duration;

use api_types::{DeliveryStatus, EventDelivery, InvocationTrigger, Trigger};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use super::calls::{CallError, Failure, GatewayRequest};
use super::events::{MalformedNotification, NextStep, RetryPolicy, next_step};
use super::events::{parse_notification, pattern_matches};
use super::service::{FunctionError, Functions};
use crate::dates::{now_millis, rfc3339_from_millis};
use crate::org_directory::{OrgDirectory, OrgLookupError};
use crate::store::{AttemptEnd, DeliveryRow, Store};

/// How the delivery worker runs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub retry: RetryPolicy,
    /// How often the worker looks for due deliveries (it also wakes when a notification arrives).
    pub tick: Duration,
    /// How long an attempt may run before another runner (another replica, or this one after a
    /// restart) may take the delivery over. Longer than any function's timeout.
    pub lease: Duration,
    /// Attempts running at once in this process.
    pub parallel: usize,
    /// How long succeeded deliveries are kept (they remember which events a function had).
    pub keep_succeeded: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            tick: Duration::from_secs(1),
            lease: Duration::from_secs(20 * 60),
            parallel: 16,
            keep_succeeded: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// What became of a notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// The Stratus org it belongs to; `None` when the org is unknown (nothing is delivered).
    pub org: Option<String>,
    /// Functions whose trigger matches, by name.
    pub matched: Vec<String>,
    /// Deliveries stored now (fewer than `matched` when the event came before).
    pub new: u64,
}

/// Why a notification was not taken.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Drop it: it can never be used.
    #[error(transparent)]
    Malformed(#[from] MalformedNotification),
    /// Try it again later.
    #[error(transparent)]
    OrgLookup(#[from] OrgLookupError),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// Event triggers: takes notifications in and runs their deliveries.
pub struct EventTriggers {
    functions: Arc<Functions>,
    orgs: Arc<dyn OrgDirectory>,
    config: DeliveryConfig,
    wake: Notify,
    slots: Arc<Semaphore>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The functions, by name, whose trigger selects `event_type`.
fn matching_functions(triggers: Vec<(String, Trigger)>, event_type: &str) -> Vec<String> {
    triggers
        .into_iter()
        .filter(|(_, trigger)| match trigger {
            Trigger::Event { event } => pattern_matches(event, event_type),
            Trigger::Http => false,
        })
        .map(|(name, _)| name)
        .collect()
}

impl EventTriggers {
    pub fn new(functions: Arc<Functions>, orgs: Arc<dyn OrgDirectory>, config: DeliveryConfig) -> Arc<Self> {
        let slots = Arc::new(Semaphore::new(config.parallel.max(1)));
        Arc::new(Self { functions, orgs, config, wake: Notify::new(), slots })
    }

    fn store(&self) -> &Store {
        &self.functions.store
    }

    /// Takes a notification body: one delivery is stored for each function of the event's org
    /// whose event trigger matches its type, unless that function had this event already.
    /// Events of failed operations trigger nothing. When this returns `Ok`, the deliveries are
    /// stored and the message may be acknowledged.
    pub async fn accept(&self, body: &[u8]) -> Result<Accepted, AcceptError> {
        let notification = parse_notification(body)?;
        if !notification.operation_success {
            return Ok(Accepted::default());
        }
        let Some(org) = self.orgs.org_name(&notification.org_id).await? else {
            return Ok(Accepted::default());
        };
        let matched = matching_functions(self.store().function_triggers(&org).await?, &notification.event_type);
        let now = now_millis();
        let rows: Vec<DeliveryRow> = matched
            .iter()
            .map(|name| DeliveryRow {
                delivery_id: crate::ids::new_call_id("dlv"),
                org: org.clone(),
                function_name: name.clone(),
                event_id: notification.event_id.clone(),
                event_type: notification.event_type.clone(),
                payload: notification.raw.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                last_error: None,
                invocation_id: None,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let new = if rows.is_empty() { 0 } else { self.store().enqueue_deliveries(&rows).await? };
        if new > 0 {
            self.wake.notify_one();
        }
        Ok(Accepted { org: Some(org), matched, new })
    }

    /// Starts the worker: it runs due deliveries every tick and whenever notifications arrive.
    pub fn spawn_worker(self: &Arc<Self>) -> JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut pruned_at = 0i64;
            while !this.functions.cluster.is_draining() {
                if let Err(err) = this.tick().await {
                    tracing::warn!(%err, "could not look for due event deliveries");
                }
                let now = now_millis();
                if now - pruned_at > 3_600_000 {
                    pruned_at = now;
                    if let Err(err) = this.store().prune_deliveries(now - millis(this.config.keep_succeeded)).await {
                        tracing::warn!(%err, "could not prune old event deliveries");
                    }
                }
                tokio::select! {
                    () = tokio::time::sleep(this.config.tick) => {}
                    () = this.wake.notified() => {}
                }
            }
        })
    }

    /// Starts an attempt of each due delivery, as many as there are free slots; returns how
    /// many started. The attempts run in the background.
    pub async fn tick(self: &Arc<Self>) -> Result<usize, sqlx::Error> {
        let free = self.slots.available_permits();
        // A replica whose heartbeat is late may soon count as dead: it takes no more work.
        if free == 0 || self.functions.cluster.is_late() {
            return Ok(0);
        }
        let now = now_millis();
        let cluster = &self.functions.cluster;
        let stale = cluster.alive_since(now);
        let limit = i64::try_from(free).unwrap_or(i64::MAX);
        let due = self.store().due_deliveries(cluster.id(), now, stale, limit).await?;
        let mut started = 0;
        for id in due {
            let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else { break };
            let lease_until = now + millis(self.config.lease);
            let claimed = self.store().claim_delivery(&id, cluster.id(), now, stale, lease_until).await?;
            let Some(row) = claimed else { continue };
            let this = Arc::clone(self);
            tokio::spawn(async move {
                this.attempt(row).await;
                drop(slot);
                // A slot is free: more may be due.
                this.wake.notify_one();
            });
            started += 1;
        }
        Ok(started)
    }

    /// Runs one attempt of a claimed delivery and records how it ended.
    async fn attempt(&self, row: DeliveryRow) {
        let (failure, invocation_id) = self.invoke(&row).await;
        let now = now_millis();
        let step = next_step(&self.config.retry, row.attempts, failure.is_none(), now);
        let (status, next_attempt_at) = match step {
            NextStep::Succeeded => (DeliveryStatus::Succeeded, now),
            NextStep::RetryAt(at) => (DeliveryStatus::Pending, at),
            NextStep::Dead => (DeliveryStatus::Dead, now),
        };
        let end = AttemptEnd {
            status,
            next_attempt_at,
            last_error: failure.as_deref(),
            invocation_id: invocation_id.as_deref(),
        };
        match self.store().finish_delivery(&row.delivery_id, row.attempts, &end, now).await {
            Ok(true) => {}
            Ok(false) => tracing::info!(id = %row.delivery_id, "an event delivery changed while it ran"),
            Err(err) => {
                // The lease runs out and the delivery is tried again.
                tracing::error!(%err, id = %row.delivery_id, "could not record an event delivery's attempt");
            }
        }
        if status == DeliveryStatus::Dead {
            tracing::warn!(
                org = %row.org, function = %row.function_name, event = %row.event_id, attempts = row.attempts,
                error = failure.as_deref().unwrap_or_default(), "event delivery is dead"
            );
        }
    }

    /// Calls the function with the event as an async invocation; returns why it failed (`None`:
    /// it succeeded) and the invocation's id.
    async fn invoke(&self, row: &DeliveryRow) -> (Option<String>, Option<String>) {
        let head = match self.store().get_function(&row.org, &row.function_name).await {
            Ok(Some(head)) => head,
            Ok(None) => return (Some(format!("function '{}' no longer exists", row.function_name)), None),
            Err(err) => return (Some(format!("the database failed: {err}")), None),
        };
        let request = GatewayRequest {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-vcd-event-type".into(), row.event_type.clone()),
                ("x-vcd-event-id".into(), row.event_id.clone()),
                ("x-stratus-delivery-id".into(), row.delivery_id.clone()),
                ("x-stratus-delivery-attempt".into(), row.attempts.to_string()),
            ],
            body: row.payload.clone().into_bytes(),
        };
        let limits = match self.functions.org_limits(&row.org).await {
            Ok(limits) => limits,
            Err(err) => return (Some(format!("the database failed: {err}")), None),
        };
        let trigger = InvocationTrigger::Event;
        let (accepted, run) = match self.functions.queue_call(&row.org, limits, &head.route, request, trigger).await {
            Ok(queued) => queued,
            Err(err) => return (Some(err.to_string()), None),
        };
        if let Err(err) = self.store().set_delivery_invocation(&row.delivery_id, row.attempts, &accepted.id).await {
            tracing::warn!(%err, id = %row.delivery_id, "could not note an event delivery's invocation");
        }
        let failure = match run.await {
            Ok(outcome) if outcome.response.status < 500 => None,
            Ok(outcome) => Some(format!("the function answered HTTP {}", outcome.response.status)),
            Err(CallError::Sandbox { error, .. }) => {
                let (kind, message) = Failure::of(&error);
                Some(format!("{}: {message}", kind.code()))
            }
            Err(err) => Some(err.to_string()),
        };
        (failure, Some(accepted.id))
    }
}

/// Most deliveries one listing returns.
pub const MAX_LISTED_DELIVERIES: i64 = 500;

fn delivery_dto(row: &DeliveryRow) -> EventDelivery {
    EventDelivery {
        id: row.delivery_id.clone(),
        function: row.function_name.clone(),
        event_id: row.event_id.clone(),
        event_type: row.event_type.clone(),
        status: row.status,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        next_attempt_at: (row.status == DeliveryStatus::Pending).then(|| rfc3339_from_millis(row.next_attempt_at)),
        last_error: row.last_error.clone(),
        invocation_id: row.invocation_id.clone(),
        payload: row.payload.clone(),
        created_at: rfc3339_from_millis(row.created_at),
        updated_at: rfc3339_from_millis(row.updated_at),
    }
}

impl Functions {
    pub(super) async fn existing(&self, org: &str, name: &str) -> Result<(), FunctionError> {
        match self.store.get_function(org, name).await? {
            Some(_) => Ok(()),
            None => Err(FunctionError::NotFound(format!("function '{name}' not found"))),
        }
    }

    /// A function's event deliveries, newest first, optionally of one status.
    pub async fn deliveries(
        &self,
        org: &str,
        name: &str,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<EventDelivery>, FunctionError> {
        self.existing(org, name).await?;
        let rows = self.store.list_deliveries(org, name, status, limit.clamp(1, MAX_LISTED_DELIVERIES)).await?;
        Ok(rows.iter().map(delivery_dto).collect())
    }

    /// Queues a dead delivery again with its attempts reset (the dead-letter list's re-drive).
    pub async fn redrive_delivery(&self, org: &str, name: &str, id: &str) -> Result<EventDelivery, FunctionError> {
        self.existing(org, name).await?;
        let not_found = || FunctionError::NotFound(format!("delivery '{id}' not found"));
        let row = self.store.get_delivery(org, name, id).await?.ok_or_else(not_found)?;
        if row.status != DeliveryStatus::Dead {
            return Err(FunctionError::Conflict(format!(
                "only dead deliveries can be re-driven; this one is {}",
                row.status
            )));
        }
        self.store.redrive_deliveries(org, name, Some(id), now_millis()).await?;
        let row = self.store.get_delivery(org, name, id).await?.ok_or_else(not_found)?;
        Ok(delivery_dto(&row))
    }

    /// Queues every dead delivery of a function again; returns how many.
    pub async fn redrive_dead_deliveries(&self, org: &str, name: &str) -> Result<u64, FunctionError> {
        self.existing(org, name).await?;
        Ok(self.store.redrive_deliveries(org, name, None, now_millis()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_event_triggers_that_select_the_type_match() {
        let event = |e: &str| Trigger::Event { event: e.into() };
        let triggers = vec![
            ("create".to_owned(), event("com.vmware.vcloud.event.vm.create")),
            ("slashed".to_owned(), event("com/vmware/vcloud/event/vm/create")),
            ("any-vm".to_owned(), event("com.vmware.vcloud.event.vm.*")),
            ("delete".to_owned(), event("com.vmware.vcloud.event.vm.delete")),
            ("vapp".to_owned(), event("com.vmware.vcloud.event.vapp.*")),
            ("web".to_owned(), Trigger::Http),
        ];
        assert_eq!(
            matching_functions(triggers.clone(), "com.vmware.vcloud.event.vm.create"),
            ["create", "slashed", "any-vm"]
        );
        assert_eq!(matching_functions(triggers.clone(), "com.vmware.vcloud.event.vapp.create"), ["vapp"]);
        assert!(matching_functions(triggers, "com.vmware.vcloud.event.user.login").is_empty());
    }

    #[test]
    fn the_default_retries_fit_in_the_lease() {
        let config = DeliveryConfig::default();
        let total: Duration = config.retry.delays.iter().sum();
        assert_eq!(config.retry.max_attempts(), 4);
        assert!(config.lease > Duration::from_secs(900), "longer than the longest function timeout");
        assert!(total < Duration::from_secs(600));
    }
}
