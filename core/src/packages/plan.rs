//! What importing a verified package into an org would change, element by element: `create`,
//! `update` (with the fields and code files that differ, code as line diffs) or `unchanged`,
//! and each secret slot's status on the target. Nothing is written.

use std::collections::{BTreeMap, BTreeSet};

use api_types::{ElementPlan, FieldChange, FileChange, PackagePlan, PlanAction as Action, SecretSlot};
use package::{ElementKind, Manifest, Package};
use similar::TextDiff;

use super::{FunctionFile, ONE_FILE, PackagesError};
use crate::store::{Store, VersionRow};

/// What importing a package into an org would do (its signers are filled in by the caller,
/// which verified it).
pub type Plan = PackagePlan;

/// The plan of importing `package` (already verified) into `org`.
pub async fn plan(store: &Store, org: &str, package: &Package) -> Result<Plan, PackagesError> {
    let manifest = package.manifest()?;
    let mut elements = Vec::new();
    for element in manifest.elements.iter().filter(|e| e.kind == ElementKind::Function) {
        let (wanted, code) = read_function(package, &manifest, &element.path)?;
        let current = match store.get_function(org, &element.name).await? {
            Some(head) => {
                let version = head.active_version.unwrap_or(head.latest_version);
                store.get_version(org, &element.name, version).await?.map(|row| (head.route, row))
            }
            None => None,
        };
        elements.push(match current {
            None => ElementPlan {
                id: element.id(),
                action: Action::Create,
                fields: Vec::new(),
                files: code.iter().map(|(path, text)| file_change(path, None, Some(text))).collect(),
                secrets: slots(&wanted, &BTreeSet::new()),
            },
            Some((route, row)) => compare(element.id(), &wanted, &code, &route, &row)?,
        });
    }
    Ok(PackagePlan { package: manifest.name, org: org.to_owned(), signers: Vec::new(), warnings: Vec::new(), elements })
}

/// A function's `function.json` and its code files (relative to `code/`).
fn read_function(
    package: &Package,
    manifest: &Manifest,
    folder: &str,
) -> Result<(FunctionFile, BTreeMap<String, String>), PackagesError> {
    let malformed = |why: String| PackagesError::Invalid(format!("{folder}: {why}"));
    let json = package
        .files()
        .get(&format!("{folder}/function.json"))
        .ok_or_else(|| malformed("function.json is missing".to_owned()))?;
    let file: FunctionFile = serde_json::from_slice(json).map_err(|e| malformed(format!("function.json: {e}")))?;
    let prefix = format!("{folder}/code/");
    let mut code = BTreeMap::new();
    for path in manifest.files.keys().filter(|p| p.starts_with(&prefix)) {
        let bytes = &package.files()[path];
        let text = String::from_utf8(bytes.clone()).map_err(|_| malformed(format!("{path} is not UTF-8 text")))?;
        code.insert(path[prefix.len()..].to_owned(), text);
    }
    Ok((file, code))
}

fn compare(
    id: String,
    wanted: &FunctionFile,
    code: &BTreeMap<String, String>,
    route: &str,
    row: &VersionRow,
) -> Result<ElementPlan, PackagesError> {
    let current = super::function_file(route, row);
    let (old, new) = (
        serde_json::to_value(&current).map_err(super::invalid)?,
        serde_json::to_value(wanted).map_err(super::invalid)?,
    );
    let mut fields = Vec::new();
    let keys: BTreeSet<&String> = old.as_object().into_iter().chain(new.as_object()).flat_map(|o| o.keys()).collect();
    for key in keys.into_iter().filter(|k| *k != "secrets") {
        let (from, to) = (old.get(key), new.get(key));
        if from != to {
            fields.push(FieldChange {
                field: key.clone(),
                from: from.map(ToString::to_string),
                to: to.map(ToString::to_string),
            });
        }
    }
    let current_code: BTreeMap<String, String> = match &row.files {
        Some(files) => files.clone(),
        None => BTreeMap::from([(ONE_FILE.to_owned(), row.code.clone())]),
    };
    let paths: BTreeSet<&String> = current_code.keys().chain(code.keys()).collect();
    let files: Vec<FileChange> = paths
        .into_iter()
        .filter(|p| current_code.get(*p) != code.get(*p))
        .map(|p| file_change(p, current_code.get(p).map(String::as_str), code.get(p)))
        .collect();
    let present: BTreeSet<String> = row.secrets.keys().cloned().collect();
    let secrets = slots(wanted, &present);
    let names_differ = present != wanted.secrets.keys().cloned().collect();
    let action =
        if fields.is_empty() && files.is_empty() && !names_differ { Action::Unchanged } else { Action::Update };
    Ok(ElementPlan { id, action, fields, files, secrets })
}

fn slots(wanted: &FunctionFile, present: &BTreeSet<String>) -> Vec<SecretSlot> {
    wanted
        .secrets
        .keys()
        .map(|name| SecretSlot {
            name: name.clone(),
            status: if present.contains(name) { "present" } else { "missing" }.to_owned(),
        })
        .collect()
}

fn file_change(path: &str, old: Option<&str>, new: Option<&String>) -> FileChange {
    let change = match (old, new) {
        (None, _) => "added",
        (_, None) => "removed",
        _ => "changed",
    };
    let (old, new) = (old.unwrap_or(""), new.map_or("", String::as_str));
    let diff = TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(path, path).to_string();
    FileChange { path: path.to_owned(), change: change.to_owned(), diff }
}
