/**
 * How ensemble chunks run off the main thread. The environment entry registers a factory (Node:
 * worker_threads, see `pool-node.ts`); each worker owns its own wasm instance (or runs the JS
 * twin) and computes whole chunks, so nothing is shared but the config.
 */
import type { Backend } from '../api/backend.js';
import { AbortError, WideflowError } from '../api/errors.js';

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

/** Computes chunks in the calling thread: (task) → its output; `free()` releases what it holds. */
export type ChunkRunner = ((t: ChunkTask) => Float64Array) & { free(): void };

/**
 * Runs every task of a run and hands each output to `absorb`: in the calling thread with `runner()`
 * when one worker is asked for or there is at most one task (`count`), otherwise on a pool of `job`
 * workers (see {@link runChunks}). In the calling thread it checks `signal` before each chunk and,
 * when `yieldEach` (someone listens: a signal or a progress callback), yields to the event loop after
 * it, so that an AbortSignal fired from a timer or a UI event gets a chance to run.
 */
export async function runTasks(o: {
  cfg: Float64Array;
  backend: Backend;
  job: WorkerJob;
  workers: number;
  count: number;
  tasks: Iterable<ChunkTask>;
  runner: () => ChunkRunner;
  absorb: (t: ChunkTask, out: Float64Array) => void;
  signal?: AbortSignal;
  yieldEach: boolean;
}): Promise<void> {
  if (o.workers === 1 || o.count <= 1) {
    const run = o.runner();
    try {
      for (const t of o.tasks) {
        if (o.signal?.aborted) throw new AbortError();
        o.absorb(t, run(t));
        if (o.yieldEach) await new Promise((r) => setTimeout(r, 0));
      }
    } finally {
      run.free();
    }
    return;
  }
  const f = workerFactory();
  if (!f) throw new WideflowError('wideflow: workers > 1 needs Node worker_threads (not available in this environment); use workers: 1');
  await runChunks(f, o.cfg, o.backend, Math.min(o.workers, o.count), o.tasks, o.absorb, o.signal, o.job);
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
