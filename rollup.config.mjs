// Bundles ts/browser.ts into dist/browser/wideflow.js: one ESM file for browsers and bundlers, with both
// wasm artifacts inlined as base64 (no server-side .wasm, no Node built-ins). The Node entry is plain tsc
// output (tsconfig.build.json) and loads wasm/*.wasm with fs instead.
import typescript from '@rollup/plugin-typescript';
import { wasm } from '@rollup/plugin-wasm';

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
}];
