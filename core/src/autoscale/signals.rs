//! Signals: pushed metrics and vROps alerts, and how they become the engine's readings.

use api_types::{ErrorDetail, Evaluation, EventKind, MetricsPush, VropsAlert};

use super::engine::Reading;
use super::error::AutoscaleError;
use super::evaluate;
use super::service::Autoscale;
use crate::dates::now_millis;
use crate::store::{AlertRow, RuleRow};
use crate::tokens;

/// How a vROps alert authenticated: HTTP Basic, the rule id (optional) and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCredentials {
    pub username: Option<String>,
    pub secret: String,
}

/// Which metric an alert is about and which way it points, read from its name (and `info`):
/// "cpu"/"memory"/"mem" name the metric; "low", "below", "under", "idle" or "scale-in" mean
/// low, anything else high. `None` when it names no metric.
pub fn alert_signal(alert: &VropsAlert) -> Option<(&'static str, &'static str)> {
    let text = format!("{} {}", alert.alert_name, alert.info.as_deref().unwrap_or_default()).to_lowercase();
    let metric = if text.contains("cpu") {
        "cpu"
    } else if text.contains("mem") {
        "memory"
    } else {
        return None;
    };
    let low = ["low", "below", "under", "idle", "scale-in", "scale in", "scalein"].iter().any(|w| text.contains(w));
    Some((metric, if low { "low" } else { "high" }))
}

impl Autoscale {
    /// Records pushed metrics and evaluates the rule.
    pub async fn push_metrics(&self, org: &str, id: &str, push: MetricsPush) -> Result<Evaluation, AutoscaleError> {
        let row = self.rule(org, id).await?;
        let now = now_millis();
        let at = match push.at.as_deref() {
            None => now,
            Some(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.timestamp_millis())
                .map_err(|_| invalid("at", "must be an RFC 3339 time, e.g. 2026-11-22T10:00:00Z"))?,
        };
        let mut errors = Vec::new();
        for (field, value) in [("cpu", push.cpu), ("memory", push.memory)] {
            if value.is_some_and(|v| !v.is_finite() || !(0.0..=100.0).contains(&v)) {
                errors.push(ErrorDetail::field(field, "must be a percentage between 0 and 100"));
            }
        }
        if push.cpu.is_none() && push.memory.is_none() {
            errors.push(ErrorDetail::field("cpu", "send cpu, memory or both"));
        }
        if at > now + 5 * 60 * 1000 {
            errors.push(ErrorDetail::field("at", "is more than 5 minutes in the future"));
        }
        if !errors.is_empty() {
            return Err(AutoscaleError::Invalid(errors));
        }
        self.store.insert_sample(&row.rule_id, at, push.cpu, push.memory, now).await?;
        let shown = |name: &str, v: Option<f64>| v.map(|v| format!("{name} {v}%"));
        let parts: Vec<String> = [shown("cpu", push.cpu), shown("memory", push.memory)].into_iter().flatten().collect();
        self.event(&row.rule_id, EventKind::Signal, format!("metrics pushed: {}", parts.join(", ")), None, None).await;
        self.evaluate(&row).await
    }

    /// Takes a vROps alert: finds the rule watching its resource that accepts the credentials,
    /// records it (a repeat of a known state is answered as a duplicate and changes nothing),
    /// and evaluates the rule.
    pub async fn alert(&self, creds: &AlertCredentials, alert: VropsAlert) -> Result<Evaluation, AutoscaleError> {
        let row = self.alert_rule(creds, &alert).await?;
        let Some((metric, level)) = alert_signal(&alert) else {
            let reason = format!("alert '{}' names neither cpu nor memory", alert.alert_name);
            self.event(&row.rule_id, EventKind::Signal, format!("ignored: {reason}"), None, None).await;
            return Err(invalid("alertName", &format!("{reason}; name the metric, e.g. 'web CPU high'")));
        };
        let status = alert.status.to_uppercase();
        let active = alert.cancel_date.is_none() && !matches!(status.as_str(), "CANCELED" | "CANCELLED" | "INACTIVE");
        let record = AlertRow {
            rule_id: row.rule_id.clone(),
            alert_id: alert.alert_id.clone(),
            metric: metric.into(),
            level: level.into(),
            active,
            status: status.clone(),
            update_date: alert.update_date.or(alert.cancel_date).or(alert.start_date).unwrap_or_default(),
            received: now_millis(),
        };
        if !self.store.upsert_alert(&record).await? {
            return Ok(evaluate::duplicate(row.current_vms));
        }
        let state = if active { "active" } else { "cancelled" };
        let message =
            format!("vROps alert '{}' ({metric} {level}) {state} on {}", alert.alert_name, alert.resource_name);
        self.event(&row.rule_id, EventKind::Signal, message, None, None).await;
        self.evaluate(&row).await
    }

