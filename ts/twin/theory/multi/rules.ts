/**
 * The nested rules of the multi-input integrals: rank-revealing Cholesky factors of ≤ 4-sample
 * sub-kernels and the per-level rules — the twin of `crates/core/src/theory/multi/rules.rs`
 * (docs/theory/multi.md §4).
 */
import { Branch, erfc, erfcScaled, normCdf, normPdf, ERF_SPLIT, type Activation } from '../../numerics/activation.js';
import { hermiteRule, legendreRule, type Rule } from '../../numerics/quadrature/rules.js';
import type { Quadrature } from '../../numerics/quadrature/expect.js';

export const X_BALL = 8.0;
export const TAU = 30.0;
export const H_MAX = 0.35;
export const GL_NODES = 8;
const REF_DEGREE = 64;
export const RANK_TOL = 1e-12;
export const NONE = -1;
const CUSTOM_HALFWIDTH = 1.0;

const FAM_POLY = 0;
const FAM_SMOOTH = 1;
const FAM_KINK = 2;

/** Rank-revealing Cholesky factor of a d × d sub-kernel: z_j = Σ_c l[4j + c] x_c. */
export interface Sub {
  d: number;
  r: number;
  l: Float64Array;
  last: Int32Array;
  h: Float64Array;
}

export function cholesky(k: Float64Array, d: number): Sub {
  const s: Sub = { d, r: 0, l: new Float64Array(16), last: new Int32Array(4).fill(NONE), h: new Float64Array(4) };
  const piv = [0, 0, 0, 0];
  for (let j = 0; j < d; j++) {
    const kjj = Math.max(k[j * 4 + j], 0);
    let res = kjj;
    for (let c = 0; c < s.r; c++) {
      const p = piv[c];
      let v = k[j * 4 + p];
      for (let c2 = 0; c2 < c; c2++) v -= s.l[j * 4 + c2] * s.l[p * 4 + c2];
      v = v / s.l[p * 4 + c];
      s.l[j * 4 + c] = v;
      res -= v * v;
    }
    if (res > RANK_TOL * kjj && res > 0) {
      s.l[j * 4 + s.r] = Math.sqrt(res);
      piv[s.r] = j;
      s.r++;
    }
    let last = NONE;
    for (let c = 3; c >= 0; c--) {
      if (s.l[j * 4 + c] !== 0) {
        last = c;
        break;
      }
    }
    s.last[j] = last;
  }
  return s;
}

/** Nodes of one level: x, weight (Gaussian density included), right-branch bits. */
class Nodes {
  x: number[] = [];
  w: number[] = [];
  br: number[] = [];
  clear(): void {
    this.x.length = 0;
    this.w.length = 0;
    this.br.length = 0;
  }
}

/** Leaf callback: [σ, σ′, σ″, σ‴] per sample (vals[4j … 4j+3], pointwise on the node's branch), x, weight, closed sample, its 5 moments. */
/** Number of conditional moments of the closed innermost level (see {@link closedProducts}). */
export const NG = 14;

/** σ, σ′, σ², σσ′, σ′², σ″, σ‴, σσ″, σσ‴, σ′σ″, σ′σ‴, σ″², σ″σ‴, σ‴² from e = [σ, σ′, σ″, σ‴] into out. */
export function closedProducts(e: ArrayLike<number>, out: Float64Array): void {
  out[0] = e[0];
  out[1] = e[1];
  out[2] = e[0] * e[0];
  out[3] = e[0] * e[1];
  out[4] = e[1] * e[1];
  out[5] = e[2];
  out[6] = e[3];
  out[7] = e[0] * e[2];
  out[8] = e[0] * e[3];
  out[9] = e[1] * e[2];
  out[10] = e[1] * e[3];
  out[11] = e[2] * e[2];
  out[12] = e[2] * e[3];
  out[13] = e[3] * e[3];
}

/** Index in {@link closedProducts} of ∏ σ^{(o)} with derivative-order counts c[0..4] (total 1 or 2). */
export function closedIndex(c: ArrayLike<number>, off = 0): number {
  const o: number[] = [];
  for (let ord = 0; ord < 4; ord++) for (let k = 0; k < c[off + ord]; k++) o.push(ord);
  if (o.length === 1) return [0, 1, 5, 6][o[0]];
  const key = o[0] * 4 + o[1];
  return ({ 0: 2, 1: 3, 5: 4, 2: 7, 3: 8, 6: 9, 7: 10, 10: 11, 11: 12 } as Record<number, number>)[key] ?? 13;
}

