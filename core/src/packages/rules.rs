//! Autoscale rules in packages, and the configuration elements their vCD references become.
//!
//! A rule never carries a vCD id: its template, vApp, edge gateway and load-balancer pool are
//! `${config:<key>}` references to configuration elements (`config/<key>.json`), each a typed
//! value per environment (`{"type": "vcd:vapp", "values": {"dev": "web-dev", "prod": "web"}}`)
//! that the importing instance resolves by name in its own vCD before anything is applied.

use std::collections::BTreeMap;

use api_types::{ConfigValue, ElementPlan, ErrorDetail, FieldChange, PlanAction as Action, RuleSpec};
use package::{Element, ElementKind, Files, Manifest, Package};
use serde::{Deserialize, Serialize};

use super::PackagesError;
use crate::autoscale::vcd::Inventory;
use crate::autoscale::{Autoscale, AutoscaleError};
use crate::store::{RuleRow, RuleWrite};

/// `config/<key>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    /// `vcd:vapp-template`, `vcd:vapp`, `vcd:edge-gateway`, `vcd:lb-pool`, `url`, `string`, `int`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Environment → value (a vCD object's name for the `vcd:` types); `default` when an
    /// environment has none of its own.
    pub values: BTreeMap<String, String>,
    /// A `vcd:lb-pool`'s edge gateway: `config:<key>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

/// What makes two references the same configuration element: type, value, and (for a pool)
/// the edge it is within.
type ConfigIdentity = (String, String, Option<String>);

/// The four references of a rule, in the order they are resolved (a pool needs its edge).
const REFERENCES: [(&str, &str); 4] = [
    ("template", "vcd:vapp-template"),
    ("vapp", "vcd:vapp"),
    ("edge_gateway", "vcd:edge-gateway"),
    ("lb_pool", "vcd:lb-pool"),
];

/// Adds the org's rules and the configuration elements they need (one per distinct vCD
/// object, each saying which rules require it), with this instance's values as `environment`.
pub(super) fn export_rules(
    rows: &[RuleRow],
    environment: &str,
    content: &mut Files,
    elements: &mut Vec<Element>,
) -> Result<(), PackagesError> {
    // (type, value, within) → key, and the rules that need it.
    let mut configs: BTreeMap<ConfigIdentity, (String, Vec<String>)> = BTreeMap::new();
    let mut taken = std::collections::BTreeSet::new();
    for row in rows {
        let mut spec = crate::autoscale::rule_spec(row).map_err(|e| PackagesError::Invalid(e.to_string()))?;
        let targets = crate::autoscale::rule_targets(row).map_err(|e| PackagesError::Invalid(e.to_string()))?;
        // Two names can make the same slug ("web 1", "web-1"): each rule gets its own folder.
        let slug = unique_slug(&spec.name, &mut taken);
        let names = [&targets.template_name, &targets.vapp_name, &targets.edge_gateway_name, &spec.lb_pool.clone()];
        let mut requires = Vec::new();
        let mut edge_key = None;
        for ((field, kind), name) in REFERENCES.into_iter().zip(names) {
            let within = (kind == "vcd:lb-pool").then(|| format!("config:{}", edge_key.clone().unwrap_or_default()));
            let suffix = field.replace('_', "-");
            let entry = configs
                .entry((kind.to_owned(), name.clone(), within))
                .or_insert_with(|| (format!("{slug}-{suffix}"), Vec::new()));
            entry.1.push(spec.name.clone());
            let key = entry.0.clone();
            if kind == "vcd:edge-gateway" {
                edge_key = Some(key.clone());
            }
            let reference = format!("${{config:{key}}}");
            match field {
                "template" => spec.template = reference,
                "vapp" => spec.vapp = reference,
                "edge_gateway" => spec.edge_gateway = reference,
                _ => spec.lb_pool = reference,
            }
            requires.push(format!("config:{key}"));
        }
        // Which VMs are protected, and the rule's vROps resource when it was the vApp's name,
        // belong to the instance, not to the package.
        spec.protected_vms.clear();
        let path = format!("autoscale/{slug}");
        content.insert(format!("{path}/rule.json"), super::json_bytes(&spec)?);
        elements.push(Element {
            kind: ElementKind::AutoscaleRule,
            name: spec.name.clone(),
            path,
            requires,
            reason: None,
            locked: false,
        });
    }
    for ((kind, value, within), (key, rules)) in configs {
        let file = ConfigFile { kind, values: BTreeMap::from([(environment.to_owned(), value)]), within };
        let path = format!("config/{key}.json");
        content.insert(path.clone(), super::json_bytes(&file)?);
        let reason = if rules.len() == 1 {
            format!("required by rule {}", rules[0])
        } else {
            format!("required by rules {}", rules.join(", "))
        };
        elements.push(Element {
            kind: ElementKind::Config,
            name: key,
            path,
            requires: vec![],
            reason: Some(reason),
            locked: false,
        });
    }
    Ok(())
}

