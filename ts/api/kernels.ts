/**
 * `kernels(spec)`: the infinite-width kernel matrices of an MLP over many inputs (PDLT §4.1, §8.1
 * with sample indices α, β = 1 … N):
 *
 *   K⁽¹⁾_αβ = C_b + C_W x_α·x_β/n₀,            Θ⁽¹⁾_αβ = λ_b + λ_W x_α·x_β/n₀,
 *   K⁽ℓ⁺¹⁾_αβ = C_b + C_W ⟨σ(z_α)σ(z_β)⟩,      Θ⁽ℓ⁺¹⁾_αβ = λ_b + λ_W ⟨σ(z_α)σ(z_β)⟩ + C_W Θ⁽ℓ⁾_αβ ⟨σ′(z_α)σ′(z_β)⟩,
 *
 * with (z_α, z_β) ~ N(0, [[K_αα, K_αβ], [K_αβ, K_ββ]]) at layer ℓ and the hyperparameters of layer
 * ℓ+1. Computed by the wasm export `wf_kernel_matrix` or its TS twin
 * `ts/twin/theory/kernel_matrix.ts` (whose doc says which 2-D rule serves which activation).
 */
import { resolveBackend, wasmCore, type Backend } from './backend.js';
import { AbortError, InvalidParameterError, WideflowError } from './errors.js';
import { checkDegree } from './gauss.js';
import { checkWorkers } from './shards.js';
import { runChunks, workerFactory, type ChunkTask } from '../parallel/workers.js';
import { fromRaw } from '../twin/numerics/activation.js';
import { quadrature } from '../twin/numerics/quadrature/expect.js';
import { gramLayer, hasClosedPair, hasSeries, kernelRows, mirrorUpper, rowsLen, runKernelMatrix } from '../twin/theory/kernel_matrix.js';
import { resolveSpec, twinHyper, type NetworkSpec, type PerLayer } from './spec.js';
import { statusMessage } from '../../bindings/core.js';
import { kernelConfig, kernelLayer, kernelOutput } from '../../bindings/layout.js';
import { pack } from '../../bindings/pack.js';

/** N inputs of width n₀: rows of a number[][] or a flat row-major Float64Array of N·n₀ values. */
export type KernelInputs = ReadonlyArray<ArrayLike<number>> | { data: ArrayLike<number>; n: number };

export interface KernelsSpec {
  /** σ, as for `theory()` (a builtin name, a parametrized builtin, or a custom function on the js backend). */
  activation: NetworkSpec['activation'];
  /** L, the number of layers. */
  depth: number;
  Cb: PerLayer;
  CW: PerLayer;
  lambdaB: PerLayer;
  lambdaW: PerLayer;
  /** The N inputs x_α ∈ R^{n₀}. */
  inputs: KernelInputs;
}

export interface KernelsOptions {
  /**
   * Quadrature degree, as for `theory()` (default 64). Off the diagonal it sets only the 2-D rules (elu,
   * monomials, custom σ without series, and inputs whose Mehler series would pass 2048 orders); closed
   * forms and Mehler series do not depend on it.
   */
  degree?: number;
  /** `'wasm'` (default once `init()` resolved) or `'js'`. */
  backend?: Backend;
}

/** Options of the multi-threaded `kernels()`: it then returns a Promise. */
export interface KernelsParallelOptions extends KernelsOptions {
  /**
   * Threads (Node worker_threads, Web Workers) that share each layer's rows, 1 … 256; 1 computes on the
   * calling thread, and so do the closed-form σ (relu, leaky relu, erf, gelu, sin, linear), whose
   * pairs cost less than moving K to a thread, and below N = 1024 the σ with Mehler series (tanh,
   * sigmoid, softplus, swish, scaled tanh). The result is identical, bit for bit, for every count: each
   * pair is computed by the same code whichever thread holds its row. Builtin activations only.
   */
  workers: number;
  /** Aborts the run (the Promise rejects with AbortError; the workers in flight are terminated). */
  signal?: AbortSignal;
}

export interface KernelLayer {
  /** ℓ, from 1. */
  layer: number;
  /**
   * K⁽ℓ⁾, N × N row-major: K⁽ℓ⁾_αβ = K[α·N + β]. On the js backend and with workers the layers are views
   * of one buffer holding them all (with workers in Node, a SharedArrayBuffer), not separate copies.
   */
  K: Float64Array;
  /** Θ⁽ℓ⁾, N × N row-major. */
  Theta: Float64Array;
}