export type Leaf = (vals: Float64Array, x: Float64Array, w: number, cj: number, g5: Float64Array) => void;
/** Integrand callback writing every value into `o`. */
export type Integrand = (vals: Float64Array, x: Float64Array, cj: number, g5: Float64Array, o: Float64Array) => void;

export class MultiRule {
  readonly fam: number;
  readonly rho: number;
  readonly odd: boolean;
  /** σ″ ≢ 0 (not the relu family or linear): the closed level also sums the σ″/σ‴ products. */
  readonly curv: boolean;
  private readonly cp = new Float64Array(14);
  private readonly scale: number;
  private readonly gl: Rule;
  private readonly gh: Rule;
  private readonly panels: number;
  private readonly e = new Float64Array(4);
  private readonly er = new Float64Array(4);

  constructor(
    readonly q: Quadrature,
    readonly act: Activation,
  ) {
    this.fam = act.isPolynomial ? FAM_POLY : act.hasKink ? FAM_KINK : FAM_SMOOTH;
    this.rho = act.halfwidth ?? CUSTOM_HALFWIDTH;
    const p = act.kind === 12 ? act.a : 1;
    this.odd = this.fam === FAM_SMOOTH && (act.kind === 3 || act.kind === 4 || act.kind === 9 || act.kind === 11);
    this.curv = !(act.kind === 0 || act.kind === 1 || act.kind === 2 || (act.kind === 12 && act.a === 1));
    this.scale = REF_DEGREE / q.degree;
    this.gl = legendreRule(GL_NODES);
    this.gh = hermiteRule(2 * p + 3);
    this.panels = Math.max(Math.floor(q.degree / 8), 2);
  }

  steps(s: Sub): void {
    if (this.fam !== FAM_SMOOTH) return;
    for (let c = 0; c < s.r; c++) {
      let cmax = 0;
      for (let j = 0; j < s.d; j++) cmax = Math.max(cmax, Math.abs(s.l[j * 4 + c]));
      const target = cmax > 0 ? (2 * Math.PI * this.rho) / (TAU * cmax) : H_MAX;
      s.h[c] = Math.min(target, H_MAX) * this.scale;
    }
  }

  private nodes(s: Sub, k: number, mean: Float64Array, r2: number, out: Nodes): void {
    out.clear();
    const rr = Math.sqrt(Math.max(X_BALL * X_BALL - r2, 0));
    if (this.fam === FAM_POLY) {
      for (let i = 0; i < this.gh.nodes.length; i++) {
        out.x.push(this.gh.nodes[i]);
        out.w.push(this.gh.weights[i]);
        out.br.push(0);
      }
    } else if (this.fam === FAM_SMOOTH) {
      const h = s.h[k];
      const n = Math.floor(rr / h);
      for (let i = -n; i <= n; i++) {
        const x = i * h;
        out.x.push(x);
        out.w.push(h * normPdf(x));
        out.br.push(0);
      }
    } else {
      if (rr <= 0) return;
      const panels = s.r <= 2 ? 4 * this.panels : this.panels;
      const width = (2 * X_BALL) / panels;
      const np = Math.max(Math.ceil((2 * rr) / width), 1);
      const edges: number[] = [];
      for (let i = 0; i <= np; i++) edges.push(-rr + (2 * rr * i) / np);
      for (let j = 0; j < s.d; j++) {
        const c = s.l[j * 4 + k];
        const lj = s.last[j];
        if (lj === NONE || lj < k || c === 0) continue;
        const t = -mean[j] / c;
        if (t > -rr && t < rr) edges.push(t);
        if (lj > k) {
          let rest = 0;
          for (let c2 = k + 1; c2 < 4; c2++) rest += s.l[j * 4 + c2] * s.l[j * 4 + c2];
          const w = Math.sqrt(rest) / Math.abs(c);
          let g = w;
          while (g < width && g > 0) {
            for (const e of [t - g, t + g]) if (e > -rr && e < rr) edges.push(e);
            g *= 3;
          }
        }
      }
      edges.sort((a, b) => a - b);
      for (let e = 0; e + 1 < edges.length; e++) {
        const lo = edges[e];
        const hi = edges[e + 1];
        if (hi <= lo) continue;
        const mid = 0.5 * (lo + hi);
        const half = 0.5 * (hi - lo);
        let br = 0;
        for (let j = 0; j < s.d; j++) if (s.last[j] === k && mean[j] + s.l[j * 4 + k] * mid >= 0) br |= 1 << j;
        for (let i = 0; i < this.gl.nodes.length; i++) {
          const x = mid + half * this.gl.nodes[i];
          out.x.push(x);
          out.w.push(2 * half * this.gl.weights[i] * normPdf(x));
          out.br.push(br);
        }
      }
    }
  }

