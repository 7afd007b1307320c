/**
 * How ensemble chunks run off the main thread. The environment entry registers a factory (Node:
 * worker_threads, see `pool-node.ts`); each worker owns its own wasm instance (or runs the JS
 * twin) and computes whole chunks, so nothing is shared but the config.
 */
import type { Backend } from '../api/backend.js';

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

export type WorkerFactory = (cfg: Float64Array, backend: Backend, workers: number) => Promise<ChunkWorker[]>;

let factory: WorkerFactory | null = null;

/** Called by the environment entry point; not part of the public API. */
export function registerWorkerFactory(f: WorkerFactory): void {
  factory = f;
}

export function workerFactory(): WorkerFactory | null {
  return factory;
}
