/**
 * `compare(theory, ensembles)` for N inputs: the multi-input theory (`theory(spec with input { X })`)
 * against multi-input ensembles at one or several widths, component by component with z-scores.
 *
 * Each component is extrapolated in 1/n exactly as in the single-input `compare` (weighted least squares
 * X(n) = X∞ + c/n (+ d/n²), the same `fit` rule: 'auto' is quadratic with ≥ 4 widths): G1_{δ1δ2} ≈ n(G − K),
 * H1_{δ1δ2} ≈ n(H − Θ) (G, H the conditional estimators with control variates, docs/theory/ensembles.md
 * §5), and every tensor component once per orbit of its packing class (the ensemble's packing; the
 * theory side is read through `SampleTensor.get`, so it may pack differently). Tensors present on one
 * side only are listed in `missing`, not compared.
 */
import { InvalidParameterError, MismatchError } from './errors.js';
import { autoFit, checkFit, extrapolate, linearRisk, riskWarning, type ComparePoint, type CompareOptions, type FitUsed } from './compare.js';
import { MULTI_SYMMETRY, MULTI_TENSORS, multiStateFields, type EnsembleMultiResult, type MultiTensorKey } from './ensemble-multi.js';
import { SYMMETRY_GROUPS, type SampleTensor, type TheoryMultiResult } from './multi.js';
import { orbitIndex } from '../twin/theory/multi/packing.js';

export const COMPARED_MULTI = ['G1', 'H1', ...MULTI_TENSORS] as const;
export type ComparedMultiKey = (typeof COMPARED_MULTI)[number];

export interface CompareMultiRow {
  layer: number;
  quantity: ComparedMultiKey;
  /** Sample indices of the component (2 for G1, H1; 4 for a tensor: its orbit's first member). */
  index: number[];
  theory: number;
  extrapolated: number;
  stderr: number;
  /** (extrapolated − theory)/stderr; at layer 1 (exact) 0 within round-off, ±Infinity beyond. */
  z: number;
  slope: number;
  chi2dof: number;
  /** The fit used: 'quadratic', 'linear' or 'mean' (one width). */
  fit: FitUsed;
  /** d of the quadratic fit and its standard error (NaN otherwise). */
  curvature: number;
  curvatureStderr: number;
  exact?: boolean;
  points: ComparePoint[];
}

export interface CompareMultiResult {
  rows: CompareMultiRow[];
  maxAbsZ: number;
  warnings: string[];
  /** Quantities present on one side only, e.g. 'P (not in the theory)'. */
  missing: string[];
}

/** Throws MismatchError unless theory and ensemble describe the same network and inputs (K⁽¹⁾ is the Gram of the inputs). */
function checkSame(theory: TheoryMultiResult, e: EnsembleMultiResult, name: string): void {
  const t = theory.spec;
  const f = multiStateFields(e.state);
  const diff = (what: string, a: unknown, b: unknown) => {
    throw new MismatchError(`${name}: ${what} (ensemble vs theory)`, a, b);
  };
  if (t.activation.kind !== f.kind || (t.activation.kind >= 0 && t.activation.a !== f.a)) diff('activation', `kind ${f.kind}`, `kind ${t.activation.kind}`);
  if (t.depth !== f.depth) diff('depth', f.depth, t.depth);
  if (theory.inputs !== e.inputs) diff('number of inputs N', e.inputs, theory.inputs);
  for (let l = 0; l < t.depth; l++) {
    for (const k of ['Cb', 'CW', 'lambdaB', 'lambdaW'] as const) {
      if (t.hyper[l][k] !== f.hyper[l][k]) diff(`${k} of layer ${l + 1}`, f.hyper[l][k], t.hyper[l][k]);
    }
  }
  const widths = Array.from(f.widths);
  for (let l = 2; l < t.depth; l++) {
    const rt = t.widths[l] / t.widths[l - 1], rs = widths[l] / widths[l - 1];
    if (Math.abs(rt - rs) > 1e-12 * rt) diff(`width ratio n_${l}/n_${l - 1}`, rs, rt);
  }
  // the inputs enter only through their Gram matrix: K⁽¹⁾ = C_b + C_W X Xᵀ/n₀, which layer 1 of the ensemble holds exactly
  const g = e.layers[0].G?.value;
  const K = theory.layers[0].K;
  if (g) {
    for (let x = 0; x < K.length; x++) {
      if (Math.abs(g[x] - K[x]) > 1e-12 * Math.max(1, Math.abs(K[x]))) diff(`inputs (K⁽¹⁾[${x}] = C_b + C_W x·x′/n₀)`, g[x], K[x]);
    }
  }
}

