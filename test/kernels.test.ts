import { beforeAll, describe, expect, test } from 'vitest';
import { init, kernels, theory, InvalidParameterError, type KernelsSpec } from '../ts/node.js';

beforeAll(async () => {
  await init();
});

/** Five inputs in R^6 with different norms and both signs of correlation (deterministic). */
const X = [
  [1.0, 0.5, -0.3, 0.8, 0.1, -0.6],
  [-0.2, 1.1, 0.4, 0.0, 0.7, 0.3],
  [0.9, 0.45, -0.2, 0.7, 0.15, -0.5],
  [-1.2, -0.4, 0.3, -0.9, 0.0, 0.8],
  [0.05, -0.1, 0.02, 0.0, -0.03, 0.04],
];
const N = X.length;
const n0 = X[0].length;

const base = (over: Partial<KernelsSpec> = {}): KernelsSpec => ({
  activation: 'tanh',
  depth: 4,
  Cb: 0.1,
  CW: 1.5,
  lambdaB: 0.4,
  lambdaW: 1.2,
  inputs: X,
  ...over,
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const at = (m: Float64Array, a: number, b: number) => m[a * N + b];

describe('kernels(): diagonal = single-input theory()', () => {
  for (const activation of ['tanh', 'relu', 'gelu', 'erf', 'elu', 'linear'] as const) {
    test(`${activation}: K⁽ℓ⁾_αα and Θ⁽ℓ⁾_αα equal theory()'s K and Θ for x = x_α, to 1e-12`, () => {
      const spec = base({ activation, CW: [1.2, 1.5, 0.9, 1.1], lambdaW: [1, 0.5, 1.3, 0.8] });
      const km = kernels(spec);
      X.forEach((x, a) => {
        const t = theory({ ...spec, inputs: undefined, width: 8, inputWidth: n0, input: { x } } as never);
        t.layers.forEach((l, i) => {
          expect(rel(at(km.layers[i].K, a, a), l.K)).toBeLessThan(1e-12);
          expect(rel(at(km.layers[i].Theta, a, a), l.Theta)).toBeLessThan(1e-12);
        });
      });
    });
  }
});

describe('kernels(): closed forms', () => {
  test('layer 1 is the Gram matrix: K⁽¹⁾ = C_b + C_W x_α·x_β/n₀, Θ⁽¹⁾ = λ_b + λ_W x_α·x_β/n₀', () => {
    const km = kernels(base());
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) {
        const g = X[a].reduce((s, v, i) => s + v * X[b][i], 0) / n0;
        expect(rel(at(km.layers[0].K, a, b), 0.1 + 1.5 * g)).toBeLessThan(1e-14);
        expect(rel(at(km.layers[0].Theta, a, b), 0.4 + 1.2 * g)).toBeLessThan(1e-14);
      }
    }
  });

  // Arc-cosine kernel (Cho & Saul): ⟨relu relu⟩ = √(K_αα K_ββ)(sin θ + (π−θ)cos θ)/2π, ⟨relu′relu′⟩ = (π−θ)/2π.
  test('relu: every pair follows the arc-cosine kernel to 1e-10 (both backends)', () => {
    const spec = base({ activation: 'relu', CW: 2, depth: 5 });
    for (const backend of ['wasm', 'js'] as const) {
      const km = kernels(spec, { backend });
      for (let l = 1; l < spec.depth; l++) {
        const K = km.layers[l - 1].K, T = km.layers[l - 1].Theta;
        for (let a = 0; a < N; a++) {
          for (let b = 0; b < N; b++) {
            const kab = at(K, a, b), n = Math.sqrt(at(K, a, a) * at(K, b, b));
            const c = Math.min(1, Math.max(-1, kab / n));
            const th = Math.acos(c);
            const ss = (n * (Math.sin(th) + (Math.PI - th) * c)) / (2 * Math.PI);
            const dd = (Math.PI - th) / (2 * Math.PI);
            expect(rel(at(km.layers[l].K, a, b), 0.1 + 2 * ss)).toBeLessThan(1e-10);
            expect(rel(at(km.layers[l].Theta, a, b), 0.4 + 1.2 * ss + 2 * at(T, a, b) * dd)).toBeLessThan(1e-10);
          }
        }
      }
    }
  });

  test('leaky relu (slope 0.2): ⟨σσ⟩ = aK_αβ + (1−a)²J₁, ⟨σ′σ′⟩ = a + (1−a)²(π−θ)/2π', () => {
    const a0 = 0.2;
    const spec = base({ activation: { name: 'leaky_relu', slope: a0 } as never, CW: 1.8, depth: 3 });
    const km = kernels(spec);
    for (let l = 1; l < 3; l++) {
      const K = km.layers[l - 1].K, T = km.layers[l - 1].Theta;
      for (let a = 0; a < N; a++) {
        for (let b = 0; b < N; b++) {
          const kab = at(K, a, b), n = Math.sqrt(at(K, a, a) * at(K, b, b));
          const c = Math.min(1, Math.max(-1, kab / n));
          const th = Math.acos(c);
          const j1 = (n * (Math.sin(th) + (Math.PI - th) * c)) / (2 * Math.PI);
          const ss = a0 * kab + (1 - a0) ** 2 * j1;
          const dd = a0 + ((1 - a0) ** 2 * (Math.PI - th)) / (2 * Math.PI);
          expect(rel(at(km.layers[l].K, a, b), 0.1 + 1.8 * ss)).toBeLessThan(1e-10);
          expect(rel(at(km.layers[l].Theta, a, b), 0.4 + 1.2 * ss + 1.8 * at(T, a, b) * dd)).toBeLessThan(1e-10);
        }
      }
    }
  });

  // Arcsine kernel (Williams 1997): ⟨erf erf⟩ = (2/π) asin(2K_αβ/√((1+2K_αα)(1+2K_ββ))),
  // ⟨erf′erf′⟩ = (4/π)/√((1+2K_αα)(1+2K_ββ) − 4K_αβ²). erf goes through the numerical 2-D rule.
  test('erf: the numerical 2-D rule reproduces the arcsine kernel to 1e-12 (both backends)', () => {
    const spec = base({ activation: 'erf', CW: 1.7, depth: 4 });
    for (const backend of ['wasm', 'js'] as const) {
      const km = kernels(spec, { backend });
      for (let l = 1; l < spec.depth; l++) {
        const K = km.layers[l - 1].K, T = km.layers[l - 1].Theta;
        for (let a = 0; a < N; a++) {
          for (let b = 0; b < N; b++) {
            const p = (1 + 2 * at(K, a, a)) * (1 + 2 * at(K, b, b));
            const kab = at(K, a, b);
            const ss = (2 / Math.PI) * Math.asin((2 * kab) / Math.sqrt(p));
            const dd = 4 / Math.PI / Math.sqrt(p - 4 * kab * kab);
            expect(rel(at(km.layers[l].K, a, b), 0.1 + 1.7 * ss)).toBeLessThan(1e-12);
            expect(rel(at(km.layers[l].Theta, a, b), 0.4 + 1.2 * ss + 1.7 * at(T, a, b) * dd)).toBeLessThan(1e-12);
          }
        }
      }
    }
  });

  test('linear: K⁽ℓ⁺¹⁾ = C_b + C_W K⁽ℓ⁾ and Θ⁽ℓ⁺¹⁾ = λ_b + λ_W K⁽ℓ⁾ + C_W Θ⁽ℓ⁾ entrywise', () => {
    const km = kernels(base({ activation: 'linear' }));
    for (let l = 1; l < 4; l++) {
      for (let i = 0; i < N * N; i++) {
        const k = km.layers[l - 1].K[i], t = km.layers[l - 1].Theta[i];
        expect(rel(km.layers[l].K[i], 0.1 + 1.5 * k)).toBeLessThan(1e-14);
        expect(rel(km.layers[l].Theta[i], 0.4 + 1.2 * k + 1.5 * t)).toBeLessThan(1e-14);
      }
    }
  });
});

