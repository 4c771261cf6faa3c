//! The import wizard's logic: which elements a plan lets the user pick, what an apply sends,
//! how each action looks, and unified diffs laid out side by side.

use std::collections::BTreeSet;

use api_types::{ElementPlan, PackagePlan, PlanAction};

use crate::logic::display::BadgeKind;

/// Whether applying the element would change anything and may (only those can be picked).
pub fn selectable(element: &ElementPlan) -> bool {
    element.blocked.is_none()
        && matches!(
            element.action,
            PlanAction::Create | PlanAction::Update | PlanAction::Conflict | PlanAction::Downgrade
        )
}

/// What a new plan starts with ticked: every element that would change, but a downgrade (going
/// back is picked by hand).
pub fn default_selection(plan: &PackagePlan) -> BTreeSet<String> {
    let forward = |e: &&ElementPlan| selectable(e) && e.action != PlanAction::Downgrade;
    plan.elements.iter().filter(forward).map(|e| e.id.clone()).collect()
}

/// The `select` query value: `None` when the ticks are what the server applies without one
/// (every element but downgrades, and nothing is blocked), else the ticked ids, comma-separated,
/// in plan order (the server adds the configuration elements they need).
pub fn select_param(plan: &PackagePlan, selected: &BTreeSet<String>) -> Option<String> {
    if plan.elements.iter().all(|e| e.blocked.is_none()) && *selected == default_selection(plan) {
        return None;
    }
    let ids: Vec<&str> = plan.elements.iter().filter(|e| selected.contains(&e.id)).map(|e| e.id.as_str()).collect();
    Some(ids.join(","))
}

/// What the plan imports where: `acme content into organization acme`, or for a provider
/// package (no org) `provider content into this instance`.
pub fn import_line(plan: &PackagePlan) -> String {
    if plan.org.is_empty() {
        format!("{} into this instance", plan.package)
    } else {
        format!("{} into organization {}", plan.package, plan.org)
    }
}

/// The word and badge of an element's row: its action, or `config` for a configuration
/// element (nothing is written for it).
pub fn element_badge(element: &ElementPlan) -> (&'static str, BadgeKind) {
    match &element.config {
        Some(_) => ("config", BadgeKind::Info),
        None => action_badge(element.action),
    }
}

/// The word and badge of an action.
pub fn action_badge(action: PlanAction) -> (&'static str, BadgeKind) {
    match action {
        PlanAction::Create => ("create", BadgeKind::Success),
        PlanAction::Update => ("update", BadgeKind::Info),
        PlanAction::Conflict => ("conflict", BadgeKind::Warning),
        PlanAction::Unchanged => ("unchanged", BadgeKind::Neutral),
        PlanAction::Orphan => ("orphan", BadgeKind::Neutral),
        PlanAction::Downgrade => ("downgrade", BadgeKind::Warning),
    }
}

/// What the element's row says of it, e.g. `2 settings, 1 file` or `edited here since its release`.
pub fn change_summary(element: &ElementPlan) -> String {
    if let Some(config) = &element.config {
        let value = config.value.as_deref().unwrap_or("—");
        return match (&config.resolved, &config.problem) {
            (Some(found), _) if found == value => format!("✓ {} {value}", config.kind),
            (Some(found), _) => format!("✓ {} {value} → {found}", config.kind),
            (None, problem) => format!("✗ {}: {}", config.kind, problem.as_deref().unwrap_or("not resolved")),
        };
    }
    let mut parts = Vec::new();
    match element.action {
        PlanAction::Unchanged => return "no change".to_owned(),
        PlanAction::Orphan => return "not in this package any more; left as it is".to_owned(),
        // A function brings its files; a provider element (a card, limits…) its settings.
        PlanAction::Create if element.files.is_empty() && !element.fields.is_empty() => {
            parts.push(format!("new, {}", plural(element.fields.len(), "setting", "settings")));
        }
        PlanAction::Create => parts.push(format!("new, {}", plural(element.files.len(), "file", "files"))),
        PlanAction::Update | PlanAction::Conflict | PlanAction::Downgrade => {
            if !element.fields.is_empty() {
                parts.push(plural(element.fields.len(), "setting", "settings"));
            }
            if !element.files.is_empty() {
                parts.push(plural(element.files.len(), "file", "files"));
            }
        }
    }
    match element.action {
        PlanAction::Conflict => parts.push("edited here since its release".to_owned()),
        PlanAction::Downgrade => parts.push("goes back to an earlier version".to_owned()),
        _ => {}
    }
    parts.join(", ")
}

