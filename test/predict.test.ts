import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, kernels, predict, predictFromKernels, InvalidParameterError, Rng, type PredictSpec, type PredictProblem } from '../ts/node.js';
import { JACOBI_MAX, matmul, matmulT, symmetricEigen } from '../ts/api/linalg.js';

beforeAll(async () => {
  await init();
});

/** max |a − b| / max |b|: the error relative to the scale of the reference matrix or vector. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / (s || 1);
}

/** A deterministic pseudo-random stream (LCG → uniform in (−1, 1)); the tests need no statistics. */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}
const rows = (r: () => number, n: number, m: number) => Array.from({ length: n }, () => Array.from({ length: m }, r));

describe('symmetricEigen (Jacobi; Householder + tridiagonal QR)', () => {
  test.each(['jacobi', 'tridiagonal'] as const)('%s recovers a prescribed spectrum Q diag(λ) Qᵀ (Q a product of Householder reflections), 12 decades', (method) => {
    const n = 9;
    const r = stream(7);
    const lam = Array.from({ length: n }, (_, i) => 10 ** (-i * 1.5)); // 1 … 1e-12
    // Q = H₁H₂H₃ with H = 1 − 2vvᵀ/vᵀv: orthogonal by construction, independent of the solver.
    let Q: Float64Array = new Float64Array(n * n);
    for (let i = 0; i < n; i++) Q[i * n + i] = 1;
    for (let h = 0; h < 3; h++) {
      const v = Array.from({ length: n }, r);
      const vv = v.reduce((s, x) => s + x * x, 0);
      const H = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
      Q = matmul(Q, H, n, n, n);
    }
    const QL = Q.map((q, idx) => q * lam[idx % n]);
    const A = matmulT(QL, Q, n, n, n);
    const e = symmetricEigen(A, n, method);
    const sorted = [...lam].sort((a, b) => a - b);
    // Jacobi on a PSD matrix: every eigenvalue to high relative accuracy, even 1e-12 next to 1.
    // Tridiagonal QR: absolute accuracy ~n·ε‖A‖ (as LAPACK's), so only 1e-14 absolute.
    for (let k = 0; k < n; k++) expect(Math.abs(e.values[k] - sorted[k]), `λ_${k}`).toBeLessThan(method === 'jacobi' ? 1e-16 + 1e-13 * sorted[k] : 1e-14);
    // V orthonormal and A V = V Λ.
    const VtV = matmul(Float64Array.from({ length: n * n }, (_, i) => e.vectors[(i % n) * n + Math.floor(i / n)]), e.vectors, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(VtV[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-14);
    const AV = matmul(A, e.vectors, n, n, n);
    for (let i = 0; i < n * n; i++) expect(Math.abs(AV[i] - e.vectors[i] * e.values[i % n])).toBeLessThan(1e-15);
  });

  test(`the two methods agree on a 150 × 150 kernel matrix (auto picks QR above N = ${JACOBI_MAX}): eigenvalues, A V = V Λ, VᵀV = 1`, () => {
    const n = 150;
    const r = stream(3);
    const X = rows(r, n, 4);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const d2 = X[i].reduce((s, v, k) => s + (v - X[j][k]) ** 2, 0);
        A[i * n + j] = Math.exp(-d2) + 0.3 * X[i].reduce((s, v, k) => s + v * X[j][k], 0);
      }
    }
    const q = symmetricEigen(A, n);
    const jac = symmetricEigen(A, n, 'jacobi');
    const lmax = q.values[n - 1];
    for (let k = 0; k < n; k++) expect(Math.abs(q.values[k] - jac.values[k]) / lmax).toBeLessThan(1e-13);
    const AV = matmul(A, q.vectors, n, n, n);
    let res = 0, orth = 0;
    for (let i = 0; i < n * n; i++) res = Math.max(res, Math.abs(AV[i] - q.vectors[i] * q.values[i % n]));
    const Vt = Float64Array.from({ length: n * n }, (_, i) => q.vectors[(i % n) * n + Math.floor(i / n)]);
    const VtV = matmul(Vt, q.vectors, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) orth = Math.max(orth, Math.abs(VtV[i * n + j] - (i === j ? 1 : 0)));
    expect(res / lmax).toBeLessThan(1e-13);
    expect(orth).toBeLessThan(1e-12);
  });

  test('2 × 2 closed form and a diagonal matrix (no rotation)', () => {
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(1, 15);
    expect(e.values[1]).toBeCloseTo(3, 15);
    expect(Math.abs(e.vectors[0] * e.vectors[1] + e.vectors[2] * e.vectors[3])).toBeLessThan(1e-16);
    expect(Array.from(symmetricEigen([3, 0, 0, -1], 2).values)).toEqual([-1, 3]);
  });
});

