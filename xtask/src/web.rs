//! `build_web`: compiles the Leptos frontend to WASM and lays out `target/web/`, with nothing
//! but cargo and the `wasm-bindgen` library (no trunk, no wasm-opt).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use wasm_bindgen_cli_support::Bindgen;

const CRATE: &str = "stratus-frontend";
/// The file stem of the crate's WASM and of the generated JS glue.
const STEM: &str = "stratus_frontend";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Builds the frontend into `<root>/target/web/` and returns that directory.
///
/// `release` selects the size-optimised `wasm-release` profile, else the dev profile. The
/// directory then holds `index.html`, `style.css`, `stratus_frontend.js` and
/// `stratus_frontend_bg.wasm`, ready to be served as static files.
pub fn build_web(root: &Path, release: bool) -> Result<PathBuf> {
    crate::setup::ensure_wasm_target(root)?;
    let wasm = cargo_build(root, release)?;
    let out_dir = root.join("target").join("web");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;

    Bindgen::new()
        .input_path(&wasm)
        .out_name(STEM)
        .web(true)
        .context("selecting the wasm-bindgen web target")?
        // The library defaults to true, which leaves `init()` without a default WASM URL.
        .omit_default_module_path(false)
        .typescript(false)
        // Function names are half the size of a release module; dev builds keep them for
        // readable panic traces.
        .remove_name_section(release)
        .remove_producers_section(release)
        .generate(&out_dir)
        .with_context(|| format!("running wasm-bindgen on {}", wasm.display()))?;

    for (from, to) in [("frontend/index.html", "index.html"), ("frontend/style/style.css", "style.css")] {
        let from = root.join(from);
        std::fs::copy(&from, out_dir.join(to))
            .with_context(|| format!("copying {} into {}", from.display(), out_dir.display()))?;
    }

    let wasm_out = out_dir.join(format!("{STEM}_bg.wasm"));
    let size =
        std::fs::metadata(&wasm_out).with_context(|| format!("reading the size of {}", wasm_out.display()))?.len();
    println!("web: {} ({} KiB)", wasm_out.display(), size.div_ceil(1024));
    Ok(out_dir)
}

/// Runs `cargo build` for the frontend and returns the path of the WASM it produced.
fn cargo_build(root: &Path, release: bool) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let profile = if release { "wasm-release" } else { "dev" };
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "-p", CRATE, "--lib", "--target", WASM_TARGET, "--profile", profile])
        .status()
        .with_context(|| format!("running {}", cargo.to_string_lossy()))?;
    if !status.success() {
        bail!("cargo build of {CRATE} for {WASM_TARGET} failed ({status})");
    }
    // Cargo names the dev profile's output directory `debug`.
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    let wasm = target_dir.join(WASM_TARGET).join(profile_dir).join(format!("{STEM}.wasm"));
    if !wasm.is_file() {
        bail!("cargo build succeeded but {} is missing", wasm.display());
    }
    Ok(wasm)
}
