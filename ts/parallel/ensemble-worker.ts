/**
 * Worker-thread body for `ensemble({ workers })` and `train({ workers })` in Node. Workers are pooled across runs: each run
 * first sends `{ type: 'config' }` (the worker builds its chunk runner, instantiating wasm once per
 * worker), then chunk tasks, answered with their sums. Never imported by user code.
 */
import { parentPort } from 'node:worker_threads';
import { init } from '../node.js';
import { chunkRunner } from '../api/network.js';
import { trainChunkRunner } from '../api/train.js';
import { multiChunkRunner } from '../api/ensemble-multi.js';
import { kernelRowsRunner } from '../api/kernels.js';
import type { ChunkTask, WorkerJob } from './workers.js';

type Message = { type: 'config'; cfg: Float64Array; backend: 'wasm' | 'js'; job?: WorkerJob } | ({ type: 'task' } & ChunkTask);
const port = parentPort!;
let run: ReturnType<typeof chunkRunner> | null = null;
port.on('message', async (m: Message) => {
  try {
    if (m.type === 'config') {
      run?.free();
      run = null;
      if (m.backend === 'wasm') await init();
      run = m.job === 'train' ? trainChunkRunner(m.cfg, m.backend) : m.job === 'ensemble-multi' ? multiChunkRunner(m.cfg, m.backend) : m.job === 'kernels' ? kernelRowsRunner(m.cfg, m.backend) : chunkRunner(m.cfg, m.backend);
      port.postMessage({ type: 'ready' });
    } else {
      const sums = run!(m);
      port.postMessage({ type: 'result', sums }, [sums.buffer as ArrayBuffer]);
    }
  } catch (e) {
    port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) });
  }
});
