//! Provider packages: the instance-wide content a provider moves between its instances (rate
//! cards with per-org overrides, showback collectors, per-org function limits; see
//! [`super::provider_docs`]). Exported, verified under the provider's signature policy (keys
//! trusted for some orgs only never count), planned element by element, applied as a provider
//! release in one transaction that re-checks what the plan saw, rolled back, and checked for
//! drift, as an org's packages are.

use std::collections::BTreeMap;

use api_types::{ApplyResult, CollectorSource, ElementPlan, FieldChange, PlanAction as Action, ReleaseElement};
use package::{ElementKind, Package, PackageKind};
use sha2::{Digest as _, Sha256};

use super::apply::selection;
use super::provider_docs::{Doc, card_entries, collector_doc, credential, normalized, problems, read_element};
use super::rules::{config_plan, json_changes, resolve_configs};
use super::{Packages, PackagesError, Plan, open};
use crate::dates::now_millis;
use crate::ids::new_id;
use crate::store::{
    CardWrite, CollectorRow, CollectorWrite, LimitsWrite, ProviderWrites, RateRow, ReleaseRow, WriteError, card_stamp,
};

/// The provider's scope where releases and verification take an org.
const PROVIDER: &str = "";

/// What a provider package's import applies.
const PROVIDER_KINDS: &[ElementKind] =
    &[ElementKind::RateCard, ElementKind::Collector, ElementKind::OrgLimits, ElementKind::Config];

/// An element as this instance holds it now.
struct Held {
    /// None: absent (a new collector, a card without entries, limits never set).
    doc: Option<Doc>,
    /// What the fingerprint and the write's guard compare.
    stamp: String,
    collector: Option<CollectorRow>,
    limits_at: Option<i64>,
    /// The org it is about does not exist here.
    missing_org: bool,
}

/// One element of the package with what this instance holds of it.
struct Import {
    action: Action,
    doc: Doc,
    held: Held,
    /// A collector credential sealed to this instance, opened (else the credential here stays).
    sealed: Option<String>,
}

impl Packages {
    /// Every provider element of this instance as a package (unsigned); with `seal_to`,
    /// collector credentials travel sealed to that instance, else as `unset` slots.
    pub async fn export_provider(&self, seal_to: Option<&str>) -> Result<Package, PackagesError> {
        let (content, elements) = super::provider_docs::export(&self.store, &self.environment, seal_to).await?;
        Ok(Package::seal(PackageKind::Provider, "provider content", elements, content)?)
    }

    /// Verifies a provider package and plans its import into this instance (nothing is written).
    pub async fn plan_provider(&self, archive: &[u8]) -> Result<Plan, PackagesError> {
        let opened = open(&self.store, PROVIDER, archive).await?;
        let (mut plan, _) = self.analyse_provider(&opened.package).await?;
        plan.signers = opened.signers;
        plan.warnings = opened.warnings;
        Ok(plan)
    }

    async fn analyse_provider(&self, package: &Package) -> Result<(Plan, BTreeMap<String, Import>), PackagesError> {
        let manifest = package.manifest()?;
        let releases = self.store.releases(PROVIDER).await?;
        let configs = resolve_configs(None, &self.environment, PROVIDER, package, &manifest).await?;
        let key = super::instance_key(&self.store).await?;
        let mut fingerprint = Sha256::new();
        fingerprint.update(Sha256::digest(package.manifest_bytes()?));
        let mut elements: Vec<ElementPlan> = configs.iter().map(|(id, value)| config_plan(id, value)).collect();
        let (mut imports, mut seen) = (BTreeMap::new(), std::collections::BTreeSet::new());
        for element in manifest.elements.iter().filter(|e| e.kind != ElementKind::Config) {
            if !seen.insert(element.id()) {
                return Err(PackagesError::Invalid(format!("{} is in the package twice", element.id())));
            }
            let (mut doc, secret) = read_element(package, element)?;
            let mut unresolved = Vec::new();
            if let Doc::Collector { collector } = &mut doc
                && let CollectorSource::Http(http) = &mut collector.source
                && let Some(config) =
                    http.url.strip_prefix("${config:").and_then(|k| k.strip_suffix('}')).map(str::to_owned)
            {
                match configs.get(&format!("config:{config}")).and_then(|c| c.resolved.clone()) {
                    Some(url) => http.url = url,
                    None => unresolved.push(format!("config:{config}")),
                }
            }
            let doc = normalized(doc);
            let sealed = (secret.as_deref() == Some("sealed"))
                .then(|| {
                    let armored = package.files().get(&element.path.replace(".json", ".age"))?;
                    key.open(std::str::from_utf8(armored).ok()?)
                })
                .flatten();
            let held = self.held(&doc).await?;
            fingerprint.update(format!("{}={} {}\n", element.id(), held.stamp, held.missing_org));
            let mut planned = compare(element.id(), &doc, &held, sealed.as_deref(), secret.is_some());
            planned.blocked = blocked(&doc, &held, &unresolved);
            if planned.action == Action::Update
                && let Some((release, released)) = last_released(&releases, &planned.id)
                && held.doc.as_ref() != Some(&released)
            {
                planned.action = Action::Conflict;
                planned.detail = Some(format!("edited here since release {release} set it"));
            }
            let import = Import { action: planned.action, doc, held, sealed };
            imports.insert(planned.id.clone(), import);
            elements.push(planned);
        }
        let plan = Plan {
            package: manifest.name,
            org: PROVIDER.to_owned(),
            signers: Vec::new(),
            warnings: Vec::new(),
            elements,
            fingerprint: hex::encode(fingerprint.finalize()),
        };
        Ok((plan, imports))
    }

