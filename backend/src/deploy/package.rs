//! The plugin zip (`cargo xtask plugin` builds it) and the `manifest.json` inside it, which names
//! the plugin in vCD.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vcd_client::UiPluginMetadata;

use crate::deploy::DeployError;

/// A plugin zip read into memory.
#[derive(Debug, Clone)]
pub struct PluginPackage {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub manifest: Manifest,
}

/// The fields of `manifest.json` vCD's plugin registration uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub vendor: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub license: String,
    #[serde(default)]
    pub link: String,
    /// `tenant` and/or `service-provider`; both when missing.
    #[serde(default)]
    pub scope: Vec<String>,
}

impl PluginPackage {
    /// Reads the zip and its `manifest.json`.
    pub fn read(path: &Path) -> Result<PluginPackage, DeployError> {
        let shown = path.display();
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DeployError::Invalid(format!(
                    "plugin zip {shown} not found: build it with `cargo xtask plugin` or pass --plugin PATH"
                )));
            }
            Err(e) => return Err(DeployError::Invalid(format!("cannot read the plugin zip {shown}: {e}"))),
        };
        let manifest = read_manifest(&bytes).map_err(|reason| DeployError::Invalid(format!("{shown}: {reason}")))?;
        Ok(PluginPackage { path: path.to_owned(), bytes, manifest })
    }

    /// The zip's file name, as announced to vCD.
    pub fn file_name(&self) -> String {
        self.path.file_name().map_or_else(|| "plugin.zip".to_owned(), |n| n.to_string_lossy().into_owned())
    }

    /// The registration metadata: the manifest's, enabled.
    pub fn metadata(&self) -> UiPluginMetadata {
        let m = &self.manifest;
        let scoped = |scope: &str| m.scope.is_empty() || m.scope.iter().any(|s| s == scope);
        UiPluginMetadata {
            plugin_name: m.name.clone(),
            vendor: m.vendor.clone(),
            description: m.description.clone(),
            version: m.version.clone(),
            license: m.license.clone(),
            link: m.link.clone(),
            tenant_scoped: scoped("tenant"),
            provider_scoped: scoped("service-provider"),
            enabled: true,
        }
    }
}

fn read_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a readable zip file ({e})"))?;
    let mut file =
        archive.by_name("manifest.json").map_err(|_| "the zip has no manifest.json at its root".to_owned())?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| format!("cannot read manifest.json: {e}"))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| format!("manifest.json is invalid: {e}"))?;
    for (field, value) in [("name", &manifest.name), ("vendor", &manifest.vendor), ("version", &manifest.version)] {
        if value.trim().is_empty() {
            return Err(format!("manifest.json has an empty {field}"));
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn zip_with(files: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in files {
            writer.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            writer.write_all(text.as_bytes()).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_the_manifest_and_derives_the_scopes() {
        let manifest = r#"{"name":"Stratus","vendor":"Stratus","version":"0.1.0","scope":["tenant"],"license":"MIT"}"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.zip");
        std::fs::write(&path, zip_with(&[("manifest.json", manifest), ("bundle.js", "define([],{})")])).unwrap();
        let package = PluginPackage::read(&path).unwrap();
        assert_eq!(package.file_name(), "p.zip");
        let metadata = package.metadata();
        assert_eq!((metadata.plugin_name.as_str(), metadata.version.as_str()), ("Stratus", "0.1.0"));
        assert!(metadata.tenant_scoped && !metadata.provider_scoped && metadata.enabled);
    }

    #[test]
    fn explains_what_is_wrong_with_a_zip() {
        let dir = tempfile::tempdir().unwrap();
        let missing = PluginPackage::read(&dir.path().join("none.zip")).unwrap_err().to_string();
        assert!(missing.contains("not found") && missing.contains("cargo xtask plugin"), "{missing}");

        let cases = [
            (b"hello".to_vec(), "not a readable zip"),
            (zip_with(&[("bundle.js", "")]), "no manifest.json"),
            (zip_with(&[("manifest.json", "{")]), "manifest.json is invalid"),
            (zip_with(&[("manifest.json", r#"{"name":"","vendor":"v","version":"1"}"#)]), "empty name"),
        ];
        for (bytes, expected) in cases {
            let path = dir.path().join("bad.zip");
            std::fs::write(&path, bytes).unwrap();
            let message = PluginPackage::read(&path).unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
        }
    }
}
