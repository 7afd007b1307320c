/**
 * The O(1/n) mean and covariance of the outputs of networks trained by T steps of full-batch gradient
 * descent (one output neuron, n_L = 1; PDLT ch. ∞), from the initialization statistics of the network.
 * Derivation: docs/theory/training-finite.md §3–4. In short: z_T = Φ(z, H, dH, ddI, ddII) is the
 * per-network truncated map of ./finite-dynamics.ts; over the initialization ensemble
 *
 *   E[f] = ⟨f₀⟩_K + (1/n){ ½G1_cd⟨∂_c∂_d f₀⟩ + H1_ab⟨∂_{H_ab} f⟩ + ½ C_{ab,cd}⟨∂_{H_ab}∂_{H_cd} f⟩
 *          + ½ κ_{ab,cd}⟨∂_c∂_d ∂_{H_ab} f⟩ + E_{abc,d}⟨∂_d ∂_{dH_abc} f⟩ + R_{abcd}⟨∂_{ddI_abcd} f⟩ + S_{abcd}⟨∂_{ddII_abcd} f⟩ }
 *
 * for f = z_T(δ) and f = z_T(δ)z_T(δ′), all derivatives at H = Θ, dH = 0, dd = 0, ⟨·⟩_K the Gaussian
 * average over z ~ N(0, K) on all P inputs, and n·Cov(H_ab, H_cd) = C, n·Cum(H_ab, z_c, z_d) = κ,
 * n·E[dH_abc z_d] = E, n·E[ddI] = R, n·E[ddII] = S (the moment tensors below). The four-point vertex V
 * does not enter: f₀ is a polynomial of degree ≤ 2 in z (the dynamics at H = Θ is linear).
 *
 * Numerics (exact up to rounding): z-derivatives in Stein form (⟨∂_c g⟩ = ⟨g ẑ_c⟩,
 * ⟨∂_c∂_d g⟩ = ⟨g(ẑ_cẑ_d − K⁻¹_cd)⟩, ẑ = K⁻¹z); every integrand is then a polynomial of degree ≤ 4 in
 * z, integrated exactly by the fully symmetric degree-5 Gaussian cubature (2P² + 1 points) in Cholesky
 * coordinates z = Lu; derivatives along H, dH, dd by Taylor jets of degree 2 in one variable s pushed
 * through the T-step map (the map is a polynomial, so the jets are exact); the H covariance term by the
 * eigendecomposition of C restricted to the entries H_{δα} the map reads.
 */
import { InvalidParameterError } from './errors.js';
import { symmetricEigen } from './linalg.js';
import type { FiniteStage } from './finite-dynamics.js';
import type { TheoryMultiLayer } from './multi.js';

/**
 * The initialization statistics the O(1/n) training statistics need, over P inputs (training first),
 * n = n_{L−1}; P×P matrices row-major, P⁴ tensors dense row-major. Conventions: docs/theory/multi.md §1
 * and docs/theory/training-finite.md §3.
 */
export interface FiniteMoments {
  /** K_{δ1δ2} (PDLT §4.1): E[z z] = K + G1/n. */
  K: ArrayLike<number>;
  /** G1_{δ1δ2} (§4.3). */
  G1: ArrayLike<number>;
  /** Θ_{δ1δ2} (§8.1): E[Ĥ] = Θ + H1/n. */
  Theta: ArrayLike<number>;
  /** H1_{δ1δ2} (§8.3). */
  H1: ArrayLike<number>;
  /** n·Cov(Ĥ_{δ1δ2}, Ĥ_{δ3δ4}) = A_{(δ1δ2)(δ3δ4)} + B_{δ1δ3δ2δ4} + B_{δ1δ4δ2δ3} (n_L = 1). */
  covH: ArrayLike<number>;
  /** n·Cum(Ĥ_{δ1δ2}, z_{δ3}, z_{δ4}) = D_{δ1δ2δ3δ4} + F_{δ1δ3δ2δ4} + F_{δ1δ4δ2δ3} (n_L = 1). */
  cumHzz: ArrayLike<number>;
  /** n·E[dĤ_{δ0δ1δ2} z_{δ3}] = P_{δ0δ1δ2δ3} + Q_{δ0δ1δ2δ3} + Q_{δ0δ2δ1δ3} (n_L = 1; COMMON conventions); stages 'dntk', 'full'. */
  dHz?: ArrayLike<number>;
  /** n·E[dd_IĤ_{δ0δ1δ2δ3}] = R_{0123} + R_{0213} + R_{0312}; stage 'full'. */
  ddI?: ArrayLike<number>;
  /** n·E[dd_IIĤ_{δ1δ2δ3δ4}] = S + T + U; stage 'full'. */
  ddII?: ArrayLike<number>;
}

