// Stratus function prelude, part 5: the CommonJS module system of multi-file functions.
//
// Resolution (relative paths, node_modules, package.json main/exports) happens in Rust
// (`resolve.rs`) through host.resolve; this part keeps the module cache, runs CommonJS files in
// Node's wrapper (exports, require, module, __filename, __dirname) and hands ES modules and JSON
// files over. Cycles behave as in Node: a module required while it is still loading gives the
// exports it has so far. ES modules import CommonJS files through a small generated module that
// re-exports module.exports as `default` plus one named export per key (see `loader.rs`).

const requireCache = Object.create(null);
let mainModule;

const dirnameOf = (path) => path.slice(0, Math.max(1, path.lastIndexOf('/')));

function resolveFrom(from, specifier) {
  if (typeof specifier !== 'string') throw new TypeError('The "id" argument must be of type string');
  const found = host.resolve(from, specifier, 'require');
  if (typeof found === 'string') return found;
  const error = new Error(found[0]);
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}

function makeRequire(from) {
  const localRequire = (specifier) => {
    const path = resolveFrom(from, specifier);
    // Built-ins keep the name as written, for the messages of those that are refused.
    return path.startsWith('node:') ? require(specifier) : loadModule(path);
  };
  localRequire.resolve = (specifier) => resolveFrom(from, specifier);
  localRequire.cache = requireCache;
  localRequire.main = mainModule;
  return localRequire;
}

function loadModule(path) {
  if (path.startsWith('node:')) return require(path);
  const cached = requireCache[path];
  if (cached !== undefined) return cached.exports;
  const kind = host.fileKind(path);
  if (kind === 'esm') return host.requireEsm(path);
  const module = { id: path, filename: path, path: dirnameOf(path), exports: {}, loaded: false, children: [] };
  if (kind === 'json') {
    try {
      module.exports = JSON.parse(host.fileText(path));
    } catch (error) {
      throw new SyntaxError(`${path}: ${error.message}`);
    }
    module.loaded = true;
    requireCache[path] = module;
    return module.exports;
  }
  mainModule ??= module;
  module.require = makeRequire(path);
  requireCache[path] = module;
  shiftedFiles.add(path);
  try {
    const factory = host.compileCjsFile(path);
    factory.call(module.exports, module.exports, module.require, module, path, module.path);
  } catch (error) {
    delete requireCache[path];
    throw error;
  }
  module.loaded = true;
  return module.exports;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Runs a CommonJS or JSON file (or a built-in) and names what an ES module may import from it. */
function cjsExportNames(path) {
  const exported = loadModule(path);
  if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) return [];
  if (path.endsWith('.json') && !path.startsWith('node:')) return [];
  return Object.keys(exported).filter((name) => name !== 'default' && IDENTIFIER.test(name));
}

/** module.exports of a file `cjsExportNames` loaded. */
function cjsExports(path) {
  return loadModule(path);
}
