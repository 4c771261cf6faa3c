//! Applying a plan: the selection is checked against what its elements require, every
//! function is validated and compiled first, then all of it is written in one transaction with
//! the release that records it, after checking the target is still as the plan saw it. A
//! rollback writes the versions an earlier release left, as a new release.

use std::collections::{BTreeMap, BTreeSet};

use api_types::{
    ApplyResult, ErrorDetail, FunctionSpec, PackageSigner, PlanAction as Action, ReleaseElement, RuleSpec,
};
use package::{ElementKind, Package};

use super::plan::{FunctionImport, FunctionVersionFiles, History, analyse};
use super::rules::{RuleImport, prepare_rules};
use super::{FunctionFile, ONE_FILE, Packages, PackagesError, open};
use crate::dates::now_millis;
use crate::functions::{FunctionError, Functions};
use crate::store::{ImportWrite, ReleaseRow, ReleaseWrites, RuleWrite, Store, WriteError};

/// What a tenant package's import applies.
const TENANT_KINDS: &[ElementKind] =
    &[ElementKind::Function, ElementKind::AutoscaleRule, ElementKind::Config, ElementKind::Budget];

impl Packages {
    /// Verifies `archive`, plans it again, and applies the `select`ed elements (all when
    /// `None`) if the plan's `fingerprint` is still what the target shows.
    pub async fn apply_archive(
        &self,
        org: &str,
        archive: &[u8],
        fingerprint: &str,
        select: Option<&[String]>,
    ) -> Result<ApplyResult, PackagesError> {
        let opened = open(&self.store, org, archive).await?;
        let keys: Vec<String> = opened.signers.iter().map(|s| s.key_id.clone()).collect();
        let analysis = analyse(self.here(), org, &opened.package, &keys).await?;
        let selected = selection(&opened.package, select, TENANT_KINDS, &analysis.plan)?;
        let chosen: Vec<&FunctionImport> = analysis.functions.iter().filter(|f| selected.contains(&f.id)).collect();
        let changing: Vec<&FunctionImport> = chosen.iter().copied().filter(|f| f.action != Action::Unchanged).collect();
        let chosen_rules: Vec<&RuleImport> = analysis.rules.iter().filter(|r| selected.contains(&r.id)).collect();
        let rules: Vec<&RuleImport> = chosen_rules.iter().copied().filter(|r| r.action != Action::Unchanged).collect();
        let chosen_budget = analysis.budget.as_ref().filter(|(id, _, _)| selected.contains(id));
        let budget = chosen_budget.filter(|(_, action, _)| *action != Action::Unchanged);
        if changing.is_empty() && rules.is_empty() && budget.is_none() {
            return Ok(ApplyResult { changed: 0, release: None });
        }
        if analysis.plan.fingerprint != fingerprint {
            return Err(PackagesError::StalePlan(
                "the org changed since this plan was made (or the plan is of another package): plan again".to_owned(),
            ));
        }
        let writes = prepare_functions(&self.functions, &self.store, org, &changing, &keys).await?;
        let rule_writes = prepare_rules(&self.autoscale, org, &rules).await?;
        let mut elements: Vec<ReleaseElement> = chosen
            .iter()
            .map(|f| {
                let written = writes.iter().find(|w| w.row.name == f.name);
                let version = written.map(|w| w.row.version).or(f.current.as_ref().map(|c| c.version));
                let route = Some(f.wanted.route.clone());
                ReleaseElement { id: f.id.clone(), action: f.action, version, route, definition: None }
            })
            .collect();
        // Every selected element is recorded, changed or not: a rollback to this release puts
        // each back as it was here.
        elements.extend(chosen_rules.iter().map(|r| ReleaseElement {
            id: r.id.clone(),
            action: r.action,
            version: None,
            route: None,
            definition: serde_json::to_value(&r.spec).ok(),
        }));
        if let Some((id, action, _)) = chosen_budget {
            elements.push(ReleaseElement {
                id: id.clone(),
                action: *action,
                version: None,
                route: None,
                definition: None,
            });
        }
        let release = ReleaseRow {
            org: org.to_owned(),
            number: 0,
            package_name: analysis.plan.package.clone(),
            digest: opened.digest,
            signers: opened.signers,
            elements,
            rollback_of: None,
            created_at: now_millis(),
        };
        let old_routes: Vec<String> =
            changing.iter().filter_map(|f| f.head.as_ref().map(|h| h.route.clone())).collect();
        let all =
            ReleaseWrites { functions: writes, rules: rule_writes, budget: budget.map(|(_, _, write)| write.clone()) };
        let result = commit(&self.functions, &all, release, &old_routes).await?;
        if let Some(release) = &result.release {
            let rows: Vec<_> = all.rules.into_iter().map(|w| w.row).collect();
            self.autoscale.imported(&rows, release.number).await;
        }
        Ok(result)
    }
}

