/**
 * The O(1/n) statistics of trained outputs (ts/api/finite-statistics.ts; docs/theory/training-finite.md
 * §3–5) against ensembles.
 *
 * Stage (a), the fluctuating frozen NTK: per network, the frozen-NTK map driven by the network's own
 * initial z and NTK as recorded by train() (steps: 0), at four widths. The estimator n·(z_T(z, Ĥ) − z_T(z, Θ))
 * (a control variate: E[z_T(z, Θ)] is the infinite-width mean at every width, since E[z] = 0 exactly)
 * is extrapolated in 1/n like compare() and must equal the theory's H1 + C + κ parts within 4σ.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { init } from '../ts/api/backend.js';
import '../ts/node.js';
import { train } from '../ts/api/train.js';
import { theory } from '../ts/api/theory.js';
import { predict } from '../ts/api/predict.js';
import { extrapolate, type ComparePoint } from '../ts/api/compare.js';
import { InvalidParameterError } from '../ts/api/errors.js';
import { evolveNetwork } from '../ts/api/finite-dynamics.js';
import { cubature5, finiteStatistics, momentsFromTheory } from '../ts/api/finite-statistics.js';
import { predictFinite } from '../ts/api/predict-finite.js';
import type { TheoryMultiLayer, TheoryMultiResult } from '../ts/api/multi.js';
import { drawJetNetwork, networkJets, type JetSpec } from './fixtures/network-jets.js';

beforeAll(async () => {
  await init();
});

const X = [[0.9, -0.4, 0.3], [-0.2, 0.8, 0.6], [0.5, 0.5, -0.7], [0.1, -0.6, -0.9]];
const Y = [0.6, -0.5, 0.3];
const P = 4;
const hyper = { Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 };

const est = (n: number, v: number[]): ComparePoint => {
  const m = v.reduce((a, b) => a + b) / v.length;
  return { n, value: m, stderr: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length) };
};

describe('numerics', () => {
  test('the degree-5 cubature integrates every monomial of degree ≤ 5 exactly (d = 1 … 6), not degree 6', () => {
    for (let d = 1; d <= 6; d++) {
      const { points, weights } = cubature5(d);
      expect(points.length).toBe(2 * d * d + 1);
      // E[x_i^a x_j^b x_k^c] of N(0, 1): product of double factorials
      const mom = (p: number) => (p % 2 ? 0 : p === 0 ? 1 : p === 2 ? 1 : p === 4 ? 3 : 15);
      const exps: number[][] = [[0], [2], [4], [2, 2], [1, 1], [3, 1], [1, 1, 1, 1].slice(0, Math.min(d, 4)), [2, 2, 1]];
      for (const e of exps) {
        if (e.length > d) continue;
        const q = points.reduce((s, p, i) => s + weights[i] * e.reduce((t, a, k) => t * p[k] ** a, 1), 0);
        expect(Math.abs(q - e.reduce((t, a) => t * mom(a), 1))).toBeLessThan(1e-13);
      }
      if (d >= 3) {
        const q = points.reduce((s, p, i) => s + weights[i] * (p[0] * p[1] * p[2]) ** 2, 0);
        expect(Math.abs(q - 1)).toBeGreaterThan(0.5); // degree 6 is not exact: the test can fail
      }
    }
  });

  test('the infinite-width part equals predict(); bad input is a typed error', () => {
    for (const [activation, depth] of [['tanh', 3], ['relu', 2]] as const) {
      const h = activation === 'relu' ? { ...hyper, CW: 2 } : hyper;
      const th = theory({ activation, depth, width: 64, inputWidth: 3, ...h, input: { X } }) as TheoryMultiResult;
      const st = finiteStatistics(momentsFromTheory(th.layers[depth - 1]), Y, 0.1, 10, 'frozen');
      const pr = predict({ activation, depth, inputWidth: 3, ...h }, { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: 10, eta: 0.1 });
      expect(Math.abs(st.mean0[3] - pr.mean![0])).toBeLessThan(1e-12);
      expect(Math.abs(st.cov0[15] - pr.covariance![0])).toBeLessThan(1e-12);
    }
    const th = theory({ activation: 'tanh', depth: 2, width: 64, inputWidth: 3, ...hyper, input: { X } }) as TheoryMultiResult;
    const m = momentsFromTheory(th.layers[1]);
    expect(() => finiteStatistics(m, Y, 0, 10, 'frozen')).toThrow(InvalidParameterError);
    expect(() => finiteStatistics({ ...m, dHz: undefined }, Y, 0.1, 10, 'full')).toThrow(/moments.dHz/);
    expect(() => finiteStatistics({ ...m, ddII: Array.from(m.ddII!).slice(1) }, Y, 0.1, 10, 'full')).toThrow(/moments.ddI/);
    expect(() => finiteStatistics(m, [1, 2, 3, 4, 5], 0.1, 10, 'frozen')).toThrow(InvalidParameterError);
    const dup = theory({ activation: 'tanh', depth: 2, width: 64, inputWidth: 3, ...hyper, input: { X: [X[0], X[1], X[0]] } }) as TheoryMultiResult;
    expect(() => finiteStatistics(momentsFromTheory(dup.layers[1]), [1, 2], 0.1, 10, 'frozen')).toThrow(/positive definite/);
  });
});

describe('stage (a): the fluctuating frozen NTK against per-network frozen maps of real networks', () => {
  for (const [activation, depth, eta] of [['tanh', 3, 0.1], ['gelu', 2, 0.1]] as const) {
    test(`${activation}, depth ${depth}, η = ${eta}, T = 10, widths 32 … 256`, async () => {
      const T = 10, S = 12000;
      const th = theory({ activation, depth, width: 64, inputWidth: 3, ...hyper, input: { X } }) as TheoryMultiResult;
      const mom = momentsFromTheory(th.layers[depth - 1]);
      const st = finiteStatistics(mom, Y, eta, T, 'frozen');
      const keys = ['H1', 'covH', 'cumHzz'] as const;
      const m1 = (d: number) => keys.reduce((s, k) => s + st.parts[k].mean[d], 0);
      // second-moment parts: covariance part + mean0·mean partᵀ + transpose
      const m2 = (d: number, e: number) => keys.reduce((s, k) => s + st.parts[k].cov[d * P + e] + st.mean0[d] * st.parts[k].mean[e] + st.parts[k].mean[d] * st.mean0[e], 0);
      const pts: ComparePoint[][] = Array.from({ length: P + 3 }, () => []);
      const pairs = [[3, 3], [0, 3], [1, 1]];
      for (const n of [32, 64, 128, 256]) {
        const tr = await train({ activation, depth, width: n, inputWidth: 3, outputWidth: 1, ...hyper },
          { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: 0, eta, samples: S, seed: 5 });
        const zH: Float64Array[] = [], zT: Float64Array[] = [];
        for (const nw of tr.networks) {
          const z0 = [...nw.zTrain[0], ...nw.zTest[0]];
          zH.push(evolveNetwork({ z: z0, H: nw.ntkInitial! }, Y, eta, T, 'frozen')[0]);
          zT.push(evolveNetwork({ z: z0, H: mom.Theta }, Y, eta, T, 'frozen')[0]);
        }
        for (let d = 0; d < P; d++) pts[d].push(est(n, zH.map((z, i) => n * (z[d] - zT[i][d]))));
        pairs.forEach(([d, e], k) => pts[P + k].push(est(n, zH.map((z, i) => n * (z[d] * z[e] - zT[i][d] * zT[i][e])))));
      }
      const theoryVals = [...[0, 1, 2, 3].map(m1), ...pairs.map(([d, e]) => m2(d, e))];
      let maxZ = 0, maxWrong = 0;
      const lines: string[] = [];
      theoryVals.forEach((t, k) => {
        const e = extrapolate(pts[k]);
        const z = (e.value - t) / e.stderr;
        maxZ = Math.max(maxZ, Math.abs(z));
        // sensitivity: the theory without the NTK variance C (the leading fluctuation) must be rejected
        const noC = k < P ? t - st.parts.covH.mean[k] : t - (st.parts.covH.cov[pairs[k - P][0] * P + pairs[k - P][1]] + st.mean0[pairs[k - P][0]] * st.parts.covH.mean[pairs[k - P][1]] + st.parts.covH.mean[pairs[k - P][0]] * st.mean0[pairs[k - P][1]]);
        maxWrong = Math.max(maxWrong, Math.abs((e.value - noC) / e.stderr));
        lines.push(`${k < P ? `E[z${k}]` : `E[z${pairs[k - P]}]`}: theory ${t.toFixed(4)} ens ${e.value.toFixed(4)}±${e.stderr.toFixed(4)} z ${z.toFixed(2)}`);
      });
      console.log(activation, depth, `max|z| ${maxZ.toFixed(2)}, without C ${maxWrong.toFixed(1)}σ\n` + lines.join('\n'));
      expect(maxZ).toBeLessThan(4);
      expect(maxWrong).toBeGreaterThan(5);
    }, 120_000);
  }
});

/**
 * Stages (b) and (c) against really trained networks. The dNTK and ddNTK moments with sample indices
 * (P, Q, R, S, T, U) are not in theory() yet, so n·E[dĤ z], n·E[dd_IĤ], n·E[dd_IIĤ] are measured on the
 * same networks (exact per-network values from test/fixtures/network-jets.ts); K … F come from theory().
 * Estimator: n·(z_T(trainer) − z_T(frozen map of the network's own z, Ĥ)), whose expectation at O(1/n)
 * is the dH + dd parts of the theory. Errors: 16 groups of networks; each group gives its own moments
 * and prediction, so the difference is paired (the noise shared by prediction and ensemble cancels).
 */
