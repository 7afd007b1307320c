// Bundles ts/browser.ts into dist/browser/wideflow.js: one ESM file for browsers and bundlers, with both
// wasm artifacts inlined as base64 (no server-side .wasm, no Node built-ins). The Node entry is plain tsc
// output (tsconfig.build.json) and loads wasm/*.wasm with fs instead.
import typescript from '@rollup/plugin-typescript';
import { wasm } from '@rollup/plugin-wasm';
import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';

const onwarn = (warning, warn) => {
  // A bundle that silently imports a Node built-in or leaves an import unresolved would fail only in
  // a browser; make such warnings fatal here instead.
  if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_NODE_BUILTINS') {
    throw new Error(`${warning.message}\nThe browser bundle must be self-contained: keep Node-only code behind ts/node.ts (as the wasm loader is).`);
  }
  warn(warning);
};

export default [{
  input: 'ts/browser.ts',
  output: {
    file: 'dist/browser/wideflow.js',
    format: 'es',
    sourcemap: false,
    // One self-contained file: a lazy chunk would have to be served next to it.
    inlineDynamicImports: true,
  },
  plugins: [
    // 'auto-inline' always inlines, whatever the size; the alternatives silently switch to fetching a
    // copied .wasm file above maxFileSize, which a browser without our server would not find.
    wasm({ targetEnv: 'auto-inline' }),
    // tsconfig.browser.json: only the files the bundle reaches are type-checked, so a type error in a
    // Node-only file (CLI, worker_threads) is reported once by tsc, not again here.
    typescript({ tsconfig: './tsconfig.browser.json', include: ['ts/**/*.ts', 'bindings/**/*.ts'] }),
  ],
  onwarn,
}, {
  // The Web Worker of ensemble({ workers }) in browsers: no wasm inside, it is sent the main thread's
  // compiled module.
  input: 'ts/webworker.ts',
  output: { file: 'dist/browser/ensemble-worker.js', format: 'es', sourcemap: false, inlineDynamicImports: true },
  plugins: [typescript({ tsconfig: './tsconfig.browser.json', include: ['ts/**/*.ts', 'bindings/**/*.ts'] })],
  onwarn,
}, ...plotBundles(), explorer()];

/**
 * `wideflow/plot` (issue 12): the plotting module with Observable Plot (and, for Node, linkedom as its
 * DOM) bundled in, so that the package keeps zero runtime dependencies and users who never plot load
 * none of it. The core is NOT bundled: ts/plot's imports of '../index.js' become imports of 'wideflow'
 * (the package itself), so errors and results share one instance with the core entry.
 */
function plotBundles() {
  const core = {
    name: 'wideflow-plot-core-external',
    resolveId(source, importer) {
      if (importer && /[\\/]ts[\\/]plot[\\/]/.test(importer) && source === '../index.js') return { id: 'wideflow', external: true };
      return null;
    },
  };
  const plugins = (node) => [
    core,
    typescript({ tsconfig: './tsconfig.plot.json', include: ['ts/**/*.ts'] }),
    resolve({ preferBuiltins: true, exportConditions: node ? ['node', 'import', 'default'] : ['browser', 'import', 'default'], browser: !node }),
    commonjs(),
    terser({ format: { comments: false } }),
    licenses(),
  ];
  return [
    { input: 'ts/plot/node.ts', output: { file: 'dist/plot/node.js', format: 'es', inlineDynamicImports: true }, external: ['wideflow'], plugins: plugins(true), onwarn },
    { input: 'ts/plot/browser.ts', output: { file: 'dist/plot/browser.js', format: 'es', inlineDynamicImports: true }, external: ['wideflow'], plugins: plugins(false), onwarn },
  ];
}

/** Writes the licence texts of every bundled npm package next to the bundle (they are ISC/MIT/BSD and ask for it). */
function licenses() {
  return {
    name: 'third-party-licenses',
    generateBundle(options, bundle) {
      const pkgs = new Map();
      for (const chunk of Object.values(bundle)) {
        for (const id of Object.keys(chunk.modules ?? {})) {
          const m = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)/.exec(id.replace(/^\0/, ''));
          if (m) pkgs.set(m[1], true);
        }
      }
      const parts = [];
      for (const dir of [...pkgs.keys()].sort()) {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const lic = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
        parts.push(`${pkg.name}@${pkg.version} (${pkg.license})\n${lic ? readFileSync(join(dir, lic), 'utf8').trim() : '(no licence file in the package)'}\n`);
      }
      const file = resolvePath(dirname(options.file), 'THIRD_PARTY_LICENSES.txt');
      mkdirSync(dirname(file), { recursive: true });
      const prev = existsSync(file) ? readFileSync(file, 'utf8') : '';
      // Both plot bundles share the directory: keep the union of their packages.
      const all = new Set([...prev.split('\n\n=====\n\n').filter(Boolean), ...parts]);
      writeFileSync(file, [...all].sort().join('\n\n=====\n\n'));
    },
  };
}

/**
 * The explorer page (explorer/): its script bundled into dist/explorer/explorer.js with 'wideflow' and
 * 'wideflow/plot' left as imports that the page's import map points at copies of the built bundles,
 * so dist/explorer/ is a self-contained static site (no server code; any static host serves it).
 */
function explorer() {
  return {
    input: 'explorer/main.ts',
    output: { file: 'dist/explorer/explorer.js', format: 'es', inlineDynamicImports: true },
    external: ['wideflow', 'wideflow/plot'],
    plugins: [
      typescript({ tsconfig: './tsconfig.explorer.json', include: ['explorer/**/*.ts', 'ts/**/*.ts'] }),
      {
        name: 'explorer-static-files',
        writeBundle() {
          const copies = {
            'explorer/index.html': 'dist/explorer/index.html',
            'explorer/style.css': 'dist/explorer/style.css',
            'dist/browser/wideflow.js': 'dist/explorer/wideflow.js',
            'dist/browser/ensemble-worker.js': 'dist/explorer/ensemble-worker.js',
            'dist/plot/browser.js': 'dist/explorer/wideflow-plot.js',
            'dist/plot/THIRD_PARTY_LICENSES.txt': 'dist/explorer/THIRD_PARTY_LICENSES.txt',
          };
          for (const [from, to] of Object.entries(copies)) copyFileSync(from, to);
        },
      },
    ],
    onwarn,
  };
}
