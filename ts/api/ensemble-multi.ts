/**
 * `ensemble(spec, options)` with `input: { X }`: sampled networks on N inputs. Every network's z, Ĥ,
 * dĤ, dd_IĤ, dd_IIĤ with sample indices are computed exactly by the kernel
 * (`crates/core/src/sampling/multi/` ↔ `ts/twin/sampling/multi/`), and every tensor of the
 * multi-input theory (docs/theory/multi.md §1, conventions of the dNTK/ddNTK tensors in
 * docs/theory/ensembles.md §5) is estimated with jackknife errors.
 *
 * Estimators (n = n_{ℓ−1}; averages over ordered neuron pairs i ≠ j of the first k_ℓ neurons):
 *   G_{ab} = E[gcv_ab] → K + G1/n, H_{ab} = E[hcv_ab] → Θ + H1/n: the conditional estimators of E[z_{i;a}z_{i;b}]
 *     and E[Ĥ_{ii;ab}] with telescoping control variates (per-network variance O(1/n²) instead of O(1/n):
 *     sampling/multi/conditional.rs, docs/theory/ensembles.md §5), which make G1 and H1 measurable
 *   Gdirect_{ab} = E[K̂_ab] (K̂_ab = C_b + C_W σ_a·σ_b/n of the layer below: E[z_{i;a}z_{i;b} | below])
 *   Graw_{ab} = E[z_{i;a} z_{i;b}],  Hdirect_{ab} = E[Ĥ_{ii;ab}] (the plain estimators, same expectations, larger variance)
 *   V_{abcd} = n (E[K̂_ab K̂_cd] − G_ab G_cd)     A_{abcd} = n (E[Ĥ_{ii;ab}Ĥ_{jj;cd}] − H_ab H_cd)
 *   D_{abcd} = n (E[Ĥ_{ii;ab} K̂_cd] − H_ab G_cd)  B_{abcd} = n E[Ĥ_{ij;ac}Ĥ_{ij;bd}]   F_{abcd} = n E[Ĥ_{ij;ac} z_{i;b} z_{j;d}]
 *   P = n E[dĤ_{ijj;012} z_{i;3}]   Q = n E[dĤ_{iij;012} z_{j;3}]   R = n E[dd_IĤ_{iijj;0123}]
 *   S, T, U = n E[dd_IIĤ_{iijj}], n E[dd_IIĤ_{ijij}], n E[dd_IIĤ_{ijji}]
 * Each tensor estimate is averaged over its symmetry orbit (the group of its packing) and stored once
 * per orbit in a {@link SampleTensor}, value and standard error alike.
 *
 * Determinism: chunks are dealt to jackknife groups (chunk c → group c mod G) and to shards by group
 * (group g → shard (g mod S) + 1), and each group's sum is accumulated in increasing chunk order
 * (results that arrive early wait in a reorder buffer); so every group sum is the same floating-point
 * sum whatever the number of workers or shards, and a merge of shards is bit-identical to the
 * unsharded run.
 */
import { resolveBackend, wasmCore, type Backend } from './backend.js';
import { AbortError, InvalidParameterError, MismatchError, ResourceLimitError, formatBytes } from './errors.js';
import { canonical, checkFiniteArray, checkIntField, checkShard, checkWorkers, configHash, fnv1a64 } from './shards.js';
import { chunkSizeFor, planEnsemble, WORKSPACE_LIMIT, type EnsembleOptions, type EnsembleOrder } from './ensemble.js';
import { parseMultiInput, SampleTensor, SYMMETRY_GROUPS, type MultiInputSpec, type TensorSymmetry } from './multi.js';
import { resolveSpec, type NetworkSpec, type ResolvedSpec } from './spec.js';
import { runTasks, type ChunkTask } from '../parallel/workers.js';
import { ensembleMultiChunk, multiStatsLen, multiWorkspaceDoubles, packMultiConfig, parseMultiConfig, statOffsets, MAX_ENSEMBLE_INPUTS } from '../twin/sampling/multi/mod.js';
import { ensembleMultiConfig } from '../../bindings/layout.js';
import { unpack } from '../../bindings/pack.js';
import { orbitIndex } from '../twin/theory/multi/packing.js';
import { ChunkStatusError } from './network.js';

