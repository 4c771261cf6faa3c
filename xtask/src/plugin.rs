//! `cargo xtask plugin`: the vCD UI plugin, one zip per portal generation ([`BUILDS`]) in
//! `target/plugin/`: `stratus-plugin-10.5.zip` (Angular 15, manifest 3.0.0) and
//! `stratus-plugin-10.6.zip` (Angular 17, manifest 4.0.0, for 10.6 and later).
//!
//! * `manifest.json`: `plugin-manifest/manifest.template.json` with the workspace version and
//!   the build's manifest fields;
//! * `bundle.js`: the shell from `plugin-shell/src`, compiled by that build's Angular
//!   (`plugin-shell/angular<N>/`, npm: `ngc` AOT, then rollup to one named AMD module), which
//!   hosts the app in an iframe;
//! * `assets/`: the WASM app from `target/web` (the same in every zip), and `config.js`, which
//!   tells it that it runs in vCD and how vCD routes its API calls ([`Routing`]); the page itself
//!   has no inline script.
//!
//! `npm ci` runs when a build's `node_modules` is missing or older than its lockfile; a shell is
//! rebuilt when any of its sources is newer than its output.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context as _, Result, bail};
use zip::write::SimpleFileOptions;

/// One plugin build: the Angular a vCD portal generation hosts plugins with, and the manifest
/// fields that go with it (plugin-manifest/README.md says why these).
#[derive(Debug, Clone, Copy)]
pub struct Build {
    /// The npm project under `plugin-shell/` that compiles the shell with this Angular.
    pub shell: &'static str,
    /// The zip's name under `target/plugin/`.
    pub zip: &'static str,
    pub manifest_version: &'static str,
    pub container_version: &'static str,
    /// Omitted from 4.0.0 manifests, as VMware's Angular 17 skeleton does.
    pub product_versions: &'static [&'static str],
}

/// vCD 10.5 hosts Angular 15 plugins; 10.6 and later Angular 17.
pub const BUILDS: [Build; 2] = [
    Build {
        shell: "angular15",
        zip: "stratus-plugin-10.5.zip",
        manifest_version: "3.0.0",
        container_version: "10.5.0",
        product_versions: &["10.5"],
    },
    Build {
        shell: "angular17",
        zip: "stratus-plugin-10.6.zip",
        manifest_version: "4.0.0",
        container_version: "10.6.0",
        product_versions: &[],
    },
];
const SHELL_DIR: &str = "plugin-shell";
const MANIFEST_TEMPLATE: &str = "plugin-manifest/manifest.template.json";
const VERSION_PLACEHOLDER: &str = "${WORKSPACE_VERSION}";
/// The file `index.html` loads the host configuration from.
const CONFIG_FILE: &str = "config.js";

/// How vCD routes the UI's API calls to Stratus; the app's API base follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Routing {
    /// vCD 10.4+ external endpoint: the UI calls `{vcd}/ext-api/stratus/api/…`.
    #[value(name = "ext-api")]
    ExtApi,
    /// Legacy AMQP API extension: the UI calls `{vcd}/api/stratus/…`.
    Amqp,
}

impl Routing {
    fn as_str(self) -> &'static str {
        match self {
            Self::ExtApi => "ext-api",
            Self::Amqp => "amqp",
        }
    }
}

/// Builds each shell, then packages it with the already built web UI in `web_dir`; returns the
/// zips in [`BUILDS`] order.
pub fn package(root: &Path, web_dir: &Path, routing: Routing) -> Result<Vec<PathBuf>> {
    // The portal serves plugin assets as they are: the precompressed copies stay out of the zip.
    let mut assets = Vec::new();
    for (name, path) in files_under(web_dir)? {
        if !name.ends_with(".br") && !name.ends_with(".gz") {
            let content = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            assets.push((format!("assets/{name}"), content));
        }
    }
    let Some((_, index)) = assets.iter().find(|(name, _)| name == "assets/index.html") else {
        bail!("{} has no index.html: build the web UI first", web_dir.display());
    };
    if !String::from_utf8_lossy(index).contains(CONFIG_FILE) {
        bail!("the web UI's index.html does not load {CONFIG_FILE}");
    }
    assets.push((format!("assets/{CONFIG_FILE}"), config_js(routing).into_bytes()));

    let out_dir = root.join("target").join("plugin");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut zips = Vec::new();
    for build in BUILDS {
        let shell_dist = build_shell(root, build.shell)?;
        let bundle = std::fs::read(shell_dist.join("bundle.js")).context("reading the shell's bundle.js")?;
        let manifest = manifest(root, &build, &String::from_utf8_lossy(&bundle))?;
        let mut entries = vec![("manifest.json".to_owned(), manifest.into_bytes()), ("bundle.js".to_owned(), bundle)];
        entries.extend(assets.iter().cloned());
        let zip_path = out_dir.join(build.zip);
        write_zip(&zip_path, &entries)?;
        let size = std::fs::metadata(&zip_path)?.len();
        println!(
            "plugin: {} ({} KiB, {}, manifest {}, routing {})",
            zip_path.display(),
            size.div_ceil(1024),
            build.shell,
            build.manifest_version,
            routing.as_str()
        );
        zips.push(zip_path);
    }
    Ok(zips)
}

