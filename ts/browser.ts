/**
 * Browser and bundler entry point (built by rollup.config.mjs into `dist/browser/wideflow.js`).
 *
 * Both artifacts are inlined as base64 by `@rollup/plugin-wasm`, so the bundle is one file that needs
 * no server-side `.wasm`, no `fetch` path configuration and no Node built-ins. Only the artifact that
 * `init()` asks for is decoded and compiled; the other stays an unused string.
 */
import compileSimd from '../wasm/wideflow.simd.wasm';
import compileScalar from '../wasm/wideflow.wasm';
import { registerLoader } from './api/backend.js';
import { registerWorkerFactory } from './parallel/workers.js';
import { webWorkers } from './parallel/pool-web.js';

// Called without imports, the plugin's loader only compiles, and init() instantiates the module once.
registerLoader((simd) => (simd ? compileSimd() : compileScalar()));
if (typeof Worker === 'function') registerWorkerFactory(webWorkers);

export * from './index.js';
