//! Real npm packages for tests and benchmarks: installed once from the npm registry into
//! `target/npm-fixtures/<name>` (reused while `package.json` is unchanged), then read as a
//! function's files or zipped as Lambda takes them. Nothing reaches the network at run time.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use zip::write::SimpleFileOptions;

/// A project folder `name` whose `package.json` lists `dependencies` (`name@version`), with
/// its `node_modules` installed.
pub fn project(name: &str, dependencies: &[&str]) -> PathBuf {
    let dir = crate::workspace_root().join("target/npm-fixtures").join(name);
    let deps: BTreeMap<&str, &str> = dependencies
        .iter()
        .map(|spec| spec.rsplit_once('@').filter(|(n, _)| !n.is_empty()).unwrap_or((spec, "*")))
        .collect();
    let manifest = serde_json::json!({ "name": name, "version": "1.0.0", "private": true, "dependencies": deps });
    let manifest = serde_json::to_string_pretty(&manifest).expect("json");
    let installed = dir.join("node_modules/.installed");
    if std::fs::read_to_string(&installed).ok().as_deref() == Some(manifest.as_str()) {
        return dir;
    }
    std::fs::create_dir_all(&dir).expect("fixture dir");
    std::fs::write(dir.join("package.json"), &manifest).expect("package.json");
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .expect("npm runs (Node.js and npm are test prerequisites)");
    assert!(status.success(), "npm install in {} failed", dir.display());
    std::fs::write(installed, manifest).expect("marker");
    dir
}

/// The code files (`.js`, `.mjs`, `.cjs`, `.json`) under `dir`, by relative path, hidden
/// entries left out; `extra` files are added (and win).
pub fn files(dir: &Path, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    collect(dir, dir, &mut out);
    out.remove("package.json");
    for (path, text) in extra {
        out.insert((*path).to_owned(), (*text).to_owned());
    }
    out
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out);
        } else if [".js", ".mjs", ".cjs", ".json"].iter().any(|ext| name.ends_with(ext)) {
            let relative = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.insert(relative, text);
            }
        }
    }
}

/// A zip archive of `files` plus everything else under `dir` (docs, type declarations…), as a
/// developer would zip the project folder.
pub fn zip(dir: &Path, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    let mut all = Vec::new();
    walk_all(dir, dir, &mut all);
    for (path, bytes) in all {
        if extra.iter().any(|(p, _)| *p == path) {
            continue;
        }
        writer.start_file(path, options).expect("zip entry");
        writer.write_all(&bytes).expect("zip write");
    }
    for (path, text) in extra {
        writer.start_file(*path, options).expect("zip entry");
        writer.write_all(text.as_bytes()).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

fn walk_all(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk_all(root, &path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let relative = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
            out.push((relative, bytes));
        }
    }
}
