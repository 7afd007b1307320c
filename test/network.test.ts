/**
 * The per-network kernel (ts/twin/sampling/network/ and its Rust twin behind `wf_ensemble_chunk`;
 * their parity: test/twins/parity.test.ts).
 *
 * The reference here is independent of the kernel's algorithm: it iterates the FULL neuron tensors
 * H, dH, dd_I H, dd_II H layer by layer with the forward equations of recursions.md §1 (Wick-free,
 * per network), restricts them to the probed neurons and forms the 14 values from their definitions.
 * (crates/core/tests/network_reference.rs checks the same values against a third method: explicit
 * parameter-space jets, finite differences and the dNTK update identity.)
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseActivation, type Activation } from '../ts/api/activation.js';
import { init } from '../ts/api/backend.js';
import { InvalidParameterError } from '../ts/api/errors.js';
import { ensembleChunk as ensembleChunkJs, NQ, packConfig, Q, type NetworkConfig } from '../ts/twin/sampling/network/mod.js';
import { activation, config, jsValues, maxRel, wasmValues } from './fixtures/network.js';
import { Rng } from '../ts/twin/numerics/rng.js';

const NAMES = ['zz', 'zzzz', 'h', 'hh', 'hzz', 'hab2', 'hzzab', 'P', 'Q', 'R', 'S', 'T', 'U', 'Qnull', 'zzc', 'zzc2', 'hzzc'];

/** Activations by name with their config (kind, parameter). */
const ACTS: Array<[string, Record<string, number>]> = [
  ['tanh', {}], ['relu', {}], ['gelu', {}], ['sin', {}], ['swish', {}], ['erf', {}],
  ['softplus', {}], ['elu', { alpha: 0.7 }], ['scaled_tanh', { a: 0.8 }], ['monomial', { p: 3 }],
];
// ---------------------------------------------------------------------------------------------
// reference: full neuron tensors with the forward equations of recursions.md §1
// ---------------------------------------------------------------------------------------------

interface Layer {
  n: number;
  z: Float64Array;
  H: Float64Array; // n²
  dH: Float64Array; // n³, dH[i0][i1][i2]
  ddI: Float64Array; // n⁴
  ddII: Float64Array; // n⁴
}

