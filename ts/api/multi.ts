/**
 * `theory(spec)` with `input: { X }`: the O(1/n) statistics of N inputs with sample indices
 * (PDLT §4, §8 with sample indices; definitions and derivation in docs/theory/multi.md).
 *
 * With n ≡ n_{ℓ−1} at layer ℓ and δ's the sample indices:
 *   E[z_{i;δ1} z_{j;δ2}] = δ_ij (K_{δ1δ2} + G1_{δ1δ2}/n),   E[Ĥ_{ij;δ1δ2}] = δ_ij (Θ_{δ1δ2} + H1_{δ1δ2}/n),
 *   E[z_{i1;δ1}z_{i2;δ2}z_{i3;δ3}z_{i4;δ4}]_conn = [δ12δ34 V_{(δ1δ2)(δ3δ4)} + δ13δ24 V_{(δ1δ3)(δ2δ4)} + δ14δ23 V_{(δ1δ4)(δ2δ3)}]/n,
 *   Cov(Ĥ_{i1i2;δ1δ2}, Ĥ_{i3i4;δ3δ4}) = [δ12δ34 A_{(δ1δ2)(δ3δ4)} + δ13δ24 B_{δ1δ3δ2δ4} + δ14δ23 B_{δ1δ4δ2δ3}]/n,
 *   Cov(Ĥ_{i1i2;δ1δ2}, z_{i3;δ3}z_{i4;δ4}) = [δ12δ34 D_{δ1δ2δ3δ4} + δ13δ24 F_{δ1δ3δ2δ4} + δ14δ23 F_{δ1δ4δ2δ3}]/n,
 *   E[dĤ_{i0i1i2;δ0δ1δ2} z_{i3;δ3}] = [δ03δ12 P_{δ0δ1δ2δ3} + δ01δ23 Q_{δ0δ1δ2δ3} + δ02δ13 Q_{δ0δ2δ1δ3}]/n,
 *   E[dd_IĤ_{i0i1i2i3;δ0δ1δ2δ3}] = [δ01δ23 R_{δ0δ1δ2δ3} + δ02δ13 R_{δ0δ2δ1δ3} + δ03δ12 R_{δ0δ3δ1δ2}]/n,
 *   E[dd_IIĤ_{i1i2i3i4;δ1δ2δ3δ4}] = [δ12δ34 S_{δ1δ2δ3δ4} + δ13δ24 T_{δ1δ2δ3δ4} + δ14δ23 U_{δ1δ2δ3δ4}]/n,
 * with dĤ_{i0i1i2;δ0δ1δ2} = D²z_{i0;δ0}[v_{i1;δ1}, v_{i2;δ2}], dd_IĤ = D³z_{i0;δ0}[v_{i1;δ1}, v_{i2;δ2}, v_{i3;δ3}],
 * dd_IIĤ_{i1i2i3i4;δ1δ2δ3δ4} = ⟨Hess(z_{i1;δ1}) v_{i3;δ3}, Hess(z_{i2;δ2}) v_{i4;δ4}⟩_λ, v_{i;δ} = λ∇_θ z_{i;δ} (PDLT §11.2, §∞.3).
 */
import { statusMessage } from '../../bindings/core.js';
import { multiConfig } from '../../bindings/layout.js';
import { pack } from '../../bindings/pack.js';
import { resolveBackend, wasmCore, type Backend } from './backend.js';
import { InvalidParameterError } from './errors.js';
import { quadrature } from '../twin/numerics/quadrature/expect.js';
import { twinHyper, type ResolvedSpec } from './spec.js';
import { layerStride, orbitIndex, runMulti, MAX_N, SYM_B, SYM_D, SYM_F, SYM_P, SYM_Q, SYM_R, SYM_STU, SYM_VA, FLAG_OVERFLOW, FLAG_K_UNDERFLOW } from '../twin/theory/multi/mod.js';

export { MAX_N } from '../twin/theory/multi/mod.js';

/** N inputs of width n₀: rows (`number[][]`), or a flat row-major `Float64Array` of N·n₀ values with `n0`. */
export interface MultiInputSpec {
  X: ReadonlyArray<ArrayLike<number>> | Float64Array;
  /** n₀ for a flat `X` (must equal the spec's input width). */
  n0?: number;
}

