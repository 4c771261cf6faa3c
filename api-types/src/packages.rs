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
    pub files: Vec<FileChange>,
    pub secrets: Vec<SecretSlot>,
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