export interface FiniteStatistics {
  /** E[z_T(δ)] = mean0 + mean1/n on all P inputs (training first). */
  mean0: Float64Array;
  mean1: Float64Array;
  /** Cov[z_T(δ1), z_T(δ2)] = cov0 + cov1/n (P × P). */
  cov0: Float64Array;
  cov1: Float64Array;
  /** The parts of mean1 and cov1 by source (G1, H1, covH, cumHzz, dH, dd), for diagnostics. */
  parts: Record<'G1' | 'H1' | 'covH' | 'cumHzz' | 'dH' | 'dd', { mean: Float64Array; cov: Float64Array }>;
}

/** Lower Cholesky factor of a positive-definite matrix (throws InvalidParameterError otherwise). */
function cholesky(K: ArrayLike<number>, P: number): Float64Array {
  const L = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) {
      let s = K[i * P + j];
      for (let k = 0; k < j; k++) s -= L[i * P + k] * L[j * P + k];
      if (i === j) {
        if (!(s > 1e-13 * Math.abs(K[i * P + i]))) {
          throw new InvalidParameterError('inputs', `K not positive definite at input ${i}`, 'distinct inputs (K on train ∪ test must be positive definite for the Stein form)');
        }
        L[i * P + i] = Math.sqrt(s);
      } else L[i * P + j] = s / L[j * P + j];
    }
  }
  return L;
}

/** The degree-5 fully symmetric cubature for N(0, 1_d): origin, ±√3 e_i, (±√3, ±√3) on each pair i < j. */
export function cubature5(d: number): { points: Float64Array[]; weights: number[] } {
  const r = Math.sqrt(3);
  const points: Float64Array[] = [new Float64Array(d)];
  const weights = [(d * d - 7 * d + 18) / 18];
  for (let i = 0; i < d; i++) {
    for (const s of [r, -r]) {
      const p = new Float64Array(d);
      p[i] = s;
      points.push(p);
      weights.push((4 - d) / 18);
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      for (const a of [r, -r]) {
        for (const b of [r, -r]) {
          const p = new Float64Array(d);
          p[i] = a;
          p[j] = b;
          points.push(p);
          weights.push(1 / 36);
        }
      }
    }
  }
  return { points, weights };
}

/**
 * One T-step run of the truncated map on degree-2 jets in s: every state array holds 3 planes
 * (value, d/ds, ½d²/ds²). z starts as a plain value; H, dH, ddI, ddII are given as jets (null = 0).
 * Returns the jet of z_T (3 planes of P).
 */