describe('kernels(): structure and backends', () => {
  // tanh's pairs are Mehler series, which do not depend on the degree: this converges the diagonal's 1-D rule.
  test('a finer degree changes tanh entries by < 1e-12 (the default degree is converged)', () => {
    const a = kernels(base());
    const b = kernels(base(), { degree: 128 });
    a.layers.forEach((l, i) => {
      for (let k = 0; k < N * N; k++) expect(Math.abs(l.K[k] - b.layers[i].K[k])).toBeLessThan(1e-12 * Math.abs(b.layers[i].K[k]) + 1e-15);
    });
  });

  test('inputs as { data: Float64Array, n } give the same matrices as number[][]', () => {
    const a = kernels(base());
    const b = kernels(base({ inputs: { data: Float64Array.from(X.flat()), n: N } }));
    expect(b.n).toBe(N);
    a.layers.forEach((l, i) => expect(Array.from(b.layers[i].K)).toEqual(Array.from(l.K)));
  });

  test('per-layer hyperparameters: layer ℓ uses the ℓ-th entry (layer 1: C_b[0] + C_W[0] G)', () => {
    const km = kernels(base({ Cb: [0.3, 0, 0, 0], CW: [2, 1, 1, 1], depth: 4 }));
    const g = X[0].reduce((s, v) => s + v * v, 0) / n0;
    expect(rel(at(km.layers[0].K, 0, 0), 0.3 + 2 * g)).toBeLessThan(1e-15);
  });
});

