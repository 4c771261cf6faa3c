// Starts the app (a file, not an inline script, so the page works under script-src 'self').
import init from './stratus_frontend.js';

// Written by `cargo xtask build` from frontend/areas.json: which area an address opens, and the
// wasm files each area's first page needs. They download beside the shell's module instead of
// after it has started.
const AREAS = {};
const path = location.hash.replace(/^#\/?/, '');
const rule = (AREAS.prefixes || []).find(([prefix]) => path.startsWith(prefix));
for (const file of (AREAS.files || {})[rule ? rule[1] : AREAS.default] || []) {
  const link = document.createElement('link');
  link.rel = 'preload';
  link.as = 'fetch';
  link.crossOrigin = 'anonymous';
  link.href = new URL(file, import.meta.url).href;
  document.head.append(link);
}

init({ module_or_path: './stratus_frontend_bg.wasm' });
