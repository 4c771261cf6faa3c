//! The export dialog's logic: functions are picked one by one; the org's rules, their
//! configuration elements and its budget come with a full export (every function ticked).

use std::collections::BTreeSet;

use api_types::ExportElement;

/// A function element's name (`function:hello` → `hello`).
pub fn function_name(element: &ExportElement) -> Option<&str> {
    element.id.strip_prefix("function:")
}

/// The `functions` to ask for: empty for a full export (nothing unticked), else the ticked ones.
pub fn functions_param(elements: &[ExportElement], unticked: &BTreeSet<String>) -> Vec<String> {
    if unticked.is_empty() {
        return Vec::new();
    }
    elements.iter().filter_map(function_name).filter(|n| !unticked.contains(*n)).map(str::to_owned).collect()
}

/// Whether the element goes into the download.
pub fn included(element: &ExportElement, unticked: &BTreeSet<String>) -> bool {
    match function_name(element) {
        Some(name) => !unticked.contains(name),
        None => unticked.is_empty(),
    }
}

/// How many elements the download holds.
pub fn count(elements: &[ExportElement], unticked: &BTreeSet<String>) -> usize {
    elements.iter().filter(|e| included(e, unticked)).count()
}

/// The "why it is in" cell.
pub fn why(element: &ExportElement, unticked: &BTreeSet<String>) -> String {
    match (function_name(element), &element.reason) {
        (Some(_), _) => "picked".to_owned(),
        (None, _) if !unticked.is_empty() => "only in a full export: tick every function".to_owned(),
        (None, Some(reason)) => reason.clone(),
        (None, None) => "the organization's, in a full export".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(id: &str, reason: Option<&str>) -> ExportElement {
        ExportElement { id: id.into(), reason: reason.map(str::to_owned), requires: vec![], locked: false }
    }

    #[test]
    fn a_full_export_carries_rules_and_their_configuration() {
        let elements = [
            element("function:a", None),
            element("function:b", None),
            element("autoscale_rule:web", None),
            element("config:web-vapp", Some("required by rule web")),
        ];
        let mut off = BTreeSet::new();
        assert_eq!(functions_param(&elements, &off), Vec::<String>::new());
        assert_eq!(count(&elements, &off), 4);
        assert_eq!(why(&elements[3], &off), "required by rule web");
        assert_eq!(why(&elements[0], &off), "picked");
        off.insert("b".to_owned());
        assert_eq!(functions_param(&elements, &off), ["a"]);
        assert_eq!(count(&elements, &off), 1);
        assert!(!included(&elements[2], &off));
        assert_eq!(why(&elements[2], &off), "only in a full export: tick every function");
    }
}
