/**
 * `train(spec, options)`: train ensembles of real finite-width networks by full-batch gradient descent
 * on the MSE loss, and measure what training makes of them (PDLT §7.2, ch. 10; conventions in
 *  docs/theory/training.md; the trainer in docs/theory/trainer.md):
 *
 *   𝓛 = ½ Σ_{α ∈ train} Σ_i (z_{i;α} − y_{i;α})²,   θ_μ ← θ_μ − η λ_μ ∂𝓛/∂θ_μ,
 *   λ = λ_b⁽ℓ⁾ on the biases b⁽ℓ⁾ and λ_W⁽ℓ⁾/n_{ℓ−1} on the weights W⁽ℓ⁾ (the learning-rate tensor of the spec).
 *
 * Network i is exactly the network `ensemble()` draws for index i under the same seed (RNG stream i,
 * the same sampler), so trained and untrained statistics refer to the same networks. Per network the
 * result holds z on the training and test inputs at the recorded steps, the loss curve, the empirical
 * NTK on the data at the start and at the end, and flags (stopped by tolerance, diverged); the ensemble
 * summary holds the mean and covariance of the test outputs at every recorded step with jackknife errors.
 *
 * Determinism: networks are trained independently in chunks whose size depends only on the sample
 * count, and every statistic is formed from the per-network records in network-index order, so the
 * same seed gives bit-identical results whatever the number of workers, and shards merge exactly.
 */
import type { Activation } from './activation.js';
import { registerWarmUp, resolveBackend, wasmCore, type Backend } from './backend.js';
import { AbortError, InvalidParameterError, WideflowError } from './errors.js';
import type { Estimate } from '../stats/estimator.js';
import { runTasks, type ChunkTask } from '../parallel/workers.js';
import { resolveSpec, type NetworkSpec, type ResolvedSpec } from './spec.js';
import { checkShard, checkWorkers, shardSize, shardTasks, type ChunkPlan } from './shards.js';
import {
  parseTrainConfig, packTrainConfig, SLOT, STATUS, trainChunk, trainLayout, TrainStatusError,
  type DecodedTrain, type TrainLayout,
} from '../twin/sampling/train/mod.js';

/** N inputs as rows (number[][]) or a flat row-major array with its row count `n`. */
export type Matrix = ReadonlyArray<ArrayLike<number>> | { data: ArrayLike<number>; n: number };

/** A network spec for training: as {@link NetworkSpec}, with the input width and output width taken from the data when omitted. */
export type TrainSpec = Omit<NetworkSpec, 'input'> & { input?: NetworkSpec['input'] };

export interface TrainOptions {
  /** Training set: inputs X (N × n₀) and targets y (N × n_L; a plain number[] when n_L = 1). */
  train: { X: Matrix; y: Matrix | readonly number[] };
  /** Test inputs (M × n₀), on which outputs are recorded but never trained. */
  test?: { X: Matrix };
  /** T, the number of gradient-descent steps (0 … 2^30). */
  steps: number;
  /** η > 0, the global step (multiplies the learning-rate tensor λ of the spec). */
  eta: number;
  /** Stop a network at the first step t with 𝓛_t < tol (default 0: run all T steps). */
  tol?: number;
  /** Steps at which z is recorded, strictly increasing in 0 … T (default [0, T]). */
  record?: readonly number[];
  /** The loss curve holds 𝓛 every `lossStride` steps (default ⌈T/1000⌉: at most 1001 points). */
  lossStride?: number;
  /** The NTK Θ̂_{ij;δδ'} is recorded for output neurons i, j < ntkNeurons (default 1; 0 = none). */
  ntkNeurons?: number;
  /** A network diverged when 𝓛_t is not finite or exceeds divergence·(𝓛₀ + ½|y|²) (default 1e6). */
  divergence?: number;
  /** Number of trained networks (≥ 3 for the ensemble summary). */
  samples: number;
  /** RNG seed, an integer 0 … 2^53 − 1 (default 0). Same seed ⇒ same networks as `ensemble()`. */
  seed?: number;
  /** Worker threads (Node); results are identical for any count (default 1). */
  workers?: number;
  backend?: Backend;
  /** Train only shard `index` (1-based) of `count`; merge the parts with {@link mergeTrainings}. */
  shard?: { index: number; count: number };
  /** Cancels the run; the promise rejects with {@link AbortError}. */
  signal?: AbortSignal;
  /** Called after every chunk with the number of networks done. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Most bytes the per-network records may take (default 512 MiB); a larger plan throws {@link MemoryBudgetError}. */
  memoryBudget?: number;
}

