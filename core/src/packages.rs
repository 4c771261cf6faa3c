//! Content packages on this instance: exporting an org's functions into a package, and the
//! trust store of keys allowed to sign packages (the format and the checks are the `package`
//! crate's). [`plan`] says what importing one would change; [`apply_archive`] applies it as a
//! release, [`rollback`] goes back to an earlier release and [`drift`] lists what was edited
//! here since. `provider` does the same for the provider's own content (rate cards,
//! collectors, per-org limits) as provider releases.

mod apply;
mod budget;
mod plan;
mod provider;
mod provider_docs;
mod rules;
mod service;
mod sources;

pub use api_types::PlanAction as Action;
pub use plan::{Plan, plan};
pub use rules::ConfigFile;
pub use service::Packages;
pub use sources::{add_source, remove_source, sources};

use std::collections::BTreeMap;

use api_types::{FunctionAccess, FunctionLimits, LambdaPayload, Trigger, VersionStatus};
use package::{Element, ElementKind, Files, KeyId, Package, PackageKind, TrustedKey};
use serde::{Deserialize, Serialize};

use crate::dates::now_millis;
use sha2::{Digest as _, Sha256};

use crate::store::{PackageKeyRow, ReleaseRow, Store, VersionRow};

/// Why a package operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PackagesError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The thing exists already (a key trusted twice).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Package(#[from] package::PackageError),
    /// The package did not verify: each reason.
    #[error("the package does not verify")]
    Refused(Vec<String>),
    /// A package source did not answer, refused this instance, or sent too much.
    #[error("{0}")]
    Source(String),
    /// The target changed since the plan was made.
    #[error("{0}")]
    StalePlan(String),
    /// The package verified but some elements cannot be applied (each named).
    #[error("the package cannot be applied")]
    Unapplicable(Vec<api_types::ErrorDetail>),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// `functions/<name>/function.json`: everything about a function but its code and secret values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionFile {
    pub route: String,
    pub trigger: Trigger,
    pub limits: FunctionLimits,
    pub env: BTreeMap<String, String>,
    /// Secret slots by name: `unset` (no value travels: the target must have or be given one),
    /// `keep` (the same on import: the target's value stays; written by hand to say so) or
    /// `sealed` (the value travels in `secrets/<name>.age`, encrypted to the target instance).
    /// Values never travel in clear, nor their hashes.
    pub secrets: BTreeMap<String, String>,
    pub fresh_context: bool,
    pub access: FunctionAccess,
    pub payload_format_version: LambdaPayload,
    /// `one_file` (its code is `code/function.js`) or `files` (the tree under `code/`).
    pub form: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
}

/// Where a function's earlier versions travel, newest first: `functions/<name>/history/1/…`.
pub(crate) const HISTORY: &str = "history";

/// Most earlier versions an export carries per function.
pub const MAX_HISTORY: u32 = 20;

/// The file a one-file function's code travels as.
pub(crate) const ONE_FILE: &str = "function.js";

/// Where a sealed secret value travels inside a function's folder.
pub(crate) fn sealed_path(slot: &str) -> String {
    format!("secrets/{slot}.age")
}

/// What an export holds and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Function names; empty: every function of the org (locked ones left out).
    pub functions: Vec<String>,
    /// A target instance's recipient (`age1…`): secret values travel sealed to it; otherwise
    /// as `unset` slots.
    pub seal_to: Option<String>,
    /// Functions the package locks on the instances that import it.
    pub lock: Vec<String>,
    /// How many earlier versions of each function travel with it (`history/1` the one before
    /// the serving version…); an import that creates the function makes them its first versions.
    pub history: u32,
}

/// A package of `org`'s functions, each as its serving version (the CLI's export: a server's
/// [`Packages::export`] adds the org's autoscale rules).
pub async fn export_functions(store: &Store, org: &str, options: &ExportOptions) -> Result<Package, PackagesError> {
    let (content, elements) = function_content(store, org, options).await?;
    seal_package(org, elements, content)
}

pub(crate) fn seal_package(org: &str, elements: Vec<Element>, content: Files) -> Result<Package, PackagesError> {
    Ok(Package::seal(PackageKind::Tenant, &format!("{org} content"), elements, content)?)
}