/** The multi-input state layout (its own kind: the sums are per sample index). */
export const MULTI_STATE_FORMAT = 'wideflow-ensemble-multi/2';
const ORDERS: EnsembleOrder[] = ['z', 'ntk', 'dntk', 'ddntk'];
const MAX_GROUPS = 32;
/** Most doubles the group sums of a run may hold (groups × L × (8N² + 13N⁴)): 256 MiB. */
export const MULTI_STATE_LIMIT = 2 ** 25;

/** An N × N matrix estimate (row-major M[δ1·N + δ2]). */
export interface MatrixEstimate {
  value: Float64Array;
  stderr: Float64Array;
}

/** A 4-index tensor estimate: value and jackknife standard error, both packed by the tensor's symmetry. */
export interface TensorEstimate {
  value: SampleTensor;
  stderr: SampleTensor;
}

export const MULTI_TENSORS = ['V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const;
export type MultiTensorKey = (typeof MULTI_TENSORS)[number];
/** Packing class of each tensor (ts/api/multi.ts, COMMON conventions). */
export const MULTI_SYMMETRY: Record<MultiTensorKey, TensorSymmetry> = { V: 'VA', A: 'VA', B: 'B', D: 'D', F: 'F', P: 'P', Q: 'Q', R: 'R', S: 'STU', T: 'STU', U: 'STU' };
const GROUP_OF = SYMMETRY_GROUPS;
const MATRIX_KEYS = new Set(['G', 'Gdirect', 'Graw', 'H', 'Hdirect']);

export type EnsembleMultiLayer = {
  layer: number;
  /** n_{ℓ−1}. */
  n: number;
  width: number;
  neurons: number;
  /**
   * E[z_{i;δ1} z_{i;δ2}] → K + G1/n (PDLT §4.3 with sample indices), estimated by the conditional estimator
   * with telescoping control variates (gcv, docs/theory/ensembles.md §5): per-network variance O(1/n²).
   */
  G?: MatrixEstimate;
  /** E[K̂_{δ1δ2}], K̂ = C_b + C_W σ_{δ1}·σ_{δ2}/n_{ℓ−1}: the one-level conditional estimator of the same expectation. */
  Gdirect?: MatrixEstimate;
  /** The plain estimator mean_i z_{i;δ1} z_{i;δ2} of the same expectation (for comparison). */
  Graw?: MatrixEstimate;
  /** E[Ĥ_{ii;δ1δ2}] → Θ + H1/n (PDLT §8.3 with sample indices), by the conditional estimator hcv with control variates. */
  H?: MatrixEstimate;
  /** The plain estimator mean_i Ĥ_{ii;δ1δ2} of the same expectation. */
  Hdirect?: MatrixEstimate;
} & Partial<Record<MultiTensorKey, TensorEstimate>>;

/** The mergeable raw state of a multi-input ensemble. */
export interface EnsembleMultiState {
  format: typeof MULTI_STATE_FORMAT;
  configHash: string;
  checksum?: string;
  /** The packed `ensembleMultiConfig`. */
  config: number[];
  seed: number;
  samples: number;
  order: EnsembleOrder;
  chunkSize: number;
  groups: number;
  shardCount: number;
  shards: number[];
  counts: number[];
  /** Group sums, index (g·L + ℓ)·len + q, len = 8N² + 13N⁴; each the sum over the group's chunks in chunk order. */
  sums: number[];
}

export interface EnsembleMultiResult {
  /** N, the number of inputs. */
  inputs: number;
  warnings: string[];
  samples: number;
  seed: number;
  order: EnsembleOrder;
  backend: Backend | 'merged';
  layers: EnsembleMultiLayer[];
  state: EnsembleMultiState;
}

interface MultiPlan {
  spec: ResolvedSpec;
  cfg: Float64Array;
  N: number;
  order: number;
  neurons: number[];
  samples: number;
  seed: number;
  chunkSize: number;
  chunks: number;
  groups: number;
}

function planMulti(spec: NetworkSpec, o: EnsembleOptions): MultiPlan {
  const input = spec.input as unknown as MultiInputSpec;
  // the single-input planner checks everything but the input (on the first row)
  const probe = resolveSpec({ ...spec, input: { x2: 0 } } as NetworkSpec);
  const { x, n: N } = parseMultiInput(input, probe.widths[0]);
  if (N > MAX_ENSEMBLE_INPUTS) throw new InvalidParameterError('input.X', `${N} rows`, `at most ${MAX_ENSEMBLE_INPUTS} rows for ensembles`);
  const p = planEnsemble({ ...spec, input: { x: Array.from(x.subarray(0, probe.widths[0])) } } as NetworkSpec, o);
  const r = p.spec;
  const cfg = packMultiConfig({
    widths: r.widths, Cb: r.hyper.map((h) => h.Cb), CW: r.hyper.map((h) => h.CW), lambdaB: r.hyper.map((h) => h.lambdaB), lambdaW: r.hyper.map((h) => h.lambdaW),
    kind: r.activation.kind, a: r.activation.a, order: p.order, seed: p.seed, neurons: p.neurons, inputs: N, X: x,
  });
  return { spec: r, cfg, N, order: p.order, neurons: p.neurons, samples: p.samples, seed: p.seed, chunkSize: p.chunkSize, chunks: p.chunks, groups: p.groups };
}

/** Memory one multi-input kernel workspace needs, in bytes (both backends allocate the same buffers). */
export function multiWorkspaceBytes(widths: readonly number[], neurons: readonly number[], N: number, order: number): number {
  return 8 * multiWorkspaceDoubles(widths, neurons, N, order);
}

/** Computes chunk sums in this thread (js twin or wasm export `wf_ensemble_multi_chunk`). */
export function multiChunkRunner(cfg: Float64Array, backend: Backend): ((t: ChunkTask) => Float64Array) & { free(): void } {
  const L = cfg[ensembleMultiConfig.at.depth], N = cfg[ensembleMultiConfig.at.inputs];
  const outLen = L * multiStatsLen(N);
  if (backend === 'js') {
    const f = (t: ChunkTask) => {
      const out = new Float64Array(outLen);
      ensembleMultiChunk(cfg, t.first, t.count, out);
      return out;
    };
    return Object.assign(f, { free() {} });
  }
  const core = wasmCore('ensemble()');
  const cfgB = core.allocF64(cfg);
  const outB = core.allocF64(outLen);
  const f = (t: ChunkTask) => {
    const status = core.ensembleMultiChunk(cfgB, t.first, t.count, outB);
    if (status !== 0) throw new ChunkStatusError(status);
    return core.readF64(outB, outLen);
  };
  return Object.assign(f, {
    free() {
      core.free(cfgB);
      core.free(outB);
    },
  });
}

/** The chunks of shard `index` of `count`: those whose group g = c mod G has g mod count = index − 1. */
function* multiShardTasks(p: { chunks: number; groups: number; chunkSize: number; samples: number }, index: number, count: number): Generator<ChunkTask> {
  for (let c = 0; c < p.chunks; c++) {
    if ((c % p.groups) % count !== index - 1) continue;
    const first = c * p.chunkSize;
    yield { chunk: c, first, count: Math.min(p.chunkSize, p.samples - first) };
  }
}

/** Networks per group that shards `shards` of `shardCount` hold. */
function multiGroupCounts(p: { chunks: number; groups: number; chunkSize: number; samples: number }, shardCount: number, shards: readonly number[]): number[] {
  const out = new Array(p.groups).fill(0);
  const mine = new Set(shards);
  for (let g = 0; g < p.groups; g++) {
    if (!mine.has((g % shardCount) + 1)) continue;
    const chunks = g < p.chunks ? Math.floor((p.chunks - 1 - g) / p.groups) + 1 : 0;
    let n = chunks * p.chunkSize;
    if ((p.chunks - 1) % p.groups === g) n -= p.chunkSize - (p.samples - (p.chunks - 1) * p.chunkSize);
    out[g] = n;
  }
  return out;
}

/** `ensemble()` for `input: { X }` (called by `ensemble`; see the module doc). */
export async function ensembleMulti(spec: NetworkSpec, options: EnsembleOptions): Promise<EnsembleMultiResult> {
  const p = planMulti(spec, options);
  const backend = resolveBackend(options.backend, 'ensemble()');
  const workers = checkWorkers(options.workers);
  const shard = checkShard(options.shard);
  if (p.spec.activation.kind < 0) throw new InvalidParameterError('activation', 'a custom function', 'a builtin activation for ensembles on N inputs');
  const { signal, onProgress } = options;
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && typeof signal.aborted === 'boolean')) throw new InvalidParameterError('signal', signal, 'an AbortSignal');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new InvalidParameterError('onProgress', onProgress, 'a function ({ done, total }) => void');
  const L = p.spec.depth;
  const len = multiStatsLen(p.N);
  // memory is planned before anything is allocated: the kernel workspace and the group sums
  const bytes = multiWorkspaceBytes(p.spec.widths, p.neurons, p.N, p.order);
  const limit = Math.min(WORKSPACE_LIMIT[backend], 8 * 2 ** 29);
  if (bytes > limit) {
    throw new ResourceLimitError('input.X', `${p.N} inputs`, `fewer inputs, neurons or smaller widths: N = ${p.N}, k = ${Math.max(...p.neurons)} need ${formatBytes(bytes)} of kernel workspace (the HVP rows grow like k²N²·n, their Gram tables like k²N⁴); the limit is ${formatBytes(limit)}`, bytes, limit);
  }
  const stateDoubles = p.groups * L * len;
  if (stateDoubles > MULTI_STATE_LIMIT) {
    throw new ResourceLimitError('input.X', `${p.N} inputs`, `fewer inputs or layers: the group sums need ${stateDoubles} doubles (${p.groups} groups × ${L} layers × (8N² + 13N⁴)); the limit is ${MULTI_STATE_LIMIT}`, 8 * stateDoubles, 8 * MULTI_STATE_LIMIT);
  }
  if (signal?.aborted) throw new AbortError();
  const sums = new Float64Array(stateDoubles);
  const counts = new Array(p.groups).fill(0);
  // tasks are generated lazily (planning is O(groups), whatever the number of samples), numbered in the
  // order they are generated (increasing chunk), and absorbed in that order through a reorder buffer
  const total = multiGroupCounts(p, shard.count, [shard.index]).reduce((a, b) => a + b, 0);
  const nTasks = Math.ceil(total / p.chunkSize);
  const seqOf = new Map<number, number>();
  let generated = 0;
  const tasks: Iterable<ChunkTask> = {
    *[Symbol.iterator]() {
      for (const t of multiShardTasks(p, shard.index, shard.count)) {
        seqOf.set(t.chunk, generated++);
        yield t;
      }
    },
  };
  const pending = new Map<number, [ChunkTask, Float64Array]>();
  let next = 0;
  let done = 0;
  const absorb = (t: ChunkTask, out: Float64Array) => {
    pending.set(seqOf.get(t.chunk)!, [t, out]);
    seqOf.delete(t.chunk);
    while (pending.has(next)) {
      const [tk, s] = pending.get(next)!;
      pending.delete(next);
      const g = tk.chunk % p.groups;
      counts[g] += tk.count;
      const base = g * L * len;
      for (let i = 0; i < L * len; i++) sums[base + i] += s[i];
      next++;
    }
    done += t.count;
    onProgress?.({ done, total });
  };
  await runTasks({
    cfg: p.cfg, backend, job: 'ensemble-multi', workers, count: nTasks, tasks, absorb, signal, yieldEach: !!(signal || onProgress),
    runner: () => multiChunkRunner(p.cfg, backend),
  });
  const state: EnsembleMultiState = {
    format: MULTI_STATE_FORMAT, configHash: configHash(Array.from(p.cfg)), config: Array.from(p.cfg), seed: p.seed, samples: p.samples,
    order: ORDERS[p.order], chunkSize: p.chunkSize, groups: p.groups, shardCount: shard.count, shards: [shard.index], counts, sums: Array.from(sums),
  };
  return finishMulti(seal(state), backend);
}