  /** The NG conditional moments (order of {@link closedProducts}) at z = μ + sξ for the kinked family in closed form. */
  gaussMean(m: number, s: number, out: Float64Array): void {
    if (s <= 0) {
      this.act.eval(m, this.e);
      closedProducts(this.e, out);
      return;
    }
    out.fill(0, 5);
    const t = m / s;
    const cp = normCdf(t);
    const cm = normCdf(-t);
    const pdf = normPdf(t);
    const e1 = m * cp + s * pdf;
    const m2 = m * m + s * s;
    const e2 = m2 * cp + m * s * pdf;
    if (this.act.kind === 1) {
      out[0] = e1;
      out[1] = cp;
      out[2] = e2;
      out[3] = e1;
      out[4] = cp;
    } else if (this.act.kind === 2) {
      const a = this.act.a;
      const n1 = m - e1;
      const n2 = m2 - e2;
      out[0] = e1 + a * n1;
      out[1] = cp + a * cm;
      out[2] = e2 + a * a * n2;
      out[3] = e1 + a * a * n1;
      out[4] = cp + a * a * cm;
    } else {
      const alpha = this.act.a;
      const g = (k: number): number => {
        const y = (t + k * s) * Math.SQRT1_2;
        return y > ERF_SPLIT ? Math.exp(-0.5 * t * t) * 0.5 * erfcScaled(y) : Math.exp(k * m + 0.5 * k * k * s * s) * 0.5 * erfc(y);
      };
      const g1 = g(1);
      const g2 = g(2);
      const a2 = alpha * alpha;
      out[0] = e1 + alpha * (g1 - cm);
      out[1] = cp + alpha * g1;
      out[2] = e2 + a2 * (g2 - 2 * g1 + cm);
      out[3] = e1 + a2 * (g2 - g1);
      out[4] = cp + a2 * g2;
      const c1 = alpha * g1;
      const c2 = a2 * g2;
      const c21 = a2 * (g2 - g1);
      out[5] = c1;
      out[6] = c1;
      out[7] = c21;
      out[8] = c21;
      for (let i = 9; i < NG; i++) out[i] = c2;
    }
  }

  walk(s: Sub, closed: number, half: boolean, leaf: Leaf): void {
    const vals = new Float64Array(16);
    for (let j = 0; j < s.d; j++) {
      if (s.last[j] === NONE) {
        this.act.eval(0, this.e);
        vals.set(this.e, 4 * j);
      }
    }
    const x = new Float64Array(4);
    const g5 = new Float64Array(NG);
    if (s.r === 0) {
      leaf(vals, x, 1, NONE, g5);
      return;
    }
    const bufs: Nodes[] = [];
    for (let i = 0; i < s.r; i++) bufs.push(new Nodes());
    const means: Float64Array[] = [];
    for (let i = 0; i <= s.r; i++) means.push(new Float64Array(4));
    this.level(s, 0, means, 0, 1, vals, x, closed, half, bufs, g5, leaf);
  }

