/**
 * The conditional estimators of G and H with sample indices (sampling/multi/conditional.rs ↔
 * ts/twin/sampling/multi/conditional.ts, docs/theory/ensembles.md §5). Y_m is checked against an explicit
 * parameter-space reference in crates/core/tests/network_reference.rs, and wasm = js in
 * test/twins/parity.test.ts. Here:
 * 1. N = 1 reproduces the single-input conditional estimators network by network;
 * 2. per network, every conditional value has the mean of the direct one (unbiased), and the Z term of h
 *    is needed for that (dropping it is rejected);
 * 3. layer 2 (every σ) and the relu diagonal are exact: constant per network, equal to the theory;
 * 4. at the CI budget, G1 and H1 with sample indices agree with theory({ input: { X } }) within 4σ, and
 *    deliberately wrong values are rejected.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { init, theory, ensemble, compare } from '../ts/node.js';
import { wasmCore } from '../ts/api/backend.js';
import { NQ, Q } from '../ts/twin/sampling/network/mod.js';
import { ensembleMultiChunk, multiStatsLen, packMultiConfig, statOffsets, type MultiNetworkConfig } from '../ts/twin/sampling/multi/mod.js';
import { conditionalSwitches } from '../ts/twin/sampling/multi/conditional.js';
import { activation, jsValues } from './fixtures/network.js';

beforeAll(async () => {
  await init();
});

const COND = ['g2', 'gcv', 'hc1', 'h2', 'hcv'] as const;

function multiJs(c: MultiNetworkConfig, first: number, count: number): Float64Array {
  const out = new Float64Array((c.widths.length - 1) * multiStatsLen(c.inputs));
  ensembleMultiChunk(packMultiConfig(c), first, count, out);
  return out;
}

function multiWasm(c: MultiNetworkConfig, first: number, count: number): Float64Array {
  const core = wasmCore('conditional-multi test');
  const L = c.widths.length - 1;
  const len = L * multiStatsLen(c.inputs);
  const cb = core.allocF64(packMultiConfig(c));
  const ob = core.allocF64(len);
  const status = core.ensembleMultiChunk(cb, first, count, ob);
  const out = core.readF64(ob, len);
  core.free(cb);
  core.free(ob);
  if (status !== 0) throw new Error(`wf_ensemble_multi_chunk status ${status}`);
  return out;
}

// N = 3 with inputs 0, 1 at cosine ≈ 0.97 and input 2 far from both
const X3 = [[1.0, 0.2, -0.4, 0.6], [0.9, 0.45, -0.3, 0.5], [-0.3, 0.8, 0.6, -0.2]];

function cfg(name: string, widths: number[], X: number[][], order: number, seed: number, over: Partial<MultiNetworkConfig> = {}): MultiNetworkConfig {
  const act = activation(name, {});
  const L = widths.length - 1;
  return {
    widths, Cb: Array(L).fill(0.1), CW: Array(L).fill(1.5), lambdaB: Array(L).fill(0.5), lambdaW: Array(L).fill(1.2),
    kind: act.kind, a: act.a, order, seed, neurons: widths.slice(1).map((n) => Math.min(n, 3)), inputs: X.length, X: X.flat(), ...over,
  };
}

describe('N = 1 is the single-input estimator', () => {
  test('g2, gcv, hc1, h2, hcv of every layer equal the single-input values network by network (≤ 1e-9 relative; tanh, relu, gelu, depth 4)', () => {
    for (const name of ['tanh', 'relu', 'gelu']) {
      const act = activation(name, {});
      const widths = [3, 7, 6, 5, 4];
      const x = [0.9, -0.4, 1.3];
      const single = { widths, Cb: [0.1, 0.2, 0.1, 0.3], CW: [1.4, 1.6, 1.5, 1.2], lambdaB: [0.5, 0.7, 0.2, 0.4], lambdaW: [1.1, 0.9, 1.3, 1.0], kind: act.kind, a: act.a, order: 1, seed: 77, neurons: [3, 3, 3, 3], x };
      const o = statOffsets(1);
      for (const i of [0, 5, 123]) {
        const s = jsValues(single, i, 1);
        const m = multiJs({ ...single, inputs: 1, X: x }, i, 1);
        for (let l = 0; l < 4; l++) {
          for (const k of COND) {
            const a = s[l * NQ + Q[k]], b = m[l * multiStatsLen(1) + o[k]];
            expect(Math.abs(a - b), `${name} network ${i} layer ${l + 1} ${k}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(a), 1e-3));
          }
        }
      }
    }
  });
});

/** Per-network sums and sums of squares of value differences (a − b) for the named blocks, all layers. */
function pairedStats(run: (i: number) => Float64Array, c: MultiNetworkConfig, pairs: ReadonlyArray<readonly [string, string]>, networks: number) {
  const L = c.widths.length - 1;
  const len = multiStatsLen(c.inputs);
  const o = statOffsets(c.inputs) as Record<string, number>;
  const N2 = c.inputs * c.inputs;
  const s1 = new Float64Array(L * pairs.length * N2), s2 = new Float64Array(L * pairs.length * N2);
  for (let i = 0; i < networks; i++) {
    const v = run(i);
    for (let l = 0; l < L; l++) {
      pairs.forEach(([a, b], j) => {
        for (let e = 0; e < N2; e++) {
          const d = v[l * len + o[a] + e] - v[l * len + o[b] + e];
          s1[(l * pairs.length + j) * N2 + e] += d;
          s2[(l * pairs.length + j) * N2 + e] += d * d;
        }
      });
    }
  }
  const z = (l: number, j: number, e: number) => {
    const q = (l * pairs.length + j) * N2 + e;
    const m = s1[q] / networks;
    const se = Math.sqrt(Math.max(s2[q] / networks - m * m, 0) / networks);
    return { m, se, z: se > 0 ? m / se : m === 0 ? 0 : Infinity };
  };
  return z;
}