describe('stages (b), (c): real trained networks (moments of dĤ, ddĤ measured, see above)', () => {
  test('tanh, depth 2, η = 0.17 ≈ η_max/2, T = 20, widths 128 … 512: full agrees, frozen and dNTK-only rejected', async () => {
    const activation = 'tanh', depth = 2, eta = 0.17, T = 20, S = 384, G = 16, seed = 9;
    const th = theory({ activation, depth, width: 64, inputWidth: 3, ...hyper, input: { X } }) as TheoryMultiResult;
    const mom = momentsFromTheory(th.layers[depth - 1]);
    const P4 = P ** 4;
    const acc = { full: [] as ComparePoint[][], dntk: [] as ComparePoint[][], frozen: [] as ComparePoint[][] };
    for (const k of Object.keys(acc) as (keyof typeof acc)[]) acc[k] = Array.from({ length: P }, () => []);
    for (const n of [128, 256, 512]) {
      const spec: JetSpec = { activation, widths: [3, n], ...hyper };
      const tr = await train({ activation, depth, width: n, inputWidth: 3, outputWidth: 1, ...hyper },
        { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: T, eta, samples: S, seed });
      const grp = Array.from({ length: G }, () => ({ D: new Float64Array(P), dHz: new Float64Array(P4), ddI: new Float64Array(P4), ddII: new Float64Array(P4), c: 0 }));
      tr.networks.forEach((nw, i) => {
        expect(nw.status).toBe('ran');
        const g = grp[i % G];
        const J = networkJets(drawJetNetwork(spec, seed, i), X);
        const z0 = [...nw.zTrain[0], ...nw.zTest[0]];
        const fr = evolveNetwork({ z: z0, H: nw.ntkInitial! }, Y, eta, T, 'frozen')[0];
        const zt = [...nw.zTrain[1], ...nw.zTest[1]];
        for (let d = 0; d < P; d++) g.D[d] += n * (zt[d] - fr[d]);
        for (let abc = 0; abc < P ** 3; abc++) for (let d = 0; d < P; d++) g.dHz[abc * P + d] += n * J.dH[abc] * J.z[d];
        for (let k = 0; k < P4; k++) {
          g.ddI[k] += n * J.ddI[k];
          g.ddII[k] += n * J.ddII[k];
        }
        g.c++;
      });
      const q = { full: [] as number[][], dntk: [] as number[][], frozen: [] as number[][] };
      for (const g of grp) {
        const sc = (a: Float64Array) => a.map((v) => v / g.c);
        const st = finiteStatistics({ ...mom, dHz: sc(g.dHz), ddI: sc(g.ddI), ddII: sc(g.ddII) }, Y, eta, T, 'full');
        const D = Array.from(sc(g.D));
        q.full.push(D.map((v, d) => v - st.parts.dH.mean[d] - st.parts.dd.mean[d]));
        q.dntk.push(D.map((v, d) => v - st.parts.dH.mean[d]));
        q.frozen.push(D);
      }
      for (const k of Object.keys(acc) as (keyof typeof acc)[]) {
        for (let d = 0; d < P; d++) acc[k][d].push(est(n, q[k].map((r) => r[d])));
      }
    }
    // pooled over the widths (weighted mean; the O(1/n) drift of these O(1) coefficients is below the noise here)
    const pooled = (pts: ComparePoint[]) => {
      const w = pts.map((p) => 1 / p.stderr ** 2), W = w.reduce((a, b) => a + b);
      return { value: pts.reduce((s, p, i) => s + w[i] * p.value, 0) / W, stderr: 1 / Math.sqrt(W) };
    };
    const z = (k: keyof typeof acc) => acc[k].map((pts) => pooled(pts)).map((e) => e.value / e.stderr);
    const zf = z('full'), zd = z('dntk'), z0 = z('frozen');
    console.log('z(full)', zf.map((v) => v.toFixed(2)).join(' '), '| z(dNTK only)', zd.map((v) => v.toFixed(2)).join(' '), '| z(frozen)', z0.map((v) => v.toFixed(2)).join(' '));
    expect(Math.max(...zf.map(Math.abs))).toBeLessThan(4);
    expect(Math.max(...zd.map(Math.abs))).toBeGreaterThan(5);
    expect(Math.max(...z0.map(Math.abs))).toBeGreaterThan(5);
  }, 180_000);
});

