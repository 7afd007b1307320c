/**
 * Web Worker body for `ensemble({ workers })` in browsers (bundled by rollup into
 * `dist/browser/ensemble-worker.js`). It receives the main thread's compiled WebAssembly.Module, so
 * this bundle carries no wasm of its own, instantiates it, and answers chunk tasks with their sums.
 */
import { init } from './api/backend.js';
import { chunkRunner } from './api/network.js';
import { trainChunkRunner } from './api/train.js';
import { multiChunkRunner } from './api/ensemble-multi.js';
import { kernelRowsRunner } from './api/kernels.js';
import type { ChunkTask, WorkerJob } from './parallel/workers.js';

type Setup = { cfg: Float64Array; backend: 'wasm' | 'js'; module?: WebAssembly.Module; job?: WorkerJob };
const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown, t?: Transferable[]): void };

let run: ((t: ChunkTask) => Float64Array) | null = null;
scope.onmessage = async (e: MessageEvent) => {
  try {
    if (!run) {
      const { cfg, backend, module, job } = e.data as Setup;
      if (backend === 'wasm') await init({ wasm: module });
      run = job === 'train' ? trainChunkRunner(cfg, backend) : job === 'ensemble-multi' ? multiChunkRunner(cfg, backend) : job === 'kernels' ? kernelRowsRunner(cfg, backend) : chunkRunner(cfg, backend);
      scope.postMessage({ type: 'ready' });
      return;
    }
    const sums = run(e.data as ChunkTask);
    scope.postMessage({ type: 'result', sums }, [sums.buffer as ArrayBuffer]);
  } catch (err) {
    scope.postMessage({ type: 'error', error: err instanceof Error ? err.message : String(err) });
  }
};
