//! Multi-file functions at run time: QuickJS's module resolver and loader over the function's
//! bundle, and the host functions the prelude's CommonJS module system (`js/modules.js`) uses.
//!
//! ES module files load from the bytecode compiled with the function. An ES module importing a
//! CommonJS file, a JSON file or a Node built-in gets a generated module that runs it through
//! the prelude (`cjsExportNames`) and re-exports `module.exports` as `default` plus its keys.
//! `require()` of an ES module imports it and waits for it, as Node 22 does; one that uses
//! top-level await cannot be required.

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Exception, Function, Module, Object, Persistent, Value};

use super::bundle::{Bundle, File};
use super::bytecode;
use super::host;
use super::resolve::{Kind, Mode, Tree};

/// The prelude's module name; only generated modules may import it.
const PRELUDE: &str = "stratus:prelude";

/// A multi-file function's files, shared by the loader and the host functions.
pub(crate) struct Modules {
    bundle: Bundle,
    tree: Tree,
    /// The prelude's `cjsExportNames`, once the prelude is loaded. The instance takes it out
    /// before its runtime goes away (see `Instance`'s `Drop`).
    pub(super) export_names: RefCell<Option<Persistent<Function<'static>>>>,
}

impl Modules {
    pub(crate) fn new(bundle: Bundle) -> Rc<Modules> {
        let tree = bundle.tree();
        Rc::new(Modules { bundle, tree, export_names: RefCell::new(None) })
    }

    pub(crate) fn entry(&self) -> &str {
        &self.bundle.entry
    }

    pub(crate) fn entry_kind(&self) -> Option<Kind> {
        self.bundle.kind(&self.bundle.entry)
    }

    /// Declares the ES module file at `path` from its bytecode.
    fn declare_esm<'js>(&self, ctx: &Ctx<'js>, path: &str) -> rquickjs::Result<Module<'js, Declared>> {
        match self.bundle.files.get(path) {
            Some(File::Esm(bytes)) => bytecode::load_bundled(ctx, bytes),
            _ => Err(Exception::throw_reference(ctx, &format!("{path} is not an ES module of the function"))),
        }
    }
}

/// Resolves `import` specifiers as Node does (see `resolve.rs`).
pub(crate) struct FunctionResolver(pub(crate) Rc<Modules>);

impl Resolver for FunctionResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if name == PRELUDE {
            let generated =
                base.starts_with("node:") || matches!(self.0.bundle.kind(base), Some(Kind::Cjs | Kind::Json));
            if generated {
                return Ok(PRELUDE.to_owned());
            }
        }
        let error = |message: String| {
            let error = Exception::from_message(ctx.clone(), &message).and_then(|e| {
                e.as_object().set("code", "ERR_MODULE_NOT_FOUND")?;
                Ok(e)
            });
            match error {
                Ok(error) => ctx.throw(error.into_value()),
                Err(error) => error,
            }
        };
        self.0.tree.resolve(base, name, Mode::Import).map_err(error)
    }
}

/// Loads the module a resolved name stands for.
pub(crate) struct FunctionLoader(pub(crate) Rc<Modules>);

impl Loader for FunctionLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        match self.0.bundle.kind(name) {
            Some(Kind::Esm) => self.0.declare_esm(ctx, name),
            Some(Kind::Cjs | Kind::Json) => generated(ctx, &self.0, name),
            None if name.starts_with("node:") => generated(ctx, &self.0, name),
            None => Err(Exception::throw_reference(ctx, &format!("Cannot find module '{name}'"))),
        }
    }
}

/// The module an ES module imports in place of a CommonJS or JSON file or a built-in.
fn generated<'js>(ctx: &Ctx<'js>, modules: &Modules, name: &str) -> rquickjs::Result<Module<'js, Declared>> {
    let export_names = modules.export_names.borrow().clone();
    let export_names =
        export_names.ok_or_else(|| Exception::throw_internal(ctx, "the prelude is not loaded yet"))?.restore(ctx)?;
    let names: Vec<String> = export_names.call((name,))?;
    let quoted = serde_json::to_string(name).map_err(|e| Exception::throw_internal(ctx, &e.to_string()))?;
    let mut source =
        format!("import {{ cjsExports }} from \"{PRELUDE}\";\nconst m = cjsExports({quoted});\nexport default m;\n");
    for (i, export) in names.iter().enumerate() {
        source.push_str(&format!("const e{i} = m[\"{export}\"];\nexport {{ e{i} as {export} }};\n"));
    }
    Module::declare(ctx.clone(), name, source)
}

/// Adds the module system's host functions to the prelude's `host` object.
pub(super) fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>, modules: &Rc<Modules>) -> rquickjs::Result<()> {
    let files = Rc::clone(modules);
    host.set(
        "resolve",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, from: String, specifier: String| -> rquickjs::Result<Value<'js>> {
                match files.tree.resolve(&from, &specifier, Mode::Require) {
                    Ok(path) => rquickjs::IntoJs::into_js(path, &ctx),
                    Err(message) => rquickjs::IntoJs::into_js(vec![message], &ctx),
                }
            },
        )?,
    )?;
    let files = Rc::clone(modules);
    host.set(
        "fileKind",
        Function::new(ctx.clone(), move |path: String| {
            files.bundle.kind(&path).map(|kind| match kind {
                Kind::Esm => "esm",
                Kind::Cjs => "cjs",
                Kind::Json => "json",
            })
        })?,
    )?;
    let files = Rc::clone(modules);
    host.set(
        "fileText",
        Function::new(ctx.clone(), move |path: String| match files.bundle.files.get(&path) {
            Some(File::Cjs(text) | File::Json(text)) => Some(text.clone()),
            _ => None,
        })?,
    )?;
    let files = Rc::clone(modules);
    host.set(
        "compileCjsFile",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, path: String| match files.bundle.files.get(&path) {
            Some(File::Cjs(source)) => host::compile_cjs(&ctx, source, &path),
            _ => Err(Exception::throw_reference(&ctx, &format!("{path} is not a CommonJS file of the function"))),
        })?,
    )?;
    host.set("requireEsm", Function::new(ctx.clone(), require_esm)?)?;
    Ok(())
}

/// `require()` of an ES module: imports it and runs promise jobs until it is evaluated.
fn require_esm<'js>(ctx: Ctx<'js>, path: String) -> rquickjs::Result<Value<'js>> {
    let promise = Module::import(&ctx, path.as_str())?;
    while promise.state() == PromiseState::Pending && ctx.execute_pending_job() {}
    match promise.state() {
        PromiseState::Resolved => {
            promise.result::<Value<'js>>().unwrap_or_else(|| Ok(Value::new_undefined(ctx.clone())))
        }
        PromiseState::Rejected => match promise.result::<Value<'js>>() {
            Some(Err(error)) => Err(error),
            Some(Ok(reason)) => Err(ctx.throw(reason)),
            None => Err(Exception::throw_internal(&ctx, "the import failed")),
        },
        PromiseState::Pending => Err(Exception::throw_message(
            &ctx,
            &format!("require() cannot load the ES module {path}: it uses top-level await (use import() instead)"),
        )),
    }
}