/// A folder-safe name: lowercase letters, digits and `-`.
/// A folder name for `name` that is not `taken` yet (`web`, then `web-2`…), now taken.
pub(super) fn unique_slug(name: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let base = slug(name);
    let free = (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|s| !taken.contains(s));
    let chosen = free.unwrap_or(base);
    taken.insert(chosen.clone());
    chosen
}

fn slug(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    out = out.trim_matches('-').to_owned();
    if out.is_empty() { "rule".to_owned() } else { out }
}

/// A rule element of the package, resolved for this instance.
pub(super) struct RuleImport {
    pub(super) id: String,
    pub(super) action: Action,
    /// With vCD ids in place of the references.
    pub(super) spec: RuleSpec,
    pub(super) existing: Option<RuleRow>,
}

/// Resolves every configuration element against this instance's vCD and plans every rule
/// against the org's rules of the same name; `None` for `autoscale`: this process has no vCD
/// view (the CLI), so both are blocked.
pub(super) async fn plan_rules(
    autoscale: Option<&Autoscale>,
    environment: &str,
    org: &str,
    package: &Package,
    manifest: &Manifest,
) -> Result<(Vec<ElementPlan>, Vec<RuleImport>, Vec<(String, i64)>), PackagesError> {
    let configs = resolve_configs(autoscale, environment, org, package, manifest).await?;
    let mut plans: Vec<ElementPlan> = configs.iter().map(|(id, value)| config_plan(id, value)).collect();
    let existing = match autoscale {
        Some(autoscale) => autoscale.rule_rows(org).await.map_err(|e| PackagesError::Invalid(e.to_string()))?,
        None => Vec::new(),
    };
    let (mut imports, mut seen) = (Vec::new(), Vec::new());
    for element in manifest.elements.iter().filter(|e| e.kind == ElementKind::AutoscaleRule) {
        let bytes = package
            .files()
            .get(&format!("{}/rule.json", element.path))
            .ok_or_else(|| PackagesError::Invalid(format!("{}: rule.json is missing", element.path)))?;
        let mut spec: RuleSpec = serde_json::from_slice(bytes)
            .map_err(|e| PackagesError::Invalid(format!("{}/rule.json: {e}", element.path)))?;
        let current = existing.iter().find(|r| r.name == spec.name).cloned();
        seen.push((element.id(), current.as_ref().map_or(0, |r| r.updated_at)));
        let mut unresolved = Vec::new();
        for field in ["template", "vapp", "edge_gateway", "lb_pool"] {
            let slot = match field {
                "template" => &mut spec.template,
                "vapp" => &mut spec.vapp,
                "edge_gateway" => &mut spec.edge_gateway,
                _ => &mut spec.lb_pool,
            };
            let Some(key) = slot.strip_prefix("${config:").and_then(|k| k.strip_suffix('}')) else { continue };
            match configs.get(&format!("config:{key}")).and_then(|c| c.resolved.clone()) {
                Some(value) => *slot = value,
                None => unresolved.push(format!("config:{key}")),
            }
        }
        let mut plan = ElementPlan {
            blocked: (!unresolved.is_empty())
                .then(|| format!("{} not resolved on this instance", unresolved.join(", "))),
            ..ElementPlan::new(element.id(), Action::Create)
        };
        if let Some(row) = &current {
            let now = crate::autoscale::rule_spec(row).map_err(|e| PackagesError::Invalid(e.to_string()))?;
            let wanted = RuleSpec { protected_vms: now.protected_vms.clone(), ..spec.clone() };
            plan.fields = field_changes(&now, &wanted)?;
            plan.action = if plan.fields.is_empty() { Action::Unchanged } else { Action::Update };
        }
        imports.push(RuleImport { id: plan.id.clone(), action: plan.action, spec, existing: current });
        plans.push(plan);
    }
    Ok((plans, imports, seen))
}

/// Every changing rule checked against the org's vCD as the row it becomes; nothing is written.
pub(super) async fn prepare_rules(
    autoscale: &Autoscale,
    org: &str,
    rules: &[&RuleImport],
) -> Result<Vec<RuleWrite>, PackagesError> {
    let (mut writes, mut problems) = (Vec::new(), Vec::new());
    for rule in rules {
        match autoscale.prepare_import(org, rule.spec.clone(), rule.existing.as_ref()).await {
            Ok(row) => {
                writes.push(RuleWrite { row, expected_updated_at: rule.existing.as_ref().map(|r| r.updated_at) })
            }
            Err(AutoscaleError::Invalid(details)) => problems.extend(details.into_iter().map(|d| {
                let field = d.field.map_or_else(|| rule.id.clone(), |f| format!("{}.{f}", rule.id));
                ErrorDetail::field(field, d.reason)
            })),
            Err(other) => problems.push(ErrorDetail::field(rule.id.clone(), other.to_string())),
        }
    }
    if problems.is_empty() { Ok(writes) } else { Err(PackagesError::Unapplicable(problems)) }
}

fn field_changes(now: &RuleSpec, wanted: &RuleSpec) -> Result<Vec<FieldChange>, PackagesError> {
    let (old, new) =
        (serde_json::to_value(now).map_err(super::invalid)?, serde_json::to_value(wanted).map_err(super::invalid)?);
    Ok(json_changes(&old, &new))
}