/** Network `index` of `c`, sampled as the kernel documents, and its layers 1 … L. */
function referenceLayers(c: NetworkConfig, act: Activation, index: number): Layer[] {
  const w = c.widths;
  const L = w.length - 1;
  const rng = new Rng(c.seed, index);
  const W: Float64Array[] = [new Float64Array(0)];
  const B: Float64Array[] = [new Float64Array(0)];
  for (let m = 1; m <= L; m++) {
    W.push(new Float64Array(w[m] * w[m - 1]));
    B.push(new Float64Array(w[m]));
    rng.fillNormal(W[m], Math.sqrt(c.CW[m - 1] / w[m - 1]));
    rng.fillNormal(B[m], Math.sqrt(c.Cb[m - 1]));
  }
  const layers: Layer[] = [];
  // layer 1: z = b + Wx; H = δ(λ_b + λ_W|x|²/n₀); dH = ddH = 0
  const n1 = w[1], n0 = w[0];
  const z1 = new Float64Array(n1);
  for (let i = 0; i < n1; i++) {
    let s = B[1][i];
    for (let j = 0; j < n0; j++) s += W[1][i * n0 + j] * c.x[j];
    z1[i] = s;
  }
  let x2 = 0;
  for (let j = 0; j < n0; j++) x2 += c.x[j] * c.x[j];
  const H1 = new Float64Array(n1 * n1);
  for (let i = 0; i < n1; i++) H1[i * n1 + i] = c.lambdaB[0] + (c.lambdaW[0] * x2) / n0;
  layers.push({ n: n1, z: z1, H: H1, dH: new Float64Array(n1 ** 3), ddI: new Float64Array(n1 ** 4), ddII: new Float64Array(n1 ** 4) });
  const d = new Float64Array(4);
  for (let m = 1; m < L; m++) {
    const p = layers[m - 1];
    const n = p.n, N = w[m + 1];
    const Wm = W[m + 1];
    const s = new Float64Array(n), s1 = new Float64Array(n), s2 = new Float64Array(n), s3 = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      act.evalBranch(p.z[j], 0, d);
      [s[j], s1[j], s2[j], s3[j]] = [d[0], d[1], d[2], d[3]];
    }
    const lb = c.lambdaB[m], mu = c.lambdaW[m] / n;
    const Wf = (i: number, j: number) => Wm[i * n + j];
    const A = (i: number, j: number) => Wm[i * n + j] * s1[j]; // W s′
    const H = (i: number, j: number) => p.H[i * n + j];
    const dH = (i: number, j: number, k: number) => p.dH[(i * n + j) * n + k];
    const ddI = (i: number, j: number, k: number, l: number) => p.ddI[((i * n + j) * n + k) * n + l];
    const ddII = (i: number, j: number, k: number, l: number) => p.ddII[((i * n + j) * n + k) * n + l];
    const dl = (i: number, j: number) => (i === j ? 1 : 0);
    const z = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let t = B[m + 1][i];
      for (let j = 0; j < n; j++) t += Wf(i, j) * s[j];
      z[i] = t;
    }
    let ss = 0;
    for (let j = 0; j < n; j++) ss += s[j] * s[j];
    // E_{j m1 m2} = s″_j H_{jm1} H_{jm2} + s′_j dH_{jm1m2};  F_{j m1 m2 m3} (dd_I source);  G (dd_II source)
    const E = (j: number, a: number, b: number) => s2[j] * H(j, a) * H(j, b) + s1[j] * dH(j, a, b);
    const Fs = (j: number, a: number, b: number, e: number) =>
      s3[j] * H(j, a) * H(j, b) * H(j, e) + s2[j] * (dH(j, a, b) * H(j, e) + dH(j, a, e) * H(j, b) + dH(j, b, e) * H(j, a)) + s1[j] * ddI(j, a, b, e);
    const G = (j1: number, j2: number, a: number, b: number) =>
      s2[j1] * s2[j2] * H(j1, j2) * H(j1, a) * H(j2, b) +
      s2[j1] * s1[j2] * H(j1, a) * dH(j2, j1, b) +
      s1[j1] * s2[j2] * H(j2, b) * dH(j1, j2, a) +
      s1[j1] * s1[j2] * ddII(j1, j2, a, b);
    // helper contractions (tiny widths: plain loops)
    const AHA = new Float64Array(N * N);
    for (let i1 = 0; i1 < N; i1++) for (let i2 = 0; i2 < N; i2++) {
      let t = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) t += A(i1, a) * A(i2, b) * H(a, b);
      AHA[i1 * N + i2] = t;
    }
    const Hn = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) Hn[i * N + j] = dl(i, j) * (lb + mu * ss) + AHA[i * N + j];
    // y_m = Σ_j s_j s′_j H_jm;  (A y)
    const Ay = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let t = 0;
      for (let mm = 0; mm < n; mm++) for (let j = 0; j < n; j++) t += s[j] * s1[j] * H(j, mm) * A(i, mm);
      Ay[i] = t;
    }
    // T3_{i0 i1 i2} = Σ W_{i0 j} A_{i1 a} A_{i2 b} E_{jab}
    const T3 = new Float64Array(N ** 3);
    for (let i0 = 0; i0 < N; i0++) for (let i1 = 0; i1 < N; i1++) for (let i2 = 0; i2 < N; i2++) {
      let t = 0;
      for (let j = 0; j < n; j++) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) t += Wf(i0, j) * A(i1, a) * A(i2, b) * E(j, a, b);
      T3[(i0 * N + i1) * N + i2] = t;
    }
    const dHn = new Float64Array(N ** 3);
    for (let i0 = 0; i0 < N; i0++) for (let i1 = 0; i1 < N; i1++) for (let i2 = 0; i2 < N; i2++) {
      dHn[(i0 * N + i1) * N + i2] = mu * (dl(i0, i1) * Ay[i2] + dl(i0, i2) * Ay[i1]) + T3[(i0 * N + i1) * N + i2];
    }
    // X_ab = Σ_j s_j Σ A_{a m1} A_{b m2} E_{j m1 m2}
    const X = new Float64Array(N * N);
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) {
      let t = 0;
      for (let j = 0; j < n; j++) for (let m1 = 0; m1 < n; m1++) for (let m2 = 0; m2 < n; m2++) t += s[j] * A(a, m1) * A(b, m2) * E(j, m1, m2);
      X[a * N + b] = t;
    }
    // Y_{mp} = Σ_j s_j s′_j [s″_m H_jm H_mp + s′_m dH_mjp];  WYA = W Y Aᵀ
    const WYA = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) {
      let t = 0;
      for (let mm = 0; mm < n; mm++) for (let pp = 0; pp < n; pp++) {
        let y = 0;
        for (let j = 0; j < n; j++) y += s[j] * s1[j] * (s2[mm] * H(j, mm) * H(mm, pp) + s1[mm] * dH(mm, j, pp));
        t += Wf(i, mm) * y * A(k, pp);
      }
      WYA[i * N + k] = t;
    }
    // Z_{m3 m4} = Σ_j s′_j² H_{j m3} H_{j m4};  AZA
    const AZA = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) {
      let t = 0;
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        let zz = 0;
        for (let j = 0; j < n; j++) zz += s1[j] * s1[j] * H(j, a) * H(j, b);
        t += A(i, a) * A(k, b) * zz;
      }
      AZA[i * N + k] = t;
    }
    let ssH = 0;
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) ssH += s[j] * s1[j] * s[k] * s1[k] * H(j, k);
    const ddIn = new Float64Array(N ** 4), ddIIn = new Float64Array(N ** 4);
    for (let i0 = 0; i0 < N; i0++) for (let i1 = 0; i1 < N; i1++) for (let i2 = 0; i2 < N; i2++) for (let i3 = 0; i3 < N; i3++) {
      let t = 0, u = 0;
      for (let j = 0; j < n; j++) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let e = 0; e < n; e++) {
        t += Wf(i0, j) * A(i1, a) * A(i2, b) * A(i3, e) * Fs(j, a, b, e);
        u += Wf(i0, j) * Wf(i1, a) * A(i2, b) * A(i3, e) * G(j, a, b, e);
      }
      const idx = ((i0 * N + i1) * N + i2) * N + i3;
      ddIn[idx] = mu * (dl(i0, i1) * X[i2 * N + i3] + dl(i0, i2) * X[i1 * N + i3] + dl(i0, i3) * X[i1 * N + i2]) + t;
      // dd_II with (i1, i2, i3, i4) ≡ (i0, i1, i2, i3) here
      ddIIn[idx] =
        mu * dl(i0, i1) * AZA[i2 * N + i3] +
        mu * mu * dl(i0, i2) * dl(i1, i3) * ssH +
        mu * dl(i0, i2) * WYA[i1 * N + i3] +
        mu * dl(i1, i3) * WYA[i0 * N + i2] +
        u;
    }
    layers.push({ n: N, z, H: Hn, dH: dHn, ddI: ddIn, ddII: ddIIn });
  }
  return layers;
}