function seal(s: EnsembleMultiState): EnsembleMultiState {
  const out = { ...s };
  delete out.checksum;
  out.checksum = checksum(out);
  return out;
}

/**
 * FNV-1a 64 of the canonical JSON of every field but the sums, with the sums entering through a hash of
 * their float64 bits (two 32-bit multiplicative lanes per word): the canonical JSON of millions of sums
 * took seconds (N = 8: 5·10⁶ doubles, 5 s), the bit hash takes milliseconds and still catches any edit.
 */
function checksum(s: EnsembleMultiState): string {
  const { checksum: _omit, sums, ...rest } = s;
  return fnv1a64(canonical({ ...rest, sums: hashSums(sums) }));
}

function hashSums(sums: ArrayLike<number>): string {
  const words = new Uint32Array(Float64Array.from(sums).buffer);
  let a = 0x811c9dc5, b = 0x9747b28c;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i], 0x5bd1e995);
    b ^= b >>> 15;
  }
  return `${(a >>> 0).toString(16)}:${(b >>> 0).toString(16)}:${sums.length}`;
}

/** The per-component statistics of one layer from the moment means m (length len); n = n_{ℓ−1}. */
function statistics(m: Float64Array, N: number, n: number, order: number): Record<string, Float64Array> {
  const o = statOffsets(N);
  const N2 = N * N, N4 = N2 * N2;
  const blk = (q: number, size: number) => m.subarray(q, q + size);
  // V, A, D are covariances of K̂ and Ĥ_ii: they take the means of those (Gdirect, Hdirect)
  const G = blk(o.zzc, N2), Graw = blk(o.zz, N2), H = blk(o.h, N2);
  const out: Record<string, Float64Array> = { G: blk(o.gcv, N2).slice(), Gdirect: G.slice(), Graw: Graw.slice() };
  const outer = (q: number, a: Float64Array, b: Float64Array) => {
    const t = new Float64Array(N4);
    for (let x = 0; x < N2; x++) for (let y = 0; y < N2; y++) t[x * N2 + y] = n * (m[q + x * N2 + y] - a[x] * b[y]);
    return t;
  };
  const scaled = (q: number) => {
    const t = new Float64Array(N4);
    for (let x = 0; x < N4; x++) t[x] = n * m[q + x];
    return t;
  };
  out.V = outer(o.zzc2, G, G);
  if (order >= 1) {
    out.H = blk(o.hcv, N2).slice();
    out.Hdirect = H.slice();
    out.A = outer(o.hh, H, H);
    out.D = outer(o.hzzc, H, G);
    out.B = scaled(o.hab2);
    out.F = scaled(o.hzzab);
  }
  if (order >= 2) {
    out.P = scaled(o.P);
    out.Q = scaled(o.Q);
  }
  if (order >= 3) for (const k of ['R', 'S', 'T', 'U'] as const) out[k] = scaled(o[k]);
  for (const k of MULTI_TENSORS) if (out[k]) out[k] = symmetrize(out[k], N, GROUP_OF[MULTI_SYMMETRY[k]]);
  return out;
}