/** The plan of a run would need more memory than allowed; nothing was allocated. */
export class MemoryBudgetError extends WideflowError {
  override name = 'MemoryBudgetError';
  constructor(
    readonly needed: number,
    readonly budget: number,
    detail: string,
  ) {
    super(`wideflow: train() would keep ${fmtBytes(needed)} of per-network records (${detail}), over the memory budget of ${fmtBytes(budget)}; ` +
      'record fewer steps, fewer NTK neurons, a coarser lossStride, fewer samples per shard, or raise memoryBudget');
  }
}

const fmtBytes = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);

/** One trained network. Arrays are views into the run's record buffer. */
export interface TrainedNetwork {
  /** Network index i (RNG stream i of the seed). */
  index: number;
  /** The step at which training stopped: T, the first step with 𝓛 < tol, or the divergence step. */
  stoppedAt: number;
  /** 'ran' all T steps without meeting tol, 'converged' (𝓛 < tol), or 'diverged'. */
  status: 'ran' | 'converged' | 'diverged';
  /** 𝓛 at `stoppedAt` (for a diverged network the offending value, possibly Infinity or NaN). */
  finalLoss: number;
  /** 𝓛 at the recorded steps. A stopped network keeps its parameters, so later entries repeat its final state; for a diverged network entries from the divergence step on are NaN (absent). */
  loss: Float64Array;
  /** 𝓛 at t = 0, s, 2s, … ≤ T (s = lossStride; same conventions as `loss`). */
  lossCurve: Float64Array;
  /** z on the training inputs per recorded step: N × n_L row-major (z_{i;α} at α·n_L + i). */
  zTrain: Float64Array[];
  /** z on the test inputs per recorded step: M × n_L row-major. */
  zTest: Float64Array[];
  /** Θ̂ at step 0 on all P = N + M inputs (training first) for output neurons i, j < k: (kP)² row-major, Θ̂_{ij;δδ'} at (i·P + δ)·kP + j·P + δ'. Null when ntkNeurons = 0. */
  ntkInitial: Float64Array | null;
  /** Θ̂ at `stoppedAt` (NaN for a diverged network). */
  ntkFinal: Float64Array | null;
  /**
   * 2/λ_max of the initial NTK on the training inputs (the kN × kN training block of `ntkInitial`): the
   * step above which the linearized dynamics of this network diverges. Null without NTK records.
   */
  etaMax: number | null;
}

/** A vector or matrix estimate with elementwise jackknife standard errors. */
export interface ArrayEstimate {
  mean: Float64Array;
  stderr: Float64Array;
}

/** Ensemble statistics at one recorded step, over the networks that did not diverge. */
export interface TrainStepSummary {
  step: number;
  /** Mean training loss 𝓛. */
  loss: Estimate;
  /** E[z_{i;α}] on the training inputs: N × n_L. */
  trainMean: ArrayEstimate;
  /** E[z_{i;δ̇}] on the test inputs: M × n_L. */
  testMean: ArrayEstimate;
  /** Cov[z_{i;δ̇₁}, z_{i;δ̇₂}] for each output neuron i (the diagonal i = j blocks): n_L × M × M, at (i·M + δ̇₁)·M + δ̇₂ (unbiased, 1/(n−1)). */
  testCov: ArrayEstimate;
}

export interface TrainSummary {
  /** Networks in this result. */
  networks: number;
  /** Networks entering the statistics (all that did not diverge). */
  used: number;
  diverged: number;
  /** Networks stopped by the tolerance. */
  converged: number;
  /** Networks that ran all T steps with 𝓛 ≥ tol (counted only when tol > 0). */
  notConverged: number;
  /** Per recorded step; empty when fewer than 3 networks are usable. */
  steps: TrainStepSummary[];
  /** E[Θ̂] on the data at step 0 and at the stop step ((kP)², layout of {@link TrainedNetwork.ntkInitial}); null without NTK records or usable networks. */
  ntk: { initial: ArrayEstimate; final: ArrayEstimate } | null;
}

/** The mergeable raw state of a (partial) training run. */
export interface TrainState {
  format: 'wideflow-train/1';
  /** The packed config (spec, data, schedule, seed; layout in ts/twin/sampling/train/config.ts). */
  config: number[];
  seed: number;
  samples: number;
  chunkSize: number;
  shardCount: number;
  shards: number[];
  /** Network indices held, increasing. */
  indices: number[];
  /** Their records, one after the other (a Float64Array in memory; in JSON an array where null stands for NaN). */
  records: ArrayLike<number | null>;
}