// ---------------------------------------------------------------------------------------------
// The peer: neural-tangents 0.6.5 (jax 0.4.35, float64). The numbers in test/fixtures/nt-predict.json
// were written by bench/peers/nt_predict.py (neural-tangents' own stax kernels and its
// predict.gradient_descent_mse_ensemble / gp_inference); they are not wideflow output.

interface NtResult { fn: string; get: 'nngp' | 'ntk'; t: number | null; mean: number[]; cov: number[] }
interface NtCase {
  name: string; act: 'erf' | 'relu'; depth: number; cb: number; cw: number; n_train: number; n_test: number; n0: number; n_out: number;
  lr: number; diag_reg: number; x_train: number[][]; x_test: number[][]; y_train: number[][]; K: number[]; Theta: number[]; results: NtResult[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/nt-predict.json', import.meta.url), 'utf8')) as { cases: NtCase[] };

/** The conventions map (docs/theory/training.md): NT (t, learning_rate, ½·mean loss, absolute diag_reg) → wideflow. */
function ntSettings(c: NtCase, r: NtResult, loss: 'mean' | 'sum'): Omit<PredictProblem, 'train' | 'test'> {
  const tAbs = r.t === null ? Infinity : r.t * c.lr;
  const t = loss === 'mean' ? tAbs : tAbs / (c.n_train * c.n_out);
  return { t, ridge: c.diag_reg, kernel: r.get, loss };
}
const ntSpec = (c: NtCase): PredictSpec => ({ activation: c.act, depth: c.depth, Cb: c.cb, CW: c.cw, lambdaB: c.cb, lambdaW: c.cw });

describe('peer: neural-tangents gradient_descent_mse_ensemble and gp_inference (fixture)', () => {
  for (const c of fixture.cases) {
    test(`${c.name}: predictFromKernels on NT's K, Θ matches every NT result to 1e-10 (loss 'mean' and the 'sum' mapping)`, () => {
      const y = Float64Array.from(c.y_train.flat());
      let worst = 0;
      for (const r of c.results) {
        for (const loss of ['mean', 'sum'] as const) {
          const p = predictFromKernels({ nTrain: c.n_train, nTest: c.n_test, K: c.K, Theta: c.Theta }, { y, outputs: c.n_out }, ntSettings(c, r, loss));
          const e = Math.max(relErr(p.mean!, r.mean), relErr(p.covariance!, r.cov));
          worst = Math.max(worst, e);
          expect(e, `${r.fn} ${r.get} t=${r.t} loss=${loss}`).toBeLessThan(1e-10);
        }
      }
      expect(worst).toBeGreaterThanOrEqual(0);
    });

    test(`${c.name}: predict() end to end (wideflow's own kernels) matches NT to 1e-10`, () => {
      const p0 = predict(ntSpec(c), { train: { X: c.x_train, y: c.y_train }, test: { X: c.x_test } });
      const P = c.n_train + c.n_test;
      // The kernels themselves first: NT's are closed forms (arcsine for erf, arc-cosine for relu).
      expect(relErr(p0.K, c.K), 'K').toBeLessThan(1e-12);
      let diag = 0;
      for (let i = 0; i < P; i++) {
        for (let j = 0; j < P; j++) {
          const d = Math.abs(p0.Theta[i * P + j] - c.Theta[i * P + j]) / Math.abs(c.Theta[i * P + j]);
          if (i !== j) expect(d, `Θ_${i}${j}`).toBeLessThan(1e-12);
          else diag = Math.max(diag, d);
        }
      }
      // On the diagonal NT's relu Θ can be off by ~√ε: its angle arctan2(√(K₁₁K₂₂ − K₁₂²), K₁₂) takes
      // the root of a difference of two roundings of K_αα² (≈ 1e-8 rad instead of 0), which shifts
      // ⟨σ′σ′⟩ = (π − angle)/2π by ~3e-9. wideflow's diagonal is the exact single-input value; the
      // closed form Θ⁽²⁾_αα = C_b + C_W K⁽¹⁾_αα/2 + C_W Θ⁽¹⁾_αα/2 (relu, depth 2, λ = C) confirms it.
      expect(diag, 'Θ_αα').toBeLessThan(1e-8);
      if (c.act === 'relu' && c.depth === 2) {
        [...c.x_train, ...c.x_test].forEach((x, a) => {
          const k1 = c.cb + (c.cw * x.reduce((s, v) => s + v * v, 0)) / c.n0;
          expect(Math.abs(p0.Theta[a * P + a] / (c.cb + c.cw * k1) - 1)).toBeLessThan(1e-14);
        });
      }
      // End to end to 1e-10; where NT's Θ diagonal carries that √ε error, it propagates (×κ) into
      // the NTK predictions, and only 1e-8 can be asked (the algebra alone is checked above at 1e-10).
      const tol = diag > 1e-12 ? 1e-8 : 1e-10;
      for (const r of c.results) {
        const p = predict(ntSpec(c), { train: { X: c.x_train, y: c.y_train }, test: { X: c.x_test }, ...ntSettings(c, r, 'mean') });
        const t = r.get === 'ntk' ? tol : 1e-10;
        expect(relErr(p.mean!, r.mean), `${r.fn} ${r.get} t=${r.t} mean`).toBeLessThan(t);
        expect(relErr(p.covariance!, r.cov), `${r.fn} ${r.get} t=${r.t} cov`).toBeLessThan(t);
      }
    });
  }

  test('the comparison can fail: the wrong loss normalization (sum with NT times unchanged) or ridge misses by > 1e-3', () => {
    const c = fixture.cases[0];
    const r = c.results.find((q) => q.get === 'ntk' && q.t === 3)!;
    const y = Float64Array.from(c.y_train.flat());
    const kern = { nTrain: c.n_train, nTest: c.n_test, K: c.K, Theta: c.Theta };
    const wrongLoss = predictFromKernels(kern, { y, outputs: c.n_out }, { ...ntSettings(c, r, 'mean'), loss: 'sum' });
    expect(relErr(wrongLoss.mean!, r.mean)).toBeGreaterThan(1e-3);
    const wrongRidge = predictFromKernels(kern, { y, outputs: c.n_out }, { ...ntSettings(c, r, 'mean'), ridge: 1e-2 });
    expect(relErr(wrongRidge.mean!, r.mean)).toBeGreaterThan(1e-3);
    const wrongKernel = predictFromKernels(kern, { y, outputs: c.n_out }, { ...ntSettings(c, r, 'mean'), kernel: 'nngp' });
    expect(relErr(wrongKernel.covariance!, r.cov)).toBeGreaterThan(1e-3);
  });
});

// ---------------------------------------------------------------------------------------------
// Closed-form limits and independent constructions.

const spec: PredictSpec = { activation: 'tanh', depth: 3, Cb: 0.1, CW: 1.4, lambdaB: 0.3, lambdaW: 1.1 };
const r0 = stream(11);
const Xtr = rows(r0, 5, 3);
const Xte = rows(r0, 3, 3);
const ytr = rows(r0, 5, 2);
const base: PredictProblem = { train: { X: Xtr, y: ytr }, test: { X: Xte } };

describe('predict(): limits', () => {
  test('gradient flow at large t equals the t = ∞ NTK regression (and t = Infinity is the default)', () => {
    const inf = predict(spec, base);
    expect(inf.dynamics).toBe('converged');
    const lmin = inf.spectrum[0];
    const late = predict(spec, { ...base, t: 60 / lmin }); // e^{−60} ≈ 1e-26
    expect(relErr(late.mean!, inf.mean!)).toBeLessThan(1e-11);
    expect(relErr(late.covariance!, inf.covariance!)).toBeLessThan(1e-11);
    expect(relErr(predict(spec, { ...base, t: Infinity }).mean!, inf.mean!)).toBe(0);
    // And it is not yet converged at t ~ 1/λ_min (the check can fail).
    expect(relErr(predict(spec, { ...base, t: 1 / lmin }).mean!, inf.mean!)).toBeGreaterThan(1e-3);
  });

  test('T gradient-descent steps at η → 0 approach gradient flow at t = ηT, with an O(η) error', () => {
    const t = 2.5;
    const flow = predict(spec, { ...base, t });
    const e1 = relErr(predict(spec, { ...base, steps: 1000, eta: t / 1000 }).mean!, flow.mean!);
    const e2 = relErr(predict(spec, { ...base, steps: 4000, eta: t / 4000 }).mean!, flow.mean!);
    expect(e1).toBeLessThan(1e-2);
    expect(e2 / e1).toBeGreaterThan(0.2); // first order: ×4 steps → ÷4 error
    expect(e2 / e1).toBeLessThan(0.3);
    const c2 = relErr(predict(spec, { ...base, steps: 4000, eta: t / 4000 }).covariance!, flow.covariance!);
    expect(c2).toBeLessThan(1e-3);
  });

  test('discrete GD equals the explicit iteration z ← z − ηΘ_{·,train}(z_train − y) of the mean and the linear map (no eigendecomposition)', () => {
    const T = 37;
    for (const kernel of ['ntk', 'nngp'] as const) {
      const eta = 0.7 * predict(spec, { ...base, kernel }).etaMax;
      const p = predict(spec, { ...base, steps: T, eta, kernel, ridge: 0 });
      expect(p.diverges).toBe(false);
      const N = 5, M = 3, P = 8, k = 2;
      const D = kernel === 'ntk' ? p.Theta : p.K;
      // z(T) = L z(0) + q over all P inputs: L ← (1 − ηD_{·,d}S) L, q ← q − ηD_{·,d}(S q − y).
      let L: Float64Array = new Float64Array(P * P);
      for (let i = 0; i < P; i++) L[i * P + i] = 1;
      let q: Float64Array = new Float64Array(P * k);
      for (let s = 0; s < T; s++) {
        const U = new Float64Array(P * P);
        for (let i = 0; i < P; i++) {
          U[i * P + i] += 1;
          for (let a = 0; a < N; a++) U[i * P + a] -= eta * D[i * P + a];
        }
        L = matmul(U, L, P, P, P);
        const q2 = new Float64Array(P * k);
        for (let i = 0; i < P; i++) {
          for (let o = 0; o < k; o++) {
            let g = 0;
            for (let a = 0; a < N; a++) g += D[i * P + a] * (q[a * k + o] - ytr[a][o]);
            q2[i * k + o] = q[i * k + o] - eta * g;
          }
        }
        q = q2;
      }
      const C = matmulT(matmul(L, p.K, P, P, P), L, P, P, P); // Cov z(T) = L K Lᵀ
      const mean = q.slice(N * k);
      const cov = new Float64Array(M * M);
      for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) cov[i * M + j] = C[(N + i) * P + N + j];
      expect(relErr(p.mean!, mean), kernel).toBeLessThan(1e-12);
      expect(relErr(p.covariance!, cov), kernel).toBeLessThan(1e-12);
      // E[L] = ½ Σ (E[z̃ − y]² + Var z̃) over the training block of the same iteration.
      let loss = 0;
      for (let a = 0; a < N; a++) {
        for (let o = 0; o < k; o++) loss += (q[a * k + o] - ytr[a][o]) ** 2;
        loss += k * C[a * P + a];
      }
      expect(Math.abs(p.trainLoss! / (0.5 * loss) - 1), kernel).toBeLessThan(1e-11);
    }
  });

  test('training inputs as test inputs: NNGP posterior and NTK regression interpolate (mean = y, covariance = 0)', () => {
    for (const kernel of ['nngp', 'ntk'] as const) {
      const p = predict(spec, { train: { X: Xtr, y: ytr }, test: { X: Xtr }, kernel });
      expect(relErr(p.mean!, ytr.flat()), kernel).toBeLessThan(1e-10);
      const scale = Math.max(...p.K);
      expect(Math.max(...p.covariance!.map(Math.abs)) / scale, kernel).toBeLessThan(1e-10);
    }
    // Also with N = 90 > JACOBI_MAX training inputs (the tridiagonal QR path).
    const r9 = stream(5);
    const X9 = rows(r9, 90, 8), y9 = Array.from({ length: 90 }, r9);
    const p9 = predict({ ...spec, Cb: 0.5 }, { train: { X: X9, y: y9 }, test: { X: X9.slice(0, 7) }, kernel: 'nngp' });
    // κ(K̃) ≈ 8e4 here: the solve loses ~κε ≈ 2e-11.
    expect(relErr(p9.mean!, y9.slice(0, 7))).toBeLessThan(1e-9);
    // With noise (ridge) the posterior no longer interpolates.
    const noisy = predict(spec, { train: { X: Xtr, y: ytr }, test: { X: Xtr }, kernel: 'nngp', ridge: 0.1 });
    expect(relErr(noisy.mean!, ytr.flat())).toBeGreaterThan(1e-3);
  });

  test('Bayesian NNGP posterior = K_td (K̃ + ridge)⁻¹ y, K_tt − K_td (K̃ + ridge)⁻¹ K_dt (Gaussian elimination, independent of the eigensolver)', () => {
    const ridge = 0.05;
    const p = predict(spec, { ...base, kernel: 'nngp', ridge });
    const N = 5, M = 3, P = 8;
    // Solve (K̃ + ridge) Z = [y | K_dt] by Gauss–Jordan with partial pivoting.
    const cols = 2 + M;
    const aug = Array.from({ length: N }, (_, a) => [
      ...Array.from({ length: N }, (_, b) => p.K[a * P + b] + (a === b ? ridge : 0)),
      ytr[a][0], ytr[a][1], ...Array.from({ length: M }, (_, j) => p.K[a * P + N + j]),
    ]);
    for (let c = 0; c < N; c++) {
      let piv = c;
      for (let r = c + 1; r < N; r++) if (Math.abs(aug[r][c]) > Math.abs(aug[piv][c])) piv = r;
      [aug[c], aug[piv]] = [aug[piv], aug[c]];
      for (let r = 0; r < N; r++) {
        if (r === c) continue;
        const f = aug[r][c] / aug[c][c];
        for (let j = c; j < N + cols; j++) aug[r][j] -= f * aug[c][j];
      }
    }
    const Z = aug.map((row, a) => row.slice(N).map((v) => v / aug[a][a]));
    for (let i = 0; i < M; i++) {
      for (let o = 0; o < 2; o++) {
        let m = 0;
        for (let a = 0; a < N; a++) m += p.K[(N + i) * P + a] * Z[a][o];
        expect(Math.abs(p.mean![i * 2 + o] - m)).toBeLessThan(1e-12);
      }
      for (let j = 0; j < M; j++) {
        let s = 0;
        for (let a = 0; a < N; a++) s += p.K[(N + i) * P + a] * Z[a][2 + j];
        expect(Math.abs(p.covariance![i * M + j] - (p.K[(N + i) * P + N + j] - s))).toBeLessThan(1e-12);
      }
    }
  });

  test("steps = 0 (and t = 0) is the initialization: mean 0, covariance K_tt, E[L] = ½‖y‖² + ½ n_out tr K̃", () => {
    for (const p of [predict(spec, { ...base, steps: 0, eta: 0.1 }), predict(spec, { ...base, t: 0 })]) {
      expect(Array.from(p.mean!).every((v) => v === 0)).toBe(true);
      const l0 = 0.5 * ytr.flat().reduce((s, v) => s + v * v, 0) + 0.5 * 2 * [0, 1, 2, 3, 4].reduce((s, a) => s + p.K[a * 8 + a], 0);
      expect(Math.abs(p.trainLoss! / l0 - 1)).toBeLessThan(1e-14);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(p.covariance![i * 3 + j]).toBeCloseTo(p.K[(5 + i) * 8 + 5 + j], 14);
    }
  });

  test('outputs are independent: a 2-column y gives the two 1-column predictions; loss "mean" at t equals "sum" at t/(N·n_out)', () => {
    const both = predict(spec, { ...base, t: 1.3 });
    for (let o = 0; o < 2; o++) {
      const one = predict(spec, { ...base, train: { X: Xtr, y: ytr.map((r) => r[o]) }, t: 1.3 });
      expect(one.outputs).toBe(1);
      expect(relErr(one.mean!, Array.from({ length: 3 }, (_, i) => both.mean![i * 2 + o]))).toBeLessThan(1e-14);
      expect(relErr(one.covariance!, both.covariance!)).toBeLessThan(1e-14);
    }
    const mean = predict(spec, { ...base, t: 1.3 * 10, loss: 'mean' });
    expect(relErr(mean.mean!, both.mean!)).toBeLessThan(1e-13);
    expect(mean.etaMax / both.etaMax).toBeCloseTo(10, 12);
  });
});

describe('predict(): η_max, divergence, singular kernels', () => {
  test('η_max = 2/λ_max(Θ̃): GD just below converges to the t = ∞ result, just above it diverges (flag, finite numbers)', () => {
    const inf = predict(spec, base);
    expect(inf.etaMax).toBeCloseTo(2 / inf.spectrum[4], 12);
    const below = predict(spec, { ...base, eta: 0.995 * inf.etaMax, steps: 20000 });
    expect(below.diverges).toBe(false);
    expect(relErr(below.mean!, inf.mean!)).toBeLessThan(1e-10);
    const above = predict(spec, { ...base, eta: 1.005 * inf.etaMax, steps: 2000 });
    expect(above.diverges).toBe(true);
    expect(above.warnings.join()).toMatch(/diverges/);
    expect(above.mean!.every(Number.isFinite)).toBe(true);
    expect(relErr(above.mean!, inf.mean!)).toBeGreaterThan(1); // (1.01)^2000 ≈ 4e8
  });

  test('a divergence that overflows float64 gives null statistics and the flag — never NaN', () => {
    const inf = predict(spec, base);
    const p = predict(spec, { ...base, eta: 3 * inf.etaMax, steps: 100000 });
    expect(p.diverges).toBe(true);
    expect(p.mean).toBeNull();
    expect(p.covariance).toBeNull();
    expect(p.warnings.join()).toMatch(/overflow/);
  });

  test('duplicate training inputs: pseudo-inverse; at t = ∞ equal to one copy with the averaged label', () => {
    const X = [Xtr[0], Xtr[1], Xtr[0], Xtr[2]];
    const y = [0.3, -0.4, 0.9, 0.1];
    const dup = predict(spec, { train: { X, y }, test: { X: Xte } });
    expect(dup.nullModes).toBe(1);
    expect(dup.warnings.join()).toMatch(/singular.*pseudo-inverse/);
    // The conflicting labels 0.3, 0.9 of the same input leave the residual ±0.3 forever: E[L] = ½(0.3² + 0.3²).
    expect(dup.trainLoss).toBeCloseTo(0.09, 12);
    const one = predict(spec, { train: { X: [Xtr[0], Xtr[1], Xtr[2]], y: [0.6, -0.4, 0.1] }, test: { X: Xte } });
    expect(one.trainLoss).toBeLessThan(1e-20);
    expect(one.nullModes).toBe(0);
    expect(relErr(dup.mean!, one.mean!)).toBeLessThan(1e-10);
    expect(relErr(dup.covariance!, one.covariance!)).toBeLessThan(1e-10);
    // Finite time and GD stay finite (no NaN from the null mode).
    const gd = predict(spec, { train: { X, y }, test: { X: Xte }, steps: 50, eta: 0.1 });
    expect(gd.mean!.every(Number.isFinite) && gd.covariance!.every(Number.isFinite)).toBe(true);
    // A ridge makes Θ̃ invertible.
    expect(predict(spec, { train: { X, y }, test: { X: Xte }, ridge: 1e-3 }).nullModes).toBe(0);
  });

  test('a slightly indefinite kernel (−1e-12·λ_max, as quadrature error of nearly equal inputs) is a null mode with a warning', () => {
    const d = 1e-12;
    const M = [1, 1 + d, 0.5, 1 + d, 1, 0.5, 0.5, 0.5, 1];
    const p = predictFromKernels({ nTrain: 2, nTest: 1, K: M, Theta: M }, { y: [1, 1], outputs: 1 });
    expect(p.nullModes).toBe(1);
    expect(p.warnings.join()).toMatch(/slightly indefinite/);
    // The one kept mode (1,1)/√2 with λ ≈ 2: mean = Θ_td Θ̃⁺ y = (0.5, 0.5)·(1, 1)/2 = 0.5.
    expect(p.mean![0]).toBeCloseTo(0.5, 10);
  });

  test('the js and wasm kernels give the same predictions (≤ 1e-12)', () => {
    const a = predict(spec, { ...base, t: 2 }, { backend: 'js' });
    const b = predict(spec, { ...base, t: 2 }, { backend: 'wasm' });
    expect(relErr(a.mean!, b.mean!)).toBeLessThan(1e-12);
    expect(relErr(a.covariance!, b.covariance!)).toBeLessThan(1e-12);
  });
});

describe('predict(): bad input gets typed errors', () => {
  const bad: [string, () => unknown, RegExp][] = [
    ['X/y rows differ', () => predict(spec, { ...base, train: { X: Xtr, y: ytr.slice(1) } }), /train\.y/],
    ['NaN label', () => predict(spec, { ...base, train: { X: Xtr, y: [1, 2, NaN, 4, 5] } }), /train\.y\[2\]/],
    ['ragged labels', () => predict(spec, { ...base, train: { X: Xtr, y: [[1, 2], [1], [1, 2], [1, 2], [1, 2]] } }), /train\.y\[1\]/],
    ['negative t', () => predict(spec, { ...base, t: -1 }), /\bt must be/],
    ['NaN t', () => predict(spec, { ...base, t: NaN }), /\bt must be/],
    ['non-integer steps', () => predict(spec, { ...base, steps: 2.5, eta: 0.1 }), /steps/],
    ['steps without eta', () => predict(spec, { ...base, steps: 10 }), /eta/],
    ['eta ≤ 0', () => predict(spec, { ...base, steps: 10, eta: 0 }), /eta/],
    ['t with eta', () => predict(spec, { ...base, t: 1, eta: 0.1 }), /eta/],
    ['t with steps', () => predict(spec, { ...base, t: 1, steps: 3 }), /steps/],
    ['test width ≠ train width', () => predict(spec, { ...base, test: { X: [[1, 2]] } }), /test\.X/],
    ['spec.inputWidth ≠ data', () => predict({ ...spec, inputWidth: 4 }, base), /train\.X/],
    ['NaN input', () => predict(spec, { ...base, test: { X: [[1, NaN, 0]] } }), /test\.X\[0\]\[1\]/],
    ['negative ridge', () => predict(spec, { ...base, ridge: -1 }), /ridge/],
    ['unknown kernel', () => predict(spec, { ...base, kernel: 'rbf' as never }), /kernel/],
    ['unknown option (typo)', () => predict(spec, { ...base, step: 3 } as never), /step must be not given/],
    ['bad loss', () => predict(spec, { ...base, loss: 'l1' as never }), /loss/],
    ['bad CW (from kernels)', () => predict({ ...spec, CW: -1 }, base), /CW/],
    ['indefinite kernel', () => predictFromKernels({ nTrain: 2, nTest: 1, K: [1, 2, 0, 2, 1, 0, 0, 0, 1], Theta: [1, 2, 0, 2, 1, 0, 0, 0, 1] }, { y: [1, 1], outputs: 1 }), /positive semidefinite/],
    ['indefinite kernel (just beyond −1e-9·λ_max)', () => predictFromKernels({ nTrain: 2, nTest: 1, K: [1, 1 + 3e-9, 0, 1 + 3e-9, 1, 0, 0, 0, 1], Theta: [1, 1 + 3e-9, 0, 1 + 3e-9, 1, 0, 0, 0, 1] }, { y: [1, 1], outputs: 1 }), /positive semidefinite/],
  ];
  for (const [what, f, msg] of bad) {
    test(what, () => {
      expect(f).toThrow(InvalidParameterError);
      expect(f).toThrow(msg);
    });
  }

  test('kernels() and predict() agree on the kernels they share', () => {
    const p = predict(spec, base);
    const k = kernels({ ...spec, inputs: [...Xtr, ...Xte] });
    expect(Array.from(p.K)).toEqual(Array.from(k.layers[2].K));
    expect(Array.from(p.Theta)).toEqual(Array.from(k.layers[2].Theta));
  });
});

// ---------------------------------------------------------------------------------------------
// Real networks: an independent check of the conventions (sum loss, λ_b and λ_W/n_{ℓ−1}, η).

describe('predict() vs an ensemble of finite networks trained by explicit gradient descent', () => {
  /**
   * R networks of depth 2 (width n, one output) trained by full-batch GD on L = ½Σ(z − y)² with the
   * learning rates η·λ_b on biases and η·λ_W/n_{ℓ−1} on weights; returns z on the test inputs.
   */
  function trainEnsemble(sp: { Cb: number; CW: number; lambdaB: number; lambdaW: number }, X: number[][], y: number[], Xt: number[][], n: number, eta: number, T: number, R: number): Float64Array[] {
    const n0 = X[0].length, N = X.length, all = [...X, ...Xt], P = all.length;
    const rng = new Rng(20261206, 0);
    const out = Xt.map(() => new Float64Array(R));
    const W1 = new Float64Array(n * n0), b1 = new Float64Array(n), W2 = new Float64Array(n);
    const s = new Float64Array(P * n), z = new Float64Array(P);
    for (let net = 0; net < R; net++) {
      rng.fillNormal(W1, Math.sqrt(sp.CW / n0));
      rng.fillNormal(b1, Math.sqrt(sp.Cb));
      rng.fillNormal(W2, Math.sqrt(sp.CW / n));
      let b2 = rng.normal() * Math.sqrt(sp.Cb);
      const forward = () => {
        for (let a = 0; a < P; a++) {
          let za = b2;
          for (let j = 0; j < n; j++) {
            let h = b1[j];
            for (let k = 0; k < n0; k++) h += W1[j * n0 + k] * all[a][k];
            const t = Math.tanh(h);
            s[a * n + j] = t;
            za += W2[j] * t;
          }
          z[a] = za;
        }
      };
      for (let step = 0; step < T; step++) {
        forward();
        let gb2 = 0;
        for (let a = 0; a < N; a++) gb2 += z[a] - y[a];
        for (let j = 0; j < n; j++) {
          let gW2 = 0, gb1 = 0;
          const gW1 = new Array(n0).fill(0);
          for (let a = 0; a < N; a++) {
            const r = z[a] - y[a], t = s[a * n + j];
            gW2 += r * t;
            const d = r * W2[j] * (1 - t * t);
            gb1 += d;
            for (let k = 0; k < n0; k++) gW1[k] += d * X[a][k];
          }
          W2[j] -= ((eta * sp.lambdaW) / n) * gW2;
          b1[j] -= eta * sp.lambdaB * gb1;
          for (let k = 0; k < n0; k++) W1[j * n0 + k] -= ((eta * sp.lambdaW) / n0) * gW1[k];
        }
        b2 -= eta * sp.lambdaB * gb2;
      }
      forward();
      Xt.forEach((_, i) => (out[i][net] = z[N + i]));
    }
    return out;
  }

  test('tanh, depth 2, n = 512, 1000 networks, 12 GD steps at η = η_max/2: test mean and variance within 4σ; a wrong loss normalization or λ is rejected', () => {
    const sp = { activation: 'tanh' as const, depth: 2, Cb: 0.1, CW: 1.5, lambdaB: 0.3, lambdaW: 1.1 };
    const X = [[1, 0.2, -0.5], [-0.3, 0.8, 0.4], [0.5, -1, 0.1]], y = [0.8, -0.5, 0.3];
    const Xt = [[0.7, 0.1, -0.2], [-0.6, -0.4, 0.9]];
    const T = 12, R = 1000;
    const eta = 0.5 * predict(sp, { train: { X, y }, test: { X: Xt } }).etaMax;
    const theory = predict(sp, { train: { X, y }, test: { X: Xt }, steps: T, eta });
    const z = trainEnsemble(sp, X, y, Xt, 512, eta, T, R);
    const zScores = (p: typeof theory) => z.flatMap((zi, i) => {
      const m = zi.reduce((a, b) => a + b, 0) / R;
      const v = zi.reduce((a, b) => a + (b - m) ** 2, 0) / (R - 1);
      // Standard errors: √(v/R) for the mean; √(2/(R−1))·v for the variance (near-Gaussian outputs).
      return [(m - p.mean![i]) / Math.sqrt(v / R), (v - p.covariance![i * 2 + i]) / (Math.sqrt(2 / (R - 1)) * v)];
    });
    const ok = zScores(theory);
    for (const zs of ok) expect(Math.abs(zs)).toBeLessThan(4);
    // The check can fail: neural-tangents' ½·mean loss (dynamics 3× slower here), or λ = C.
    const wrongLoss = zScores(predict(sp, { train: { X, y }, test: { X: Xt }, steps: T, eta, loss: 'mean' }));
    expect(Math.max(...wrongLoss.map(Math.abs))).toBeGreaterThan(8);
    const wrongLambda = zScores(predict({ ...sp, lambdaB: sp.Cb, lambdaW: sp.CW }, { train: { X, y }, test: { X: Xt }, steps: T, eta }));
    expect(Math.max(...wrongLambda.map(Math.abs))).toBeGreaterThan(4);
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI as users run it: the built bin (npm test builds first).

describe('wideflow predict (CLI)', () => {
  const cli = fileURLToPath(new URL('../dist/ts/cli.js', import.meta.url));
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, 'predict', ...args], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const dir = mkdtempSync(join(tmpdir(), 'wf-predict-cli-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const csv = (m: number[][]) => m.map((r) => r.map((v) => v.toPrecision(17)).join(',')).join('\n') + '\n';
  const trainCsv = file('train.csv', '# x1,x2,x3 then two labels\nx1,x2,x3,y1,y2\n' + csv(Xtr.map((x, a) => [...x, ...ytr[a]])));
  const testCsv = file('test.csv', csv(Xte));
  const net = ['--activation', 'tanh', '--depth', '3', '--cb', '0.1', '--cw', '1.4', '--lambda-b', '0.3', '--lambda-w', '1.1'];

  test('--json equals predict() on the same data (gradient descent, two outputs)', () => {
    const r = run('--train', trainCsv, '--test', testCsv, '--outputs', '2', ...net, '--steps', '40', '--eta', '0.2', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const p = predict(spec, { ...base, steps: 40, eta: 0.2 });
    expect(j.mean.flat()).toEqual(Array.from(p.mean!));
    expect(j.covariance.flat()).toEqual(Array.from(p.covariance!));
    expect(j.etaMax).toBe(p.etaMax);
    expect(j.diverges).toBe(false);
  });

  test('the NNGP posterior at --t inf, and the human-readable table', () => {
    const j = JSON.parse(run('--train', trainCsv, '--test', testCsv, '--outputs', '2', ...net, '--kernel', 'nngp', '--t', 'inf', '--ridge', '0.01', '--json').out);
    const p = predict(spec, { ...base, kernel: 'nngp', ridge: 0.01 });
    expect(j.t).toBe('Infinity');
    expect(j.mean.flat()).toEqual(Array.from(p.mean!));
    const h = run('--train', trainCsv, '--test', testCsv, '--outputs', '2', ...net, '--t', '3');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/NTK prediction, gradient flow to t = 3/);
    expect(h.out).toMatch(/η_max = 2\/λ_max/);
    expect(h.out.trim().split('\n')).toHaveLength(3 + 3);
  });

  test('divergence is a flag and a warning, not an error or NaN', () => {
    const r = run('--train', trainCsv, '--test', testCsv, '--outputs', '2', ...net, '--steps', '10', '--eta', '100', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.diverges).toBe(true);
    expect(r.out).not.toMatch(/NaN/);
    expect(r.err).toMatch(/warning: eta = 100 > etaMax/);
  });

  test('bad files and options: exit 1 with a message naming the place', () => {
    const nan = file('nan.csv', '1,2,3,4,NaN\n1,2,3,4,5\n');
    expect(run('--train', nan, '--test', testCsv, '--outputs', '2', ...net).err).toMatch(/nan\.csv:1 column 5 must be a finite number/);
    const ragged = file('ragged.csv', '1,2,3,4,5\n1,2,3,4\n');
    expect(run('--train', ragged, '--test', testCsv, '--outputs', '2', ...net).err).toMatch(/ragged\.csv:2 must be 5 columns/);
    const wide = file('wide.csv', '1,2,3,4\n');
    const w = run('--train', trainCsv, '--test', wide, '--outputs', '2', ...net);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/--test must be n₀ = 3 columns/);
    expect(run('--train', trainCsv, '--test', testCsv, '--outputs', '2', ...net, '--t', '-1').err).toMatch(/\bt must be a number ≥ 0/);
    expect(run('--train', trainCsv, '--test', testCsv, '--outputs', '2', ...net, '--steps', '1.5', '--eta', '0.1').err).toMatch(/steps must be an integer/);
    expect(run('--train', join(dir, 'missing.csv'), '--test', testCsv, ...net).err).toMatch(/--train must be a readable file/);
    expect(run('--train', trainCsv, '--test', testCsv, ...net, '--etta', '1').code).toBe(1);
  });
});
