/**
 * Conditional (Rao–Blackwellized) estimators of G_{ab} = E[z_{i;a}z_{i;b}] and H_{ab} = E[Ĥ_{ii;ab}] with
 * sample indices and telescoping control variates — the TypeScript twin of
 * `crates/core/src/sampling/multi/conditional.rs` (same operations in the same order; the derivation is in
 * the Rust module docs and docs/theory/ensembles.md §5).
 *
 *   X_m^{ab} = zzc_m,  Y_m^{ab} = c_m^{ab} + σ_w² Σ_j s′_{j;a}s′_{j;b} Ĥ⁽ᵐ⁻¹⁾_{jj;ab},
 *   f_m^{ab} = C_b + C_W⟨σ_aσ_b⟩,  h_m^{ab} = λ_b + λ_W⟨σ_aσ_b⟩ + C_W(⟨σ′_aσ′_b⟩Y_m^{ab} + Z_m^{ab})  (at X_m),
 *   EX_{t+1} = D^G_t + F′_t EX_t,  EY_{t+1} = D^H_t + Hy_t ⊙ EY_t + Hx_t EX_t,  gcv = X − EX,  hcv = Y − EY.
 */
import { dot, gemmNT, gemv } from '../../numerics/gemm.js';
import type { Activation } from '../../numerics/activation.js';
import { DEFAULT_DEGREE, quadrature, type Quadrature } from '../../numerics/quadrature/expect.js';
import { kernelRowsDirect } from '../../theory/kernel_matrix.js';
import { computeMoments } from '../../theory/moments.js';
import type { MultiConfig } from './config.js';

/** Degree of the rule for the Z moments of off-diagonal pairs (`Z_DEGREE`). */
export const Z_DEGREE = 32;

const f64 = (n: number) => new Float64Array(n);

/**
 * Test and measurement switches (both default false; production never sets them): `jacobianDiagonal`
 * keeps only the (p, p) entries of the coefficient Jacobians (`set_jacobian_diagonal` in Rust), `dropZ`
 * omits the Z term of h (a deliberately wrong h, to show that the tests can see it). Read by `prepare`
 * and `conditional`.
 */
export const conditionalSwitches = { jacobianDiagonal: false, dropZ: false };

/** Pair index of (a ≤ b) in the order of `kernelRows`. */
export function pairIndex(n: number, a: number, b: number): number {
  if (a > b) [a, b] = [b, a];
  return a * n - (a * Math.max(a - 1, 0)) / 2 - a + b;
}

/** Fills out[3t … 3t+2] = ⟨g_t (x₁² − 1)⟩, ⟨g_t x₁x₂⟩, ⟨g_t (x₂² − 1)⟩ for g_t = d1[i]·d2[i], i = which[t]; returns (l11, l21, l22) or null (degenerate). */
function hermitePair(q: Quadrature, act: Activation, k11: number, k12: number, k22: number, which: readonly number[], out: Float64Array): [number, number, number] | null {
  const l11 = Math.sqrt(k11);
  const l21 = l11 > 0 ? k12 / l11 : 0;
  const l22 = Math.sqrt(Math.max(k22 - l21 * l21, 0));
  if (!(l11 > 0 && l22 > 0)) return null;
  const finite = Number.isFinite(k11) && Number.isFinite(k12) && Number.isFinite(k22);
  if (!(finite && k11 >= 0 && k22 >= 0 && k12 * k12 <= k11 * k22 * (1 + 1e-12))) return null;
  q.expect2(act, k11, k12, k22, out, (z1, d1, z2, d2, v) => {
    const x1 = z1 / l11;
    const x2 = (z2 - l21 * x1) / l22;
    for (let t = 0; t < which.length; t++) {
      const g = d1[which[t]] * d2[which[t]];
      v[3 * t] = g * (x1 * x1 - 1);
      v[3 * t + 1] = g * (x1 * x2);
      v[3 * t + 2] = g * (x2 * x2 - 1);
    }
  });
  return [l11, l21, l22];
}

/** Radius of the disc of Cholesky variables the Z-moment trapezoid covers (`R_Z`). */
const R_Z = 7.0;
const ODD_KINDS = new Set([3, 4, 9, 11]); // tanh, erf, sin, scaled tanh: σ′σ′ even in x

