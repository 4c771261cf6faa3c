// Starts the app (a file, not an inline script, so the page works under script-src 'self').
import init from './stratus_frontend.js';

// Written by `cargo xtask build` from frontend/areas.json: which area an address opens, and the
// wasm files each area's first page needs. They download and compile while the shell's module
// does; the area loader (__wasm_split.js) takes them from `__stratusAreaModules` instead of
// fetching them once the shell has started.
const AREAS = {};
const path = location.hash.replace(/^#\/?/, '');
const rule = (AREAS.prefixes || []).find(([prefix]) => path.startsWith(prefix));
const modules = new Map();
for (const file of (AREAS.files || {})[rule ? rule[1] : AREAS.default] || []) {
  const url = new URL(file, import.meta.url).href;
  // A failure here is left to the loader, which fetches the file itself then.
  modules.set(url, fetch(url).then(compile).catch(() => null));
}
globalThis.__stratusAreaModules = modules;

/** Compiles while the bytes arrive when the server sends the wasm media type (vCD may not). */
function compile(response) {
  if (!response.ok) return null;
  const type = (response.headers.get('Content-Type') || '').split(';')[0].trim();
  if (type === 'application/wasm') return WebAssembly.compileStreaming(response);
  return response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
}

init({ module_or_path: './stratus_frontend_bg.wasm' });
