/**
 * Node worker_threads for ensembles: each worker owns its own wasm instance (or runs the JS twin) and
 * computes whole chunks from a shared queue. Independent instances scale to ~1.9× on 2 cores
 * (toolchain.md §3) without shared memory or atomics.
 *
 * Workers are pooled across `ensemble()` calls: spawning a thread and instantiating its wasm costs
 * ~50 ms each, 5–9 % of a typical run (bench/RESULTS.md item 3). Idle workers are unref'd, so the
 * pool never keeps a process alive; an aborted or failed run terminates its workers.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../api/backend.js';
import type { ChunkTask, ChunkWorker } from './workers.js';
import { WideflowError } from '../api/errors.js';

/** The compiled worker script: next to this file when built, in dist/ when running from sources. */
function workerScript(): URL {
  for (const rel of ['./ensemble-worker.js', '../../dist/ts/parallel/ensemble-worker.js']) {
    const u = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(u))) return u;
  }
  throw new WideflowError('wideflow: dist/ts/parallel/ensemble-worker.js not found; run `npm run build` first');
}

type Reply = { type: 'ready' | 'result' | 'error'; sums?: Float64Array; error?: string };

/** One pooled thread with at most one request in flight. */
class PooledWorker {
  readonly thread: Worker;
  dead = false;
  private pending: { resolve: (r: Reply) => void; reject: (e: unknown) => void } | null = null;

  constructor(script: URL) {
    this.thread = new Worker(script);
    this.thread.on('message', (m: Reply) => this.settle((p) => (m.type === 'error' ? p.reject(new WideflowError(m.error ?? 'wideflow: worker failed')) : p.resolve(m))));
    this.thread.on('error', (e) => this.die(e));
    this.thread.on('exit', () => this.die(new WideflowError('wideflow: worker exited')));
  }

  request(message: unknown, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(new WideflowError('wideflow: worker closed'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.thread.postMessage(message, transfer);
    });
  }

  private settle(f: (p: NonNullable<PooledWorker['pending']>) => void) {
    const p = this.pending;
    this.pending = null;
    if (p) f(p);
  }

  die(e: unknown) {
    this.dead = true;
    this.settle((p) => p.reject(e));
  }
}

const pool: PooledWorker[] = [];

export async function nodeWorkers(cfg: Float64Array, backend: Backend, count: number): Promise<ChunkWorker[]> {
  for (let i = pool.length - 1; i >= 0; i--) if (pool[i].dead) pool.splice(i, 1);
  while (pool.length < count) pool.push(new PooledWorker(workerScript()));
  const mine = pool.slice(0, count);
  for (const w of mine) w.thread.ref();
  await Promise.all(mine.map((w) => w.request({ type: 'config', cfg, backend })));
  return mine.map((w) => ({
    async run(task: ChunkTask) {
      const r = await w.request({ type: 'task', ...task });
      return r.sums!;
    },
    close() {
      if (!w.dead) w.thread.unref();
    },
    async terminate() {
      w.die(new WideflowError('wideflow: worker terminated'));
      const i = pool.indexOf(w);
      if (i >= 0) pool.splice(i, 1);
      await w.thread.terminate();
    },
  }));
}
