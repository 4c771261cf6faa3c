// Starts the app (a file, not an inline script, so the page works under script-src 'self').
import init from './stratus_frontend.js';
init({ module_or_path: './stratus_frontend_bg.wasm' });
