import { describe, expect, test } from 'vitest';
import { ExactSum } from '../ts/stats/exactsum.js';
import { jackknife, NQ, statistics } from '../ts/stats/estimator.js';
import { extrapolate } from '../ts/api/compare.js';
import { Rng } from '../ts/twin/numerics/rng.js';
import { networkStats } from '../bindings/layout.js';

describe('ExactSum', () => {
  test('is exact and order-independent where naive summation is not', () => {
    const xs = [1e16, 1, -1e16, 1e-3, 3.5, -2.25e15, 2.25e15, 0.1, 0.2, 0.3];
    const a = new ExactSum();
    for (const x of xs) a.add(x);
    const b = new ExactSum();
    for (const x of [...xs].reverse()) b.add(x);
    // exact: 1 + 1e-3 + 3.5 + 0.1 + 0.2 + 0.3 rounded once
    expect(a.value()).toBe(b.value());
    expect(a.value()).toBe(5.101);
    expect(xs.reduce((s, x) => s + x, 0)).not.toBe(5.101);
  });

  test('merging partial sums equals summing everything (shards merge exactly)', () => {
    const rng = new Rng(3, 0);
    const xs = Array.from({ length: 5000 }, () => rng.normal() * 10 ** Math.floor(rng.uniform() * 12));
    const whole = new ExactSum();
    xs.forEach((x) => whole.add(x));
    const parts = [new ExactSum(), new ExactSum(), new ExactSum()];
    xs.forEach((x, i) => parts[(i * 7) % 3].add(x));
    const merged = new ExactSum();
    for (const p of parts.reverse()) merged.addAll(ExactSum.from(JSON.parse(JSON.stringify(p.partials))));
    expect(merged.value()).toBe(whole.value());
  });
});

describe('jackknife', () => {
  test('recovers mean and standard error of a plain mean, and removes the bias of a squared mean', () => {
    // 2000 "networks" whose zz moment is N(μ, 1): G = μ with stderr 1/√2000, and V = n(E[zzzz] − E[zz]²).
    const rng = new Rng(11, 1);
    const groups = 20;
    const sums = new Float64Array(groups * NQ);
    const counts = new Array(groups).fill(0);
    const mu = 2;
    for (let i = 0; i < 2000; i++) {
      const g = i % groups;
      const zz = mu + rng.normal();
      sums[g * NQ + networkStats.at.gcv] += zz; // G is estimated by the control-variate value (estimator.ts)
      sums[g * NQ + networkStats.at.zzc] += zz;
      sums[g * NQ + networkStats.at.zzc2] += zz * zz; // E[zzc²] − E[zzc]² = Var = 1 → V = n·1
      counts[g]++;
    }
    const est = jackknife(sums, counts, 5, ['G', 'V', 'Gdirect']);
    expect(est.Gdirect).toEqual(est.G);
    expect(Math.abs(est.G.mean - mu)).toBeLessThan(4 / Math.sqrt(2000));
    expect(est.G.stderr).toBeGreaterThan(0.7 / Math.sqrt(2000));
    expect(est.G.stderr).toBeLessThan(1.3 / Math.sqrt(2000));
    expect(Math.abs(est.V.mean - 5)).toBeLessThan(4 * est.V.stderr);
  });

  test('statistics() maps moments to coefficients with the documented factors of n', () => {
    const m = [0, 0, 3, 10, 0, 0.5, 0.25, 1, 2, 3, 4, 5, 6, 0, 2, 5, 7];
    const s = statistics(m, 10);
    expect(s.V).toBeCloseTo(10 * (5 - 4), 12);
    expect(s.A).toBeCloseTo(10 * (10 - 9), 12);
    expect(s.D).toBeCloseTo(10 * (7 - 6), 12);
    expect(s.B).toBeCloseTo(5, 12);
    expect(s.U).toBeCloseTo(60, 12);
  });
});

describe('extrapolate in 1/n', () => {
  test('recovers X∞ and the slope from exact data, with χ² = 0', () => {
    const pts = [16, 32, 64, 128].map((n) => ({ n, value: 3 + 40 / n, stderr: 0.01 }));
    const f = extrapolate(pts);
    expect(f.value).toBeCloseTo(3, 10);
    expect(f.slope).toBeCloseTo(40, 8);
    expect(f.chi2dof).toBeLessThan(1e-12);
    const q = extrapolate([16, 32, 64, 128].map((n) => ({ n, value: 3 + 40 / n + 300 / (n * n), stderr: 0.01 })), 'quadratic');
    expect(q.value).toBeCloseTo(3, 9);
  });

  test('its error bar covers the truth at the advertised rate (noisy synthetic data, 400 trials)', () => {
    const rng = new Rng(5, 2);
    let inside = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const pts = [16, 32, 64].map((n) => ({ n, value: 1 + 5 / n + 0.1 * rng.normal(), stderr: 0.1 }));
      const f = extrapolate(pts);
      if (Math.abs(f.value - 1) < 1.96 * f.stderr) inside++;
    }
    // 95 % nominal; binomial sd ≈ 1.1 %, so [0.91, 0.99] is a > 3.5σ band.
    expect(inside / trials).toBeGreaterThan(0.91);
    expect(inside / trials).toBeLessThan(0.99);
  });
});
