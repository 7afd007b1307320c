/**
 * `compare(theory, ensembles)`: theory and experiment side by side.
 *
 * Ensembles at several widths are extrapolated in 1/n (n = n_{ℓ−1}) by weighted least squares,
 * X(n) = X∞ + c/n (+ d/n²), because O(1/n²) effects are large at small width and large depth
 * (validation.md: n·E[T] exceeds T by 38–70 % at n = 16) — a single width is not a test. The default
 * `fit: 'auto'` fits X∞ + c/n + d/n² whenever ≥ 4 distinct widths exist and X∞ + c/n otherwise, with
 * warnings when 2–3 widths cannot exclude an O(1/n²) bias; why no test on the data can safely choose
 * the linear fit instead: docs/theory/ensembles.md §4 ("Which 1/n fit").
 *
 * G and H are first turned into their 1/n coefficients, G1 ≈ n(E[z²] − K) and H1 ≈ n(E[Ĥ] − Θ), from
 * the ensembles' G and H: the conditional estimators with control variates (docs/theory/ensembles.md
 * §2.1), whose errors on G1 and H1 are 35–165× smaller than those of the direct averages `Gdirect`,
 * `Hdirect` at the same number of networks (bench/conditional.md).
 */
import { InvalidParameterError, MismatchError } from './errors.js';
import { stateSpec, type EnsembleResult } from './ensemble.js';
import type { TheoryResult } from './theory.js';
import type { TheoryMultiResult } from './multi.js';
import type { EnsembleMultiResult } from './ensemble-multi.js';
import { compareMulti, type CompareMultiResult } from './compare-multi.js';
import { chi2Tail } from '../stats/chi2.js';

