//! Content packages on the wire: what importing one would change.

use serde::{Deserialize, Serialize};

/// What importing does to one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    Create,
    Update,
    Unchanged,
    /// An update over changes made on this instance since the release that last set it.
    Conflict,
    /// Brought by an earlier release of this package, gone from this one: left as it is.
    Orphan,
    /// The package carries what this element was here before its current version (an older
    /// package): applying it goes back. Never picked unless asked for by name.
    Downgrade,
}

/// A setting that differs (JSON values as text; none: absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A code file that differs, with a unified diff of its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileChange {
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    pub diff: String,
}

/// A secret the package names, and whether the target already has a value for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretSlot {
    pub name: String,
    /// `present` (the target keeps its value) or `missing` (give it one before calling).
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ElementPlan {
    /// `kind:name`, e.g. `function:hello`.
    pub id: String,
    pub action: PlanAction,
    pub fields: Vec<FieldChange>,
    /// Code files that differ; a locked function's diffs are empty (its code is not shown).
    pub files: Vec<FileChange>,
    pub secrets: Vec<SecretSlot>,
    /// The package locks it: on this instance its code is not shown, not editable and not
    /// exported, and only a package signed by the same key changes it.
    #[serde(default)]
    pub locked: bool,
    /// Why it cannot be applied (locked here by another key; a lock without a trusted signer;
    /// a configuration value this instance cannot resolve).
    #[serde(default)]
    pub blocked: Option<String>,
    /// A configuration element: its value here and what it resolved to.
    #[serde(default)]
    pub config: Option<ConfigValue>,
    /// Why the action is what it is, when that needs saying (`the package carries v2; this
    /// instance is at v4`).
    #[serde(default)]
    pub detail: Option<String>,
}

impl ElementPlan {
    /// The plan of element `id` with nothing to show yet.
    pub fn new(id: impl Into<String>, action: PlanAction) -> Self {
        ElementPlan {
            id: id.into(),
            action,
            fields: Vec::new(),
            files: Vec::new(),
            secrets: Vec::new(),
            locked: false,
            blocked: None,
            config: None,
            detail: None,
        }
    }
}

/// A configuration element's value on the importing instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigValue {
    /// `vcd:vapp-template`, `vcd:vapp`, `vcd:edge-gateway`, `vcd:lb-pool`, `url`, `string`, `int`.
    pub kind: String,
    /// The instance's environment, whose value was taken (else the `default` one).
    pub environment: String,
    /// The value for it (a vCD object's name for the `vcd:` types); none: the package has none.
    pub value: Option<String>,
    /// What it resolved to here (the vCD object's id; a pool's name); none: not resolved.
    pub resolved: Option<String>,
    /// Why it did not resolve.
    pub problem: Option<String>,
}

/// Who signed a package, by the principal this instance's trust store gives the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageSigner {
    pub key_id: String,
    pub principal: String,
}

/// `POST /api/org/{org}/packages/plan`: the verified package and what importing it would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackagePlan {
    /// The package's name.
    pub package: String,
    pub org: String,
    pub signers: Vec<PackageSigner>,
    /// Signature problems the org's policy let through.
    pub warnings: Vec<String>,
    pub elements: Vec<ElementPlan>,
    /// What the plan saw (the package and the target's state): apply with it, and the apply is
    /// refused (409 `stale_plan`) if the target changed since.
    pub fingerprint: String,
}

/// `POST /api/org/{org}/packages/apply?plan=…&select=…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ApplyQuery {
    /// The `fingerprint` of the plan being applied.
    pub plan: String,
    /// The elements to apply, comma-separated ids (`function:hello,function:web`); omitted:
    /// every element but downgrades (applied only when named). The configuration elements a
    /// selected element needs come along; whatever else it requires must be selected too.
    #[serde(default)]
    pub select: Option<String>,
}

impl ApplyQuery {
    /// The ids of `select`, or `None` when it was omitted.
    pub fn selection(&self) -> Option<Vec<String>> {
        self.select.as_ref().map(|s| s.split(',').map(str::to_owned).collect())
    }
}

/// `GET /api/org/{org}/packages/export?functions=…`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ExportQuery {
    /// Comma-separated function names; omitted: every function of the org.
    #[serde(default)]
    pub functions: Option<String>,
    /// The target instance's recipient (`age1…`): secret values travel sealed to it. Omitted:
    /// secrets travel as slots without values.
    #[serde(default)]
    pub seal_to: Option<String>,
    /// Comma-separated function names the package locks on the instances that import it.
    #[serde(default)]
    pub lock: Option<String>,
    /// Earlier versions of each function to carry too (0 to 20; default 0): a function the
    /// import creates arrives with them as its first versions.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 20))]
    pub history: Option<u32>,
}

/// An import refused at verification (`GET …/packages/refusals`): nothing of the package was
/// stored but this record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageRefusal {
    pub id: String,
    /// RFC 3339.
    pub refused_at: String,
    /// SHA-256 of the archive as uploaded (or pulled from a source), hex.
    pub archive_sha256: String,
    pub archive_bytes: u64,
    /// Each reason, as the 422 said it.
    pub reasons: Vec<String>,
}