/// The files and elements of the org's functions.
pub(crate) async fn function_content(
    store: &Store,
    org: &str,
    options: &ExportOptions,
) -> Result<(Files, Vec<Element>), PackagesError> {
    let (names, seal_to) = (&options.functions, options.seal_to.as_deref());
    let heads = store.list_function_heads(org).await?;
    for name in names.iter().chain(&options.lock) {
        if !heads.iter().any(|h| &h.name == name) {
            return Err(PackagesError::NotFound(format!("org {org} has no function '{name}'")));
        }
    }
    let mut content = Files::new();
    let mut elements = Vec::new();
    if let Some(head) = heads.iter().find(|h| h.locked_by.is_some() && names.contains(&h.name)) {
        return Err(PackagesError::Conflict(format!("function '{}' is locked and cannot be exported", head.name)));
    }
    // A full export leaves locked functions out: they are never exported again.
    let picked = heads.iter().filter(|h| h.locked_by.is_none() && (names.is_empty() || names.contains(&h.name)));
    for head in picked {
        let Some(version) = head.active_version else {
            return Err(PackagesError::Invalid(format!("function '{}' has no ready version to export", head.name)));
        };
        let row = store
            .get_version(org, &head.name, version)
            .await?
            .filter(|v| v.status == VersionStatus::Ready)
            .ok_or_else(|| PackagesError::NotFound(format!("version {version} of '{}'", head.name)))?;
        let folder = format!("functions/{}", head.name);
        add_function(&mut content, &folder, &head.route, &row, seal_to)?;
        if options.history > 0 {
            let earlier = store.list_versions(org, &head.name).await?;
            let earlier = earlier.iter().filter(|v| v.version < version && v.status == VersionStatus::Ready);
            for (n, old) in earlier.take(options.history as usize).enumerate() {
                add_function(&mut content, &format!("{folder}/{HISTORY}/{}", n + 1), &head.route, old, None)?;
            }
        }
        elements.push(Element {
            kind: ElementKind::Function,
            name: head.name.clone(),
            path: folder,
            requires: Vec::new(),
            reason: None,
            locked: options.lock.contains(&head.name),
        });
    }
    Ok((content, elements))
}

fn add_function(
    content: &mut Files,
    folder: &str,
    route: &str,
    row: &VersionRow,
    seal_to: Option<&str>,
) -> Result<(), PackagesError> {
    match &row.files {
        Some(files) => {
            for (path, text) in files {
                content.insert(format!("{folder}/code/{path}"), text.clone().into_bytes());
            }
        }
        None => {
            content.insert(format!("{folder}/code/{ONE_FILE}"), row.code.clone().into_bytes());
        }
    }
    let mut file = function_file(route, row);
    if let Some(recipient) = seal_to {
        for (name, value) in &row.secrets {
            content.insert(format!("{folder}/{}", sealed_path(name)), package::seal(recipient, value)?.into_bytes());
            file.secrets.insert(name.clone(), "sealed".to_owned());
        }
    }
    content.insert(format!("{folder}/function.json"), json_bytes(&file)?);
    Ok(())
}

/// What `function.json` says of a stored version.
pub(crate) fn function_file(route: &str, row: &VersionRow) -> FunctionFile {
    FunctionFile {
        route: route.to_owned(),
        trigger: row.trigger.clone(),
        limits: FunctionLimits {
            memory_mb: u32::try_from(row.memory_mb).ok(),
            timeout_ms: u32::try_from(row.timeout_ms).ok(),
        },
        env: row.env.clone(),
        secrets: row.secrets.keys().map(|name| (name.clone(), "unset".to_owned())).collect(),
        fresh_context: row.fresh_context,
        access: row.access,
        payload_format_version: row.payload_format,
        form: if row.files.is_some() { "files" } else { "one_file" }.to_owned(),
        main: if row.files.is_some() { row.main.clone() } else { None },
    }
}

/// A package's JSON file: keys sorted, two-space indent, a final newline.
pub(crate) fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>, PackagesError> {
    let mut json = serde_json::to_string_pretty(&serde_json::to_value(value).map_err(invalid)?).map_err(invalid)?;
    json.push('\n');
    Ok(json.into_bytes())
}

fn invalid(error: serde_json::Error) -> PackagesError {
    PackagesError::Invalid(error.to_string())
}

