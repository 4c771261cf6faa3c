//! Node's module resolution over a function's files: relative paths, `node_modules` lookup,
//! `package.json` `main` and `exports` (with `require` / `import` / `node` / `default`
//! conditions and `*` patterns), `.js` / `.json` / `.mjs` / `.cjs` extensions and `index` files.
//!
//! Paths are absolute inside the function (`/index.js`, `/node_modules/lodash/lodash.js`).
//! Node's built-in modules resolve to `node:name`; the prelude decides what each one is.

use std::collections::BTreeMap;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// How a file is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Esm,
    Cjs,
    Json,
}

/// Who asks: `require()` and `import` see different `exports` conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Require,
    Import,
}

/// Node's built-in module names (without `node:`). Whether one works is the prelude's business.
const BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// File names tried after a path, in Node's order, plus the module extensions Node only finds
/// when they are written out (found here too, which only makes more code work).
const EXTENSIONS: [&str; 4] = [".js", ".json", ".mjs", ".cjs"];

/// A JSON value that keeps the key order of objects (`exports` conditions are tried in order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Other,
    Str(String),
    List(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
                Ok(Json::Other)
            }
            fn visit_str<E>(self, text: &str) -> Result<Json, E> {
                Ok(Json::Str(text.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut pairs = Vec::new();
                while let Some((key, value)) = map.next_entry()? {
                    pairs.push((key, value));
                }
                Ok(Json::Object(pairs))
            }
        }
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// The `package.json` fields resolution reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Package {
    main: Option<String>,
    exports: Option<Json>,
    esm: Option<bool>,
}

impl Package {
    /// Parses a `package.json`; one that is not valid JSON counts as empty, as Node only fails
    /// when it needs a field.
    pub(crate) fn parse(text: &str) -> Package {
        let Ok(json) = serde_json::from_str::<Json>(text) else { return Package::default() };
        Package {
            main: json.get("main").and_then(Json::as_str).map(str::to_owned),
            exports: json.get("exports").cloned(),
            esm: json.get("type").and_then(Json::as_str).map(|t| t == "module"),
        }
    }
}

/// A function's files, keyed by absolute path, with their parsed `package.json`s.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    files: BTreeMap<String, usize>,
    packages: BTreeMap<String, Package>,
}