    /// What this instance holds of the element `doc` is about.
    async fn held(&self, doc: &Doc) -> Result<Held, PackagesError> {
        let store = &self.store;
        let missing_org = match doc.org() {
            Some(org) => store.find_org(org).await?.is_none(),
            None => false,
        };
        let mut held = Held { doc: None, stamp: String::new(), collector: None, limits_at: None, missing_org };
        match doc {
            Doc::RateCard { org, .. } => {
                let rows = store.list_rates(org.as_deref()).await?;
                held.stamp = card_stamp(&rows);
                held.doc = (!rows.is_empty()).then(|| Doc::RateCard { org: org.clone(), entries: card_entries(&rows) });
            }
            Doc::Collector { collector } => {
                let row = store.list_collectors().await?.into_iter().find(|c| c.name == collector.name);
                held.stamp = row.as_ref().map_or(0, |r| r.updated_at).to_string();
                held.doc = row.as_ref().map(collector_doc);
                held.collector = row;
            }
            Doc::OrgLimits { org, .. } => {
                if let Some((limits, at)) = store.org_limits_stamped(org).await? {
                    held.limits_at = at;
                    held.stamp = at.unwrap_or(0).to_string();
                    held.doc = limits.map(|limits| Doc::OrgLimits { org: org.clone(), limits });
                }
            }
        }
        Ok(held)
    }

    /// Verifies `archive` again, plans it again, and applies the `select`ed elements (all when
    /// `None`) as a provider release if the plan's `fingerprint` is still what this instance shows.
    pub async fn apply_provider(
        &self,
        archive: &[u8],
        fingerprint: &str,
        select: Option<&[String]>,
    ) -> Result<ApplyResult, PackagesError> {
        let opened = open(&self.store, PROVIDER, archive).await?;
        let (plan, imports) = self.analyse_provider(&opened.package).await?;
        let selected = selection(&opened.package, select, PROVIDER_KINDS, &plan)?;
        let chosen: Vec<(&String, &Import)> = imports.iter().filter(|(id, _)| selected.contains(*id)).collect();
        if chosen.iter().all(|(_, i)| i.action == Action::Unchanged) {
            return Ok(ApplyResult { changed: 0, release: None });
        }
        if plan.fingerprint != fingerprint {
            return Err(PackagesError::StalePlan(
                "this instance changed since the plan was made (or the plan is of another package): plan again"
                    .to_owned(),
            ));
        }
        let mut writes = ProviderWrites::default();
        let mut elements = Vec::new();
        for (id, import) in chosen {
            if import.action != Action::Unchanged {
                add_write(&mut writes, import)?;
            }
            elements.push(recorded(id, import.action, &import.doc));
        }
        let release = ReleaseRow {
            org: PROVIDER.to_owned(),
            number: 0,
            package_name: plan.package,
            digest: opened.digest,
            signers: opened.signers,
            elements,
            rollback_of: None,
            created_at: now_millis(),
        };
        self.commit_provider(&writes, release).await
    }