/// Who holds a function's lock after the apply: none unless the package locks it; the key that
/// holds it now when that key signed again (a co-signer never takes a lock over), else the
/// first trusted signer.
fn lock_holder(import: &FunctionImport, keys: &[String]) -> Option<String> {
    if !import.locked {
        return None;
    }
    let held = import.head.as_ref().and_then(|h| h.locked_by.clone()).filter(|k| keys.contains(k));
    held.or_else(|| keys.first().cloned())
}

/// Every changing function validated and compiled as its next version; nothing is written.
async fn prepare_functions(
    functions: &Functions,
    store: &Store,
    org: &str,
    changing: &[&FunctionImport],
    keys: &[String],
) -> Result<Vec<ImportWrite>, PackagesError> {
    let limits = functions.stored_org_limits(org).await?;
    let creating = changing.iter().filter(|f| f.head.is_none()).count();
    let existing = store.count_functions(org).await? as usize;
    if existing + creating > limits.max_functions as usize {
        return Err(PackagesError::Conflict(format!(
            "this org may have at most {} functions; the package would make {}",
            limits.max_functions,
            existing + creating
        )));
    }
    let mut writes = Vec::new();
    let mut problems = Vec::new();
    for import in changing {
        // Each slot keeps the value this instance has for it, unless the package brings one
        // sealed to this instance.
        let secrets: BTreeMap<String, String> = import
            .current
            .iter()
            .flat_map(|row| &row.secrets)
            .filter(|(name, _)| import.wanted.secrets.contains_key(*name))
            .chain(&import.sealed)
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        // A new function arrives with its earlier versions (if the package carries them) first.
        let earlier: &[FunctionVersionFiles] = if import.head.is_none() { &import.history } else { &[] };
        let mut history = Vec::new();
        for (n, (file, code)) in earlier.iter().enumerate() {
            let spec = spec_of(&import.name, file, code);
            let at = format!("{}.history[{}]", import.id, earlier.len() - n);
            // The values this function gets go with its earlier versions too (a rollback to one
            // keeps working), each for the slots that version names.
            let values = secrets.iter().filter(|(name, _)| file.secrets.contains_key(*name));
            let values: BTreeMap<String, String> = values.map(|(k, v)| (k.clone(), v.clone())).collect();
            match functions.prepare_import(org, &spec, &values, n as i64 + 1, &limits).await {
                Ok(row) => history.push(row),
                Err(error) => problems.extend(invalid(&at, error)?),
            }
        }
        let next = import.head.as_ref().map_or(earlier.len() as i64 + 1, |h| h.latest_version + 1);
        let spec = spec_of(&import.name, &import.wanted, &import.code);
        match functions.prepare_import(org, &spec, &secrets, next, &limits).await {
            Ok(row) => writes.push(ImportWrite {
                route: import.wanted.route.clone(),
                row,
                expected_latest: import.head.as_ref().map(|h| h.latest_version),
                locked_by: lock_holder(import, keys),
                history,
            }),
            Err(error) => problems.extend(invalid(&import.id, error)?),
        }
    }
    if problems.is_empty() { Ok(writes) } else { Err(PackagesError::Unapplicable(problems)) }
}

