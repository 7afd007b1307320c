/**
 * The conditional estimators of G and H (sampling/network/conditional.rs, docs/theory/ensembles.md §2.1).
 * Their ingredients are checked exactly against an explicit parameter-space reference in
 * crates/core/tests/network_reference.rs, and the twins agree in test/twins/parity.test.ts. Here:
 * 1. statistically, per network, they have the means of the direct averages (unbiased), with far
 *    smaller spread;
 * 2. at the CI budget, G1 and H1 from compare() agree with theory() within 4σ, and deliberately wrong
 *    values are rejected — which the direct estimators at the same budget could not do.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { init, theory, ensemble, compare, type NetworkSpec, type EnsembleResult, type CompareResult } from '../ts/node.js';
import { NQ, Q } from '../ts/twin/sampling/network/mod.js';
import { activation, jsValues, wasmValues } from './fixtures/network.js';
import { packConfig } from '../ts/twin/sampling/network/config.js';

beforeAll(async () => {
  await init();
});

describe('per network: the conditional values have the means of the direct ones', () => {
  test('tanh and gelu, depth 4, width 6: every layer, paired differences within 4σ, yet E[z²] − K resolved; smaller spread at the top', () => {
    for (const name of ['tanh', 'gelu'] as const) {
      const act = activation(name, {});
      const L = 4;
      const c = packConfig({
        widths: [4, 6, 6, 6, 4], Cb: [0.1, 0.1, 0.1, 0.1], CW: [1.5, 1.5, 1.5, 1.5], lambdaB: [0.5, 0.5, 0.5, 0.5], lambdaW: [1.5, 1.5, 1.5, 1.5],
        kind: act.kind, a: act.a, order: 1, seed: 31, neurons: [6, 6, 6, 4], x: [1, -1, 0.5, 1.2],
      });
      const N = 20000;
      // pairs (estimator, the direct average it must agree with in mean)
      const pairs = [['zzc', 'zz'], ['g2', 'zzc'], ['gcv', 'zzc'], ['hc1', 'h'], ['h2', 'hc1'], ['hcv', 'hc1']] as const;
      const s1 = new Float64Array(L * pairs.length), s2 = new Float64Array(L * pairs.length);
      const v1 = new Float64Array(L * 4), v2 = new Float64Array(L * 4); // sums for the spreads of zzc, gcv, h, hcv
      for (let i = 0; i < N; i++) {
        const v = wasmValues(c, i, 1);
        for (let l = 0; l < L; l++) {
          pairs.forEach(([a, b], j) => {
            const d = v[l * NQ + Q[a]] - v[l * NQ + Q[b]];
            s1[l * pairs.length + j] += d;
            s2[l * pairs.length + j] += d * d;
          });
          (['zzc', 'gcv', 'h', 'hcv'] as const).forEach((k, j) => {
            v1[l * 4 + j] += v[l * NQ + Q[k]];
            v2[l * 4 + j] += v[l * NQ + Q[k]] ** 2;
          });
        }
      }
      const sd = (s: number, ss: number) => Math.sqrt(Math.max(ss / N - (s / N) ** 2, 0));
      for (let l = 1; l < L; l++) {
        pairs.forEach(([a, b], j) => {
          const m = s1[l * pairs.length + j] / N;
          const se = sd(s1[l * pairs.length + j], s2[l * pairs.length + j]) / Math.sqrt(N);
          expect(Math.abs(m), `${name} layer ${l + 1}: ${a} − ${b} = ${m} ± ${se}`).toBeLessThan(4 * se + 1e-13);
        });
      }
      // Power: E[z_a²] differs from the infinite-width K⁽ℓ⁾ by G¹/n + O(1/n²), and the mean of gcv resolves
      // that shift: the wrong value K (no finite-width correction) is rejected.
      const th = theory({ activation: name, depth: 4, widths: [4, 6, 6, 6], outputWidth: 4, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.5, input: { x: [1, -1, 0.5, 1.2] } });
      for (const l of [2, 3]) {
        const m = th.layers[l].K - v1[l * 4 + 1] / N;
        const se = sd(v1[l * 4 + 1], v2[l * 4 + 1]) / Math.sqrt(N);
        const seDirect = sd(v1[l * 4], v2[l * 4]) / Math.sqrt(N);
        expect(Math.abs(m), `${name} layer ${l + 1}: K − gcv = ${m} ± ${se} (zzc: ± ${seDirect}; G¹/n = ${th.layers[l].G1 / 6})`).toBeGreaterThan(4 * se);
      }
      // the reason for all this: at the top layer the spread of gcv and hcv is far below that of zzc and h
      const top = (L - 1) * 4;
      const ratio = (j: number) => sd(v1[top + j], v2[top + j]);
      expect(ratio(1) * 5, `${name} spread of gcv ${ratio(1)} vs zzc ${ratio(0)}`).toBeLessThan(ratio(0));
      expect(ratio(3) * 5, `${name} spread of hcv ${ratio(3)} vs h ${ratio(2)}`).toBeLessThan(ratio(2));
    }
  }, 120_000);
});

describe('degenerate networks', () => {
  test('relu with C_b = 0 and a dead layer (X_m = 0): every value finite (Z_m = 0, not 0/0), js and wasm alike', () => {
    const act = activation('relu', {});
    const c = {
      widths: [2, 2, 2, 2, 2], Cb: [0, 0, 0, 0], CW: [1, 1, 1, 1], lambdaB: [0, 0.5, 0.5, 0.5], lambdaW: [1, 1, 1, 1],
      kind: act.kind, a: act.a, order: 1, seed: 1, neurons: [2, 2, 2, 2], x: [1, 1],
    };
    let dead = 0;
    for (let i = 0; i < 60; i++) {
      const js = jsValues(c, i, 1), wasm = wasmValues(c, i, 1);
      expect(js.every(Number.isFinite) && wasm.every(Number.isFinite), `network ${i}`).toBe(true);
      expect(wasm).toEqual(js);
      if (js[1 * NQ + Q.zzc] === 0 || js[2 * NQ + Q.zzc] === 0) dead++;
    }
    expect(dead).toBeGreaterThan(10); // the case is actually exercised
  });
});

/** The same ensembles through the previous estimators (G = E[z_a² | below], H = mean over k neurons of Ĥ_aa). */
const direct = (ens: EnsembleResult[]) => ens.map((e) => ({ ...e, layers: e.layers.map((l) => ({ ...l, G: l.Gdirect, H: l.Hdirect })) }));