function runJets(
  P: number, N: number, y: ArrayLike<number>, eta: number, T: number, z0: Float64Array,
  H: Float64Array, dH: Float64Array | null, ddI: Float64Array | null, ddII: Float64Array | null, order: number,
): Float64Array {
  const P2 = P * P, P3 = P2 * P, P4 = P3 * P;
  const K = order + 1;
  const z = new Float64Array(3 * P);
  z.set(z0);
  const Hs = Float64Array.from(H);
  const dHs = dH ? Float64Array.from(dH) : null;
  const e = new Float64Array(3 * N), ee = new Float64Array(3 * N * N);
  const dz = new Float64Array(3 * P), dHH = new Float64Array(3 * P2), ddH = new Float64Array(dHs && (ddI || ddII) ? 3 * P3 : 0);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < K; k++) for (let a = 0; a < N; a++) e[k * N + a] = z[k * P + a] - (k === 0 ? y[a] : 0);
    ee.fill(0);
    for (let k = 0; k < K; k++) {
      for (let i = 0; i <= k; i++) {
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) ee[k * N * N + a * N + b] += e[i * N + a] * e[(k - i) * N + b];
      }
    }
    dz.fill(0);
    for (let k = 0; k < K; k++) {
      for (let i = 0; i <= k; i++) {
        const j = k - i;
        for (let d = 0; d < P; d++) {
          let s = 0;
          for (let a = 0; a < N; a++) s += Hs[i * P2 + d * P + a] * e[j * N + a];
          dz[k * P + d] -= eta * s;
          if (dHs) {
            let s2 = 0;
            for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) s2 += dHs[i * P3 + (d * P + a) * P + b] * ee[j * N * N + a * N + b];
            dz[k * P + d] += 0.5 * eta * eta * s2;
          }
          if (ddI) {
            // −(η³/6) ddI εεε: jets of ddI (plane i) times εε (plane j′) times ε (plane j − j′)
            let s3 = 0;
            for (let j1 = 0; j1 <= j; j1++) {
              for (let a = 0; a < N; a++) {
                for (let b = 0; b < N; b++) {
                  let u = 0;
                  for (let c = 0; c < N; c++) u += ddI[i * P4 + ((d * P + a) * P + b) * P + c] * e[(j - j1) * N + c];
                  s3 += u * ee[j1 * N * N + a * N + b];
                }
              }
            }
            dz[k * P + d] -= (eta ** 3 / 6) * s3;
          }
        }
      }
    }
    if (dHs) {
      dHH.fill(0);
      for (let k = 0; k < K; k++) {
        for (let i = 0; i <= k; i++) {
          const j = k - i;
          for (let d1 = 0; d1 < P; d1++) {
            for (let d2 = 0; d2 < P; d2++) {
              let s = 0;
              for (let a = 0; a < N; a++) s += (dHs[i * P3 + (d1 * P + d2) * P + a] + dHs[i * P3 + (d2 * P + d1) * P + a]) * e[j * N + a];
              let s2 = 0;
              if (ddI || ddII) {
                for (let a = 0; a < N; a++) {
                  for (let b = 0; b < N; b++) {
                    const i12 = ((d1 * P + d2) * P + a) * P + b, i21 = ((d2 * P + d1) * P + a) * P + b;
                    const c = (ddI ? 0.5 * ddI[i * P4 + i12] + 0.5 * ddI[i * P4 + i21] : 0) + (ddII ? ddII[i * P4 + i12] : 0);
                    s2 += c * ee[j * N * N + a * N + b];
                  }
                }
              }
              dHH[k * P2 + d1 * P + d2] += -eta * s + eta * eta * s2;
            }
          }
        }
      }
      if (ddI || ddII) {
        ddH.fill(0);
        for (let k = 0; k < K; k++) {
          for (let i = 0; i <= k; i++) {
            const j = k - i;
            for (let d0 = 0; d0 < P; d0++) {
              for (let d1 = 0; d1 < P; d1++) {
                for (let d2 = 0; d2 < P; d2++) {
                  let s = 0;
                  const b012 = ((d0 * P + d1) * P + d2) * P, b021 = ((d0 * P + d2) * P + d1) * P;
                  for (let a = 0; a < N; a++) {
                    const c = (ddI ? ddI[i * P4 + b012 + a] : 0) + (ddII ? ddII[i * P4 + b012 + a] + ddII[i * P4 + b021 + a] : 0);
                    s += c * e[j * N + a];
                  }
                  ddH[k * P3 + (d0 * P + d1) * P + d2] -= eta * s;
                }
              }
            }
          }
        }
        for (let i = 0; i < K * P3; i++) dHs[i] += ddH[i];
      }
      for (let i = 0; i < K * P2; i++) Hs[i] += dHH[i];
    }
    for (let i = 0; i < K * P; i++) z[i] += dz[i];
  }
  return z;
}

/** A jet (3 planes) with value `v0` and first-order coefficient `v1` (either may be null = 0). */
function jet(size: number, v0: ArrayLike<number> | null, v1: ArrayLike<number> | null): Float64Array {
  const j = new Float64Array(3 * size);
  if (v0) for (let i = 0; i < size; i++) j[i] = v0[i];
  if (v1) for (let i = 0; i < size; i++) j[size + i] = v1[i];
  return j;
}

