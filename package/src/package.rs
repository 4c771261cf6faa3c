//! A package as its files: sealing content under a manifest, signing, and the two forms.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::PackageError;
use crate::archive::{self, Caps};
use crate::keys::{KeyId, SigningKey};
use crate::manifest::{self, Element, FORMAT, Manifest, PackageKind};

/// The manifest's file name, at the package's root.
pub const MANIFEST: &str = "stratus-package.json";
/// The signatures' file name, at the package's root: a DSSE envelope without its payload (the
/// payload is the manifest file).
pub const SIGNATURES: &str = "signatures.json";
/// The DSSE payload type: signed with the manifest, so a signature cannot be reused for
/// another kind of document.
pub(crate) const PAYLOAD_TYPE: &str = "application/vnd.stratus.package.v1+json";

/// Path → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// A package: its content files, its manifest and its signatures, each as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    files: Files,
}

/// The signatures file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Envelope {
    #[serde(rename = "payloadType")]
    pub(crate) payload_type: String,
    pub(crate) signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EnvelopeSignature {
    pub(crate) keyid: KeyId,
    /// Base64 Ed25519 signature over `PAE(payloadType, manifest bytes)`.
    pub(crate) sig: String,
}

/// DSSE's pre-authentication encoding.
pub(crate) fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Package {
    /// Seals `content` (path → bytes; no manifest or signatures among them) under a new
    /// manifest listing `elements` and the hash of every file. Unsigned.
    pub fn seal(
        kind: PackageKind,
        name: &str,
        elements: Vec<Element>,
        content: Files,
    ) -> Result<Package, PackageError> {
        for path in content.keys() {
            if archive::safe_path(path).is_none() || path == MANIFEST || path == SIGNATURES {
                return Err(PackageError::UnsafePath(format!("{path:?} cannot be a content file")));
            }
        }
        let files = content.iter().map(|(path, bytes)| (path.clone(), sha256_hex(bytes))).collect();
        let manifest = Manifest { format: FORMAT, kind, name: name.to_owned(), elements, files };
        let bytes = manifest::canonical_json(&manifest).map_err(|e| PackageError::Malformed(e.to_string()))?;
        let mut files = content;
        files.insert(MANIFEST.to_owned(), bytes);
        Ok(Package { files })
    }

    /// Pins the files as they are now: when any differs from what the manifest pins (edited,
    /// added or removed, as in a git folder after a change), the manifest is made again over
    /// them and the signatures, which were over the old one, are dropped. Returns the paths
    /// that differed (none: nothing changed, signatures kept).
    pub fn repin(&mut self) -> Result<Vec<String>, PackageError> {
        let manifest = self.manifest()?;
        let content: Files = self
            .files
            .iter()
            .filter(|(p, _)| *p != MANIFEST && *p != SIGNATURES)
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        let mut changed: Vec<String> = content
            .iter()
            .filter(|(path, bytes)| {
                manifest.files.get(*path).map(|h| h.to_ascii_lowercase()) != Some(sha256_hex(bytes))
            })
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(manifest.files.keys().filter(|p| !content.contains_key(*p)).cloned());
        if !changed.is_empty() {
            *self = Package::seal(manifest.kind, &manifest.name, manifest.elements, content)?;
        }
        changed.sort();
        Ok(changed)
    }

    /// Every file, the manifest and signatures included.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// The manifest's bytes, as signed.
    pub fn manifest_bytes(&self) -> Result<&[u8], PackageError> {
        self.files
            .get(MANIFEST)
            .map(Vec::as_slice)
            .ok_or_else(|| PackageError::Malformed(format!("the package has no {MANIFEST}")))
    }

    pub fn manifest(&self) -> Result<Manifest, PackageError> {
        let manifest: Manifest = serde_json::from_slice(self.manifest_bytes()?)
            .map_err(|e| PackageError::Malformed(format!("{MANIFEST} is not a manifest: {e}")))?;
        if manifest.format != FORMAT {
            return Err(PackageError::Malformed(format!(
                "{MANIFEST} has format {}; this Stratus reads format {FORMAT}",
                manifest.format
            )));
        }
        Ok(manifest)
    }

    pub(crate) fn envelope(&self) -> Result<Envelope, PackageError> {
        match self.files.get(SIGNATURES) {
            None => Ok(Envelope { payload_type: PAYLOAD_TYPE.to_owned(), signatures: Vec::new() }),
            Some(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| PackageError::Malformed(format!("{SIGNATURES} is not a signature envelope: {e}"))),
        }
    }

    /// The keys that signed it, as its signatures file lists them (not checked: see
    /// [`crate::verify`]).
    pub fn signature_keys(&self) -> Result<Vec<KeyId>, PackageError> {
        Ok(self.envelope()?.signatures.into_iter().map(|s| s.keyid).collect())
    }

    /// Adds `key`'s signature over the manifest (replacing an earlier one by the same key).
    pub fn sign(&mut self, key: &SigningKey) -> Result<(), PackageError> {
        let mut envelope = self.envelope()?;
        if envelope.payload_type != PAYLOAD_TYPE {
            return Err(PackageError::Malformed(format!("{SIGNATURES} signs another payload type")));
        }
        let signature = key.sign(&pae(PAYLOAD_TYPE, self.manifest_bytes()?));
        let id = key.id();
        envelope.signatures.retain(|s| s.keyid != id);
        envelope.signatures.push(EnvelopeSignature { keyid: id, sig: BASE64.encode(signature) });
        envelope.signatures.sort_by(|a, b| a.keyid.cmp(&b.keyid));
        let bytes = manifest::canonical_json(&envelope).map_err(|e| PackageError::Malformed(e.to_string()))?;
        self.files.insert(SIGNATURES.to_owned(), bytes);
        Ok(())
    }

    /// The archive form: the same files always give the same bytes.
    pub fn to_archive(&self) -> Result<Vec<u8>, PackageError> {
        archive::build(&self.files)
    }

    /// Reads an archive within `caps` (contents are checked by [`crate::verify`]).
    pub fn from_archive(bytes: &[u8], caps: Caps) -> Result<Package, PackageError> {
        Ok(Package { files: archive::read(bytes, caps)? })
    }

    /// The package from files as they are (a folder's, an archive's).
    pub fn from_files(files: Files) -> Result<Package, PackageError> {
        for path in files.keys() {
            archive::safe_path(path).ok_or_else(|| PackageError::UnsafePath(format!("unsafe path {path:?}")))?;
        }
        Ok(Package { files })
    }

    /// Writes the folder form into `dir`, which must be empty or missing.
    pub fn write_folder(&self, dir: &Path) -> Result<(), PackageError> {
        let io = |e: std::io::Error| PackageError::Malformed(format!("writing {}: {e}", dir.display()));
        if dir.exists() && std::fs::read_dir(dir).map_err(io)?.next().is_some() {
            return Err(PackageError::Malformed(format!("{} is not empty", dir.display())));
        }
        for (path, bytes) in &self.files {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&target, bytes).map_err(io)?;
        }
        Ok(())
    }

    /// Reads the folder form: every file under `dir` except hidden ones (`.git`, `.DS_Store`);
    /// a symbolic link is refused.
    pub fn read_folder(dir: &Path) -> Result<Package, PackageError> {
        let mut files = Files::new();
        collect(dir, dir, &mut files)?;
        Package::from_files(files)
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Files) -> Result<(), PackageError> {
    let io = |e: std::io::Error| PackageError::Malformed(format!("reading {}: {e}", dir.display()));
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(io)?;
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if kind.is_symlink() {
            return Err(PackageError::UnsafePath(format!("{relative} is a symbolic link")));
        } else if kind.is_dir() {
            collect(root, &path, files)?;
        } else {
            files.insert(relative, std::fs::read(&path).map_err(io)?);
        }
    }
    Ok(())
}
