/**
 * compare()'s extrapolation in 1/n and its default fit 'auto' (quadratic with ≥ 4 widths, linear with 2–3 plus
 * warnings), on synthetic points X(n) = X∞ + c/n + d/n² with Gaussian noise of known σ (fixed seeds), and the
 * χ² tail it uses for the warnings against closed forms. Why 'auto' does not choose the linear fit from the data
 * when ≥ 4 widths exist is tested here too: a rule that keeps it where d is insignificant is biased
 * (docs/theory/ensembles.md §4; bench/validation-multi-refit.md shows it on real ensembles).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as wf from '../ts/node.js';
import { autoFit, checkFit, extrapolate, linearRisk, riskWarning, type ComparePoint } from '../ts/api/compare.js';
import { chi2Tail, lnGamma } from '../ts/stats/chi2.js';
import { Rng } from '../ts/twin/numerics/rng.js';

beforeAll(async () => {
  await wf.init();
});

/** One synthetic data set: X(n) = X∞ + c/n + d/n² + N(0, σ(n)²) at the given widths. */
function points(rng: Rng, widths: number[], X: number, c: number, d: number, sigma: (n: number) => number): ComparePoint[] {
  return widths.map((n) => ({ n, value: X + c / n + d / (n * n) + sigma(n) * rng.normal(), stderr: sigma(n) }));
}