/** The Hermite moments of σ⁽ᵏ⁾(z_a)σ⁽ᵏ⁾(z_b), k ∈ `which`, of an off-diagonal pair and (l11, l21, l22), or null (`z_moments`): smooth σ by the disc-limited trapezoid, else expect2. */
function zMoments(q: Quadrature, act: Activation, k11: number, k12: number, k22: number, which: readonly number[], out: Float64Array, d: Float64Array): [number, number, number] | null {
  if (which.length === 1 && which[0] === 1 && (act.kind === 1 || act.kind === 2)) return reluZMoments(act, k11, k12, k22, out);
  const rho = act.halfwidth;
  if (rho === null || act.hasKink || act.isPolynomial || !(Math.max(k11, k22) > 0)) return hermitePair(q, act, k11, k12, k22, which, out);
  const finite = Number.isFinite(k11) && Number.isFinite(k12) && Number.isFinite(k22);
  if (!(finite && k11 >= 0 && k22 >= 0 && k12 * k12 <= k11 * k22 * (1 + 1e-12))) return null;
  const l11 = Math.sqrt(k11);
  const l21 = l11 > 0 ? k12 / l11 : 0;
  const l22 = Math.sqrt(Math.max(k22 - l21 * l21, 0));
  if (!(l11 > 0 && l22 > 0)) return null;
  const odd = ODD_KINDS.has(act.kind);
  const rule = q.trapezoid(q.trapezoidLevel(rho, Math.max(k11, k22)));
  const xs = rule.nodes, ws = rule.weights;
  const half = Math.floor(xs.length / 2);
  const h = xs.length >= 3 ? xs[half + 1] : 0;
  out.fill(0, 0, 3 * which.length);
  const d1 = new Float64Array(4);
  for (let i = odd ? half : 0; i < xs.length; i++) {
    const x1 = xs[i];
    const lim = R_Z * R_Z - x1 * x1;
    if (lim < 0) continue;
    const r = h > 0 ? Math.min(Math.floor(Math.sqrt(lim) / h), half) : 0;
    act.eval(l11 * x1, d1);
    const y = l21 * x1;
    const wi = odd && i !== half ? 2 * ws[i] : ws[i];
    for (let t = 0; t < which.length; t++) {
      const k = which[t];
      let s0 = 0, s1 = 0, s2 = 0;
      for (let j = half - r; j < half + r + 1; j++) {
        const x2 = xs[j];
        act.eval(y + l22 * x2, d);
        const w = ws[j] * d[k];
        s0 += w;
        s1 += w * x2;
        s2 += w * (x2 * x2 - 1);
      }
      const w = wi * d1[k];
      out[3 * t] += w * (x1 * x1 - 1) * s0;
      out[3 * t + 1] += w * x1 * s1;
      out[3 * t + 2] += w * s2;
    }
  }
  return [l11, l21, l22];
}

/** The Z moments of relu and leaky relu in closed form (`relu_z_moments`): (1−a)²/2π × (cs, s², −cs), (c, s) = (l21, l22)/|·|. */
function reluZMoments(act: Activation, k11: number, k12: number, k22: number, out: Float64Array): [number, number, number] | null {
  const finite = Number.isFinite(k11) && Number.isFinite(k12) && Number.isFinite(k22);
  if (!(finite && k11 >= 0 && k22 >= 0 && k12 * k12 <= k11 * k22 * (1 + 1e-12))) return null;
  const l11 = Math.sqrt(k11);
  const l21 = l11 > 0 ? k12 / l11 : 0;
  const l22 = Math.sqrt(Math.max(k22 - l21 * l21, 0));
  if (!(l11 > 0 && l22 > 0)) return null;
  const norm = Math.hypot(l21, l22);
  const c = l21 / norm, s = l22 / norm;
  const slope = act.kind === 2 ? act.a : 0;
  const f = ((1 - slope) * (1 - slope)) / (2 * Math.PI);
  out[0] = f * c * s;
  out[1] = f * s * s;
  out[2] = -f * c * s;
  return [l11, l21, l22];
}

function sweepWidths(w: readonly number[], order: number): [number, number] {
  const L = w.length - 1;
  const nh = L >= 3 && order >= 1 ? Math.max(...w.slice(1, L - 1)) : 0;
  const nh1 = L >= 2 ? Math.max(...w.slice(1, L)) : 0;
  return [nh, nh1];
}

