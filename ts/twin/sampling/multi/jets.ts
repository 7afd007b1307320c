/**
 * Step 2: the forward jets ż, z̈ along the directions v_{b;β} evaluated at every input α, and the
 * third-order jet dd_IĤ by reverse accumulation — the TypeScript twin of
 * `crates/core/src/sampling/multi/jets.rs` (derivation in that module's docs).
 */
import { dot, gemmNT } from '../../numerics/gemm.js';
import type { Workspace } from './workspace.js';
import type { MultiConfig } from './config.js';

/** Pair indices p of directions d₁ ≤ d₂ (symmetric table) and the k × k identity. */
export function indexPairs(ws: Workspace, D: number, k: number): void {
  let p = 0;
  for (let a = 0; a < D; a++) {
    for (let b = a; b < D; b++) {
      ws.pidx[a * D + b] = p;
      ws.pidx[b * D + a] = p;
      p++;
    }
  }
  ws.eye.fill(0, 0, k * k);
  for (let a = 0; a < k; a++) ws.eye[a * k + a] = 1;
}

/**
 * ż⁽ᵐ⁾ rows r = d·N + α for m = 1 … ℓ (u̇ = σ′ż and σ⁽ᵐ⁾[r, β′] = s_β′·u̇_r below ℓ), and at order ≥ 2
 * z̈⁽ᵐ⁾ rows p·N + α (with τ⁽ᵐ⁾ at order 3). At the top layer only the k probed neurons are kept.
 */
export function forwardJets(ws: Workspace, cfg: MultiConfig, l: number, k: number, order: number): void {
  const wd = ws.widths;
  const N = ws.N;
  const D = k * N, E = D * N, P = (D * (D + 1)) / 2;
  indexPairs(ws, D, k);
  // the rows δ⁽ᵐ⁾_d (the identity rows e_b at the top)
  const del = (m: number): [Float64Array, number] => (m === l ? [ws.eye, k] : [ws.delta[m], wd[m]]);
  const cc = (m: number, a: number, b: number) => cfg.lambdaB[m - 1] + ws.mu[m] * ws.ssg[m - 1][a * N + b];
  for (let m = 0; m < l; m++) {
    const nn = m + 1 === l ? k : wd[m + 1];
    const zn = ws.zd[m + 1];
    const [dl, dn] = del(m + 1);
    if (m === 0) zn.fill(0, 0, E * nn);
    else {
      const n = wd[m];
      const zd = ws.zd[m], ud = ws.ud[m], s1 = ws.s1[m], s0 = ws.s0[m], sig = ws.sig[m];
      for (let r = 0; r < E; r++) {
        const a = r % N;
        for (let j = 0; j < n; j++) ud[r * n + j] = s1[a * n + j] * zd[r * n + j];
        for (let b = 0; b < N; b++) sig[r * N + b] = dot(s0, b * n, ud, r * n, n);
      }
      gemmNT(E, nn, n, ud, 0, n, ws.w[m + 1], 0, n, zn, 0, nn);
    }
    for (let d = 0; d < D; d++) {
      const be = d % N, b = (d - be) / N;
      const o = (dl === ws.eye ? b : d) * dn;
      for (let a = 0; a < N; a++) {
        const c = cc(m + 1, a, be);
        const row = (d * N + a) * nn;
        for (let j = 0; j < nn; j++) zn[row + j] += c * dl[o + j];
      }
    }
  }
  if (order < 2) return;
  for (let m = 0; m < l; m++) {
    const nn = m + 1 === l ? k : wd[m + 1];
    const zn = ws.zdd[m + 1];
    const [dl, dn] = del(m + 1);
    const top = dl === ws.eye;
    if (m === 0) {
      zn.fill(0, 0, P * N * nn);
      continue;
    }
    const n = wd[m];
    const zd = ws.zd[m], zdd = ws.zdd[m], s0 = ws.s0[m], s1 = ws.s1[m], s2 = ws.s2[m], sig = ws.sig[m], tau = ws.tau[m];
    const stk = ws.stk;
    for (let d1 = 0; d1 < D; d1++) {
      for (let d2 = d1; d2 < D; d2++) {
        const p = ws.pidx[d1 * D + d2];
        for (let a = 0; a < N; a++) {
          const row = (p * N + a) * n, r1 = (d1 * N + a) * n, r2 = (d2 * N + a) * n;
          for (let j = 0; j < n; j++) stk[row + j] = s2[a * n + j] * zd[r1 + j] * zd[r2 + j] + s1[a * n + j] * zdd[row + j];
          if (order >= 3) for (let b = 0; b < N; b++) tau[(p * N + a) * N + b] = dot(s0, b * n, stk, row, n);
        }
      }
    }
    gemmNT(P * N, nn, n, stk, 0, n, ws.w[m + 1], 0, n, zn, 0, nn);
    const mu = ws.mu[m + 1];
    for (let d1 = 0; d1 < D; d1++) {
      const b1 = d1 % N, o1 = (top ? (d1 - b1) / N : d1) * dn;
      for (let d2 = d1; d2 < D; d2++) {
        const b2 = d2 % N, o2 = (top ? (d2 - b2) / N : d2) * dn;
        const p = ws.pidx[d1 * D + d2];
        for (let a = 0; a < N; a++) {
          const sa = sig[(d2 * N + a) * N + b1], sb = sig[(d1 * N + a) * N + b2];
          const row = (p * N + a) * nn;
          for (let j = 0; j < nn; j++) zn[row + j] += mu * (dl[o1 + j] * sa + dl[o2 + j] * sb);
        }
      }
    }
  }
}