/** The average of a row-major N⁴ tensor over a group of slot permutations. */
function symmetrize(t: Float64Array, N: number, group: number[][]): Float64Array {
  if (group.length === 1) return t;
  const out = new Float64Array(t.length);
  const d = [0, 0, 0, 0];
  for (let x = 0; x < t.length; x++) {
    d[0] = Math.floor(x / (N * N * N));
    d[1] = Math.floor(x / (N * N)) % N;
    d[2] = Math.floor(x / N) % N;
    d[3] = x % N;
    let s = 0;
    for (const p of group) s += t[((d[p[0]] * N + d[p[1]]) * N + d[p[2]]) * N + d[p[3]]];
    out[x] = s / group.length;
  }
  return out;
}

/** Packs a symmetric row-major N⁴ tensor by its orbits. */
function packTensor(name: MultiTensorKey, t: Float64Array, N: number): SampleTensor {
  const sym = MULTI_SYMMETRY[name];
  const { map, count } = orbitIndex(N, GROUP_OF[sym]);
  const data = new Float64Array(count).fill(NaN);
  for (let x = 0; x < t.length; x++) if (Number.isNaN(data[map[x]])) data[map[x]] = t[x];
  return new SampleTensor(name, N, sym, data);
}

/** Estimates from a (merged) multi-input state: delete-one-group jackknife per component. */
function finishMulti(state: EnsembleMultiState, backend: Backend | 'merged'): EnsembleMultiResult {
  const cfg = parseMultiConfig(Float64Array.from(state.config));
  const N = cfg.inputs;
  const L = cfg.widths.length - 1;
  const len = multiStatsLen(N);
  const order = ORDERS.indexOf(state.order);
  const warnings: string[] = [];
  const samples = state.counts.reduce((a, b) => a + b, 0);
  const used: number[] = [];
  state.counts.forEach((c, g) => c > 0 && used.push(g));
  if (used.length < 2) warnings.push(`${samples} networks in ${used.length} jackknife group(s): no statistics (they need networks in at least 2 groups); merge the shards to get them`);
  const layers: EnsembleMultiLayer[] = [];
  for (let l = 0; l < L; l++) {
    const n = cfg.widths[l];
    const layer: EnsembleMultiLayer = { layer: l + 1, n, width: cfg.widths[l + 1], neurons: cfg.neurons[l] };
    if (used.length >= 2) {
      const total = new Float64Array(len);
      for (const g of used) for (let q = 0; q < len; q++) total[q] += state.sums[(g * L + l) * len + q];
      const full = statistics(total.map((v) => v / samples), N, n, order);
      const loo = used.map((g) => {
        const m = new Float64Array(len);
        for (let q = 0; q < len; q++) m[q] = (total[q] - state.sums[(g * L + l) * len + q]) / (samples - state.counts[g]);
        return statistics(m, N, n, order);
      });
      const Gn = used.length;
      for (const key of Object.keys(full)) {
        const f = full[key];
        const mean = new Float64Array(f.length), se = new Float64Array(f.length);
        for (let x = 0; x < f.length; x++) {
          let avg = 0;
          for (const s of loo) avg += s[key][x];
          avg /= Gn;
          let ss = 0;
          for (const s of loo) ss += (s[key][x] - avg) ** 2;
          mean[x] = Gn * f[x] - (Gn - 1) * avg;
          se[x] = Math.sqrt(((Gn - 1) / Gn) * ss);
        }
        if (mean.some((v) => !Number.isFinite(v))) warnings.push(`layer ${l + 1} ${key}: some components are not finite (float64 overflow in the sampled networks)`);
        if (MATRIX_KEYS.has(key)) (layer as Record<string, unknown>)[key] = { value: mean, stderr: se };
        else {
          const k = key as MultiTensorKey;
          layer[k] = { value: packTensor(k, mean, N), stderr: packTensor(k, se, N) };
        }
      }
    }
    layers.push(layer);
  }
  return { inputs: N, warnings, samples, seed: state.seed, order: state.order, backend, layers, state };
}