/** Doubles {@link MultiCond} allocates (`Cond::size`). */
export function condDoubles(w: readonly number[], N: number, order: number): number {
  const l = w.length - 1;
  const [nh, nh1] = sweepWidths(w, order);
  const np = (N * (N + 1)) / 2;
  return 11 * (l + 1) * np + N * N + (l + 1) * (2 * np + N) + 2 * nh * nh + 3 * nh1 * nh + 9 * nh1 + 3 * np + (l + 1) * 5 * N * N;
}

/** Buffers and per-chunk constants (`Cond` in Rust). */
export class MultiCond {
  readonly quad: Quadrature;
  readonly quadZ: Quadrature;
  readonly n: number;
  readonly np: number;
  readonly pairs: Array<[number, number]> = [];
  private key: number[] = [];
  readonly fp: Float64Array; // 3 per (m, p)
  readonly hx: Float64Array;
  readonly hy: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly fg: Float64Array;
  readonly fh: Float64Array;
  readonly km: Float64Array;
  readonly kr: Float64Array;
  readonly dz: Float64Array;
  hf: Float64Array; // Ĥ_ba of the current pair
  hg: Float64Array;
  readonly aa: Float64Array; // A_a, A_b of the current pair
  readonly ab: Float64Array;
  readonly tm: Float64Array;
  readonly hd: Float64Array;
  readonly r: Float64Array;
  readonly vw: Float64Array;
  readonly hv: Float64Array;
  ex: Float64Array;
  readonly ey: Float64Array;
  ex2: Float64Array;
  /** Per layer ℓ = 1 … L: g2, gcv, hc1, h2, hcv, each N × N row-major (offset ℓ·5N²). */
  readonly out: Float64Array;

  constructor(cfg: MultiConfig) {
    const L = cfg.widths.length - 1;
    const n = cfg.inputs;
    const np = (n * (n + 1)) / 2;
    const [nh, nh1] = sweepWidths(cfg.widths, cfg.order);
    for (let a = 0; a < n; a++) for (let b = a; b < n; b++) this.pairs.push([a, b]);
    this.quad = quadrature(DEFAULT_DEGREE);
    this.quadZ = quadrature(Z_DEGREE);
    this.n = n;
    this.np = np;
    this.fp = f64(3 * (L + 1) * np);
    this.hx = f64(3 * (L + 1) * np);
    this.hy = f64((L + 1) * np);
    this.x = f64((L + 1) * np);
    this.y = f64((L + 1) * np);
    this.fg = f64((L + 1) * np);
    this.fh = f64((L + 1) * np);
    this.km = f64(n * n);
    this.kr = f64((L + 1) * 2 * np);
    this.dz = f64((L + 1) * n);
    this.hf = f64(nh * nh);
    this.hg = f64(nh * nh);
    this.aa = f64(nh1 * nh);
    this.ab = f64(nh1 * nh);
    this.tm = f64(nh1 * nh);
    this.hd = f64(nh1);
    this.r = f64(2 * nh1);
    this.vw = f64(4 * nh1);
    this.hv = f64(2 * nh1);
    this.ex = f64(np);
    this.ey = f64(np);
    this.ex2 = f64(np);
    this.out = f64((L + 1) * 5 * n * n);
  }

