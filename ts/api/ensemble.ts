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
import { AbortError, InvalidParameterError, MismatchError, ResourceLimitError, WideflowError, formatBytes } from './errors.js';
import { canonical, checkFiniteArray, checkIntField, checkShard, checkWorkers, configHash, expectedGroupCounts, fnv1a64, shardSize, shardTasks, type ChunkPlan } from './shards.js';
import { ENSEMBLE_KEYS, KEY_ORDER, NQ, jackknife, type EnsembleKey, type Estimate } from '../stats/estimator.js';
import { ExactSum } from '../stats/exactsum.js';
import { packConfig } from '../twin/sampling/network/mod.js';
import { chunkRunner } from './network.js';
import { runTasks, type ChunkTask } from '../parallel/workers.js';
import { rows } from '../twin/sampling/network/workspace.js';
import { MAX_DEPTH as MAX_ENSEMBLE_DEPTH } from '../twin/sampling/network/config.js';
import { resolveSpec, type NetworkSpec, type ResolvedSpec } from './spec.js';
import { ACTIVATIONS, activationName } from './activation.js';
import { ensembleConfig } from '../../bindings/layout.js';
import { unpack } from '../../bindings/pack.js';
import type { MultiInputNetworkSpec } from './theory.js';
import type { SampleTensor } from './multi.js';
import { ensembleMulti, isMultiState, mergeEnsemblesMulti, multiStateFields, type EnsembleMultiResult, type EnsembleMultiState } from './ensemble-multi.js';

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

/**
 * One layer's estimates (n = n_{ℓ−1}): `G` → K + G1/n and `H` → Θ + H1/n (PDLT §4.3, §8.3) from the conditional
 * estimators with control variates (docs/theory/ensembles.md §2.1; what {@link compare} uses for G1, H1), and
 * `Gdirect`, `Hdirect`, the plain estimators of the same two expectations (E[z_a² | layers below] and the
 * mean of Ĥ_aa over the probed neurons, 10³–10⁴× noisier on G1, H1); V, A, B, D, F, P, Q, R, S, T, U (and
 * the null test Qnull) as in `ts/stats/estimator.ts`.
 */
export type EnsembleLayer = { layer: number; n: number; width: number; neurons: number } & Partial<Record<EnsembleKey, Estimate>>;

/** The mergeable raw state of a (partial) ensemble: exact group sums and what produced them. */
export interface EnsembleState {
  /** Version of this layout. Version 1 files (no hashes) are still read, with every field checked. */
  format: typeof STATE_FORMAT | 'wideflow-ensemble/1';
  /** FNV-1a 64 of the canonical JSON of `config` (what must agree to merge, or to compare with a theory). */
  configHash?: string;
  /** FNV-1a 64 of the canonical JSON of every other field: a truncated or edited file is refused. */
  checksum?: string;
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
  /**
   * What is not a plain finite statistic, said in words: empty shards (no statistics), quantities that
   * overflowed (±Infinity) or could not be formed (left out of the layer). Empty when all is well.
   */
  warnings: string[];
  samples: number;
  seed: number;
  order: EnsembleOrder;
  backend: Backend | 'merged';
  layers: EnsembleLayer[];
  /** For `mergeEnsembles` and `compare`; what `--out` writes. */
  state: EnsembleState;
}

const MAX_GROUPS = 32;
/** The current layout of a shard/state file. */
export const STATE_FORMAT = 'wideflow-ensemble/3';

/**
 * Memory one kernel workspace needs, in bytes (the buffers of `Workspace` in
 * `ts/twin/sampling/network/workspace.ts` / `crates/core/src/sampling/network/workspace.rs`):
 * the weights and their transposes dominate, 2·Σ n_ℓ n_{ℓ−1} doubles.
 */
export function workspaceBytes(widths: readonly number[], neurons: readonly number[], order: number): number {
  const L = widths.length - 1;
  const k = Math.max(...neurons);
  let nh = 0;
  let d = 3 * (L + 1) + widths[0];
  for (let m = 1; m <= L; m++) {
    const n = widths[m], np = widths[m - 1];
    nh = Math.max(nh, np);
    d += n * np * (order >= 1 && m >= 2 && m < L ? 2 : 1) + 2 * n;
    if (m < L) d += 4 * n + (order >= 1 ? 3 * k * n : 0);
    d += 2 * k * k + k;
  }
  const r = rows(k, order);
  d += r * nh + r * Math.max(nh, k) + (k * (k + 1)) / 2 + k * k + (order >= 3 ? 3 * k * k * nh : 0) + 5 * k * k;
  // the conditional estimators (`Cond::size`): the full NTK of one hidden layer and two n² products
  const nc = L >= 3 && order >= 1 ? Math.max(...widths.slice(1, L - 1)) : 0;
  const n1 = L >= 2 ? Math.max(...widths.slice(1, L)) : 0;
  d += 3 * (L + 1) ** 2 + 9 * (L + 1) + nc * nc + 2 * n1 * nc + 2 * n1;
  return 8 * d;
}

