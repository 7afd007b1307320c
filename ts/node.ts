/**
 * Node entry point: loads `wasm/wideflow{.simd,}.wasm` from the package with `fs`.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerLoader } from './api/backend.js';
import { registerWorkerFactory } from './parallel/workers.js';
import { nodeWorkers } from './parallel/pool-node.js';

/** The package's wasm/ folder, whether this file runs from ts/ (sources) or dist/ts/ (built). */
export function wasmDir(): string {
  for (const rel of ['../wasm/', '../../wasm/']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p + 'wideflow.wasm')) return p;
  }
  throw new Error('wideflow: wasm/ artifacts not found next to the package');
}

registerLoader(async (simd) => {
  const bytes = await readFile(wasmDir() + (simd ? 'wideflow.simd.wasm' : 'wideflow.wasm'));
  return bytes as unknown as Uint8Array<ArrayBuffer>;
});

registerWorkerFactory(nodeWorkers);

export * from './index.js';