export interface TrainResult {
  samples: number;
  seed: number;
  backend: Backend | 'merged';
  steps: number;
  eta: number;
  tol: number;
  record: number[];
  lossStride: number;
  ntkNeurons: number;
  /** n₀ … n_L. */
  widths: number[];
  nTrain: number;
  nTest: number;
  /** Per network, in index order. */
  networks: TrainedNetwork[];
  summary: TrainSummary;
  /** Messages about diverged or not-converged networks; empty when all is well. */
  warnings: string[];
  /** For {@link mergeTrainings}; what `wideflow train --out` writes. */
  state: TrainState;
}

const DEFAULT_BUDGET = 512 * 2 ** 20;
const MAX_GROUPS = 32;

/** Chunk size as a function of the sample count only, so chunk boundaries never depend on workers or shards. */
export function trainChunkSize(samples: number): number {
  return Math.max(1, Math.min(8, Math.floor(samples / 32)));
}

function toMatrix(name: string, m: unknown, cols?: number): { data: Float64Array; rows: number; cols: number } {
  const allowed = `an array of rows of ${cols ?? 'n'} finite numbers, or { data: N·${cols ?? 'n'} numbers, n: N }`;
  if (Array.isArray(m)) {
    if (m.length < 1) throw new InvalidParameterError(name, m, `${allowed} (at least one row)`);
    if (typeof m[0] === 'number') {
      // a plain vector: one column
      const data = Float64Array.from(m as number[]);
      data.forEach((v, i) => {
        if (!Number.isFinite(v)) throw new InvalidParameterError(`${name}[${i}]`, (m as unknown[])[i], 'a finite number');
      });
      if (cols !== undefined && cols !== 1) throw new InvalidParameterError(name, `a vector`, allowed);
      return { data, rows: data.length, cols: 1 };
    }
    const c = cols ?? (m[0] as ArrayLike<number>)?.length;
    if (!Number.isInteger(c) || c < 1) throw new InvalidParameterError(name, m, allowed);
    const data = new Float64Array(m.length * c);
    m.forEach((row: ArrayLike<number>, a: number) => {
      if (!row || typeof row.length !== 'number' || row.length !== c) throw new InvalidParameterError(`${name}[${a}]`, row, `an array of ${c} finite numbers`);
      for (let i = 0; i < c; i++) {
        const v = row[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidParameterError(`${name}[${a}][${i}]`, v, 'a finite number');
        data[a * c + i] = v;
      }
    });
    return { data, rows: m.length, cols: c };
  }
  const o = m as { data?: ArrayLike<number>; n?: unknown } | null;
  if (typeof o === 'object' && o !== null && o.data && typeof o.data.length === 'number') {
    const n = o.n, len = o.data.length;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || len < n || len % n !== 0) throw new InvalidParameterError(name, { n, 'data.length': len }, allowed);
    const data = Float64Array.from(o.data);
    data.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new InvalidParameterError(`${name}.data[${i}]`, o.data![i], 'a finite number');
    });
    if (cols !== undefined && len / n !== cols) throw new InvalidParameterError(name, { n, 'data.length': len }, allowed);
    return { data, rows: n, cols: len / n };
  }
  throw new InvalidParameterError(name, m, allowed);
}

const checkInt = (name: string, v: unknown, lo: number, hi: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new InvalidParameterError(name, v, `an integer in ${lo} … ${hi}`);
  return v;
};

interface Plan {
  spec: ResolvedSpec;
  cfg: Float64Array;
  d: DecodedTrain;
  lay: TrainLayout;
  samples: number;
  seed: number;
  chunkSize: number;
  chunks: number;
}