export interface KernelsResult {
  /** N, the number of inputs. */
  n: number;
  /** n₀, the input width. */
  inputWidth: number;
  layers: KernelLayer[];
  degree: number;
  backend: Backend;
  /** Notes on non-finite entries (overflow of K at large C_W and depth); empty when all is finite. */
  warnings: string[];
}

/** Most doubles the result may hold (2·L·N²): 1 GiB. */
const MAX_OUTPUT = 1 << 27;

/**
 * Computes K⁽ℓ⁾_αβ and Θ⁽ℓ⁾_αβ for every layer ℓ = 1 … L and every pair of inputs.
 *
 * Off the diagonal, relu, leaky relu, erf, exact gelu, sin and linear use closed forms (accurate to
 * ≤ 1e-14 relative on every entry); other σ a 2-D quadrature at `degree` (docs/theory/kernels.md).
 * With `options.workers` the rows of each layer are shared among that many threads and the call
 * returns a Promise; the numbers are the same bits as without.
 *
 * @example
 * const { layers } = kernels({ activation: 'erf', depth: 3, Cb: 0.1, CW: 1, lambdaB: 0.1, lambdaW: 1, inputs: [[1, 0], [0.6, 0.8]] });
 * layers[2].K[0 * 2 + 1] // K⁽³⁾ between the two inputs
 * const big = await kernels({ ...spec, inputs: { data, n: 2048 } }, { workers: 2 });
 */
export function kernels(spec: KernelsSpec, options?: KernelsOptions & { workers?: undefined }): KernelsResult;
export function kernels(spec: KernelsSpec, options: KernelsParallelOptions): Promise<KernelsResult>;
export function kernels(spec: KernelsSpec, options: KernelsOptions & { workers?: number; signal?: AbortSignal } = {}): KernelsResult | Promise<KernelsResult> {
  if (typeof options === 'object' && options !== null && options.workers !== undefined) {
    const opts = options;
    return (async () => {
      const workers = checkWorkers(opts.workers);
      const p = prepare(spec, opts);
      // A closed-form pair costs ~0.2 µs, less than moving its share of K to a thread and back
      // (erf, N = 2048, L = 10: 3.3 s on the calling thread, 7.2 s on 2 workers; bench/RESULTS.md).
      // A Mehler-series pair costs ~0.1 µs: threads pay from about N = 1024 on (tanh, L = 10: N = 512
      // 0.28 s on the calling thread, 0.55 s on 2 workers; N = 2048 2.8 s and 1.7 s).
      if (workers > 1 && p.r.activation.kind < 0) throw new InvalidParameterError('workers', workers, '1 for a custom activation (functions cannot be sent to workers)');
      if (workers === 1 || hasClosedPair(p.r.activation) || (p.n < SERIES_THREADS && hasSeries(p.r.activation))) return compute(p);
      return computeParallel(p, workers, opts.signal);
    })();
  }
  return compute(prepare(spec, options));
}

type Prepared = ReturnType<typeof prepare>;

function prepare(spec: KernelsSpec, options: KernelsOptions) {
  if (typeof spec !== 'object' || spec === null) throw new InvalidParameterError('spec', spec, 'an object');
  if (typeof options !== 'object' || options === null) throw new InvalidParameterError('options', options, 'an object');
  const { x, n, n0 } = checkInputs(spec.inputs);
  // The single-input resolver validates σ, L and the per-layer hyperparameters with the same messages
  // as theory(); widths and the input do not enter the infinite-width kernels.
  const r = resolveSpec({
    activation: spec.activation, depth: spec.depth, width: 1, inputWidth: n0,
    Cb: spec.Cb, CW: spec.CW, lambdaB: spec.lambdaB, lambdaW: spec.lambdaW, input: { x2: 0 },
  });
  const dims = { L: r.depth, N: n };
  if (kernelOutput.len(dims) > MAX_OUTPUT) {
    throw new InvalidParameterError('inputs', `${n} inputs × depth ${r.depth}`, `at most ${MAX_OUTPUT} matrix entries in all (2·L·N²)`);
  }
  const degree = checkDegree(options.degree);
  const backend = resolveBackend(options.backend, 'kernels()');
  if (backend === 'wasm' && r.activation.kind < 0) {
    throw new InvalidParameterError('backend', 'wasm', "'js' for a custom activation (the wasm core only has the builtins)");
  }
  return { x, n, n0, r, dims, degree, backend };
}

