// The emulated vCD portal's loader (see index.html): a small AMD loader, a SystemJS-like
// registry for the container hooks, and the start-up the portal performs for a plugin.
(function () {
  'use strict';

  // ---- A minimal AMD loader: define(id?, deps?, factory), modules by id or by script URL. ----
  const records = new Map(); // id -> { deps, factory, promise }
  const paths = new Map(); // id -> script URL
  const loading = new Map(); // script URL -> Promise
  const namedBy = new Map(); // script URL -> the id its named define() gave

  function define(id, deps, factory) {
    if (typeof id !== 'string') {
      factory = deps;
      deps = id;
      id = null;
    }
    if (!Array.isArray(deps)) {
      factory = deps;
      deps = [];
    }
    const script = document.currentScript;
    if (id === null) {
      // Anonymous: the module is named by the script that defines it.
      if (!script) {
        throw new Error('anonymous define() outside a script load');
      }
      id = script.src;
    } else if (script) {
      // Named (as the vCD plugin builder emits a plugin): the script loaded by URL defines it.
      namedBy.set(script.src, id);
    }
    records.set(id, { deps, factory, promise: null });
  }
  define.amd = {};

  function loadScript(url) {
    if (!loading.has(url)) {
      loading.set(
        url,
        new Promise((resolve, reject) => {
          const script = document.createElement('script');
          script.src = url;
          script.onload = () => resolve();
          script.onerror = () => reject(new Error(`could not load ${url}`));
          document.head.appendChild(script);
        }),
      );
    }
    return loading.get(url);
  }

  /** The exports of module `id` (a registered name, or a script URL). */
  async function load(id) {
    if (!records.has(id)) {
      const url = paths.get(id) || new URL(id, document.baseURI).href;
      await loadScript(url);
      const defined = records.has(url) ? url : namedBy.get(url);
      if (!records.has(id) && defined !== undefined) {
        records.set(id, records.get(defined));
      }
      if (!records.has(id)) {
        throw new Error(`${url} did not define ${id}`);
      }
    }
    const record = records.get(id);
    if (!record.promise) {
      record.promise = (async () => {
        const exports = {};
        const module = { exports };
        const values = await Promise.all(
          record.deps.map((dep) => {
            if (dep === 'exports') return exports;
            if (dep === 'module') return module;
            if (dep === 'require') return amdRequire;
            return load(dep);
          }),
        );
        const result = typeof record.factory === 'function' ? record.factory(...values) : record.factory;
        return result !== undefined ? result : module.exports;
      })();
    }
    return record.promise;
  }

  function amdRequire(deps, callback, errback) {
    Promise.all(deps.map(load)).then((values) => callback && callback(...values), errback);
  }

  window.define = define;
  window.require = amdRequire;

  // ---- The SystemJS registry the vCD UI SDK reads its hooks from. ----
  const registry = new Map();
  window.System = { registry };
  // Also an AMD module, for a bundle that lists @vcd/common as a dependency.
  define('@vcd/common', [], () => registry.get('@vcd/common'));

  // Angular and rxjs as the portal supplies them (built by plugin-shell/angular<N>, used only here).
  for (const [id, file] of [
    ['@angular/core', 'angular-core.js'],
    ['@angular/common', 'angular-common.js'],
    ['@angular/common/http', 'angular-common-http.js'],
    ['@angular/platform-browser', 'angular-platform-browser.js'],
    ['@angular/router', 'angular-router.js'],
    ['rxjs', 'rxjs.js'],
    ['rxjs/operators', 'rxjs-operators.js'],
    ['portal-app', 'portal-app.js'],
  ]) {
    paths.set(id, new URL(`vendor/${file}`, document.baseURI).href);
  }

  function fail(error) {
    console.error(error);
    const pre = document.getElementById('portal-error');
    pre.hidden = false;
    pre.textContent += `${error && error.stack ? error.stack : error}\n`;
  }
  window.addEventListener('error', (event) => fail(event.error || event.message));
  window.addEventListener('unhandledrejection', (event) => fail(event.reason));

  // ---- What the portal does for a plugin: read its manifest, register the route, load. ----
  async function start() {
    const query = new URLSearchParams(window.location.search);
    const plugin = new URL(query.get('plugin').replace(/\/?$/, '/'), document.baseURI);
    const manifest = await (await fetch(new URL('manifest.json', plugin))).json();
    if (!manifest.module || !manifest.route) {
      throw new Error('the manifest has no top-level module and route (both are mandatory)');
    }
    const point = manifest.extensionPoints.find((p) => p.type === 'navigation:primary');
    if (!point || point.module !== manifest.module || !point.route || point.route === manifest.route) {
      throw new Error('the manifest has no navigation:primary extension point with the module and a route of its own');
    }
    document.title = `Cloud Director — ${manifest.locales.en[point.name.replace(/%/g, '')] || point.name}`;
    const portalApp = await load('portal-app');
    // The manifest version that goes with the portal's Angular: 3.0.0 with 15 (vCD 10.5, STDLIB),
    // 4.0.0 with 17 (vCD 10.6, VMware's Angular 17 skeleton).
    const expected = { 15: '3.0.0', 17: '4.0.0' }[portalApp.angularMajor];
    if (manifest.manifestVersion !== expected) {
      throw new Error(
        `an Angular ${portalApp.angularMajor} portal loads manifest ${expected} plugins, not ${manifest.manifestVersion}`,
      );
    }
    await portalApp.startPortal(
      {
        module: manifest.module,
        route: manifest.route,
        pointRoute: point.route,
        bundleUrl: new URL('bundle.js', plugin).href,
        assetUrl: new URL('assets', plugin).href,
        apiRoot: query.get('apiRoot') || window.location.origin,
        scope: query.get('scope') || 'tenant',
        orgName: query.get('org') || '',
        orgId: query.get('orgId') || '',
        token: query.get('token') || '',
        load,
      },
      registry,
    );
    document.body.dataset.portal = 'started';
  }

  window.addEventListener('DOMContentLoaded', () => start().catch(fail));
})();