function plan(spec: TrainSpec, o: TrainOptions, shardCount: number): Plan {
  if (typeof o.train !== 'object' || o.train === null) throw new InvalidParameterError('train', o.train, '{ X, y }: training inputs and targets');
  const X = toMatrix('train.X', o.train.X);
  const y = toMatrix('train.y', o.train.y);
  if (y.rows !== X.rows) throw new InvalidParameterError('train.y', `${y.rows} rows`, `${X.rows} rows (one target per training input)`);
  let Xt: { data: Float64Array; rows: number; cols: number } = { data: new Float64Array(0), rows: 0, cols: X.cols };
  if (o.test !== undefined) {
    if (typeof o.test !== 'object' || o.test === null) throw new InvalidParameterError('test', o.test, '{ X }: test inputs');
    Xt = toMatrix('test.X', o.test.X, X.cols);
  }
  if (typeof spec !== 'object' || spec === null) throw new InvalidParameterError('spec', spec, 'an object');
  const s = { ...spec } as NetworkSpec;
  if (s.widths === undefined && s.inputWidth === undefined) s.inputWidth = X.cols;
  if (s.outputWidth === undefined) s.outputWidth = y.cols;
  if (s.input === undefined) s.input = { x2: 0 };
  const r = resolveSpec(s);
  const L = r.depth;
  if (r.widths[0] !== X.cols) throw new InvalidParameterError('train.X', `${X.cols} columns`, `n₀ = ${r.widths[0]} columns (the input width of the spec)`);
  if (r.widths[L] !== y.cols) throw new InvalidParameterError('train.y', `${y.cols} columns`, `n_L = ${r.widths[L]} columns (the output width of the spec)`);
  const samples = checkInt('samples', o.samples, 1, 2 ** 40);
  const seed = o.seed ?? 0;
  checkInt('seed', seed, 0, Number.MAX_SAFE_INTEGER);
  const steps = checkInt('steps', o.steps, 0, 2 ** 30);
  if (typeof o.eta !== 'number' || !Number.isFinite(o.eta) || o.eta <= 0) throw new InvalidParameterError('eta', o.eta, 'a finite number > 0');
  const tol = o.tol ?? 0;
  if (typeof tol !== 'number' || !Number.isFinite(tol) || tol < 0) throw new InvalidParameterError('tol', tol, 'a finite number ≥ 0');
  const record = o.record ?? (steps === 0 ? [0] : [0, steps]);
  if (!Array.isArray(record) || record.length < 1) throw new InvalidParameterError('record', record, `a non-empty array of strictly increasing steps in 0 … ${steps}`);
  record.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t > steps || (i > 0 && t <= record[i - 1])) {
      throw new InvalidParameterError(`record[${i}]`, t, `strictly increasing integers in 0 … steps = ${steps}`);
    }
  });
  const stride = o.lossStride ?? Math.max(1, Math.ceil(steps / 1000));
  checkInt('lossStride', stride, 1, Math.max(1, steps));
  const k = o.ntkNeurons ?? 1;
  checkInt('ntkNeurons', k, 0, r.widths[L]);
  const blowup = o.divergence ?? 1e6;
  if (typeof blowup !== 'number' || !(blowup > 1)) throw new InvalidParameterError('divergence', blowup, 'a number > 1 (Infinity: only non-finite losses count as divergence)');
  const cfg = packTrainConfig({
    widths: r.widths,
    Cb: r.hyper.map((h) => h.Cb),
    CW: r.hyper.map((h) => h.CW),
    lambdaB: r.hyper.map((h) => h.lambdaB),
    lambdaW: r.hyper.map((h) => h.lambdaW),
    kind: r.activation.kind,
    a: r.activation.a,
    seed,
    xTrain: X.data,
    yTrain: y.data,
    xTest: Xt.data,
    nTrain: X.rows,
    nTest: Xt.rows,
    steps,
    eta: o.eta,
    tol,
    blowup,
    record,
    stride,
    k,
  });
  const d = parseTrainConfig(cfg, r.activation.kind < 0);
  const lay = trainLayout(d);
  const chunkSize = trainChunkSize(samples);
  const chunks = Math.ceil(samples / chunkSize);
  // Memory is planned before anything is allocated: the records this shard keeps.
  const mine = Math.ceil(chunks / shardCount) * chunkSize;
  const needed = Math.min(mine, samples) * lay.len * 8;
  const budget = o.memoryBudget ?? DEFAULT_BUDGET;
  if (typeof budget !== 'number' || !(budget > 0)) throw new InvalidParameterError('memoryBudget', budget, 'a number of bytes > 0');
  if (needed > budget || lay.len * chunkSize >= 2 ** 32) {
    const P = d.nTrain + d.nTest;
    throw new MemoryBudgetError(needed, budget, `${Math.min(mine, samples)} networks × ${lay.len} values: ${record.length} records of ${P} inputs × n_L = ${r.widths[L]}, ${lay.curveLen} loss points, 2 NTKs of (${k}·${P})²`);
  }
  return { spec: r, cfg, d, lay, samples, seed, chunkSize, chunks };
}