export const COMPARED = ['G1', 'H1', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const;
export type ComparedKey = (typeof COMPARED)[number];

export interface ComparePoint {
  /** n_{ℓ−1} of this ensemble. */
  n: number;
  value: number;
  stderr: number;
}

export interface CompareRow {
  layer: number;
  quantity: ComparedKey;
  theory: number;
  /** X∞ from the fit (or the weighted mean when every ensemble has the same n, e.g. layer 1). */
  extrapolated: number;
  stderr: number;
  /** (extrapolated − theory)/stderr. */
  z: number;
  /** Fitted coefficient of 1/n (0 when not fitted). */
  slope: number;
  /** χ² of the fit per degree of freedom (NaN when there is none). */
  chi2dof: number;
  /** The fit used for this row: 'quadratic' (X∞ + c/n + d/n²), 'linear' (X∞ + c/n) or 'mean' (one width). */
  fit: FitUsed;
  /** d of the quadratic fit and its standard error (NaN for the other fits). */
  curvature: number;
  curvatureStderr: number;
  /**
   * True for layer 1, where every statistic is deterministic (z⁽¹⁾ Gaussian, Ĥ⁽¹⁾ fixed), and for any
   * row whose standard error is round-off (below 1e-12 of the natural scale n·(1 + K + Θ)²): G1 and H1
   * at layer 2 and, for relu, at every layer, whose conditional estimators are constant per network.
   * The theory is then exact and the ensemble differs only by round-off: z is 0 when the difference is
   * within round-off, ±Infinity otherwise.
   */
  exact?: boolean;
  points: ComparePoint[];
}

/** The fit a row used (`CompareRow.fit`): 'mean' when all its ensembles have one width (e.g. layer 1). */
export type FitUsed = 'linear' | 'quadratic' | 'mean';

/** The extrapolation in 1/n that `compare()` is asked for. */
export type CompareFit = 'auto' | 'linear' | 'quadratic';

export interface CompareOptions {
  /**
   * 'auto' (default): X∞ + c/n + d/n² with ≥ 4 distinct widths, X∞ + c/n with 2–3 (warning when the
   * O(1/n²) terms could bias it); 'linear': X∞ + c/n always (smaller error, biased by O(1/n²) terms —
   * only when they are known to be negligible); 'quadratic': X∞ + c/n + d/n² (needs ≥ 4 widths).
   */
  fit?: CompareFit;
}

export interface CompareResult {
  rows: CompareRow[];
  /** max |z| over all rows (Infinity if any row disagrees beyond round-off where the theory is exact); 0 with no rows. */
  maxAbsZ: number;
  /** Notes on what the comparison could not do (e.g. a single width: no extrapolation). */
  warnings: string[];
}

/**
 * Throws {@link MismatchError} naming the first difference between the network a theory describes and
 * the one an ensemble sampled: activation, depth, hyperparameters of every layer, the input (x²), and
 * the width ratios n_ℓ/n_{ℓ−1} (ℓ ≥ 2) that enter the recursions. The widths themselves may differ:
 * that is what the extrapolation is for.
 */
export function checkSameNetwork(theory: TheoryResult, e: EnsembleResult, name: string): void {
  const t = theory.spec;
  const s = stateSpec(e.state);
  const diff = (what: string, a: unknown, b: unknown) => {
    throw new MismatchError(`${name}: ${what} (ensemble vs theory)`, a, b);
  };
  if (t.activation.kind !== s.activation.kind || (t.activation.kind >= 0 && t.activation.a !== s.activation.a)) {
    diff('activation', `${t.activation.name}${t.activation.a ? `(${t.activation.a})` : ''}`, `kind ${s.activation.kind}${s.activation.a ? `(${s.activation.a})` : ''}`);
  }
  if (t.depth !== s.depth) diff('depth', t.depth, s.depth);
  for (let l = 0; l < t.depth; l++) {
    for (const k of ['Cb', 'CW', 'lambdaB', 'lambdaW'] as const) {
      if (t.hyper[l][k] !== s.hyper[l][k]) diff(`${k} of layer ${l + 1}`, t.hyper[l][k], s.hyper[l][k]);
    }
  }
  if (Math.abs(t.x2 - s.x2) > 1e-12 * Math.max(1, t.x2)) diff('input x² = |x|²/n₀', t.x2, s.x2);
  for (let l = 2; l < t.depth; l++) {
    const rt = t.widths[l] / t.widths[l - 1];
    const rs = s.widths[l] / s.widths[l - 1];
    if (Math.abs(rt - rs) > 1e-12 * rt) diff(`width ratio n_${l}/n_${l - 1}`, rt, rs);
  }
}

/**
 * Extrapolates `ensembles` (same spec up to the widths) in 1/n and compares with `theory`.
 * Quantities an ensemble did not measure (its `order`) are skipped.
 */
export function compare(theory: TheoryResult, ensembles: readonly EnsembleResult[], options?: CompareOptions): CompareResult;
export function compare(theory: TheoryMultiResult, ensembles: readonly EnsembleMultiResult[], options?: CompareOptions): CompareMultiResult;
export function compare(theory: TheoryResult | TheoryMultiResult, ensembles: readonly EnsembleResult[] | readonly EnsembleMultiResult[], options: CompareOptions = {}): CompareResult | CompareMultiResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object { fit? }');
  // N inputs (sample indices): component by component (ts/api/compare-multi.ts)
  if (theory && typeof theory === 'object' && typeof (theory as TheoryMultiResult).inputs === 'number') {
    if (!Array.isArray(ensembles) || ensembles.length === 0) throw new InvalidParameterError('ensembles', ensembles, 'a non-empty array of ensemble results');
    return compareMulti(theory as TheoryMultiResult, ensembles as readonly EnsembleMultiResult[], options);
  }
  return compareSingle(theory as TheoryResult, ensembles as readonly EnsembleResult[], options);
}

/** Validates `options.fit` (default 'auto'). */
export function checkFit(fit: unknown): CompareFit {
  const f = fit ?? 'auto';
  if (f !== 'auto' && f !== 'linear' && f !== 'quadratic') throw new InvalidParameterError('fit', fit, "'auto', 'linear' or 'quadratic'");
  return f;
}