impl Tree {
    /// Indexes `paths` (absolute); `text` gives the content of a `package.json`.
    pub(crate) fn new<'a>(paths: impl Iterator<Item = &'a str>, text: impl Fn(&str) -> Option<&'a str>) -> Tree {
        let mut tree = Tree::default();
        for (i, path) in paths.enumerate() {
            tree.files.insert(path.to_owned(), i);
            if let Some(dir) = path.strip_suffix("/package.json") {
                let package = text(path).map(Package::parse).unwrap_or_default();
                tree.packages.insert(if dir.is_empty() { "/".to_owned() } else { dir.to_owned() }, package);
            }
        }
        tree
    }

    fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// How `path` loads: by extension, then by the nearest `package.json` `type`, then (as Node
    /// does for a `.js` file without one) by whether the source has module syntax.
    pub(crate) fn kind(&self, path: &str, has_module_syntax: impl FnOnce() -> bool) -> Kind {
        if path.ends_with(".json") {
            return Kind::Json;
        }
        if path.ends_with(".mjs") {
            return Kind::Esm;
        }
        if path.ends_with(".cjs") {
            return Kind::Cjs;
        }
        let mut dir = parent(path);
        loop {
            if let Some(package) = self.packages.get(dir) {
                match package.esm {
                    Some(true) => return Kind::Esm,
                    Some(false) => return Kind::Cjs,
                    None => break,
                }
            }
            if dir == "/" {
                break;
            }
            dir = parent(dir);
        }
        if has_module_syntax() { Kind::Esm } else { Kind::Cjs }
    }

    /// The entry file: `main` when given, else the root `package.json`'s `exports` / `main`, else
    /// the first of `index.js`, `index.mjs`, `index.cjs`, `handler.js`, `function.js`.
    pub(crate) fn entry(&self, main: Option<&str>) -> Result<String, String> {
        if let Some(main) = main {
            let path = normalize("/", main).ok_or_else(|| format!("main file '{main}' is outside the function"))?;
            return self.file_or_dir(&path).ok_or_else(|| format!("main file '{main}' is not one of the files"));
        }
        if self.packages.contains_key("/")
            && let Ok(path) = self.package_entry("/", ".", Mode::Import)
        {
            return Ok(path);
        }
        ["/index.js", "/index.mjs", "/index.cjs", "/handler.js", "/function.js"]
            .into_iter()
            .find(|path| self.has(path))
            .map(str::to_owned)
            .ok_or_else(|| "no entry file: name it in `main`, in package.json `main`, or call it index.js".to_owned())
    }

    /// Resolves `specifier` as written in the file `from`.
    pub(crate) fn resolve(&self, from: &str, specifier: &str, mode: Mode) -> Result<String, String> {
        let not_found = || format!("Cannot find module '{specifier}' imported from {from}");
        if let Some(name) = specifier.strip_prefix("node:") {
            return Ok(format!("node:{name}"));
        }
        if BUILTINS.contains(&specifier.split('/').next().unwrap_or(specifier)) {
            return Ok(format!("node:{specifier}"));
        }
        if specifier.starts_with('#') {
            return Err(format!("package imports ('{specifier}', imported from {from}) are not supported"));
        }
        let relative =
            specifier == "." || specifier == ".." || specifier.starts_with("./") || specifier.starts_with("../");
        if relative || specifier.starts_with('/') {
            let path = normalize(parent(from), specifier).ok_or_else(not_found)?;
            return self.file_or_dir(&path).ok_or_else(not_found);
        }
        let (name, rest) = split_package(specifier).ok_or_else(not_found)?;
        let mut dir = parent(from);
        loop {
            if !dir.ends_with("/node_modules") {
                let root = format!("{}/node_modules/{name}", dir.trim_end_matches('/'));
                if let Some(found) = self.in_package(&root, rest, mode) {
                    return found.map_err(|e| format!("{e} (imported from {from})"));
                }
            }
            if dir == "/" {
                return Err(not_found());
            }
            dir = parent(dir);
        }
    }

    /// Resolves `rest` (`""` or `/sub/path`) inside the package at `root`, if it exists there.
    fn in_package(&self, root: &str, rest: &str, mode: Mode) -> Option<Result<String, String>> {
        let exists = self.packages.contains_key(root)
            || self.files.range(format!("{root}/")..).next().is_some_and(|(p, _)| p.starts_with(&format!("{root}/")));
        if !exists {
            return None;
        }
        let subpath = if rest.is_empty() { ".".to_owned() } else { format!(".{rest}") };
        if self.packages.get(root).is_some_and(|p| p.exports.is_some()) {
            return Some(self.package_entry(root, &subpath, mode));
        }
        let path = format!("{root}{rest}");
        Some(self.file_or_dir(&path).ok_or_else(|| format!("Cannot find module '{path}'")))
    }

    /// Resolves `subpath` through the `exports` of the package at `root` (or its `main`).
    fn package_entry(&self, root: &str, subpath: &str, mode: Mode) -> Result<String, String> {
        let package = self.packages.get(root).cloned().unwrap_or_default();
        let dir = root.trim_end_matches('/');
        let Some(exports) = &package.exports else {
            return self
                .file_or_dir(if dir.is_empty() { "/" } else { dir })
                .ok_or_else(|| format!("no entry in {root}"));
        };
        let not_exported =
            || format!("Package subpath '{subpath}' is not defined by \"exports\" in {dir}/package.json");
        let subpaths = match exports {
            Json::Object(pairs) if pairs.iter().any(|(k, _)| k.starts_with('.')) => pairs.clone(),
            other => vec![(".".to_owned(), other.clone())],
        };
        let (target, star) = match subpaths.iter().find(|(k, _)| k == subpath) {
            Some((_, target)) => (target, None),
            None => {
                let matched = subpaths
                    .iter()
                    .filter_map(|(key, target)| {
                        let (prefix, suffix) = key.split_once('*')?;
                        let middle = subpath.strip_prefix(prefix)?.strip_suffix(suffix)?;
                        Some((prefix.len(), target, middle))
                    })
                    .max_by_key(|(len, _, _)| *len)
                    .ok_or_else(not_exported)?;
                (matched.1, Some(matched.2))
            }
        };
        let relative = self.target(target, star, mode).ok_or_else(not_exported)?;
        let path = normalize(&format!("{dir}/"), &relative).ok_or_else(not_exported)?;
        if self.has(&path) {
            Ok(path)
        } else {
            Err(format!("Cannot find module '{path}' (from the \"exports\" of {dir}/package.json)"))
        }
    }

    /// Picks the target of an `exports` entry for `mode` (`node`, then `require` / `import`,
    /// then `default`, in the order the package lists them).
    fn target(&self, target: &Json, star: Option<&str>, mode: Mode) -> Option<String> {
        match target {
            Json::Str(path) if path.starts_with("./") => Some(match star {
                Some(middle) => path.replace('*', middle),
                None => path.clone(),
            }),
            Json::List(items) => items.iter().find_map(|item| self.target(item, star, mode)),
            Json::Object(pairs) => {
                let wanted = |key: &str| match key {
                    "node" | "default" | "module-sync" => true,
                    "require" => mode == Mode::Require,
                    "import" => mode == Mode::Import,
                    _ => false,
                };
                pairs.iter().filter(|(k, _)| wanted(k)).find_map(|(_, v)| self.target(v, star, mode))
            }
            _ => None,
        }
    }

    /// Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY.
    fn file_or_dir(&self, path: &str) -> Option<String> {
        let path = path.trim_end_matches('/');
        if self.has(path) {
            return Some(path.to_owned());
        }
        if let Some(found) = EXTENSIONS.iter().map(|ext| format!("{path}{ext}")).find(|p| self.has(p)) {
            return Some(found);
        }
        let dir = if path.is_empty() { "" } else { path };
        let package = self.packages.get(if dir.is_empty() { "/" } else { dir });
        if let Some(main) = package.and_then(|p| p.main.as_deref())
            && let Some(main) = normalize(&format!("{dir}/"), main)
            && main != dir
            && let Some(found) = self.file_or_dir(&main)
        {
            return Some(found);
        }
        EXTENSIONS.iter().map(|ext| format!("{dir}/index{ext}")).find(|p| self.has(p))
    }
}