/**
 * Σ over ordered pairs i ≠ j of dd_IĤ_{iijj;δ0δ1δ2δ3} = D³z_{i;δ0}[v_{i;δ1}, v_{j;δ2}, v_{j;δ3}], added to
 * `out` (N⁴, row-major), by reverse accumulation of the third-order forward jet:
 *   z⃛⁽ℓ⁾_e = Σ_{m=2}^{ℓ} μ_m Σ_cyc γ⁽ᵐ⁾_{e,d₁} τ⁽ᵐ⁻¹⁾_{α,β₁}[d₂d₃] + Σ_{m=1}^{ℓ−1} ρ⁽ᵐ⁾_e·h⁽ᵐ⁾_α,
 *   h = σ‴ż₁ż₂ż₃ + σ″(z̈₁₂ż₃ + z̈₁₃ż₂ + z̈₂₃ż₁)   (e = (i, δ0); γ⁽ℓ⁾ = 1 on the same neuron, else 0).
 */
export function ddI(ws: Workspace, l: number, k: number, out: Float64Array, off: number): void {
  const wd = ws.widths;
  const N = ws.N;
  const D = k * N;
  const h = ws.hbuf;
  for (let i = 0; i < k; i++) {
    for (let jn = 0; jn < k; jn++) {
      if (jn === i) continue;
      for (let a = 0; a < N; a++) {
        const e = i * N + a;
        for (let b1 = 0; b1 < N; b1++) {
          const d1 = i * N + b1;
          for (let b2 = 0; b2 < N; b2++) {
            const d2 = jn * N + b2;
            const p12 = ws.pidx[d1 * D + d2];
            for (let b3 = 0; b3 < N; b3++) {
              const d3 = jn * N + b3;
              const p13 = ws.pidx[d1 * D + d3], p23 = ws.pidx[d2 * D + d3];
              let val = 0;
              for (let m = 1; m <= l; m++) {
                if (m < l) {
                  const n = wd[m];
                  const zd = ws.zd[m], zdd = ws.zdd[m], s2 = ws.s2[m], s3 = ws.s3[m];
                  const r1 = (d1 * N + a) * n, r2 = (d2 * N + a) * n, r3 = (d3 * N + a) * n;
                  const q12 = (p12 * N + a) * n, q13 = (p13 * N + a) * n, q23 = (p23 * N + a) * n;
                  for (let j = 0; j < n; j++) {
                    const z1 = zd[r1 + j], z2 = zd[r2 + j], z3 = zd[r3 + j];
                    h[j] = s3[a * n + j] * z1 * z2 * z3 + s2[a * n + j] * (zdd[q12 + j] * z3 + zdd[q13 + j] * z2 + zdd[q23 + j] * z1);
                  }
                  val += dot(ws.rho[m], e * n, h, 0, n);
                }
                if (m >= 2) {
                  const t = ws.tau[m - 1];
                  const g1 = m === l ? 1 : ws.gam[m][e * D + d1];
                  const g2 = m === l ? 0 : ws.gam[m][e * D + d2];
                  const g3 = m === l ? 0 : ws.gam[m][e * D + d3];
                  val += ws.mu[m] * (g1 * t[(p23 * N + a) * N + b1] + g2 * t[(p13 * N + a) * N + b2] + g3 * t[(p12 * N + a) * N + b3]);
                }
              }
              out[off + ((a * N + b1) * N + b2) * N + b3] += val;
            }
          }
        }
      }
    }
  }
}
