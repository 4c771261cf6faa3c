//! The facts of an autoscale rule: targets, thresholds, size, timing, webhook.

use api_types::{MetricsSample, Rule, Thresholds};
use leptos::prelude::*;

use crate::components::rule_last_action::RuleLastAction;
use crate::components::status_badge::StatusBadge;
use crate::logic::display::format_timestamp;
use crate::logic::rule_form::percent_text;
use crate::logic::rule_text::{lb_kind_label, rule_status_badge, rule_vm_counts, seconds_text, victim_policy_value};

/// A card of facts (`#rule-summary`); the current size is `#rule-current-vms` and the webhook
/// path `#rule-webhook-path`.
#[component]
pub fn RuleSummary(rule: Rule) -> impl IntoView {
    let s = &rule.spec;
    let t = &rule.targets;
    let (kind, status) = rule_status_badge(rule.status);
    let named = |name: &str, id: &str| if name.is_empty() { id.to_owned() } else { name.to_owned() };
    let thresholds =
        |t: &Thresholds| format!("out at ≥ {}%, in at ≤ {}%", percent_text(t.scale_out), percent_text(t.scale_in));
    let tolerance = (s.tolerance_pct > 0.0).then(|| format!(" (± {} points)", percent_text(s.tolerance_pct)));
    let timing = format!(
        "cooldown out {}, in {}; stabilization {}; drain {}",
        seconds_text(s.scale_out_cooldown_secs),
        seconds_text(s.scale_in_cooldown_secs),
        seconds_text(s.stabilization_secs),
        seconds_text(s.drain_secs)
    );
    view! {
        <div id="rule-summary" class="card overview-card rule-summary">
            <div class="card-block">
                <dl class="facts">
                    <dt>"Status"</dt>
                    <dd>
                        <StatusBadge kind text=status />
                    </dd>
                    <dt>"VMs"</dt>
                    <dd id="rule-current-vms" data-current=rule.current_vms.map(|n| n.to_string())>
                        {rule_vm_counts(rule.current_vms, s.min_vms, s.max_vms)}
                        <span class="muted">{format!(", {} per action", s.step)}</span>
                    </dd>
                    <dt>"vApp"</dt>
                    <dd title=s.vapp.clone()>{named(&t.vapp_name, &s.vapp)}</dd>
                    <dt>"Template"</dt>
                    <dd title=s.template.clone()>{named(&t.template_name, &s.template)}</dd>
                    <dt>"Load balancer"</dt>
                    <dd title=s.edge_gateway.clone()>
                        {format!(
                            "pool {} on {}, port {}",
                            s.lb_pool,
                            named(&t.edge_gateway_name, &s.edge_gateway),
                            s.member_port,
                        )}
                        <span class="muted">{format!(" · {}", lb_kind_label(t.lb_kind))}</span>
                    </dd>
                    <dt>"CPU"</dt>
                    <dd>{thresholds(&s.cpu)}{tolerance.clone()}</dd>
                    <dt>"Memory"</dt>
                    <dd>{thresholds(&s.memory)}{tolerance}</dd>
                    <dt>"Last metrics"</dt>
                    <dd id="rule-last-metrics">{metrics_text(rule.last_metrics.as_ref())}</dd>
                    <dt>"Last action"</dt>
                    <dd>
                        <RuleLastAction action=rule.last_action.clone() />
                    </dd>
                    <dt>"Timing"</dt>
                    <dd>{timing}</dd>
                    <dt>"Scale in removes"</dt>
                    <dd>{format!("the {} VM first", victim_policy_value(s.victim_policy))}</dd>
                    <dt>"Webhook"</dt>
                    <dd>
                        <code id="rule-webhook-path">{rule.webhook_path.clone()}</code>
                        <div class="muted">
                            "Basic auth: user " <code>{rule.id.clone()}</code> ", the secret shown when it was made."
                        </div>
                    </dd>
                    <dt>"Updated"</dt>
                    <dd title=rule.updated_at.clone()>{format_timestamp(&rule.updated_at)}</dd>
                </dl>
            </div>
        </div>
    }
}

/// `cpu 91%, memory 40% at 2025-11-20 14:03 UTC`, or `none yet`.
fn metrics_text(sample: Option<&MetricsSample>) -> String {
    let Some(m) = sample else { return "none yet".to_owned() };
    let parts: Vec<String> = [("cpu", m.cpu), ("memory", m.memory)]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("{name} {}%", percent_text((v * 10.0).round() / 10.0))))
        .collect();
    format!("{} at {}", parts.join(", "), format_timestamp(&m.at))
}
