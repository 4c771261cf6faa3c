//! What importing a verified package into an org would change, element by element: `create`,
//! `update` (with the fields and code files that differ, code as line diffs), `conflict` (an
//! update over changes made here since the last release set it), `downgrade` (the package
//! carries what a function was here before its current version), `unchanged`, or `orphan`
//! (brought by this package's previous release, gone from it now), and each secret slot's
//! status on the target. Nothing is written.

use std::collections::{BTreeMap, BTreeSet};

use api_types::{ElementPlan, FieldChange, FileChange, PackagePlan, PlanAction as Action, SecretSlot, VersionStatus};
use package::{ElementKind, Manifest, Package};
use similar::TextDiff;

use sha2::{Digest as _, Sha256};

use super::rules::{RuleImport, plan_rules};
use super::{FunctionFile, ONE_FILE, PackagesError};
use crate::autoscale::Autoscale;
use crate::store::{BudgetWrite, FunctionHead, ReleaseRow, Store, VersionRow};

/// What importing a package into an org would do (its signers are filled in by the caller,
/// which verified it).
pub type Plan = PackagePlan;

/// A function element of the package with what the target holds of it.
pub(super) struct FunctionImport {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) action: Action,
    pub(super) wanted: FunctionFile,
    /// Relative to `code/`.
    pub(super) code: BTreeMap<String, String>,
    /// Sealed secret values this instance opened, by slot.
    pub(super) sealed: BTreeMap<String, String>,
    /// The package locks it.
    pub(super) locked: bool,
    pub(super) head: Option<FunctionHead>,
    /// The version compared with: the serving one (the newest when none serves).
    pub(super) current: Option<VersionRow>,
    /// The earlier versions the package carries (`history/…`), oldest first.
    pub(super) history: Vec<FunctionVersionFiles>,
}

/// A version of a function as a package holds it: `function.json` and its code files
/// (relative to `code/`).
pub(super) type FunctionVersionFiles = (FunctionFile, BTreeMap<String, String>);

/// The plan and, for applying it, each function and rule element as read.
pub(super) struct Analysis {
    pub(super) plan: Plan,
    pub(super) functions: Vec<FunctionImport>,
    pub(super) rules: Vec<RuleImport>,
    /// The budget as it would be written, when the package has a valid one, with when the org's
    /// was last changed (`None`: it has none).
    pub(super) budget: Option<(String, Action, BudgetWrite)>,
}

/// Where a plan is made: the database, and (in a server) the org's vCD and this instance's
/// environment, which configuration elements are resolved with.
#[derive(Clone, Copy)]
pub(super) struct Here<'a> {
    pub(super) store: &'a Store,
    pub(super) autoscale: Option<&'a Autoscale>,
    pub(super) environment: &'a str,
}

/// The plan of importing `package` (already verified; `signers`: the ids of the trusted keys
/// that signed it) into `org`.
/// Without a vCD view (the CLI), rules and their configuration elements are planned as blocked.
pub async fn plan(store: &Store, org: &str, package: &Package, signers: &[String]) -> Result<Plan, PackagesError> {
    let here = Here { store, autoscale: None, environment: "default" };
    Ok(analyse(here, org, package, signers).await?.plan)
}

