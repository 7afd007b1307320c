/**
 * How ensemble chunks run off the main thread. The environment entry registers a factory (Node:
 * worker_threads, see `pool-node.ts`); each worker owns its own wasm instance (or runs the JS
 * twin) and computes whole chunks, so nothing is shared but the config.
 */
import type { Backend } from '../api/backend.js';
import { AbortError } from '../api/errors.js';

/** One chunk of networks: global indices first … first+count−1. */
export interface ChunkTask {
  chunk: number;
  first: number;
  count: number;
}

/** A worker that computes chunk sums (L × NQ values) for a fixed config. */
export interface ChunkWorker {
  run(task: ChunkTask): Promise<Float64Array>;
  /** The run is over: the worker may be kept for the next one. */
  close(): Promise<void> | void;
  /** Stop now (abort, error): a task in flight is abandoned. Defaults to close(). */
  terminate?(): Promise<void> | void;
}

/**
 * What the workers compute: ensemble chunk sums (`wf_ensemble_chunk`, many inputs `wf_ensemble_multi_chunk`),
 * trained-network records (`wf_train_chunk`), or one layer's kernel pairs by row blocks (`wf_kernel_rows`;
 * ChunkTask.first/count = rows).
 */
export type WorkerJob = 'ensemble' | 'ensemble-multi' | 'train' | 'kernels';

export type WorkerFactory = (cfg: Float64Array, backend: Backend, workers: number, job?: WorkerJob) => Promise<ChunkWorker[]>;

let factory: WorkerFactory | null = null;

/** Called by the environment entry point; not part of the public API. */
export function registerWorkerFactory(f: WorkerFactory): void {
  factory = f;
}

export function workerFactory(): WorkerFactory | null {
  return factory;
}

/**
 * Runs `tasks` on `n` workers of `factory` for `job` and hands each result to `absorb` (in completion
 * order: callers make their results order-independent). A shared queue, not an equal split, so a
 * slow core does not hold the run back. Rejects with AbortError when `signal` fires (the workers in
 * flight are terminated); a failed worker is terminated rather than pooled.
 */
export async function runChunks(
  factory: WorkerFactory,
  cfg: Float64Array,
  backend: Backend,
  n: number,
  tasks: Iterable<ChunkTask>,
  absorb: (t: ChunkTask, out: Float64Array) => void,
  signal?: AbortSignal,
  job: WorkerJob = 'ensemble',
): Promise<void> {
  const pool = await factory(cfg, backend, n, job);
  // One shared iterator (not an equal split): a slow core must not hold the whole run back, and a
  // lazily generated task list keeps planning O(1) in the number of samples.
  const queue = tasks[Symbol.iterator]();
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    for (const w of pool) void (w.terminate ?? w.close).call(w);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      pool.map(async (w) => {
        for (let it = queue.next(); !aborted && !it.done; it = queue.next()) {
          const t = it.value;
          const out = await w.run(t);
          if (!aborted) absorb(t, out);
        }
      }),
    );
  } catch (e) {
    if (aborted) throw new AbortError();
    // A failed worker may be mid-task: do not hand it to the next run.
    await Promise.all(pool.map((w) => (w.terminate ?? w.close).call(w)));
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(pool.map((w) => w.close()));
  }
  if (aborted) throw new AbortError();
}
