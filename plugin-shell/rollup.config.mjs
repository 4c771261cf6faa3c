// Two outputs, both AMD:
//  * dist/bundle.js: the plugin, ONE anonymous AMD module whose dependencies the portal supplies
//    (@angular/*, rxjs, @vcd/*). Input: the ngc (AOT, full compilation) output in out-tsc/.
//  * dist/portal/: for the portal-emulation test only: Angular 15 and rxjs as named AMD modules
//    (partial declarations linked ahead of time with Angular's linker, so no JIT compiler is
//    needed), the emulated portal app, and zone.js.
import { copyFileSync, mkdirSync } from 'node:fs';

import linkerPlugin from '@angular/compiler-cli/linker/babel';
import { babel } from '@rollup/plugin-babel';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const hostSupplied = (id) => /^@angular\//.test(id) || /^rxjs(\/|$)/.test(id) || /^@vcd(-ui)?\//.test(id);

const plugin = {
  input: 'out-tsc/src/index.js',
  external: hostSupplied,
  output: { file: 'dist/bundle.js', format: 'amd', exports: 'named', generatedCode: 'es2015' },
  plugins: [nodeResolve()],
};

const vendors = ['@angular/core', '@angular/common', '@angular/platform-browser', '@angular/router', 'rxjs'];

const file = (id) => `dist/portal/${id.replace(/^@/, '').replace(/\//g, '-')}.js`;

const resolve = () => nodeResolve({ exportConditions: ['es2020', 'es2015'], mainFields: ['es2020', 'es2015', 'module'] });

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

const vendor = (id) => ({
  input: id,
  external: (other) => other !== id && hostSupplied(other),
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
        copyFileSync('node_modules/zone.js/fesm2015/zone.min.js', 'dist/portal/zone.js');
      },
    },
  ],
};

export default [plugin, ...vendors.map(vendor), operators, portal];