/**
 * Trains `samples` networks of `spec` on `options.train` by full-batch gradient descent and returns
 * per-network records and ensemble statistics of the test outputs at each recorded step.
 *
 * @example
 * await init();
 * const r = await train({ activation: 'tanh', depth: 2, width: 256, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1 },
 *   { train: { X: [[1, 0], [0, 1]], y: [0.5, -0.5] }, test: { X: [[0.6, 0.8]] }, steps: 500, eta: 0.5, samples: 200 });
 * r.summary.steps.at(-1)!.testMean // E[z(x_test)] after 500 steps, with its jackknife error
 */
export async function train(spec: TrainSpec, options: TrainOptions): Promise<TrainResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidParameterError('options', options, 'an object with at least { train, steps, eta, samples }');
  const shard = checkShard(options.shard);
  const p = plan(spec, options, shard.count);
  const backend = resolveBackend(options.backend, 'train()');
  const workers = checkWorkers(options.workers);
  const custom = p.spec.activation.kind < 0;
  // A custom activation is a JS function: it exists only in this thread and only for the js twin.
  if (custom && backend !== 'js') throw new InvalidParameterError('backend', backend, "'js' for a custom activation");
  if (custom && workers > 1) throw new InvalidParameterError('workers', workers, '1 for a custom activation (functions cannot be sent to workers)');
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new AbortError();

  // The shard's chunks are generated lazily (as in ensemble()); only the records it keeps, already
  // checked against the memory budget by plan(), are allocated. Chunks of a shard are in index order
  // and all but the run's last one are full, so chunk c starts at record ((c − index + 1)/count)·chunkSize.
  const cp: ChunkPlan = { samples: p.samples, chunkSize: p.chunkSize, chunks: p.chunks, groups: 1 };
  const tasks = () => shardTasks(cp, shard.index, shard.count);
  const nTasks = Math.max(0, Math.ceil((p.chunks - (shard.index - 1)) / shard.count));
  const total = shardSize(cp, shard.index, shard.count);
  const len = p.lay.len;
  const records = new Float64Array(total * len);
  const offset = (c: number) => ((c - (shard.index - 1)) / shard.count) * p.chunkSize;
  let done = 0;
  const absorb = (t: ChunkTask, out: Float64Array) => {
    records.set(out.subarray(0, t.count * len), offset(t.chunk) * len);
    done += t.count;
    onProgress?.({ done, total });
  };
  await runTasks({
    cfg: p.cfg, backend, job: 'train', workers, count: nTasks, tasks: tasks(), absorb, signal, yieldEach: !!(signal || onProgress),
    runner: () => trainChunkRunner(p.cfg, backend, custom ? p.spec.activation : undefined),
  });
  const indices: number[] = [];
  for (const t of tasks()) for (let i = 0; i < t.count; i++) indices.push(t.first + i);
  const state: TrainState = {
    format: 'wideflow-train/1', config: Array.from(p.cfg), seed: p.seed, samples: p.samples, chunkSize: p.chunkSize,
    shardCount: shard.count, shards: [shard.index], indices, records,
  };
  return finish(p.d, p.spec.widths, state, records, backend);
}

/** Trains chunks in this thread with the chosen backend: (task) → the task's records, one after the other. */
export function trainChunkRunner(cfg: Float64Array, backend: Backend, activation?: Activation): ((t: ChunkTask) => Float64Array) & { free(): void } {
  const lay = trainLayout(parseTrainConfig(cfg, activation !== undefined));
  if (backend === 'js') {
    const f = (t: ChunkTask) => {
      const out = new Float64Array(t.count * lay.len);
      trainChunk(cfg, t.first, t.count, out, activation);
      return out;
    };
    return Object.assign(f, { free() {} });
  }
  const core = wasmCore('train()');
  const cfgB = core.allocF64(cfg);
  let outB: { ptr: number; bytes: number } | null = null;
  let cap = 0;
  const f = (t: ChunkTask) => {
    const n = t.count * lay.len;
    if (n > cap) {
      if (outB) core.free(outB);
      outB = core.allocF64(n);
      cap = n;
    }
    const status = core.trainChunk(cfgB, t.first, t.count, outB!, n);
    if (status !== 0) throw new TrainStatusError(status);
    return core.readF64(outB!, n);
  };
  return Object.assign(f, {
    free() {
      core.free(cfgB);
      if (outB) core.free(outB);
    },
  });
}

const STATUS_NAMES = ['ran', 'converged', 'diverged'] as const;