/// The org's signature policy (`warn` with one signature unless its provider set another).
pub async fn policy(store: &Store, org: &str) -> Result<api_types::PackagePolicy, PackagesError> {
    Ok(store.package_policy(org).await?.unwrap_or_default())
}

/// The signature policy provider packages are verified under (`warn` with one signature unless
/// the provider set another).
pub async fn provider_policy(store: &Store) -> Result<api_types::PackagePolicy, PackagesError> {
    Ok(store.provider_package_policy().await?.unwrap_or_default())
}

/// Sets the policy provider packages are verified under.
pub async fn set_provider_policy(store: &Store, policy: api_types::PackagePolicy) -> Result<(), PackagesError> {
    check_policy(&policy)?;
    Ok(store.put_provider_package_policy(&policy, now_millis()).await?)
}

fn check_policy(policy: &api_types::PackagePolicy) -> Result<(), PackagesError> {
    if (1..=10).contains(&policy.min_signatures) {
        Ok(())
    } else {
        Err(PackagesError::Invalid("min_signatures must be between 1 and 10".to_owned()))
    }
}

/// Sets the org's signature policy.
pub async fn set_policy(store: &Store, org: &str, policy: api_types::PackagePolicy) -> Result<(), PackagesError> {
    check_policy(&policy)?;
    Ok(store.put_package_policy(org, &policy, now_millis()).await?)
}

/// The verifier's policy for an org's.
pub fn verify_policy(policy: api_types::PackagePolicy) -> package::Policy {
    match policy.mode {
        api_types::SignatureMode::Off => package::Policy::Off,
        api_types::SignatureMode::Warn => package::Policy::Warn,
        api_types::SignatureMode::Enforce => {
            package::Policy::Enforce { min_signatures: policy.min_signatures.max(1) as usize }
        }
    }
}

/// A package read from an archive and verified for an org.
pub(crate) struct Opened {
    pub(crate) package: Package,
    /// SHA-256 of its manifest, hex.
    pub(crate) digest: String,
    pub(crate) signers: Vec<api_types::PackageSigner>,
    pub(crate) warnings: Vec<String>,
}

/// Reads an archive and verifies it for `org` (`""`: the provider's scope) against the trust
/// store under that scope's signature policy; a package of the other kind is refused. A refusal
/// stores nothing of the package, only a record of it (the archive's hash, size and reasons).
pub(crate) async fn open(store: &Store, org: &str, archive: &[u8]) -> Result<Opened, PackagesError> {
    let opened = verified(store, org, archive).await;
    let reasons = match &opened {
        Err(PackagesError::Refused(reasons)) => reasons.clone(),
        Err(PackagesError::Package(error)) => vec![error.to_string()],
        _ => return opened,
    };
    let row = crate::store::RefusalRow {
        refusal_id: crate::ids::new_id("refusal"),
        org: org.to_owned(),
        archive_sha256: hex::encode(Sha256::digest(archive)),
        archive_bytes: archive.len() as i64,
        reasons,
        created_at: now_millis(),
    };
    if let Err(error) = store.record_refusal(&row).await {
        tracing::warn!(%error, org, "could not record a refused package");
    }
    opened
}

/// An org's refused imports (`""`: the provider's), newest first.
pub async fn refusals(store: &Store, org: &str) -> Result<Vec<api_types::PackageRefusal>, PackagesError> {
    Ok(store
        .refusals(org)
        .await?
        .into_iter()
        .map(|r| api_types::PackageRefusal {
            id: r.refusal_id,
            refused_at: crate::dates::rfc3339_from_millis(r.created_at),
            archive_sha256: r.archive_sha256,
            archive_bytes: u64::try_from(r.archive_bytes).unwrap_or(0),
            reasons: r.reasons,
        })
        .collect())
}

