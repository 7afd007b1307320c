/**
 * The per-network O(1/n) training dynamics (ts/api/finite-dynamics.ts, docs/theory/training-finite.md
 * §1–2) against the real trainer: on single sampled networks the truncated map driven by the network's
 * own initial z, H, dH, ddI, ddII must follow train() with a residual that shrinks like 1/n², while the
 * frozen-NTK map and the map without the ddNTKs leave a 1/n residual. The initial values come from the
 * plain-TS reference test/fixtures/network-jets.ts, itself checked here against finite differences.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { init } from '../ts/api/backend.js';
import '../ts/node.js';
import { train } from '../ts/api/train.js';
import { InvalidParameterError } from '../ts/api/errors.js';
import { evolveNetwork, type FiniteStage } from '../ts/api/finite-dynamics.js';
import { drawJetNetwork, gradient, networkJets, output, shifted, type JetNetwork, type JetSpec } from './fixtures/network-jets.js';

const X = [[0.9, -0.4, 0.3], [-0.2, 0.8, 0.6], [0.5, 0.5, -0.7], [0.1, -0.6, -0.9]];
const Y = [0.6, -0.5, 0.3];
const STAGES: FiniteStage[] = ['frozen', 'dntk', 'full'];

beforeAll(async () => {
  await init();
});

describe('the per-network reference values (finite differences)', () => {
  test('dH, ddI, ddII of a small tanh/gelu network of depth 3 equal central differences', () => {
    for (const activation of ['tanh', 'gelu']) {
      const spec: JetSpec = { activation, widths: [3, 5, 4], Cb: 0.2, CW: 1.7, lambdaB: 0.7, lambdaW: 1.3 };
      const net = drawJetNetwork(spec, 11, 2);
      const J = networkJets(net, X);
      const P = X.length;
      const v = X.map((x) => gradient(net, x, true));
      const scale = Math.max(...Array.from(J.ddI, Math.abs), ...Array.from(J.ddII, Math.abs), ...Array.from(J.dH, Math.abs));
      let e2 = 0, e3 = 0, e4 = 0, eh = 0;
      const h = 2e-3;
      for (let d0 = 0; d0 < P; d0++) {
        for (const [d1, d2, d3] of [[0, 1, 2], [3, 3, 1], [2, 0, 0]]) {
          // D²z[v1, v2] by the 4-point mixed difference, D³z by the 8-point one (error O(h²))
          const f2 = (s1: number, s2: number) => output(shifted(net, [v[d1], v[d2]], [s1, s2]), X[d0]);
          const fd2 = (f2(h, h) - f2(h, -h) - f2(-h, h) + f2(-h, -h)) / (4 * h * h);
          e2 = Math.max(e2, Math.abs(fd2 - J.dH[(d0 * P + d1) * P + d2]));
          const f3 = (a: number, b: number, c: number) => output(shifted(net, [v[d1], v[d2], v[d3]], [a * h, b * h, c * h]), X[d0]);
          let fd3 = 0;
          for (const a of [1, -1]) for (const b of [1, -1]) for (const c of [1, -1]) fd3 += a * b * c * f3(a, b, c);
          fd3 /= 8 * h ** 3;
          e3 = Math.max(e3, Math.abs(fd3 - J.ddI[((d0 * P + d1) * P + d2) * P + d3]));
        }
      }
      // ddII: Hess z_δ1 v_δ3 as the central difference of ∇z_δ1 along v_δ3, then the λ-inner product
      const hv = (d1: number, d3: number) => {
        const p = gradient(shifted(net, [v[d3]], [h]), X[d1], false), m = gradient(shifted(net, [v[d3]], [-h]), X[d1], false);
        return p.map((l, k) => ({ W: l.W.map((x, i) => (x - m[k].W[i]) / (2 * h)), b: l.b.map((x, i) => (x - m[k].b[i]) / (2 * h)) }));
      };
      const inner = (a: ReturnType<typeof hv>, b: ReturnType<typeof hv>) =>
        a.reduce((s, l, k) => s + net.lb[k] * l.b.reduce((t, x, i) => t + x * b[k].b[i], 0) + net.lw[k] * l.W.reduce((t, x, i) => t + x * b[k].W[i], 0), 0);
      for (const [d1, d2, d3, d4] of [[0, 1, 2, 3], [1, 1, 0, 0], [3, 2, 3, 1], [2, 2, 2, 2]]) {
        e4 = Math.max(e4, Math.abs(inner(hv(d1, d3), hv(d2, d4)) - J.ddII[((d1 * P + d2) * P + d3) * P + d4]));
      }
      for (let i = 0; i < J.dH.length; i++) eh = Math.max(eh, Math.abs(J.dH[i] - J.dHcheck[i]));
      expect(eh / scale).toBeLessThan(1e-13); // hyper-dual vs forward-over-reverse
      expect(e2 / scale).toBeLessThan(1e-5);
      expect(e3 / scale).toBeLessThan(1e-4);
      expect(e4 / scale).toBeLessThan(1e-5);
      // sensitivity: a wrong contraction (ddII with slots 3, 4 swapped) is far off
      expect(Math.abs(J.ddII[((0 * P + 1) * P + 2) * P + 3] - J.ddII[((0 * P + 1) * P + 3) * P + 2]) / scale).toBeGreaterThan(1e-3);
    }
  });
});

/** Median over networks of max_δ |z_T(map) − z_T(trainer)| per stage, at each width. */
async function residuals(activation: string, depth: number, widths: number[], eta: number, T: number, S: number, seed: number) {
  const rows: { n: number; res: number[] }[] = [];
  for (const n of widths) {
    const hidden = new Array(depth - 1).fill(n);
    const spec: JetSpec = { activation, widths: [3, ...hidden], Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 };
    const tr = await train({ activation, depth, widths: spec.widths, outputWidth: 1, Cb: spec.Cb, CW: spec.CW, lambdaB: 1, lambdaW: 1 },
      { train: { X: X.slice(0, 3), y: Y }, test: { X: X.slice(3) }, steps: T, eta, samples: S, seed });
    const per: number[][] = [[], [], []];
    for (let i = 0; i < S; i++) {
      const net: JetNetwork = drawJetNetwork(spec, seed, i);
      const J = networkJets(net, X);
      const nw = tr.networks[i];
      const z0 = [...nw.zTrain[0], ...nw.zTest[0]];
      // the reference draws the trainer's network: same z and NTK at step 0
      for (let d = 0; d < 4; d++) expect(Math.abs(z0[d] - J.z[d])).toBeLessThan(1e-12);
      for (let k = 0; k < 16; k++) expect(Math.abs(nw.ntkInitial![k] - J.H[k])).toBeLessThan(1e-12);
      const zt = [...nw.zTrain[1], ...nw.zTest[1]];
      STAGES.forEach((st, s) => {
        const zp = evolveNetwork(J, Y, eta, T, st)[0];
        per[s].push(Math.max(...zp.map((v, d) => Math.abs(v - zt[d]))));
      });
    }
    const med = (a: number[]) => {
      const b = a.slice().sort((p, q) => p - q);
      return Math.sqrt(b[b.length >> 1] * b[(b.length - 1) >> 1]);
    };
    rows.push({ n, res: per.map(med) });
  }
  const slope = (s: number) => {
    const xs = rows.map((r) => Math.log(r.n)), ys = rows.map((r) => Math.log(r.res[s]));
    const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
    let sxy = 0, sxx = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ys[i] - my);
      sxx += (x - mx) ** 2;
    });
    return sxy / sxx;
  };
  return { rows, slopes: [0, 1, 2].map(slope) };
}