/** Symmetry classes of the 4-index tensors (slot permutations that leave them unchanged). */
export type TensorSymmetry = 'VA' | 'B' | 'D' | 'F' | 'P' | 'Q' | 'R' | 'STU';

/** The slot permutations of each packing class (a group; orbits number the packed entries). */
export const SYMMETRY_GROUPS: Readonly<Record<TensorSymmetry, number[][]>> = { VA: SYM_VA, B: SYM_B, D: SYM_D, F: SYM_F, P: SYM_P, Q: SYM_Q, R: SYM_R, STU: SYM_STU };
const mapCache = new Map<string, { map: Uint32Array; count: number }>();

function orbitMap(n: number, sym: TensorSymmetry): { map: Uint32Array; count: number } {
  const key = `${sym}:${n}`;
  let m = mapCache.get(key);
  if (!m) {
    m = orbitIndex(n, SYMMETRY_GROUPS[sym]);
    mapCache.set(key, m);
  }
  return m;
}

/**
 * A 4-index tensor with sample indices, stored once per symmetry orbit.
 *
 * Packing: `data[k]` is the k-th orbit of the symmetry group when the members (δ1, δ2, δ3, δ4) are
 * run through in lexicographic order (row-major N⁴ order) and each orbit is numbered when its first
 * (= lexicographically smallest) member is reached. Groups: V, A — (δ1δ2) ↔ (δ2δ1), (δ3δ4) ↔ (δ4δ3),
 * (δ1δ2) ↔ (δ3δ4) (8 elements, N(N+1)/2·(N(N+1)/2 + 1)/2 slots); D — within each pair (N²(N+1)²/4);
 * B — B_{abcd} = B_{cdab} = B_{badc} (the NTK pair (ac)(bd): swap the NTKs, or transpose both)
 * ((N⁴ + 3N²)/4); F — F_{abcd} = F_{cdab} only (N²(N²+1)/2); P — P_{abcd} = P_{acbd} (N²(N+1)/2·N);
 * R — R_{abcd} = R_{abdc} (N²·N(N+1)/2); S, T, U ('STU') — T_{abcd} = T_{badc} (N²(N²+1)/2); Q — none (N⁴).
 * Use {@link SampleTensor.get}.
 */
export class SampleTensor {
  private readonly map: Uint32Array;
  constructor(
    /** Book symbol. */
    readonly name: 'V' | 'A' | 'B' | 'D' | 'F' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U',
    /** N, the number of inputs. */
    readonly n: number,
    readonly symmetry: TensorSymmetry,
    /** Packed values (see the class doc). */
    readonly data: Float64Array,
  ) {
    this.map = orbitMap(n, symmetry).map;
  }

  /** Position in `data` of the entry (δ1, δ2, δ3, δ4), indices 0 … N−1. */
  index(d1: number, d2: number, d3: number, d4: number): number {
    const n = this.n;
    for (const d of [d1, d2, d3, d4]) {
      if (!Number.isInteger(d) || d < 0 || d >= n) throw new InvalidParameterError('sample index', d, `an integer in 0 … ${n - 1}`);
    }
    return this.map[((d1 * n + d2) * n + d3) * n + d4];
  }

  /** The entry T_{δ1δ2δ3δ4} (index meanings in the module doc). */
  get(d1: number, d2: number, d3: number, d4: number): number {
    return this.data[this.index(d1, d2, d3, d4)];
  }

  /** All N⁴ entries, row-major [δ1][δ2][δ3][δ4]. */
  toArray(): Float64Array {
    const out = new Float64Array(this.map.length);
    for (let i = 0; i < out.length; i++) out[i] = this.data[this.map[i]];
    return out;
  }
}

