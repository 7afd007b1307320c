/**
 * `theory(spec)`: every O(1/n) statistic of an MLP at initialization, layer by layer, from the
 * recursions of the Principle of Sparsity (PDLT §4, §8, §11.2, §∞.3). Single input.
 */
import { resolveBackend, wasmCore, type Backend } from './backend.js';
import { InvalidParameterError, WideflowError } from './errors.js';
import { accuracyWarning, checkDegree, DEFAULT_DEGREE } from './gauss.js';
import { Quadrature } from '../twin/numerics/quadrature/expect.js';
import { runRecursion, STAT_KEYS, THEORY_STRIDE, FLAG_OVERFLOW, FLAG_K_UNDERFLOW, K_MIN } from '../twin/theory/recursion.js';
import { resolveSpec, twinHyper, type NetworkSpec, type ResolvedSpec } from './spec.js';
import { statusMessage } from '../../bindings/core.js';
import { hyper, theoryConfig, theoryLayer } from '../../bindings/layout.js';

/** The 15 statistics of a layer, in the order of `TheoryLayer` and `wideflow theory`'s columns. */
export { STAT_KEYS } from '../twin/theory/recursion.js';
import { theoryMulti, type MultiInputSpec, type SampleTensor, type TheoryMultiResult } from './multi.js';

/** A {@link NetworkSpec} whose input is a set of N inputs `{ X }` (see `api/multi.ts`). */
export type MultiInputNetworkSpec = Omit<NetworkSpec, 'input'> & { input: MultiInputSpec };


export interface TheoryOptions {
  /** Gauss–Hermite degree of every Gaussian expectation (default {@link DEFAULT_DEGREE}). */
  degree?: number;
  /** `'wasm'` (default once `init()` resolved) or `'js'` (the pure-TS twin). */
  backend?: Backend;
}

/**
 * The statistics of layer ℓ. With n ≡ n_{ℓ−1} (PDLT conventions, docs/theory/recursions.md §0):
 * E[z_i z_j] = δ_ij (K + G1/n); E[Ĥ_ij] = δ_ij (Θ + H1/n);
 * E[z_{i1}z_{i2}z_{i3}z_{i4}]_conn = V/n (δ12δ34 + δ13δ24 + δ14δ23);
 * Cov(Ĥ_{i1i2}, Ĥ_{i3i4}) = [δ12δ34 A + (δ13δ24 + δ14δ23) B]/n;
 * Cov(Ĥ_{i1i2}, z_{i3}z_{i4}) = [δ12δ34 D + (δ13δ24 + δ14δ23) F]/n;
 * E[dĤ_{i0i1i2} z_{i3}] = [δ03δ12 P + (δ01δ23 + δ02δ13) Q]/n;
 * E[dd_IĤ_{i0i1i2i3}] = (δ01δ23 + δ02δ13 + δ03δ12) R/n;
 * E[dd_IIĤ_{i1i2i3i4}] = (δ12δ34 S + δ13δ24 T + δ14δ23 U)/n.
 */
export interface TheoryLayer {
  /** ℓ, from 1. */
  layer: number;
  /** n_{ℓ−1}, the width whose inverse every correction of this layer multiplies. */
  n: number;
  /** K⁽ℓ⁾: the infinite-width kernel, E[z_i z_i] at n = ∞ (§4.1). */
  K: number;
  /** Θ⁽ℓ⁾: the infinite-width NTK mean (§8.1). */
  Theta: number;
  /** G1 ≡ K^{1}: 1/n correction of the kernel (§4.3). */
  G1: number;
  /** H1 ≡ Θ^{1}: 1/n correction of the NTK mean (§8.3). */
  H1: number;
  /** V: four-point vertex (§4.3). */
  V: number;
  /** A: NTK variance, δ12δ34 part (§8.3). */
  A: number;
  /** B: NTK variance, δ13δ24 + δ14δ23 part (§8.3). */
  B: number;
  /** D: NTK–preactivation cross-correlation, δ12δ34 part (§8.3). */
  D: number;
  /** F: NTK–preactivation cross-correlation, δ13δ24 + δ14δ23 part (§8.3). */
  F: number;
  /** P: dNTK–preactivation, δ03δ12 part (§11.2). */
  P: number;
  /** Q: dNTK–preactivation, δ01δ23 + δ02δ13 part (§11.2). */
  Q: number;
  /** R: mean of dd_IĤ (§∞.3). */
  R: number;
  /** S: mean of dd_IIĤ, δ12δ34 part (§∞.3). */
  S: number;
  /** T: mean of dd_IIĤ, δ13δ24 part (§∞.3). */
  T: number;
  /** U: mean of dd_IIĤ, δ14δ23 part (§∞.3). */
  U: number;
  /** χ∥ = C_W⟨σ²(z²−K)⟩/(2K²) at K⁽ℓ⁾, with C_W of layer ℓ+1 (of layer L for the last layer) (§5.1). */
  chiParallel: number;
  /** χ⊥ = C_W⟨σ′σ′⟩ at K⁽ℓ⁾, with C_W of layer ℓ+1 (of layer L for the last layer) (§5.1). */
  chiPerp: number;
}

