//! Build script: embed the built web UI so that one `stratus` binary serves it with no flag.
//!
//! The UI comes from `$STRATUS_EMBED_WEB_DIR`, else `<workspace>/target/web` (where
//! `cargo xtask build` puts it). Cargo reruns this script when a file there changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=STRATUS_EMBED_WEB_DIR");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let web = std::env::var_os("STRATUS_EMBED_WEB_DIR")
        .map_or_else(|| manifest.join("..").join("target").join("web"), PathBuf::from);
    // A missing directory would make cargo rerun this script on every build.
    std::fs::create_dir_all(&web).expect("create the web UI directory");
    println!("cargo:rerun-if-changed={}", web.display());

    let mut files = Vec::new();
    collect(&web, &web, &mut files);
    files.sort();
    // Without index.html there is no UI to serve, only stray files.
    if !files.iter().any(|(name, _)| name == "index.html") {
        files.clear();
    }
    let mut code = String::from("/// The built web UI: (path relative to the UI root, bytes).\n");
    code.push_str("pub static EMBEDDED_WEB: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        let _ = writeln!(code, "    ({name:?}, include_bytes!({:?})),", path.display().to_string());
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_web.rs");
    std::fs::write(out, code).expect("write embedded_web.rs");
}

/// Every file under `dir`, as (path relative to `root` with `/` separators, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((name, std::fs::canonicalize(&path).unwrap_or(path)));
        }
    }
}