/** Per-network views, summary and warnings from the records (in increasing network index). */
function finish(d: DecodedTrain, widths: number[], state: TrainState, records: Float64Array, backend: Backend | 'merged'): TrainResult {
  const lay = trainLayout(d);
  const len = lay.len;
  const L = widths.length - 1;
  const nL = widths[L];
  const N = d.nTrain, M = d.nTest, R = d.record.length;
  const kp2 = (d.k * (N + M)) ** 2;
  const networks: TrainedNetwork[] = state.indices.map((index, j) => {
    const o = j * len;
    const view = (a: number, n: number) => records.subarray(o + a, o + a + n);
    return {
      index,
      stoppedAt: records[o + SLOT.stop],
      status: STATUS_NAMES[records[o + SLOT.status]],
      finalLoss: records[o + SLOT.loss],
      loss: view(lay.lossRec, R),
      lossCurve: view(lay.curve, lay.curveLen),
      zTrain: d.record.map((_, r) => view(lay.zTrain + r * N * nL, N * nL)),
      zTest: d.record.map((_, r) => view(lay.zTest + r * M * nL, M * nL)),
      ntkInitial: d.k > 0 ? view(lay.ntk0, kp2) : null,
      ntkFinal: d.k > 0 ? view(lay.ntk1, kp2) : null,
      etaMax: d.k > 0 ? 2 / lambdaMaxTrain(view(lay.ntk0, kp2), d.k, N, N + M) : null,
    };
  });
  const used = networks.filter((n) => n.status !== 'diverged');
  const summary: TrainSummary = {
    networks: networks.length,
    used: used.length,
    diverged: networks.length - used.length,
    converged: networks.filter((n) => n.status === 'converged').length,
    notConverged: d.tol > 0 ? networks.filter((n) => n.status === 'ran').length : 0,
    steps: [],
    ntk: null,
  };
  const warnings: string[] = [];
  if (summary.diverged > 0) {
    warnings.push(`${summary.diverged} of ${networks.length} networks diverged (loss not finite or above divergence × (𝓛₀ + ½|y|²)); they are left out of the ensemble statistics — η = ${d.eta} may exceed the stable step 2/λ_max(Θ)`);
  }
  const unstable = networks.filter((n) => n.etaMax !== null && d.eta > n.etaMax).length;
  if (unstable > 0) warnings.push(`η = ${d.eta} exceeds η_max = 2/λ_max(Θ̂₀) of the initial NTK on the training inputs for ${unstable} of ${networks.length} networks: their linearized dynamics diverges`);
  if (summary.notConverged > 0) warnings.push(`${summary.notConverged} of ${networks.length} networks did not reach loss < tol = ${d.tol} within ${d.steps} steps`);
  if (used.length >= 3) {
    const G = Math.min(MAX_GROUPS, used.length);
    const group = used.map((_, j) => Math.floor((j * G) / used.length));
    summary.steps = d.record.map((step, r) => ({
      step,
      loss: scalarEstimate(used.map((n) => n.loss[r]), group, G),
      trainMean: meanEstimate(used.map((n) => n.zTrain[r]), group, G),
      testMean: meanEstimate(used.map((n) => n.zTest[r]), group, G),
      testCov: covEstimate(used.map((n) => n.zTest[r]), M, nL, group, G),
    }));
    if (d.k > 0) {
      summary.ntk = {
        initial: meanEstimate(used.map((n) => n.ntkInitial!), group, G),
        final: meanEstimate(used.map((n) => n.ntkFinal!), group, G),
      };
    }
  } else warnings.push(`only ${used.length} usable networks: the ensemble summary needs at least 3`);
  state.records = records;
  return {
    samples: state.samples, seed: state.seed, backend, steps: d.steps, eta: d.eta, tol: d.tol, record: d.record.slice(),
    lossStride: d.stride, ntkNeurons: d.k, widths: widths.slice(), nTrain: N, nTest: M, networks, summary, warnings, state,
  };
}

/**
 * λ_max of the training block of a recorded NTK (rows i·P + α for i < k, α < N: a kN × kN symmetric
 * positive semidefinite matrix), by power iteration from the all-ones vector until the Rayleigh
 * quotient changes by less than 1e-12 relative (at most 10 000 steps). The iteration converges to
 * λ_max from below; a near-degenerate top pair only slows it, the value stays within the tolerance
 * of the quotient. Non-finite entries give NaN (η_max then compares false: no warning).
 */