/**
 * The O(1/n) statistics of z_T on all P inputs (training first) after `steps` steps of gradient descent
 * at step `eta` on the N targets `y`, for the given stage: 'frozen' keeps G1, H1, C, κ (the fluctuating
 * but frozen NTK), 'dntk' adds the dNTK term, 'full' the ddNTK terms.
 */
export function finiteStatistics(m: FiniteMoments, y: ArrayLike<number>, eta: number, steps: number, stage: FiniteStage): FiniteStatistics {
  const P = Math.round(Math.sqrt(m.K.length)), N = y.length;
  if (P * P !== m.K.length || P < 1) throw new InvalidParameterError('moments.K', m.K.length, 'P² values');
  if (!(N >= 1 && N <= P)) throw new InvalidParameterError('y', N, `1 … ${P} training targets`);
  if (!Number.isFinite(eta) || eta <= 0) throw new InvalidParameterError('eta', eta, 'a finite number > 0');
  if (!Number.isInteger(steps) || steps < 0) throw new InvalidParameterError('steps', steps, 'an integer ≥ 0');
  if (!['frozen', 'dntk', 'full'].includes(stage)) throw new InvalidParameterError('stage', stage, "'frozen', 'dntk' or 'full'");
  const P2 = P * P, P3 = P2 * P, P4 = P3 * P;
  for (const [k, len] of [['G1', P2], ['Theta', P2], ['H1', P2], ['covH', P4], ['cumHzz', P4]] as const) {
    if (m[k].length !== len) throw new InvalidParameterError(`moments.${k}`, m[k].length, `${len} values`);
  }
  const useD = stage !== 'frozen', useDD = stage === 'full';
  if (useD && m.dHz?.length !== P4) throw new InvalidParameterError('moments.dHz', m.dHz?.length, `${P4} values (n·E[dĤ z]) for stage '${stage}'`);
  if (useDD && (m.ddI?.length !== P4 || m.ddII?.length !== P4)) throw new InvalidParameterError('moments.ddI/ddII', m.ddI?.length, `${P4} values each for stage 'full'`);

  const L = cholesky(m.K, P);
  // K⁻¹ = L⁻ᵀL⁻¹ and ẑ = K⁻¹ Lu = L⁻ᵀu
  const Linv = new Float64Array(P2);
  for (let c = 0; c < P; c++) {
    for (let i = 0; i < P; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * P + k] * Linv[k * P + c];
      Linv[i * P + c] = s / L[i * P + i];
    }
  }
  const Kinv = new Float64Array(P2);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) for (let k = 0; k < P; k++) Kinv[i * P + j] += Linv[k * P + i] * Linv[k * P + j];
  let trKG = 0;
  for (let i = 0; i < P2; i++) trKG += Kinv[i] * m.G1[i];

  // C restricted to the entries H_{δα} (α < N) the map reads; its eigenpairs are the second-derivative directions
  const nv = P * N;
  const C = new Float64Array(nv * nv);
  for (let u = 0; u < nv; u++) {
    const [d1, a1] = [Math.floor(u / N), u % N];
    for (let v = 0; v < nv; v++) {
      const [d2, a2] = [Math.floor(v / N), v % N];
      C[u * nv + v] = 0.5 * (m.covH[((d1 * P + a1) * P + d2) * P + a2] + m.covH[((d2 * P + a2) * P + d1) * P + a1]);
    }
  }
  const eig = symmetricEigen(C, nv);
  const cmax = Math.max(...Array.from(eig.values, Math.abs), 0);
  const dirs: { lam: number; U: Float64Array }[] = [];
  for (let k = 0; k < nv; k++) {
    const lam = eig.values[k];
    if (Math.abs(lam) <= 1e-15 * cmax) continue;
    const U = new Float64Array(P2);
    for (let u = 0; u < nv; u++) U[Math.floor(u / N) * P + (u % N)] = eig.vectors[u * nv + k];
    dirs.push({ lam, U });
  }

  const zero = (s: number) => new Float64Array(s);
  const mk = () => ({ mean: zero(P), cov: zero(P2) });
  const parts = { G1: mk(), H1: mk(), covH: mk(), cumHzz: mk(), dH: mk(), dd: mk() };
  const mean0 = zero(P), M2 = zero(P2);
  const ddIj = useDD ? jet(P4, null, m.ddI!) : null, ddIIj = useDD ? jet(P4, null, m.ddII!) : null;
  // first-order contributions c·F1 to the mean and c·(F1F0ᵀ + F0F1ᵀ) to the second moment
  const addFirst = (part: { mean: Float64Array; cov: Float64Array }, w: number, F: Float64Array) => {
    for (let d = 0; d < P; d++) part.mean[d] += w * F[P + d];
    for (let d = 0; d < P; d++) for (let e = 0; e < P; e++) part.cov[d * P + e] += w * (F[P + d] * F[e] + F[d] * F[P + e]);
  };
  const { points, weights } = cubature5(P);
  const z = new Float64Array(P), zh = new Float64Array(P);
  points.forEach((u, q) => {
    const w = weights[q];
    for (let i = 0; i < P; i++) {
      let s = 0, t = 0;
      for (let k = 0; k <= i; k++) s += L[i * P + k] * u[k];
      for (let k = 0; k < P; k++) t += Linv[k * P + i] * u[k];
      z[i] = s;
      zh[i] = t;
    }
    // base run with the H1 direction: F0 = f₀, F1 = ∂_s f(Θ + sH1)
    const F = runJets(P, N, y, eta, steps, z, jet(P2, m.Theta, m.H1), null, null, null, 1);
    for (let d = 0; d < P; d++) mean0[d] += w * F[d];
    for (let d = 0; d < P; d++) for (let e = 0; e < P; e++) M2[d * P + e] += w * F[d] * F[e];
    addFirst(parts.H1, w, F);
    // ½ G1_cd ⟨∂_c∂_d f₀⟩ = ½⟨f₀ (ẑᵀG1ẑ − tr K⁻¹G1)⟩
    let g = -trKG;
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) g += zh[i] * m.G1[i * P + j] * zh[j];
    g *= 0.5;
    for (let d = 0; d < P; d++) parts.G1.mean[d] += w * g * F[d];
    for (let d = 0; d < P; d++) for (let e = 0; e < P; e++) parts.G1.cov[d * P + e] += w * g * F[d] * F[e];
    // ½ C ∂²_H: Σ_k λ_k · ½ d²/ds² f(Θ + s e_k); the jet's plane 2 is ½ d²/ds²
    for (const { lam, U } of dirs) {
      const G = runJets(P, N, y, eta, steps, z, jet(P2, m.Theta, U), null, null, null, 2);
      for (let d = 0; d < P; d++) parts.covH.mean[d] += w * lam * G[2 * P + d];
      for (let d = 0; d < P; d++) {
        for (let e = 0; e < P; e++) parts.covH.cov[d * P + e] += w * lam * (G[2 * P + d] * G[e] + G[P + d] * G[P + e] + G[d] * G[2 * P + e]);
      }
    }
    // ½ κ_{ab,cd}⟨∂_c∂_d ∂_{H_ab} f⟩ = ½⟨∂_s f(Θ + s M(z))⟩, M_ab = κ_{ab,cd}(ẑ_cẑ_d − K⁻¹_cd)
    const M = new Float64Array(P2);
    for (let ab = 0; ab < P2; ab++) {
      let s = 0;
      for (let c = 0; c < P; c++) for (let d = 0; d < P; d++) s += m.cumHzz[ab * P2 + c * P + d] * (zh[c] * zh[d] - Kinv[c * P + d]);
      M[ab] = 0.5 * s;
    }
    addFirst(parts.cumHzz, w, runJets(P, N, y, eta, steps, z, jet(P2, m.Theta, M), null, null, null, 1));
    if (useD) {
      // E_{abc,d}⟨∂_d ∂_{dH_abc} f⟩ = ⟨∂_s f(dH = s·Dir(z))⟩, Dir_abc = E_{abc,d} ẑ_d
      const Dir = new Float64Array(P3);
      for (let abc = 0; abc < P3; abc++) {
        let s = 0;
        for (let d = 0; d < P; d++) s += m.dHz![abc * P + d] * zh[d];
        Dir[abc] = s;
      }
      addFirst(parts.dH, w, runJets(P, N, y, eta, steps, z, jet(P2, m.Theta, null), jet(P3, null, Dir), null, null, 1));
    }
    if (useDD) addFirst(parts.dd, w, runJets(P, N, y, eta, steps, z, jet(P2, m.Theta, null), jet(P3, null, null), ddIj, ddIIj, 1));
  });
  const mean1 = zero(P), cov1 = zero(P2);
  for (const part of Object.values(parts)) {
    for (let d = 0; d < P; d++) mean1[d] += part.mean[d];
  }
  const cov0 = zero(P2);
  for (let d = 0; d < P; d++) for (let e = 0; e < P; e++) cov0[d * P + e] = M2[d * P + e] - mean0[d] * mean0[e];
  // parts hold second-moment contributions; turn each into its covariance contribution
  for (const part of Object.values(parts)) {
    for (let d = 0; d < P; d++) {
      for (let e = 0; e < P; e++) {
        part.cov[d * P + e] -= mean0[d] * part.mean[e] + part.mean[d] * mean0[e];
        cov1[d * P + e] += part.cov[d * P + e];
      }
    }
  }
  return { mean0, mean1, cov0, cov1, parts };
}