describe('the truncated map follows the trainer network by network', () => {
  // measured (this test, 32 resp. 16 networks per width, 64 … 512): slopes −1.11, −1.12, −1.72 (tanh) and
  // −1.18, −1.30, −1.78 (gelu); more in docs/theory/training-finite.md §2
  for (const [activation, depth, eta, S] of [['tanh', 2, 0.3, 32], ['gelu', 3, 0.2, 16]] as const) {
    test(`${activation}, depth ${depth}, η = ${eta}, T = 10: residual slopes ≈ −1 (frozen, dntk) and ≈ −2 (full)`, async () => {
      const { rows, slopes } = await residuals(activation, depth, [64, 128, 256, 512], eta, 10, S, 7);
      console.log(activation, depth, rows.map((r) => `${r.n}: ${r.res.map((x) => x.toExponential(2)).join(' ')}`).join(' | '), 'slopes', slopes.map((s) => s.toFixed(2)).join(' '));
      expect(slopes[0]).toBeGreaterThan(-1.4);
      expect(slopes[0]).toBeLessThan(-0.7);
      expect(slopes[1]).toBeGreaterThan(-1.45);
      expect(slopes[1]).toBeLessThan(-0.7);
      expect(slopes[2]).toBeLessThan(-1.6);
      const last = rows[rows.length - 1].res;
      expect(last[2]).toBeLessThan(last[1] / 10);
    }, 120_000);
  }
});

