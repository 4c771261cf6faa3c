//! Splits the UI's wasm at its `#[wasm_split]` points (frontend/src/areas.rs) with
//! `wasm_split_cli_support`, the library behind `cargo leptos --split`: a main module (the shell,
//! which wasm-bindgen then processes), one module per area, chunks that several areas share, and
//! a JS loader that the main module imports and that fetches an area's modules when the area is
//! first opened. rustc must link with `--emit-relocs` (.cargo/config.toml).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::web::{STEM, content_hash, replace_once, write_with_compressed};

/// The loader's file stem; the main module imports `./__wasm_split.js`.
pub const LOADER_STEM: &str = "__wasm_split";

/// What [`split`] wrote.
pub struct Parts {
    /// The main module, for wasm-bindgen.
    pub main: PathBuf,
    /// The area and chunk modules (`split_*.wasm`, `chunk_*.wasm`), ready to serve.
    pub modules: Vec<PathBuf>,
    /// The loader (`__wasm_split.js`), which imports wasm-bindgen's glue as `./stratus_frontend.js`.
    pub loader: PathBuf,
    /// Each split point's name (an area's, e.g. `showback_area`) and the stems of the modules
    /// its first use fetches.
    pub areas: BTreeMap<String, Vec<String>>,
}

/// Splits `wasm` into `dir`.
pub fn split(wasm: &Path, dir: &Path) -> Result<Parts> {
    let input = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let main = dir.join("main.wasm");
    let link_name = format!("./{LOADER_STEM}.js");
    let glue = format!("./{STEM}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = dir;
    options.main_out_path = &main;
    options.link_name = &link_name;
    options.main_module = &glue;
    let parts = wasm_split_cli_support::transform(options)
        .map_err(|e| anyhow!("{e:?}"))
        .with_context(|| format!("splitting {} at its #[wasm_split] points", wasm.display()))?;
    let mut modules = parts.split_modules;
    modules.sort();
    let areas = parts.prefetch_map.into_iter().collect();
    Ok(Parts { main, modules, loader: dir.join(format!("{LOADER_STEM}.js")), areas })
}

/// A module's file name without `.wasm`.
pub fn stem(module: &Path) -> String {
    module.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Writes the area and chunk modules into `out_dir` under content-hashed names and names them
/// so in `loader`; returns each area's files (also written to `target/web-areas.json` for
/// `cargo xtask bench ui`, beside `out_dir` so that it is not served).
pub fn lay_out_modules(parts: &Parts, loader: &mut String, out_dir: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let mut hashed_names = HashMap::new();
    for module in &parts.modules {
        let bytes = std::fs::read(module).with_context(|| format!("reading {}", module.display()))?;
        let stem = stem(module);
        let hashed = format!("{stem}.{}.wasm", content_hash(&bytes));
        *loader = replace_once(loader, &format!("\"./{stem}.wasm\""), &format!("\"./{hashed}\""), "the split loader")?;
        write_with_compressed(&out_dir.join(&hashed), &bytes)?;
        hashed_names.insert(stem, hashed);
    }
    *loader = with_boot_modules(loader)?;
    let areas: BTreeMap<String, Vec<String>> = parts
        .areas
        .iter()
        .map(|(area, stems)| (area.clone(), stems.iter().filter_map(|s| hashed_names.get(s).cloned()).collect()))
        .collect();
    let manifest = out_dir.with_file_name("web-areas.json");
    std::fs::write(&manifest, serde_json::to_vec_pretty(&areas)?)
        .with_context(|| format!("writing {}", manifest.display()))?;
    Ok(areas)
}

/// The loader fetches each module when it is first needed and instantiates it with
/// `WebAssembly.instantiateStreaming`. Two changes: it takes a module boot.js has already
/// compiled (the first page's area, fetched beside the shell's), and, like wasm-bindgen's glue
/// for the shell, it falls back to the bytes when the `.wasm` is not sent as `application/wasm`
/// (a host that serves the plugin's files, vCD, may not).
fn with_boot_modules(loader: &str) -> Result<String> {
    let fetch = "const src = fetch(new URL(";
    let loader = replace_once(loader, fetch, "const src = compiledOrFetched(new URL(", "the split loader")?;
    let streaming = "WebAssembly.instantiateStreaming(src, imports)";
    let loader = replace_once(&loader, streaming, "instantiateAny(src, imports)", "the split loader")?;
    Ok(format!(
        "{loader}
function compiledOrFetched(url) {{
    const compiled = globalThis.__stratusAreaModules && globalThis.__stratusAreaModules.get(url.href);
    if (!compiled) return fetch(url);
    globalThis.__stratusAreaModules.delete(url.href);
    return compiled.then((module) => module || fetch(url));
}}
async function instantiateAny(src, imports) {{
    const got = await src;
    if (got instanceof WebAssembly.Module) return WebAssembly.instantiate(got, imports);
    if (!got.ok) throw new Error(`${{got.url}}: HTTP ${{got.status}}`);
    const type = (got.headers.get('Content-Type') || '').split(';')[0].trim();
    if (type === 'application/wasm') return WebAssembly.instantiateStreaming(got, imports);
    return WebAssembly.instantiate(await got.arrayBuffer(), imports);
}}
"
    ))
}

/// boot.js's table: frontend/areas.json (which area an address opens) with `areas`' files. Each
/// area the table names must be a split point of the build, and each split point in the table.
pub fn boot_table(root: &Path, areas: &BTreeMap<String, Vec<String>>) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Table {
        /// `None`: an address no prefix matches opens a page of the shell's own.
        default: Option<String>,
        prefixes: Vec<(String, String)>,
    }
    let path = root.join("frontend/areas.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let table: Table = serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?;
    let named: Vec<&String> = table.prefixes.iter().map(|(_, area)| area).chain(&table.default).collect();
    if let Some(unknown) = named.iter().find(|area| !areas.contains_key(area.as_str())) {
        bail!("frontend/areas.json names {unknown}, which is no #[wasm_split] point of the UI");
    }
    if let Some(missing) = areas.keys().find(|area| !named.contains(area)) {
        bail!("frontend/areas.json does not say which address opens {missing}");
    }
    let table = serde_json::json!({ "default": table.default, "prefixes": table.prefixes, "files": areas });
    Ok(format!("const AREAS = {table};"))
}