  private level(s: Sub, k: number, means: Float64Array[], r2: number, w: number, vals: Float64Array, x: Float64Array, closed: number, half: boolean, bufs: Nodes[], g5: Float64Array, leaf: Leaf): void {
    const mean = means[k];
    const nodes = bufs[k];
    if (closed > 0 && k + 1 === s.r) {
      let cj = NONE;
      for (let j = 0; j < s.d; j++) {
        if (s.last[j] !== k) continue;
        cj = j;
        if (this.fam === FAM_KINK) {
          this.gaussMean(mean[j], Math.abs(s.l[j * 4 + k]), g5);
        } else {
          this.nodes(s, k, mean, r2, nodes);
          let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
          const e = this.e;
          const c = this.cp;
          const all = closed > 1 && this.curv;
          if (all) g5.fill(0, 5);
          for (let i = 0; i < nodes.x.length; i++) {
            const wk = nodes.w[i];
            this.act.eval(mean[j] + s.l[j * 4 + k] * nodes.x[i], e);
            g0 += wk * e[0];
            g1 += wk * e[1];
            g2 += wk * (e[0] * e[0]);
            g3 += wk * (e[0] * e[1]);
            g4 += wk * (e[1] * e[1]);
            if (all) {
              closedProducts(e, c);
              for (let q = 5; q < NG; q++) g5[q] += wk * c[q];
            }
          }
          g5[0] = g0;
          g5[1] = g1;
          g5[2] = g2;
          g5[3] = g3;
          g5[4] = g4;
        }
      }
      leaf(vals, x, w, cj, g5);
      return;
    }
    this.nodes(s, k, mean, r2, nodes);
    const m = means[k + 1];
    const e = this.e;
    const n = nodes.x.length;
    for (let i = 0; i < n; i++) {
      const xk = nodes.x[i];
      let wk = nodes.w[i];
      const br = nodes.br[i];
      if (half && k === 0) {
        if (xk < 0) continue;
        else if (xk > 0) wk = 2 * wk;
      }
      x[k] = xk;
      for (let j = 0; j < s.d; j++) m[j] = mean[j] + s.l[j * 4 + k] * xk;
      for (let j = 0; j < s.d; j++) {
        if (s.last[j] === k) {
          const b = this.fam === FAM_KINK ? ((br >> j) & 1 ? Branch.Right : Branch.Left) : Branch.Pointwise;
          this.act.evalBranch(m[j], b, e);
          vals.set(e, 4 * j);
        }
      }
      if (k + 1 === s.r) {
        g5.fill(0);
        leaf(vals, x, w * wk, NONE, g5);
      } else {
        this.level(s, k + 1, means, r2 + xk * xk, w * wk, vals, x, closed, half, bufs, g5, leaf);
      }
    }
  }

  /** out[i] = E g_i over a subset (rank one: the single-input rule over the pivot's z). */
  integrate(s: Sub, closed: number, half: boolean, out: Float64Array, g: Integrand): void {
    out.fill(0);
    const mlen = out.length;
    const tmp = new Float64Array(mlen);
    if (s.r === 1) {
      let p = 0;
      for (let j = 0; j < s.d; j++) {
        if (s.last[j] === 0 && s.l[j * 4] > 0) {
          p = j;
          break;
        }
      }
      const lp = s.l[p * 4];
      const vals = new Float64Array(16);
      const x = new Float64Array(4);
      const g5 = new Float64Array(NG);
      for (let j = 0; j < s.d; j++) {
        if (s.last[j] === NONE) {
          this.act.eval(0, this.e);
          vals.set(this.e, 4 * j);
        }
      }
      const er = this.er;
      const e = this.e;
      this.q.expectMany(this.act, lp * lp, out, (z, d, o) => {
        const x1 = z / lp;
        x[0] = x1;
        let right = true;
        if (this.fam === FAM_KINK) {
          this.act.evalBranch(z, Branch.Right, er);
          right = d[0] === er[0] && d[1] === er[1] && d[2] === er[2] && d[3] === er[3];
        }
        for (let j = 0; j < s.d; j++) {
          if (s.last[j] === NONE) continue;
          if (j === p) {
            vals[4 * j] = d[0];
            vals[4 * j + 1] = d[1];
            vals[4 * j + 2] = d[2];
            vals[4 * j + 3] = d[3];
            continue;
          }
          const c = s.l[j * 4];
          const zj = c * x1;
          if (this.fam === FAM_KINK) this.act.evalBranch(zj, c >= 0 === right ? Branch.Right : Branch.Left, e);
          else this.act.eval(zj, e);
          vals.set(e, 4 * j);
        }
        g(vals, x, NONE, g5, o);
      });
      return;
    }
    this.walk(s, closed, half, (v, x, w, cj, g5) => {
      g(v, x, cj, g5, tmp);
      for (let i = 0; i < mlen; i++) out[i] += w * tmp[i];
    });
  }
}

