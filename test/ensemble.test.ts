import { beforeAll, describe, expect, test } from 'vitest';
import { init, theory, ensemble, mergeEnsembles, AbortError, InvalidParameterError, type NetworkSpec, type EnsembleResult } from '../ts/node.js';
import { ENSEMBLE_KEYS } from '../ts/stats/estimator.js';

beforeAll(async () => {
  await init();
});

const spec = (over: Partial<NetworkSpec> = {}): NetworkSpec => ({
  activation: 'tanh',
  depth: 3,
  widths: [4, 8, 8],
  outputWidth: 4,
  Cb: 0.1,
  CW: 1.5,
  lambdaB: 0.5,
  lambdaW: 1.5,
  input: { x2: 1 },
  ...over,
});

function sameStats(a: EnsembleResult, b: EnsembleResult) {
  a.layers.forEach((la, i) => {
    for (const k of ENSEMBLE_KEYS) expect(la[k], `${k} layer ${i + 1}`).toEqual(b.layers[i][k]);
  });
}

describe('determinism', () => {
  test('same seed → bit-identical statistics with 1 or 2 workers', async () => {
    const a = await ensemble(spec(), { samples: 600, seed: 9, workers: 1 });
    const b = await ensemble(spec(), { samples: 600, seed: 9, workers: 2 });
    sameStats(a, b);
    const c = await ensemble(spec(), { samples: 600, seed: 10 });
    expect(c.layers[2].V!.mean).not.toBe(a.layers[2].V!.mean);
  });

  test('three shards merged (in any order) equal the unsharded run exactly', async () => {
    const whole = await ensemble(spec(), { samples: 777, seed: 4 });
    const parts = await Promise.all([1, 2, 3].map((index) => ensemble(spec(), { samples: 777, seed: 4, shard: { index, count: 3 } })));
    const merged = mergeEnsembles([parts[2], parts[0], parts[1]]);
    expect(merged.samples).toBe(777);
    sameStats(merged, whole);
    expect(() => mergeEnsembles([parts[0], parts[1]])).toThrow(/missing shards 3/);
    expect(() => mergeEnsembles([parts[0], parts[0], parts[1], parts[2]])).toThrow(/twice/);
  });
});

describe('layer 2 is exact at any width: every coefficient agrees with theory within 4σ', () => {
  // Layer-1 preactivations are i.i.d. Gaussian and Ĥ⁽¹⁾ is deterministic, so n₁·(moment) equals the
  // recursion's source term exactly (recursions.md §4) — no extrapolation needed.
  const cases: Array<[string, NetworkSpec['activation'], number]> = [
    ['tanh', 'tanh', 1.5],
    ['relu', 'relu', 1.8],
    ['gelu', 'gelu', 1.6],
  ];
  test.each(cases)('%s, n₁ = 6, 60 000 networks', async (_name, activation, CW) => {
    const s = spec({ activation, CW, depth: 2, widths: [4, 6], outputWidth: 6 });
    const th = theory(s);
    const e = await ensemble(s, { samples: 60_000, seed: 17, neurons: 'all' });
    const l2 = e.layers[1];
    const t2 = th.layers[1];
    const expected: Record<string, number> = { G: t2.K, H: t2.Theta, V: t2.V, A: t2.A, B: t2.B, D: t2.D, F: t2.F, P: t2.P, Q: t2.Q, R: t2.R, S: t2.S, T: t2.T, U: t2.U, Qnull: 0 };
    const wrong: string[] = [];
    let sensitive = 0;
    for (const [k, v] of Object.entries(expected)) {
      const est = l2[k as keyof typeof l2] as { mean: number; stderr: number };
      const scale = Math.max(Math.abs(v), 1e-12);
      // zero-variance quantities (relu: P = R = U = 0 exactly per network) are compared to round-off.
      const ok = est.stderr > 1e-14 * scale ? Math.abs(est.mean - v) < 4 * est.stderr : Math.abs(est.mean - v) < 1e-9 * scale + 1e-12;
      if (!ok) wrong.push(`${k}: ensemble ${est.mean} ± ${est.stderr}, theory ${v}`);
      // Power: a theory value 10 % off is rejected wherever σ < 10 %/6.5 (so a 2σ fluctuation cannot hide it).
      if (est.stderr > 0 && est.stderr < Math.abs(v) / 65) {
        sensitive++;
        expect(Math.abs(est.mean - 1.1 * v), `${k} must reject a 10 % error`).toBeGreaterThan(4 * est.stderr);
      }
    }
    expect(wrong).toEqual([]);
    expect(sensitive).toBeGreaterThanOrEqual(8);
  }, 120_000);
});

