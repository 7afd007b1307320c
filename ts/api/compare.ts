/**
 * `compare(theory, ensembles)`: theory and experiment side by side.
 *
 * Ensembles at several widths are extrapolated in 1/n (n = n_{ℓ−1}) by weighted least squares,
 * X(n) = X∞ + c/n (+ d/n² with `fit: 'quadratic'`), because O(1/n²) effects are large at small
 * width and large depth (validation.md: n·E[T] exceeds T by 38–70 % at n = 16) — a single width is
 * not a test. G and H are first turned into their 1/n coefficients, G1 ≈ n(E[z²] − K) and
 * H1 ≈ n(E[Ĥ] − Θ).
 */
import { InvalidParameterError } from './errors.js';
import type { EnsembleResult } from './ensemble.js';
import type { TheoryResult } from './theory.js';

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
  points: ComparePoint[];
}

export interface CompareOptions {
  /** 'linear' (default): X∞ + c/n; 'quadratic': X∞ + c/n + d/n² (needs ≥ 4 widths). */
  fit?: 'linear' | 'quadratic';
}

export interface CompareResult {
  rows: CompareRow[];
  /** max |z| over all rows with a finite z. */
  maxAbsZ: number;
}

/**
 * Extrapolates `ensembles` (same spec up to the widths) in 1/n and compares with `theory`.
 * Quantities an ensemble did not measure (its `order`) are skipped.
 */
export function compare(theory: TheoryResult, ensembles: readonly EnsembleResult[], options: CompareOptions = {}): CompareResult {
  const fit = options.fit ?? 'linear';
  if (fit !== 'linear' && fit !== 'quadratic') throw new InvalidParameterError('fit', fit, "'linear' or 'quadratic'");
  if (!Array.isArray(ensembles) || ensembles.length === 0) throw new InvalidParameterError('ensembles', ensembles, 'a non-empty array of ensemble results');
  const L = theory.layers.length;
  ensembles.forEach((e, i) => {
    if (!e || !Array.isArray(e.layers) || e.layers.length !== L) {
      throw new InvalidParameterError(`ensembles[${i}]`, e?.layers?.length, `an ensemble of the theory's depth ${L}`);
    }
  });
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
      const f = extrapolate(points, fit);
      const theoryValue = th[q];
      // Deterministic quantities (layer 1's NTK) have zero error; agreement there is up to round-off.
      const diff = f.value - theoryValue;
      const z = f.stderr > 0 ? diff / f.stderr : Math.abs(diff) <= 1e-9 * Math.max(1, Math.abs(theoryValue)) ? 0 : Math.sign(diff) * Infinity;
      rows.push({ layer: l + 1, quantity: q, theory: theoryValue, extrapolated: f.value, stderr: f.stderr, z, slope: f.slope, chi2dof: f.chi2dof, points });
    }
  }
  const finite = rows.map((r) => Math.abs(r.z)).filter(Number.isFinite);
  return { rows, maxAbsZ: finite.length ? Math.max(...finite) : NaN };
}

/**
 * Weighted least squares of value(n) on powers of 1/n; returns the intercept, its standard error
 * from the weights (the points are independent ensembles), the 1/n slope and χ²/dof.
 * Points with zero error (exact quantities, e.g. layer 1) are given the smallest positive error
 * among the points so that the fit stays defined.
 */
export function extrapolate(points: readonly ComparePoint[], fit: 'linear' | 'quadratic' = 'linear'): { value: number; stderr: number; slope: number; chi2dof: number } {
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
    chi2dof: dof > 0 ? chi2 / dof : NaN,
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
