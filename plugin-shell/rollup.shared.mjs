// The shell's build, shared by the Angular builds: `npm run build` in angular15/ or angular17/
// runs `rollup -c ../rollup.shared.mjs` there. Rollup, its plugins and Angular's linker are
// resolved from that directory (each build has its own node_modules), not from this file's.
//
// Outputs, all AMD, under the build directory:
//  * dist/bundle.js: the plugin, ONE AMD module named after the NgModule the manifest names
//    (`define("StratusPluginModule", [...], ...)`, as the vCD plugin builder emits it: webpack
//    `library` = the module name, `libraryTarget: 'amd'`), whose dependencies the portal supplies
//    (@angular/*, rxjs, @ngrx/*, @clr/*, @vcd/common, @vcd-ui/common). Input: the ngc output.
//  * dist/portal/: for the portal-emulation test only: that Angular version and rxjs as named AMD
//    modules (partial declarations linked ahead of time with Angular's linker, so no JIT
//    compiler is needed), the emulated portal app, and zone.js.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(pathToFileURL(join(process.cwd(), 'package.json')));
const use = async (id) => import(pathToFileURL(require.resolve(id)).href);
const { babel } = await use('@rollup/plugin-babel');
const { nodeResolve } = await use('@rollup/plugin-node-resolve');
const { default: linkerPlugin } = await use('@angular/compiler-cli/linker/babel');
const zone = join(dirname(require.resolve('zone.js/package.json')), 'fesm2015', 'zone.min.js');

/** The plugin's module name: the manifest's top-level `module`. */
export const MODULE_NAME = 'StratusPluginModule';

/** What the vCD portal supplies to plugins (SDK plugin-builders `defaultExternals`). */
export const hostSupplied = (id) =>
  /^@angular\//.test(id) ||
  /^rxjs(\/|$)/.test(id) ||
  /^@ngrx\//.test(id) ||
  /^@clr\//.test(id) ||
  /^@vcd(-ui)?\/common$/.test(id);

/** The rollup configs of the build in the current directory. */
function configs() {
  const plugin = {
    input: 'out-tsc/src/index.js',
    external: hostSupplied,
    output: {
      file: 'dist/bundle.js',
      format: 'amd',
      amd: { id: MODULE_NAME },
      exports: 'named',
      generatedCode: 'es2015',
    },
    plugins: [nodeResolve()],
  };

  // Angular 17's platform-browser imports @angular/common/http (hydration's transfer cache).
  const vendors = [
    '@angular/core',
    '@angular/common',
    '@angular/common/http',
    '@angular/platform-browser',
    '@angular/router',
    'rxjs',
  ];

  const file = (id) => `dist/portal/${id.replace(/^@/, '').replace(/\//g, '-')}.js`;

  const resolve = () =>
    nodeResolve({ exportConditions: ['es2020', 'es2015'], mainFields: ['es2020', 'es2015', 'module'] });

  const linker = () =>
    babel({
      babelHelpers: 'bundled',
      babelrc: false,
      configFile: false,
      compact: false,
      extensions: ['.mjs', '.js'],
      include: /node_modules[\\/]@angular[\\/]/,
      plugins: [linkerPlugin],
    });

  // Only the vendored modules stay external; an entry point nothing else imports (Angular 17's
  // @angular/core/primitives/signals) goes into the bundle that does.
  const vendor = (id) => ({
    input: id,
    external: (other) => other !== id && (vendors.includes(other) || other === 'rxjs/operators'),
    output: { file: file(id), format: 'amd', amd: { id }, exports: 'named', generatedCode: 'es2015' },
    plugins: [resolve(), linker()],
  });

  // rxjs/operators is the same operators rxjs exports; one copy of rxjs keeps instanceof checks true.
  const virtual = (id, code) => ({
    name: 'virtual',
    resolveId: (source) => (source === id ? id : null),
    load: (source) => (source === id ? code : null),
  });

  const operators = {
    input: 'rxjs/operators',
    external: (other) => other === 'rxjs',
    output: { file: file('rxjs/operators'), format: 'amd', amd: { id: 'rxjs/operators' }, exports: 'named' },
    plugins: [virtual('rxjs/operators', "export * from 'rxjs';")],
  };

  const portal = {
    input: 'out-tsc/test-host/portal-app.js',
    external: hostSupplied,
    output: { file: 'dist/portal/portal-app.js', format: 'amd', amd: { id: 'portal-app' }, exports: 'named' },
    plugins: [
      resolve(),
      {
        name: 'copy-zone',
        buildStart() {
          mkdirSync('dist/portal', { recursive: true });
          copyFileSync(zone, 'dist/portal/zone.js');
        },
      },
    ],
  };

  return [plugin, ...vendors.map(vendor), operators, portal];
}

export default configs();