/** The statistics of layer ℓ for N inputs (N × N matrices row-major: M[δ1·N + δ2]). */
export interface TheoryMultiLayer {
  layer: number;
  /** n_{ℓ−1}, the width whose inverse every correction of this layer multiplies. */
  n: number;
  /** K⁽ℓ⁾_{δ1δ2}: infinite-width kernel (§4.1). */
  K: Float64Array;
  /** Θ⁽ℓ⁾_{δ1δ2}: infinite-width NTK mean (§8.1). */
  Theta: Float64Array;
  /** G1 ≡ K^{1}_{δ1δ2}: 1/n correction of the kernel (§4.3); nonzero off the diagonal even for relu. */
  G1: Float64Array;
  /** H1 ≡ Θ^{1}_{δ1δ2}: 1/n correction of the NTK mean (§8.3). */
  H1: Float64Array;
  /** V_{(δ1δ2)(δ3δ4)}: four-point vertex (§4.3). */
  V: SampleTensor;
  /** A_{(δ1δ2)(δ3δ4)}: NTK variance, δ12δ34 part (§8.3). */
  A: SampleTensor;
  /** B_{δ1δ3δ2δ4}: NTK variance, δ13δ24 part; (δ1, δ3) on the shared first neuron (§8.3). */
  B: SampleTensor;
  /** D_{δ1δ2δ3δ4}: NTK–preactivation, δ12δ34 part; (δ1δ2) NTK, (δ3δ4) preactivations (§8.3). */
  D: SampleTensor;
  /** F_{δ1δ3δ2δ4}: NTK–preactivation, δ13δ24 part; neuron i₁ carries NTK sample δ1 and preactivation δ3 (§8.3). */
  F: SampleTensor;
  /** P_{δ0δ1δ2δ3}: dNTK–preactivation, δ03δ12 part; neuron i₀ = i₃ carries δ0 and δ3 (§11.2). */
  P: SampleTensor;
  /** Q_{δ0δ1δ2δ3}: dNTK–preactivation, δ01δ23 part; i₀ = i₁ carries δ0, δ1, i₂ = i₃ carries δ2, δ3 (§11.2). */
  Q: SampleTensor;
  /** R_{δ0δ1δ2δ3}: dd_I NTK mean, δ01δ23 part (§∞.3). */
  R: SampleTensor;
  /** S_{δ1δ2δ3δ4}: dd_II NTK mean, δ12δ34 part (§∞.3). */
  S: SampleTensor;
  /** T_{δ1δ2δ3δ4}: dd_II NTK mean, δ13δ24 part (§∞.3). */
  T: SampleTensor;
  /** U_{δ1δ2δ3δ4}: dd_II NTK mean, δ14δ23 part (§∞.3). */
  U: SampleTensor;
}

export interface TheoryMultiResult {
  /** N, the number of inputs. */
  inputs: number;
  inputWidth: number;
  layers: TheoryMultiLayer[];
  degree: number;
  backend: Backend;
  overflowLayer: number | null;
  warnings: string[];
  /** Statistics not computed for many inputs: none since P … U were added (kept for compatibility). */
  missing: readonly string[];
  spec: ResolvedSpec;
}

/** Largest output in doubles (L × per-layer stride): 256 MiB (with the 32·N⁴-double working set, ≤ 530 MB of wasm memory). */
const MAX_OUTPUT = 1 << 25;

/** Validates `input.X` against n₀ = widths[0]: rows or a flat array; returns row-major values and N. */
export function parseMultiInput(input: MultiInputSpec, n0: number): { x: Float64Array; n: number } {
  const X = input.X as unknown;
  const rowsAllowed = `an array of N (1 … ${MAX_N}) rows of n₀ = ${n0} finite numbers, or a Float64Array of N·n₀ values with n0`;
  let x: Float64Array;
  let n: number;
  if (X instanceof Float64Array) {
    if (input.n0 !== undefined && input.n0 !== n0) throw new InvalidParameterError('input.n0', input.n0, `the input width n₀ = ${n0} of the spec`);
    if (X.length === 0 || X.length % n0 !== 0) throw new InvalidParameterError('input.X', `Float64Array(${X.length})`, `a multiple of n₀ = ${n0} values (N·n₀, N ≥ 1)`);
    n = X.length / n0;
    x = X;
  } else if (Array.isArray(X)) {
    n = X.length;
    if (n === 0) throw new InvalidParameterError('input.X', X, rowsAllowed);
    if (n > MAX_N) throw tooMany(n);
    x = new Float64Array(n * n0);
    X.forEach((row: ArrayLike<number>, a: number) => {
      if (!row || typeof row.length !== 'number' || row.length !== n0) throw new InvalidParameterError(`input.X[${a}]`, row, `an array of n₀ = ${n0} finite numbers`);
      for (let i = 0; i < n0; i++) x[a * n0 + i] = row[i];
    });
  } else {
    throw new InvalidParameterError('input.X', X, rowsAllowed);
  }
  if (n > MAX_N) throw tooMany(n);
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) throw new InvalidParameterError(`input.X[${Math.floor(i / n0)}][${i % n0}]`, x[i], 'a finite number');
  }
  return { x: Float64Array.from(x), n };
}