/** True for a multi-input state or result. */
export function isMultiState(s: unknown): boolean {
  const st = (s && typeof s === 'object' && 'state' in s ? (s as { state: unknown }).state : s) as { format?: unknown } | null;
  // any version, so that an old one reaches checkMultiState's error naming its version
  return !!st && typeof st === 'object' && typeof st.format === 'string' && st.format.startsWith('wideflow-ensemble-multi/');
}

/** Checks a multi-input state read from outside (layout, checksum, counts, lengths). */
export function checkMultiState(s: unknown, name = 'state'): EnsembleMultiState {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new InvalidParameterError(name, s, 'an ensemble state object');
  const st = s as EnsembleMultiState;
  if ((st.format as string) === 'wideflow-ensemble-multi/1') {
    throw new InvalidParameterError(`${name}.format`, st.format, `'${MULTI_STATE_FORMAT}': version 1 states lack the per-network conditional estimators (gcv, hcv) that G and H now average; rerun the ensemble`);
  }
  if (st.format !== MULTI_STATE_FORMAT) throw new InvalidParameterError(`${name}.format`, st.format, `'${MULTI_STATE_FORMAT}'`);
  if (typeof st.checksum !== 'string' || checksum(st) !== st.checksum) throw new InvalidParameterError(`${name}.checksum`, st.checksum, 'the checksum of the content: the file was truncated or edited');
  const cfgArr = checkFiniteArray(`${name}.config`, st.config);
  let cfg;
  try {
    cfg = parseMultiConfig(Float64Array.from(cfgArr));
  } catch (e) {
    throw new InvalidParameterError(`${name}.config`, `${cfgArr.length} numbers`, `a valid packed multi-input config (${e instanceof Error ? e.message : e})`);
  }
  if (st.configHash !== configHash(cfgArr)) throw new InvalidParameterError(`${name}.configHash`, st.configHash, `the hash of its config (${configHash(cfgArr)})`);
  const samples = checkIntField(`${name}.samples`, st.samples, 2, 2 ** 40);
  checkIntField(`${name}.chunkSize`, st.chunkSize, chunkSizeFor(samples), chunkSizeFor(samples));
  const chunks = Math.ceil(samples / st.chunkSize);
  checkIntField(`${name}.groups`, st.groups, Math.min(MAX_GROUPS, chunks), Math.min(MAX_GROUPS, chunks));
  const shardCount = checkIntField(`${name}.shardCount`, st.shardCount, 1, 2 ** 40);
  if (!Array.isArray(st.shards) || st.shards.length === 0) throw new InvalidParameterError(`${name}.shards`, st.shards, `shard numbers 1 … ${shardCount}`);
  st.shards.forEach((i, j) => checkIntField(`${name}.shards[${j}]`, i, 1, shardCount));
  const want = multiGroupCounts({ chunks, groups: st.groups, chunkSize: st.chunkSize, samples }, shardCount, st.shards);
  checkFiniteArray(`${name}.counts`, st.counts, st.groups).forEach((c, g) => {
    if (c !== want[g]) throw new InvalidParameterError(`${name}.counts[${g}]`, c, `${want[g]}`);
  });
  const L = cfg.widths.length - 1;
  checkFiniteArray(`${name}.sums`, st.sums, st.groups * L * multiStatsLen(cfg.inputs));
  return st;
}