  /** The Jacobian rows F′_m, Hx_m, Hy_m at the infinite-width kernel matrices of `cfg` (`Cond::prepare`; skipped when the hyperparameters, σ and inputs are those of the last call). */
  prepare(cfg: MultiConfig): void {
    const key = [cfg.act.kind, cfg.act.a, ...cfg.cb, ...cfg.cw, ...cfg.lambdaB, ...cfg.lambdaW, ...cfg.X, conditionalSwitches.jacobianDiagonal ? 1 : 0];
    if (key.length === this.key.length && key.every((v, i) => v === this.key[i])) return;
    this.key = key;
    const L = cfg.widths.length - 1;
    const n = this.n, np = this.np;
    const n0 = cfg.widths[0];
    const fin = (v: number) => (Number.isFinite(v) ? v : 0);
    const k = f64(n * n), th = f64(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const ss = dot(cfg.X, a * n0, cfg.X, b * n0, n0);
        k[a * n + b] = cfg.cb[0] + (cfg.cw[0] * ss) / n0;
        th[a * n + b] = cfg.lambdaB[0] + (cfg.lambdaW[0] / n0) * ss;
      }
    }
    const diagOnly = conditionalSwitches.jacobianDiagonal;
    const herm = f64(6), dev = f64(4);
    for (let m = 1; m < L; m++) {
      kernelRowsDirect(this.quad, cfg.act, k, n, 0, n, this.kr);
      for (let p = 0; p < np; p++) {
        const [a, b] = this.pairs[p];
        const i = m * np + p;
        const kab = k[a * n + b], tab = th[a * n + b];
        this.fp.fill(0, 3 * i, 3 * i + 3);
        this.hx.fill(0, 3 * i, 3 * i + 3);
        if (a === b) {
          const mo = computeMoments(this.quad, cfg.act, kab);
          this.fp[3 * i] = fin((cfg.cw[m] * mo.s2he2) / (2 * kab));
          this.hx[3 * i] = fin((cfg.lambdaW[m] * mo.s2he2 + cfg.cw[m] * tab * mo.d2he2) / (2 * kab));
          this.hy[i] = fin(cfg.cw[m] * mo.d2);
          continue;
        }
        this.hy[i] = fin(cfg.cw[m] * this.kr[2 * p + 1]);
        const kaa = k[a * n + a], kbb = k[b * n + b];
        const l = zMoments(this.quadZ, cfg.act, kaa, kab, kbb, [0, 1], herm, dev);
        if (l) {
          const [l11, l21, l22] = l;
          const i11 = 1 / l11, i21 = -l21 / (l11 * l22), i22 = 1 / l22;
          const d = (o: number): [number, number, number] => {
            const haa = i11 * i11 * herm[o] + 2 * i11 * i21 * herm[o + 1] + i21 * i21 * herm[o + 2];
            const hab = i22 * (i11 * herm[o + 1] + i21 * herm[o + 2]);
            const hbb = i22 * i22 * herm[o + 2];
            return [0.5 * haa, hab, 0.5 * hbb];
          };
          const ds = d(0), dp = d(3);
          for (let c = 0; c < 3; c++) {
            this.fp[3 * i + c] = fin(cfg.cw[m] * ds[c]);
            this.hx[3 * i + c] = fin(cfg.lambdaW[m] * ds[c] + cfg.cw[m] * tab * dp[c]);
          }
          if (diagOnly) {
            this.fp[3 * i] = 0; this.fp[3 * i + 2] = 0;
            this.hx[3 * i] = 0; this.hx[3 * i + 2] = 0;
          }
        }
      }
      for (let p = 0; p < np; p++) {
        const [a, b] = this.pairs[p];
        const s = this.kr[2 * p], d = this.kr[2 * p + 1];
        const kn = cfg.cb[m] + cfg.cw[m] * s, tn = cfg.lambdaB[m] + cfg.lambdaW[m] * s + cfg.cw[m] * d * th[a * n + b];
        k[a * n + b] = kn; th[a * n + b] = tn;
        k[b * n + a] = kn; th[b * n + a] = tn;
      }
    }
  }
}

/** The workspace fields {@link conditionalMulti} reads (forward pass of the current network). */
export interface MultiForwardState {
  readonly widths: number[];
  readonly N: number;
  readonly w: Float64Array[];
  readonly s0: Float64Array[];
  readonly s1: Float64Array[];
  readonly ssg: Float64Array[];
  readonly mu: Float64Array;
  readonly cond: MultiCond;
}