describe('χ² tail probabilities', () => {
  test('against closed forms: k = 1 (erfc), k = 2, 4, 10 (Poisson sums); ln Γ against log factorials', () => {
    const poisson = (x: number, m: number) => {
      let term = Math.exp(-x / 2);
      let s = term;
      for (let j = 1; j < m; j++) {
        term *= x / 2 / j;
        s += term;
      }
      return s;
    };
    for (const x of [0.01, 0.3, 1, 2.5, 4, 7.9, 15, 40, 120]) {
      expect(Math.abs(chi2Tail(x, 2) / Math.exp(-x / 2) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(chi2Tail(x, 4) / poisson(x, 2) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(chi2Tail(x, 10) / poisson(x, 5) - 1)).toBeLessThan(1e-12);
    }
    // k = 1: P(χ²₁ > x) = P(|Z| > √x); tabulated two-sided normal tails
    expect(chi2Tail(1, 1)).toBeCloseTo(0.3173105078629141, 12);
    expect(chi2Tail(4, 1)).toBeCloseTo(0.04550026389635842, 12);
    expect(chi2Tail(9, 1)).toBeCloseTo(0.0026997960632601866, 13);
    let lf = 0;
    for (let n = 1; n <= 30; n++) {
      expect(Math.abs(lnGamma(n) - lf)).toBeLessThan(1e-12 * Math.max(1, lf));
      lf += Math.log(n);
    }
    expect(chi2Tail(0, 3)).toBe(1);
    expect(chi2Tail(5, 0)).toBeNaN();
  });
});

describe("the 1/n fit: 'auto' is quadratic with ≥ 4 widths, linear with 2–3", () => {
  const W4 = [8, 12, 16, 24];
  const W6 = [8, 12, 16, 24, 32, 48];
  const sigma = (n: number) => 0.01 * Math.sqrt(n / 8); // n·(E − K)-type estimates: σ grows like √n at a fixed budget

  test('the rule and the option check', () => {
    expect(autoFit(2)).toBe('linear');
    expect(autoFit(3)).toBe('linear');
    expect(autoFit(4)).toBe('quadratic');
    expect(checkFit(undefined)).toBe('auto');
    expect(() => checkFit('cubic')).toThrow(wf.InvalidParameterError);
    expect(() => checkFit('cubic')).toThrow(/'auto', 'linear' or 'quadratic'/);
  });

  test('noise-free data: each fit recovers its own model exactly, with d ± σ_d for the quadratic one', () => {
    const p = W6.map((n) => ({ n, value: 1.5 - 2 / n + 7 / (n * n), stderr: 0.01 }));
    const q = extrapolate(p, 'quadratic');
    expect(q.fit).toBe('quadratic');
    expect(Math.abs(q.value - 1.5)).toBeLessThan(1e-12);
    expect(Math.abs(q.slope + 2)).toBeLessThan(1e-10);
    expect(Math.abs(q.curvature - 7)).toBeLessThan(1e-8);
    expect(q.curvatureStderr).toBeGreaterThan(0);
    expect(q.dof).toBe(3);
    const l = extrapolate(p.map((x) => ({ ...x, value: 1.5 - 2 / x.n })), 'linear');
    expect(l.fit).toBe('linear');
    expect(Math.abs(l.value - 1.5)).toBeLessThan(1e-12);
    expect(l.curvature).toBeNaN();
    expect(extrapolate([{ n: 8, value: 2, stderr: 0.1 }, { n: 8, value: 4, stderr: 0.1 }]).fit).toBe('mean');
  });

  // Many replicas with one seed: coverage statements, not one lucky draw. With M = 4000 the fraction beyond 3σ of
  // an unbiased fit is 0.27 % ± 0.08 %.
  const M = 4000;
  const replicas = (widths: number[], d: number, seed: number) => {
    const rng = new Rng(seed, 0);
    return Array.from({ length: M }, () => points(rng, widths, 0.8, -1.2, d, sigma));
  };
  const beyond = (zs: number[], k: number) => zs.filter((z) => Math.abs(z) > k).length / zs.length;

  test('d = 0, 4 widths: the quadratic fit of auto is unbiased (|z| within 4σ, 3σ-coverage as Gaussian)', () => {
    const zq = replicas(W4, 0, 11).map((p) => {
      const f = extrapolate(p, autoFit(4));
      expect(f.fit).toBe('quadratic');
      return (f.value - 0.8) / f.stderr;
    });
    expect(Math.max(...zq.map(Math.abs))).toBeLessThan(4.5);
    expect(beyond(zq, 3)).toBeLessThan(0.006);
    // mean z within 4 standard errors of 0
    expect(Math.abs(zq.reduce((s, z) => s + z, 0) / M)).toBeLessThan(4 / Math.sqrt(M));
  });

  test('d = 0, 2 and 3 widths: auto is linear (the smaller error) and recovers X∞ within 4σ', () => {
    const rng = new Rng(12, 0);
    for (const W of [[8, 16], [8, 12, 24]]) {
      for (let i = 0; i < 200; i++) {
        const p = points(rng, W, 0.8, -1.2, 0, sigma);
        const f = extrapolate(p, autoFit(W.length));
        expect(f.fit).toBe('linear');
        expect(Math.abs((f.value - 0.8) / f.stderr)).toBeLessThan(4.5);
      }
    }
  });

  test('large d (the 1/n² term at n = 8 is 40σ): auto (quadratic) within 4σ, the linear fit rejected', () => {
    const d = 40 * sigma(8) * 64; // d/n² = 40 σ at n = 8
    const reps = replicas(W6, d, 13);
    const zq = reps.map((p) => (extrapolate(p, autoFit(6)).value - 0.8) / extrapolate(p, autoFit(6)).stderr);
    const zl = reps.map((p) => {
      const f = extrapolate(p, 'linear');
      return (f.value - 0.8) / f.stderr;
    });
    expect(Math.max(...zq.map(Math.abs))).toBeLessThan(4.5);
    expect(beyond(zq, 3)).toBeLessThan(0.006);
    // sensitivity: the linear fit is biased far beyond its error in every replica, and its χ² says so
    expect(Math.min(...zl.map(Math.abs))).toBeGreaterThan(4);
    const chiPoor = reps.filter((p) => chi2Tail(extrapolate(p, 'linear').chi2dof * 4, 4) < 0.05).length / M;
    expect(chiPoor).toBeGreaterThan(0.9); // measured 0.968
  });

  test('moderate d: a data-driven rule (linear unless |d|/σ_d > 2) keeps a biased linear fit; auto does not', () => {
    // d such that the linear intercept is biased by ≈ 3.5σ_l while the quadratic fit sees d at only ≈ 1.3σ_d —
    // the situation of bench/validation-multi (gelu U at layer 4: z = −6.4 linear, −1.2 quadratic, d/σ_d ≈ 1.2)
    const probe = extrapolate(W4.map((n) => ({ n, value: 1 / (n * n), stderr: sigma(n) })), 'linear');
    const sl = extrapolate(W4.map((n) => ({ n, value: 0, stderr: sigma(n) })), 'linear').stderr;
    const d = (3.5 * sl) / Math.abs(probe.value);
    const reps = replicas(W4, d, 14);
    const zRule: number[] = [];
    const zAuto: number[] = [];
    let tAbs = 0;
    let keptLinear = 0;
    for (const p of reps) {
      const q = extrapolate(p, 'quadratic');
      const l = extrapolate(p, 'linear');
      const t = Math.abs(q.curvature / q.curvatureStderr);
      tAbs += t / M;
      const f = t > 2 ? q : l;
      if (f === l) keptLinear++;
      zRule.push((f.value - 0.8) / f.stderr);
      zAuto.push((q.value - 0.8) / q.stderr);
    }
    expect(tAbs).toBeLessThan(2); // the 1/n² term is not significant on average …
    expect(keptLinear / M).toBeGreaterThan(0.6); // … so the rule keeps the linear fit most of the time …
    expect(beyond(zRule, 3)).toBeGreaterThan(0.3); // … and a third or more of its z-scores are beyond 3σ
    expect(beyond(zAuto, 3)).toBeLessThan(0.006); // auto: Gaussian coverage
  });

  test('the identity the argument rests on: a_lin − a_quad = β·d with variance σ_q² − σ_l² (nested weighted fits)', () => {
    const rng = new Rng(15, 0);
    const p = points(rng, W6, 0.8, -1.2, 3, sigma);
    const l = extrapolate(p, 'linear');
    const q = extrapolate(p, 'quadratic');
    const beta = extrapolate(p.map((x) => ({ ...x, value: 1 / (x.n * x.n) })), 'linear').value;
    expect(Math.abs(l.value - q.value - beta * q.curvature)).toBeLessThan(1e-12);
    expect(Math.abs(Math.abs(beta) * q.curvatureStderr - Math.sqrt(q.stderr ** 2 - l.stderr ** 2))).toBeLessThan(1e-12);
  });

  test('warnings with 2–3 widths: a poor linear χ² (3 widths) and a large estimated O(1/n²) bias; none for wide, precise-enough data', () => {
    const rng = new Rng(16, 0);
    // 3 widths, strong curvature: χ² fires
    const p3 = points(rng, [8, 12, 24], 0.8, -1.2, 40 * sigma(8) * 64, sigma);
    const f3 = extrapolate(p3, 'linear');
    const r3 = linearRisk(p3, f3, 3);
    expect(r3.poorChi2).toBe(true);
    const w = riskWarning([{ label: 'V at layer 3', ...r3 }], 13, 3);
    expect(w.join(' ')).toMatch(/χ² p < 0.05.*V at layer 3.*≥ 4 widths/);
    // 2 widths at n = 8, 16 with a large slope: ℓ|c|·|β| is many σ
    const p2 = points(rng, [8, 16], 0.8, -30, 0, sigma);
    const r2 = linearRisk(p2, extrapolate(p2, 'linear'), 4);
    expect(r2.biasEstimate).toBeGreaterThan(1);
    expect(riskWarning([{ label: 'A at layer 4', ...r2 }], 13, 2).join(' ')).toMatch(/only 2 widths.*A at layer 4: ~\d+\.\dσ/);
    // wide widths, modest slope: the estimate is below σ, and no warning
    const pw = points(rng, [256, 512], 0.8, -1.2, 0, sigma);
    const rw = linearRisk(pw, extrapolate(pw, 'linear'), 3);
    expect(rw.biasEstimate).toBeLessThan(1);
    expect(riskWarning([], 13, 2)).toEqual([]);
  });
});

describe('compare() end to end: rows report their fit', () => {
  const spec = (width: number) => ({ activation: 'tanh', depth: 2, inputWidth: 3, width, outputWidth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.2, input: { x2: 1 } }) as const;
  test("4 widths: 'auto' fits quadratically (layer 1: the mean of one width), equals fit: 'quadratic'; 2 widths: linear", async () => {
    const ens: wf.EnsembleResult[] = [];
    for (const w of [6, 8, 12, 16]) ens.push(await wf.ensemble(spec(w), { samples: 600, seed: w, order: 'ntk' }));
    const th = wf.theory(spec(6));
    const auto = wf.compare(th, ens);
    const quad = wf.compare(th, ens, { fit: 'quadratic' });
    expect(auto.rows.filter((r) => r.layer === 1).every((r) => r.fit === 'mean')).toBe(true);
    const l2 = auto.rows.filter((r) => r.layer === 2);
    expect(l2.length).toBeGreaterThan(2);
    for (const r of l2) {
      expect(r.fit).toBe('quadratic');
      const q = quad.rows.find((x) => x.layer === 2 && x.quantity === r.quantity)!;
      expect(r.extrapolated).toBe(q.extrapolated);
      expect(r.stderr).toBe(q.stderr);
      if (!r.exact) expect(r.curvatureStderr).toBeGreaterThan(0);
    }
    const lin = wf.compare(th, ens, { fit: 'linear' });
    expect(lin.rows.filter((r) => r.layer === 2).every((r) => r.fit === 'linear')).toBe(true);
    const two = wf.compare(th, ens.slice(0, 2));
    expect(two.rows.filter((r) => r.layer === 2).every((r) => r.fit === 'linear')).toBe(true);
    expect(() => wf.compare(th, ens, { fit: 'cubic' as 'linear' })).toThrow(/fit must be 'auto', 'linear' or 'quadratic'|'auto', 'linear' or 'quadratic'/);
  });
});