/// What the secrets cell says: slots without a value here (a warning), values the package
/// brings sealed to this instance, or how many this instance keeps. `None`: no slots.
pub fn secrets_summary(element: &ElementPlan) -> Option<(String, BadgeKind)> {
    let named = |status: &str| -> Vec<&str> {
        element.secrets.iter().filter(|s| s.status == status).map(|s| s.name.as_str()).collect()
    };
    let (missing, sealed) = (named("missing"), named("sealed"));
    if element.secrets.is_empty() {
        None
    } else if !missing.is_empty() {
        Some((format!("missing: {}", missing.join(", ")), BadgeKind::Warning))
    } else if !sealed.is_empty() {
        Some((format!("sealed: {}", sealed.join(", ")), BadgeKind::Info))
    } else {
        Some((format!("{} kept", element.secrets.len()), BadgeKind::Neutral))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A numbered line of one side.
type Line = (usize, String);

/// One row of a side-by-side diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffRow {
    /// A hunk header's place: `@@ -1,3 +1,4 @@`.
    Hunk(String),
    /// The same line on both sides (old and new line numbers).
    Same { old: usize, new: usize, text: String },
    /// A line that differs: removed on the left and/or added on the right.
    Changed { old: Option<(usize, String)>, new: Option<(usize, String)> },
}

/// Lays out a unified diff side by side: context lines on both sides, each run of removed
/// lines paired with the run of added lines after it.
pub fn side_by_side(unified: &str) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    let (mut old_no, mut new_no) = (0usize, 0usize);
    let (mut removed, mut added): (Vec<Line>, Vec<Line>) = (Vec::new(), Vec::new());
    let flush = |rows: &mut Vec<DiffRow>, removed: &mut Vec<Line>, added: &mut Vec<Line>| {
        let n = removed.len().max(added.len());
        let (mut r, mut a) = (removed.drain(..), added.drain(..));
        for _ in 0..n {
            rows.push(DiffRow::Changed { old: r.next(), new: a.next() });
        }
    };
    for line in unified.lines() {
        if line.starts_with("---") || line.starts_with("+++") {
            continue;
        }
        if let Some(header) = line.strip_prefix("@@") {
            flush(&mut rows, &mut removed, &mut added);
            (old_no, new_no) = hunk_starts(header);
            rows.push(DiffRow::Hunk(line.to_owned()));
        } else if let Some(text) = line.strip_prefix('-') {
            removed.push((old_no, text.to_owned()));
            old_no += 1;
        } else if let Some(text) = line.strip_prefix('+') {
            added.push((new_no, text.to_owned()));
            new_no += 1;
        } else if !line.starts_with('\\') {
            flush(&mut rows, &mut removed, &mut added);
            let text = line.strip_prefix(' ').unwrap_or(line).to_owned();
            rows.push(DiffRow::Same { old: old_no, new: new_no, text });
            old_no += 1;
            new_no += 1;
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    rows
}

/// The first line numbers of a hunk header's old and new ranges (` -1,3 +1,4 @@`).
fn hunk_starts(header: &str) -> (usize, usize) {
    let start = |sign: char| {
        header
            .split_whitespace()
            .find_map(|part| part.strip_prefix(sign))
            .and_then(|range| range.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(1usize)
    };
    (start('-'), start('+'))
}

#[cfg(test)]
mod tests {
    use api_types::{FieldChange, FileChange, SecretSlot};

    use super::*;

    fn element(id: &str, action: PlanAction) -> ElementPlan {
        ElementPlan::new(id, action)
    }

    fn plan(elements: Vec<ElementPlan>) -> PackagePlan {
        PackagePlan {
            package: "acme functions".into(),
            org: "acme".into(),
            signers: vec![],
            warnings: vec![],
            elements,
            fingerprint: "f".into(),
        }
    }

    #[test]
    fn only_changes_are_picked_and_all_of_them_send_no_selection() {
        let plan = plan(vec![
            element("function:a", PlanAction::Create),
            element("function:b", PlanAction::Unchanged),
            element("function:c", PlanAction::Conflict),
            element("function:d", PlanAction::Orphan),
        ]);
        let mut blocked = element("function:e", PlanAction::Update);
        blocked.blocked = Some("locked here by key k".into());
        let mut plan = plan;
        plan.elements.push(blocked);
        let mut selected = default_selection(&plan);
        assert_eq!(selected.iter().map(String::as_str).collect::<Vec<_>>(), ["function:a", "function:c"]);
        assert_eq!(
            select_param(&plan, &selected).as_deref(),
            Some("function:a,function:c"),
            "with a blocked element the ticks are named, or the server would refuse it"
        );
        plan.elements.retain(|e| e.blocked.is_none());
        assert_eq!(select_param(&plan, &selected), None);
        selected.remove("function:a");
        assert_eq!(select_param(&plan, &selected).as_deref(), Some("function:c"));
        selected.clear();
        assert_eq!(select_param(&plan, &selected).as_deref(), Some(""));
    }

    #[test]
    fn the_import_line_names_the_target() {
        let mut planned = plan(vec![]);
        assert_eq!(import_line(&planned), "acme functions into organization acme");
        (planned.package, planned.org) = ("provider content".into(), String::new());
        assert_eq!(import_line(&planned), "provider content into this instance");
    }

    #[test]
    fn a_downgrade_is_picked_only_by_hand() {
        let plan =
            plan(vec![element("function:a", PlanAction::Update), element("function:old", PlanAction::Downgrade)]);
        let mut selected = default_selection(&plan);
        assert_eq!(selected.iter().map(String::as_str).collect::<Vec<_>>(), ["function:a"]);
        assert_eq!(select_param(&plan, &selected), None, "the server leaves downgrades out too");
        selected.insert("function:old".into());
        assert_eq!(select_param(&plan, &selected).as_deref(), Some("function:a,function:old"));
        assert_eq!(action_badge(PlanAction::Downgrade), ("downgrade", BadgeKind::Warning));
        let mut old = element("function:old", PlanAction::Downgrade);
        old.files.push(FileChange { path: "function.js".into(), change: "changed".into(), diff: String::new() });
        assert_eq!(change_summary(&old), "1 file, goes back to an earlier version");
        let mut card = element("rate_card:provider", PlanAction::Create);
        card.fields.push(FieldChange {
            field: "compute/vcpu-hour from 2026-01-01".into(),
            from: None,
            to: Some("0.02 EUR".into()),
        });
        assert_eq!(change_summary(&card), "new, 1 setting");
    }

    #[test]
    fn rows_say_what_changes() {
        let mut update = element("function:a", PlanAction::Update);
        update.fields.push(FieldChange { field: "env".into(), from: None, to: Some("{}".into()) });
        update.files.push(FileChange { path: "function.js".into(), change: "changed".into(), diff: String::new() });
        assert_eq!(change_summary(&update), "1 setting, 1 file");
        update.action = PlanAction::Conflict;
        assert_eq!(change_summary(&update), "1 setting, 1 file, edited here since its release");
        assert_eq!(action_badge(PlanAction::Conflict), ("conflict", BadgeKind::Warning));
        assert_eq!(secrets_summary(&update), None);
        update.secrets = vec![
            SecretSlot { name: "A".into(), status: "present".into() },
            SecretSlot { name: "B".into(), status: "sealed".into() },
        ];
        assert_eq!(secrets_summary(&update), Some(("sealed: B".to_owned(), BadgeKind::Info)));
        update.secrets.push(SecretSlot { name: "C".into(), status: "missing".into() });
        assert_eq!(secrets_summary(&update), Some(("missing: C".to_owned(), BadgeKind::Warning)));
        update.secrets.truncate(1);
        assert_eq!(secrets_summary(&update), Some(("1 kept".to_owned(), BadgeKind::Neutral)));
    }

    #[test]
    fn configuration_elements_say_what_they_resolved_to() {
        let mut config = element("config:web-vapp", PlanAction::Unchanged);
        config.config = Some(api_types::ConfigValue {
            kind: "vcd:vapp".into(),
            environment: "prod".into(),
            value: Some("web-app".into()),
            resolved: Some("urn:vcloud:vapp:1".into()),
            problem: None,
        });
        assert_eq!(element_badge(&config), ("config", BadgeKind::Info));
        assert_eq!(change_summary(&config), "✓ vcd:vapp web-app → urn:vcloud:vapp:1");
        let value = config.config.as_mut().unwrap();
        (value.resolved, value.problem) = (None, Some("no vcd:vapp named 'web-app' in this org's vCD".into()));
        assert_eq!(change_summary(&config), "✗ vcd:vapp: no vcd:vapp named 'web-app' in this org's vCD");
        assert!(!selectable(&config), "nothing to write for it");
    }

    #[test]
    fn a_unified_diff_side_by_side() {
        let diff = "--- function.js\n+++ function.js\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n d\n";
        let rows = side_by_side(diff);
        assert_eq!(
            rows,
            vec![
                DiffRow::Hunk("@@ -1,3 +1,4 @@".into()),
                DiffRow::Same { old: 1, new: 1, text: "a".into() },
                DiffRow::Changed { old: Some((2, "b".into())), new: Some((2, "B".into())) },
                DiffRow::Changed { old: None, new: Some((3, "C".into())) },
                DiffRow::Same { old: 3, new: 4, text: "d".into() },
            ]
        );
        let removed_at_end = side_by_side("@@ -10,2 +10,1 @@\n x\n-y\n\\ No newline at end of file\n");
        assert_eq!(removed_at_end.last(), Some(&DiffRow::Changed { old: Some((11, "y".into())), new: None }));
    }
}
