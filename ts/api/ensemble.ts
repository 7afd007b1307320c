/**
 * `ensemble(spec, options)`: sample finite-width networks at initialization, compute for each one its
 * preactivations ẑ, NTK Ĥ, dNTK dĤ and ddNTKs dd_IĤ, dd_IIĤ exactly (Jacobian contractions in the
 * kernel, `ts/twin/sampling/network/` / `crates/core/src/sampling/network/`), and estimate every coefficient the theory
 * computes, with jackknife standard errors.
 *
 * Determinism: network i is drawn from RNG stream i of `seed`, networks are processed in fixed chunks,
 * and chunk sums are accumulated exactly ({@link ExactSum}); so the same seed gives bit-identical
 * statistics whatever the number of workers, and shards merge exactly into the unsharded result.
 */
import { resolveBackend, type Backend } from './backend.js';
import { AbortError, InvalidParameterError, WideflowError } from './errors.js';
import { ENSEMBLE_KEYS, KEY_ORDER, NQ, jackknife, type EnsembleKey, type Estimate } from '../stats/estimator.js';
import { ExactSum } from '../stats/exactsum.js';
import { packConfig } from '../twin/sampling/network/mod.js';
import { chunkRunner } from './network.js';
import { workerFactory, type ChunkTask } from '../parallel/workers.js';
import { resolveSpec, type NetworkSpec, type ResolvedSpec } from './spec.js';
import { ACTIVATIONS, activationName } from './activation.js';

/** How far the per-network derivatives go: z only, + Ĥ, + dĤ, + ddĤ. */
export type EnsembleOrder = 'z' | 'ntk' | 'dntk' | 'ddntk';
const ORDERS: EnsembleOrder[] = ['z', 'ntk', 'dntk', 'ddntk'];

export interface EnsembleOptions {
  /** Number of sampled networks N (≥ 2). */
  samples: number;
  /** RNG seed, an integer 0 … 2^53 − 1 (default 0). */
  seed?: number;
  /** Worker threads (Node); results are identical for any count (default 1: run in this thread). */
  workers?: number;
  backend?: Backend;
  /** Cancels the run; the promise rejects with {@link AbortError}. */
  signal?: AbortSignal;
  /** Called after every chunk with the number of networks done. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /**
   * Neurons k_ℓ of each layer whose ordered pairs enter the estimators: a number (capped at n_ℓ),
   * an array (one per layer), or `'all'`. The cost per network grows like k² (default 8).
   */
  neurons?: number | 'all' | readonly number[];
  /** Highest derivative computed (default `'ddntk'`: everything). */
  order?: EnsembleOrder;
  /** Compute only shard `index` (1-based) of `count`; merge the parts with {@link mergeEnsembles}. */
  shard?: { index: number; count: number };
}

export type EnsembleLayer = { layer: number; n: number; width: number; neurons: number } & Partial<Record<EnsembleKey, Estimate>>;

/** The mergeable raw state of a (partial) ensemble: exact group sums and what produced them. */
export interface EnsembleState {
  format: 'wideflow-ensemble/1';
  /** The packed kernel config (spec, order, seed, neurons, input; layout in ts/twin/sampling/network/config.ts): shards must agree on it to merge. */
  config: number[];
  seed: number;
  samples: number;
  order: EnsembleOrder;
  chunkSize: number;
  groups: number;
  shardCount: number;
  shards: number[];
  /** Networks per group. */
  counts: number[];
  /** Exact partials of the group sums, index (g·L + ℓ)·NQ + q. */
  sums: number[][];
}

export interface EnsembleResult {
  samples: number;
  seed: number;
  order: EnsembleOrder;
  backend: Backend | 'merged';
  layers: EnsembleLayer[];
  /** For `mergeEnsembles` and `compare`; what `--out` writes. */
  state: EnsembleState;
}

const MAX_GROUPS = 32;

/** Chunk size as a function of N only (never of workers or shards), so chunk boundaries are fixed. */
export function chunkSizeFor(samples: number): number {
  return Math.max(1, Math.min(64, Math.floor(samples / 128)));
}