/**
 * Stages (b), (c) with every tensor from theory() (P … U with sample indices; nothing measured) against
 * really trained networks at four widths, extrapolated in 1/n. Two control variates on the same networks:
 * "whole" n·(z_T − z_T^Θ(z_0)) (the infinite-width map of the network's own z_0, whose mean is mean0 at
 * every width since E[z_0] = 0) targets mean1 — every part; "moving" n·(z_T − z_T^Ĥ(z_0)) (the frozen map
 * with the network's own initial NTK) targets only the dH + dd parts, where P … U enter. Second moments
 * on the test input: n·(z_T² − map²), targets cov1 − cov1[G1] + 2·mean0·mean1 (whole) and the dH + dd
 * parts of the second moment (moving). bench/training/stage-c-theory.bench.ts runs the grid.
 */
describe('stages (b), (c) with theory P … U: real trained networks, nothing measured', () => {
  test('tanh, depth 2, η = η_max/2, T = 20, widths 32 … 256: full agrees; frozen, dNTK-only and dropped-dNTK rejected', async () => {
    const activation = 'tanh', depth = 2, T = 20, S = 12000, seed = 13, N = 3;
    const pr = predict({ activation, depth, inputWidth: 3, ...hyper }, { train: { X: X.slice(0, N), y: Y }, test: { X: X.slice(N) }, steps: T, eta: 0.01 });
    const eta = 0.5 * pr.etaMax;
    const th = theory({ activation, depth, width: 64, inputWidth: 3, ...hyper, input: { X } }) as TheoryMultiResult;
    const mom = momentsFromTheory(th.layers[depth - 1]);
    expect(mom.dHz && mom.ddI && mom.ddII).toBeTruthy();
    const st = finiteStatistics(mom, Y, eta, T, 'full');
    const E = P + 1, d3 = 3 * P + 3;
    const part = (keys: string[]) => {
      const m = Array.from({ length: P }, (_, d) => keys.reduce((s, k) => s + st.parts[k as keyof typeof st.parts].mean[d], 0));
      return [...m, keys.reduce((s, k) => s + st.parts[k as keyof typeof st.parts].cov[d3], 0) + 2 * st.mean0[3] * m[3]];
    };
    const all = ['H1', 'covH', 'cumHzz', 'dH', 'dd'];
    const whole = { full: part(all), frozen: part(['H1', 'covH', 'cumHzz']), 'no dH': part(all.filter((k) => k !== 'dH')) };
    const moving = { full: part(['dH', 'dd']), dntk: part(['dH']), frozen: part([]), 'no dH': part(['dd']) };
    // the whole estimator's G1 part: absent from the targets above, and mean1 = the sum of the listed parts
    for (let d = 0; d < P; d++) expect(Math.abs(whole.full[d] - st.mean1[d])).toBeLessThan(1e-12);
    const pw: ComparePoint[][] = Array.from({ length: E }, () => []), pm: ComparePoint[][] = Array.from({ length: E }, () => []);
    for (const n of [32, 64, 128, 256]) {
      const tr = await train({ activation, depth, width: n, inputWidth: 3, outputWidth: 1, ...hyper },
        { train: { X: X.slice(0, N), y: Y }, test: { X: X.slice(N) }, steps: T, eta, samples: S, seed });
      const rw: number[][] = [], rm: number[][] = [];
      for (const nw of tr.networks) {
        expect(nw.status).toBe('ran');
        const z0 = [...nw.zTrain[0], ...nw.zTest[0]], zt = [...nw.zTrain[1], ...nw.zTest[1]];
        const row = (m: Float64Array) => [...zt.map((v, d) => n * (v - m[d])), n * (zt[3] ** 2 - m[3] ** 2)];
        rw.push(row(evolveNetwork({ z: z0, H: mom.Theta }, Y, eta, T, 'frozen')[0]));
        rm.push(row(evolveNetwork({ z: z0, H: nw.ntkInitial! }, Y, eta, T, 'frozen')[0]));
      }
      for (let k = 0; k < E; k++) {
        pw[k].push(est(n, rw.map((r) => r[k])));
        pm[k].push(est(n, rm.map((r) => r[k])));
      }
    }
    const ew = pw.map((p) => extrapolate(p)), em = pm.map((p) => extrapolate(p));
    const maxZ = (e: { value: number; stderr: number }[], t: number[]) => Math.max(...e.map((x, k) => Math.abs((x.value - t[k]) / x.stderr)));
    const zs = (e: typeof ew, v: Record<string, number[]>) => Object.fromEntries(Object.entries(v).map(([k, t]) => [k, +maxZ(e, t).toFixed(2)]));
    const zw = zs(ew, whole), zm = zs(em, moving);
    console.log('theory P … U, tanh depth 2: whole', JSON.stringify(zw), 'moving', JSON.stringify(zm));
    expect(zw.full).toBeLessThan(4);
    expect(zm.full).toBeLessThan(4);
    expect(zw.frozen).toBeGreaterThan(5);
    expect(zm.frozen).toBeGreaterThan(5);
    expect(zm['no dH']).toBeGreaterThan(5);
    expect(zm.dntk).toBeGreaterThan(5);
  }, 180_000);
});