export function lambdaMaxTrain(ntk: Float64Array, k: number, N: number, P: number): number {
  const n = k * N, kp = k * P;
  const idx = (u: number) => Math.floor(u / N) * P + (u % N);
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let lam = 0;
  for (let it = 0; it < 10_000; it++) {
    const w = new Float64Array(n);
    for (let u = 0; u < n; u++) {
      const row = idx(u) * kp;
      let s = 0;
      for (let q = 0; q < n; q++) s += ntk[row + idx(q)] * v[q];
      w[u] = s;
    }
    let rq = 0, norm = 0;
    for (let u = 0; u < n; u++) {
      rq += v[u] * w[u];
      norm += w[u] * w[u];
    }
    norm = Math.sqrt(norm);
    if (!(norm > 0)) return norm === 0 ? 0 : NaN;
    v = w.map((x) => x / norm);
    if (Math.abs(rq - lam) <= 1e-12 * Math.abs(rq)) return rq;
    lam = rq;
  }
  return lam;
}

/** Delete-one-group jackknife standard error of leave-out estimates θ_g (equal-weight groups). */
function jackSe(loo: Float64Array[], D: number): Float64Array {
  const G = loo.length;
  const se = new Float64Array(D);
  for (let q = 0; q < D; q++) {
    let avg = 0;
    for (const t of loo) avg += t[q];
    avg /= G;
    let ss = 0;
    for (const t of loo) ss += (t[q] - avg) ** 2;
    se[q] = Math.sqrt(((G - 1) / G) * ss);
  }
  return se;
}

/** Mean of equal-length vectors with jackknife errors; sums are centred on the plain mean first. */
function meanEstimate(rows: Float64Array[], group: number[], G: number): ArrayEstimate {
  const n = rows.length, D = rows[0].length;
  const c = new Float64Array(D);
  for (const v of rows) for (let q = 0; q < D; q++) c[q] += v[q];
  for (let q = 0; q < D; q++) c[q] /= n;
  const s1 = new Float64Array(G * D), ng = new Float64Array(G), tot = new Float64Array(D);
  rows.forEach((v, j) => {
    const g = group[j];
    ng[g]++;
    for (let q = 0; q < D; q++) s1[g * D + q] += v[q] - c[q];
  });
  for (let g = 0; g < G; g++) for (let q = 0; q < D; q++) tot[q] += s1[g * D + q];
  const mean = c.map((v, q) => v + tot[q] / n);
  const loo = Array.from({ length: G }, (_, g) => c.map((v, q) => v + (tot[q] - s1[g * D + q]) / (n - ng[g])));
  return { mean, stderr: jackSe(loo, D) };
}

function scalarEstimate(values: number[], group: number[], G: number): Estimate {
  const e = meanEstimate(values.map((v) => Float64Array.of(v)), group, G);
  return { mean: e.mean[0], stderr: e.stderr[0] };
}

/** Per-neuron covariance over the M test inputs (rows are M × n_L), unbiased, with jackknife errors. */
function covEstimate(rows: Float64Array[], M: number, nL: number, group: number[], G: number): ArrayEstimate {
  const n = rows.length, D = M * nL, C = nL * M * M;
  if (M === 0) return { mean: new Float64Array(0), stderr: new Float64Array(0) };
  const c = new Float64Array(D);
  for (const v of rows) for (let q = 0; q < D; q++) c[q] += v[q];
  for (let q = 0; q < D; q++) c[q] /= n;
  const s1 = new Float64Array(G * D), s2 = new Float64Array(G * C), ng = new Float64Array(G);
  const e = new Float64Array(D);
  rows.forEach((v, j) => {
    const g = group[j];
    ng[g]++;
    for (let q = 0; q < D; q++) {
      e[q] = v[q] - c[q];
      s1[g * D + q] += e[q];
    }
    for (let i = 0; i < nL; i++) {
      for (let a = 0; a < M; a++) {
        for (let b = 0; b < M; b++) s2[g * C + (i * M + a) * M + b] += e[a * nL + i] * e[b * nL + i];
      }
    }
  });
  const t1 = new Float64Array(D), t2 = new Float64Array(C);
  for (let g = 0; g < G; g++) {
    for (let q = 0; q < D; q++) t1[q] += s1[g * D + q];
    for (let q = 0; q < C; q++) t2[q] += s2[g * C + q];
  }
  const cov = (S1: (q: number) => number, S2: (q: number) => number, m: number) => {
    const out = new Float64Array(C);
    for (let i = 0; i < nL; i++) {
      for (let a = 0; a < M; a++) {
        for (let b = 0; b < M; b++) {
          const q = (i * M + a) * M + b;
          out[q] = (S2(q) - (S1(a * nL + i) * S1(b * nL + i)) / m) / (m - 1);
        }
      }
    }
    return out;
  };
  const mean = cov((q) => t1[q], (q) => t2[q], n);
  const loo = Array.from({ length: G }, (_, g) => cov((q) => t1[q] - s1[g * D + q], (q) => t2[q] - s2[g * C + q], n - ng[g]));
  return { mean, stderr: jackSe(loo, C) };
}