const base = (activation: string, CW: number, depth: number): NetworkSpec => ({ activation, depth, inputWidth: 4, outputWidth: 4, Cb: 0.1, CW, lambdaB: 0.5, lambdaW: 1.5, input: { x2: 1 } });

async function run(spec: NetworkSpec, widths: number[], samples: number, seed: number) {
  const ens = [];
  for (const w of widths) ens.push(await ensemble({ ...spec, width: w }, { samples, seed: seed + w, order: 'ntk', workers: 2 }));
  return ens;
}

/** compare() of G1, H1 at `layer` with the theory values replaced by `wrong` (where given). */
function rows(spec: NetworkSpec, ens: EnsembleResult[], fit: 'linear' | 'quadratic', layer: number, wrong: Partial<Record<'G1' | 'H1', number>> = {}) {
  const th = theory({ ...spec, width: 16 });
  for (const [k, v] of Object.entries(wrong)) (th.layers[layer - 1] as unknown as Record<string, number>)[k] = v;
  const pick = (r: CompareResult) => Object.fromEntries(r.rows.filter((x) => x.layer === layer && (x.quantity === 'G1' || x.quantity === 'H1')).map((x) => [x.quantity, x]));
  return { now: pick(compare(th, ens, { fit })), before: pick(compare(th, direct(ens), { fit })) };
}

describe('G1 and H1 from ensembles at the CI budget: agree with theory within 4σ, wrong values rejected', () => {
  test('gelu, depth 3, widths 16–128 (quadratic fit), 3000 networks each', async () => {
    const spec = base('gelu', 1.6, 3);
    const ens = await run(spec, [16, 32, 64, 128], 3000, 900);
    const ok = rows(spec, ens, 'quadratic', 3);
    for (const q of ['G1', 'H1'] as const) {
      const r = ok.now[q];
      expect(Math.abs(r.z), `${q}: theory ${r.theory}, ensembles ${r.extrapolated} ± ${r.stderr}`).toBeLessThan(4);
      expect(r.theory).toBeGreaterThan(0.1); // a real finite-width shift, not a null
    }
    // Deliberately wrong: G1 30 % low, and H1 = 0 (no finite-width correction of Θ).
    const wrong = { G1: 0.7 * ok.now.G1.theory, H1: 0 };
    const bad = rows(spec, ens, 'quadratic', 3, wrong);
    for (const q of ['G1', 'H1'] as const) {
      expect(Math.abs(bad.now[q].z), `${q} = ${wrong[q]} must be rejected`).toBeGreaterThan(4);
      // ...which the direct estimators on the same networks could not do
      expect(Math.abs(bad.before[q].z), `${q}: the direct estimator is too noisy to reject ${wrong[q]}`).toBeLessThan(4);
      expect(bad.before[q].stderr).toBeGreaterThan(10 * bad.now[q].stderr);
    }
  }, 240_000);

  test('tanh, depth 3, widths 16–64 (linear fit), 2000 networks each: G1 = −0.045 is resolved, G1 = 0 rejected', async () => {
    const spec = base('tanh', 1.5, 3);
    const ens = await run(spec, [16, 32, 64], 2000, 1900);
    const ok = rows(spec, ens, 'linear', 3);
    expect(Math.abs(ok.now.G1.z)).toBeLessThan(4);
    expect(Math.abs(ok.now.H1.z)).toBeLessThan(4);
    const bad = rows(spec, ens, 'linear', 3, { G1: 0 });
    expect(Math.abs(bad.now.G1.z)).toBeGreaterThan(4);
    expect(Math.abs(bad.before.G1.z)).toBeLessThan(4);
  }, 240_000);

  test('relu, depth 3: G1 = H1 = 0 exactly, the estimators are constant per network (exact rows), and G1 = 0.01 is rejected', async () => {
    const spec = base('relu', 1.8, 3);
    const ens = await run(spec, [16, 32], 300, 2900);
    for (const layer of [2, 3]) {
      const ok = rows(spec, ens, 'linear', layer);
      for (const q of ['G1', 'H1'] as const) {
        expect(ok.now[q].exact, `relu layer ${layer} ${q}`).toBe(true);
        expect(ok.now[q].z).toBe(0);
      }
      const bad = rows(spec, ens, 'linear', layer, { G1: 0.01, H1: -0.01 });
      expect(Math.abs(bad.now.G1.z)).toBe(Infinity);
      expect(Math.abs(bad.now.H1.z)).toBe(Infinity);
    }
  }, 120_000);
});