async fn verified(store: &Store, org: &str, archive: &[u8]) -> Result<Opened, PackagesError> {
    let (scope, kind) = if org.is_empty() { (None, PackageKind::Provider) } else { (Some(org), PackageKind::Tenant) };
    let policy = match scope {
        Some(org) => policy(store, org).await?,
        None => provider_policy(store).await?,
    };
    let package = Package::from_archive(archive, package::Caps::default())?;
    let trust = trusted_keys(store).await?;
    let verified = package::verify(&package, &trust, scope, now_millis(), verify_policy(policy))
        .map_err(|refusals| PackagesError::Refused(refusals.iter().map(ToString::to_string).collect()))?;
    if verified.manifest.kind != kind {
        let why = match kind {
            PackageKind::Tenant => "a provider package: the provider imports it (/api/provider/packages)",
            PackageKind::Provider => "a tenant package: an org imports it (/api/org/{org}/packages)",
        };
        return Err(PackagesError::Refused(vec![format!("this is {why}")]));
    }
    let digest = hex::encode(Sha256::digest(package.manifest_bytes()?));
    let warnings = verified.warnings.iter().map(ToString::to_string).collect();
    Ok(Opened { package, digest, signers: apply::signers(verified.signers), warnings })
}

/// This instance's key for sealed secret values (made on first use, shared by replicas).
pub async fn instance_key(store: &Store) -> Result<package::InstanceKey, PackagesError> {
    let fresh = package::InstanceKey::generate().secret();
    Ok(package::InstanceKey::from_secret(&store.instance_age_identity(&fresh, now_millis()).await?)?)
}

/// What exporters seal secret values to for this instance (`age1…`).
pub async fn recipient(store: &Store) -> Result<String, PackagesError> {
    Ok(instance_key(store).await?.recipient())
}

/// A drift entry for an element whose definition differs from what `release` wrote
/// (`detail`: `edited since`, `deleted since`).
pub(crate) fn definition_drift(id: &str, release: i64, detail: &str) -> api_types::Drift {
    api_types::Drift {
        id: id.to_owned(),
        release,
        detail: format!("{detail} release {release}"),
        released_version: None,
        current_version: None,
    }
}

/// The org's releases, newest first.
pub async fn releases(store: &Store, org: &str) -> Result<Vec<api_types::Release>, PackagesError> {
    Ok(store.releases(org).await?.into_iter().map(release_dto).collect())
}

pub(crate) fn release_dto(row: ReleaseRow) -> api_types::Release {
    api_types::Release {
        number: row.number,
        package: row.package_name,
        digest: row.digest,
        signers: row.signers,
        applied_at: crate::dates::rfc3339_from_millis(row.created_at),
        rollback_of: row.rollback_of,
        elements: row.elements,
    }
}

/// Trusts `public_key` (base64 Ed25519) for `principal`, for `orgs` (empty: any) until
/// `expires_at` (ms).
pub async fn trust(
    store: &Store,
    principal: &str,
    public_key: &str,
    orgs: Vec<String>,
    expires_at: Option<i64>,
) -> Result<TrustedKey, PackagesError> {
    if principal.trim().is_empty() {
        return Err(PackagesError::Invalid("a trusted key needs a principal (who signs with it)".to_owned()));
    }
    let mut key = TrustedKey::new(principal.trim(), public_key)?;
    key.orgs = orgs;
    key.expires_at = expires_at;
    let row = PackageKeyRow {
        key_id: key.id.0.clone(),
        principal: key.principal.clone(),
        public_key: key.public_key.clone(),
        orgs: key.orgs.clone(),
        expires_at,
        revoked_at: None,
        created_at: now_millis(),
    };
    if !store.insert_package_key(&row).await? {
        return Err(PackagesError::Conflict(format!("key {} is trusted already", key.id)));
    }
    Ok(key)
}

/// Revokes a trusted key: packages it signed no longer verify under `enforce`.
pub async fn revoke(store: &Store, key_id: &str) -> Result<(), PackagesError> {
    if store.revoke_package_key(key_id, now_millis()).await? {
        Ok(())
    } else {
        Err(PackagesError::NotFound(format!("no trusted, unrevoked key {key_id}")))
    }
}

/// The trust store, revoked keys included (marked).
pub async fn trusted_keys(store: &Store) -> Result<Vec<TrustedKey>, PackagesError> {
    Ok(store
        .package_keys()
        .await?
        .into_iter()
        .map(|row| TrustedKey {
            id: KeyId(row.key_id),
            principal: row.principal,
            public_key: row.public_key,
            orgs: row.orgs,
            expires_at: row.expires_at,
            revoked: row.revoked_at.is_some(),
        })
        .collect())
}