/// `GET /api/provider/packages/export?seal_to=…`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProviderExportQuery {
    /// The target instance's recipient (`age1…`): collector credentials travel sealed to it.
    /// Omitted: they travel as slots without values.
    #[serde(default)]
    pub seal_to: Option<String>,
}

/// One element an export would hold, and why (`GET …/packages/export/elements`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportElement {
    /// `kind:name`, e.g. `autoscale_rule:web`.
    pub id: String,
    /// Why it is in when nobody picked it (`required by rule web`).
    pub reason: Option<String>,
    /// What it needs, as ids.
    pub requires: Vec<String>,
    pub locked: bool,
}

/// `GET /api/org/{org}/packages/recipient`: what exporters seal secret values to for this
/// instance (the public half of its X25519 key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageRecipient {
    pub recipient: String,
}

/// One element of a release and the function version it left serving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseElement {
    pub id: String,
    pub action: PlanAction,
    /// The function's version after the release.
    pub version: Option<i64>,
    /// The function's route after the release.
    pub route: Option<String>,
    /// An autoscale rule's definition as the release wrote it (its vCD ids resolved here), so
    /// that a rollback can write it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub definition: Option<serde_json::Value>,
}

/// One apply (or rollback) of a package into an org, numbered from 1 per org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    pub number: i64,
    pub package: String,
    /// SHA-256 of the package's manifest (which pins every file), hex.
    pub digest: String,
    pub signers: Vec<PackageSigner>,
    /// RFC 3339.
    pub applied_at: String,
    /// The release this one rolled back to.
    pub rollback_of: Option<i64>,
    pub elements: Vec<ReleaseElement>,
}

/// The answer to an apply or a rollback: the release made, or none when nothing changed (the
/// same plan applied twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyResult {
    /// Elements created or updated.
    pub changed: u32,
    pub release: Option<Release>,
}

/// An element changed on this instance since the release that last set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drift {
    pub id: String,
    pub release: i64,
    /// What changed, for people: `release 1 left v1, now v3`, `edited since`, `deleted since`.
    pub detail: String,
    /// A function's version that release left.
    pub released_version: Option<i64>,
    /// A function's newest version now; none: deleted (or not a function).
    pub current_version: Option<i64>,
}

/// Another Stratus this instance pulls packages from (`GET /api/provider/package-sources`,
/// and tenants' `GET /api/org/{org}/packages/sources`). Its token is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageSource {
    pub name: String,
    /// The source's base URL, e.g. `https://stratus.dev.example.com`.
    pub url: String,
    /// The orgs that may pull from it, each the org of the same name there.
    pub orgs: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// Body of `POST /api/provider/package-sources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageSourceCreate {
    /// 1 to 63 lowercase letters, digits and `-`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 63, pattern = r"^[a-z0-9][a-z0-9-]{0,62}$"))]
    pub name: String,
    /// `http://` or `https://` base URL of the other Stratus.
    pub url: String,
    /// A provider token of the source (it reads each org's export there); kept sealed here.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub token: String,
    /// The orgs of this instance that may pull from it, each from the org of the same name
    /// there (the provider vouches that they are the same tenant); at least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub orgs: Vec<String>,
}

/// A key this instance trusts to sign packages (`GET /api/provider/package-keys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageKey {
    pub id: String,
    /// Who signs with it (`alice@dev-team`): what importers are shown as the signer.
    pub principal: String,
    /// The Ed25519 public key, base64.
    pub public_key: String,
    /// Orgs it may sign for; empty: any.
    pub orgs: Vec<String>,
    /// RFC 3339; none: it does not expire.
    pub expires_at: Option<String>,
    pub revoked: bool,
}

/// Body of `POST /api/provider/package-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageKeyTrust {
    /// Who signs with it; not blank, at most 200 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub principal: String,
    /// The Ed25519 public key, base64 (what `stratus keys generate` prints).
    pub public_key: String,
    /// Orgs it may sign for; empty or omitted: any.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// RFC 3339 time after which it no longer counts; omitted: never.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// How an org treats signatures on the packages it imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignatureMode {
    /// Signatures are not looked at (a tampered one still refuses the package).
    Off,
    /// Problems with signers are shown as warnings; the package is accepted.
    #[default]
    Warn,
    /// At least `min_signatures` valid signatures by distinct keys trusted for the org.
    Enforce,
}

/// `GET|PUT /api/provider/orgs/{org}/package-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackagePolicy {
    pub mode: SignatureMode,
    /// With `enforce`: how many (1 to 10; an author and an approver is 2).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub min_signatures: u32,
}

impl Default for PackagePolicy {
    fn default() -> Self {
        PackagePolicy { mode: SignatureMode::Warn, min_signatures: 1 }
    }
}
