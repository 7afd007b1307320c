/**
 * Web Workers for ensembles in browsers: module workers running `dist/browser/ensemble-worker.js`
 * (next to the main bundle), each instantiating the main thread's compiled module. Bundlers that
 * understand `new Worker(new URL(…, import.meta.url))` (Vite, webpack 5) copy the worker file along.
 */
import { info, wasmCore, type Backend } from '../api/backend.js';
import { WideflowError } from '../api/errors.js';
import type { ChunkTask, ChunkWorker } from './workers.js';

export async function webWorkers(cfg: Float64Array, backend: Backend, count: number): Promise<ChunkWorker[]> {
  const module = backend === 'wasm' && info().wasm ? wasmCore('ensemble()').module : undefined;
  return Promise.all(
    Array.from({ length: count }, async () => {
      const w = new Worker(new URL('./ensemble-worker.js', import.meta.url), { type: 'module' });
      let pending: { resolve: (v: Float64Array) => void; reject: (e: unknown) => void } | null = null;
      let closed = false;
      const fail = (e: unknown) => {
        const p = pending;
        pending = null;
        p?.reject(e);
      };
      await new Promise<void>((resolve, reject) => {
        w.onmessage = (e: MessageEvent) => (e.data?.type === 'ready' ? resolve() : reject(new WideflowError(e.data?.error ?? 'wideflow: worker init failed')));
        w.onerror = (e) => reject(new WideflowError(`wideflow: worker failed to start (${e.message}); is ensemble-worker.js served next to the bundle?`));
        w.postMessage({ cfg, backend, module });
      });
      w.onmessage = (e: MessageEvent) => {
        const m = e.data as { type: string; sums?: Float64Array; error?: string };
        if (m.type === 'result' && pending) {
          const p = pending;
          pending = null;
          p.resolve(m.sums!);
        } else if (m.type === 'error') fail(new WideflowError(m.error ?? 'wideflow: worker failed'));
      };
      w.onerror = (e) => fail(new WideflowError(`wideflow: worker error: ${e.message}`));
      return {
        run(task: ChunkTask) {
          return new Promise<Float64Array>((resolve, reject) => {
            if (closed) return reject(new WideflowError('wideflow: worker closed'));
            pending = { resolve, reject };
            w.postMessage(task);
          });
        },
        terminate() {
          this.close();
        },
        close() {
          if (!closed) {
            closed = true;
            w.terminate();
            fail(new WideflowError('wideflow: worker closed'));
          }
        },
      } satisfies ChunkWorker;
    }),
  );
}