/// The directory of `path` (`/` for a top-level file).
pub(crate) fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(at) => &path[..at],
    }
}

/// Joins `specifier` to `dir` and resolves `.` and `..`; `None` when it climbs above `/`.
pub(crate) fn normalize(dir: &str, specifier: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let start = if specifier.starts_with('/') { "" } else { dir };
    for part in start.split('/').chain(specifier.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// `lodash/fp` → (`lodash`, `/fp`); `@scope/pkg/x` → (`@scope/pkg`, `/x`).
fn split_package(specifier: &str) -> Option<(&str, &str)> {
    let end = if specifier.starts_with('@') {
        let first = specifier.find('/')?;
        specifier[first + 1..].find('/').map_or(specifier.len(), |i| first + 1 + i)
    } else {
        specifier.find('/').unwrap_or(specifier.len())
    };
    let (name, rest) = specifier.split_at(end);
    (!name.is_empty() && !name.ends_with('/')).then_some((name, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&'static str, &'static str)]) -> Tree {
        let map: BTreeMap<&str, &str> = files.iter().copied().collect();
        Tree::new(map.keys().copied(), |path| map.get(path).copied())
    }

    #[test]
    fn relative_paths_extensions_and_index_files() {
        let t = tree(&[("/index.js", ""), ("/lib/a.js", ""), ("/lib/data.json", ""), ("/lib/sub/index.js", "")]);
        assert_eq!(t.resolve("/index.js", "./lib/a", Mode::Require).unwrap(), "/lib/a.js");
        assert_eq!(t.resolve("/index.js", "./lib/a.js", Mode::Import).unwrap(), "/lib/a.js");
        assert_eq!(t.resolve("/lib/a.js", "./data", Mode::Require).unwrap(), "/lib/data.json");
        assert_eq!(t.resolve("/lib/a.js", "./sub", Mode::Require).unwrap(), "/lib/sub/index.js");
        assert_eq!(t.resolve("/lib/sub/index.js", "../../index", Mode::Require).unwrap(), "/index.js");
        assert!(t.resolve("/index.js", "../../etc/passwd", Mode::Require).is_err());
        assert!(t.resolve("/index.js", "./missing", Mode::Require).unwrap_err().contains("Cannot find module"));
    }

    #[test]
    fn node_modules_are_searched_upwards_with_main_and_exports() {
        let t = tree(&[
            ("/index.js", ""),
            ("/node_modules/a/package.json", r#"{"main": "lib/main.js"}"#),
            ("/node_modules/a/lib/main.js", ""),
            ("/node_modules/a/extra.js", ""),
            (
                "/node_modules/@s/b/package.json",
                r#"{"exports": {".": {"import": "./esm/i.mjs", "require": "./cjs/i.js"}, "./feature/*": "./f/*.js", "./package.json": "./package.json"}}"#,
            ),
            ("/node_modules/@s/b/esm/i.mjs", ""),
            ("/node_modules/@s/b/cjs/i.js", ""),
            ("/node_modules/@s/b/f/x.js", ""),
            ("/node_modules/a/node_modules/c/index.js", ""),
            ("/node_modules/c/index.js", ""),
        ]);
        assert_eq!(t.resolve("/index.js", "a", Mode::Require).unwrap(), "/node_modules/a/lib/main.js");
        assert_eq!(t.resolve("/index.js", "a/extra", Mode::Require).unwrap(), "/node_modules/a/extra.js");
        assert_eq!(t.resolve("/index.js", "@s/b", Mode::Require).unwrap(), "/node_modules/@s/b/cjs/i.js");
        assert_eq!(t.resolve("/index.js", "@s/b", Mode::Import).unwrap(), "/node_modules/@s/b/esm/i.mjs");
        assert_eq!(t.resolve("/index.js", "@s/b/feature/x", Mode::Import).unwrap(), "/node_modules/@s/b/f/x.js");
        assert!(
            t.resolve("/index.js", "@s/b/cjs/i.js", Mode::Require).unwrap_err().contains("not defined by \"exports\"")
        );
        assert_eq!(
            t.resolve("/node_modules/a/lib/main.js", "c", Mode::Require).unwrap(),
            "/node_modules/a/node_modules/c/index.js"
        );
        assert_eq!(t.resolve("/index.js", "c", Mode::Require).unwrap(), "/node_modules/c/index.js");
        assert_eq!(t.resolve("/index.js", "node:fs", Mode::Require).unwrap(), "node:fs");
        assert_eq!(t.resolve("/index.js", "crypto", Mode::Import).unwrap(), "node:crypto");
        assert_eq!(t.resolve("/index.js", "fs/promises", Mode::Import).unwrap(), "node:fs/promises");
    }

    #[test]
    fn kinds_follow_extension_then_package_type_then_syntax() {
        let t = tree(&[
            ("/package.json", r#"{"type": "module", "main": "src/app.js"}"#),
            ("/src/app.js", ""),
            ("/node_modules/x/package.json", r#"{"name": "x"}"#),
            ("/node_modules/x/i.js", ""),
        ]);
        assert_eq!(t.kind("/src/app.js", || false), Kind::Esm);
        assert_eq!(t.kind("/node_modules/x/i.js", || false), Kind::Cjs);
        assert_eq!(t.kind("/node_modules/x/i.js", || true), Kind::Esm);
        assert_eq!(t.kind("/a.cjs", || true), Kind::Cjs);
        assert_eq!(t.kind("/a.json", || true), Kind::Json);
        assert_eq!(t.entry(None).unwrap(), "/src/app.js");
        assert_eq!(t.entry(Some("src/app.js")).unwrap(), "/src/app.js");
        assert!(t.entry(Some("nope.js")).is_err());
    }

    #[test]
    fn exports_conditions_keep_the_package_order() {
        let t = tree(&[
            (
                "/node_modules/p/package.json",
                r#"{"exports": {"browser": "./b.js", "default": "./d.js", "node": "./n.js"}}"#,
            ),
            ("/node_modules/p/b.js", ""),
            ("/node_modules/p/d.js", ""),
            ("/node_modules/p/n.js", ""),
        ]);
        assert_eq!(t.resolve("/index.js", "p", Mode::Require).unwrap(), "/node_modules/p/d.js");
    }
}
