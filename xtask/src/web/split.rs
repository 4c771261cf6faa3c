//! Splits the UI's wasm at its `#[wasm_split]` points (frontend/src/areas.rs) with
//! `wasm_split_cli_support`, the library behind `cargo leptos --split`: a main module (the shell,
//! which wasm-bindgen then processes), one module per area, chunks that several areas share, and
//! a JS loader that the main module imports and that fetches an area's modules when the area is
//! first opened. rustc must link with `--emit-relocs` (.cargo/config.toml).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};

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
    let glue = format!("./{}.js", super::STEM);
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
