import { beforeAll, describe, expect, test } from 'vitest';
import { init, theory, InvalidParameterError, type NetworkSpec } from '../ts/node.js';
import { STAT_KEYS } from '../ts/twin/theory/recursion.js';

beforeAll(async () => {
  await init();
});

const base = (over: Partial<NetworkSpec>): NetworkSpec => ({
  activation: 'tanh',
  depth: 6,
  width: 32,
  inputWidth: 8,
  Cb: 0,
  CW: 1,
  lambdaB: 1,
  lambdaW: 1,
  input: { x2: 1 },
  ...over,
});

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('closed forms', () => {
  test('deep linear net (C_b = 0): K = C_W^ℓ x², V = 2(ℓ−1)K², G1 = P = R = U = 0', () => {
    const CW = 1.3;
    const r = theory(base({ activation: 'linear', CW, lambdaB: 0.4, lambdaW: 0.7, input: { x2: 0.8 } }));
    r.layers.forEach((l, i) => {
      const ell = i + 1;
      const K = CW ** ell * 0.8;
      expect(rel(l.K, K)).toBeLessThan(1e-13);
      if (ell === 1) expect(l.V).toBe(0);
      else expect(rel(l.V, 2 * (ell - 1) * K * K)).toBeLessThan(1e-12);
      for (const z of [l.G1, l.P, l.R, l.U]) expect(Math.abs(z)).toBeLessThan(1e-12 * K * K);
      expect(l.chiParallel).toBeCloseTo(CW, 13);
      expect(l.chiPerp).toBeCloseTo(CW, 13);
    });
  });

  test('deep linear net: Θ and B follow Θ′ = λ_b + λ_W K + C_W Θ and B′ = C_W²Θ² + C_W² B', () => {
    const [CW, lb, lw, x2] = [0.9, 0.3, 1.7, 1.1];
    const r = theory(base({ activation: 'linear', CW, lambdaB: lb, lambdaW: lw, input: { x2 } }));
    let K = CW * x2;
    let Th = lb + lw * x2;
    let B = 0;
    for (const l of r.layers) {
      expect(rel(l.Theta, Th)).toBeLessThan(1e-13);
      if (l.layer > 1) expect(rel(l.B, B)).toBeLessThan(1e-12);
      B = CW * CW * Th * Th + CW * CW * B;
      Th = lb + lw * K + CW * Th;
      K = CW * K;
    }
  });

  test('relu at criticality (C_W = 2, C_b = 0): K is constant and V = 5(ℓ−1)K² (PDLT §5.4, arc-cosine moments)', () => {
    const r = theory(base({ activation: 'relu', CW: 2, depth: 10, input: { x2: 1.5 } }));
    const K = 3;
    r.layers.forEach((l, i) => {
      expect(rel(l.K, K)).toBeLessThan(1e-13);
      if (i > 0) expect(rel(l.V, 5 * i * K * K)).toBeLessThan(1e-12);
      expect(l.chiParallel).toBeCloseTo(1, 13);
      expect(l.chiPerp).toBeCloseTo(1, 13);
      // σ″ = σ‴ = 0 pointwise, so the dNTK/ddNTK tensors that need them vanish, and G1 = H1 = 0.
      for (const z of [l.P, l.R, l.U, l.G1, l.H1]) expect(Math.abs(z)).toBeLessThan(1e-11 * (1 + l.Theta ** 3));
    });
  });

  test('relu: Θ grows by λ_b + λ_W K/2 per layer and B, F follow their closed recursions (⟨σ′⁴⟩ = 1/2, ⟨σ²σ′²⟩ = K/2)', () => {
    const [lb, lw] = [0.5, 1.5];
    const r = theory(base({ activation: 'relu', CW: 2, lambdaB: lb, lambdaW: lw, depth: 8, input: { x2: 1 } }));
    const K = 2;
    let Th = lb + lw;
    let B = 0;
    let F = 0;
    for (const l of r.layers) {
      expect(rel(l.Theta, Th)).toBeLessThan(1e-13);
      if (l.layer > 1) {
        expect(rel(l.B, B)).toBeLessThan(1e-12);
        expect(rel(l.F, F)).toBeLessThan(1e-12);
      }
      B = 4 * Th * Th * 0.5 + B;
      F = 4 * Th * (K / 2) + F;
      Th = lb + lw * K / 2 + Th;
    }
  });

  test('layer 2 sources: A⁽²⁾ = Var(λ_Wσ² + C_WΘσ′²) for relu in closed form', () => {
    const [CW, lw, lb, x2] = [1.8, 1.5, 0.5, 1];
    const r = theory(base({ activation: 'relu', CW, lambdaB: lb, lambdaW: lw, Cb: 0.1, input: { x2 } }));
    const K = 0.1 + CW * x2;
    const Th = lb + lw * x2;
    // ⟨σ²⟩ = K/2, ⟨σ⁴⟩ = 3K²/2, ⟨σ′²⟩ = ⟨σ′⁴⟩ = 1/2, ⟨σ²σ′²⟩ = K/2
    const yMean = (lw * K) / 2 + (CW * Th) / 2;
    const ySq = (lw * lw * 3 * K * K) / 2 + 2 * lw * CW * Th * (K / 2) + (CW * CW * Th * Th) / 2;
    expect(rel(r.layers[1].A, ySq - yMean * yMean)).toBeLessThan(1e-12);
    expect(rel(r.layers[1].V, CW * CW * ((3 * K * K) / 2 - (K * K) / 4))).toBeLessThan(1e-12);
  });

  test('tanh at criticality: V/(nK²) grows with depth (PDLT §5.4)', () => {
    const r = theory(base({ activation: 'tanh', depth: 20 }));
    const v = r.layers.map((l) => l.V / (l.K * l.K));
    for (let i = 3; i < v.length; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
  });
});

describe('accuracy', () => {
  // Every quantity at the default degree against degree 1000 (the quadrature converges
  // exponentially, so the high-degree result is a reference to ~1e-14, see test/quadrature.test.ts),
  // over a deep net whose K sweeps a wide range, for every builtin activation.
  const acts: NetworkSpec['activation'][] = ['tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'swish', 'sin', 'relu', { name: 'leaky_relu', slope: 0.2 }, { name: 'elu', alpha: 0.8 }, { name: 'scaled_tanh', a: 2 }, { name: 'monomial', p: 3 }];
  test.each(acts.map((a) => [typeof a === 'string' ? a : a.name, a]))('%s: default degree agrees with degree 1000 to 1e-10 relative', (_n, activation) => {
    // z³ is chaotic beyond a small K (⟨z⁶⟩ = 15K³): keep it where its K stays finite.
    const cubic = (activation as { name?: string }).name === 'monomial';
    const spec = base({ activation, depth: 8, Cb: 0.2, CW: cubic ? 0.3 : 1.7, input: { x2: cubic ? 0.5 : 2 } });
    const lo = theory(spec, { backend: 'wasm' });
    const hi = theory(spec, { backend: 'wasm', degree: 1000 });
    lo.layers.forEach((l, i) => {
      for (const k of [...STAT_KEYS, 'chiParallel', 'chiPerp'] as const) {
        const ref = hi.layers[i][k];
        // Relative to the quantity; quantities that vanish identically (relu's G1, P, R, U) are
        // compared to 1e-4 of their layer's natural scale max(1, K², Θ³), i.e. to ~1e-14 absolute.
        const { K, Theta } = hi.layers[i];
        const scale = Math.max(Math.abs(ref), 1e-4 * Math.max(1, K * K, Math.abs(Theta) ** 3));
        expect(Math.abs(l[k] - ref) / scale, `${k} layer ${i + 1}`).toBeLessThan(1e-10);
      }
    });
  });
});

describe('edge cases', () => {
  test('σ = z³ blows up in a few layers: moments overflow before K does, and still no NaN anywhere', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const r = theory(base({ activation: { name: 'monomial', p: 3 }, CW: 0.5, Cb: 0.2, depth: 12, input: { x2: 2 } }), { backend });
      expect(r.overflowLayer).not.toBeNull();
      for (const l of r.layers) for (const k of [...STAT_KEYS, 'chiParallel', 'chiPerp'] as const) expect(Number.isNaN(l[k]), `${k} at ${l.layer}`).toBe(false);
    }
  });

  test('chaotic relu at depth 1000 (K → ∞): no NaN, overflow reported, values ±Infinity', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const r = theory(base({ activation: 'relu', CW: 3, Cb: 0.1, depth: 1000 }), { backend });
      expect(r.overflowLayer).not.toBeNull();
      expect(r.warnings.join(' ')).toMatch(/overflow/);
      for (const l of r.layers) for (const k of STAT_KEYS) expect(Number.isNaN(l[k])).toBe(false);
      expect(r.layers[999].V).toBe(Infinity);
    }
  });

  test('ordered tanh at depth 1000 (C_W = 0.5, C_b = 0: K → 0): finite, no NaN', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const r = theory(base({ activation: 'tanh', CW: 0.5, depth: 1000 }), { backend });
      for (const l of r.layers) for (const k of STAT_KEYS) expect(Number.isFinite(l[k]), `${k} at ${l.layer}`).toBe(true);
      expect(r.layers[999].K).toBeLessThan(1e-200);
    }
  });

  test('λ_b = 0, λ_W = 0, unequal widths and C_b = 0 with an odd activation all work', () => {
    const r = theory(base({ activation: 'tanh', lambdaB: 0, lambdaW: [1, 0, 1, 0, 1, 1], widths: [3, 10, 40, 20, 5, 7] }));
    for (const l of r.layers) for (const k of STAT_KEYS) expect(Number.isFinite(l[k])).toBe(true);
    const z = theory(base({ activation: 'tanh', lambdaB: 0, lambdaW: 0 }));
    for (const l of z.layers) expect(l.Theta).toBe(0);
  });

  test('the width ratio r = n_ℓ/n_{ℓ−1} scales inherited terms: doubling every hidden width after layer 2 changes V', () => {
    const eq = theory(base({ widths: [4, 16, 16, 16, 16, 16] }));
    const neq = theory(base({ widths: [4, 16, 32, 32, 32, 32] }));
    expect(neq.layers[3].V).toBeGreaterThan(eq.layers[3].V);
    expect(neq.layers[1].V).toBe(eq.layers[1].V);
  });

  test('bad input gets a typed error naming the parameter', () => {
    const bad: Array<[Partial<NetworkSpec>, RegExp]> = [
      [{ CW: -1 }, /CW must be/],
      [{ Cb: NaN }, /Cb must be/],
      [{ depth: 0 }, /depth must be/],
      [{ activation: 'nope' as never }, /activation/],
      [{ input: { x2: -1 } }, /x2/],
      [{ lambdaW: [1, 2] }, /lambdaW/],
      [{ widths: [4, 0, 3, 3, 3, 3] }, /widths\[1\]/],
    ];
    for (const [over, re] of bad) {
      expect(() => theory(base(over))).toThrow(InvalidParameterError);
      expect(() => theory(base(over))).toThrow(re);
    }
    expect(() => theory(base({}), { degree: 0 })).toThrow(/degree/);
    expect(() => theory(base({}), { backend: 'gpu' as never })).toThrow(/backend/);
  });
});
