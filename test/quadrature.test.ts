/**
 * The quadrature rules of ts/twin/numerics/quadrature/ (twin of crates/core/src/numerics/quadrature/): Gauss–Hermite,
 * Gauss–Laguerre, the kink split, the elu half-line panels, the 2-D rules, and agreement with wasm.
 */
import { describe, expect, test } from 'vitest';
import { parseActivation } from '../ts/api/activation.js';
import { hermiteRule as computeHermiteRule, laguerreRule } from '../ts/twin/numerics/quadrature/rules.js';
import { quadrature, DEFAULT_DEGREE, MAX_DEGREE } from '../ts/twin/numerics/quadrature/expect.js';
import { momentIntegrands, N_MOMENTS as MOMENT_COUNT } from '../ts/twin/theory/moments.js';
import { erfc } from '../ts/api/activation.js';

const q = quadrature(DEFAULT_DEGREE);
function closed(spec: Parameters<typeof parseActivation>[0], K: number, f: (z: number, d: Float64Array) => number, qq = q): number {
  const out = new Float64Array(1);
  qq.expectMany(parseActivation(spec), K, out, (z, d, v) => {
    v[0] = f(z, d);
  });
  return out[0];
}

describe('Gauss–Hermite (probabilists’, mass 1)', () => {
  test('degree 3 and 4 equal the tabulated rules: 0, ±√3 (2/3, 1/6); ±√(3∓√6) ((3±√6)/12)', () => {
    let r = computeHermiteRule(3);
    expect(Math.abs(r.nodes[2] - Math.sqrt(3))).toBeLessThan(1e-15);
    expect(r.nodes[1]).toBe(0);
    expect(Math.abs(r.weights[1] - 2 / 3)).toBeLessThan(1e-15);
    expect(Math.abs(r.weights[0] - 1 / 6)).toBeLessThan(1e-15);
    r = computeHermiteRule(4);
    const s6 = Math.sqrt(6);
    expect(Math.abs(r.nodes[2] - Math.sqrt(3 - s6))).toBeLessThan(1e-15);
    expect(Math.abs(r.nodes[3] - Math.sqrt(3 + s6))).toBeLessThan(1e-15);
    expect(Math.abs(r.weights[2] - (3 + s6) / 12)).toBeLessThan(1e-15);
    expect(Math.abs(r.weights[3] - (3 - s6) / 12)).toBeLessThan(1e-15);
  });

  test('E X^{2k} = (2k−1)!! to 1e-14·(1+k) relative for 2k ≤ 2n − 1, n up to 1000 (k ≤ 520: beyond, the moment lives where weights underflow)', () => {
    for (const n of [1, 2, 5, 20, 100, 500, 1000]) {
      const r = computeHermiteRule(n);
      // tᵢ(k) = wᵢ xᵢ^{2k}/(2k−1)!!, updated by xᵢ²/(2k−1): Σ tᵢ(k) = 1 exactly; no overflow
      const t = r.weights.slice();
      for (let k = 1; k < Math.min(n, 521); k++) {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          t[i] *= (r.nodes[i] * r.nodes[i]) / (2 * k - 1);
          sum += t[i];
        }
        if (!(Math.abs(sum - 1) < 1e-14 * (1 + k))) throw new Error(`n ${n} k ${k}: ${sum}`);
      }
    }
  });
});

test('generalized Gauss–Laguerre α = −½, 0 integrates E tʲ = (α+1)…(α+j) for j < 2n', () => {
  for (const alpha of [-0.5, 0]) {
    for (const n of [1, 4, 16, 64]) {
      const r = laguerreRule(n, alpha);
      for (let j = 0; j < Math.min(2 * n, 40); j++) {
        let exact = 1;
        for (let i = 1; i <= j; i++) exact *= alpha + i;
        let m = 0;
        for (let i = 0; i < n; i++) m += r.weights[i] * r.nodes[i] ** j;
        expect(Math.abs(m - exact) / exact).toBeLessThan(1e-13 * (1 + j));
      }
    }
  }
});

describe('kinked activations', () => {
  test('the kink split is exact for relu and leaky relu: ⟨σ²⟩ = K/2, ⟨σ⁴⟩ = 3K²/2, ⟨σ′²(z²−K)⟩ = 0, ⟨σ⟩ = √(K/2π)', () => {
    for (const K of [1e-3, 0.37, 1, 10, 1e4]) {
      const close = (v: number, e: number) => expect(Math.abs(v - e)).toBeLessThanOrEqual(5e-15 * Math.max(Math.abs(e), K));
      close(closed('relu', K, (_z, d) => d[0] * d[0]), K / 2);
      close(closed('relu', K, (_z, d) => d[0] ** 4), 1.5 * K * K);
      close(closed('relu', K, (_z, d) => d[1] * d[1]), 0.5);
      close(closed('relu', K, (z, d) => d[1] * d[1] * (z * z - K)), 0);
      close(closed('relu', K, (_z, d) => d[0]), Math.sqrt(K / (2 * Math.PI)));
      close(closed({ name: 'leaky_relu', slope: 0.2 }, K, (_z, d) => d[0] * d[0]), (K * 1.04) / 2);
    }
  });

  test('elu: half-line panels give ⟨σ²⟩ = K/2 + α²[e^{2K}Φ(−2√K) − 2e^{K/2}Φ(−√K) + ½] to 1e-13 up to K = 100', () => {
    const alpha = 1.3;
    const phiM = (x: number) => 0.5 * erfc(x / Math.SQRT2);
    for (const K of [1e-3, 0.1, 1, 10, 30, 100]) {
      const e = K / 2 + alpha * alpha * (Math.exp(2 * K) * phiM(2 * Math.sqrt(K)) - 2 * Math.exp(K / 2) * phiM(Math.sqrt(K)) + 0.5);
      const v = closed({ name: 'elu', alpha }, K, (_z, d) => d[0] * d[0]);
      expect(Math.abs(v - e) / e).toBeLessThan(1e-13);
    }
  });

  test('2-D relu arc-cosine kernels E σ(z₁)σ(z₂), E σ′σ′ to 1e-13 (polar sectors split at the kinks)', () => {
    const relu = parseActivation('relu');
    for (const [k11, k12, k22] of [
      [1, 0.3, 2],
      [0.5, -0.4, 0.8],
      [2, 0, 1],
      [1, 0.999, 1],
      [1, -1, 1],
    ]) {
      const out = new Float64Array(2);
      q.expect2(relu, k11, k12, k22, out, (_z1, d1, _z2, d2, v) => {
        v[0] = d1[0] * d2[0];
        v[1] = d1[1] * d2[1];
      });
      const c = Math.max(-1, Math.min(1, k12 / Math.sqrt(k11 * k22)));
      const th = Math.acos(c);
      const e0 = (Math.sqrt(k11 * k22) / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * c);
      const e1 = (Math.PI - th) / (2 * Math.PI);
      expect(Math.abs(out[0] - e0)).toBeLessThan(1e-13 * Math.max(1, e0));
      expect(Math.abs(out[1] - e1)).toBeLessThan(1e-13);
    }
  });
});