interface Plan {
  spec: ResolvedSpec;
  cfg: Float64Array;
  order: number;
  neurons: number[];
  samples: number;
  seed: number;
  chunkSize: number;
  chunks: number;
  groups: number;
}

function plan(spec: NetworkSpec, o: EnsembleOptions): Plan {
  const r = resolveSpec(spec);
  const samples = o.samples;
  if (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 2 || samples > 2 ** 40) {
    throw new InvalidParameterError('samples', samples, 'an integer in 2 … 2^40');
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
    throw new InvalidParameterError('seed', seed, 'an integer in 0 … 2^53 − 1');
  }
  const order = ORDERS.indexOf(o.order ?? 'ddntk');
  if (order < 0) throw new InvalidParameterError('order', o.order, "'z', 'ntk', 'dntk' or 'ddntk'");
  const L = r.depth;
  const widthsOut = r.widths.slice(1); // n_1 … n_L
  let neurons: number[];
  const nv = o.neurons ?? 8;
  if (nv === 'all') neurons = widthsOut.slice();
  else if (typeof nv === 'number') {
    if (!Number.isInteger(nv) || nv < 2) throw new InvalidParameterError('neurons', nv, "an integer ≥ 2, an array of them (one per layer), or 'all'");
    neurons = widthsOut.map((w) => Math.min(w, nv));
  } else if (Array.isArray(nv) && nv.length === L) {
    neurons = nv.map((k, l) => {
      if (!Number.isInteger(k) || k < 2 || k > widthsOut[l]) throw new InvalidParameterError(`neurons[${l}]`, k, `an integer in 2 … n_${l + 1} = ${widthsOut[l]}`);
      return k;
    });
  } else throw new InvalidParameterError('neurons', nv, `an integer ≥ 2, an array of ${L} of them, or 'all'`);
  widthsOut.forEach((w, l) => {
    if (w < 2) throw new InvalidParameterError(l === L - 1 ? 'outputWidth' : `widths[${l + 1}]`, w, 'at least 2 (pair estimators need two neurons per layer)');
  });
  const cfg = packConfig({
    widths: r.widths,
    Cb: r.hyper.map((h) => h.Cb),
    CW: r.hyper.map((h) => h.CW),
    lambdaB: r.hyper.map((h) => h.lambdaB),
    lambdaW: r.hyper.map((h) => h.lambdaW),
    kind: r.activation.kind,
    a: r.activation.a,
    order,
    seed,
    neurons,
    x: r.x,
  });
  const chunkSize = chunkSizeFor(samples);
  const chunks = Math.ceil(samples / chunkSize);
  return { spec: r, cfg, order, neurons, samples, seed, chunkSize, chunks, groups: Math.min(MAX_GROUPS, chunks) };
}

function checkWorkers(w: unknown): number {
  if (w === undefined) return 1;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 256) throw new InvalidParameterError('workers', w, 'an integer in 1 … 256');
  return w;
}

function checkShard(s: EnsembleOptions['shard']): { index: number; count: number } {
  if (s === undefined) return { index: 1, count: 1 };
  const ok = s && Number.isInteger(s.count) && s.count >= 1 && Number.isInteger(s.index) && s.index >= 1 && s.index <= s.count;
  if (!ok) throw new InvalidParameterError('shard', s, '{ index, count } with 1 ≤ index ≤ count (integers)');
  return s;
}

/**
 * Samples `samples` networks of `spec` and estimates G, H, V, A, B, D, F, P, Q, R, S, T, U per layer
 * (statistics of layer ℓ use k_ℓ of its n_ℓ neurons; see {@link EnsembleOptions.neurons}).
 */