function compute(p: Prepared): KernelsResult {
  const { x, n, n0, r, dims, degree, backend } = p;
  if (backend === 'wasm') {
    const core = wasmCore('kernels()');
    const cfg = pack(kernelConfig, { depth: r.depth, inputs: n, inputWidth: n0, hyper: r.hyper, kind: r.activation.kind, a: r.activation.a });
    const cfgB = core.allocF64(cfg);
    const xB = core.allocF64(x);
    const outB = core.allocF64(kernelOutput.len(dims));
    try {
      const status = core.kernelMatrix(cfgB, xB, degree, outB);
      if (status !== 0) throw new WideflowError(`wideflow: wf_kernel_matrix failed with status ${status} (${statusMessage(status)})`);
      // The layers are sliced out of wasm memory directly: no second copy of all 2·L·N² values.
      return result(p, core.view(outB));
    } finally {
      core.free(cfgB);
      core.free(xB);
      core.free(outB);
    }
  }
  const out = new Float64Array(kernelOutput.len(dims));
  runKernelMatrix(quadrature(degree), r.activation, twinHyper(r.hyper), x, n, n0, out);
  return result(p, out, false);
}

/**
 * True when every entry is finite. A sum is finite only if every term is (NaN and ±∞ stick), so one pass
 * of additions decides almost always; only a sum that overflowed from finite entries needs the exact scan
 * (`every` with a callback took 2 s over the 2·L·N² = 8·10⁷ entries of N = 2048, L = 10).
 */