describe('smooth activations', () => {
  test('closed forms to 1e-13 for K ∈ [1e-3, 10]: ⟨sin²⟩ = (1−e^{−2K})/2, ⟨erf²⟩ = (2/π)asin(2K/(1+2K)), ⟨erf′²⟩ = 4/(π√(1+4K)), z³ and linear', () => {
    for (const K of [1e-3, 0.1, 1, 3, 10]) {
      const r = (v: number, e: number) => expect(Math.abs(v - e) / Math.abs(e)).toBeLessThan(1e-13);
      r(closed('sin', K, (_z, d) => d[0] * d[0]), -Math.expm1(-2 * K) / 2);
      r(closed('erf', K, (_z, d) => d[0] * d[0]), (2 / Math.PI) * Math.asin((2 * K) / (1 + 2 * K)));
      r(closed('erf', K, (_z, d) => d[1] * d[1]), 4 / Math.PI / Math.sqrt(1 + 4 * K));
      r(closed({ name: 'monomial', p: 3 }, K, (_z, d) => d[0] ** 4), 10395 * K ** 6);
      expect(Math.abs(closed('linear', K, (z, d) => d[0] * d[0] * (z * z * (z * z - 6 * K) + 3 * K * K)))).toBeLessThan(1e-14 * K ** 3);
    }
  });

  test('2-D erf kernel E erf(z₁)erf(z₂) = (2/π)asin(2K12/√((1+2K11)(1+2K22))) to 1e-13 (trapezoid²)', () => {
    const act = parseActivation('erf');
    for (const [k11, k12, k22] of [
      [1, 0.3, 2],
      [0.5, -0.49, 0.5],
      [3, 2.9, 3],
      [0.2, 0, 4],
    ]) {
      const out = new Float64Array(1);
      q.expect2(act, k11, k12, k22, out, (_a, d1, _b, d2, v) => {
        v[0] = d1[0] * d2[0];
      });
      const e = (2 / Math.PI) * Math.asin((2 * k12) / Math.sqrt((1 + 2 * k11) * (1 + 2 * k22)));
      expect(Math.abs(out[0] - e)).toBeLessThan(1e-13 * Math.max(Math.abs(e), 0.1));
    }
  });

  test('K = 0 evaluates the integrand at z = 0', () => {
    expect(closed('tanh', 0, (_z, d) => d[1])).toBe(1);
    expect(closed('relu', 0, (_z, d) => d[1])).toBe(1);
  });
});

test(`the default degree ${DEFAULT_DEGREE} is within 1e-12 relative of degree ${MAX_DEGREE} on the whole bundle, every builtin, K ∈ [1e-3, 10]`, () => {
  const ref = quadrature(MAX_DEGREE);
  const specs = ['linear', 'relu', { name: 'leaky_relu', slope: 0.1 }, 'tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'swish', 'sin', 'elu', 'scaled_tanh', 'monomial'] as const;
  let worst = 0;
  for (const spec of specs) {
    const act = parseActivation(spec);
    for (const K of [1e-3, 0.1, 0.5, 1, 3, 10]) {
      const o = new Float64Array(MOMENT_COUNT),
        r = new Float64Array(MOMENT_COUNT),
        sc = new Float64Array(MOMENT_COUNT);
      q.expectMany(act, K, o, (z, d, v) => momentIntegrands(K, z, d, v));
      ref.expectMany(act, K, r, (z, d, v) => momentIntegrands(K, z, d, v));
      // a scale for moments that may vanish: the same integrands in absolute value (He's with + signs)
      ref.expectMany(act, K, sc, (z, d, v) => {
        momentIntegrands(K, z, d, v);
        // slots 10 and 14 hold σ²he4 and σ′²he4 (he4 normalized by K², see ts/twin/theory/moments.ts)
        const x2 = (z * z) / K;
        v[10] = d[0] * d[0] * (x2 * (x2 + 6) + 3);
        v[14] = d[1] * d[1] * (x2 * (x2 + 6) + 3);
        for (let j = 0; j < v.length; j++) v[j] = Math.abs(v[j]);
      });
      for (let j = 0; j < MOMENT_COUNT; j++) worst = Math.max(worst, Math.abs(o[j] - r[j]) / Math.max(sc[j], 1e-300));
    }
  }
  expect(worst).toBeLessThan(1e-12);
});
