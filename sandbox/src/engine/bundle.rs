//! Functions of several files: checking the file map, compiling each file, and the bundle that
//! travels as the function's bytecode.
//!
//! ES module files are compiled to QuickJS module bytecode here; CommonJS files keep their
//! source (checked for syntax here) and are compiled as sloppy-mode scripts when first
//! `require`d, as Node does; JSON files are checked and parsed when first loaded.

use std::collections::BTreeMap;
use std::rc::Rc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{CatchResultExt as _, Context, Ctx, Module, Runtime, WriteOptions};
use serde::{Deserialize, Serialize};

use super::resolve::{Kind, Mode, Tree};
use super::{CompileError, Limits, host, scan};

/// Most files one function may have.
pub const MAX_FILES: usize = 10_000;

/// Longest path of a file inside a function.
pub const MAX_PATH_BYTES: usize = 512;

/// A compiled multi-file function.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Bundle {
    /// Absolute path of the entry file.
    pub(crate) entry: String,
    pub(crate) files: BTreeMap<String, File>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum File {
    /// QuickJS module bytecode (written by our own compile step, see `bytecode.rs`).
    Esm(#[serde(with = "serde_bytes")] Vec<u8>),
    Cjs(String),
    Json(String),
}

impl Bundle {
    /// The resolution index of the bundle's files.
    pub(crate) fn tree(&self) -> Tree {
        Tree::new(self.files.keys().map(String::as_str), |path| match self.files.get(path) {
            Some(File::Json(text)) => Some(text.as_str()),
            _ => None,
        })
    }

    pub(crate) fn kind(&self, path: &str) -> Option<Kind> {
        self.files.get(path).map(|file| match file {
            File::Esm(_) => Kind::Esm,
            File::Cjs(_) => Kind::Cjs,
            File::Json(_) => Kind::Json,
        })
    }
}

struct StubResolver(Rc<Tree>);

impl Resolver for StubResolver {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        Ok(self.0.resolve(base, name, Mode::Import).unwrap_or_else(|_| format!("stratus:stub:{name}")))
    }
}

struct StubLoader;

impl Loader for StubLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        Module::declare(ctx.clone(), format!("stratus:stub:{name}"), "export {};")
    }
}

/// Why a path cannot name a file of a function, if it cannot: paths are relative, `/`-separated,
/// without `.` or `..` segments, empty segments, backslashes or control characters.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("a file path is empty".to_owned());
    }
    if path.len() > MAX_PATH_BYTES {
        return Err(format!("'{path}' is longer than {MAX_PATH_BYTES} bytes"));
    }
    if path.starts_with('/') {
        return Err(format!("'{path}' is absolute: paths are relative to the function's root"));
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err(format!("'{path}' contains a backslash or a control character"));
    }
    if path.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
        return Err(format!("'{path}' has an empty, '.' or '..' segment"));
    }
    Ok(())
}

/// Compiles every file of a multi-file function; `main` names the entry file (else
/// `package.json` or an `index.js` decides). Returns the bundle and the entry's source.
pub(crate) fn build<'a>(
    files: &'a BTreeMap<String, String>,
    main: Option<&str>,
    limits: &Limits,
) -> Result<(Bundle, &'a str), CompileError> {
    if files.len() > MAX_FILES {
        return Err(CompileError::plain(format!("a function may have at most {MAX_FILES} files")));
    }
    for path in files.keys() {
        check_path(path).map_err(CompileError::plain)?;
    }
    let absolute: BTreeMap<String, &str> =
        files.iter().map(|(path, text)| (format!("/{path}"), text.as_str())).collect();
    let tree = Rc::new(Tree::new(absolute.keys().map(String::as_str), |path| absolute.get(path).copied()));
    let entry = tree.entry(main).map_err(CompileError::plain)?;

    let internal = |e: rquickjs::Error| CompileError::plain(format!("internal compiler error: {e}"));
    let runtime = Runtime::new().map_err(internal)?;
    // QuickJS loads a module's imports when it compiles it; each file is compiled on its own
    // here, so imports get empty stand-ins (resolution errors show when the function loads).
    runtime.set_loader(StubResolver(Rc::clone(&tree)), StubLoader);
    runtime.set_memory_limit(limits.memory_bytes);
    runtime.set_max_stack_size(limits.stack_bytes);
    let context = Context::full(&runtime).map_err(internal)?;
    let mut compiled = BTreeMap::new();
    for (path, source) in &absolute {
        let scanned = || {
            let found = scan::scan(source);
            found.esm || found.import.is_some()
        };
        let file = match tree.kind(path, scanned) {
            Kind::Json => {
                serde_json::from_str::<serde::de::IgnoredAny>(source).map_err(|e| CompileError {
                    message: format!("invalid JSON: {e}"),
                    line: u32::try_from(e.line()).ok(),
                    column: u32::try_from(e.column()).ok(),
                    file: Some(path[1..].to_owned()),
                })?;
                File::Json((*source).to_owned())
            }
            Kind::Esm => context.with(|ctx| {
                let module = Module::declare(ctx.clone(), path.as_str(), *source)
                    .catch(&ctx)
                    .map_err(|e| super::syntax_error(e, path, 0).in_file(path))?;
                module.write(WriteOptions::default()).map(File::Esm).map_err(internal)
            })?,
            Kind::Cjs => {
                let checked = path.ends_with(".js") || path.ends_with(".cjs");
                if checked {
                    context.with(|ctx| {
                        host::compile_cjs(&ctx, source, path).catch(&ctx).map(drop).map_err(|e| {
                            super::clamp_to_source(super::syntax_error(e, path, host::CJS_PREFIX.len()), source)
                                .in_file(path)
                        })
                    })?;
                }
                File::Cjs((*source).to_owned())
            }
        };
        compiled.insert(path.clone(), file);
    }
    if matches!(compiled.get(&entry), Some(File::Json(_))) {
        return Err(CompileError::plain(format!("the entry file {} is JSON, not code", &entry[1..])));
    }
    let source = files.get(&entry[1..]).map_or("", String::as_str);
    Ok((Bundle { entry, files: compiled }, source))
}