describe('evolveNetwork', () => {
  const J = networkJets(drawJetNetwork({ activation: 'tanh', widths: [3, 8], Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 }, 1, 0), X);
  test('frozen = the linear model z ← z − ηHε; T = 0 is the initialization; records in order', () => {
    const P = 4, N = 3, eta = 0.2;
    const z = Array.from(J.z);
    for (let t = 0; t < 5; t++) {
      const e = z.slice(0, N).map((v, a) => v - Y[a]);
      const dz = z.map((_, d) => -eta * e.reduce((s, ea, a) => s + J.H[d * P + a] * ea, 0));
      dz.forEach((v, d) => (z[d] += v));
    }
    const got = evolveNetwork(J, Y, eta, 5, 'frozen', [0, 5]);
    expect(Array.from(got[0])).toEqual(Array.from(J.z));
    got[1].forEach((v, d) => expect(Math.abs(v - z[d])).toBeLessThan(1e-14));
  });
  test('bad input is a typed error', () => {
    expect(() => evolveNetwork(J, Y, -1, 3, 'full')).toThrow(InvalidParameterError);
    expect(() => evolveNetwork(J, Y, 0.1, 1.5, 'full')).toThrow(InvalidParameterError);
    expect(() => evolveNetwork(J, Y, 0.1, 3, 'x' as FiniteStage)).toThrow(InvalidParameterError);
    expect(() => evolveNetwork({ z: J.z, H: J.H }, Y, 0.1, 3, 'dntk')).toThrow(InvalidParameterError);
    expect(() => evolveNetwork(J, [1, 2, 3, 4, 5], 0.1, 3, 'full')).toThrow(InvalidParameterError);
  });
});

describe('sizes per network (the premise of the truncation, training-finite.md §2–3)', () => {
  test('dĤ is O(1/n) per network, not O(n^{-1/2}): rms(dĤ)·n stays flat from n = 32 to 512 while Ĥ − Θ falls like n^{-1/2}', () => {
    const rms: Record<number, { dH: number; dH0: number }> = {};
    for (const n of [32, 512]) {
      let s = 0, h = 0;
      const S = 48;
      const nets = Array.from({ length: S }, (_, i) => networkJets(drawJetNetwork({ activation: 'tanh', widths: [3, n], Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 }, 4, i), X, { third: false }));
      const Hmean = nets.reduce((m, J) => m + J.H[1], 0) / S;
      for (const J of nets) {
        s += J.dH[(0 * 4 + 1) * 4 + 2] ** 2 + J.dH[(3 * 4 + 0) * 4 + 0] ** 2;
        h += (J.H[1] - Hmean) ** 2;
      }
      rms[n] = { dH: Math.sqrt(s / (2 * S)), dH0: Math.sqrt(h / S) };
    }
    const ratio = (rms[32].dH * 32) / (rms[512].dH * 512);
    console.log('rms dH·n', (rms[32].dH * 32).toFixed(3), (rms[512].dH * 512).toFixed(3), 'rms(Ĥ − E Ĥ)·√n', (rms[32].dH0 * Math.sqrt(32)).toFixed(3), (rms[512].dH0 * Math.sqrt(512)).toFixed(3));
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6); // O(n^{-1/2}) would give 4
    const hr = (rms[32].dH0 * Math.sqrt(32)) / (rms[512].dH0 * Math.sqrt(512));
    expect(hr).toBeGreaterThan(0.6);
    expect(hr).toBeLessThan(1.6);
  });
});