describe('per network: the conditional values have the means of the direct ones', () => {
  test('tanh, gelu, relu, depth 4, N = 3 (a pair at cosine 0.97): every layer, every pair of inputs, paired differences within 4σ', () => {
    const pairs = [['gcv', 'zz'], ['g2', 'zzc'], ['gcv', 'zzc'], ['hc1', 'h'], ['h2', 'hc1'], ['hcv', 'hc1']] as const;
    for (const name of ['tanh', 'gelu', 'relu']) {
      const c = cfg(name, [4, 6, 6, 6, 3], X3, 1, 5);
      const n = 3000;
      const z = pairedStats((i) => multiWasm(c, i, 1), c, pairs, n);
      let worst = 0;
      for (let l = 1; l < 4; l++) {
        pairs.forEach(([a, b], j) => {
          for (let e = 0; e < 9; e++) {
            const r = z(l, j, e);
            worst = Math.max(worst, Math.abs(r.z));
            expect(Math.abs(r.z), `${name} layer ${l + 1} [${Math.floor(e / 3)},${e % 3}] ${a} − ${b} = ${r.m} ± ${r.se}`).toBeLessThan(4);
          }
        });
      }
    }
  }, 120_000);

  test('the Z term of h is what makes h unbiased off the diagonal: without it, E[Y₃ − h₂] ≠ 0 (js, tanh, narrow layer 2)', () => {
    const X = [[1.0, 0.3, -0.5], [-0.6, 0.9, 0.4]];
    const c = cfg('tanh', [3, 2, 3, 2], X, 1, 11, { CW: [2.2, 2.2, 2.2], Cb: [0.05, 0.05, 0.05], neurons: [2, 3, 2] });
    const n = 2000;
    const pairs = [['h2', 'hc1']] as const;
    const run = () => pairedStats((i) => multiJs(c, i, 1), c, pairs, n);
    const good = run();
    conditionalSwitches.dropZ = true;
    let bad;
    try {
      bad = run();
    } finally {
      conditionalSwitches.dropZ = false;
    }
    let worstBad = 0;
    for (let e = 0; e < 4; e++) {
      const g = good(2, 0, e), b = bad(2, 0, e);
      expect(Math.abs(g.z), `with Z: layer 3 [${e >> 1},${e & 1}] h2 − hc1 = ${g.m} ± ${g.se}`).toBeLessThan(4);
      worstBad = Math.max(worstBad, Math.abs(b.z));
    }
    console.log(`Z test: without Z ${[0, 1, 2, 3].map((e) => bad(2, 0, e).z.toFixed(2)).join(', ')}; with Z ${[0, 1, 2, 3].map((e) => good(2, 0, e).z.toFixed(2)).join(', ')}`);
    expect(worstBad, 'without Z some component is off by > 6σ').toBeGreaterThan(6);
    // the off-diagonal one by itself: the two-dimensional Z (the split of the shared row along span(s_0, s_1))
    expect(Math.abs(bad(2, 0, 1).z), 'without Z, h2 − hc1 off the diagonal').toBeGreaterThan(5);
  }, 120_000);
});

