/**
 * dd_IIĤ by a reverse sweep (Hessian–vector products) — the TypeScript twin of
 * `crates/core/src/sampling/network/hvp.rs`.
 */
import { dot, gemmNT } from '../../numerics/gemm.js';
import type { Workspace } from './workspace.js';

/** Step 3: Σ over ordered pairs a ≠ b of dd_IIĤ_aabb, dd_IIĤ_abab, dd_IIĤ_abba (reverse sweep of δ̇). */
export function ddII(ws: Workspace, l: number, k: number): [number, number, number] {
  const wd = ws.widths;
  const kk = k * k;
  const acc = ws.acc;
  const gtop = ws.gram[l - 1];
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      acc[3 * (a * k + b)] = ws.mu[l] * gtop[b * k + b];
      acc[3 * (a * k + b) + 1] = 0;
      acc[3 * (a * k + b) + 2] = 0;
    }
  }
  let cur = ws.dd0, prev = ws.dd1;
  const rhod = ws.rhod;
  for (let m = l - 1; m >= 1; m--) {
    const n = wd[m];
    const top = m + 1 === l;
    if (!top) {
      const nn = wd[m + 1];
      gemmNT(kk, n, nn, prev, 0, nn, ws.wt[m + 1], 0, nn, rhod, 0, n);
    }
    const s0 = ws.s0[m], s1 = ws.s1[m], s2 = ws.s2[m];
    const rho = ws.rho[m], zd = ws.zd[m], delta = ws.delta[m];
    const gnext = top ? ws.eye : ws.gamma[m + 1];
    const mun = ws.mu[m + 1];
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const row = (a * k + b) * n;
        const coef = mun * gnext[a * k + b];
        for (let j = 0; j < n; j++) {
          const r = top ? 0 : rhod[row + j];
          cur[row + j] = s2[j] * zd[b * n + j] * rho[a * n + j] + s1[j] * (r + coef * s0[j]);
        }
      }
    }
    const c = ws.c[m], mu = ws.mu[m];
    const sig = ws.sig[m - 1], g = ws.gram[m - 1], gam = ws.gamma[m];
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        if (a === b) continue;
        const i = 3 * (a * k + b);
        const ab = (a * k + b) * n, ba = (b * k + a) * n, aa = (a * k + a) * n, bb = (b * k + b) * n;
        const da = a * n, db = b * n;
        const d1 = dot(cur, ab, cur, ab, n);
        const e1 = dot(cur, ab, delta, da, n);
        acc[i] += c * d1 + mu * (2 * e1 * sig[b] + gam[a * k + a] * g[b * k + b]);
        const d2 = dot(cur, aa, cur, bb, n);
        const e2 = dot(cur, aa, delta, db, n);
        const e3 = dot(cur, bb, delta, da, n);
        acc[i + 1] += c * d2 + mu * (e2 * sig[b] + e3 * sig[a] + gam[a * k + b] * g[a * k + b]);
        const d3 = dot(cur, ab, cur, ba, n);
        const e4 = dot(cur, ab, delta, db, n);
        const e5 = dot(cur, ba, delta, da, n);
        acc[i + 2] += c * d3 + mu * (e4 * sig[a] + e5 * sig[b] + gam[a * k + b] * g[b * k + a]);
      }
    }
    const t = cur;
    cur = prev;
    prev = t;
  }
  let s = 0, t = 0, u = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      if (a === b) continue;
      const i = 3 * (a * k + b);
      s += acc[i];
      t += acc[i + 1];
      u += acc[i + 2];
    }
  }
  return [s, t, u];
}