/// `npm ci` when needed, then `npm run build` when a source changed; returns
/// `plugin-shell/<build>/dist`.
fn build_shell(root: &Path, build: &str) -> Result<PathBuf> {
    let shared = root.join(SHELL_DIR);
    let shell = shared.join(build);
    let lock = shell.join("package-lock.json");
    let installed = shell.join("node_modules").join(".package-lock.json");
    if newest(&[lock.clone(), shell.join("package.json")])? > modified(&installed).unwrap_or(SystemTime::UNIX_EPOCH) {
        let mut ci = npm(&shell);
        ci.args(["ci", "--no-audit", "--no-fund"]);
        crate::run(ci, &format!("npm ci (plugin-shell/{build})"))?;
    }
    let dist = shell.join("dist");
    let outputs = [dist.join("bundle.js"), dist.join("portal").join("portal-app.js")];
    let inputs = [
        shared.join("src"),
        shared.join("test-host"),
        shared.join("tsconfig.base.json"),
        shared.join("rollup.shared.mjs"),
        shell.join("package.json"),
        lock,
        installed,
        shell.join("tsconfig.json"),
    ];
    let oldest_output =
        outputs.iter().map(|o| modified(o)).collect::<Option<Vec<_>>>().and_then(|t| t.into_iter().min());
    if oldest_output.is_none_or(|built| newest(&inputs).is_ok_and(|source| source > built)) {
        let mut command = npm(&shell);
        command.args(["run", "build"]);
        crate::run(command, &format!("build the plugin shell (plugin-shell/{build}: ngc + rollup)"))?;
    }
    Ok(dist)
}

fn npm(dir: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("NPM").unwrap_or_else(|| "npm".into()));
    command.current_dir(dir);
    command
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of `paths` and of every file under those that are directories.
fn newest(paths: &[PathBuf]) -> Result<SystemTime> {
    let mut newest = SystemTime::UNIX_EPOCH;
    for path in paths {
        if path.is_dir() {
            for (_, file) in files_under(path)? {
                newest = newest.max(modified(&file).unwrap_or(newest));
            }
        } else {
            newest = newest.max(modified(path).unwrap_or(newest));
        }
    }
    Ok(newest)
}

/// Every file under `dir`, as (`/`-separated path relative to `dir`, full path), sorted.
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).with_context(|| format!("listing {}", current.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("under dir");
                let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.push((name, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The manifest: the template with the workspace version and `build`'s manifest fields, checked
/// to name a top-level module and route, which `bundle` defines as a named AMD module and
/// exports, as do the modules its extension points name.
fn manifest(root: &Path, build: &Build, bundle: &str) -> Result<String> {
    let path = root.join(MANIFEST_TEMPLATE);
    let template = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let text = template.replace(VERSION_PLACEHOLDER, env!("CARGO_PKG_VERSION"));
    if text.contains("${") {
        bail!("{} has a placeholder other than {VERSION_PLACEHOLDER}", path.display());
    }
    let mut json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let fields = json.as_object_mut().context("the manifest is not a JSON object")?;
    fields.insert("manifestVersion".into(), build.manifest_version.into());
    fields.insert("containerVersion".into(), build.container_version.into());
    if !build.product_versions.is_empty() {
        fields.insert("productVersions".into(), build.product_versions.into());
    }
    let module = json["module"].as_str().context("the manifest has no top-level module")?;
    json["route"].as_str().filter(|r| !r.is_empty()).context("the manifest has no top-level route")?;
    if !bundle.starts_with(&format!("define('{module}', ")) {
        bail!("bundle.js is not an AMD module named {module}");
    }
    let points = json["extensionPoints"].as_array().context("the manifest has no extensionPoints")?;
    let modules = points.iter().filter_map(|p| p["module"].as_str()).chain([module]);
    for module in modules {
        if !bundle.contains(&format!("exports.{module} = ")) {
            bail!("the manifest names module {module}, which bundle.js does not export");
        }
    }
    Ok(serde_json::to_string_pretty(&json)? + "\n")
}

/// `config.js` for the app inside vCD.
fn config_js(routing: Routing) -> String {
    format!(r#"window.__STRATUS_CONFIG__ = {{"apiBase":"","mode":"vcd","routing":"{}"}};"#, routing.as_str())
}

/// Writes `entries` deflated, with the zip format's fixed default timestamp, so the same
/// inputs give the same bytes.
fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        zip.start_file(name.as_str(), options).with_context(|| format!("adding {name}"))?;
        zip.write_all(content).with_context(|| format!("writing {name}"))?;
    }
    zip.finish().with_context(|| format!("finishing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_says_vcd_and_the_routing() {
        assert_eq!(
            config_js(Routing::Amqp),
            r#"window.__STRATUS_CONFIG__ = {"apiBase":"","mode":"vcd","routing":"amqp"};"#
        );
        assert!(config_js(Routing::ExtApi).contains(r#""routing":"ext-api""#));
    }
}