function allFinite(v: Float64Array): boolean {
  let s0 = 0, s1 = 0;
  const n = v.length - (v.length % 2);
  for (let i = 0; i < n; i += 2) {
    s0 += v[i];
    s1 += v[i + 1];
  }
  if (n < v.length) s0 += v[n];
  if (Number.isFinite(s0 + s1)) return true;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/** The result over `out`; `copy` when `out` is wasm memory (freed next), else the layers are views of it. */
function result(p: Prepared, out: Float64Array, copy = true): KernelsResult {
  const { n, n0, r, dims, degree, backend } = p;
  const nn = n * n;
  const layers: KernelLayer[] = [];
  let bad: number | null = null;
  const stride = kernelLayer.len(dims), atK = kernelLayer.at.K, atTheta = kernelLayer.at.Theta(dims);
  for (let l = 0, o = kernelOutput.at.layers; l < r.depth; l++, o += stride) {
    const K = copy ? out.slice(o + atK, o + atK + nn) : out.subarray(o + atK, o + atK + nn);
    const Theta = copy ? out.slice(o + atTheta, o + atTheta + nn) : out.subarray(o + atTheta, o + atTheta + nn);
    if (bad === null && (!allFinite(K) || !allFinite(Theta))) bad = l + 1;
    layers.push({ layer: l + 1, K, Theta });
  }
  const warnings = bad === null ? [] : [`overflow: some entry of K or Θ is not finite from layer ${bad} on (reduce C_W or the depth)`];
  return { n, inputWidth: n0, layers, degree, backend, warnings };
}

/** Row blocks [first, first + count) of the upper triangle with about `pairs` pairs each. */
function rowBlocks(n: number, parts: number): ChunkTask[] {
  const total = rowsLen(n, 0, n);
  const tasks: ChunkTask[] = [];
  let first = 0;
  for (let c = 0; first < n; c++) {
    const target = (total * (c + 1)) / parts;
    let last = first + 1;
    while (last < n && rowsLen(n, 0, last) < target) last++;
    tasks.push({ chunk: c, first, count: last - first });
    first = last;
  }
  return tasks;
}

/**
 * The recursion with each layer's pairs computed by `workers` threads (`wf_kernel_rows` or its twin).
 * Layer 1 (the Gram matrix) runs here. Each later layer's rows are split in one block per worker, and
 * the assembly K = C_b + C_W⟨σσ⟩, Θ = λ_b + λ_W⟨σσ⟩ + C_W Θ⟨σ′σ′⟩ uses the arithmetic of
 * `run_kernel_matrix`, so the result is the single-thread one, bit for bit. Where a SharedArrayBuffer can
 * be posted (Node; cross-origin isolated pages) the workers read the previous layer and write their rows
 * (and the mirrored columns) of the next one in place; elsewhere they return their pairs and the
 * assembly runs here. (At N = 2048, L = 10, copying K to the workers and assembling here took 3 s of
 * the calling thread while the workers waited.)
 */
async function computeParallel(p: Prepared, workers: number, signal?: AbortSignal): Promise<KernelsResult> {
  const { x, n, n0, r, dims, degree, backend } = p;
  if (r.activation.kind < 0) throw new InvalidParameterError('workers', workers, '1 for a custom activation (functions cannot be sent to workers)');
  const factory = workerFactory();
  if (!factory) throw new WideflowError('wideflow: workers > 1 needs worker threads (not available in this environment); use workers: 1 or no workers option');
  const nn = n * n;
  const len = kernelOutput.len(dims);
  // Shared mode: one buffer [header, output] for the whole run.
  const all = SHARED ? new Float64Array(new SharedArrayBuffer(8 * (KR_HEADER + len))) : null;
  const out = all ? all.subarray(KR_HEADER) : new Float64Array(len);
  const stride = kernelLayer.len(dims), atTheta = kernelLayer.at.Theta(dims);
  const o0 = kernelOutput.at.layers + kernelLayer.at.K;
  gramLayer(twinHyper(r.hyper)[0], x, n, n0, out, o0, o0 + atTheta);
  // One block per worker: every block computes the Mehler coefficients (smooth σ) of all the inputs its
  // rows pair with, so more blocks repeat more of them (4 blocks: 3.1·N sets per layer, 2 blocks: 1.7·N).
  const tasks = rowBlocks(n, Math.min(n, workers));
  for (let l = 1; l < r.depth; l++) {
    // runChunks listens for 'abort' only while a layer runs: an abort between layers is seen here.
    if (signal?.aborted) throw new AbortError();
    const h = r.hyper[l];
    const header = [r.activation.kind, r.activation.a, degree, n, all ? 1 : 0, l, h.Cb, h.CW, h.lambdaB, h.lambdaW];
    if (all) {
      all.set(header);
      await runChunks(factory, all, backend, Math.min(workers, tasks.length), tasks, () => {}, signal, 'kernels');
      continue;
    }
    const pk = o0 + (l - 1) * stride, pt = pk + atTheta, k = o0 + l * stride, th = k + atTheta;
    const cfg = new Float64Array(KR_HEADER + nn);
    cfg.set(header);
    cfg.set(out.subarray(pk, pk + nn), KR_HEADER);
    const absorb = (t: ChunkTask, sd: Float64Array) => assembleRows(sd, header, out, k, th, pt, t);
    await runChunks(factory, cfg, backend, Math.min(workers, tasks.length), tasks, absorb, signal, 'kernels');
    mirrorUpper(out, k, n);
    mirrorUpper(out, th, n);
  }
  return result(p, out, false);
}

/** Below this N, σ with Mehler series run on the calling thread whatever `workers` says. */
let SERIES_THREADS = 1024;

/** True where a SharedArrayBuffer can be posted to workers (Node, cross-origin isolated pages). */
const CAN_SHARE = typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
let SHARED = CAN_SHARE;

/**
 * Tests only (not exported by the package): `shared: false` runs the workers without shared memory, as
 * in a page that is not cross-origin isolated; `seriesThreads` moves the N from which Mehler-series σ
 * use the workers (so that small test sets exercise them). Omitted fields return to the defaults.
 */
export function kernelsThreadingForTests(o: { shared?: boolean; seriesThreads?: number } = {}): void {
  SHARED = (o.shared ?? true) && CAN_SHARE;
  SERIES_THREADS = o.seriesThreads ?? 1024;
}

/**
 * Header of a `kernels` worker config: [kind, a, degree, N, shared, ℓ, C_b, C_W, λ_b, λ_W] (ℓ: the index
 * of the layer being computed, from 0). Then, with shared = 0, the previous layer's K (N²); with
 * shared = 1, the whole `kernelOutput` record, read and written in place.
 */
const KR_HEADER = 10;

/**
 * K⁽ℓ⁾ = C_b + C_W⟨σσ⟩ and Θ⁽ℓ⁾ = λ_b + λ_W⟨σσ⟩ + C_W Θ⁽ℓ⁻¹⁾⟨σ′σ′⟩ for the upper-triangle entries of a task's rows
 * from their pairs `sd`, into m at k (K⁽ℓ⁾), th (Θ⁽ℓ⁾), reading Θ⁽ℓ⁻¹⁾ at pt: the arithmetic of
 * `run_kernel_matrix`. `header` is a KR_HEADER (its C_b, C_W, λ_b, λ_W).
 */
function assembleRows(sd: Float64Array, header: ArrayLike<number>, m: Float64Array, k: number, th: number, pt: number, t: ChunkTask): void {
  const n = header[3], cb = header[6], cw = header[7], lb = header[8], lw = header[9];
  let i = 0;
  for (let a = t.first; a < t.first + t.count; a++) {
    for (let b = a; b < n; b++, i += 2) {
      const s = sd[i], d = sd[i + 1];
      m[k + a * n + b] = cb + cw * s;
      m[th + a * n + b] = lb + lw * s + cw * m[pt + a * n + b] * d;
    }
  }
}

/**
 * The worker side of `kernels({ workers })`: for a config (see KR_HEADER) answers a task (rows first …
 * first + count − 1) with their (⟨σσ⟩, ⟨σ′σ′⟩) pairs, or, in shared mode, writes the rows of K⁽ℓ⁾ and
 * Θ⁽ℓ⁾ in place and answers with an empty array. Not part of the public API.
 */
export function kernelRowsRunner(cfg: Float64Array, backend: Backend): ((t: ChunkTask) => Float64Array) & { free(): void } {
  const [kind, a, degree, n, shared, l] = cfg;
  const nn = n * n;
  const dims = { L: l + 1, N: n };
  const stride = kernelLayer.len(dims), atTheta = kernelLayer.at.Theta(dims);
  const pk = KR_HEADER + kernelOutput.at.layers + kernelLayer.at.K + (l - 1) * stride;
  const k = shared ? cfg.subarray(pk, pk + nn) : cfg.subarray(KR_HEADER, KR_HEADER + nn);
  let pairs: (t: ChunkTask) => Float64Array;
  let free = () => {};
  if (backend === 'js') {
    const act = fromRaw(kind, a);
    if (!act) throw new WideflowError(`wideflow: kernels worker got an unknown activation (kind ${kind}, a ${a})`);
    const q = quadrature(degree);
    pairs = (t: ChunkTask) => {
      const out = new Float64Array(2 * rowsLen(n, t.first, t.first + t.count));
      kernelRows(q, act, k, n, t.first, t.first + t.count, out);
      return out;
    };
  } else {
    const core = wasmCore('kernels()');
    const kB = core.allocF64(k);
    pairs = (t: ChunkTask) => {
      const len = 2 * rowsLen(n, t.first, t.first + t.count);
      const outB = core.allocF64(len);
      try {
        const status = core.kernelRows(kind, a, degree, n, kB, t.first, t.first + t.count, outB);
        if (status !== 0) throw new WideflowError(`wideflow: wf_kernel_rows failed with status ${status} (${statusMessage(status)})`);
        return core.readF64(outB, len);
      } finally {
        core.free(outB);
      }
    };
    free = () => core.free(kB);
  }
  if (!shared) return Object.assign(pairs, { free });
  const pt = pk + atTheta, kc = pk + stride, th = kc + atTheta;
  const inPlace = (t: ChunkTask) => {
    assembleRows(pairs(t), cfg, cfg, kc, th, pt, t);
    mirrorUpper(cfg, kc, n, t.first, t.first + t.count);
    mirrorUpper(cfg, th, n, t.first, t.first + t.count);
    return new Float64Array(0);
  };
  return Object.assign(inPlace, { free });
}

function checkInputs(inputs: unknown): { x: Float64Array; n: number; n0: number } {
  const allowed = 'an array of N ≥ 1 rows of n₀ ≥ 1 finite numbers each, or { data: Float64Array of N·n₀ numbers, n: N }';
  if (Array.isArray(inputs)) {
    const n = inputs.length;
    const first = inputs[0] as ArrayLike<number> | undefined;
    if (n < 1 || !first || typeof first.length !== 'number' || first.length < 1) throw new InvalidParameterError('inputs', inputs, allowed);
    const n0 = first.length;
    const x = new Float64Array(n * n0);
    inputs.forEach((row: ArrayLike<number>, a) => {
      if (!row || typeof row.length !== 'number' || row.length !== n0) {
        throw new InvalidParameterError(`inputs[${a}]`, row, `an array of n₀ = ${n0} finite numbers (the length of inputs[0])`);
      }
      for (let i = 0; i < n0; i++) {
        const v = row[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidParameterError(`inputs[${a}][${i}]`, v, 'a finite number');
        x[a * n0 + i] = v;
      }
    });
    return { x, n, n0 };
  }
  const o = inputs as { data?: ArrayLike<number>; n?: unknown } | null;
  if (typeof o === 'object' && o !== null && o.data && typeof o.data.length === 'number') {
    const n = o.n;
    const len = o.data.length;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || len < n || len % n !== 0) {
      throw new InvalidParameterError('inputs', { n, 'data.length': len }, allowed);
    }
    const x = Float64Array.from(o.data);
    const n0 = len / n;
    for (let i = 0; i < len; i++) {
      if (!Number.isFinite(x[i])) throw new InvalidParameterError(`inputs.data[${i}]`, o.data[i], 'a finite number');
    }
    return { x, n, n0 };
  }
  throw new InvalidParameterError('inputs', inputs, allowed);
}