/// A function that does not validate or compile, as the element's problems (`function:a.code`);
/// any other failure stops the apply.
fn invalid(at: &str, error: FunctionError) -> Result<Vec<ErrorDetail>, PackagesError> {
    match error {
        FunctionError::Invalid(details) => Ok(details
            .into_iter()
            .map(|d| ErrorDetail::field(d.field.map_or_else(|| at.to_owned(), |f| format!("{at}.{f}")), d.reason))
            .collect()),
        other => Err(PackagesError::Invalid(other.to_string())),
    }
}

impl Packages {
    /// Makes the functions of release `number` serve the versions it left and its rules hold the
    /// definitions it wrote, as a new release.
    pub async fn rollback(&self, org: &str, number: i64) -> Result<ApplyResult, PackagesError> {
        let (functions, store) = (&self.functions, &self.store);
        let target = store
            .release(org, number)
            .await?
            .ok_or_else(|| PackagesError::NotFound(format!("org {org} has no release {number}")))?;
        let heads: BTreeMap<String, _> =
            store.list_function_heads(org).await?.into_iter().map(|h| (h.name.clone(), h)).collect();
        let (mut writes, mut elements, mut old_routes) = (Vec::new(), Vec::new(), Vec::new());
        for element in &target.elements {
            let (Some(version), Some(name)) = (element.version, element.id.strip_prefix("function:")) else { continue };
            let Some(head) = heads.get(name) else {
                return Err(PackagesError::Conflict(format!(
                    "function '{name}' was deleted after release {number}; it cannot be rolled back"
                )));
            };
            if let Some(key) = &head.locked_by
                && !target.signers.iter().any(|s| &s.key_id == key)
            {
                return Err(PackagesError::Conflict(format!(
                    "function '{name}' is locked by key {key}, which did not sign release {number}"
                )));
            }
            let route = element.route.clone().unwrap_or_else(|| head.route.clone());
            if head.active_version == Some(version) && head.latest_version == version && head.route == route {
                elements.push(ReleaseElement { action: Action::Unchanged, ..element.clone() });
                continue;
            }
            let old = store
                .get_version(org, name, version)
                .await?
                .ok_or_else(|| PackagesError::NotFound(format!("version {version} of '{name}' is gone")))?;
            let row = functions.prepare_copy(&old, head.latest_version + 1).await.map_err(|e| match e {
                FunctionError::Invalid(details) => PackagesError::Unapplicable(details),
                other => PackagesError::Invalid(other.to_string()),
            })?;
            elements.push(ReleaseElement {
                id: element.id.clone(),
                action: Action::Update,
                version: Some(row.version),
                route: Some(route.clone()),
                definition: None,
            });
            old_routes.push(head.route.clone());
            let locked_by = head.locked_by.clone();
            let expected_latest = Some(head.latest_version);
            writes.push(ImportWrite { route, row, expected_latest, locked_by, history: Vec::new() });
        }
        let rules = self.rules_as_in(org, &target, &mut elements).await?;
        if writes.is_empty() && rules.is_empty() {
            return Ok(ApplyResult { changed: 0, release: None });
        }
        let release = ReleaseRow { number: 0, elements, rollback_of: Some(number), created_at: now_millis(), ..target };
        let all = ReleaseWrites { functions: writes, rules, ..ReleaseWrites::default() };
        let result = commit(functions, &all, release, &old_routes).await?;
        if let Some(release) = &result.release {
            let rows: Vec<_> = all.rules.into_iter().map(|w| w.row).collect();
            self.autoscale.imported(&rows, release.number).await;
        }
        Ok(result)
    }

