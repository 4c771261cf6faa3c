//! Verifying a package before anything is planned from it: every file against the manifest,
//! every signature against the instance's trust store, under the org's signature policy.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::keys::{KeyId, TrustedKey};
use crate::manifest::Manifest;
use crate::package::{MANIFEST, PAYLOAD_TYPE, Package, SIGNATURES, pae, sha256_hex};

/// What an org asks of the signatures on packages it imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Signatures are not looked at (a tampered signature still refuses the package).
    Off,
    /// Problems with signers are reported, the package is accepted.
    Warn,
    /// At least `min_signatures` valid signatures by distinct trusted keys.
    Enforce { min_signatures: usize },
}

/// A key that signed the package, by its trusted principal (never a name the package states).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub key_id: KeyId,
    pub principal: String,
}

/// A package that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub manifest: Manifest,
    pub signers: Vec<Signer>,
    /// Signature problems that did not refuse it (under `Warn`, or extra signers under
    /// `Enforce`).
    pub warnings: Vec<Refusal>,
}

/// Why a package is refused (or, under `Warn`, what was wrong with its signers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Malformed(String),
    /// A file whose bytes are not those the manifest pins.
    Changed(String),
    /// A file the manifest lists that is not there.
    Missing(String),
    /// A file the manifest does not list.
    Unlisted(String),
    /// A signature that does not match the manifest (it was edited after signing).
    BadSignature(KeyId),
    Untrusted(KeyId),
    Revoked {
        key: KeyId,
        principal: String,
    },
    Expired {
        key: KeyId,
        principal: String,
    },
    /// A trusted key that may not sign for this org.
    OutOfScope {
        key: KeyId,
        principal: String,
        org: String,
    },
    /// A key trusted for some orgs only, on a provider package (which no org scope covers).
    OrgKeyOnProviderPackage {
        key: KeyId,
        principal: String,
    },
    TooFewSignatures {
        valid: usize,
        required: usize,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Malformed(why) => f.write_str(why),
            Refusal::Changed(path) => write!(f, "{path} is not the file the manifest pins (its SHA-256 differs)"),
            Refusal::Missing(path) => write!(f, "{path} is listed in the manifest but missing"),
            Refusal::Unlisted(path) => write!(f, "{path} is not listed in the manifest"),
            Refusal::BadSignature(key) => write!(f, "the signature by key {key} does not match the manifest"),
            Refusal::Untrusted(key) => write!(f, "key {key} is not in this instance's trust store"),
            Refusal::Revoked { key, principal } => write!(f, "key {key} of {principal} is revoked"),
            Refusal::Expired { key, principal } => write!(f, "key {key} of {principal} has expired"),
            Refusal::OutOfScope { key, principal, org } => {
                write!(f, "key {key} of {principal} may not sign packages for org {org}")
            }
            Refusal::OrgKeyOnProviderPackage { key, principal } => {
                write!(f, "key {key} of {principal} is trusted for some orgs only and may not sign provider packages")
            }
            Refusal::TooFewSignatures { valid, required } => {
                write!(f, "{valid} valid signature(s) by trusted keys; this org requires {required}")
            }
        }
    }
}

/// Checks `package` for import into `org` (none: a provider package) at `now` (ms since the
/// epoch): contents first (always), then signatures under `policy`.
pub fn verify(
    package: &Package,
    trust: &[TrustedKey],
    org: Option<&str>,
    now: i64,
    policy: Policy,
) -> Result<Verified, Vec<Refusal>> {
    let manifest = package.manifest().map_err(|e| vec![Refusal::Malformed(e.to_string())])?;
    let mut refusals = Vec::new();
    for (path, hash) in &manifest.files {
        match package.files().get(path) {
            None => refusals.push(Refusal::Missing(path.clone())),
            Some(bytes) if sha256_hex(bytes) != hash.to_ascii_lowercase() => {
                refusals.push(Refusal::Changed(path.clone()))
            }
            Some(_) => {}
        }
    }
    for path in package.files().keys() {
        if path != MANIFEST && path != SIGNATURES && !manifest.files.contains_key(path) {
            refusals.push(Refusal::Unlisted(path.clone()));
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }

    let envelope = package.envelope().map_err(|e| vec![Refusal::Malformed(e.to_string())])?;
    if envelope.payload_type != PAYLOAD_TYPE && !envelope.signatures.is_empty() {
        return Err(vec![Refusal::Malformed(format!("{SIGNATURES} signs another payload type"))]);
    }
    let message = pae(PAYLOAD_TYPE, package.manifest_bytes().map_err(|e| vec![Refusal::Malformed(e.to_string())])?);
    let mut signers: Vec<Signer> = Vec::new();
    let mut problems = Vec::new();
    for signature in &envelope.signatures {
        let key_id = signature.keyid.clone();
        let Some(trusted) = trust.iter().find(|t| t.id == key_id) else {
            problems.push(Refusal::Untrusted(key_id));
            continue;
        };
        let principal = trusted.principal.clone();
        let bytes = BASE64.decode(signature.sig.trim()).unwrap_or_default();
        if !trusted.verifies(&message, &bytes) {
            // Tampering, whatever the policy.
            return Err(vec![Refusal::BadSignature(key_id)]);
        }
        if trusted.revoked {
            problems.push(Refusal::Revoked { key: key_id, principal });
        } else if trusted.expires_at.is_some_and(|at| at <= now) {
            problems.push(Refusal::Expired { key: key_id, principal });
        } else if let Some(org) = org.filter(|org| !trusted.orgs.is_empty() && !trusted.orgs.iter().any(|o| o == org)) {
            problems.push(Refusal::OutOfScope { key: key_id, principal, org: org.to_owned() });
        } else if org.is_none() && !trusted.orgs.is_empty() {
            problems.push(Refusal::OrgKeyOnProviderPackage { key: key_id, principal });
        } else if !signers.iter().any(|s| s.key_id == key_id) {
            signers.push(Signer { key_id, principal });
        }
    }
    match policy {
        Policy::Off => Ok(Verified { manifest, signers, warnings: Vec::new() }),
        Policy::Warn => Ok(Verified { manifest, signers, warnings: problems }),
        Policy::Enforce { min_signatures } => {
            // A revoked key signing refuses outright; other signers that do not count only
            // matter when too few remain.
            let required = min_signatures.max(1);
            let revoked = problems.iter().any(|p| matches!(p, Refusal::Revoked { .. }));
            if signers.len() < required {
                problems.push(Refusal::TooFewSignatures { valid: signers.len(), required });
            }
            if revoked || signers.len() < required {
                Err(problems)
            } else {
                Ok(Verified { manifest, signers, warnings: problems })
            }
        }
    }
}