/**
 * The fit 'auto' uses for `widths` distinct widths: quadratic with ≥ 4, else linear. Not chosen per row
 * from the data: a data-driven choice (|d|/σ_d, the linear χ², information criteria) keeps the linear fit
 * exactly where its O(1/n²) bias — several linear σ — is hidden by the quadratic fit's larger error
 * (docs/theory/ensembles.md §4; measured in bench/validation-multi-refit.md).
 */
export function autoFit(widths: number): 'linear' | 'quadratic' {
  return widths >= 4 ? 'quadratic' : 'linear';
}

/**
 * Whether a linear fit over 2–3 widths could be biased by O(1/n²) terms, for the warnings: with 3 widths,
 * the linear χ² (1 dof) p-value below 0.05 sees them; with 2 or 3, the bias d·β of the intercept (β: the
 * linear fit's intercept for data 1/n², exact from the design) is estimated with the order of magnitude
 * |d| ≈ ℓ·|c| (PDLT's expansion parameter is ℓ/n: each order in 1/n brings a factor ~ℓ; measured on
 * bench/validation-multi data, docs/theory/ensembles.md §4), |c| taken at its lower 2σ bound so that a slope
 * that is only noise raises no warning, and flagged when it exceeds the intercept's σ.
 */
export function linearRisk(points: readonly ComparePoint[], f: Extrapolation, layer: number): { poorChi2: boolean; biasEstimate: number } {
  if (f.fit !== 'linear' || !(f.stderr > 0)) return { poorChi2: false, biasEstimate: 0 };
  const poorChi2 = f.dof >= 1 && chi2Tail(f.chi2dof * f.dof, f.dof) < 0.05;
  const beta = extrapolate(points.map((p) => ({ n: p.n, value: 1 / (p.n * p.n), stderr: p.stderr })), 'linear').value;
  const c = Math.max(Math.abs(f.slope) - 2 * (Number.isFinite(f.slopeStderr) ? f.slopeStderr : 0), 0);
  return { poorChi2, biasEstimate: (layer * c * Math.abs(beta)) / f.stderr };
}

/** The warning for rows whose linear fit over 2–3 widths may be biased by O(1/n²) terms (none if there are none). */
export function riskWarning(flagged: Array<{ label: string; poorChi2: boolean; biasEstimate: number }>, total: number, widths: number): string[] {
  const chi = flagged.filter((f) => f.poorChi2);
  const big = flagged.filter((f) => !f.poorChi2 && f.biasEstimate > 1);
  const out: string[] = [];
  const list = (a: typeof flagged, v: (f: (typeof flagged)[number]) => string) => a.slice(0, 3).map(v).join(', ') + (a.length > 3 ? ', …' : '');
  if (chi.length) {
    out.push(`the linear fit in 1/n is poor (χ² p < 0.05) for ${chi.length} of ${total} quantities (${list(chi, (f) => f.label)}): O(1/n²) terms (or an outlying ensemble); use ≥ 4 widths (fit 'auto' then fits X∞ + c/n + d/n²)`);
  }
  if (big.length) {
    big.sort((a, b) => b.biasEstimate - a.biasEstimate);
    out.push(`only ${widths} widths: the O(1/n²) bias of the linear intercept, estimated with |d| ≈ ℓ·|c|, may exceed its error for ${big.length} of ${total} quantities (${list(big, (f) => `${f.label}: ~${f.biasEstimate.toFixed(1)}σ`)}); use ≥ 4 widths or larger ones`);
  }
  return out;
}

