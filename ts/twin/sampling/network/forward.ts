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

/**
 * The parameters of network `index` (twin of `draw_parameters`): W⁽ᵐ⁾ ~ N(0, C_W/n_{m−1}) then
 * b⁽ᵐ⁾ ~ N(0, C_b) for m = 1 … L from stream `index` of `seed`, into w[m], b[m] (index 0 unused).
 * The one sampler of ensembles and of the trainer (ts/twin/sampling/train), so both hold network i.
 */
export function drawParameters(
  seed: number, index: number, widths: readonly number[], cw: readonly number[], cb: readonly number[],
  w: readonly Float64Array[], b: readonly Float64Array[],
): void {
  const rng = new Rng(seed, index);
  for (let m = 1; m < widths.length; m++) {
    rng.fillNormal(w[m], Math.sqrt(cw[m - 1] / widths[m - 1]));
    rng.fillNormal(b[m], Math.sqrt(cb[m - 1]));
  }
}

/** Draws network `index` ({@link drawParameters}) from the config's seed. */
export function draw(ws: Workspace, cfg: Config, index: number): void {
  drawParameters(cfg.seed, index, cfg.widths, cfg.cw, cfg.cb, ws.w, ws.bias);
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
