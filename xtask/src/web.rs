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
/// `release` selects the size-optimised `wasm-release` profile and runs Binaryen's `wasm-opt`
/// (npm `binaryen`, pinned in `xtask/wasm-opt/`) when npm is there, else the dev profile. The
/// directory is laid out anew: `index.html` (never cached) and the content-hashed
/// `stratus_frontend.<hash>.js`, `stratus_frontend_bg.<hash>.wasm`, `style.<hash>.css` and
/// `boot.<hash>.js` (cached for a year), each beside its `.br` and `.gz`. The page has no inline
/// script or style; `config.js` (the host configuration) comes from the server or the plugin.
pub fn build_web(root: &Path, release: bool) -> Result<PathBuf> {
    crate::setup::ensure_wasm_target(root)?;
    let wasm = cargo_build(root, release)?;
    let staging = root.join("target").join("web-bindgen");
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;

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
        .generate(&staging)
        .with_context(|| format!("running wasm-bindgen on {}", wasm.display()))?;
    let bindgen_wasm = staging.join(format!("{STEM}_bg.wasm"));
    // STRATUS_WASM_OPT=0 skips it, to measure what it gains.
    if release && std::env::var("STRATUS_WASM_OPT").map_or(true, |v| v != "0") {
        optimise(root, &bindgen_wasm)?;
    }

    let out_dir = root.join("target").join("web");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut html = std::fs::read_to_string(root.join("frontend/index.html")).context("reading frontend/index.html")?;
    let mut boot = std::fs::read_to_string(root.join("frontend/boot.js")).context("reading frontend/boot.js")?;
    for (from, stem, ext) in [
        (staging.join(format!("{STEM}.js")), STEM.to_owned(), "js"),
        (bindgen_wasm.clone(), format!("{STEM}_bg"), "wasm"),
        (root.join("frontend/style/style.css"), "style".to_owned(), "css"),
    ] {
        let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        let hashed = format!("{stem}.{}.{ext}", content_hash(&bytes));
        let placeholder = format!("{stem}.{ext}");
        if !html.contains(&placeholder) {
            bail!("frontend/index.html does not name {placeholder}");
        }
        html = html.replace(&placeholder, &hashed);
        boot = boot.replace(&placeholder, &hashed);
        write_with_compressed(&out_dir.join(&hashed), &bytes)?;
    }
    // The boot module names the hashed files, so it is named by its own hash last.
    let hashed_boot = format!("boot.{}.js", content_hash(boot.as_bytes()));
    if !html.contains("boot.js") {
        bail!("frontend/index.html does not name boot.js");
    }
    html = html.replace("boot.js", &hashed_boot);
    write_with_compressed(&out_dir.join(&hashed_boot), boot.as_bytes())?;
    std::fs::write(out_dir.join("index.html"), html).context("writing index.html")?;

    let size = std::fs::metadata(&bindgen_wasm).map(|m| m.len()).unwrap_or_default();
    println!("web: {} (wasm {} KiB)", out_dir.display(), size.div_ceil(1024));
    Ok(out_dir)
}

/// The first 16 hex digits of the SHA-256 of `bytes`: a name that changes with the content.
fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Writes `path`, and beside it `path.br` (Brotli, quality 11) and `path.gz` (gzip, level 9),
/// so that servers send the smallest a browser accepts without compressing per request.
fn write_with_compressed(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    let mut brotli = Vec::new();
    {
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
        brotli::BrotliCompress(&mut &bytes[..], &mut brotli, &params).context("brotli")?;
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(bytes).context("gzip")?;
    let gzip = gzip.finish().context("gzip")?;
    let with_ext = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    std::fs::write(with_ext(".br"), brotli).context("writing the .br file")?;
    std::fs::write(with_ext(".gz"), gzip).context("writing the .gz file")?;
    Ok(())
}

/// Runs Binaryen's `wasm-opt -Oz` over `wasm` in place, from the npm package pinned in
/// `xtask/wasm-opt` (installed with `npm ci` on first use). Without npm the module stays as
/// wasm-bindgen left it, with a note.
fn optimise(root: &Path, wasm: &Path) -> Result<()> {
    let dir = root.join("xtask").join("wasm-opt");
    let tool = dir.join("node_modules/binaryen/bin/wasm-opt");
    if !tool.is_file() {
        if Command::new("npm").arg("--version").output().is_err() {
            eprintln!("xtask: npm is missing, so the UI's wasm is not optimised by wasm-opt (install nodejs and npm)");
            return Ok(());
        }
        let mut ci = Command::new("npm");
        ci.current_dir(&dir).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        crate::run(ci, "npm ci (binaryen's wasm-opt)")?;
    }
    let before = std::fs::metadata(wasm)?.len();
    let mut opt = Command::new("node");
    opt.arg(&tool).arg(wasm).arg("-o").arg(wasm).args(WASM_OPT_FLAGS);
    crate::run(opt, "wasm-opt -Oz (the UI's wasm)")?;
    let after = std::fs::metadata(wasm)?.len();
    println!("web: wasm-opt {} KiB → {} KiB", before.div_ceil(1024), after.div_ceil(1024));
    Ok(())
}

/// `-Oz` with the features rustc's wasm32 output uses, which every browser Stratus supports has.
const WASM_OPT_FLAGS: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

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