/** The conditional estimators of every layer of the current network into `ws.cond.out` (`Workspace::conditional`). */
export function conditionalMulti(ws: MultiForwardState, cfg: MultiConfig): void {
  const wd = ws.widths;
  const L = wd.length - 1;
  const nin = ws.N;
  const cd = ws.cond;
  const np = cd.np;
  const pairs = cd.pairs;
  for (let m = 1; m <= L; m++) {
    const nb = wd[m - 1];
    for (let p = 0; p < np; p++) {
      const [a, b] = pairs[p];
      cd.x[m * np + p] = cfg.cb[m - 1] + (cfg.cw[m - 1] * ws.ssg[m - 1][a * nin + b]) / nb;
    }
  }
  const ntk = cfg.order >= 1;
  const cpair = (m: number, a: number, b: number) => cfg.lambdaB[m - 1] + ws.mu[m] * ws.ssg[m - 1][a * nin + b];
  if (ntk) for (let p = 0; p < np; p++) cd.y[np + p] = cpair(1, pairs[p][0], pairs[p][1]);
  const zm = f64(3), dev = f64(4);
  const dropZ = conditionalSwitches.dropZ;
  // per layer: the Gaussian averages of every pair at X_m (kr, dz of layer m at offsets m·2P, m·N)
  for (let m = 1; m < L; m++) {
    for (let p = 0; p < np; p++) {
      const [a, b] = pairs[p];
      const v = cd.x[m * np + p];
      cd.km[a * nin + b] = v;
      cd.km[b * nin + a] = v;
    }
    const kr = cd.kr.subarray(m * 2 * np, (m + 1) * 2 * np);
    kernelRowsDirect(cd.quad, cfg.act, cd.km, nin, 0, nin, kr);
    for (let a = 0; a < nin && ntk; a++) {
      const p = pairIndex(nin, a, a);
      const mo = computeMoments(cd.quad, cfg.act, cd.x[m * np + p]);
      kr[2 * p] = mo.s2;
      kr[2 * p + 1] = mo.d2;
      cd.dz[m * nin + a] = mo.d2he2;
    }
    for (let p = 0; p < np; p++) cd.fg[m * np + p] = cfg.cb[m] + cfg.cw[m] * kr[2 * p];
  }
  // per pair, layer by layer: h_m (Z_m from this pair's Ĥ⁽ᵐ⁻¹⁾), the sweep and Y_{m+1}; one pair's Ĥ at a time
  for (let p = 0; p < np && ntk; p++) {
    const [a, b] = pairs[p];
    for (let m = 1; m < L; m++) {
      const n = wd[m];
      const ss = cd.kr[m * 2 * np + 2 * p], dd = cd.kr[m * 2 * np + 2 * p + 1];
      const xm = cd.x[m * np + p];
      let z = 0;
      if (m >= 2) {
        const npv = wd[m - 1];
        const s0 = ws.s0[m - 1], s1 = ws.s1[m - 1];
        const sw = cfg.cw[m - 1] / npv;
        const c1 = cpair(1, a, b);
        if (a === b) {
          if (xm > 0) {
            const u = cd.r;
            for (let j = 0; j < npv; j++) u[j] = s0[a * npv + j] * s1[a * npv + j];
            let q: number;
            if (m === 2) q = c1 * dot(u, 0, u, 0, npv);
            else {
              gemv(npv, npv, cd.hf, 0, npv, u, 0, cd.hv, 0);
              q = dot(u, 0, cd.hv, 0, npv);
            }
            z = ((sw * sw * q) / xm) * cd.dz[m * nin + a];
          }
        } else {
          const kaa = cd.x[m * np + pairIndex(nin, a, a)], kbb = cd.x[m * np + pairIndex(nin, b, b)];
          const l = zMoments(cd.quadZ, cfg.act, kaa, xm, kbb, [1], zm, dev);
          if (l) {
            const [l11, l21, l22] = l;
            const r = cd.r, vw = cd.vw;
            for (let j = 0; j < npv; j++) {
              r[j] = s0[a * npv + j] / l11;
              r[npv + j] = (s0[b * npv + j] - l21 * r[j]) / l22;
            }
            for (let j = 0; j < npv; j++) {
              const sa = s1[a * npv + j], sb = s1[b * npv + j];
              vw[j] = sa * r[j];
              vw[npv + j] = sa * r[npv + j];
              vw[2 * npv + j] = sb * r[j];
              vw[3 * npv + j] = sb * r[npv + j];
            }
            const mef = [0, 0, 0, 0];
            for (let e = 0; e < 2; e++) {
              if (m === 2) {
                for (let f = 0; f < 2; f++) mef[2 * e + f] = c1 * dot(vw, e * npv, vw, (2 + f) * npv, npv);
              } else {
                gemv(npv, npv, cd.hf, 0, npv, vw, e * npv, cd.hv, 0);
                for (let f = 0; f < 2; f++) mef[2 * e + f] = dot(vw, (2 + f) * npv, cd.hv, 0, npv);
              }
            }
            z = sw * sw * (mef[0] * zm[0] + (mef[1] + mef[2]) * zm[1] + mef[3] * zm[2]);
          }
        }
      }
      if (dropZ) z = 0;
      cd.fh[m * np + p] = cfg.lambdaB[m] + cfg.lambdaW[m] * ss + cfg.cw[m] * (dd * cd.y[m * np + p] + z);
      const full = m + 1 < L;
      if (m >= 2) {
        const npv = wd[m - 1];
        const wm = ws.w[m], s1 = ws.s1[m - 1];
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < npv; j++) {
            cd.aa[i * npv + j] = wm[i * npv + j] * s1[a * npv + j];
            cd.ab[i * npv + j] = wm[i * npv + j] * s1[b * npv + j];
          }
        }
        if (m === 2) {
          const c1 = cpair(1, a, b);
          for (let i = 0; i < n * npv; i++) cd.tm[i] = c1 * cd.aa[i];
        } else {
          gemmNT(n, npv, npv, cd.aa, 0, npv, cd.hf, 0, npv, cd.tm, 0, npv);
        }
        const cm = cpair(m, a, b);
        if (full) {
          gemmNT(n, n, npv, cd.ab, 0, npv, cd.tm, 0, npv, cd.hg, 0, n);
          for (let i = 0; i < n; i++) cd.hg[i * n + i] += cm;
        } else {
          for (let i = 0; i < n; i++) cd.hd[i] = cm + dot(cd.tm, i * npv, cd.ab, i * npv, npv);
        }
      }
      const s1 = ws.s1[m];
      const c1 = cpair(1, a, b);
      let tr = 0;
      for (let j = 0; j < n; j++) {
        const d = m === 1 ? c1 : full ? cd.hg[j * n + j] : cd.hd[j];
        tr += s1[a * n + j] * s1[b * n + j] * d;
      }
      cd.y[(m + 1) * np + p] = cpair(m + 1, a, b) + (cfg.cw[m] / n) * tr;
      if (m >= 2 && full) {
        const t = cd.hf;
        cd.hf = cd.hg;
        cd.hg = t;
      }
    }
  }
  cd.ex.fill(0);
  cd.ey.fill(0);
  const n2 = nin * nin;
  for (let t = 1; t <= L; t++) {
    if (t >= 2) {
      const m = t - 1;
      for (let p = 0; p < np; p++) {
        const [a, b] = pairs[p];
        const i = m * np + p;
        const pa = pairIndex(nin, a, a), pb = pairIndex(nin, b, b);
        const lin = (c: Float64Array, v: Float64Array) => (a === b ? c[3 * i] * v[p] : c[3 * i] * v[pa] + c[3 * i + 1] * v[p] + c[3 * i + 2] * v[pb]);
        const dg = cd.x[(m + 1) * np + p] - cd.fg[i];
        cd.ex2[p] = dg + lin(cd.fp, cd.ex);
        if (ntk) {
          const dh = cd.y[(m + 1) * np + p] - cd.fh[i];
          cd.ey[p] = dh + cd.hy[i] * cd.ey[p] + lin(cd.hx, cd.ex);
        }
      }
      const s = cd.ex;
      cd.ex = cd.ex2;
      cd.ex2 = s;
    }
    const o = t * 5 * n2;
    for (let p = 0; p < np; p++) {
      const [a, b] = pairs[p];
      const g2 = t >= 2 ? cd.fg[(t - 1) * np + p] : cd.x[np + p];
      const gcv = cd.x[t * np + p] - cd.ex[p];
      let hc1 = 0, h2 = 0, hcv = 0;
      if (ntk) {
        hc1 = cd.y[t * np + p];
        h2 = t >= 2 ? cd.fh[(t - 1) * np + p] : cd.y[np + p];
        hcv = cd.y[t * np + p] - cd.ey[p];
      }
      for (const e of [a * nin + b, b * nin + a]) {
        cd.out[o + e] = g2;
        cd.out[o + n2 + e] = gcv;
        cd.out[o + 2 * n2 + e] = hc1;
        cd.out[o + 3 * n2 + e] = h2;
        cd.out[o + 4 * n2 + e] = hcv;
      }
    }
  }
}