    /// The rules of `release` that no longer hold the definition it wrote, as writes that put it
    /// back (a deleted rule is made again); their elements go into `elements`.
    async fn rules_as_in(
        &self,
        org: &str,
        release: &ReleaseRow,
        elements: &mut Vec<ReleaseElement>,
    ) -> Result<Vec<RuleWrite>, PackagesError> {
        let now = self.autoscale.rule_rows(org).await.map_err(|e| PackagesError::Invalid(e.to_string()))?;
        let mut imports = Vec::new();
        for element in release.elements.iter().filter(|e| e.id.starts_with("autoscale_rule:")) {
            let Some(definition) = &element.definition else { continue };
            let spec: RuleSpec = serde_json::from_value(definition.clone())
                .map_err(|e| PackagesError::Invalid(format!("{}: {e}", element.id)))?;
            let existing = now.iter().find(|r| r.name == spec.name).cloned();
            let current = existing.as_ref().and_then(|r| crate::autoscale::rule_spec(r).ok());
            let same =
                current.is_some_and(|c| RuleSpec { protected_vms: c.protected_vms.clone(), ..spec.clone() } == c);
            if same {
                elements.push(ReleaseElement { action: Action::Unchanged, ..element.clone() });
                continue;
            }
            let action = if existing.is_some() { Action::Update } else { Action::Create };
            elements.push(ReleaseElement { action, ..element.clone() });
            imports.push(RuleImport { id: element.id.clone(), action, spec, existing });
        }
        prepare_rules(&self.autoscale, org, &imports.iter().collect::<Vec<_>>()).await
    }
}

impl Packages {
    /// The functions and rules edited on this instance since the release that last set them.
    pub async fn drift(&self, org: &str) -> Result<Vec<api_types::Drift>, PackagesError> {
        let releases = self.store.releases(org).await?;
        let history = History::of(&releases, "");
        let heads: BTreeMap<String, i64> =
            self.store.list_function_heads(org).await?.into_iter().map(|h| (h.name, h.latest_version)).collect();
        let mut drift: Vec<api_types::Drift> = history
            .versions
            .into_iter()
            .filter_map(|(id, (release, version))| {
                let current = heads.get(id.strip_prefix("function:")?).copied();
                let now = current.map_or_else(|| "deleted since".to_owned(), |v| format!("now v{v}"));
                (current != Some(version)).then(|| api_types::Drift {
                    detail: format!("release {release} left v{version}, {now}"),
                    id,
                    release,
                    released_version: Some(version),
                    current_version: current,
                })
            })
            .collect();
        let rules = self.autoscale.rule_rows(org).await.map_err(|e| PackagesError::Invalid(e.to_string()))?;
        // Each rule as the newest release that wrote it left it.
        let mut seen = std::collections::BTreeSet::new();
        for release in &releases {
            for element in release.elements.iter().filter(|e| e.id.starts_with("autoscale_rule:")) {
                let Some(definition) = &element.definition else { continue };
                if !seen.insert(element.id.clone()) {
                    continue;
                }
                let Ok(written) = serde_json::from_value::<RuleSpec>(definition.clone()) else { continue };
                let now =
                    rules.iter().find(|r| r.name == written.name).and_then(|r| crate::autoscale::rule_spec(r).ok());
                let detail = match now {
                    None => "deleted since",
                    Some(now) if RuleSpec { protected_vms: now.protected_vms.clone(), ..written } != now => {
                        "edited since"
                    }
                    Some(_) => continue,
                };
                drift.push(super::definition_drift(&element.id, release.number, detail));
            }
        }
        Ok(drift)
    }
}