export async function ensemble(spec: NetworkSpec, options: EnsembleOptions): Promise<EnsembleResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidParameterError('options', options, 'an object with at least { samples }');
  const p = plan(spec, options);
  const backend = resolveBackend(options.backend, 'ensemble()');
  const workers = checkWorkers(options.workers);
  const shard = checkShard(options.shard);
  if (p.spec.activation.kind < 0) {
    // A custom activation is a JS function: it exists only in this thread and only for the js twin.
    if (backend !== 'js') throw new InvalidParameterError('backend', backend, "'js' for a custom activation");
    if (workers > 1) throw new InvalidParameterError('workers', workers, '1 for a custom activation (functions cannot be sent to workers)');
  }
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new AbortError();

  const L = p.spec.depth;
  const state = emptyState(p, shard.count, [shard.index]);
  const acc = state.sums.map(() => new ExactSum());
  const tasks: ChunkTask[] = [];
  for (let c = shard.index - 1; c < p.chunks; c += shard.count) {
    const first = c * p.chunkSize;
    tasks.push({ chunk: c, first, count: Math.min(p.chunkSize, p.samples - first) });
  }
  const total = tasks.reduce((s, t) => s + t.count, 0);
  let done = 0;
  const absorb = (t: ChunkTask, sums: Float64Array) => {
    const g = t.chunk % p.groups;
    state.counts[g] += t.count;
    for (let i = 0; i < L * NQ; i++) acc[g * L * NQ + i].add(sums[i]);
    done += t.count;
    onProgress?.({ done, total });
  };

  if (workers === 1 || tasks.length <= 1) {
    const run = chunkRunner(p.cfg, backend, p.spec.activation.kind < 0 ? p.spec.activation : undefined);
    try {
      for (const t of tasks) {
        if (signal?.aborted) throw new AbortError();
        absorb(t, run(t));
        // Yield so that an AbortSignal fired from a timer or a UI event gets a chance to run.
        if (signal || onProgress) await new Promise((r) => setTimeout(r, 0));
      }
    } finally {
      run.free();
    }
  } else {
    const factory = workerFactory();
    if (!factory) throw new WideflowError('wideflow: workers > 1 needs Node worker_threads (not available in this environment); use workers: 1');
    await runParallel(factory, p.cfg, backend, Math.min(workers, tasks.length), tasks, absorb, signal);
  }
  state.sums = acc.map((s) => s.partials.slice());
  return finish(p.spec, state, backend);
}

