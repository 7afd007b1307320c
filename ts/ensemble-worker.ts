/**
 * Worker-thread body for `ensemble({ workers })`: loads its own wasm instance, then answers chunk
 * tasks with their sums. Never imported by user code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { init } from './node.js';
import { chunkRunner } from './ensemble.js';
import type { ChunkTask } from './parallel.js';

const { cfg, backend } = workerData as { cfg: Float64Array; backend: 'wasm' | 'js' };
const port = parentPort!;
try {
  if (backend === 'wasm') await init();
  const run = chunkRunner(cfg, backend);
  port.on('message', (t: ChunkTask) => {
    try {
      const sums = run(t);
      port.postMessage({ type: 'result', sums }, [sums.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (e) {
  port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) });
}