describe('predictFinite()', () => {
  const spec = { activation: 'tanh', depth: 2, width: 128, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 } as const;
  const problem = { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: 10, eta: 0.1 };
  test('= predict() at n = ∞ plus the frozen-stage 1/n coefficients of finiteStatistics(); loss mean = sum at η/N', () => {
    const r = predictFinite(spec, problem, { stage: 'frozen' });
    expect(predictFinite(spec, problem).stage).toBe('full'); // the default: the stage validated on trained networks
    const pr = predict(spec, problem);
    expect(Math.abs(r.mean0[0] - pr.mean![0])).toBeLessThan(1e-12);
    expect(Math.abs(r.covariance0[0] - pr.covariance![0])).toBeLessThan(1e-12);
    const th = theory({ ...spec, inputWidth: 3, input: { X } }) as TheoryMultiResult;
    const st = finiteStatistics(momentsFromTheory(th.layers[1]), Y, 0.1, 10, 'frozen');
    expect(r.mean1[0]).toBe(st.mean1[3]);
    expect(r.covariance1[0]).toBe(st.cov1[15]);
    expect(r.mean[0]).toBeCloseTo(st.mean0[3] + st.mean1[3] / 128, 14);
    expect(r.n).toBe(128);
    const m = predictFinite(spec, { ...problem, eta: 0.3, loss: 'mean' }, { stage: 'frozen' });
    expect(Math.abs(m.mean1[0] - r.mean1[0])).toBeLessThan(1e-12);
    expect(m.warnings.join()).not.toMatch(/η_max\/2/);
    expect(predictFinite(spec, { ...problem, eta: 0.2 }).warnings.join()).toMatch(/η_max\/2/);
  });
  test("stage 'full' with caller moments = finiteStatistics(); momentsFromTheory maps P … U onto the single-output moments", () => {
    const J = networkJets(drawJetNetwork({ activation: 'tanh', widths: [3, 16], ...hyper }, 2, 0), X);
    const dHz = new Float64Array(P ** 4);
    for (let abc = 0; abc < P ** 3; abc++) for (let d = 0; d < P; d++) dHz[abc * P + d] = 16 * J.dH[abc] * J.z[d];
    const moments = { dHz, ddI: J.ddI.map((v) => 16 * v), ddII: J.ddII.map((v) => 16 * v) };
    const r = predictFinite(spec, problem, { stage: 'full', moments });
    const th = theory({ ...spec, inputWidth: 3, input: { X } }) as TheoryMultiResult;
    const st = finiteStatistics({ ...momentsFromTheory(th.layers[1]), ...moments }, Y, 0.1, 10, 'full');
    expect(r.mean1[0]).toBe(st.mean1[3]);
    expect(r.parts.dd.mean1[0]).toBe(st.parts.dd.mean[3]);
    expect(Math.abs(r.parts.dd.mean1[0])).toBeGreaterThan(0);
    expect(r.warnings.join()).toMatch(/supplied by the caller/);
    // a layer whose P … U are labelled by slot: the documented pairings, slot by slot
    const f = (k: number) => ({ get: (a: number, b: number, c: number, d: number) => k * 1000 + a * 100 + b * 10 + c + d / 10 });
    const fake = { ...th.layers[1], P: f(1), Q: f(2), R: f(3), S: f(4), T: f(5), U: f(6) };
    const m = momentsFromTheory(fake as unknown as TheoryMultiLayer);
    const at = (a: number, b: number, c: number, d: number) => ((a * P + b) * P + c) * P + d;
    expect(m.dHz![at(0, 1, 2, 3)]).toBeCloseTo(f(1).get(0, 1, 2, 3) + f(2).get(0, 1, 2, 3) + f(2).get(0, 2, 1, 3), 9);
    expect(m.ddI![at(0, 1, 2, 3)]).toBeCloseTo(f(3).get(0, 1, 2, 3) + f(3).get(0, 2, 1, 3) + f(3).get(0, 3, 1, 2), 9);
    expect(m.ddII![at(3, 1, 2, 0)]).toBeCloseTo(f(4).get(3, 1, 2, 0) + f(5).get(3, 1, 2, 0) + f(6).get(3, 1, 2, 0), 9);
  });
  test("stages 'dntk', 'full' without moments use theory()'s P … U; a kinked σ is flagged beyond stage 'frozen'", () => {
    const th = theory({ ...spec, inputWidth: 3, input: { X } }) as TheoryMultiResult;
    const mom = momentsFromTheory(th.layers[1]);
    expect(mom.dHz?.length).toBe(P ** 4);
    for (const stage of ['dntk', 'full'] as const) {
      const r = predictFinite(spec, problem, { stage });
      const st = finiteStatistics(mom, Y, 0.1, 10, stage);
      expect(r.mean1[0]).toBe(st.mean1[3]);
      expect(r.covariance1[0]).toBe(st.cov1[15]);
      expect(r.kinked).toBe(false);
      expect(r.warnings.join()).not.toMatch(/kink|caller/);
    }
    expect(Math.abs(predictFinite(spec, problem, { stage: 'full' }).parts.dd.mean1[0])).toBeGreaterThan(1e-3);
    const relu = { ...spec, activation: 'relu', CW: 2 } as const;
    expect(predictFinite(relu, problem, { stage: 'frozen' }).warnings.join()).not.toMatch(/kink/);
    expect(predictFinite(relu, problem).kinked).toBe(true); // the default stage 'full'
    const rf = predictFinite(relu, problem, { stage: 'full' });
    expect(rf.kinked).toBe(true);
    expect(rf.warnings.join()).toMatch(/kink/);
  });
  test('bad input is a typed error naming the parameter', () => {
    expect(() => predictFinite({ ...spec, outputWidth: 2 }, problem)).toThrow(/outputWidth/);
    expect(() => predictFinite(spec, { ...problem, steps: undefined, t: 1 })).toThrow(InvalidParameterError);
    expect(() => predictFinite(spec, { ...problem, train: { X: X.slice(0, 3), y: [[1, 2], [3, 4], [5, 6]] } })).toThrow(/one output/);
    expect(() => predictFinite(spec, problem, { stage: 'dntk', moments: { dHz: new Float64Array(255) } })).toThrow(InvalidParameterError);
    expect(() => predictFinite({ ...spec, width: 0 }, problem)).toThrow(/width/);
    expect(() => predictFinite(spec, { ...problem, ridge: 0.1 })).toThrow(/ridge/);
  });
});

