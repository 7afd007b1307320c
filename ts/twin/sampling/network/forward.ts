/**
 * Sampling and the forward/backward passes of one network — the TypeScript twin of
 * `crates/core/src/sampling/network/forward.rs`: draw W⁽ᵐ⁾, b⁽ᵐ⁾ from the network's RNG stream,
 * run z⁽ᵐ⁾ and σ…σ‴ forward, and back-propagate ρ⁽ᵐ⁾, δ⁽ᵐ⁾, γ⁽ᵐ⁾ from a layer ℓ.
 */
import { Branch } from '../../numerics/activation.js';
import { dot, gemmNT, gemv, transpose } from '../../numerics/gemm.js';
import { Rng } from '../../numerics/rng.js';
import type { Config } from './config.js';
import type { Workspace } from './workspace.js';

/** Draws network `index`: W⁽ᵐ⁾ then b⁽ᵐ⁾ for m = 1 … L from stream `index` of the config's seed. */
export function draw(ws: Workspace, cfg: Config, index: number): void {
  const wd = cfg.widths;
  const L = wd.length - 1;
  const rng = new Rng(cfg.seed, index);
  for (let m = 1; m <= L; m++) {
    rng.fillNormal(ws.w[m], Math.sqrt(cfg.cw[m - 1] / wd[m - 1]));
    rng.fillNormal(ws.bias[m], Math.sqrt(cfg.cb[m - 1]));
  }
}

/** z⁽ᵐ⁾, σ…σ‴ at hidden layers, μ_m, c_m, zzc_m, and the transposes W⁽ᵐ⁾ᵀ (order ≥ 1). */
export function forward(ws: Workspace, cfg: Config): void {
  const wd = cfg.widths;
  const L = wd.length - 1;
  const act = cfg.act;
  ws.s0[0].set(cfg.x);
  const d = ws.d4;
  for (let m = 1; m <= L; m++) {
    const n = wd[m], np = wd[m - 1];
    const z = ws.z[m], b = ws.bias[m];
    gemv(n, np, ws.w[m], 0, np, ws.s0[m - 1], 0, z, 0);
    for (let i = 0; i < n; i++) z[i] += b[i];
    if (m < L) {
      const s0 = ws.s0[m], s1 = ws.s1[m], s2 = ws.s2[m], s3 = ws.s3[m];
      for (let i = 0; i < n; i++) {
        act.evalBranch(z[i], Branch.Pointwise, d);
        s0[i] = d[0];
        s1[i] = d[1];
        s2[i] = d[2];
        s3[i] = d[3];
      }
    }
    const ss = dot(ws.s0[m - 1], 0, ws.s0[m - 1], 0, np);
    ws.mu[m] = cfg.lambdaW[m - 1] / np;
    ws.c[m] = cfg.lambdaB[m - 1] + ws.mu[m] * ss;
    ws.zzc[m] = cfg.cb[m - 1] + (cfg.cw[m - 1] * ss) / np;
  }
  if (cfg.order >= 1) {
    for (let m = 2; m < L; m++) transpose(wd[m], wd[m - 1], ws.w[m], 0, wd[m - 1], ws.wt[m], 0, wd[m]);
  }
}

/** Step 1 of a layer ℓ: back-propagation ρ⁽ᵐ⁾, δ⁽ᵐ⁾ (and γ⁽ᵐ⁾ at order 3) for m = ℓ−1 … 1. */
export function backPropagate(ws: Workspace, l: number, k: number, order: number): void {
  const wd = ws.widths;
  for (let m = l - 1; m >= 1; m--) {
    const n = wd[m];
    const rho = ws.rho[m], delta = ws.delta[m], s1 = ws.s1[m];
    if (m === l - 1) rho.set(ws.w[l].subarray(0, k * n));
    else {
      const nn = wd[m + 1];
      gemmNT(k, n, nn, ws.delta[m + 1], 0, nn, ws.wt[m + 1], 0, nn, rho, 0, n);
    }
    for (let b = 0; b < k; b++) {
      for (let j = 0; j < n; j++) delta[b * n + j] = rho[b * n + j] * s1[j];
    }
    if (order >= 3) {
      const gam = ws.gamma[m];
      for (let a = 0; a < k; a++) {
        for (let b = a; b < k; b++) {
          const g = dot(delta, a * n, delta, b * n, n);
          gam[a * k + b] = g;
          gam[b * k + a] = g;
        }
      }
    }
  }
}
