//! The plugin zips (`cargo xtask plugin` builds one per portal generation) and the
//! `manifest.json` inside each, which names the plugin in vCD and says which portal hosts it.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vcd_client::{ApiVersion, UiPluginMetadata, VcdError};

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
    /// Which portal generation hosts the plugin ([`Portal::manifest_version`]).
    #[serde(default, rename = "manifestVersion")]
    pub manifest_version: String,
}

/// The plugin generation a vCD portal hosts, told by the newest API version the cell speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Portal {
    /// vCD 10.5 (API 38.x): Angular 15 plugins, manifest 3.0.0.
    Angular15,
    /// vCD 10.6 and later (API 39.0+): Angular 17 plugins, manifest 4.0.0.
    Angular17,
}

impl Portal {
    /// vCD 10.4 and older (API 37.x and below) host Angular 9 plugins only, which Stratus does
    /// not build.
    pub fn of(newest: ApiVersion) -> Result<Portal, DeployError> {
        match newest.major {
            ..=37 => Err(DeployError::Unsupported(VcdError::TooOld(format!(
                "the UI plugin needs vCD 10.5 (API 38.0) or later; this vCD speaks up to API {newest} \
                 (10.4 or older), whose portal hosts Angular 9 plugins only"
            )))),
            38 => Ok(Portal::Angular15),
            _ => Ok(Portal::Angular17),
        }
    }

    pub fn manifest_version(self) -> &'static str {
        match self {
            Portal::Angular15 => "3.0.0",
            Portal::Angular17 => "4.0.0",
        }
    }

    /// E.g. `vCD 10.6+ (Angular 17, manifest 4.0.0)`.
    pub fn describe(self) -> String {
        let (release, angular) = match self {
            Portal::Angular15 => ("10.5", 15),
            Portal::Angular17 => ("10.6+", 17),
        };
        format!("vCD {release} (Angular {angular}, manifest {})", self.manifest_version())
    }
}

impl PluginPackage {
    /// The zip `path` names, or the one among the `*.zip` files of directory `path`, that
    /// `portal` hosts; a zip built for another portal is refused, naming both.
    pub fn for_portal(path: &Path, portal: Portal) -> Result<PluginPackage, DeployError> {
        let wanted = portal.manifest_version();
        if !path.is_dir() {
            let package = PluginPackage::read(path)?;
            if package.manifest.manifest_version != wanted {
                return Err(DeployError::Invalid(format!(
                    "{} is built for manifest {:?}, but this vCD's portal is {}: pass the zip built for it \
                     (`cargo xtask plugin` builds target/plugin/stratus-plugin-10.5.zip and -10.6.zip) or their directory",
                    path.display(),
                    package.manifest.manifest_version,
                    portal.describe(),
                )));
            }
            return Ok(package);
        }
        let listing = std::fs::read_dir(path)
            .map_err(|e| DeployError::Invalid(format!("cannot list the plugin directory {}: {e}", path.display())))?;
        let mut zips: Vec<PathBuf> = listing
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|ext| ext == "zip"))
            .collect();
        zips.sort();
        let mut found = Vec::new();
        let mut fitting = Vec::new();
        for zip in zips {
            let package = PluginPackage::read(&zip)?;
            found.push(format!("{} (manifest {})", package.file_name(), package.manifest.manifest_version));
            if package.manifest.manifest_version == wanted {
                fitting.push(package);
            }
        }
        match fitting.len() {
            1 => Ok(fitting.remove(0)),
            0 => Err(DeployError::Invalid(format!(
                "no plugin zip in {} is built for this vCD's portal, {}; found: {}. Build them with `cargo xtask plugin`",
                path.display(),
                portal.describe(),
                if found.is_empty() { "none".to_owned() } else { found.join(", ") },
            ))),
            _ => Err(DeployError::Invalid(format!(
                "{} zips in {} are built for {}: {}; pass one with --plugin FILE",
                fitting.len(),
                path.display(),
                portal.describe(),
                fitting.iter().map(PluginPackage::file_name).collect::<Vec<_>>().join(", "),
            ))),
        }
    }

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

    fn zip_for(dir: &Path, name: &str, manifest_version: &str) -> PathBuf {
        let manifest = serde_json::json!({"name": "Stratus", "vendor": "Stratus", "version": "1.0.0",
            "manifestVersion": manifest_version});
        let path = dir.join(name);
        std::fs::write(&path, zip_with(&[("manifest.json", &manifest.to_string())])).unwrap();
        path
    }

    #[test]
    fn the_cells_newest_api_version_tells_its_portal() {
        let portal = |text: &str| Portal::of(text.parse().unwrap());
        assert_eq!(portal("38.0").unwrap(), Portal::Angular15);
        assert_eq!(portal("38.1").unwrap(), Portal::Angular15);
        assert_eq!(portal("39.0").unwrap(), Portal::Angular17);
        assert_eq!(portal("40.0").unwrap(), Portal::Angular17);
        let old = portal("37.3").unwrap_err().to_string();
        assert!(
            old.contains("10.5 (API 38.0) or later") && old.contains("API 37.3") && old.contains("Angular 9"),
            "{old}"
        );
    }

    #[test]
    fn picks_the_zip_the_portal_hosts_from_a_directory_or_checks_the_one_given() {
        let dir = tempfile::tempdir().unwrap();
        let old = zip_for(dir.path(), "stratus-plugin-10.5.zip", "3.0.0");
        let new = zip_for(dir.path(), "stratus-plugin-10.6.zip", "4.0.0");
        std::fs::write(dir.path().join("notes.txt"), "not a zip").unwrap();
        let pick = |portal| PluginPackage::for_portal(dir.path(), portal).map(|p| p.path);
        assert_eq!(pick(Portal::Angular15).unwrap(), old);
        assert_eq!(pick(Portal::Angular17).unwrap(), new);
        assert_eq!(PluginPackage::for_portal(&new, Portal::Angular17).unwrap().path, new);
        let wrong = PluginPackage::for_portal(&old, Portal::Angular17).unwrap_err().to_string();
        assert!(
            wrong.contains(r#"manifest "3.0.0""#) && wrong.contains("vCD 10.6+ (Angular 17, manifest 4.0.0)"),
            "{wrong}"
        );

        std::fs::remove_file(&new).unwrap();
        let none = pick(Portal::Angular17).unwrap_err().to_string();
        assert!(
            none.contains("stratus-plugin-10.5.zip (manifest 3.0.0)") && none.contains("cargo xtask plugin"),
            "{none}"
        );
        zip_for(dir.path(), "copy.zip", "3.0.0");
        let twice = pick(Portal::Angular15).unwrap_err().to_string();
        assert!(twice.contains("2 zips") && twice.contains("--plugin FILE"), "{twice}");
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