    /// Puts every element of provider release `number` back as it wrote it, as a new release
    /// (collector credentials stay as they are here).
    pub async fn rollback_provider(&self, number: i64) -> Result<ApplyResult, PackagesError> {
        let target = self
            .store
            .release(PROVIDER, number)
            .await?
            .ok_or_else(|| PackagesError::NotFound(format!("there is no provider release {number}")))?;
        let (mut writes, mut elements) = (ProviderWrites::default(), Vec::new());
        for element in &target.elements {
            let Some(doc) = element.definition.clone().and_then(|d| serde_json::from_value::<Doc>(d).ok()) else {
                continue;
            };
            let held = self.held(&doc).await?;
            if held.missing_org {
                return Err(PackagesError::Conflict(format!(
                    "{}: its org was deleted after release {number}; it cannot be rolled back",
                    element.id
                )));
            }
            let action = match &held.doc {
                Some(now) if *now == doc => Action::Unchanged,
                Some(_) => Action::Update,
                None => Action::Create,
            };
            let import = Import { action, doc, held, sealed: None };
            if action != Action::Unchanged {
                add_write(&mut writes, &import)?;
            }
            elements.push(recorded(&element.id, action, &import.doc));
        }
        if writes.is_empty() {
            return Ok(ApplyResult { changed: 0, release: None });
        }
        let release = ReleaseRow { number: 0, elements, rollback_of: Some(number), created_at: now_millis(), ..target };
        self.commit_provider(&writes, release).await
    }

    /// The provider elements edited (or deleted) here since the release that last wrote them.
    pub async fn drift_provider(&self) -> Result<Vec<api_types::Drift>, PackagesError> {
        let releases = self.store.releases(PROVIDER).await?;
        let mut seen = std::collections::BTreeSet::new();
        let mut drift = Vec::new();
        for release in &releases {
            for element in &release.elements {
                if !seen.insert(element.id.clone()) {
                    continue;
                }
                let Some(doc) = element.definition.clone().and_then(|d| serde_json::from_value::<Doc>(d).ok()) else {
                    continue;
                };
                let detail = match self.held(&doc).await?.doc {
                    None => "deleted since",
                    Some(now) if now != doc => "edited since",
                    Some(_) => continue,
                };
                drift.push(super::definition_drift(&element.id, release.number, detail));
            }
        }
        Ok(drift)
    }

    async fn commit_provider(
        &self,
        writes: &ProviderWrites,
        mut release: ReleaseRow,
    ) -> Result<ApplyResult, PackagesError> {
        release.number = self.store.write_provider_release(writes, &release).await.map_err(|e| match e {
            WriteError::Raced => PackagesError::StalePlan(
                "this instance changed while the package was being applied: plan again".to_owned(),
            ),
            WriteError::Db(e) => PackagesError::Store(e),
            other => PackagesError::Invalid(other.to_string()),
        })?;
        for write in &writes.limits {
            self.functions.org_settings_changed(&write.org).await;
        }
        Ok(ApplyResult { changed: writes.len() as u32, release: Some(super::release_dto(release)) })
    }
}

/// The newest release that recorded element `id`, and the document it wrote.
fn last_released(releases: &[ReleaseRow], id: &str) -> Option<(i64, Doc)> {
    releases.iter().find_map(|release| {
        let element = release.elements.iter().find(|e| e.id == id)?;
        Some((release.number, serde_json::from_value(element.definition.clone()?).ok()?))
    })
}

fn recorded(id: &str, action: Action, doc: &Doc) -> ReleaseElement {
    ReleaseElement { id: id.to_owned(), action, version: None, route: None, definition: serde_json::to_value(doc).ok() }
}

/// Why the element cannot be applied here, if it cannot.
fn blocked(doc: &Doc, held: &Held, unresolved: &[String]) -> Option<String> {
    if held.missing_org {
        return Some(format!("org {} does not exist on this instance", doc.org().unwrap_or_default()));
    }
    if !unresolved.is_empty() {
        return Some(format!("{} not resolved on this instance", unresolved.join(", ")));
    }
    let problems = problems(doc);
    (!problems.is_empty()).then(|| {
        let reasons: Vec<String> =
            problems.iter().map(|p| format!("{}: {}", p.field.as_deref().unwrap_or("-"), p.reason)).collect();
        format!("not valid: {}", reasons.join("; "))
    })
}

/// The plan of one element: what differs between what the package brings and what is here.
fn compare(id: String, wanted: &Doc, held: &Held, sealed: Option<&str>, slot: bool) -> ElementPlan {
    let current_credential = held.collector.as_ref().and_then(credential);
    let secrets = if slot {
        let status = match (sealed, current_credential) {
            (Some(value), Some(now)) if value == now => "present",
            (Some(_), _) => "sealed",
            (None, Some(_)) => "present",
            (None, None) => "missing",
        };
        vec![api_types::SecretSlot { name: "auth_value".to_owned(), status: status.to_owned() }]
    } else {
        Vec::new()
    };
    let Some(now) = &held.doc else {
        return ElementPlan { fields: field_changes(None, wanted), secrets, ..ElementPlan::new(id, Action::Create) };
    };
    let fields = field_changes(Some(now), wanted);
    let sets_secret = secrets.iter().any(|s| s.status == "sealed");
    let action = if fields.is_empty() && !sets_secret { Action::Unchanged } else { Action::Update };
    ElementPlan { fields, secrets, ..ElementPlan::new(id, action) }
}