/**
 * The NQ values of the first k neurons of a layer, and the same means of |term| (for tolerances).
 * `zzc` = C_b + C_W|σ(z⁽ℓ⁻¹⁾)|²/n_{ℓ−1}, from the reference's own previous layer (see {@link conditionalZZ}).
 */
function referenceValues(t: Layer, k: number, zzc: number): { v: number[]; scale: number[] } {
  const n = t.n;
  const v = new Array(NQ).fill(0), scale = new Array(NQ).fill(0);
  const put = (q: number, x: number) => {
    v[q] += x;
    scale[q] += Math.abs(x);
  };
  const H = (a: number, b: number) => t.H[a * n + b];
  const dH = (a: number, b: number, c: number) => t.dH[(a * n + b) * n + c];
  const i4 = (a: number, b: number, c: number, d: number) => ((a * n + b) * n + c) * n + d;
  const z = t.z;
  for (let a = 0; a < k; a++) {
    put(Q.zz, (z[a] * z[a]) / k);
    put(Q.h, H(a, a) / k);
  }
  const np = k * (k - 1);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    if (a === b) continue;
    put(Q.zzzz, (z[a] * z[a] * z[b] * z[b]) / np);
    put(Q.hh, (H(a, a) * H(b, b)) / np);
    put(Q.hzz, (H(a, a) * z[b] * z[b]) / np);
    put(Q.hab2, (H(a, b) * H(a, b)) / np);
    put(Q.hzzab, (H(a, b) * z[a] * z[b]) / np);
    put(Q.P, (dH(a, b, b) * z[a]) / np);
    put(Q.Q, (dH(a, a, b) * z[b]) / np);
    put(Q.Qnull, (dH(a, a, b) * z[a]) / np);
    put(Q.R, t.ddI[i4(a, a, b, b)] / np);
    put(Q.S, t.ddII[i4(a, a, b, b)] / np);
    put(Q.T, t.ddII[i4(a, b, a, b)] / np);
    put(Q.U, t.ddII[i4(a, b, b, a)] / np);
  }
  put(Q.zzc, zzc);
  put(Q.zzc2, zzc * zzc);
  put(Q.hzzc, v[Q.h] * zzc);
  return { v, scale };
}

