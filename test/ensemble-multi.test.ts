/**
 * Ensembles on N inputs (ts/api/ensemble-multi.ts, kernel crates/core/src/sampling/multi/ and its twin):
 * N = 1 against the single-input kernel, per-network values against central finite differences of an
 * independent plain-JS network, determinism over workers and shards, layer-2 exactness against the theory,
 * a sensitivity check, and bad input.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ensembleChunk, packConfig, Q, NQ } from '../ts/twin/sampling/network/mod.js';
import { ensembleMultiChunk, packMultiConfig, statOffsets, multiStatsLen } from '../ts/twin/sampling/multi/mod.js';

beforeAll(async () => {
  await init();
});

const HYP = (L: number) => ({ Cb: Array(L).fill(0.3), CW: Array(L).fill(1.6), lambdaB: Array(L).fill(0.7), lambdaW: Array(L).fill(1.3) });

describe('per-network values', () => {
  test('N = 1 equals the single-input kernel (same network, every value, every layer)', () => {
    const widths = [3, 7, 6, 5, 4];
    const x = [0.4, -1.1, 0.8];
    const base = { widths, ...HYP(4), kind: 3, a: 0, order: 3, seed: 11, neurons: [3, 4, 2, 3] };
    const single = new Float64Array(4 * NQ);
    ensembleChunk(packConfig({ ...base, x }), 5, 2, single);
    const len = multiStatsLen(1);
    const multi = new Float64Array(4 * len);
    ensembleMultiChunk(packMultiConfig({ ...base, inputs: 1, X: x }), 5, 2, multi);
    const o = statOffsets(1);
    for (let l = 0; l < 4; l++) {
      for (const [name, q] of Object.entries(Q)) {
        // the single-input conditional estimators (g2, gcv, hc1, h2, hcv) have no many-input twin yet
        if (name === 'Qnull' || !(name in o)) continue;
        const a = single[l * NQ + q], b = multi[l * len + o[name as keyof typeof o]];
        expect(Math.abs(a - b), `layer ${l + 1} ${name}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// An independent plain-JS network: forward pass and reverse-mode gradient over a flat parameter
// vector θ = (W⁽¹⁾, b⁽¹⁾, …); the higher derivatives by central differences of the exact gradient.
import { drawParameters } from '../ts/twin/sampling/network/forward.js';

interface Ref {
  widths: number[];
  lamb: number[]; // λ per parameter
  theta: Float64Array;
  z(theta: Float64Array, x: number[], l: number): number[];
  grad(theta: Float64Array, x: number[], l: number, i: number): Float64Array;
}

function refNet(widths: number[], hyp: ReturnType<typeof HYP>, seed: number, index: number, sigma: (x: number) => [number, number]): Ref {
  const L = widths.length - 1;
  const w = [new Float64Array(0)], b = [new Float64Array(0)];
  for (let m = 1; m <= L; m++) {
    w.push(new Float64Array(widths[m] * widths[m - 1]));
    b.push(new Float64Array(widths[m]));
  }
  drawParameters(seed, index, widths, hyp.CW, hyp.Cb, w, b);
  const offs: number[] = [];
  const lamb: number[] = [];
  const theta: number[] = [];
  for (let m = 1; m <= L; m++) {
    offs.push(theta.length);
    for (const v of w[m]) { theta.push(v); lamb.push(hyp.lambdaW[m - 1] / widths[m - 1]); }
    for (const v of b[m]) { theta.push(v); lamb.push(hyp.lambdaB[m - 1]); }
  }
  const run = (th: Float64Array, x: number[], l: number) => {
    const zs: number[][] = [], ss: number[][] = [x];
    for (let m = 1; m <= l; m++) {
      const n = widths[m], np = widths[m - 1], o = offs[m - 1];
      const z = new Array(n).fill(0);
      for (let i = 0; i < n; i++) {
        let s = th[o + n * np + i];
        for (let j = 0; j < np; j++) s += th[o + i * np + j] * ss[m - 1][j];
        z[i] = s;
      }
      zs.push(z);
      ss.push(z.map((v) => sigma(v)[0]));
    }
    return { zs, ss };
  };
  return {
    widths, lamb, theta: Float64Array.from(theta),
    z: (th, x, l) => run(th, x, l).zs[l - 1],
    grad(th, x, l, i) {
      const { zs, ss } = run(th, x, l);
      const g = new Float64Array(th.length);
      let delta = new Array(widths[l]).fill(0);
      delta[i] = 1;
      for (let m = l; m >= 1; m--) {
        const n = widths[m], np = widths[m - 1], o = offs[m - 1];
        for (let a = 0; a < n; a++) {
          g[o + n * np + a] = delta[a];
          for (let j = 0; j < np; j++) g[o + a * np + j] = delta[a] * ss[m - 1][j];
        }
        if (m > 1) {
          const nd = new Array(np).fill(0);
          for (let j = 0; j < np; j++) {
            let s = 0;
            for (let a = 0; a < n; a++) s += th[o + a * np + j] * delta[a];
            nd[j] = s * sigma(zs[m - 2][j])[1];
          }
          delta = nd;
        }
      }
      return g;
    },
  };
}

const axpy = (th: Float64Array, ...terms: Array<[number, Float64Array]>) => {
  const out = th.slice();
  for (const [c, v] of terms) for (let p = 0; p < out.length; p++) out[p] += c * v[p];
  return out;
};
const ldot = (a: Float64Array, b: Float64Array, lam: number[]) => a.reduce((s, v, p) => s + v * lam[p] * b[p], 0);

describe('per-network values against finite differences of a plain-JS network', () => {
  test('tanh 3 layers, N = 2 inputs, k = 2: Ĥ, dĤ, dd_IĤ, dd_IIĤ tensors of layer 3', () => {
    const widths = [2, 4, 3, 3];
    const hyp = HYP(3);
    const X = [[0.9, -0.4], [-0.3, 1.2]];
    const N = 2, k = 2, l = 3;
    const net = refNet(widths, hyp, 7, 3, (x) => [Math.tanh(x), 1 - Math.tanh(x) ** 2]);
    const lam = net.lamb;
    const v = (th: Float64Array, i: number, a: number) => net.grad(th, X[a], l, i).map((g, p) => g * lam[p]);
    const th = net.theta;
    const V = [0, 1].map((i) => [0, 1].map((a) => v(th, i, a)));
    const G = [0, 1].map((i) => [0, 1].map((a) => net.grad(th, X[a], l, i)));
    const h = 1e-4, h3 = 2e-3;
    // D z_{i;a}[u] (exact), D² by a central difference of it, D³ by a second central difference
    const d1 = (t: Float64Array, i: number, a: number, u: Float64Array) => net.grad(t, X[a], l, i).reduce((s, g, p) => s + g * u[p], 0);
    const d2 = (i: number, a: number, u: Float64Array, w: Float64Array) => (d1(axpy(th, [h, w]), i, a, u) - d1(axpy(th, [-h, w]), i, a, u)) / (2 * h);
    const d3 = (i: number, a: number, u: Float64Array, w: Float64Array, y: Float64Array) =>
      (d1(axpy(th, [h3, w], [h3, y]), i, a, u) - d1(axpy(th, [h3, w], [-h3, y]), i, a, u) - d1(axpy(th, [-h3, w], [h3, y]), i, a, u) + d1(axpy(th, [-h3, w], [-h3, y]), i, a, u)) / (4 * h3 * h3);
    const hv = (i: number, a: number, u: Float64Array) => { const p = net.grad(axpy(th, [h, u]), X[a], l, i), m = net.grad(axpy(th, [-h, u]), X[a], l, i); return p.map((x, q) => (x - m[q]) / (2 * h)); };
    const ref: Record<string, Float64Array> = {};
    for (const key of ['hab2', 'P', 'Q', 'R', 'S', 'T', 'U']) ref[key] = new Float64Array(N ** 4);
    const z = [0, 1].map((a) => net.z(th, X[a], l));
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
      if (i === j) continue;
      for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
        const x = ((a * N + b) * N + c) * N + d;
        ref.hab2[x] += (ldot(G[i][a], V[j][c], Array(lam.length).fill(1)) * ldot(G[i][b], V[j][d], Array(lam.length).fill(1))) / 2;
        ref.P[x] += (d2(i, a, V[j][b], V[j][c]) * z[d][i]) / 2;
        ref.Q[x] += (d2(i, a, V[i][b], V[j][c]) * z[d][j]) / 2;
        ref.R[x] += d3(i, a, V[i][b], V[j][c], V[j][d]) / 2;
        ref.S[x] += ldot(hv(i, a, V[j][c]), hv(i, b, V[j][d]), lam) / 2;
        ref.T[x] += ldot(hv(i, a, V[i][c]), hv(j, b, V[j][d]), lam) / 2;
        ref.U[x] += ldot(hv(i, a, V[j][c]), hv(j, b, V[i][d]), lam) / 2;
      }
    }
    const len = multiStatsLen(N);
    const out = new Float64Array(3 * len);
    ensembleMultiChunk(packMultiConfig({ widths, ...hyp, kind: 3, a: 0, order: 3, seed: 7, neurons: [k, k, k], inputs: N, X: X.flat() }), 3, 1, out);
    const o = statOffsets(N);
    for (const [key, tol] of [['hab2', 1e-12], ['P', 1e-6], ['Q', 1e-6], ['R', 1e-4], ['S', 1e-6], ['T', 1e-6], ['U', 1e-6]] as const) {
      const got = out.subarray(2 * len + o[key], 2 * len + o[key] + N ** 4);
      const scale = Math.max(...ref[key].map(Math.abs));
      expect(scale, key).toBeGreaterThan(1e-3);
      for (let x = 0; x < N ** 4; x++) expect(Math.abs(got[x] - ref[key][x]), `${key}[${x}]: ${got[x]} vs ${ref[key][x]}`).toBeLessThanOrEqual(tol * scale);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The API: determinism, shards, N = 1 against the single-input ensemble.
import { ensemble, mergeEnsembles } from '../ts/index.js';
import { init } from '../ts/node.js';

const spec2 = (X: number[][], over: Record<string, unknown> = {}) => ({
  activation: 'tanh' as const, depth: 3, widths: [2, 8, 8], outputWidth: 3, Cb: 0.2, CW: 1.4, lambdaB: 0.6, lambdaW: 1.2, input: { X }, ...over,
});
const X2 = [[0.8, -0.3], [0.2, 1.1]];

describe('ensemble() on N inputs', () => {
  test('same seed → bit-identical statistics for 1 or 2 workers and for 3 merged shards', async () => {
    await init();
    const o = { samples: 300, seed: 5, neurons: 3, backend: 'wasm' as const };
    const a = await ensemble(spec2(X2), o);
    const b = await ensemble(spec2(X2), { ...o, workers: 2 });
    const parts = await Promise.all([1, 2, 3].map((index) => ensemble(spec2(X2), { ...o, shard: { index, count: 3 } })));
    const m = mergeEnsembles(parts);
    expect(b.state.sums).toEqual(a.state.sums);
    expect(m.state.sums).toEqual(a.state.sums);
    expect(m.layers[2].R!.value.data).toEqual(a.layers[2].R!.value.data);
    expect(a.layers[2].S!.stderr.data.every((x) => x > 0)).toBe(true);
    // and the js twin samples the same networks
    const j = await ensemble(spec2(X2), { ...o, backend: 'js' });
    for (let i = 0; i < a.state.sums.length; i++) expect(Math.abs(j.state.sums[i] - a.state.sums[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a.state.sums[i])));
  });
});

// ---------------------------------------------------------------------------------------------
// Layer 2 is exact at any width (z⁽¹⁾ is exactly Gaussian with kernel K⁽¹⁾ and Ĥ⁽¹⁾ is deterministic),
// so the theory's K, Θ, G1 = H1 = 0 at layer 2 and V, A, B, D, F must agree with one width within 4σ.
import { compare, theory } from '../ts/index.js';

describe('theory vs ensembles at layer 2 (exact at any width)', () => {
  const X3 = [[1.0, 0.2, -0.4], [0.95, 0.35, -0.3], [-0.2, 0.9, 0.5]]; // inputs 0, 1: cosine ≈ 0.98
  const spec3 = (act: string) => ({ activation: act as 'tanh', depth: 2, widths: [3, 12], outputWidth: 4, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.2, input: { X: X3 } });
  for (const act of ['tanh', 'relu']) {
    test(`${act}, N = 3: every component of G1, H1, V, A, B, D, F within 4σ; a swapped B pairing is rejected`, async () => {
      await init();
      const th = theory(spec3(act));
      const e = await ensemble(spec3(act), { samples: 6000, seed: 17, neurons: 4, order: 'ntk', workers: 2 });
      const c = compare(th, [e]);
      const l2 = c.rows.filter((r) => r.layer === 2);
      expect(l2.length).toBeGreaterThan(100);
      for (const r of l2) expect(Math.abs(r.z), `${r.quantity}[${r.index}] theory ${r.theory} ensemble ${r.extrapolated} ± ${r.stderr}`).toBeLessThan(4);
      expect(c.rows.filter((r) => r.layer === 1).every((r) => r.z === 0)).toBe(true);
      // sensitivity: B_{abcd} against the theory's B_{bacd} (the NTK pairing of the wrong neuron)
      const B = e.layers[1].B!;
      let worst = 0;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let cc = 0; cc < 3; cc++) for (let d = 0; d < 3; d++) {
        worst = Math.max(worst, Math.abs(B.value.get(a, b, cc, d) - th.layers[1].B.get(b, a, cc, d)) / B.stderr.get(a, b, cc, d));
      }
      expect(worst).toBeGreaterThan(8);
    }, 120_000);
  }
});

// ---------------------------------------------------------------------------------------------
// Bad input: typed errors naming the parameter, memory planned before allocation.
import { AbortError, InvalidParameterError, ResourceLimitError } from '../ts/index.js';

describe('bad input', () => {
  const base = (X: unknown, over: Record<string, unknown> = {}) => ({ ...spec2(X as number[][]), ...over });
  const bad: Array<[string, unknown, Record<string, unknown>?]> = [
    ['ragged rows', [[1, 2], [3]]],
    ['N = 0', []],
    ['rows of the wrong width', [[1, 2, 3], [4, 5, 6]]],
    ['a non-finite entry', [[1, NaN], [0, 1]]],
    ['an infinite entry', [[1, 2], [Infinity, 1]]],
    ['not an array', 'abc'],
    ['a flat array of the wrong length', new Float64Array(5)],
  ];
  for (const [what, X] of bad) {
    test(`${what} → InvalidParameterError naming input.X`, async () => {
      await expect(ensemble(base(X) as never, { samples: 10 })).rejects.toThrow(InvalidParameterError);
      await expect(ensemble(base(X) as never, { samples: 10 })).rejects.toThrow(/input\.X/);
    });
  }
  test('too many inputs for the memory → ResourceLimitError with needed and limit, before allocating', async () => {
    const X = Array.from({ length: 32 }, (_, a) => [Math.cos(a), Math.sin(a)]);
    // k = 8, N = 32, n = 4096: the three (kN)²·n HVP buffers alone are 6.4 GB (the workspace, not the group sums)
    const err = await ensemble(base(X, { widths: [2, 4096, 4096] }) as never, { samples: 100, neurons: 8 }).catch((e) => e);
    expect(err).toBeInstanceOf(ResourceLimitError);
    expect(err.message).toMatch(/kernel workspace/);
    expect(err.needed).toBeGreaterThan(err.limit);
  });
  test('more than MAX_ENSEMBLE_INPUTS rows → InvalidParameterError', async () => {
    const X = Array.from({ length: 33 }, (_, a) => [Math.cos(a), Math.sin(a)]);
    await expect(ensemble(base(X) as never, { samples: 10 })).rejects.toThrow(InvalidParameterError);
  });
  test('the other options are checked as for one input', async () => {
    await expect(ensemble(spec2(X2) as never, { samples: 1 })).rejects.toThrow(/samples/);
    await expect(ensemble(spec2(X2) as never, { samples: 10, order: 'x' as never })).rejects.toThrow(/order/);
    await expect(ensemble(spec2(X2) as never, { samples: 10, neurons: 1 })).rejects.toThrow(/neurons/);
  });
  test('a shard of another run is refused by mergeEnsembles; an edited state is refused', async () => {
    const o = { samples: 64, seed: 1, neurons: 2, order: 'z' as const };
    const a = await ensemble(spec2(X2), { ...o, shard: { index: 1, count: 2 } });
    const b = await ensemble(spec2(X2), { ...o, seed: 2, shard: { index: 2, count: 2 } });
    expect(() => mergeEnsembles([a, b])).toThrow(/seed/);
    const edited = { ...a.state, sums: a.state.sums.map((x, i) => (i === 0 ? x + 1 : x)) };
    expect(() => mergeEnsembles([edited, b.state])).toThrow(/checksum/);
  });
});

describe('N = 1 through the API', () => {
  test('every estimate (value and error) equals the single-input ensemble of the same seed', async () => {
    const x = [0.7, -0.4];
    const one = { activation: 'gelu' as const, depth: 3, widths: [2, 7, 6], outputWidth: 4, Cb: 0.2, CW: 1.6, lambdaB: 0.5, lambdaW: 1.1 };
    const o = { samples: 256, seed: 9, neurons: 3 };
    const s = await ensemble({ ...one, input: { x } }, o);
    const m = await ensemble({ ...one, input: { X: [x] } }, o);
    for (let l = 0; l < 3; l++) {
      const a = s.layers[l], b = m.layers[l];
      const pairs: Array<[string, number, number, number, number]> = [
        // G, H: the conditional estimators with control variates on both sides; Gdirect, Hdirect: the direct ones
        ['G', a.G!.mean, b.G!.value[0], a.G!.stderr, b.G!.stderr[0]],
        ['H', a.H!.mean, b.H!.value[0], a.H!.stderr, b.H!.stderr[0]],
        ['Gdirect', a.Gdirect!.mean, b.Gdirect!.value[0], a.Gdirect!.stderr, b.Gdirect!.stderr[0]],
        ['Hdirect', a.Hdirect!.mean, b.Hdirect!.value[0], a.Hdirect!.stderr, b.Hdirect!.stderr[0]],
      ];
      for (const k of ['V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const) pairs.push([k, a[k]!.mean, b[k]!.value.data[0], a[k]!.stderr, b[k]!.stderr.data[0]]);
      for (const [k, v1, v2, e1, e2] of pairs) {
        expect(Math.abs(v1 - v2), `layer ${l + 1} ${k}: ${v1} vs ${v2}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v1)));
        expect(Math.abs(e1 - e2), `layer ${l + 1} ${k} stderr`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e1)));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Closed forms of the dNTK/ddNTK tensors at layer 2 of a linear network (exact at any width):
// z⁽²⁾ is bilinear in (W⁽²⁾, W⁽¹⁾/b⁽¹⁾), so D³z = 0 (R = 0), and with Θ1 = Θ⁽¹⁾, K1 = K⁽¹⁾:
//   Q_{abcd} = λ_W⁽²⁾C_W⁽²⁾ Θ1_{ac} K1_{bd},  P = 0,
//   S_{abcd} = λ_W⁽²⁾C_W⁽²⁾ Θ1_{ac} Θ1_{bd},  T_{abcd} = (λ_W⁽²⁾)² Θ1_{ab} K1_{cd},  U = 0.
// (Derivation: Dz_{i;α}[u] = u_{W2,i}·z1_α + u_{b2,i} + Σ_c W2_{ic}(u_{W1,c}·x_α + u_{b1,c}); its derivatives.)
describe('closed forms at layer 2 of a linear network (P, Q, R, S, T, U with sample indices)', () => {
  test('N = 3: every component within 4σ (or exactly 0); a transposed pairing of Q is rejected', async () => {
    const X = [[1.0, 0.2, -0.4], [0.3, 1.1, 0.2], [-0.6, 0.4, 0.9]];
    const h = { Cb: [0.2, 0.3], CW: [1.3, 0.8], lambdaB: [0.6, 0.9], lambdaW: [1.4, 0.7] };
    const spec = { activation: 'linear' as const, depth: 2, widths: [3, 10], outputWidth: 4, ...h, input: { X } };
    const e = await ensemble(spec, { samples: 4000, seed: 8, neurons: 4 });
    const N = 3, n0 = 3;
    const dotx = (a: number, b: number) => X[a].reduce((s, v, i) => s + v * X[b][i], 0) / n0;
    const K1 = (a: number, b: number) => h.Cb[0] + h.CW[0] * dotx(a, b);
    const T1 = (a: number, b: number) => h.lambdaB[0] + h.lambdaW[0] * dotx(a, b);
    const [lw, cw] = [h.lambdaW[1], h.CW[1]];
    const closed: Record<string, (a: number, b: number, c: number, d: number) => number> = {
      P: () => 0,
      Q: (a, b, c, d) => lw * cw * T1(a, c) * K1(b, d),
      R: () => 0,
      S: (a, b, c, d) => lw * cw * T1(a, c) * T1(b, d),
      T: (a, b, c, d) => lw * lw * T1(a, b) * K1(c, d),
      U: () => 0,
    };
    const l2 = e.layers[1];
    let compared = 0;
    for (const [k, f] of Object.entries(closed)) {
      const t = l2[k as 'P']!;
      for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
        const v = t.value.get(a, b, c, d), se = t.stderr.get(a, b, c, d), want = f(a, b, c, d);
        if (want === 0) expect(Math.abs(v), `${k}[${a}${b}${c}${d}] = ${v}`).toBeLessThanOrEqual(1e-12);
        else expect(Math.abs(v - want) / se, `${k}[${a}${b}${c}${d}]: ${v} ± ${se} vs ${want}`).toBeLessThan(4);
        compared++;
      }
    }
    expect(compared).toBe(6 * 81);
    let worst = 0;
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
      worst = Math.max(worst, Math.abs(l2.Q!.value.get(a, b, c, d) - lw * cw * T1(a, b) * K1(c, d)) / l2.Q!.stderr.get(a, b, c, d));
    }
    expect(worst).toBeGreaterThan(8);
  }, 60_000);
});

// Nonlinear σ at layer 2 (same derivation, z⁽¹⁾ ~ N(0, K⁽¹⁾) Gaussian, W⁽²⁾ independent of it; ⟨·⟩ over z⁽¹⁾,
// slot k of ⟨f_0 f_1 f_2 f_3⟩ at the input of slot k):
//   P_{0123} = C_W² Θ01Θ02 ⟨σ″σ′σ′σ⟩                 Q_{0123} = λ_W C_W Θ02 ⟨σ′σσ′σ⟩ + C_W² Θ01Θ02 ⟨σ″σ′σ′σ⟩
//   R_{0123} = λ_W C_W Θ02Θ03 ⟨σ″σσ′σ′⟩ + C_W² Θ01Θ02Θ03 ⟨σ‴σ′σ′σ′⟩
//   S_{1234} = λ_W C_W Θ13Θ24 ⟨σ′σ′σ′σ′⟩ + C_W² Θ12Θ13Θ24 ⟨σ″σ″σ′σ′⟩
//   T_{1234} = Θ12 [λ_W² ⟨σ′σ′σσ⟩ + λ_W C_W (Θ24 ⟨σ′σ″σσ′⟩ + Θ13 ⟨σ″σ′σ′σ⟩) + C_W² Θ13Θ24 ⟨σ″σ″σ′σ′⟩]
//   U_{1234} = C_W² Θ12Θ13Θ24 ⟨σ″σ″σ′σ′⟩      (λ_W, C_W of layer 2; Θ = Θ⁽¹⁾)
describe('closed forms at layer 2 of a tanh network', () => {
  test('N = 2: P, Q, R, S, T, U component by component within 4σ', async () => {
    const X = [[1.0, 0.2, -0.4], [0.3, 1.1, 0.2]];
    const h = { Cb: [0.2, 0.3], CW: [1.3, 0.8], lambdaB: [0.6, 0.9], lambdaW: [1.4, 0.7] };
    const spec = { activation: 'tanh' as const, depth: 2, widths: [3, 10], outputWidth: 4, ...h, input: { X } };
    const e = await ensemble(spec, { samples: 8000, seed: 21, neurons: 4 });
    const dotx = (a: number, b: number) => X[a].reduce((s, v, i) => s + v * X[b][i], 0) / 3;
    const K = (a: number, b: number) => h.Cb[0] + h.CW[0] * dotx(a, b);
    const Th = (a: number, b: number) => h.lambdaB[0] + h.lambdaW[0] * dotx(a, b);
    const [lw, cw] = [h.lambdaW[1], h.CW[1]];
    // σ⁽ᵏ⁾ for tanh
    const der = (k: number, x: number) => {
      const t = Math.tanh(x), s1 = 1 - t * t;
      return [t, s1, -2 * t * s1, s1 * (6 * t * t - 2)][k];
    };
    // ⟨Π_slot σ^(ks[slot])(z_{idx[slot]})⟩ over (z_0, z_1) ~ N(0, K): trapezoid in Cholesky coordinates, step 0.05 on [−9, 9]
    // (spectrally accurate for these entire integrands: error far below 1e-10)
    const L00 = Math.sqrt(K(0, 0)), L10 = K(1, 0) / L00, L11 = Math.sqrt(K(1, 1) - L10 * L10);
    const grid: number[] = [];
    for (let x = -9; x <= 9 + 1e-9; x += 0.05) grid.push(x);
    const w = grid.map((x) => (0.05 * Math.exp(-x * x / 2)) / Math.sqrt(2 * Math.PI));
    const E = (ks: number[], idx: number[]) => {
      let s = 0;
      for (let p = 0; p < grid.length; p++) for (let q = 0; q < grid.length; q++) {
        const z = [L00 * grid[p], L10 * grid[p] + L11 * grid[q]];
        let f = 1;
        for (let k = 0; k < 4; k++) f *= der(ks[k], z[idx[k]]);
        s += w[p] * w[q] * f;
      }
      return s;
    };
    const closed: Record<string, (d: number[]) => number> = {
      P: ([a, b, c, d]) => cw * cw * Th(a, b) * Th(a, c) * E([2, 1, 1, 0], [a, b, c, d]),
      Q: ([a, b, c, d]) => lw * cw * Th(a, c) * E([1, 0, 1, 0], [a, b, c, d]) + cw * cw * Th(a, b) * Th(a, c) * E([2, 1, 1, 0], [a, b, c, d]),
      R: ([a, b, c, d]) => lw * cw * Th(a, c) * Th(a, d) * E([2, 0, 1, 1], [a, b, c, d]) + cw * cw * Th(a, b) * Th(a, c) * Th(a, d) * E([3, 1, 1, 1], [a, b, c, d]),
      S: ([a, b, c, d]) => lw * cw * Th(a, c) * Th(b, d) * E([1, 1, 1, 1], [a, b, c, d]) + cw * cw * Th(a, b) * Th(a, c) * Th(b, d) * E([2, 2, 1, 1], [a, b, c, d]),
      T: ([a, b, c, d]) => Th(a, b) * (lw * lw * E([1, 1, 0, 0], [a, b, c, d]) + lw * cw * (Th(b, d) * E([1, 2, 0, 1], [a, b, c, d]) + Th(a, c) * E([2, 1, 1, 0], [a, b, c, d])) + cw * cw * Th(a, c) * Th(b, d) * E([2, 2, 1, 1], [a, b, c, d])),
      U: ([a, b, c, d]) => cw * cw * Th(a, b) * Th(a, c) * Th(b, d) * E([2, 2, 1, 1], [a, b, c, d]),
    };
    const l2 = e.layers[1];
    const zs: string[] = [];
    let worst = 0;
    for (const [k, f] of Object.entries(closed)) {
      const t = l2[k as 'P']!;
      for (let x = 0; x < 16; x++) {
        const d = [x >> 3, (x >> 2) & 1, (x >> 1) & 1, x & 1];
        const z = (t.value.get(d[0], d[1], d[2], d[3]) - f(d)) / t.stderr.get(d[0], d[1], d[2], d[3]);
        worst = Math.max(worst, Math.abs(z));
        if (!(Math.abs(z) < 4)) zs.push(`${k}[${d.join('')}]: ${t.value.get(d[0], d[1], d[2], d[3])} vs ${f(d)} (z = ${z.toFixed(1)})`);
      }
    }
    expect(zs, zs.join('\n')).toEqual([]);
    // sensitivity: each closed form read with slots 0 and 3 exchanged (not a symmetry of any of them) is rejected
    for (const [k, f] of Object.entries(closed)) {
      const t = l2[k as 'P']!;
      let m = 0;
      for (let x = 0; x < 16; x++) {
        const d = [x >> 3, (x >> 2) & 1, (x >> 1) & 1, x & 1];
        m = Math.max(m, Math.abs(t.value.get(d[0], d[1], d[2], d[3]) - f([d[3], d[1], d[2], d[0]])) / t.stderr.get(d[0], d[1], d[2], d[3]));
      }
      expect(m, `${k} with slots 0 ↔ 3`).toBeGreaterThan(6);
    }
    expect(worst).toBeLessThan(4);
  }, 60_000);
});

describe('progress and cancellation on N inputs', () => {
  test('onProgress reports every network once; an AbortSignal fired mid-run rejects with AbortError', async () => {
    const seen: number[] = [];
    const r = await ensemble(spec2(X2), { samples: 512, seed: 1, neurons: 2, order: 'ntk', onProgress: (p) => seen.push(p.done) });
    expect(seen[seen.length - 1]).toBe(512);
    expect(r.samples).toBe(512);
    const ac = new AbortController();
    const run = ensemble(spec2(X2), { samples: 4096, seed: 1, neurons: 2, order: 'ntk', signal: ac.signal, onProgress: (p) => p.done >= 64 && ac.abort() });
    await expect(run).rejects.toThrow(AbortError);
    // planning is O(groups): a huge run starts at once and stops at the signal
    const ac2 = new AbortController();
    const huge = ensemble(spec2(X2), { samples: 1e12, neurons: 2, order: 'z', signal: ac2.signal, onProgress: () => ac2.abort() });
    await expect(huge).rejects.toThrow(AbortError);
  });
});

describe('compare on N inputs: what it refuses and what it lists', () => {
  test('tensors on one side only are listed in missing (or compared when both sides have them); other inputs are refused', async () => {
    const spec = { activation: 'tanh' as const, depth: 2, widths: [2, 6], outputWidth: 3, Cb: 0.1, CW: 1.4, lambdaB: 0.5, lambdaW: 1, input: { X: X2 } };
    const th = theory(spec);
    const e = await ensemble(spec, { samples: 256, seed: 2, neurons: 2 });
    const c = compare(th, [e]);
    for (const q of ['P', 'Q', 'R', 'S', 'T', 'U']) {
      const inTheory = (th.layers[1] as unknown as Record<string, unknown>)[q] !== undefined;
      if (inTheory) expect(c.rows.some((r) => r.quantity === q)).toBe(true);
      else expect(c.missing).toContain(`${q} (not in the theory)`);
    }
    const other = await ensemble({ ...spec, input: { X: [[0.8, -0.3], [0.5, 0.5]] } }, { samples: 64, seed: 2, neurons: 2, order: 'z' });
    expect(() => compare(th, [other])).toThrow(/inputs/);
    const deeper = await ensemble({ ...spec, Cb: 0.2 }, { samples: 64, seed: 2, neurons: 2, order: 'z' });
    expect(() => compare(th, [deeper])).toThrow(/Cb/);
  });
});