describe('exact cases', () => {
  test('layer 2 (tanh, relu) and the relu diagonal at every layer: gcv and hcv are constant per network and equal the theory', async () => {
    for (const name of ['tanh', 'relu']) {
      const widths = [4, 6, 6, 6, 3];
      const c = cfg(name, widths, X3, 1, 3);
      const th = theory({ activation: name as 'tanh', depth: 4, widths: widths.slice(0, 4), outputWidth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.2, input: { X: X3 } });
      const o = statOffsets(3);
      const len = multiStatsLen(3);
      for (const i of [0, 1, 2, 40]) {
        const v = multiWasm(c, i, 1);
        for (let l = 1; l < 4; l++) {
          for (let e = 0; e < 9; e++) {
            const diag = e % 4 === 0;
            if (!(l === 1 || (name === 'relu' && diag))) continue;
            const K = th.layers[l].K[e], T = th.layers[l].Theta[e];
            expect(Math.abs(v[l * len + o.gcv + e] - K), `${name} layer ${l + 1} [${e}] gcv vs K`).toBeLessThanOrEqual(1e-11 * Math.abs(K) + 1e-14);
            expect(Math.abs(v[l * len + o.hcv + e] - T), `${name} layer ${l + 1} [${e}] hcv vs Θ`).toBeLessThanOrEqual(1e-11 * Math.abs(T) + 1e-14);
          }
        }
      }
    }
  });
});

describe('G1 and H1 with sample indices against theory at the CI budget', () => {
  test('tanh, depth 3, N = 2, widths 16 and 32: every G1, H1 component at layer 3 within 4σ; G1 × 0.7, H1 = 0 rejected', async () => {
    const X = [[1.0, 0.3, -0.5, 0.2], [-0.4, 0.9, 0.4, 0.6]];
    const spec = (n: number) => ({ activation: 'tanh' as const, depth: 3, widths: [4, n, n], outputWidth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.2, input: { X } });
    const th = theory(spec(16));
    const es = [];
    for (const n of [16, 32]) es.push(await ensemble(spec(n), { samples: 12000, seed: 5, neurons: 2, order: 'ntk', workers: 2 }));
    const c = compare(th, es);
    const rows = c.rows.filter((r) => r.layer === 3 && (r.quantity === 'G1' || r.quantity === 'H1'));
    expect(rows.length).toBe(6);
    for (const r of rows) expect(Math.abs(r.z), `${r.quantity}[${r.index}] theory ${r.theory} ensemble ${r.extrapolated} ± ${r.stderr}`).toBeLessThan(4);
    const zOf = (r: (typeof rows)[number], v: number) => Math.abs(r.extrapolated - v) / r.stderr;
    const g = rows.filter((r) => r.quantity === 'G1'), h = rows.filter((r) => r.quantity === 'H1');
    expect(Math.max(...g.map((r) => zOf(r, 0.7 * r.theory))), 'G1 × 0.7').toBeGreaterThan(4);
    expect(Math.max(...h.map((r) => zOf(r, 0))), 'H1 = 0').toBeGreaterThan(4);
    // the direct estimators on the same networks could not tell
    for (const r of g) console.log(`G1[${r.index}] theory ${r.theory.toFixed(4)} ensemble ${r.extrapolated.toFixed(4)} ± ${r.stderr.toFixed(4)}`);
    for (const r of h) console.log(`H1[${r.index}] theory ${r.theory.toFixed(4)} ensemble ${r.extrapolated.toFixed(4)} ± ${r.stderr.toFixed(4)}`);
  }, 120_000);
});

describe('state format', () => {
  test('states of version 1 (before gcv, hcv) are refused with a typed error naming the version', async () => {
    const { mergeEnsembles, InvalidParameterError } = await import('../ts/node.js');
    const e = await ensemble({ activation: 'tanh', depth: 2, widths: [2, 4], outputWidth: 2, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1, input: { X: [[1, 0], [0, 1]] } }, { samples: 64, seed: 1, neurons: 2, order: 'z' });
    expect(e.state.format).toBe('wideflow-ensemble-multi/2');
    const old = { ...e.state, format: 'wideflow-ensemble-multi/1' };
    expect(() => mergeEnsembles([old as never])).toThrow(InvalidParameterError);
    expect(() => mergeEnsembles([old as never])).toThrow(/version 1/);
  });
});