/// Field by field: a card's entries by service, unit and day; a collector's settings and its
/// source's; each limit.
fn field_changes(now: Option<&Doc>, wanted: &Doc) -> Vec<FieldChange> {
    match (now, wanted) {
        (now, Doc::RateCard { entries, .. }) => {
            let key = |e: &api_types::RateInput| format!("{}/{} from {}", e.service, e.unit, e.effective_from);
            let price = |e: &api_types::RateInput| format!("{} {}", e.unit_price, e.currency);
            let old: BTreeMap<String, String> = match now {
                Some(Doc::RateCard { entries, .. }) => entries.iter().map(|e| (key(e), price(e))).collect(),
                _ => BTreeMap::new(),
            };
            let new: BTreeMap<String, String> = entries.iter().map(|e| (key(e), price(e))).collect();
            let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            keys.into_iter()
                .filter(|k| old.get(*k) != new.get(*k))
                .map(|k| FieldChange { field: k.clone(), from: old.get(k).cloned(), to: new.get(k).cloned() })
                .collect()
        }
        (now, Doc::Collector { collector }) => {
            let value = |doc: Option<&Doc>| match doc {
                Some(Doc::Collector { collector }) => serde_json::to_value(collector).unwrap_or_default(),
                _ => serde_json::Value::Null,
            };
            let (old, new) = (value(now), serde_json::to_value(collector).unwrap_or_default());
            let mut changes: Vec<FieldChange> =
                json_changes(&old, &new).into_iter().filter(|c| c.field != "source").collect();
            let source = |v: &serde_json::Value| v.get("source").cloned().unwrap_or_default();
            // The credential is never in a document: its slot says what happens to it.
            let source_changes =
                json_changes(&source(&old), &source(&new)).into_iter().filter(|c| c.field != "auth_value");
            changes.extend(source_changes.map(|c| FieldChange { field: format!("source.{}", c.field), ..c }));
            changes
        }
        (now, Doc::OrgLimits { limits, .. }) => {
            // Limits the provider never set are the defaults: the change is from those.
            let old = match now {
                Some(Doc::OrgLimits { limits, .. }) => serde_json::to_value(limits).unwrap_or_default(),
                _ => serde_json::to_value(api_types::OrgLimits::default()).unwrap_or_default(),
            };
            json_changes(&old, &serde_json::to_value(limits).unwrap_or_default())
        }
    }
}

/// Adds what writing `import` takes (it was checked by the plan: a problem here is a bug).
fn add_write(writes: &mut ProviderWrites, import: &Import) -> Result<(), PackagesError> {
    let now = now_millis();
    match &import.doc {
        Doc::RateCard { org, entries } => {
            let rows: Result<Vec<RateRow>, _> =
                entries.iter().map(|e| crate::showback::rate_row(e.clone(), org.clone())).collect();
            let entries = rows.map_err(|e| PackagesError::Invalid(e.to_string()))?;
            writes.rate_cards.push(CardWrite { org: org.clone(), entries, expected: import.held.stamp.clone() });
        }
        Doc::Collector { collector } => {
            let held = import.held.collector.as_ref();
            let mut source = collector.source.clone();
            if let CollectorSource::Http(http) = &mut source {
                // A credential never travels but sealed: the one here stays unless one arrives.
                let kept = held.and_then(credential).map(str::to_owned);
                http.auth_value = import.sealed.clone().or(kept);
            }
            let row = CollectorRow {
                collector_id: held.map_or_else(|| new_id("col"), |c| c.collector_id.clone()),
                name: collector.name.trim().to_owned(),
                kind: source.kind(),
                schedule: collector.schedule.trim().to_owned(),
                enabled: collector.enabled,
                source,
                created_at: held.map_or(now, |c| c.created_at),
                updated_at: now,
            };
            writes.collectors.push(CollectorWrite { row, expected_updated_at: held.map(|c| c.updated_at) });
        }
        Doc::OrgLimits { org, limits } => writes.limits.push(LimitsWrite {
            org: org.clone(),
            limits: *limits,
            expected_updated_at: import.held.limits_at,
        }),
    }
    Ok(())
}