export interface TheoryResult {
  layers: TheoryLayer[];
  degree: number;
  backend: Backend;
  /** Layer at which some quantity first left the float64 range (then ±Infinity from there on), or null. */
  overflowLayer: number | null;
  /** Human-readable notes on overflow/underflow; empty when everything is finite and in range. */
  warnings: string[];
  spec: ResolvedSpec;
}

/**
 * Computes K, Θ, G1, H1, V, A, B, D, F, P, Q, R, S, T, U and χ∥, χ⊥ for every layer.
 *
 * With `input: { X }` (N ≤ 32 inputs: rows, or a flat Float64Array with `n0`) it returns instead the
 * sample-indexed K, Θ, G1, H1 (N × N) and V, A, B, D, F, P, Q, R, S, T, U ({@link SampleTensor},
 * `get(δ1, δ2, δ3, δ4)`) of every layer — a {@link TheoryMultiResult} (docs/theory/multi.md; P … U in §7).
 * N = 1 gives the single-input values to ≤ 1e-14.
 *
 * @example
 * theory({ activation: 'tanh', depth: 5, width: 64, inputWidth: 8, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } })
 * @example
 * const r = theory({ activation: 'relu', depth: 4, width: 64, inputWidth: 2, Cb: 0, CW: 2, lambdaB: 1, lambdaW: 1, input: { X: [[1, 0], [0.6, 0.8]] } });
 * r.layers[3].V.get(0, 1, 0, 1) / (64 * r.layers[3].K[0] * r.layers[3].K[3]) // V_(01)(01)/(n K₀₀ K₁₁)
 */
export function theory(spec: NetworkSpec, options?: TheoryOptions): TheoryResult;
export function theory(spec: MultiInputNetworkSpec, options?: TheoryOptions): TheoryMultiResult;
export function theory(spec: NetworkSpec | MultiInputNetworkSpec, options: TheoryOptions = {}): TheoryResult | TheoryMultiResult {
  const input = (spec as { input?: unknown } | null)?.input;
  if (typeof input === 'object' && input !== null && 'X' in input) {
    // N inputs (docs/theory/multi.md): the single-input resolver checks everything but the input
    const r = resolveSpec({ ...(spec as NetworkSpec), input: { x2: 0 } });
    return theoryMulti(r, input as MultiInputSpec, checkDegree(options.degree), options.backend);
  }
  const r = resolveSpec(spec as NetworkSpec);
  const degree = checkDegree(options.degree);
  const backend = resolveBackend(options.backend, 'theory()');
  const raw = new Float64Array(r.depth * THEORY_STRIDE);
  if (backend === 'wasm') {
    if (r.activation.kind < 0) {
      throw new InvalidParameterError('backend', 'wasm', "'js' for a custom activation (the wasm core only has the builtins)");
    }
    const core = wasmCore('theory()');
    const cfg = packTheoryConfig(r);
    const cfgB = core.allocF64(cfg);
    const outB = core.allocF64(raw.length);
    try {
      const status = core.theory(cfgB, degree, outB);
      if (status !== 0) throw new WideflowError(`wideflow: wf_theory failed with status ${status} (${statusMessage(status)})`);
      raw.set(core.view(outB));
    } finally {
      core.free(cfgB);
      core.free(outB);
    }
  } else {
    runRecursion(new Quadrature(degree), r.activation, r.widths.slice(0, r.depth), twinHyper(r.hyper), r.x2, raw);
  }
  return assemble(r, raw, degree, backend);
}