function compareSingle(theory: TheoryResult, ensembles: readonly EnsembleResult[], options: CompareOptions): CompareResult {
  const fit = checkFit(options.fit);
  if (!theory || typeof theory !== 'object' || !Array.isArray(theory.layers) || !theory.spec) throw new InvalidParameterError('theory', theory, 'a result of theory()');
  if (!Array.isArray(ensembles) || ensembles.length === 0) throw new InvalidParameterError('ensembles', ensembles, 'a non-empty array of ensemble results');
  const L = theory.layers.length;
  ensembles.forEach((e, i) => {
    if (!e || typeof e !== 'object' || !Array.isArray(e.layers) || !e.state) throw new InvalidParameterError(`ensembles[${i}]`, e, 'a result of ensemble() or mergeEnsembles()');
    if (e.layers.length !== L) throw new MismatchError(`ensembles[${i}].depth (ensemble vs theory)`, L, e.layers.length);
    checkSameNetwork(theory, e, `ensembles[${i}]`);
  });
  const widths = new Set(ensembles.map((e) => e.layers[L - 1].n)).size;
  if (fit === 'quadratic' && L >= 2 && widths < 4) {
    throw new InvalidParameterError('fit', fit, `'auto' or 'linear' with ${widths} distinct widths (the quadratic fit X∞ + c/n + d/n² needs ≥ 4)`);
  }
  const use = fit === 'auto' ? autoFit(widths) : fit;
  const warnings: string[] = [];
  if (L >= 3 && widths < 2) warnings.push('one width only: no extrapolation in 1/n (depth ≥ 3 is not exact at finite width; use ≥ 2 widths, ≥ 4 with the quadratic fit)');
  const risks: Array<{ label: string; poorChi2: boolean; biasEstimate: number }> = [];
  let fittedRows = 0;
  const rows: CompareRow[] = [];
  for (let l = 0; l < L; l++) {
    const th = theory.layers[l];
    for (const q of COMPARED) {
      const points: ComparePoint[] = [];
      for (const e of ensembles) {
        const el = e.layers[l];
        const n = el.n;
        if (q === 'G1' || q === 'H1') {
          const est = q === 'G1' ? el.G : el.H;
          const base = q === 'G1' ? th.K : th.Theta;
          if (est) points.push({ n, value: n * (est.mean - base), stderr: n * est.stderr });
        } else {
          const est = el[q];
          if (est) points.push({ n, value: est.mean, stderr: est.stderr });
        }
      }
      if (points.length === 0) continue;
      const f = extrapolate(points, use);
      const theoryValue = th[q];
      const diff = f.value - theoryValue;
      // Layer 1 is deterministic: its "errors" are round-off, and a z-score of round-off is noise. So is
      // any estimator that is constant per network (G1, H1 at layer 2, and at every layer for relu,
      // whose conditional estimators telescope to K and Θ exactly): an error below round-off means exact.
      const scale = 1e-9 * Math.max(...points.map((p) => p.n)) * (1 + Math.abs(th.K) + Math.abs(th.Theta)) ** 2;
      // (round-off errors are ~1e-12 of that scale; a statistical error just below it still gets a z-score)
      const exact = l === 0 || !(f.stderr > 1e-3 * scale);
      const z = exact ? (Math.abs(diff) <= Math.max(scale, 1e-9 * Math.abs(theoryValue)) ? 0 : Math.sign(diff) * Infinity) : diff / f.stderr;
      rows.push({ layer: l + 1, quantity: q, theory: theoryValue, extrapolated: f.value, stderr: f.stderr, z, slope: f.slope, chi2dof: f.chi2dof, fit: f.fit, curvature: f.curvature, curvatureStderr: f.curvatureStderr, exact, points });
      if (!exact && f.fit === 'linear') {
        fittedRows++;
        const r = linearRisk(points, f, l + 1);
        if (r.poorChi2 || r.biasEstimate > 1) risks.push({ label: `${q} at layer ${l + 1}`, ...r });
      }
    }
  }
  if (use === 'linear' && widths <= 3) warnings.push(...riskWarning(risks, fittedRows, widths));
  const maxAbsZ = rows.reduce((m, r) => Math.max(m, Number.isNaN(r.z) ? Infinity : Math.abs(r.z)), 0);
  if (maxAbsZ === Infinity) warnings.push('some quantity disagrees beyond round-off where the theory is exact (z = ±Infinity)');
  return { rows, maxAbsZ, warnings };
}

