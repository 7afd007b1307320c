/**
 * Forward jets: the directional derivatives u̇, ü, u⃛ of every layer below ℓ along the NTK directions
 * v_b = λ∇z_b — the TypeScript twin of `crates/core/src/sampling/network/jets.rs`.
 */
import { dot, gemmNT } from '../../numerics/gemm.js';
import type { Workspace } from './workspace.js';

/** The pair indices: pidx[b·k + c] numbers the unordered pairs b ≤ c, tidx[a·k + b] the ordered a ≠ b; eye = 1_k. */
export function indexPairs(ws: Workspace, k: number): void {
  const { pidx, tidx, eye } = ws;
  let p = 0;
  for (let b = 0; b < k; b++) {
    for (let c = b; c < k; c++) {
      pidx[b * k + c] = p;
      pidx[c * k + b] = p;
      p++;
    }
  }
  let t = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) if (a !== b) tidx[a * k + b] = t++;
  }
  eye.fill(0, 0, k * k);
  for (let a = 0; a < k; a++) eye[a * k + a] = 1;
}

/**
 * Step 2 of a layer ℓ: the jets through layers 1 … ℓ (the loop m = 0 … ℓ−1), leaving in `xs` the k
 * components of Ĥ, dĤ and dd_IĤ at layer ℓ (Ĥ_ab = xs[b·k + a]).
 */
export function forwardJets(ws: Workspace, l: number, k: number, order: number): void {
  const wd = ws.widths;
  const p2 = order >= 2 ? (k * (k + 1)) / 2 : 0;
  const t3 = order >= 3 ? k * (k - 1) : 0;
  const r = k + p2 + t3;
  const { pidx, tidx, eye, xs, tau } = ws;
  indexPairs(ws, k);
  for (let m = 0; m < l; m++) {
    const nm = wd[m];
    const nn = m + 1 === l ? k : wd[m + 1];
    if (m === 0) {
      xs.fill(0, 0, r * nn);
      tau.fill(0, 0, p2);
    } else {
      buildStack(ws, m, k, p2, t3);
      gemmNT(r, nn, nm, ws.stk, 0, nm, ws.w[m + 1], 0, nm, xs, 0, nn);
    }
    // rank-one terms of the new layer's weights and the bias/|s|² term
    const mu = ws.mu[m + 1], c = ws.c[m + 1];
    const del = m + 1 === l ? eye : ws.delta[m + 1];
    const sig = ws.sig[m];
    for (let b = 0; b < k; b++) {
      for (let j = 0; j < nn; j++) xs[b * nn + j] += c * del[b * nn + j];
    }
    if (order >= 2) {
      for (let b = 0; b < k; b++) {
        for (let cc = b; cc < k; cc++) {
          const row = (k + pidx[b * k + cc]) * nn;
          const sb = sig[b], sc = sig[cc];
          for (let j = 0; j < nn; j++) xs[row + j] += mu * (del[b * nn + j] * sc + del[cc * nn + j] * sb);
        }
      }
    }
    if (order >= 3) {
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          if (a === b) continue;
          const row = (k + p2 + tidx[a * k + b]) * nn;
          const tbb = tau[pidx[b * k + b]], tab = tau[pidx[a * k + b]];
          for (let j = 0; j < nn; j++) xs[row + j] += mu * (del[a * nn + j] * tbb + 2 * del[b * nn + j] * tab);
        }
      }
    }
    if (m + 1 < l) ws.zd[m + 1].set(xs.subarray(0, k * nn));
  }
}

/** Stacked direction rows at layer m ≥ 1 (u̇_b, ü_bc, ü_abb) and the scalars σ⁽ᵐ⁾_b, τ_bc, G⁽ᵐ⁾_bd. */
export function buildStack(ws: Workspace, m: number, k: number, p2: number, t3: number): void {
  const n = ws.widths[m];
  const s0 = ws.s0[m], s1 = ws.s1[m], s2 = ws.s2[m], s3 = ws.s3[m];
  const { zd: zds, xs, stk, pidx, tidx, tau } = ws;
  const zd = zds[m], sig = ws.sig[m], gram = ws.gram[m];
  for (let b = 0; b < k; b++) {
    for (let j = 0; j < n; j++) stk[b * n + j] = s1[j] * zd[b * n + j];
    sig[b] = dot(s0, 0, stk, b * n, n);
  }
  if (t3 > 0) {
    for (let b = 0; b < k; b++) {
      for (let d = b; d < k; d++) {
        const g = dot(stk, b * n, stk, d * n, n);
        gram[b * k + d] = g;
        gram[d * k + b] = g;
      }
    }
  }
  if (p2 > 0) {
    for (let b = 0; b < k; b++) {
      for (let c = b; c < k; c++) {
        const p = pidx[b * k + c];
        const row = (k + p) * n;
        for (let j = 0; j < n; j++) stk[row + j] = s2[j] * zd[b * n + j] * zd[c * n + j] + s1[j] * xs[row + j];
        tau[p] = dot(s0, 0, stk, row, n);
      }
    }
  }
  if (t3 > 0) {
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        if (a === b) continue;
        const row = (k + p2 + tidx[a * k + b]) * n;
        const rab = (k + pidx[a * k + b]) * n;
        const rbb = (k + pidx[b * k + b]) * n;
        for (let j = 0; j < n; j++) {
          const za = zd[a * n + j], zb = zd[b * n + j];
          stk[row + j] = s3[j] * za * zb * zb + s2[j] * (2 * xs[rab + j] * zb + xs[rbb + j] * za) + s1[j] * xs[row + j];
        }
      }
    }
  }
}