async function runParallel(
  factory: NonNullable<ReturnType<typeof workerFactory>>,
  cfg: Float64Array,
  backend: Backend,
  n: number,
  tasks: ChunkTask[],
  absorb: (t: ChunkTask, s: Float64Array) => void,
  signal?: AbortSignal,
): Promise<void> {
  const pool = await factory(cfg, backend, n);
  let next = 0;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    for (const w of pool) void (w.terminate ?? w.close).call(w);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // A shared queue (not an equal split): a slow core must not hold the whole run back.
    await Promise.all(
      pool.map(async (w) => {
        while (!aborted && next < tasks.length) {
          const t = tasks[next++];
          const sums = await w.run(t);
          if (!aborted) absorb(t, sums);
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

function emptyState(p: Plan, shardCount: number, shards: number[]): EnsembleState {
  const cfg = Array.from(p.cfg);
  const L = p.spec.depth;
  return {
    format: 'wideflow-ensemble/1',
    config: cfg,
    seed: p.seed,
    samples: p.samples,
    order: ORDERS[p.order],
    chunkSize: p.chunkSize,
    groups: p.groups,
    shardCount,
    shards,
    counts: new Array(p.groups).fill(0),
    sums: new Array(p.groups * L * NQ).fill(null).map(() => []),
  };
}

/** Estimates from a (merged) state. */
function finish(spec: ResolvedSpec, state: EnsembleState, backend: Backend | 'merged'): EnsembleResult {
  const L = spec.depth;
  const order = ORDERS.indexOf(state.order);
  const keys = ENSEMBLE_KEYS.filter((k) => KEY_ORDER[k] <= order);
  const neurons = neuronsOf(state.config);
  const layers: EnsembleLayer[] = [];
  for (let l = 0; l < L; l++) {
    const sums = new Float64Array(state.groups * NQ);
    for (let g = 0; g < state.groups; g++) {
      for (let q = 0; q < NQ; q++) sums[g * NQ + q] = ExactSum.from(state.sums[(g * L + l) * NQ + q]).value();
    }
    const n = spec.widths[l];
    layers.push({ layer: l + 1, n, width: spec.widths[l + 1], neurons: neurons[l], ...jackknife(sums, state.counts, n, keys) });
  }
  const samples = state.counts.reduce((a, b) => a + b, 0);
  return { samples, seed: state.seed, order: state.order, backend, layers, state };
}

/** k_ℓ from a packed config (layout in ts/twin/sampling/network/config.ts). */
function neuronsOf(cfg: number[]): number[] {
  const L = cfg[0];
  const ok = 2 + 5 * L + 5;
  return cfg.slice(ok, ok + L);
}

/** Rebuilds the resolved spec from a packed config (shards carry only the config). */
function specFromConfig(cfg: number[]): ResolvedSpec {
  const L = cfg[0];
  const widths = cfg.slice(1, 2 + L);
  const hyper = [];
  for (let l = 0; l < L; l++) {
    const o = 2 + L + 4 * l;
    hyper.push({ Cb: cfg[o], CW: cfg[o + 1], lambdaB: cfg[o + 2], lambdaW: cfg[o + 3] });
  }
  const x = Float64Array.from(cfg.slice(2 + 5 * L + 5 + L));
  const x2 = x.reduce((s, v) => s + v * v, 0) / widths[0];
  return { activation: { kind: cfg[2 + 5 * L], a: cfg[3 + 5 * L] } as ResolvedSpec['activation'], depth: L, widths, hyper, x2, x };
}

/**
 * Merges shards (from `ensemble(…, { shard })` or `wideflow ensemble --shard i/N --out part.json`) into
 * exactly the statistics of the unsharded run. Every shard 1 … N must be present once, with the
 * same config, seed and sample count.
 */
export function mergeEnsembles(parts: ReadonlyArray<EnsembleState | EnsembleResult>): EnsembleResult {
  const states = parts.map((p) => ('state' in p ? p.state : p));
  if (states.length === 0) throw new InvalidParameterError('parts', parts, 'a non-empty array of ensemble shards');
  states.forEach((s, i) => {
    if (!s || s.format !== 'wideflow-ensemble/1') throw new InvalidParameterError(`parts[${i}].format`, s?.format, "'wideflow-ensemble/1'");
  });
  const ref = states[0];
  const same = (s: EnsembleState) =>
    JSON.stringify(s.config) === JSON.stringify(ref.config) &&
    s.seed === ref.seed &&
    s.samples === ref.samples &&
    s.order === ref.order &&
    s.chunkSize === ref.chunkSize &&
    s.groups === ref.groups &&
    s.shardCount === ref.shardCount;
  states.forEach((s, i) => {
    if (!same(s)) throw new InvalidParameterError(`parts[${i}]`, `seed ${s.seed}, samples ${s.samples}`, 'a shard of the same run (same spec, seed, samples and shard count) as parts[0]');
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
  const acc = ref.sums.map(() => new ExactSum());
  const counts = new Array(ref.groups).fill(0);
  for (const s of states) {
    s.sums.forEach((partials, i) => acc[i].addAll(ExactSum.from(partials)));
    s.counts.forEach((c, g) => (counts[g] += c));
  }
  const merged: EnsembleState = { ...ref, shards: [...seen].sort((a, b) => a - b), counts, sums: acc.map((a) => a.partials.slice()) };
  return finish(specFromConfig(ref.config), merged, 'merged');
}

/** The network spec an ensemble state was sampled from (to compute its theory, e.g. in `wideflow compare FILES`). */
export function ensembleSpec(state: EnsembleState): NetworkSpec {
  const r = specFromConfig(state.config);
  const kind = state.config[2 + 5 * r.depth];
  const a = state.config[3 + 5 * r.depth];
  const name = activationName(kind);
  const info = ACTIVATIONS[name];
  if (!info) throw new InvalidParameterError('state.config', kind, 'a builtin activation kind');
  const param = info.parameter;
  return {
    activation: (param ? { name, [param]: a } : name) as NetworkSpec['activation'],
    depth: r.depth,
    widths: r.widths.slice(0, r.depth),
    outputWidth: r.widths[r.depth],
    Cb: r.hyper.map((h) => h.Cb),
    CW: r.hyper.map((h) => h.CW),
    lambdaB: r.hyper.map((h) => h.lambdaB),
    lambdaW: r.hyper.map((h) => h.lambdaW),
    input: { x: Array.from(r.x) },
  };
}
