/**
 * Conditional (Rao–Blackwellized) estimators of G = E[z_a²] and H = E[Ĥ_aa] with telescoping control
 * variates — the TypeScript twin of `crates/core/src/sampling/network/conditional.rs` (same operations
 * in the same order; the derivation is in the Rust module docs and docs/theory/ensembles.md §2.1).
 *
 *   X_m = zzc_m = E[z⁽ᵐ⁾_a² | layers < m],  Y_m = E[Ĥ⁽ᵐ⁾_aa | layers < m] (over all n_{m−1} neurons below),
 *   f_m = E[X_{m+1} | layers < m],  h_m = E[Y_{m+1} | layers < m]  (Gaussian quadrature at variance X_m),
 *   gcv_ℓ = X_ℓ − Σ_m b_{m+1}(X_{m+1} − f_m),  hcv_ℓ = Y_ℓ − Σ_m [α_{m+1}(Y_{m+1} − h_m) + β_{m+1}(X_{m+1} − f_m)]
 * with the infinite-width sensitivities b, α, β as constant coefficients (unbiased for any constants).
 */
import { dot, gemmNT, gemv } from '../../numerics/gemm.js';
import { DEFAULT_DEGREE, quadrature, type Quadrature } from '../../numerics/quadrature/expect.js';
import { computeMoments } from '../../theory/moments.js';
import type { Config } from './config.js';

const f64 = (n: number) => new Float64Array(n);

/** Buffers and per-chunk constants of the conditional estimators (`Cond` in Rust). */
export class Cond {
  readonly quad: Quadrature;
  readonly bg: Float64Array;
  readonly ah: Float64Array;
  readonly bh: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly fg: Float64Array;
  readonly fh: Float64Array;
  readonly hf: Float64Array;
  readonly am: Float64Array;
  readonly tm: Float64Array;
  readonly u: Float64Array;
  readonly hu: Float64Array;
  /** Per layer ℓ = 1 … L: g2, gcv, hc1, h2, hcv. */
  readonly out: Float64Array[];

  constructor(cfg: Config) {
    const w = cfg.widths;
    const L = w.length - 1;
    const nh = L >= 3 && cfg.order >= 1 ? Math.max(...w.slice(1, L - 1)) : 0;
    const nh1 = L >= 2 ? Math.max(...w.slice(1, L)) : 0;
    const t = (L + 1) * (L + 1);
    this.quad = quadrature(DEFAULT_DEGREE);
    this.bg = f64(t);
    this.ah = f64(t);
    this.bh = f64(t);
    this.x = f64(L + 1);
    this.y = f64(L + 1);
    this.fg = f64(L + 1);
    this.fh = f64(L + 1);
    this.hf = f64(nh * nh);
    this.am = f64(nh1 * nh);
    this.tm = f64(nh1 * nh);
    this.u = f64(nh1);
    this.hu = f64(nh1);
    this.out = Array.from({ length: L + 1 }, () => f64(5));
  }

  /** The coefficient tables of `cfg` (`Cond::prepare`): the infinite-width sensitivities. */
  prepare(cfg: Config): void {
    const L = cfg.widths.length - 1;
    const n0 = cfg.widths[0];
    const ss = dot(cfg.x, 0, cfg.x, 0, cfg.x.length);
    let k = cfg.cb[0] + (cfg.cw[0] * ss) / n0;
    let th = cfg.lambdaB[0] + (cfg.lambdaW[0] / n0) * ss;
    const fp = f64(L + 1), hy = f64(L + 1), hx = f64(L + 1);
    const fin = (v: number) => (Number.isFinite(v) ? v : 0);
    for (let m = 1; m < L; m++) {
      const mo = computeMoments(this.quad, cfg.act, k);
      fp[m] = fin((cfg.cw[m] * mo.s2he2) / (2 * k));
      hy[m] = fin(cfg.cw[m] * mo.d2);
      hx[m] = fin((cfg.lambdaW[m] * mo.s2he2 + cfg.cw[m] * th * mo.d2he2) / (2 * k));
      th = cfg.lambdaB[m] + cfg.lambdaW[m] * mo.s2 + cfg.cw[m] * mo.d2 * th;
      k = cfg.cb[m] + cfg.cw[m] * mo.s2;
    }
    const r = L + 1;
    this.bg.fill(0);
    this.ah.fill(0);
    this.bh.fill(0);
    for (let t = 2; t <= L; t++) {
      let b = 1, a = 1, bb = 0;
      for (let m = t - 1; m >= 1; m--) {
        this.bg[t * r + m] = b;
        this.ah[t * r + m] = a;
        this.bh[t * r + m] = bb;
        b *= fp[m];
        bb = a * hx[m] + bb * fp[m];
        a *= hy[m];
      }
    }
  }
}