/** Dense P⁴ array of a 4-index function. */
function dense4(P: number, f: (a: number, b: number, c: number, d: number) => number): Float64Array {
  const out = new Float64Array(P ** 4);
  for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) for (let c = 0; c < P; c++) for (let d = 0; d < P; d++) out[((a * P + b) * P + c) * P + d] = f(a, b, c, d);
  return out;
}

/** A 4-index tensor with sample indices as theory() returns them (SampleTensor). */
interface Tensor4 {
  get(d0: number, d1: number, d2: number, d3: number): number;
}

/**
 * The moments from the last layer of `theory()` with many inputs (docs/theory/multi.md §1) at n_L = 1, where
 * every neuron Kronecker delta is 1: n·Cov(Ĥ_ab, Ĥ_cd) = A_(ab)(cd) + B_acbd + B_adbc,
 * n·Cum(Ĥ_ab, z_c, z_d) = D_abcd + F_acbd + F_adbc. When the layer also carries the dNTK/ddNTK tensors with
 * sample indices (P, Q, R, S, T, U in the conventions of plan/COMMON.md; not computed by theory() yet), the
 * stage-(b)/(c) moments are filled too: n·E[dĤ_012 z_3] = P_0123 + Q_0123 + Q_0213,
 * n·E[dd_IĤ_0123] = R_0123 + R_0213 + R_0312, n·E[dd_IIĤ_1234] = S_1234 + T_1234 + U_1234
 * (training-finite.md §1; this path is not validated until those tensors exist).
 */