    async fn alert_rule(&self, creds: &AlertCredentials, alert: &VropsAlert) -> Result<RuleRow, AutoscaleError> {
        let refused = || {
            AutoscaleError::Unauthorized(format!(
                "no autoscale rule watching resource '{}' accepts these credentials",
                if alert.resource_name.is_empty() { &alert.resource_id } else { &alert.resource_name }
            ))
        };
        let hash = tokens::hash(&creds.secret);
        let mut candidates = Vec::new();
        if let Some(user) = creds.username.as_deref().filter(|u| !u.is_empty()) {
            candidates.extend(self.store.rule_by_id(user).await?);
        } else {
            for resource in [&alert.resource_id, &alert.resource_name] {
                if !resource.is_empty() {
                    candidates.extend(self.store.rules_watching(&resource.to_lowercase()).await?);
                }
            }
        }
        let row = candidates.into_iter().find(|r| r.secret_hash == hash).ok_or_else(refused)?;
        let watched = [&alert.resource_id, &alert.resource_name].iter().any(|r| r.to_lowercase() == row.vrops_resource);
        if !watched {
            return Err(invalid(
                "resourceName",
                &format!("rule {} watches '{}', not this alert's resource", row.rule_id, row.vrops_resource),
            ));
        }
        Ok(row)
    }

    /// The engine's readings of cpu and memory: the newest of a fresh sample and an active,
    /// recently updated alert; otherwise stale or missing.
    pub(super) async fn readings(&self, rule_id: &str, now: i64) -> Result<[Reading; 2], AutoscaleError> {
        let samples = self.store.latest_samples(rule_id).await?;
        let alerts = self.store.active_alerts(rule_id).await?;
        let stale_ms = i64::try_from(self.config.stale_after.as_millis()).unwrap_or(i64::MAX);
        let alert_ms = i64::try_from(self.config.alert_stale_after.as_millis()).unwrap_or(i64::MAX);
        let mut out = [Reading::Missing; 2];
        for ((slot, sample), metric) in out.iter_mut().zip(samples).zip(["cpu", "memory"]) {
            let alert = alerts.iter().find(|a| a.metric == metric && now - a.received <= alert_ms);
            let fresh = sample.filter(|(at, _)| now - at <= stale_ms);
            let from_alert = |a: &AlertRow| if a.level == "low" { Reading::AlertLow } else { Reading::AlertHigh };
            *slot = match (fresh, alert) {
                (Some((at, _)), Some(a)) if a.received > at => from_alert(a),
                (Some((_, v)), _) => Reading::Value(v),
                (None, Some(a)) => from_alert(a),
                (None, None) => {
                    sample.map_or(Reading::Missing, |(at, _)| Reading::Stale { age_secs: (now - at) / 1000 })
                }
            };
        }
        Ok(out)
    }
}

fn invalid(field: &str, reason: &str) -> AutoscaleError {
    AutoscaleError::Invalid(vec![ErrorDetail::field(field, reason)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(name: &str) -> VropsAlert {
        serde_json::from_value(serde_json::json!({"alertId": "a1", "alertName": name})).unwrap()
    }

    #[test]
    fn alert_names_give_metric_and_direction() {
        assert_eq!(alert_signal(&alert("web CPU high")), Some(("cpu", "high")));
        assert_eq!(alert_signal(&alert("Memory usage below 30%")), Some(("memory", "low")));
        assert_eq!(alert_signal(&alert("web cpu scale-in")), Some(("cpu", "low")));
        assert_eq!(alert_signal(&alert("Disk latency")), None);
    }
}