/**
 * Largest workspace one kernel may have: wasm32 linear memory ends at 4 GiB (the Rust core refuses
 * above 2²⁹ doubles); a JS engine allocates typed arrays on its heap, where we stay below 8 GiB.
 */
export const WORKSPACE_LIMIT: Record<Backend, number> = { wasm: 3.5 * 2 ** 30, js: 8 * 2 ** 30 };

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

/** Checks and plans a single-input run (also the shared checks of a multi-input one, ts/api/ensemble-multi.ts). */
export function planEnsemble(spec: NetworkSpec, o: EnsembleOptions): Plan {
  return plan(spec, o);
}

function plan(spec: NetworkSpec, o: EnsembleOptions): Plan {
  const r = resolveSpec(spec);
  if (r.depth > MAX_ENSEMBLE_DEPTH) {
    // Every layer's statistics back-propagate through all layers below it: O(L²) per network.
    throw new InvalidParameterError('depth', r.depth, `an integer in 1 … ${MAX_ENSEMBLE_DEPTH} for ensembles (theory() goes to 100 000; one network costs O(L²) layer sweeps)`);
  }
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

/**
 * Samples `samples` networks of `spec` and estimates G, H, V, A, B, D, F, P, Q, R, S, T, U per layer
 * (statistics of layer ℓ use k_ℓ of its n_ℓ neurons; see {@link EnsembleOptions.neurons}).
 * With `input: { X }` (N inputs, rows or a flat Float64Array with n0) every statistic carries sample
 * indices: G, Gdirect, Graw, H, Hdirect are N × N matrices (G, H the conditional estimators with control variates)
 * and the tensors {@link SampleTensor}s, value and error
 * (ts/api/ensemble-multi.ts, docs/theory/ensembles.md §5).
 * @example
 * const e = await ensemble({ activation: 'tanh', depth: 3, width: 32, inputWidth: 2, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1,
 *   input: { X: [[1, 0], [0.6, 0.8]] } }, { samples: 10000 });
 * e.layers[2].V!.value.get(0, 1, 0, 1) // V_(01)(01) at layer 3, ± e.layers[2].V!.stderr.get(0, 1, 0, 1)
 */
export async function ensemble(spec: NetworkSpec, options: EnsembleOptions): Promise<EnsembleResult>;
export async function ensemble(spec: MultiInputNetworkSpec, options: EnsembleOptions): Promise<EnsembleMultiResult>;
export async function ensemble(spec: NetworkSpec | MultiInputNetworkSpec, options: EnsembleOptions): Promise<EnsembleResult | EnsembleMultiResult> {
  if (typeof options !== 'object' || options === null) throw new InvalidParameterError('options', options, 'an object with at least { samples }');
  const input = (spec as { input?: unknown } | null)?.input;
  // N inputs: the estimators with sample indices (ts/api/ensemble-multi.ts)
  if (typeof input === 'object' && input !== null && 'X' in input) return ensembleMulti(spec as unknown as NetworkSpec, options);
  return ensembleSingle(spec as NetworkSpec, options);
}

async function ensembleSingle(spec: NetworkSpec, options: EnsembleOptions): Promise<EnsembleResult> {
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
  if (signal !== undefined && !isAbortSignal(signal)) throw new InvalidParameterError('signal', signal, 'an AbortSignal');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new InvalidParameterError('onProgress', onProgress, 'a function ({ done, total }) => void');
  const bytes = workspaceBytes(p.spec.widths, p.neurons, p.order);
  if (bytes > WORKSPACE_LIMIT[backend]) {
    throw new ResourceLimitError(
      'widths',
      p.spec.widths,
      `small enough for the ${backend} backend: these widths need ${formatBytes(bytes)} of kernel workspace per worker; the limit is ${formatBytes(WORKSPACE_LIMIT[backend])}`,
      bytes,
      WORKSPACE_LIMIT[backend],
    );
  }
  if (signal?.aborted) throw new AbortError();

  const L = p.spec.depth;
  const state = emptyState(p, shard.count, [shard.index]);
  const acc = state.sums.map(() => new ExactSum());
  // The chunk list is generated lazily: planning costs O(1) whatever the number of samples.
  const tasks = shardTasks(p, shard.index, shard.count);
  const total = shardSize(p, shard.index, shard.count);
  const nTasks = Math.ceil(total / p.chunkSize);
  let done = 0;
  const absorb = (t: ChunkTask, sums: Float64Array) => {
    const g = t.chunk % p.groups;
    state.counts[g] += t.count;
    for (let i = 0; i < L * NQ; i++) acc[g * L * NQ + i].add(sums[i]);
    done += t.count;
    onProgress?.({ done, total });
  };

  await runTasks({
    cfg: p.cfg, backend, job: 'ensemble', workers, count: nTasks, tasks, absorb, signal, yieldEach: !!(signal || onProgress),
    runner: () => chunkRunner(p.cfg, backend, p.spec.activation.kind < 0 ? p.spec.activation : undefined),
  });
  state.sums = acc.map((s) => s.partials.slice());
  return finish(p.spec, seal(state), backend);
}

function isAbortSignal(s: unknown): s is AbortSignal {
  return typeof s === 'object' && s !== null && typeof (s as AbortSignal).aborted === 'boolean' && typeof (s as AbortSignal).addEventListener === 'function';
}

/** Adds the config hash and the content checksum to a state (the last step before it leaves). */
function seal(state: EnsembleState): EnsembleState {
  const out: EnsembleState = { ...state, format: STATE_FORMAT, configHash: configHash(state.config) };
  delete out.checksum;
  out.checksum = stateChecksum(out);
  return out;
}

function stateChecksum(s: EnsembleState): string {
  const { checksum: _omit, ...rest } = s;
  return fnv1a64(canonical(rest));
}

function emptyState(p: Plan, shardCount: number, shards: number[]): EnsembleState {
  const cfg = Array.from(p.cfg);
  const L = p.spec.depth;
  return {
    format: STATE_FORMAT,
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
  const warnings: string[] = [];
  const samples = state.counts.reduce((a, b) => a + b, 0);
  const usedGroups = state.counts.filter((c) => c > 0).length;
  if (usedGroups < 2) {
    // An empty (or nearly empty) shard is legal: it merges as what it holds, but has no statistics.
    warnings.push(`${samples} network${samples === 1 ? '' : 's'} in ${usedGroups} jackknife group${usedGroups === 1 ? '' : 's'}: no statistics (they need networks in at least 2 groups); merge the shards to get them`);
  }
  for (let l = 0; l < L; l++) {
    const n = spec.widths[l];
    const layer: EnsembleLayer = { layer: l + 1, n, width: spec.widths[l + 1], neurons: neurons[l] };
    if (usedGroups >= 2) {
      const sums = new Float64Array(state.groups * NQ);
      for (let g = 0; g < state.groups; g++) {
        for (let q = 0; q < NQ; q++) sums[g * NQ + q] = ExactSum.from(state.sums[(g * L + l) * NQ + q]).value();
      }
      const est = jackknife(sums, state.counts, n, keys);
      for (const k of keys) {
        const e = est[k];
        if (Number.isNaN(e.mean) || Number.isNaN(e.stderr)) {
          warnings.push(`layer ${l + 1} ${k}: not a number (the sampled values overflowed float64 or σ produced non-finite values); left out`);
          continue;
        }
        if (!Number.isFinite(e.mean) || !Number.isFinite(e.stderr)) warnings.push(`layer ${l + 1} ${k}: ${e.mean} ± ${e.stderr} (float64 overflow in the sampled networks)`);
        (layer as Record<string, unknown>)[k] = e;
      }
    }
    layers.push(layer);
  }
  return { warnings, samples, seed: state.seed, order: state.order, backend, layers, state };
}

/** The resolved network spec an ensemble state was sampled from (activation as kind and parameter). */
export function stateSpec(state: EnsembleState): ResolvedSpec {
  return specFromConfig(state.config);
}

/** The fields of a packed config (`ensembleConfig` of schema/layout.json), e.g. from a shard's JSON. */
const fieldsOf = (cfg: number[]) => unpack(ensembleConfig, Float64Array.from(cfg));

/** k_ℓ from a packed config. */
function neuronsOf(cfg: number[]): number[] {
  return Array.from(fieldsOf(cfg).neurons);
}

/** Rebuilds the resolved spec from a packed config (shards carry only the config). */
function specFromConfig(cfg: number[]): ResolvedSpec {
  const c = fieldsOf(cfg);
  const widths = Array.from(c.widths);
  const hyper = c.hyper.map((h) => ({ Cb: h.Cb, CW: h.CW, lambdaB: h.lambdaB, lambdaW: h.lambdaW }));
  const x = Float64Array.from(c.x);
  const x2 = x.reduce((s, v) => s + v * v, 0) / widths[0];
  return { activation: { kind: c.kind, a: c.a } as ResolvedSpec['activation'], depth: c.depth, widths, hyper, x2, x };
}

/**
 * Merges shards (from `ensemble(…, { shard })` or `wideflow ensemble --shard i/N --out part.json`) into
 * exactly the statistics of the unsharded run. Every shard 1 … N must be present once, with the
 * same config, seed and sample count.
 */
export function mergeEnsembles(parts: ReadonlyArray<EnsembleState | EnsembleResult>): EnsembleResult;
export function mergeEnsembles(parts: ReadonlyArray<EnsembleMultiState | EnsembleMultiResult>): EnsembleMultiResult;
export function mergeEnsembles(parts: ReadonlyArray<EnsembleState | EnsembleResult | EnsembleMultiState | EnsembleMultiResult>): EnsembleResult | EnsembleMultiResult {
  if (!Array.isArray(parts) || parts.length === 0) throw new InvalidParameterError('parts', parts, 'a non-empty array of ensemble shards (states or results)');
  if (isMultiState(parts[0])) return mergeEnsemblesMulti(parts);
  return mergeSingle(parts as ReadonlyArray<EnsembleState | EnsembleResult>);
}

function mergeSingle(parts: ReadonlyArray<EnsembleState | EnsembleResult>): EnsembleResult {
  const states = parts.map((p, i) => checkState(p && typeof p === 'object' && 'state' in p ? (p as EnsembleResult).state : p, `parts[${i}]`));
  const ref = states[0];
  states.forEach((s, i) => {
    for (const k of ['seed', 'samples', 'order', 'chunkSize', 'groups', 'shardCount', 'configHash'] as const) {
      if (s[k] !== ref[k]) throw new MismatchError(`parts[${i}].${k} (a shard of another run than parts[0])`, ref[k], s[k]);
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
  for (let i = 1; i <= ref.shardCount && missing.length < 20; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length) throw new InvalidParameterError('parts', `missing shards ${missing.join(', ')}${missing.length === 20 ? ', …' : ''} of ${ref.shardCount}`, 'all shards 1 … N');
  const acc = ref.sums.map(() => new ExactSum());
  const counts = new Array(ref.groups).fill(0);
  for (const s of states) {
    s.sums.forEach((partials, i) => acc[i].addAll(ExactSum.from(partials)));
    s.counts.forEach((c, g) => (counts[g] += c));
  }
  const merged: EnsembleState = { ...ref, shards: [...seen].sort((a, b) => a - b), counts, sums: acc.map((a) => a.partials.slice()) };
  return finish(specFromConfig(ref.config), seal(merged), 'merged');
}

/**
 * Checks every field of a state read from outside (a shard file): layout version, types, lengths,
 * the counts that the chunk plan implies for its shards, the config hash and the content checksum.
 * Returns the state with its config hash filled in (version 1 files have none).
 */
export function checkState(s: unknown, name = 'state'): EnsembleState {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new InvalidParameterError(name, s, 'an ensemble state object (what `ensemble --out` writes)');
  const st = s as EnsembleState;
  if (st.format !== STATE_FORMAT && st.format !== 'wideflow-ensemble/1') throw new InvalidParameterError(`${name}.format`, st.format, `'${STATE_FORMAT}' (or 'wideflow-ensemble/1')`);
  if (st.format === STATE_FORMAT) {
    if (typeof st.checksum !== 'string' || stateChecksum(st) !== st.checksum) {
      throw new InvalidParameterError(`${name}.checksum`, st.checksum, `the checksum of the file's content (${stateChecksum(st)}): the file was truncated or edited`);
    }
  }
  const cfg = checkFiniteArray(`${name}.config`, st.config);
  let spec: ResolvedSpec;
  try {
    spec = specFromConfig(cfg);
    // A custom σ (kind −1) is a function the file cannot carry: its config is checked structurally only.
    if (spec.activation.kind !== -1) resolveSpec(ensembleSpec({ ...st, config: cfg }));
  } catch (e) {
    if (e instanceof WideflowError) throw new InvalidParameterError(`${name}.config`, `${cfg.length} numbers`, `a valid packed network config (${e.message})`);
    throw new InvalidParameterError(`${name}.config`, `${cfg.length} numbers`, 'a valid packed network config');
  }
  const hash = configHash(cfg);
  if (st.configHash !== undefined && st.configHash !== hash) throw new InvalidParameterError(`${name}.configHash`, st.configHash, `the hash of its config (${hash})`);
  checkIntField(`${name}.seed`, st.seed, 0, Number.MAX_SAFE_INTEGER);
  const samples = checkIntField(`${name}.samples`, st.samples, 2, 2 ** 40);
  if (!ORDERS.includes(st.order)) throw new InvalidParameterError(`${name}.order`, st.order, "'z', 'ntk', 'dntk' or 'ddntk'");
  checkIntField(`${name}.chunkSize`, st.chunkSize, chunkSizeFor(samples), chunkSizeFor(samples));
  const chunks = Math.ceil(samples / st.chunkSize);
  checkIntField(`${name}.groups`, st.groups, Math.min(MAX_GROUPS, chunks), Math.min(MAX_GROUPS, chunks));
  const shardCount = checkIntField(`${name}.shardCount`, st.shardCount, 1, 2 ** 40);
  if (!Array.isArray(st.shards) || st.shards.length === 0) throw new InvalidParameterError(`${name}.shards`, st.shards, `a non-empty array of shard numbers 1 … ${shardCount}`);
  st.shards.forEach((i, j) => checkIntField(`${name}.shards[${j}]`, i, 1, shardCount));
  const counts = checkFiniteArray(`${name}.counts`, st.counts, st.groups);
  counts.forEach((c, g) => checkIntField(`${name}.counts[${g}]`, c, 0, samples));
  const plan: ChunkPlan = { samples, chunkSize: st.chunkSize, chunks, groups: st.groups };
  const want = expectedGroupCounts(plan, shardCount, st.shards);
  counts.forEach((c, g) => {
    if (c !== want[g]) throw new InvalidParameterError(`${name}.counts[${g}]`, c, `${want[g]}, the networks that shards ${st.shards.join(',')} of ${shardCount} put in group ${g}`);
  });
  const L = spec.depth;
  if (!Array.isArray(st.sums) || st.sums.length !== st.groups * L * NQ) {
    throw new InvalidParameterError(`${name}.sums.length`, Array.isArray(st.sums) ? st.sums.length : typeof st.sums, `${st.groups * L * NQ} (groups × layers × ${NQ})`);
  }
  st.sums.forEach((p, i) => checkFiniteArray(`${name}.sums[${i}]`, p));
  return { ...st, configHash: hash };
}

/**
 * The network spec an ensemble state was sampled from (to compute its theory, e.g. in `wideflow compare FILES`);
 * for a multi-input state, the spec with its inputs `input: { X }` (theory() then gives the sample-index tensors).
 */
export function ensembleSpec(state: EnsembleState): NetworkSpec;
export function ensembleSpec(state: EnsembleMultiState): MultiInputNetworkSpec;
export function ensembleSpec(state: EnsembleState | EnsembleMultiState): NetworkSpec | MultiInputNetworkSpec {
  if (isMultiState(state)) return multiSpec(state as EnsembleMultiState);
  const r = specFromConfig((state as EnsembleState).config);
  const { kind, a } = r.activation;
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

/** ensembleSpec of a multi-input state: the packed config holds the widths, hyperparameters and X. */
function multiSpec(state: EnsembleMultiState): MultiInputNetworkSpec {
  const f = multiStateFields(state);
  const name = activationName(f.kind);
  const info = ACTIVATIONS[name];
  if (!info) throw new InvalidParameterError('state.config', f.kind, 'a builtin activation kind');
  const param = info.parameter;
  const L = f.depth, N = f.inputs, n0 = f.widths[0];
  const X = Array.from({ length: N }, (_, a) => Array.from(f.X.subarray(a * n0, (a + 1) * n0)));
  return {
    activation: (param ? { name, [param]: f.a } : name) as NetworkSpec['activation'],
    depth: L,
    widths: Array.from(f.widths.subarray(0, L)),
    outputWidth: f.widths[L],
    Cb: f.hyper.map((h) => h.Cb),
    CW: f.hyper.map((h) => h.CW),
    lambdaB: f.hyper.map((h) => h.lambdaB),
    lambdaW: f.hyper.map((h) => h.lambdaW),
    input: { X },
  } as MultiInputNetworkSpec;
}