/** The workspace fields {@link conditional} reads (forward pass of the current network). */
export interface ForwardState {
  readonly widths: number[];
  readonly w: Float64Array[];
  readonly s0: Float64Array[];
  readonly s1: Float64Array[];
  readonly c: Float64Array;
  readonly zzc: Float64Array;
  readonly cond: Cond;
}

/** The conditional estimators of every layer of the current network into `ws.cond.out` (`Workspace::conditional`). */
export function conditional(ws: ForwardState, cfg: Config): void {
  const wd = ws.widths;
  const L = wd.length - 1;
  const cd = ws.cond;
  const r = L + 1;
  for (let m = 1; m <= L; m++) cd.x[m] = ws.zzc[m];
  const ntk = cfg.order >= 1;
  if (ntk) cd.y[1] = ws.c[1];
  for (let m = 1; m < L; m++) {
    const xm = cd.x[m];
    const mo = computeMoments(cd.quad, cfg.act, xm);
    cd.fg[m] = cfg.cb[m] + cfg.cw[m] * mo.s2;
    if (!ntk) continue;
    const n = wd[m];
    const s1 = ws.s1[m];
    const c1 = ws.c[1];
    let z = 0;
    // X_m = 0 (C_b = 0 and every neuron below dead) means u = 0 and Z_m = 0, not 0/0
    if (m >= 2 && xm > 0) {
      const np = wd[m - 1];
      const p0 = ws.s0[m - 1], p1 = ws.s1[m - 1];
      for (let j = 0; j < np; j++) cd.u[j] = p0[j] * p1[j];
      let q: number;
      if (m === 2) {
        q = c1 * dot(cd.u, 0, cd.u, 0, np);
      } else {
        gemv(np, np, cd.hf, 0, np, cd.u, 0, cd.hu, 0);
        q = dot(cd.u, 0, cd.hu, 0, np);
      }
      const sw = cfg.cw[m - 1] / np;
      z = (sw * sw * q) / xm;
    }
    cd.fh[m] = cfg.lambdaB[m] + cfg.lambdaW[m] * mo.s2 + cfg.cw[m] * (mo.d2 * cd.y[m] + mo.d2he2 * z);
    const full = m + 1 < L;
    if (m >= 2) {
      const np = wd[m - 1];
      const wm = ws.w[m], p1 = ws.s1[m - 1];
      for (let i = 0; i < n; i++) for (let j = 0; j < np; j++) cd.am[i * np + j] = wm[i * np + j] * p1[j];
      if (m === 2) {
        for (let i = 0; i < n * np; i++) cd.tm[i] = c1 * cd.am[i];
      } else {
        gemmNT(n, np, np, cd.am, 0, np, cd.hf, 0, np, cd.tm, 0, np);
      }
      const cm = ws.c[m];
      if (full) {
        gemmNT(n, n, np, cd.tm, 0, np, cd.am, 0, np, cd.hf, 0, n);
        for (let i = 0; i < n; i++) cd.hf[i * n + i] += cm;
      } else {
        for (let i = 0; i < n; i++) cd.hu[i] = cm + dot(cd.tm, i * np, cd.am, i * np, np);
      }
    }
    let tr = 0;
    for (let j = 0; j < n; j++) {
      const d = m === 1 ? c1 : full ? cd.hf[j * n + j] : cd.hu[j];
      tr += s1[j] * s1[j] * d;
    }
    cd.y[m + 1] = ws.c[m + 1] + (cfg.cw[m] / n) * tr;
  }
  for (let t = 1; t <= L; t++) {
    const g2 = t >= 2 ? cd.fg[t - 1] : cd.x[1];
    let gcv = cd.x[t];
    for (let m = 1; m < t; m++) gcv -= cd.bg[t * r + m] * (cd.x[m + 1] - cd.fg[m]);
    let hc1 = 0, h2 = 0, hcv = 0;
    if (ntk) {
      hc1 = cd.y[t];
      h2 = t >= 2 ? cd.fh[t - 1] : cd.y[1];
      hcv = cd.y[t];
      for (let m = 1; m < t; m++) hcv -= cd.ah[t * r + m] * (cd.y[m + 1] - cd.fh[m]) + cd.bh[t * r + m] * (cd.x[m + 1] - cd.fg[m]);
    }
    const o = cd.out[t];
    o[0] = g2; o[1] = gcv; o[2] = hc1; o[3] = h2; o[4] = hcv;
  }
}