describe('standard errors are honest', () => {
  test('coverage: across 60 independent ensembles, |z| < 2 about 95 % of the time for exact layer-2 quantities', async () => {
    const s = spec({ activation: 'tanh', depth: 2, widths: [3, 5], outputWidth: 5 });
    const th = theory(s).layers[1];
    let inside = 0;
    let total = 0;
    for (let seed = 100; seed < 160; seed++) {
      const e = (await ensemble(s, { samples: 400, seed, order: 'ntk', neurons: 'all' })).layers[1];
      // (the direct H: the conditional G and H are constant per network at layer 2, equal to K and Θ)
      expect(Math.abs(e.H!.mean - th.Theta)).toBeLessThan(1e-12 * th.Theta);
      expect(Math.abs(e.G!.mean - th.K)).toBeLessThan(1e-12 * th.K);
      for (const [k, v] of [['V', th.V], ['A', th.A], ['B', th.B], ['F', th.F], ['Hdirect', th.Theta]] as const) {
        total++;
        if (Math.abs(e[k]!.mean - v) < 2 * e[k]!.stderr) inside++;
      }
    }
    // 300 (correlated within an ensemble) comparisons at 95.4 % nominal: accept [0.88, 0.995].
    expect(inside / total).toBeGreaterThan(0.88);
    expect(inside / total).toBeLessThan(0.995);
  }, 120_000);
});

describe('ergonomics', () => {
  test('progress is reported and an AbortSignal cancels the run', async () => {
    const seen: number[] = [];
    await ensemble(spec(), { samples: 300, onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(300);
    const ac = new AbortController();
    const run = ensemble(spec({ widths: [4, 32, 32] }), { samples: 100_000, signal: ac.signal, onProgress: ({ done }) => done > 200 && ac.abort() });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    const ac2 = new AbortController();
    const run2 = ensemble(spec({ widths: [4, 32, 32] }), { samples: 100_000, workers: 2, signal: ac2.signal, onProgress: ({ done }) => done > 200 && ac2.abort() });
    await expect(run2).rejects.toBeInstanceOf(AbortError);
  });

  test('a custom activation runs on the js backend and matches the builtin it reimplements', async () => {
    const custom = { name: 'custom' as const, f: Math.tanh, df: (x: number) => 1 - Math.tanh(x) ** 2, d2f: (x: number) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), d3f: (x: number) => (1 - Math.tanh(x) ** 2) * (6 * Math.tanh(x) ** 2 - 2) };
    const a = await ensemble(spec({ activation: custom }), { samples: 40, seed: 3, backend: 'js' });
    const b = await ensemble(spec(), { samples: 40, seed: 3, backend: 'js' });
    for (const k of ['V', 'B', 'T'] as const) expect(a.layers[2][k]!.mean).toBeCloseTo(b.layers[2][k]!.mean, 10);
    await expect(ensemble(spec({ activation: custom }), { samples: 40, backend: 'wasm' })).rejects.toThrow(/custom activation/);
  });

  test('bad options get typed errors', async () => {
    await expect(ensemble(spec(), { samples: 1 })).rejects.toThrow(InvalidParameterError);
    await expect(ensemble(spec(), { samples: 10, seed: -1 })).rejects.toThrow(/seed/);
    await expect(ensemble(spec(), { samples: 10, workers: 0 })).rejects.toThrow(/workers/);
    await expect(ensemble(spec(), { samples: 10, neurons: 1 })).rejects.toThrow(/neurons/);
    await expect(ensemble(spec(), { samples: 10, order: 'x' as never })).rejects.toThrow(/order/);
    await expect(ensemble(spec(), { samples: 10, shard: { index: 4, count: 3 } })).rejects.toThrow(/shard/);
    await expect(ensemble(spec({ outputWidth: 1 }), { samples: 10 })).rejects.toThrow(/outputWidth/);
  });
});
