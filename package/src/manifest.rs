//! The manifest: what a package holds, why each element is in, and the SHA-256 of every file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The manifest format this build writes and reads.
pub const FORMAT: u32 = 1;

/// Who may import it: a tenant package goes into an org, a provider package into an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    Tenant,
    Provider,
}

/// What an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    Function,
    AutoscaleRule,
    Budget,
    Collector,
    RateCard,
    OrgLimits,
    /// A value that differs per environment (a vCD reference, a URL…), resolved on the target.
    Config,
}

/// One element and where its files are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    pub kind: ElementKind,
    pub name: String,
    /// The folder (or file) of the element inside the package, e.g. `functions/hello`.
    pub path: String,
    /// Elements it needs, as `kind:name` (`config:web-vapp`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Why it is in the package when the exporter did not pick it (`required by rule web`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The importing instance never shows or re-exports its code; only a package signed by the
    /// same key updates it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
}

impl Element {
    /// `kind:name`, as `requires` lists it.
    pub fn id(&self) -> String {
        let kind = serde_json::to_value(self.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        format!("{kind}:{}", self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub kind: PackageKind,
    /// A name for people, e.g. `acme functions`.
    pub name: String,
    pub elements: Vec<Element>,
    /// Every other file of the package (the signatures file excepted) → lowercase hex SHA-256.
    pub files: BTreeMap<String, String>,
}

/// `value` as the package writes JSON: keys sorted, two-space indent, LF, a final newline.
pub(crate) fn canonical_json<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    // serde_json's map keeps keys sorted (its `preserve_order` feature is off in this workspace).
    let value = serde_json::to_value(value)?;
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    Ok(text.into_bytes())
}