pub(super) async fn analyse(
    here: Here<'_>,
    org: &str,
    package: &Package,
    signers: &[String],
) -> Result<Analysis, PackagesError> {
    let store = here.store;
    let manifest = package.manifest()?;
    let mut heads: BTreeMap<String, FunctionHead> =
        store.list_function_heads(org).await?.into_iter().map(|h| (h.name.clone(), h)).collect();
    let history = History::of(&store.releases(org).await?, &manifest.name);
    let key = super::instance_key(store).await?;
    let mut fingerprint = Sha256::new();
    fingerprint.update(Sha256::digest(package.manifest_bytes()?));
    let (mut elements, mut functions) = (Vec::new(), Vec::new());
    for element in manifest.elements.iter().filter(|e| e.kind == ElementKind::Function) {
        let (wanted, code) = read_function(package, &manifest, &element.path)?;
        let earlier = read_history(package, &manifest, &element.path)?;
        let sealed = open_sealed(package, &element.path, &wanted, &key);
        let head = heads.remove(&element.name);
        let current = match &head {
            Some(head) => {
                store.get_version(org, &head.name, head.active_version.unwrap_or(head.latest_version)).await?
            }
            None => None,
        };
        let seen = head.as_ref().map(|h| format!("{}@{}", h.latest_version, h.created_at));
        fingerprint.update(format!("{}={}\n", element.id(), seen.as_deref().unwrap_or("absent")));
        let mut planned = match (&head, &current) {
            (Some(head), Some(row)) => compare(element.id(), &wanted, &code, &sealed, &head.route, row)?,
            _ => ElementPlan {
                files: code.iter().map(|(path, text)| file_change(path, None, Some(text))).collect(),
                secrets: slots(&wanted, &BTreeMap::new(), &sealed),
                ..ElementPlan::new(element.id(), Action::Create)
            },
        };
        lock(&mut planned, element.locked, head.as_ref().and_then(|h| h.locked_by.as_deref()), signers);
        if planned.action == Action::Update
            && let (Some(head), Some((release, released))) = (&head, history.versions.get(&planned.id))
            && head.latest_version != *released
        {
            planned.action = Action::Conflict;
            planned.detail =
                Some(format!("release {release} left v{released}; edited here since (now v{})", head.latest_version));
        }
        // Only a change of settings or code can go back (a secret or lock change alone cannot).
        let changes_content = !planned.files.is_empty() || planned.fields.iter().any(|f| f.field != "locked");
        if planned.action == Action::Update
            && changes_content
            && !history.rolled_back.contains(&planned.id)
            && let (Some(head), Some(row)) = (&head, &current)
            && let Some(older) = earlier_version(store, org, head, row, &wanted, &code).await?
        {
            planned.action = Action::Downgrade;
            planned.detail =
                Some(format!("the package carries what v{older} was; this instance has moved on to v{}", row.version));
        }
        if planned.action == Action::Create && !earlier.is_empty() {
            planned.detail = Some(format!("arrives with {} earlier version(s) before this one", earlier.len()));
        }
        functions.push(FunctionImport {
            history: earlier,
            id: planned.id.clone(),
            name: element.name.clone(),
            action: planned.action,
            wanted,
            code,
            sealed,
            locked: element.locked,
            head,
            current,
        });
        elements.push(planned);
    }
    let (rule_plans, rules, seen) = plan_rules(here.autoscale, here.environment, org, package, &manifest).await?;
    for (id, updated_at) in seen {
        fingerprint.update(format!("{id}={updated_at}\n"));
    }
    elements.extend(rule_plans);
    let mut budget = None;
    if let Some((plan, row, seen)) = super::budget::plan_budget(store, org, package, &manifest).await? {
        fingerprint.update(format!("{}={seen}\n", plan.id));
        let expected_updated_at = (seen != 0).then_some(seen);
        budget = row.map(|row| (plan.id.clone(), plan.action, BudgetWrite { row, expected_updated_at }));
        elements.push(plan);
    }
    let ids: BTreeSet<String> = manifest.elements.iter().map(package::Element::id).collect();
    for orphan in history.last_of_package.iter().filter(|id| !ids.contains(*id)) {
        let empty = ElementPlan::new(orphan.clone(), Action::Orphan);
        elements.push(empty);
    }
    let plan = PackagePlan {
        package: manifest.name,
        org: org.to_owned(),
        signers: Vec::new(),
        warnings: Vec::new(),
        elements,
        fingerprint: hex::encode(fingerprint.finalize()),
    };
    Ok(Analysis { plan, functions, rules, budget })
}

/// The older version of the function (before `row`, the one compared with) whose settings and
/// code are what the package carries, if there is one: the package is older than this instance.
async fn earlier_version(
    store: &Store,
    org: &str,
    head: &FunctionHead,
    row: &VersionRow,
    wanted: &FunctionFile,
    code: &BTreeMap<String, String>,
) -> Result<Option<i64>, PackagesError> {
    let versions = store.list_versions(org, &head.name).await?;
    for old in versions.iter().filter(|v| v.version < row.version && v.status == VersionStatus::Ready) {
        let same = compare(String::new(), wanted, code, &BTreeMap::new(), &head.route, old)?;
        if same.fields.is_empty() && same.files.is_empty() {
            return Ok(Some(old.version));
        }
    }
    Ok(None)
}

/// What earlier releases left: the version each function was set to last, and the elements of
/// the newest release of the package being planned.
pub(super) struct History {
    /// Element id → (release, version).
    pub(super) versions: BTreeMap<String, (i64, i64)>,
    /// Elements a rollback set last (going back was asked for: moving forward again is no
    /// downgrade).
    rolled_back: BTreeSet<String>,
    last_of_package: Vec<String>,
}

impl History {
    /// From the org's releases, newest first.
    pub(super) fn of(releases: &[ReleaseRow], package: &str) -> History {
        let (mut versions, mut rolled_back) = (BTreeMap::new(), BTreeSet::new());
        for release in releases.iter().rev() {
            for element in &release.elements {
                if let Some(version) = element.version {
                    versions.insert(element.id.clone(), (release.number, version));
                    if release.rollback_of.is_some() {
                        rolled_back.insert(element.id.clone());
                    } else {
                        rolled_back.remove(&element.id);
                    }
                }
            }
        }
        let last_of_package = releases
            .iter()
            .find(|r| r.package_name == package && r.rollback_of.is_none())
            .map(|r| r.elements.iter().map(|e| e.id.clone()).collect())
            .unwrap_or_default();
        History { versions, rolled_back, last_of_package }
    }
}

