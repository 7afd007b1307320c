/**
 * One network on N inputs: the draw of its parameters, the forward pass of every input, and the
 * back-propagation of step 1 — the TypeScript twin of `crates/core/src/sampling/multi/forward.rs`.
 */
import { Branch } from '../../numerics/activation.js';
import { dot, gemmNT, transpose } from '../../numerics/gemm.js';
import { drawParameters } from '../network/forward.js';
import type { MultiConfig } from './config.js';
import type { Workspace } from './workspace.js';

/** Draws network `index` (the same parameters as the single-input ensemble's network `index`). */
export function draw(ws: Workspace, cfg: MultiConfig, index: number): void {
  drawParameters(cfg.seed, index, cfg.widths, cfg.cw, cfg.cb, ws.w, ws.bias);
}

/** z⁽ᵐ⁾_α, σ…σ‴ at hidden layers, the Gram matrices s⁽ᵐ⁾_α·s⁽ᵐ⁾_β, μ_m, and (order ≥ 1) W⁽ᵐ⁾ᵀ. */
export function forward(ws: Workspace, cfg: MultiConfig): void {
  const wd = cfg.widths;
  const L = wd.length - 1;
  const N = cfg.inputs;
  const act = cfg.act;
  const d = new Float64Array(4);
  for (let m = 1; m <= L; m++) {
    const n = wd[m], np = wd[m - 1];
    const z = ws.z[m], b = ws.bias[m], sp = ws.s0[m - 1];
    gemmNT(N, n, np, sp, 0, np, ws.w[m], 0, np, z, 0, n);
    for (let a = 0; a < N; a++) for (let i = 0; i < n; i++) z[a * n + i] += b[i];
    if (m < L) {
      const s0 = ws.s0[m], s1 = ws.s1[m], s2 = ws.s2[m], s3 = ws.s3[m];
      for (let i = 0; i < N * n; i++) {
        act.evalBranch(z[i], Branch.Pointwise, d);
        s0[i] = d[0];
        s1[i] = d[1];
        s2[i] = d[2];
        s3[i] = d[3];
      }
    }
    const g = ws.ssg[m - 1];
    for (let a = 0; a < N; a++) {
      for (let b2 = a; b2 < N; b2++) {
        const v = dot(sp, a * np, sp, b2 * np, np);
        g[a * N + b2] = v;
        g[b2 * N + a] = v;
      }
    }
    ws.mu[m] = cfg.lambdaW[m - 1] / np;
  }
  if (cfg.order >= 1) {
    for (let m = 2; m < L; m++) transpose(wd[m], wd[m - 1], ws.w[m], 0, wd[m - 1], ws.wt[m], 0, wd[m]);
  }
}

/**
 * Step 1 for target layer ℓ: for every direction d = (b, β), ρ⁽ᵐ⁾_d = W⁽ᵐ⁺¹⁾ᵀδ⁽ᵐ⁺¹⁾_d (ρ⁽ℓ⁻¹⁾_d = row b of
 * W⁽ℓ⁾), δ⁽ᵐ⁾_d = σ′(z_β) ⊙ ρ⁽ᵐ⁾_d, and (order ≥ 2) γ⁽ᵐ⁾_{dd′} = δ⁽ᵐ⁾_d·δ⁽ᵐ⁾_{d′}, for m = ℓ−1 … 1.
 */
export function backPropagate(ws: Workspace, l: number, k: number, order: number): void {
  const wd = ws.widths;
  const N = ws.N;
  const D = k * N;
  for (let m = l - 1; m >= 1; m--) {
    const n = wd[m];
    const rho = ws.rho[m], delta = ws.delta[m], s1 = ws.s1[m];
    if (m === l - 1) {
      const w = ws.w[l];
      for (let b = 0; b < k; b++) for (let be = 0; be < N; be++) rho.set(w.subarray(b * n, (b + 1) * n), (b * N + be) * n);
    } else {
      const nn = wd[m + 1];
      gemmNT(D, n, nn, ws.delta[m + 1], 0, nn, ws.wt[m + 1], 0, nn, rho, 0, n);
    }
    for (let dd = 0; dd < D; dd++) {
      const be = dd % N;
      for (let j = 0; j < n; j++) delta[dd * n + j] = rho[dd * n + j] * s1[be * n + j];
    }
    if (order >= 2) {
      const gam = ws.gam[m];
      for (let a = 0; a < D; a++) {
        for (let b = a; b < D; b++) {
          const g = dot(delta, a * n, delta, b * n, n);
          gam[a * D + b] = g;
          gam[b * D + a] = g;
        }
      }
    }
  }
}