export function momentsFromTheory(layer: TheoryMultiLayer): FiniteMoments {
  const P = layer.V.n;
  const m: FiniteMoments = {
    K: layer.K, G1: layer.G1, Theta: layer.Theta, H1: layer.H1,
    covH: dense4(P, (a, b, c, d) => layer.A.get(a, b, c, d) + layer.B.get(a, c, b, d) + layer.B.get(a, d, b, c)),
    cumHzz: dense4(P, (a, b, c, d) => layer.D.get(a, b, c, d) + layer.F.get(a, c, b, d) + layer.F.get(a, d, b, c)),
  };
  const t = layer as unknown as Partial<Record<'P' | 'Q' | 'R' | 'S' | 'T' | 'U', Tensor4>>;
  const has = (k: 'P' | 'Q' | 'R' | 'S' | 'T' | 'U') => typeof t[k]?.get === 'function';
  if (has('P') && has('Q')) m.dHz = dense4(P, (a, b, c, d) => t.P!.get(a, b, c, d) + t.Q!.get(a, b, c, d) + t.Q!.get(a, c, b, d));
  if (has('R') && has('S') && has('T') && has('U')) {
    m.ddI = dense4(P, (a, b, c, d) => t.R!.get(a, b, c, d) + t.R!.get(a, c, b, d) + t.R!.get(a, d, b, c));
    m.ddII = dense4(P, (a, b, c, d) => t.S!.get(a, b, c, d) + t.T!.get(a, b, c, d) + t.U!.get(a, b, c, d));
  }
  return m;
}