/** One weighted least-squares fit of value(n) in powers of 1/n. */
export interface Extrapolation {
  /** X∞, the intercept at 1/n = 0. */
  value: number;
  stderr: number;
  /** Coefficient c of 1/n (0 for 'mean'), and its standard error (NaN for 'mean'). */
  slope: number;
  slopeStderr: number;
  /** χ² per degree of freedom (NaN when there is none). */
  chi2dof: number;
  /** Degrees of freedom of the fit (points − parameters). */
  dof: number;
  /** What was fitted: X∞ + c/n ('linear'), + d/n² ('quadratic'), or the weighted mean ('mean': one width). */
  fit: FitUsed;
  /** d, the coefficient of 1/n², and its standard error (quadratic fits only, else NaN). */
  curvature: number;
  curvatureStderr: number;
}

/**
 * Weighted least squares of value(n) on powers of 1/n; returns the intercept, its standard error
 * from the weights (the points are independent ensembles), the 1/n slope and χ²/dof.
 * Points with zero error (exact quantities, e.g. layer 1) are given the smallest positive error
 * among the points so that the fit stays defined. With fewer distinct widths than the fit needs
 * (2 for 'linear', 4 for 'quadratic') it falls back to the linear fit (≥ 2 widths) or the mean.
 */
export function extrapolate(points: readonly ComparePoint[], fit: 'linear' | 'quadratic' = 'linear'): Extrapolation {
  const distinct = new Set(points.map((p) => p.n)).size;
  const deg = distinct >= (fit === 'quadratic' ? 4 : 2) ? (fit === 'quadratic' ? 2 : 1) : distinct >= 2 ? 1 : 0;
  const positive = points.map((p) => p.stderr).filter((s) => s > 0 && Number.isFinite(s));
  // Every point exact (a deterministic quantity, e.g. layer 1's NTK): equal weights, zero error.
  const exact = positive.length === 0;
  const floor = exact ? 1 : Math.min(...positive);
  const m = deg + 1;
  // Normal equations in the scaled variable u = n_min/n keep them well conditioned.
  const nMin = Math.min(...points.map((p) => p.n));
  const ata = Array.from({ length: m }, () => new Array(m).fill(0));
  const atb = new Array(m).fill(0);
  for (const p of points) {
    const s = p.stderr > 0 && Number.isFinite(p.stderr) ? p.stderr : floor;
    const w = 1 / (s * s);
    const u = nMin / p.n;
    const row = Array.from({ length: m }, (_, j) => u ** j);
    for (let i = 0; i < m; i++) {
      atb[i] += w * row[i] * p.value;
      for (let j = 0; j < m; j++) ata[i][j] += w * row[i] * row[j];
    }
  }
  const cov = invert(ata);
  const beta = cov.map((r) => r.reduce((s, v, j) => s + v * atb[j], 0));
  let chi2 = 0;
  for (const p of points) {
    const s = p.stderr > 0 && Number.isFinite(p.stderr) ? p.stderr : floor;
    const u = nMin / p.n;
    const pred = beta.reduce((acc, b, j) => acc + b * u ** j, 0);
    chi2 += ((p.value - pred) / s) ** 2;
  }
  const dof = points.length - m;
  return {
    value: beta[0],
    stderr: exact ? 0 : Math.sqrt(Math.max(cov[0][0], 0)),
    slope: deg >= 1 ? beta[1] * nMin : 0,
    slopeStderr: deg >= 1 && !exact ? Math.sqrt(Math.max(cov[1][1], 0)) * nMin : NaN,
    chi2dof: dof > 0 ? chi2 / dof : NaN,
    dof,
    fit: deg === 2 ? 'quadratic' : deg === 1 ? 'linear' : 'mean',
    curvature: deg === 2 ? beta[2] * nMin * nMin : NaN,
    curvatureStderr: deg === 2 && !exact ? Math.sqrt(Math.max(cov[2][2], 0)) * nMin * nMin : NaN,
  };
}

/** Gauss–Jordan inverse of a small symmetric positive-definite matrix. */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((r) => r.slice(n));
}