describe('kernels(): edge cases', () => {
  test('a zero input with C_b = 0 (K⁽¹⁾_αα = 0) gives finite matrices whose diagonal matches theory()', () => {
    const inputs = [X[0], [0, 0, 0, 0, 0, 0], X[1]];
    for (const activation of ['tanh', 'relu', 'gelu'] as const) {
      const spec = base({ activation, Cb: 0, inputs, depth: 3 });
      for (const backend of ['wasm', 'js'] as const) {
        const km = kernels(spec, { backend });
        km.layers.forEach((l) => expect([...l.K, ...l.Theta].every(Number.isFinite)).toBe(true));
        const t = theory({ ...spec, inputs: undefined, width: 8, inputWidth: n0, input: { x: inputs[1] } } as never);
        t.layers.forEach((l, i) => expect(Math.abs(km.layers[i].K[1 * 3 + 1] - l.K)).toBeLessThanOrEqual(1e-12 * Math.abs(l.K)));
      }
    }
  });

  test('relu at C_W = 4 (K ~ 2^ℓ): finite past K = 1e154 (no K² is formed), overflow past 1e308 is a warning', () => {
    const km = kernels(base({ activation: 'relu', Cb: 0, CW: 4, depth: 1100, inputs: X.slice(0, 2) }));
    const l700 = km.layers[699];
    expect(l700.K[0]).toBeGreaterThan(1e200);
    expect([...l700.K, ...l700.Theta].every(Number.isFinite)).toBe(true);
    // The off-diagonal entry is a valid correlation at that scale, not NaN.
    const corr = l700.K[1] / Math.sqrt(l700.K[0]) / Math.sqrt(l700.K[3]);
    expect(corr).toBeGreaterThan(0);
    expect(corr).toBeLessThanOrEqual(1 + 1e-12);
    expect(km.warnings.join(' ')).toMatch(/overflow/);
  });
});

describe('kernels(): bad input is rejected with InvalidParameterError before any work', () => {
  const cases: Array<[string, Partial<KernelsSpec>, RegExp]> = [
    ['ragged rows', { inputs: [[1, 2], [3]] }, /inputs\[1\]/],
    ['a non-finite entry', { inputs: [[1, NaN], [3, 4]] }, /inputs\[0\]\[1\]/],
    ['no inputs', { inputs: [] }, /inputs/],
    ['data length not a multiple of n', { inputs: { data: new Float64Array(7), n: 2 } }, /inputs/],
    ['negative C_b', { Cb: -1 }, /Cb/],
    ['C_W = 0', { CW: 0 }, /CW/],
    ['per-layer array of the wrong length', { lambdaW: [1, 2] }, /lambdaW/],
    ['depth 0', { depth: 0 }, /depth/],
    ['unknown activation', { activation: 'nope' as never }, /activation/],
  ];
  for (const [what, over, re] of cases) {
    test(what, () => {
      expect(() => kernels(base(over))).toThrow(InvalidParameterError);
      expect(() => kernels(base(over))).toThrow(re);
    });
  }
  test('bad degree and backend', () => {
    expect(() => kernels(base(), { degree: 0 })).toThrow(InvalidParameterError);
    expect(() => kernels(base(), { degree: 2.5 })).toThrow(/degree/);
    expect(() => kernels(base(), { backend: 'gpu' as never })).toThrow(/backend/);
  });
});