async fn commit(
    functions: &Functions,
    all: &ReleaseWrites,
    mut release: ReleaseRow,
    old_routes: &[String],
) -> Result<ApplyResult, PackagesError> {
    release.number = functions.commit_release(all, &release, old_routes).await.map_err(|e| match e {
        WriteError::Raced | WriteError::NameTaken(_) => {
            PackagesError::StalePlan("the org changed while the package was being applied: plan again".to_owned())
        }
        WriteError::RouteTaken(route, owner) => PackagesError::Unapplicable(vec![ErrorDetail::field(
            "route",
            format!("route '{route}' is taken by function '{owner}'"),
        )]),
        WriteError::Db(e) => PackagesError::Store(e),
        other => PackagesError::Invalid(other.to_string()),
    })?;
    let changed = all.len() as u32;
    Ok(ApplyResult { changed, release: Some(super::release_dto(release)) })
}

/// The ids to apply: `select`, or every element but downgrades, with the configuration elements
/// they need; each must be in the package, of a kind this import applies and not blocked in
/// `plan`, and whatever else a selected element requires must be selected too.
pub(super) fn selection(
    package: &Package,
    select: Option<&[String]>,
    kinds: &[ElementKind],
    plan: &super::Plan,
) -> Result<BTreeSet<String>, PackagesError> {
    let manifest = package.manifest()?;
    let all: BTreeSet<String> = manifest.elements.iter().map(package::Element::id).collect();
    let mut selected: BTreeSet<String> = match select {
        // Everything but a downgrade, which is applied only when named.
        None => {
            let back = |id: &String| plan.elements.iter().any(|e| &e.id == id && e.action == Action::Downgrade);
            all.iter().filter(|id| !back(id)).cloned().collect()
        }
        Some(ids) => ids.iter().map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()).collect(),
    };
    // A configuration element writes nothing: what a selected element needs of them comes along.
    let configs: Vec<String> = manifest
        .elements
        .iter()
        .filter(|e| selected.contains(&e.id()))
        .flat_map(|e| e.requires.iter().filter(|r| r.starts_with("config:") && all.contains(*r)).cloned())
        .collect();
    selected.extend(configs);
    let mut problems = Vec::new();
    for id in selected.iter().filter(|id| !all.contains(*id)) {
        problems.push(ErrorDetail::field("select", format!("the package has no element {id}")));
    }
    for element in manifest.elements.iter().filter(|e| selected.contains(&e.id())) {
        for needed in element.requires.iter().filter(|r| !selected.contains(*r)) {
            problems.push(ErrorDetail::field(
                "select",
                format!("{} requires {needed}, which is not selected", element.id()),
            ));
        }
    }
    for element in manifest.elements.iter().filter(|e| !kinds.contains(&e.kind) && selected.contains(&e.id())) {
        problems.push(ErrorDetail::field("select", format!("{} is not an element this import applies", element.id())));
    }
    if !problems.is_empty() {
        return Err(PackagesError::Unapplicable(problems));
    }
    let blocked: Vec<ErrorDetail> = plan
        .elements
        .iter()
        .filter(|e| selected.contains(&e.id))
        .filter_map(|e| Some(ErrorDetail::field(e.id.clone(), e.blocked.clone()?)))
        .collect();
    if blocked.is_empty() { Ok(selected) } else { Err(PackagesError::Unapplicable(blocked)) }
}

/// The definition a function element describes.
fn spec_of(name: &str, file: &FunctionFile, code: &BTreeMap<String, String>) -> FunctionSpec {
    let one_file = file.form == "one_file";
    FunctionSpec {
        name: name.to_owned(),
        runtime: "javascript".to_owned(),
        route: file.route.clone(),
        code: if one_file { code.get(ONE_FILE).cloned().unwrap_or_default() } else { String::new() },
        files: (!one_file).then(|| code.clone()),
        main: file.main.clone(),
        trigger: file.trigger.clone(),
        limits: file.limits,
        env: file.env.clone(),
        secrets: None,
        fresh_context: file.fresh_context,
        access: file.access,
        payload_format_version: file.payload_format_version,
    }
}

/// The signers as releases record them.
pub(super) fn signers(verified: Vec<package::Signer>) -> Vec<PackageSigner> {
    verified.into_iter().map(|s| PackageSigner { key_id: s.key_id.0, principal: s.principal }).collect()
}
