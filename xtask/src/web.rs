//! `build_web`: compiles the Leptos frontend to WASM and lays out `target/web/`, with cargo and
//! libraries (wasm-bindgen, wasm_split_cli_support; no trunk), plus Binaryen's `wasm-opt` from
//! npm for release builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use wasm_bindgen_cli_support::Bindgen;

mod split;

const CRATE: &str = "stratus-frontend";
/// The file stem of the crate's WASM and of the generated JS glue.
pub(crate) const STEM: &str = "stratus_frontend";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Builds the frontend into `<root>/target/web/` and returns that directory.
///
/// `release` selects the size-optimised `wasm-release` profile and runs Binaryen's `wasm-opt`
/// (npm `binaryen`, pinned in `xtask/wasm-opt/`) when npm is there, else the dev profile. The
/// module rustc writes is split first ([`split`]): the shell, one module per area of the UI and
/// the chunks areas share, with the loader that fetches them. The directory is laid out anew:
/// `index.html` (never cached) and content-hashed files (cached for a year), each beside its `.br`
/// and `.gz`: `stratus_frontend.<hash>.js` (wasm-bindgen's glue), `stratus_frontend_bg.<hash>.wasm`
/// (the shell), `__wasm_split.<hash>.js` (the loader), `split_*.<hash>.wasm` and
/// `chunk_*.<hash>.wasm`, `style.<hash>.css` and `boot.<hash>.js`. The page has no inline script
/// or style; `config.js` (the host configuration) comes from the server or the plugin.
pub fn build_web(root: &Path, release: bool) -> Result<PathBuf> {
    crate::setup::ensure_wasm_target(root)?;
    let wasm = cargo_build(root, release)?;
    let staging = root.join("target").join("web-bindgen");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("clearing {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let parts = split::split(&wasm, &staging)?;

    Bindgen::new()
        .input_path(&parts.main)
        .out_name(STEM)
        .web(true)
        .context("selecting the wasm-bindgen web target")?
        // The library defaults to true, which leaves `init()` without a default WASM URL.
        .omit_default_module_path(false)
        .typescript(false)
        // The area modules link to the shell's functions by their linker names.
        .keep_lld_exports(true)
        .demangle(false)
        // Function names are half the size of a release module; dev builds keep them for
        // readable panic traces.
        .remove_name_section(release)
        .remove_producers_section(release)
        .generate(&staging)
        .with_context(|| format!("running wasm-bindgen on {}", parts.main.display()))?;
    let bindgen_wasm = staging.join(format!("{STEM}_bg.wasm"));
    // STRATUS_WASM_OPT=0 skips it, to measure what it gains.
    if release && std::env::var("STRATUS_WASM_OPT").map_or(true, |v| v != "0") {
        optimise(root, std::iter::once(&bindgen_wasm).chain(&parts.modules))?;
    }

    let out_dir = root.join("target").join("web");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    lay_out(root, &staging, &parts, &out_dir)?;
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or_default().div_ceil(1024);
    let areas: Vec<String> = parts.modules.iter().map(|m| format!("{} {} KiB", split::stem(m), size(m))).collect();
    println!("web: {} (shell wasm {} KiB; {})", out_dir.display(), size(&bindgen_wasm), areas.join(", "));
    Ok(out_dir)
}

/// Writes the built files into `out_dir` under content-hashed names, and the pages that name them.
fn lay_out(root: &Path, staging: &Path, parts: &split::Parts, out_dir: &Path) -> Result<()> {
    let mut html = std::fs::read_to_string(root.join("frontend/index.html")).context("reading frontend/index.html")?;
    let mut boot = std::fs::read_to_string(root.join("frontend/boot.js")).context("reading frontend/boot.js")?;
    let mut loader = std::fs::read_to_string(&parts.loader).context("reading the split loader")?;
    let areas = split::lay_out_modules(parts, &mut loader, out_dir)?;
    boot = replace_once(&boot, "const AREAS = {};", &split::boot_table(root, &areas)?, "frontend/boot.js")?;
    // The glue imports the loader and the loader imports the glue, so neither can be named by
    // its own hash alone: both are named by the hash of the two.
    let mut glue = std::fs::read_to_string(staging.join(format!("{STEM}.js"))).context("reading the JS glue")?;
    let pair = content_hash(format!("{}{}", content_hash(glue.as_bytes()), content_hash(loader.as_bytes())).as_bytes());
    let (glue_name, loader_name) = (format!("{STEM}.{pair}.js"), format!("{}.{pair}.js", split::LOADER_STEM));
    // Only the `import … from` specifiers: the glue also keys the wasm's imports by the module
    // name the wasm was linked with.
    let from = |name: &str| format!("from \"./{name}\"");
    glue = replace_once(&glue, &from(&format!("{}.js", split::LOADER_STEM)), &from(&loader_name), "the JS glue")?;
    loader = replace_once(&loader, &from(&format!("{STEM}.js")), &from(&glue_name), "the split loader")?;
    for (placeholder, hashed, bytes) in [
        (format!("{STEM}.js"), glue_name, glue.into_bytes()),
        (format!("{}.js", split::LOADER_STEM), loader_name, loader.into_bytes()),
    ] {
        html = replace_once(&html, &placeholder, &hashed, "frontend/index.html")?;
        boot = boot.replace(&placeholder, &hashed);
        write_with_compressed(&out_dir.join(&hashed), &bytes)?;
    }
    for (from, stem, ext) in [
        (staging.join(format!("{STEM}_bg.wasm")), format!("{STEM}_bg"), "wasm"),
        (root.join("frontend/style/style.css"), "style".to_owned(), "css"),
    ] {
        let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        let hashed = format!("{stem}.{}.{ext}", content_hash(&bytes));
        html = replace_once(&html, &format!("{stem}.{ext}"), &hashed, "frontend/index.html")?;
        boot = boot.replace(&format!("{stem}.{ext}"), &hashed);
        write_with_compressed(&out_dir.join(&hashed), &bytes)?;
    }
    // The boot module names the hashed files, so it is named by its own hash last.
    let hashed_boot = format!("boot.{}.js", content_hash(boot.as_bytes()));
    html = replace_once(&html, "boot.js", &hashed_boot, "frontend/index.html")?;
    write_with_compressed(&out_dir.join(&hashed_boot), boot.as_bytes())?;
    std::fs::write(out_dir.join("index.html"), html).context("writing index.html")?;
    Ok(())
}

/// `text` with `from` replaced by `to`, or an error naming `what` if `from` is not in it.
pub(crate) fn replace_once(text: &str, from: &str, to: &str, what: &str) -> Result<String> {
    if !text.contains(from) {
        bail!("{what} does not name {from}");
    }
    Ok(text.replace(from, to))
}

/// The first 16 hex digits of the SHA-256 of `bytes`: a name that changes with the content.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Writes `path`, and beside it `path.br` (Brotli, quality 11) and `path.gz` (gzip, level 9),
/// so that servers send the smallest a browser accepts without compressing per request.
pub(crate) fn write_with_compressed(path: &Path, bytes: &[u8]) -> Result<()> {
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

/// Runs Binaryen's `wasm-opt -Oz` over each of `modules` in place, from the npm package pinned in
/// `xtask/wasm-opt` (installed with `npm ci` on first use). Without npm the modules stay as
/// wasm-bindgen and the splitter left them, with a note.
fn optimise<'a>(root: &Path, modules: impl Iterator<Item = &'a PathBuf>) -> Result<()> {
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
    eprintln!("xtask: wasm-opt -Oz (the UI's wasm modules)");
    let (mut before, mut after, mut count) = (0, 0, 0);
    for wasm in modules {
        before += std::fs::metadata(wasm)?.len();
        // Its output is kept for a failure: on success it holds only warnings about name
        // subsections it does not know.
        let output = Command::new("node")
            .arg(&tool)
            .arg(wasm)
            .arg("-o")
            .arg(wasm)
            .args(WASM_OPT_FLAGS)
            .output()
            .context("starting wasm-opt")?;
        if !output.status.success() {
            bail!("wasm-opt -Oz {} failed: {}", wasm.display(), String::from_utf8_lossy(&output.stderr));
        }
        after += std::fs::metadata(wasm)?.len();
        count += 1;
    }
    println!("web: wasm-opt {count} modules, {} KiB → {} KiB", before.div_ceil(1024), after.div_ceil(1024));
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