/** E[z_a² | layers < ℓ] of layer index l (0-based) from the reference's previous layer or the input. */
function conditionalZZ(c: NetworkConfig, act: Activation, layers: Layer[], l: number): number {
  const d = new Float64Array(4);
  let ss = 0;
  if (l === 0) for (let j = 0; j < c.x.length; j++) ss += c.x[j] * c.x[j];
  else for (const zj of layers[l - 1].z) {
    act.evalBranch(zj, 0, d); // pointwise
    ss += d[0] * d[0];
  }
  return c.Cb[l] + (c.CW[l] * ss) / c.widths[l];
}

beforeAll(async () => {
  // the SIMD artifact by name, so the comparisons below exercise the simd128 kernels
  const bytes = await readFile(new URL('../wasm/wideflow.simd.wasm', import.meta.url));
  await init({ wasm: bytes as unknown as Uint8Array<ArrayBuffer> });
});

describe('per-network values against the full-tensor forward equations (recursions.md §1)', () => {
  const shapes: Array<[number[], number[]]> = [
    [[3, 4, 5, 4], [4, 3, 4]],
    [[2, 3, 3, 2], [2, 3, 2]],
    [[2, 4, 3, 3, 2], [3, 2, 3, 2]],
  ];
  for (const [name, p] of ACTS) {
    test(`${name}: all 14 values of every layer agree to 1e-11 (js twin and wasm)`, () => {
      const act = activation(name, p);
      let worst = 0;
      shapes.forEach(([w, ks], si) => {
        const c = config(w, ks, act, si + name.length);
        for (const index of [0, 9, 4503599627370495]) {
          const layers = referenceLayers(c, act, index);
          const js = jsValues(c, index);
          const wasm = wasmValues(c, index);
          for (let l = 0; l < w.length - 1; l++) {
            const { v, scale } = referenceValues(layers[l], ks[l], conditionalZZ(c, act, layers, l));
            // the values of the probed neurons; the conditional ones over all neurons (g2 … hcv) are checked
            // against an explicit full-NTK reference in crates/core/tests/network_reference.rs
            for (let q = 0; q < NAMES.length; q++) {
              for (const [who, got] of [['js', js], ['wasm', wasm]] as const) {
                const g = got[l * NQ + q];
                const err = scale[q] > 0 ? Math.abs(g - v[q]) / scale[q] : Math.abs(g);
                worst = Math.max(worst, err);
                if (!(err <= 1e-11)) {
                  throw new Error(`${who} ${name} widths ${w} net ${index} layer ${l + 1} ${NAMES[q]}: ${g} vs reference ${v[q]} (scale ${scale[q]})`);
                }
              }
            }
          }
        }
      });
      expect(worst).toBeLessThanOrEqual(1e-11);
    });
  }
});

