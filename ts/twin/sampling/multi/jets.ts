/**
 * Step 2: the forward jets ż along the directions v_{b;β} evaluated at every input α, and dĤ by
 * reverse accumulation of the second-order jet — the TypeScript twin of
 * `crates/core/src/sampling/multi/jets.rs` (derivation in that module's docs).
 */
import { dot, gemmNT } from '../../numerics/gemm.js';
import type { Workspace } from './workspace.js';
import type { MultiConfig } from './config.js';

/** The k × k identity (the δ⁽ℓ⁾ rows at the top). */
function identity(ws: Workspace, k: number): void {
  ws.eye.fill(0, 0, k * k);
  for (let a = 0; a < k; a++) ws.eye[a * k + a] = 1;
}

/**
 * ż⁽ᵐ⁾ rows r = d·N + α for m = 1 … ℓ (u̇ = σ′ż and σ⁽ᵐ⁾[r, β′] = s_β′·u̇_r below ℓ). At the top layer
 * only the k probed neurons are kept. No second-order rows: dĤ and dd_IĤ come by reverse accumulation.
 */
export function forwardJets(ws: Workspace, cfg: MultiConfig, l: number, k: number): void {
  const wd = ws.widths;
  const N = ws.N;
  const D = k * N, E = D * N;
  identity(ws, k);
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
}

/**
 * dĤ_e[d₁, d₂] = D²z_e[v_{d₁}, v_{d₂}] for e = (a, α) (index a·N + α) by reverse accumulation of the
 * second-order forward jet, with no z̈ rows:
 *   Σ_{m=1}^{ℓ−1} ρ⁽ᵐ⁾_e·(s″_α ż_α[d₁] ż_α[d₂]) + Σ_{m=2}^{ℓ} μ_m (γ⁽ᵐ⁾_{e,d₁} σ⁽ᵐ⁻¹⁾_{α,β₁}[d₂] + γ⁽ᵐ⁾_{e,d₂} σ⁽ᵐ⁻¹⁾_{α,β₂}[d₁])
 * (γ⁽ℓ⁾ = 1 on the same neuron, else 0).
 */
export function dh(ws: Workspace, l: number, k: number, e: number, d1: number, d2: number): number {
  const N = ws.N;
  const a = e % N, b1 = d1 % N, b2 = d2 % N;
  let val = 0;
  for (let m = 1; m <= l; m++) {
    if (m < l) {
      const n = ws.widths[m];
      const zd = ws.zd[m], s2 = ws.s2[m], rho = ws.rho[m];
      const r1 = (d1 * N + a) * n, r2 = (d2 * N + a) * n, re = e * n, sa = a * n;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += rho[re + j] * s2[sa + j] * zd[r1 + j] * zd[r2 + j];
      val += acc;
    }
    if (m >= 2) {
      const D = k * N;
      const ie = (e - a) / N;
      const g1 = m === l ? (ie === (d1 - b1) / N ? 1 : 0) : ws.gam[m][e * D + d1];
      const g2 = m === l ? (ie === (d2 - b2) / N ? 1 : 0) : ws.gam[m][e * D + d2];
      const sig = ws.sig[m - 1];
      val += ws.mu[m] * (g1 * sig[(d2 * N + a) * N + b1] + g2 * sig[(d1 * N + a) * N + b2]);
    }
  }
  return val;
}