function tooMany(n: number): InvalidParameterError {
  return new InvalidParameterError('input.X', `${n} rows`, `at most ${MAX_N} rows (the 4-index tensors need 32·N⁴ doubles of working memory and C(N,4) four-dimensional integrals per layer)`);
}

/** The multi-input theory for a resolved spec (called by `theory()`). */
export function theoryMulti(r: ResolvedSpec, input: MultiInputSpec, degree: number, backendOpt: Backend | undefined): TheoryMultiResult {
  const n0 = r.widths[0];
  const { x, n } = parseMultiInput(input, n0);
  const stride = layerStride(n);
  if (r.depth * stride > MAX_OUTPUT) {
    throw new InvalidParameterError('depth', r.depth, `at most ${Math.floor(MAX_OUTPUT / stride)} for N = ${n} inputs (${stride} values per layer, 256 MiB of output in all)`);
  }
  const backend = resolveBackend(backendOpt, 'theory()');
  const raw = new Float64Array(r.depth * stride);
  const widths = r.widths.slice(0, r.depth);
  if (backend === 'wasm') {
    if (r.activation.kind < 0) {
      throw new InvalidParameterError('backend', 'wasm', "'js' for a custom activation (the wasm core only has the builtins)");
    }
    const core = wasmCore('theory()');
    const cfgA = pack(multiConfig, { depth: r.depth, inputs: n, inputWidth: n0, widths, hyper: r.hyper, kind: r.activation.kind, a: r.activation.a });
    const cfgB = core.allocF64(cfgA);
    const xB = core.allocF64(x);
    const outB = core.allocF64(raw.length);
    try {
      const status = core.theoryMulti(cfgB, xB, degree, outB);
      if (status !== 0) throw new Error(`wideflow: wf_theory_multi failed with status ${status} (${statusMessage(status)})`);
      raw.set(core.view(outB));
    } finally {
      core.free(cfgB);
      core.free(xB);
      core.free(outB);
    }
  } else {
    runMulti(quadrature(degree), r.activation, widths, twinHyper(r.hyper), x, n, n0, raw);
  }
  return assembleMulti(r, raw, n, degree, backend);
}

function assembleMulti(r: ResolvedSpec, raw: Float64Array, n: number, degree: number, backend: Backend): TheoryMultiResult {
  const stride = layerStride(n);
  const n2 = n * n;
  const sizes: Array<[SampleTensor['name'], TensorSymmetry]> = [
    ['V', 'VA'],
    ['A', 'VA'],
    ['B', 'B'],
    ['D', 'D'],
    ['F', 'F'],
    ['P', 'P'],
    ['Q', 'Q'],
    ['R', 'R'],
    ['S', 'STU'],
    ['T', 'STU'],
    ['U', 'STU'],
  ];
  const layers: TheoryMultiLayer[] = [];
  let overflowLayer: number | null = null;
  let underflowLayer: number | null = null;
  for (let l = 0; l < r.depth; l++) {
    const o = l * stride;
    const layer = {
      layer: l + 1,
      n: r.widths[l],
      K: raw.slice(o, o + n2),
      Theta: raw.slice(o + n2, o + 2 * n2),
      G1: raw.slice(o + 2 * n2, o + 3 * n2),
      H1: raw.slice(o + 3 * n2, o + 4 * n2),
    } as TheoryMultiLayer;
    let off = o + 4 * n2;
    for (const [name, sym] of sizes) {
      const count = orbitMap(n, sym).count;
      layer[name] = new SampleTensor(name, n, sym, raw.slice(off, off + count));
      off += count;
    }
    const flags = raw[o + stride - 1];
    if (flags & FLAG_OVERFLOW && overflowLayer === null) overflowLayer = l + 1;
    if (flags & FLAG_K_UNDERFLOW && underflowLayer === null) underflowLayer = l + 1;
    layers.push(layer);
  }
  const warnings: string[] = [];
  if (overflowLayer !== null) warnings.push(`overflow: some statistic left the float64 range at layer ${overflowLayer}; from there on it is reported as ±Infinity`);
  if (underflowLayer !== null) warnings.push(`underflow: some K_δδ fell below 1e-280 at layer ${underflowLayer}`);
  return { inputs: n, inputWidth: r.widths[0], layers, degree, backend, overflowLayer, warnings, missing: [], spec: r };
}