/** The `theoryConfig` buffer `wf_theory` reads (written field by field: L can be 100 000). */
function packTheoryConfig(r: ResolvedSpec): Float64Array {
  const tc = theoryConfig, d = { L: r.depth };
  const cfg = new Float64Array(tc.len(d));
  cfg[tc.at.depth] = r.depth;
  for (let l = 0; l < r.depth; l++) cfg[tc.at.widths + l] = r.widths[l];
  for (let l = 0, o = tc.at.hyper(d); l < r.depth; l++, o += hyper.len) {
    const h = r.hyper[l];
    cfg[o + hyper.at.Cb] = h.Cb;
    cfg[o + hyper.at.CW] = h.CW;
    cfg[o + hyper.at.lambdaB] = h.lambdaB;
    cfg[o + hyper.at.lambdaW] = h.lambdaW;
  }
  cfg[tc.at.kind(d)] = r.activation.kind;
  cfg[tc.at.a(d)] = r.activation.a;
  cfg[tc.at.x2(d)] = r.x2;
  return cfg;
}

// The slot of each statistic in a theoryLayer record, in STAT_KEYS order.
const STAT_SLOTS = STAT_KEYS.map((k) => theoryLayer.at[k]);

function assemble(r: ResolvedSpec, raw: Float64Array, degree: number, backend: Backend): TheoryResult {
  const layers: TheoryLayer[] = [];
  const at = theoryLayer.at;
  let overflowLayer: number | null = null;
  let underflowLayer: number | null = null;
  for (let l = 0; l < r.depth; l++) {
    const o = l * THEORY_STRIDE;
    const layer = { layer: l + 1, n: r.widths[l] } as TheoryLayer;
    STAT_KEYS.forEach((k, i) => (layer[k] = raw[o + STAT_SLOTS[i]]));
    layer.chiParallel = raw[o + at.chiParallel];
    layer.chiPerp = raw[o + at.chiPerp];
    const flags = raw[o + at.flags];
    if (flags & FLAG_OVERFLOW && overflowLayer === null) overflowLayer = l + 1;
    if (flags & FLAG_K_UNDERFLOW && underflowLayer === null) underflowLayer = l + 1;
    layers.push(layer);
  }
  const warnings: string[] = [];
  if (overflowLayer !== null) {
    warnings.push(`overflow: some statistic left the float64 range at layer ${overflowLayer}; from there on it is reported as ±Infinity (the sign of its last finite value)`);
  }
  if (underflowLayer !== null) {
    warnings.push(`underflow: K fell below ${K_MIN} at layer ${underflowLayer}; Gaussian expectations there are taken at K = ${K_MIN} (the small-K limit)`);
  }
  // The moments of layer ℓ are taken at K⁽ℓ⁾ for every layer but the last.
  for (let l = 0; l < r.depth - 1; l++) {
    const w = accuracyWarning(r.activation, degree, layers[l].K, `layer ${l + 1}:`);
    if (w) {
      warnings.push(w);
      break;
    }
  }
  return { layers, degree, backend, overflowLayer, warnings, spec: r };
}

/**
 * Dimensionless forms that users plot, per layer (n = n_{ℓ−1}): G1/(nK), H1/(nΘ), V/(nK²),
 * A/(nΘ²), B/(nΘ²), D/(nKΘ), F/(nKΘ), P/(nΘ²), Q/(nΘ²), and R, S, T, U over nΘ³/K (the scale of
 * their source terms). At criticality V/(nK²) grows linearly with depth (PDLT §5.4).
 * A form whose scale vanishes or is not finite (K = 0, Θ = 0 with λ = 0, or a layer past an
 * overflow) has no value: it is `null`, never NaN; the theory's warnings say why.
 */
export function normalized(result: TheoryResult): Array<{ layer: number } & Record<'G1' | 'H1' | 'V' | 'A' | 'B' | 'D' | 'F' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U', number | null>> {
  const ratio = (x: number, scale: number): number | null => {
    const v = x / scale;
    return scale === 0 || !Number.isFinite(scale) || Number.isNaN(v) ? null : v;
  };
  return result.layers.map((l) => {
    const { n, K, Theta: th } = l;
    const r3 = (n * th * th * th) / K;
    return {
      layer: l.layer,
      G1: ratio(l.G1, n * K),
      H1: ratio(l.H1, n * th),
      V: ratio(l.V, n * K * K),
      A: ratio(l.A, n * th * th),
      B: ratio(l.B, n * th * th),
      D: ratio(l.D, n * K * th),
      F: ratio(l.F, n * K * th),
      P: ratio(l.P, n * th * th),
      Q: ratio(l.Q, n * th * th),
      R: ratio(l.R, r3),
      S: ratio(l.S, r3),
      T: ratio(l.T, r3),
      U: ratio(l.U, r3),
    };
  });
}
