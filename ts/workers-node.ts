/**
 * Node worker_threads for ensembles: each worker instantiates its own wasm core (or uses the JS twin)
 * and computes whole chunks from a shared queue. Independent instances scale to ~1.9× on 2 cores
 * (toolchain.md §3) without shared memory or atomics.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend.js';
import type { ChunkTask, ChunkWorker } from './parallel.js';
import { WideflowError } from './errors.js';

/** The compiled worker script: next to this file when built, in dist/ when running from sources. */
function workerScript(): URL {
  for (const rel of ['./ensemble-worker.js', '../dist/ts/ensemble-worker.js']) {
    const u = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(u))) return u;
  }
  throw new WideflowError('wideflow: dist/ts/ensemble-worker.js not found; run `npm run build` first');
}

export async function nodeWorkers(cfg: Float64Array, backend: Backend, count: number): Promise<ChunkWorker[]> {
  const script = workerScript();
  return Promise.all(
    Array.from({ length: count }, async () => {
      const w = new Worker(script, { workerData: { cfg, backend } });
      let pending: { resolve: (v: Float64Array) => void; reject: (e: unknown) => void } | null = null;
      let closed = false;
      const fail = (e: unknown) => {
        const p = pending;
        pending = null;
        p?.reject(e);
      };
      w.on('message', (m: { type: string; sums?: Float64Array; error?: string }) => {
        if (m.type === 'result' && pending) {
          const p = pending;
          pending = null;
          p.resolve(m.sums!);
        } else if (m.type === 'error') fail(new WideflowError(m.error ?? 'wideflow: worker failed'));
      });
      w.on('error', fail);
      w.on('exit', () => {
        closed = true;
        fail(new WideflowError('wideflow: worker exited'));
      });
      await new Promise<void>((resolve, reject) => {
        w.once('message', (m: { type: string; error?: string }) => (m.type === 'ready' ? resolve() : reject(new WideflowError(m.error ?? 'worker init failed'))));
        w.once('error', reject);
      });
      return {
        run(task: ChunkTask) {
          return new Promise<Float64Array>((resolve, reject) => {
            if (closed) return reject(new WideflowError('wideflow: worker closed'));
            pending = { resolve, reject };
            w.postMessage(task);
          });
        },
        async close() {
          if (!closed) {
            closed = true;
            await w.terminate();
          }
        },
      } satisfies ChunkWorker;
    }),
  );
}