/** Merges shards of a multi-input run: each group's sum comes whole from the shard that owns it. */
export function mergeEnsemblesMulti(parts: ReadonlyArray<unknown>): EnsembleMultiResult {
  const states = parts.map((p, i) => checkMultiState(p && typeof p === 'object' && 'state' in p ? (p as EnsembleMultiResult).state : p, `parts[${i}]`));
  const ref = states[0];
  states.forEach((s, i) => {
    for (const k of ['seed', 'samples', 'order', 'chunkSize', 'groups', 'shardCount', 'configHash'] as const) {
      if (s[k] !== ref[k]) throw new MismatchError(`parts[${i}].${k} (a shard of another run than parts[0])`, ref[k], s[k]);
    }
  });
  const seen = new Set<number>();
  for (const s of states) for (const i of s.shards) {
    if (seen.has(i)) throw new InvalidParameterError('parts', `shard ${i}/${ref.shardCount} twice`, 'each shard once');
    seen.add(i);
  }
  const missing = [];
  for (let i = 1; i <= ref.shardCount && missing.length < 20; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length) throw new InvalidParameterError('parts', `missing shards ${missing.join(', ')} of ${ref.shardCount}`, 'all shards 1 … N');
  const per = ref.sums.length / ref.groups;
  const sums = new Array(ref.sums.length).fill(0);
  const counts = new Array(ref.groups).fill(0);
  for (const s of states) {
    s.counts.forEach((c, g) => {
      if (c === 0) return;
      counts[g] = c;
      for (let i = 0; i < per; i++) sums[g * per + i] = s.sums[g * per + i];
    });
  }
  const merged: EnsembleMultiState = { ...ref, shards: [...seen].sort((a, b) => a - b), counts, sums };
  return finishMulti(seal(merged), 'merged');
}

/** The fields of a packed multi config. */
export function multiStateFields(state: EnsembleMultiState) {
  return unpack(ensembleMultiConfig, Float64Array.from(state.config));
}