describe('conventions', () => {
  test('layer 1: Ĥ_ab = δ_ab(λ_b + λ_W|x|²/n₀) and dĤ = dd_IĤ = dd_IIĤ = 0 (also for depth L = 1)', () => {
    for (const [name, p] of ACTS.slice(0, 4)) for (const w of [[4, 6, 3], [4, 5]]) {
      const c = config(w, w.length === 3 ? [5, 3] : [4], activation(name, p), 3);
      const x2 = c.x.length ? Array.from(c.x).reduce((s, v) => s + v * v, 0) / 4 : 0;
      const theta = c.lambdaB[0] + c.lambdaW[0] * x2;
      for (const v of [jsValues(c, 2), wasmValues(c, 2)]) {
        expect(Math.abs(v[Q.h] - theta)).toBeLessThanOrEqual(1e-14 * Math.abs(theta));
        expect(Math.abs(v[Q.hh] - theta * theta)).toBeLessThanOrEqual(1e-14 * theta * theta);
        for (const q of [Q.hab2, Q.hzzab, Q.P, Q.Q, Q.Qnull, Q.R, Q.S, Q.T, Q.U]) expect(v[q]).toBe(0);
      }
    }
  });

  test('Ĥ and dĤ agree with central finite differences of z(θ) (independent of every jet formula)', () => {
    const act = activation('tanh', {});
    const c = config([3, 4, 5, 4], [4, 3, 4], act, 5, 2);
    const w = c.widths;
    const index = 3;
    // θ = (W⁽¹⁾, b⁽¹⁾, …) sampled as documented, λ per parameter, and z⁽ˡ⁾(θ) in plain f64
    const rng = new Rng(c.seed, index);
    const theta: number[] = [], lam: number[] = [], off: number[] = [0];
    for (let m = 1; m < w.length; m++) {
      const W = new Float64Array(w[m] * w[m - 1]), b = new Float64Array(w[m]);
      rng.fillNormal(W, Math.sqrt(c.CW[m - 1] / w[m - 1]));
      rng.fillNormal(b, Math.sqrt(c.Cb[m - 1]));
      off.push(theta.length);
      theta.push(...W, ...b);
      lam.push(...new Array(W.length).fill(c.lambdaW[m - 1] / w[m - 1]), ...new Array(b.length).fill(c.lambdaB[m - 1]));
    }
    const d = new Float64Array(4);
    const zAt = (th: number[], l: number) => {
      let s = Array.from(c.x);
      let z: number[] = [];
      for (let m = 1; m <= l; m++) {
        const n = w[m], np = w[m - 1], o = off[m];
        z = Array.from({ length: n }, (_, i) => {
          let t = th[o + n * np + i];
          for (let j = 0; j < np; j++) t += th[o + i * np + j] * s[j];
          return t;
        });
        s = z.map((v) => (act.evalBranch(v, 0, d), d[0]));
      }
      return z;
    };
    const got = jsValues(c, index);
    for (const l of [2, 3]) {
      const k = c.neurons[l - 1];
      const P = off[l] + w[l] * w[l - 1] + w[l]; // parameters of layers 1 … l
      const h = 1e-6;
      const grad = Array.from({ length: k }, () => new Float64Array(P));
      for (let mu = 0; mu < P; mu++) {
        const tp = theta.slice(), tm = theta.slice();
        tp[mu] += h;
        tm[mu] -= h;
        const zp = zAt(tp, l), zm = zAt(tm, l);
        for (let a = 0; a < k; a++) grad[a][mu] = (zp[a] - zm[a]) / (2 * h);
      }
      const v = grad.map((g) => g.map((x, i) => x * lam[i]));
      const H = (a: number, b: number) => grad[a].reduce((s, x, i) => s + x * v[b][i], 0);
      const e = 1e-3;
      const dH = (a: number, b: number, cc: number) => {
        const at = (sb: number, sc: number) => zAt(theta.map((t, i) => (i < P ? t + e * (sb * v[b][i] + sc * v[cc][i]) : t)), l)[a];
        return (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * e * e);
      };
      const z = zAt(theta, l);
      const np = k * (k - 1);
      let hab2 = 0, p = 0, q = 0, abs = 0;
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
        if (a === b) continue;
        hab2 += H(a, b) ** 2 / np;
        p += (dH(a, b, b) * z[a]) / np;
        q += (dH(a, a, b) * z[b]) / np;
        abs += Math.abs(dH(a, b, b) * z[a]) / np;
      }
      const base = (l - 1) * NQ;
      expect(Math.abs(got[base + Q.h] - Array.from({ length: k }, (_, a) => H(a, a)).reduce((s, x) => s + x, 0) / k)).toBeLessThan(1e-6);
      expect(Math.abs(got[base + Q.hab2] - hab2)).toBeLessThan(1e-6 * Math.max(hab2, 1e-3));
      expect(Math.abs(got[base + Q.P] - p)).toBeLessThan(1e-5 * abs);
      expect(Math.abs(got[base + Q.Q] - q)).toBeLessThan(1e-5 * abs + 1e-8);
    }
  });
});

describe('validation', () => {
  const good = config([3, 4, 2], [2, 2], activation('tanh', {}), 1);
  test('packConfig names the bad field, its range and the value', () => {
    expect(() => packConfig({ ...good, widths: [3, 0, 2] })).toThrow(/widths\[1\] must be an integer/);
    expect(() => packConfig({ ...good, CW: [1, -1] })).toThrow(/CW\[1\] must be a finite number ≥ 0 \(got -1\)/);
    expect(() => packConfig({ ...good, neurons: [2, 3] })).toThrow(/neurons\[1\] must be an integer in 2 … n_2 = 2 \(got 3\)/);
    expect(() => packConfig({ ...good, order: 4 })).toThrow(InvalidParameterError);
    expect(() => packConfig({ ...good, seed: 2 ** 53 })).toThrow(/seed/);
    expect(() => packConfig({ ...good, x: [1, 2] })).toThrow(/x must be an array of n₀ = 3/);
  });

  test('a custom activation runs on the js twin (the config kind is then ignored)', () => {
    const custom = parseActivation({ name: 'custom', f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 });
    const c = packConfig({ ...good, kind: -1, order: 1 });
    const out = new Float64Array(2 * NQ);
    ensembleChunkJs(c, 0, 3, out, custom);
    const ref = jsValues({ ...good, order: 1 }, 0, 3);
    // same σ and σ′ as tanh; order 1 needs nothing else
    expect(maxRel(out, ref)).toBeLessThanOrEqual(1e-12);
  });
});