/** Rebuilds the widths from a packed config (shards carry only the config). */
function widthsOf(cfg: number[]): number[] {
  return cfg.slice(1, 2 + cfg[0]);
}

/**
 * Merges shards (from `train(…, { shard })` or `wideflow train --shard i/N --out part.json`) into exactly
 * the result of the unsharded run. Every shard 1 … N must be present once, from the same config and seed.
 */
export function mergeTrainings(parts: ReadonlyArray<TrainState | TrainResult>): TrainResult {
  const states = parts.map((p) => ('state' in p ? p.state : p));
  if (states.length === 0) throw new InvalidParameterError('parts', parts, 'a non-empty array of training shards');
  states.forEach((s, i) => {
    if (!s || s.format !== 'wideflow-train/1') throw new InvalidParameterError(`parts[${i}].format`, s?.format, "'wideflow-train/1'");
  });
  const ref = states[0];
  const key = JSON.stringify(ref.config);
  states.forEach((s, i) => {
    if (JSON.stringify(s.config) !== key || s.seed !== ref.seed || s.samples !== ref.samples || s.shardCount !== ref.shardCount || s.chunkSize !== ref.chunkSize) {
      throw new InvalidParameterError(`parts[${i}]`, `seed ${s.seed}, samples ${s.samples}`, 'a shard of the same run (same spec, data, schedule, seed, samples and shard count) as parts[0]');
    }
  });
  const seen = new Set<number>();
  for (const s of states) {
    for (const i of s.shards) {
      if (seen.has(i)) throw new InvalidParameterError('parts', `shard ${i}/${ref.shardCount} twice`, 'each shard once');
      seen.add(i);
    }
  }
  const missing = [];
  for (let i = 1; i <= ref.shardCount; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length) throw new InvalidParameterError('parts', `missing shards ${missing.join(', ')} of ${ref.shardCount}`, 'all shards 1 … N');
  const cfg = Float64Array.from(ref.config);
  const d = parseTrainConfig(cfg, true);
  const len = trainLayout(d).len;
  const all: Array<[number, TrainState, number]> = [];
  for (const s of states) s.indices.forEach((idx, j) => all.push([idx, s, j]));
  all.sort((a, b) => a[0] - b[0]);
  const records = new Float64Array(all.length * len);
  all.forEach(([, s, j], r) => {
    for (let q = 0; q < len; q++) {
      const v = s.records[j * len + q];
      records[r * len + q] = v === null || v === undefined ? NaN : v;
    }
  });
  const merged: TrainState = { ...ref, shards: [...seen].sort((a, b) => a - b), indices: all.map((a) => a[0]), records };
  return finish(d, widthsOf(ref.config), merged, records, 'merged');
}

export { STATUS as TRAIN_STATUS_CODES };

// V8 runs the first long call of an export in its baseline tier; one tiny call at init starts the
// optimizing compile of wf_train_chunk early (as ts/api/network.ts does for wf_ensemble_chunk).
registerWarmUp((core) => {
  try {
    const cfg = packTrainConfig({
      widths: [2, 8, 8, 1], Cb: [0.1, 0.1, 0.1], CW: [1, 1, 1], lambdaB: [1, 1, 1], lambdaW: [1, 1, 1], kind: 3, a: 0, seed: 0,
      xTrain: [1, 0, 0, 1], yTrain: [0.5, -0.5], xTest: [1, 1], nTrain: 2, nTest: 1, steps: 2, eta: 0.1, tol: 0, blowup: 1e6,
      record: [0, 2], stride: 1, k: 1,
    });
    const len = trainLayout(parseTrainConfig(cfg)).len;
    const cb = core.allocF64(cfg);
    const ob = core.allocF64(len);
    core.trainChunk(cb, 0, 1, ob, len);
    core.trainRelease();
    core.free(cb);
    core.free(ob);
  } catch {
    // an older artifact without the export: the first real call reports it
  }
});