/// The top-level fields of two JSON objects that differ (values as JSON text; none: absent).
pub(super) fn json_changes(old: &serde_json::Value, new: &serde_json::Value) -> Vec<FieldChange> {
    let keys: std::collections::BTreeSet<&String> =
        old.as_object().into_iter().chain(new.as_object()).flat_map(|o| o.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            from: old.get(k).map(ToString::to_string),
            to: new.get(k).map(ToString::to_string),
        })
        .collect()
}

pub(super) fn config_plan(id: &str, value: &ConfigValue) -> ElementPlan {
    ElementPlan {
        blocked: value.problem.clone(),
        config: Some(value.clone()),
        ..ElementPlan::new(id, Action::Unchanged)
    }
}

/// Each configuration element's value for `environment`, checked (and for vCD types, looked
/// up by name in the org's vCD).
pub(super) async fn resolve_configs(
    autoscale: Option<&Autoscale>,
    environment: &str,
    org: &str,
    package: &Package,
    manifest: &Manifest,
) -> Result<BTreeMap<String, ConfigValue>, PackagesError> {
    let mut out: BTreeMap<String, ConfigValue> = BTreeMap::new();
    let mut inventories: BTreeMap<String, Result<Vec<api_types::VcdObject>, String>> = BTreeMap::new();
    // Edge gateways before pools: a pool is looked up within its edge.
    let mut configs: Vec<(&Element, ConfigFile)> = Vec::new();
    for element in manifest.elements.iter().filter(|e| e.kind == ElementKind::Config) {
        let bytes = package
            .files()
            .get(&element.path)
            .ok_or_else(|| PackagesError::Invalid(format!("{} is missing", element.path)))?;
        let file: ConfigFile =
            serde_json::from_slice(bytes).map_err(|e| PackagesError::Invalid(format!("{}: {e}", element.path)))?;
        configs.push((element, file));
    }
    configs.sort_by_key(|(_, f)| f.kind == "vcd:lb-pool");
    for (element, file) in configs {
        let value = file.values.get(environment).or_else(|| file.values.get("default")).cloned();
        let mut resolved = ConfigValue {
            kind: file.kind.clone(),
            environment: environment.to_owned(),
            value: value.clone(),
            resolved: None,
            problem: None,
        };
        let Some(value) = value else {
            resolved.problem = Some(format!("no value for environment '{environment}' (nor a default)"));
            out.insert(element.id(), resolved);
            continue;
        };
        let list = match file.kind.as_str() {
            "vcd:vapp-template" => Some(("templates".to_owned(), Inventory::Templates)),
            "vcd:vapp" => Some(("vapps".to_owned(), Inventory::VApps)),
            "vcd:edge-gateway" => Some(("edges".to_owned(), Inventory::EdgeGateways)),
            "vcd:lb-pool" => {
                let edge = file.within.as_ref().and_then(|w| out.get(w)).and_then(|c| c.resolved.clone());
                match edge {
                    Some(edge) => Some((format!("pools:{edge}"), Inventory::Pools(edge))),
                    None => {
                        resolved.problem = Some("its edge gateway is not resolved".to_owned());
                        out.insert(element.id(), resolved);
                        continue;
                    }
                }
            }
            "url" if reqwest::Url::parse(value.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) => None,
            "url" => {
                resolved.problem = Some(format!("'{value}' is not an http:// or https:// URL"));
                out.insert(element.id(), resolved);
                continue;
            }
            "string" => None,
            "int" if value.trim().parse::<i64>().is_ok() => None,
            "int" => {
                resolved.problem = Some(format!("'{value}' is not an integer"));
                out.insert(element.id(), resolved);
                continue;
            }
            other => {
                resolved.problem = Some(format!("unknown configuration type '{other}'"));
                out.insert(element.id(), resolved);
                continue;
            }
        };
        match (list, autoscale) {
            (None, _) => resolved.resolved = Some(value),
            (Some(_), None) => resolved.problem = Some("vCD references are resolved by a running server".to_owned()),
            (Some((cache_key, list)), Some(autoscale)) => {
                if !inventories.contains_key(&cache_key) {
                    let fetched = autoscale.inventory(org, list).await.map_err(|e| e.to_string());
                    inventories.insert(cache_key.clone(), fetched);
                }
                match &inventories[&cache_key] {
                    Err(why) => resolved.problem = Some(format!("vCD could not be asked: {why}")),
                    Ok(objects) => match objects.iter().find(|o| o.name == value) {
                        // A pool is referred to by its name; the others by id.
                        Some(found) if file.kind == "vcd:lb-pool" => resolved.resolved = Some(found.name.clone()),
                        Some(found) => resolved.resolved = Some(found.id.clone()),
                        None => resolved.problem = Some(format!("no {} named '{value}' in this org's vCD", file.kind)),
                    },
                }
            }
        }
        out.insert(element.id(), resolved);
    }
    Ok(out)
}