/// A function's `function.json` and its code files (relative to `code/`).
fn read_function(package: &Package, manifest: &Manifest, folder: &str) -> Result<FunctionVersionFiles, PackagesError> {
    let malformed = |why: String| PackagesError::Invalid(format!("{folder}: {why}"));
    let json = package
        .files()
        .get(&format!("{folder}/function.json"))
        .ok_or_else(|| malformed("function.json is missing".to_owned()))?;
    let file: FunctionFile = serde_json::from_slice(json).map_err(|e| malformed(format!("function.json: {e}")))?;
    if let Some((name, how)) = file.secrets.iter().find(|(_, how)| !matches!(how.as_str(), "unset" | "keep" | "sealed"))
    {
        return Err(malformed(format!("function.json: secret {name} is '{how}'; a slot is unset, keep or sealed")));
    }
    let prefix = format!("{folder}/code/");
    let mut code = BTreeMap::new();
    for path in manifest.files.keys().filter(|p| p.starts_with(&prefix)) {
        let bytes = &package.files()[path];
        let text = String::from_utf8(bytes.clone()).map_err(|_| malformed(format!("{path} is not UTF-8 text")))?;
        code.insert(path[prefix.len()..].to_owned(), text);
    }
    Ok((file, code))
}

/// The earlier versions under `<folder>/history/<n>/` (1: the newest), oldest first.
fn read_history(
    package: &Package,
    manifest: &Manifest,
    folder: &str,
) -> Result<Vec<FunctionVersionFiles>, PackagesError> {
    let prefix = format!("{folder}/{}/", super::HISTORY);
    let numbers: BTreeSet<u32> = manifest
        .files
        .keys()
        .filter_map(|p| p.strip_prefix(&prefix)?.split('/').next()?.parse().ok())
        .filter(|n| (1..=super::MAX_HISTORY).contains(n))
        .collect();
    numbers.iter().rev().map(|n| read_function(package, manifest, &format!("{prefix}{n}"))).collect()
}

fn compare(
    id: String,
    wanted: &FunctionFile,
    code: &BTreeMap<String, String>,
    sealed: &BTreeMap<String, String>,
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
    let secrets = slots(wanted, &row.secrets, sealed);
    // A slot the target has no value for is not a change an apply could make (values travel
    // only sealed); a value for a slot the package dropped is (the apply drops it), and so is a
    // sealed value that differs from the target's.
    let drops_secret = row.secrets.keys().any(|name| !wanted.secrets.contains_key(name));
    let sets_secret = secrets.iter().any(|slot| slot.status == "sealed");
    let action = if fields.is_empty() && files.is_empty() && !drops_secret && !sets_secret {
        Action::Unchanged
    } else {
        Action::Update
    };
    Ok(ElementPlan { fields, files, secrets, ..ElementPlan::new(id, action) })
}

/// Applies what locks say to an element's plan: a change of lock is a change, a locked
/// function's code is never shown, and an element locked here by a key that did not sign the
/// package (or locked by a package no trusted key signed) is blocked.
fn lock(planned: &mut ElementPlan, locks: bool, locked_by: Option<&str>, signers: &[String]) {
    planned.locked = locks;
    if locks || locked_by.is_some() {
        for file in &mut planned.files {
            file.diff.clear();
        }
    }
    if planned.action == Action::Unchanged && locks != locked_by.is_some() {
        planned.action = Action::Update;
    }
    if locks != locked_by.is_some() {
        let text = |on: bool| Some(on.to_string());
        planned.fields.push(FieldChange { field: "locked".to_owned(), from: text(!locks), to: text(locks) });
    }
    planned.blocked = match locked_by {
        Some(key) if !signers.iter().any(|s| s == key) => {
            Some(format!("locked here by key {key}: only a package signed by that key changes it"))
        }
        _ if locks && signers.is_empty() => {
            Some("the package locks it, but no key this instance trusts signed the package".to_owned())
        }
        _ => None,
    };
}

/// Each slot: `sealed` (the package brings a value this instance opened, other than the one it
/// has), `present` (the target has a value and keeps it) or `missing`. Never a value.
fn slots(
    wanted: &FunctionFile,
    current: &BTreeMap<String, String>,
    sealed: &BTreeMap<String, String>,
) -> Vec<SecretSlot> {
    wanted
        .secrets
        .keys()
        .map(|name| {
            let status = match (sealed.get(name), current.get(name)) {
                (Some(value), Some(now)) if value == now => "present",
                (Some(_), _) => "sealed",
                (None, Some(_)) => "present",
                (None, None) => "missing",
            };
            SecretSlot { name: name.clone(), status: status.to_owned() }
        })
        .collect()
}

/// The sealed values of a function's slots that this instance's key opens (a value sealed to
/// another instance stays closed: its slot shows as missing).
fn open_sealed(
    package: &Package,
    folder: &str,
    wanted: &FunctionFile,
    key: &package::InstanceKey,
) -> BTreeMap<String, String> {
    wanted
        .secrets
        .iter()
        .filter(|(_, how)| how.as_str() == "sealed")
        .filter_map(|(name, _)| {
            let armored = package.files().get(&format!("{folder}/{}", super::sealed_path(name)))?;
            Some((name.clone(), key.open(std::str::from_utf8(armored).ok()?)?))
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