/** The multi-input `compare` (called by `compare` when the theory has sample indices). */
export function compareMulti(theory: TheoryMultiResult, ensembles: readonly EnsembleMultiResult[], options: CompareOptions = {}): CompareMultiResult {
  const fit = checkFit(options.fit);
  const L = theory.layers.length;
  ensembles.forEach((e, i) => {
    if (!e || typeof e !== 'object' || !Array.isArray(e.layers) || !e.state || typeof e.inputs !== 'number') throw new InvalidParameterError(`ensembles[${i}]`, e, 'a result of ensemble() with input { X }');
    if (e.layers.length !== L) throw new MismatchError(`ensembles[${i}].depth (ensemble vs theory)`, e.layers.length, L);
    checkSame(theory, e, `ensembles[${i}]`);
  });
  const N = theory.inputs;
  const widths = new Set(ensembles.map((e) => e.layers[L - 1].n)).size;
  if (fit === 'quadratic' && L >= 2 && widths < 4) throw new InvalidParameterError('fit', fit, `'auto' or 'linear' with ${widths} distinct widths (the quadratic fit needs ≥ 4)`);
  const use = fit === 'auto' ? autoFit(widths) : fit;
  const risks: Array<{ label: string; poorChi2: boolean; biasEstimate: number }> = [];
  let fittedRows = 0;
  const warnings: string[] = [];
  if (L >= 3 && widths < 2) warnings.push('one width only: no extrapolation in 1/n (depth ≥ 3 is not exact at finite width; use ≥ 2 widths)');
  const missing = new Set<string>();
  const rows: CompareMultiRow[] = [];
  for (let l = 0; l < L; l++) {
    const th = theory.layers[l] as unknown as Record<string, unknown> & TheoryMultiResult['layers'][number];
    const kMax = Math.max(...Array.from(th.K, Math.abs)), tMax = Math.max(...Array.from(th.Theta, Math.abs));
    const scale = 1e-9 * Math.max(...ensembles.map((e) => e.layers[l].n)) * (1 + kMax + tMax) ** 2;
    const push = (quantity: ComparedMultiKey, index: number[], theoryValue: number, points: ComparePoint[]) => {
      if (points.length === 0) return;
      const f = extrapolate(points, use);
      const diff = f.value - theoryValue;
      // layer 1, and the conditional G, H at layer 2 and on the relu diagonal (they telescope to K and Θ
      // exactly): an error below round-off means exact
      const exact = l === 0 || !(f.stderr > 1e-3 * scale);
      const z = exact ? (Math.abs(diff) <= Math.max(scale, 1e-9 * Math.abs(theoryValue)) ? 0 : Math.sign(diff) * Infinity) : diff / f.stderr;
      rows.push({ layer: l + 1, quantity, index, theory: theoryValue, extrapolated: f.value, stderr: f.stderr, z, slope: f.slope, chi2dof: f.chi2dof, fit: f.fit, curvature: f.curvature, curvatureStderr: f.curvatureStderr, exact, points });
      if (!exact && f.fit === 'linear') {
        fittedRows++;
        const r = linearRisk(points, f, l + 1);
        if (r.poorChi2 || r.biasEstimate > 1) risks.push({ label: `${quantity}[${index}] at layer ${l + 1}`, ...r });
      }
    };
    for (const [q, est, base] of [['G1', 'G', th.K], ['H1', 'H', th.Theta]] as const) {
      for (let a = 0; a < N; a++) {
        for (let b = a; b < N; b++) {
          const points: ComparePoint[] = [];
          for (const e of ensembles) {
            const m = e.layers[l][est];
            const n = e.layers[l].n;
            if (m) points.push({ n, value: n * (m.value[a * N + b] - base[a * N + b]), stderr: n * m.stderr[a * N + b] });
          }
          const tv = (th[q] as Float64Array | undefined)?.[a * N + b];
          if (tv === undefined) {
            if (points.length) missing.add(`${q} (not in the theory)`);
            continue;
          }
          push(q, [a, b], tv, points);
        }
      }
    }
    for (const q of MULTI_TENSORS) {
      const tt = th[q] as SampleTensor | undefined;
      const have = ensembles.filter((e) => e.layers[l][q]);
      if (!tt) {
        if (have.length) missing.add(`${q} (not in the theory)`);
        continue;
      }
      if (have.length === 0) {
        missing.add(`${q} (not measured by the ensembles: their order)`);
        continue;
      }
      const { map, count } = orbitIndex(N, SYMMETRY_GROUPS[MULTI_SYMMETRY[q as MultiTensorKey]]);
      const first = new Int32Array(count).fill(-1);
      for (let x = 0; x < map.length; x++) if (first[map[x]] < 0) first[map[x]] = x;
      for (let o = 0; o < count; o++) {
        const x = first[o];
        const idx = [Math.floor(x / (N * N * N)), Math.floor(x / (N * N)) % N, Math.floor(x / N) % N, x % N];
        const points: ComparePoint[] = have.map((e) => ({ n: e.layers[l].n, value: e.layers[l][q]!.value.data[o], stderr: e.layers[l][q]!.stderr.data[o] }));
        push(q, idx, tt.get(idx[0], idx[1], idx[2], idx[3]), points);
      }
    }
  }
  if (use === 'linear' && widths <= 3) warnings.push(...riskWarning(risks, fittedRows, widths));
  const maxAbsZ = rows.reduce((m, r) => Math.max(m, Number.isNaN(r.z) ? Infinity : Math.abs(r.z)), 0);
  if (maxAbsZ === Infinity) warnings.push('some component disagrees beyond round-off where the theory is exact (z = ±Infinity)');
  return { rows, maxAbsZ, warnings, missing: [...missing] };
}