describe('wideflow predict --finite', () => {
  test('wideflow train --plot: histogram of the trained test output with the n = ∞ and O(1/n) Gaussians; a non-SVG name is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-trainplot-'));
    writeFileSync(join(dir, 'train.csv'), X.slice(0, 3).map((r, i) => [...r, Y[i]].join(',')).join('\n') + '\n');
    writeFileSync(join(dir, 'test.csv'), X.slice(3).map((r) => r.join(',')).join('\n') + '\n');
    const cli = fileURLToPath(new URL('../dist/ts/cli.js', import.meta.url));
    const args = ['train', '--train', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--activation', 'tanh', '--depth', '2', '--width', '32', '--cb', '0.1', '--cw', '1.5', '--steps', '10', '--eta', '0.1', '--samples', '200'];
    const r = spawnSync(process.execPath, [cli, ...args, '--plot', join(dir, 't.svg')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const svg = readFileSync(join(dir, 't.svg'), 'utf8');
    const f = predictFinite({ activation: 'tanh', depth: 2, width: 32, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 }, { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: 10, eta: 0.1 }, { stage: 'full' });
    expect(svg).toMatch(/^<svg|<\?xml/);
    expect(svg).toContain('n = ∞ (predict)');
    expect(svg).toContain(`O(1/n), n = 32 (stage full): N(${f.mean[0].toFixed(3)}`);
    const bad = spawnSync(process.execPath, [cli, ...args, '--plot', join(dir, 't.png')], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--plot/);
  });

  test('prints predictFinite() (json) and refuses a missing --steps with the parameter named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-finite-'));
    writeFileSync(join(dir, 'train.csv'), X.slice(0, 3).map((r, i) => [...r, Y[i]].join(',')).join('\n') + '\n');
    writeFileSync(join(dir, 'test.csv'), X.slice(3).map((r) => r.join(',')).join('\n') + '\n');
    const cli = fileURLToPath(new URL('../dist/ts/cli.js', import.meta.url));
    const args = ['predict', '--train', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--activation', 'tanh', '--depth', '3', '--cb', '0.1', '--cw', '1.5', '--finite', '64'];
    const r = spawnSync(process.execPath, [cli, ...args, '--steps', '10', '--eta', '0.1', '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    const api = predictFinite({ activation: 'tanh', depth: 3, width: 64, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 }, { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: 10, eta: 0.1 });
    expect(j.mean1[0]).toBeCloseTo(api.mean1[0], 12);
    expect(j.covariance[0][0]).toBeCloseTo(api.covariance[0], 12);
    expect(j.n).toBe(64);
    const full = spawnSync(process.execPath, [cli, ...args, '--steps', '10', '--eta', '0.1', '--stage', 'full', '--json'], { encoding: 'utf8' });
    expect(full.status).toBe(0);
    const jf = JSON.parse(full.stdout);
    expect(jf.stage).toBe('full');
    expect(jf.kinked).toBe(false);
    expect(jf.mean1[0]).toBeCloseTo(predictFinite({ activation: 'tanh', depth: 3, width: 64, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 }, { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: 10, eta: 0.1 }, { stage: 'full' }).mean1[0], 12);
    const badStage = spawnSync(process.execPath, [cli, ...args, '--steps', '10', '--eta', '0.1', '--stage', 'fulll'], { encoding: 'utf8' });
    expect(badStage.status).not.toBe(0);
    expect(badStage.stderr).toMatch(/stage/);
    const bad = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/steps\/eta/);
  });
});
