/**
 * Many inputs at O(1/n): K, Θ, K^{1} (G1), Θ^{1} (H1), V, A, B, D, F with sample indices — the
 * pure-TypeScript twin of `crates/core/src/theory/multi.rs` (same rules, same order of operations;
 * derivation, rules and measured accuracy in docs/theory/multi.md).
 *
 * Every Gaussian expectation has an integrand over at most four samples: the source terms are
 * ≤ 4-dimensional integrals of products of σ and σ′; the statistics-side derivatives (χ, ω, ψ, φ,
 * fourth derivatives) are 2-dimensional pair integrals in Stein form with the pseudo-inverse of the pair's
 * Cholesky factor. The all-equal entries come from the single-input `nextLayer` itself.
 */
import { Branch, erfc, erfcScaled, normCdf, normPdf, ERF_SPLIT, type Activation } from '../numerics/activation.js';
import { hermiteRule, legendreRule, type Rule } from '../numerics/quadrature/rules.js';
import type { Quadrature } from '../numerics/quadrature/expect.js';
import { computeMoments, momentsFromArray, K_MIN, N_MOMENTS, type Moments } from './moments.js';
import { firstLayer, nextLayer, saturate, type LayerHyper, type LayerStats } from './recursion.js';

export const MAX_N = 32;
export const X_BALL = 8.0;
export const TAU = 30.0;
export const H_MAX = 0.35;
export const GL_NODES = 8;
const REF_DEGREE = 64;
export const RANK_TOL = 1e-12;
const NONE = -1;
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

/** Leaf callback: [σ, σ′] per sample (vals[2j], vals[2j+1]), x, weight, closed sample, its 5 moments. */
export type Leaf = (vals: Float64Array, x: Float64Array, w: number, cj: number, g5: Float64Array) => void;
/** Integrand callback writing every value into `o`. */
export type Integrand = (vals: Float64Array, x: Float64Array, cj: number, g5: Float64Array, o: Float64Array) => void;

export class MultiRule {
  readonly fam: number;
  readonly rho: number;
  readonly odd: boolean;
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

  /** [E σ, E σ′, E σ², E σσ′, E σ′²] at z = μ + sξ for the kinked family in closed form. */
  gaussMean(m: number, s: number, out: Float64Array): void {
    if (s <= 0) {
      this.act.eval(m, this.e);
      const e = this.e;
      out[0] = e[0];
      out[1] = e[1];
      out[2] = e[0] * e[0];
      out[3] = e[0] * e[1];
      out[4] = e[1] * e[1];
      return;
    }
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
    }
  }

  walk(s: Sub, closed: boolean, half: boolean, leaf: Leaf): void {
    const vals = new Float64Array(8);
    for (let j = 0; j < s.d; j++) {
      if (s.last[j] === NONE) {
        this.act.eval(0, this.e);
        vals[2 * j] = this.e[0];
        vals[2 * j + 1] = this.e[1];
      }
    }
    const x = new Float64Array(4);
    const g5 = new Float64Array(5);
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

  private level(s: Sub, k: number, means: Float64Array[], r2: number, w: number, vals: Float64Array, x: Float64Array, closed: boolean, half: boolean, bufs: Nodes[], g5: Float64Array, leaf: Leaf): void {
    const mean = means[k];
    const nodes = bufs[k];
    if (closed && k + 1 === s.r) {
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
          for (let i = 0; i < nodes.x.length; i++) {
            const wk = nodes.w[i];
            this.act.eval(mean[j] + s.l[j * 4 + k] * nodes.x[i], e);
            g0 += wk * e[0];
            g1 += wk * e[1];
            g2 += wk * (e[0] * e[0]);
            g3 += wk * (e[0] * e[1]);
            g4 += wk * (e[1] * e[1]);
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
          vals[2 * j] = e[0];
          vals[2 * j + 1] = e[1];
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
  integrate(s: Sub, closed: boolean, half: boolean, out: Float64Array, g: Integrand): void {
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
      const vals = new Float64Array(8);
      const x = new Float64Array(4);
      const g5 = new Float64Array(5);
      for (let j = 0; j < s.d; j++) {
        if (s.last[j] === NONE) {
          this.act.eval(0, this.e);
          vals[2 * j] = this.e[0];
          vals[2 * j + 1] = this.e[1];
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
            vals[2 * j] = d[0];
            vals[2 * j + 1] = d[1];
            continue;
          }
          const c = s.l[j * 4];
          const zj = c * x1;
          if (this.fam === FAM_KINK) this.act.evalBranch(zj, c >= 0 === right ? Branch.Right : Branch.Left, e);
          else this.act.eval(zj, e);
          vals[2 * j] = e[0];
          vals[2 * j + 1] = e[1];
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

// ------------------------------------------------------------------------------------------------
// Four-point tables S0 = ⟨σσσσ⟩, S2 = ⟨σ′σ′σσ⟩ (primes on the first two slots), S4 = ⟨σ′σ′σ′σ′⟩.

interface Plan {
  /** monomial exponents: monos[i][2j] = power of σ_j, monos[i][2j+1] = power of σ′_j */
  monos: number[][];
  entries: Array<[number[], number, number]>;
}

const plans = new Map<number, Plan>();

function plan(size: number): Plan {
  const cached = plans.get(size);
  if (cached) return cached;
  const monos: number[][] = [];
  const entries: Array<[number[], number, number]> = [];
  const masks = [0, 0b0011, 0b1111];
  for (let code = 0; code < size ** 4; code++) {
    const t = [Math.floor(code / size ** 3) % size, Math.floor(code / size ** 2) % size, Math.floor(code / size) % size, code % size];
    let covers = true;
    for (let j = 0; j < size; j++) if (!t.includes(j)) covers = false;
    if (!covers) continue;
    masks.forEach((mask, ti) => {
      const e = [0, 0, 0, 0, 0, 0, 0, 0];
      t.forEach((j, slot) => {
        if ((mask >> slot) & 1) e[2 * j + 1]++;
        else e[2 * j]++;
      });
      let idx = monos.findIndex((m) => m.every((v, i) => v === e[i]));
      if (idx < 0) {
        monos.push(e);
        idx = monos.length - 1;
      }
      entries.push([t, ti, idx]);
    });
  }
  const p = { monos, entries };
  plans.set(size, p);
  return p;
}

/** All increasing `size`-tuples of 0 … n−1, lexicographic. */
export function combinations(n: number, size: number): number[][] {
  const out: number[][] = [];
  if (size > n) return out;
  const c = Array.from({ length: size }, (_, i) => i);
  for (;;) {
    out.push(c.slice());
    let i = size;
    while (i > 0 && c[i - 1] === n - size + i - 1) i--;
    if (i === 0) return out;
    c[i - 1]++;
    for (let j = i; j < size; j++) c[j] = c[j - 1] + 1;
  }
}

const idx4 = (n: number, a: number, b: number, c: number, d: number): number => ((a * n + b) * n + c) * n + d;

export function fourPointTables(rule: MultiRule, kmat: Float64Array, n: number, mom: Moments[], s0: Float64Array, s2: Float64Array, s4: Float64Array): void {
  for (let a = 0; a < n; a++) {
    const i = idx4(n, a, a, a, a);
    s0[i] = mom[a].s4;
    s2[i] = mom[a].s2d2;
    s4[i] = mom[a].d4;
  }
  const k = new Float64Array(16);
  const ps = new Float64Array(20);
  const pd = new Float64Array(20);
  for (let size = 2; size <= Math.min(4, n); size++) {
    const pl = plan(size);
    const acc = new Float64Array(pl.monos.length);
    for (const set of combinations(n, size)) {
      k.fill(0);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) k[i * 4 + j] = kmat[set[i] * n + set[j]];
      const sub = cholesky(k, size);
      rule.steps(sub);
      const closed = sub.r === size && size >= 3;
      const monos = pl.monos;
      rule.integrate(sub, closed, rule.odd, acc, (v, _x, cj, g5, o) => {
        for (let j = 0; j < size; j++) {
          ps[j * 5] = 1;
          pd[j * 5] = 1;
          if (j === cj) continue;
          for (let e = 1; e < 5; e++) {
            ps[j * 5 + e] = ps[j * 5 + e - 1] * v[2 * j];
            pd[j * 5 + e] = pd[j * 5 + e - 1] * v[2 * j + 1];
          }
        }
        for (let mi = 0; mi < monos.length; mi++) {
          const mo = monos[mi];
          let p = 1;
          for (let j = 0; j < size; j++) {
            const a = mo[2 * j];
            const b = mo[2 * j + 1];
            if (j === cj) {
              p *= a === 1 && b === 0 ? g5[0] : a === 0 && b === 1 ? g5[1] : a === 2 && b === 0 ? g5[2] : a === 1 && b === 1 ? g5[3] : g5[4];
            } else {
              p *= ps[j * 5 + a] * pd[j * 5 + b];
            }
          }
          o[mi] = p;
        }
      });
      for (const [t, table, mi] of pl.entries) {
        const i = idx4(n, set[t[0]], set[t[1]], set[t[2]], set[t[3]]);
        if (table === 0) s0[i] = acc[mi];
        else if (table === 1) s2[i] = acc[mi];
        else s4[i] = acc[mi];
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Pair data.

/** Derivative moments of one unordered pair (samples s[0..m]), local indices (see the Rust twin). */
export interface PairData {
  s: [number, number];
  m: number;
  ess: number;
  edd: number;
  /** ⟨∂_p∂_q(σσ)⟩, ⟨∂_p∂_q(σ′σ′)⟩ at [2p + q] */
  dss: Float64Array;
  ddd: Float64Array;
  dds: Float64Array;
  dsd: Float64Array;
  qss: Float64Array;
  qdd: Float64Array;
}

function emptyPair(a: number, b: number, m: number): PairData {
  return { s: [a, b], m, ess: 0, edd: 0, dss: new Float64Array(4), ddd: new Float64Array(4), dds: new Float64Array(2), dsd: new Float64Array(2), qss: new Float64Array(16), qdd: new Float64Array(16) };
}

const MONO2: Array<[number, number]> = [
  [0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2], [3, 0], [2, 1], [1, 2], [0, 3], [4, 0], [3, 1], [2, 2], [1, 3], [0, 4],
];

function mono2Index(i: number, j: number): number {
  return MONO2.findIndex(([a, b]) => a === i && b === j);
}

function xmom(mm: Float64Array, off: number, ix: number[]): number {
  let c1 = 0;
  for (const i of ix) if (i === 1) c1++;
  return mm[off + mono2Index(ix.length - c1, c1)];
}

function he2(mm: Float64Array, off: number, i: number, j: number): number {
  return xmom(mm, off, [i, j]) - (i === j ? mm[off] : 0);
}

function he4(mm: Float64Array, off: number, i: number, j: number, k: number, l: number): number {
  const d = (a: number, b: number): number => (a === b ? 1 : 0);
  return (
    xmom(mm, off, [i, j, k, l]) -
    d(i, j) * xmom(mm, off, [k, l]) -
    d(i, k) * xmom(mm, off, [j, l]) -
    d(i, l) * xmom(mm, off, [j, k]) -
    d(j, k) * xmom(mm, off, [i, l]) -
    d(j, l) * xmom(mm, off, [i, k]) -
    d(k, l) * xmom(mm, off, [i, j]) +
    (d(i, j) * d(k, l) + d(i, k) * d(j, l) + d(i, l) * d(j, k)) * mm[off]
  );
}

export function pairData(rule: MultiRule, k11: number, k12: number, k22: number, a: number, b: number): PairData {
  const k = new Float64Array(16);
  k[0] = k11;
  k[1] = k12;
  k[4] = k12;
  k[5] = k22;
  const sub = cholesky(k, 2);
  rule.steps(sub);
  const r = sub.r;
  const acc = new Float64Array(60);
  const p1 = new Float64Array(5);
  const p2 = new Float64Array(5);
  rule.integrate(sub, false, false, acc, (v, x, _cj, _g5, o) => {
    const f0 = v[0] * v[2];
    const f1 = v[1] * v[3];
    const f2 = v[1] * v[2];
    const f3 = v[0] * v[3];
    p1[0] = 1;
    p2[0] = 1;
    for (let e = 1; e < 5; e++) {
      p1[e] = p1[e - 1] * x[0];
      p2[e] = p2[e - 1] * (r === 2 ? x[1] : 0);
    }
    for (let mi = 0; mi < 15; mi++) {
      const xm = p1[MONO2[mi][0]] * p2[MONO2[mi][1]];
      o[mi] = f0 * xm;
      o[15 + mi] = f1 * xm;
      o[30 + mi] = f2 * xm;
      o[45 + mi] = f3 * xm;
    }
  });
  const pinv = [
    [0, 0],
    [0, 0],
  ];
  if (r === 2) {
    const l00 = sub.l[0];
    const l10 = sub.l[4];
    const l11 = sub.l[5];
    pinv[0][0] = 1 / l00;
    pinv[1][0] = -l10 / (l00 * l11);
    pinv[1][1] = 1 / l11;
  } else if (r === 1) {
    const la = sub.l[0];
    const lb = sub.l[4];
    const nn = la * la + lb * lb;
    if (nn > 0) {
      pinv[0][0] = la / nn;
      pinv[0][1] = lb / nn;
    }
  }
  const pd = emptyPair(a, b, 2);
  pd.ess = acc[0];
  pd.edd = acc[15];
  for (let p = 0; p < 2; p++) {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < r; i++) s1 += pinv[i][p] * xmom(acc, 30, [i]);
    for (let i = 0; i < r; i++) s2 += pinv[i][p] * xmom(acc, 45, [i]);
    pd.dds[p] = s1;
    pd.dsd[p] = s2;
    for (let q = 0; q < 2; q++) {
      let s = 0;
      let dd = 0;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < r; j++) {
          const c = pinv[i][p] * pinv[j][q];
          s += c * he2(acc, 0, i, j);
          dd += c * he2(acc, 15, i, j);
        }
      }
      pd.dss[2 * p + q] = s;
      pd.ddd[2 * p + q] = dd;
    }
  }
  const g4s = new Float64Array(16);
  const g4d = new Float64Array(16);
  for (let c = 0; c < 16; c++) {
    const i = (c >> 3) & 1, j = (c >> 2) & 1, k2 = (c >> 1) & 1, l = c & 1;
    if (i < r && j < r && k2 < r && l < r) {
      g4s[c] = he4(acc, 0, i, j, k2, l);
      g4d[c] = he4(acc, 15, i, j, k2, l);
    }
  }
  for (let pc = 0; pc < 16; pc++) {
    const q1 = (pc >> 3) & 1, q2 = (pc >> 2) & 1, q3 = (pc >> 1) & 1, q4 = pc & 1;
    let s = 0;
    let dd = 0;
    for (let c = 0; c < 16; c++) {
      const i = (c >> 3) & 1, j = (c >> 2) & 1, k2 = (c >> 1) & 1, l = c & 1;
      const w = pinv[i][q1] * pinv[j][q2] * pinv[k2][q3] * pinv[l][q4];
      if (w !== 0) {
        s += w * g4s[c];
        dd += w * g4d[c];
      }
    }
    pd.qss[pc] = s;
    pd.qdd[pc] = dd;
  }
  return pd;
}

export function singlePair(m: Moments, K: number, a: number): PairData {
  const k = Math.max(K, K_MIN);
  const pd = emptyPair(a, a, 1);
  pd.ess = m.s2;
  pd.edd = m.d2;
  pd.dss[0] = m.s2he2 / k;
  pd.ddd[0] = m.d2he2 / k;
  pd.dds[0] = m.s2he2 / (2 * k);
  pd.dsd[0] = pd.dds[0];
  pd.qss[0] = m.s2he4 / k / k;
  pd.qdd[0] = m.d2he4 / k / k;
  return pd;
}

// ------------------------------------------------------------------------------------------------
// Layer state and step.

export interface MultiLayer {
  n: number;
  K: Float64Array;
  Theta: Float64Array;
  G1: Float64Array;
  H1: Float64Array;
  V: Float64Array;
  A: Float64Array;
  B: Float64Array;
  D: Float64Array;
  F: Float64Array;
}

export const MATRIX_KEYS = ['K', 'Theta', 'G1', 'H1'] as const;
export const TENSOR_KEYS = ['V', 'A', 'B', 'D', 'F'] as const;

export function zeros(n: number): MultiLayer {
  const n2 = n * n;
  const n4 = n2 * n2;
  return { n, K: new Float64Array(n2), Theta: new Float64Array(n2), G1: new Float64Array(n2), H1: new Float64Array(n2), V: new Float64Array(n4), A: new Float64Array(n4), B: new Float64Array(n4), D: new Float64Array(n4), F: new Float64Array(n4) };
}

function clone(s: MultiLayer): MultiLayer {
  return { n: s.n, K: s.K.slice(), Theta: s.Theta.slice(), G1: s.G1.slice(), H1: s.H1.slice(), V: s.V.slice(), A: s.A.slice(), B: s.B.slice(), D: s.D.slice(), F: s.F.slice() };
}

export function firstMulti(h: LayerHyper, x: ArrayLike<number>, n: number, n0: number): MultiLayer {
  const s = zeros(n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let g = 0;
      for (let i = 0; i < n0; i++) g += x[a * n0 + i] * x[b * n0 + i];
      g = g / n0;
      let kv: number;
      let tv: number;
      if (a === b) {
        const fl = firstLayer(h, g);
        kv = fl.K;
        tv = fl.Theta;
      } else {
        kv = h.cb + h.cw * g;
        tv = h.lambdaB + h.lambdaW * g;
      }
      s.K[a * n + b] = kv;
      s.K[b * n + a] = kv;
      s.Theta[a * n + b] = tv;
      s.Theta[b * n + a] = tv;
    }
  }
  return s;
}

function diag(s: MultiLayer, a: number): LayerStats {
  const n = s.n;
  const i = idx4(n, a, a, a, a);
  return { K: s.K[a * n + a], Theta: s.Theta[a * n + a], G1: s.G1[a * n + a], H1: s.H1[a * n + a], V: s.V[i], A: s.A[i], B: s.B[i], D: s.D[i], F: s.F[i], P: 0, Q: 0, R: 0, S: 0, T: 0, U: 0 };
}

function setDiag(s: MultiLayer, a: number, v: LayerStats): void {
  const n = s.n;
  const i = idx4(n, a, a, a, a);
  s.K[a * n + a] = v.K;
  s.Theta[a * n + a] = v.Theta;
  s.G1[a * n + a] = v.G1;
  s.H1[a * n + a] = v.H1;
  s.V[i] = v.V;
  s.A[i] = v.A;
  s.B[i] = v.B;
  s.D[i] = v.D;
  s.F[i] = v.F;
}

interface Coef {
  s: [number, number];
  m: number;
  ess: number;
  edd: number;
  chi: Float64Array;
  omega: Float64Array;
  psi: Float64Array;
  phi: Float64Array;
  chiPerp: number;
  y: number;
  qy: Float64Array;
  qs: Float64Array;
}

function contract2(n: number, cx: Coef, x: Float64Array, cy: Coef, y: Float64Array, t: Float64Array): number {
  let s = 0;
  for (let i = 0; i < cx.m; i++)
    for (let j = 0; j < cx.m; j++)
      for (let k = 0; k < cy.m; k++)
        for (let l = 0; l < cy.m; l++) s += x[2 * i + j] * y[2 * k + l] * t[idx4(n, cx.s[i], cx.s[j], cy.s[k], cy.s[l])];
  return s;
}

function contract1(n: number, a: number, b: number, cy: Coef, y: Float64Array, t: Float64Array): number {
  let s = 0;
  for (let k = 0; k < cy.m; k++) for (let l = 0; l < cy.m; l++) s += y[2 * k + l] * t[idx4(n, a, b, cy.s[k], cy.s[l])];
  return s;
}

function contract4(n: number, c: Coef, q: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let pc = 0; pc < 16; pc++) {
    const i = (pc >> 3) & 1, j = (pc >> 2) & 1, k = (pc >> 1) & 1, l = pc & 1;
    if (i < c.m && j < c.m && k < c.m && l < c.m) s += q[pc] * v[idx4(n, c.s[i], c.s[j], c.s[k], c.s[l])];
  }
  return s;
}

export interface LayerData {
  mom: Moments[];
  pairs: PairData[];
  s0: Float64Array;
  s2: Float64Array;
  s4: Float64Array;
}

export function layerData(rule: MultiRule, cur: MultiLayer): LayerData {
  const n = cur.n;
  const mom: Moments[] = [];
  for (let a = 0; a < n; a++) {
    const k = cur.K[a * n + a];
    mom.push(Number.isFinite(k) ? computeMoments(rule.q, rule.act, k) : momentsFromArray(new Float64Array(N_MOMENTS)));
  }
  const pairs: PairData[] = new Array(n * n);
  for (let a = 0; a < n; a++) {
    pairs[a * n + a] = singlePair(mom[a], cur.K[a * n + a], a);
    for (let b = a + 1; b < n; b++) {
      const pd = pairData(rule, cur.K[a * n + a], cur.K[a * n + b], cur.K[b * n + b], a, b);
      pairs[a * n + b] = pd;
      pairs[b * n + a] = pd;
    }
  }
  const n4 = n * n * n * n;
  const s0 = new Float64Array(n4);
  const s2 = new Float64Array(n4);
  const s4 = new Float64Array(n4);
  fourPointTables(rule, cur.K, n, mom, s0, s2, s4);
  return { mom, pairs, s0, s2, s4 };
}

/** One step ℓ → ℓ+1 (docs/theory/multi.md §2), `h` the hyperparameters of layer ℓ+1. */
export function nextMulti(ld: LayerData, prev: MultiLayer, h: LayerHyper, ratio: number): MultiLayer {
  const n = prev.n;
  const { cb, cw, lambdaB: lb, lambdaW: lw } = h;
  const r = ratio;
  const out = zeros(n);
  const coef: Coef[] = new Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const pd = ld.pairs[a * n + b];
      const th = prev.Theta[a * n + b];
      const c: Coef = { s: pd.s, m: pd.m, ess: pd.ess, edd: pd.edd, chi: new Float64Array(4), omega: new Float64Array(4), psi: new Float64Array(4), phi: new Float64Array(2), chiPerp: 0, y: 0, qy: new Float64Array(16), qs: new Float64Array(16) };
      for (let p = 0; p < 2; p++) {
        for (let q = 0; q < 2; q++) {
          const i = 2 * p + q;
          c.chi[i] = 0.5 * cw * pd.dss[i];
          c.omega[i] = 0.5 * (lw * pd.dss[i] + cw * th * pd.ddd[i]);
          c.psi[i] = 0.5 * cw * pd.ddd[i];
        }
        c.phi[p] = cw * (pd.s[0] === a ? pd.dds[p] : pd.dsd[p]);
      }
      for (let i = 0; i < 16; i++) {
        c.qs[i] = pd.qss[i];
        c.qy[i] = lw * pd.qss[i] + cw * th * pd.qdd[i];
      }
      c.chiPerp = cw * pd.edd;
      c.y = lw * pd.ess + cw * th * pd.edd;
      coef[a * n + b] = c;
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const c = coef[a * n + b];
      const i = a * n + b;
      out.K[i] = cb + cw * c.ess;
      out.Theta[i] = lb + lw * c.ess + cw * prev.Theta[i] * c.edd;
      let g1 = 0;
      let h1w = 0;
      let psiDf = 0;
      for (let p = 0; p < c.m; p++) {
        for (let q = 0; q < c.m; q++) {
          const k1 = prev.G1[c.s[p] * n + c.s[q]];
          g1 += c.chi[2 * p + q] * k1;
          h1w += c.omega[2 * p + q] * k1;
          psiDf += c.psi[2 * p + q] * (prev.D[idx4(n, a, b, c.s[p], c.s[q])] + 2 * prev.F[idx4(n, a, c.s[p], b, c.s[q])]);
        }
      }
      out.G1[i] = r * (g1 + (cw / 8) * contract4(n, c, c.qs, prev.V));
      out.H1[i] = r * (c.chiPerp * prev.H1[i] + h1w + contract4(n, c, c.qy, prev.V) / 8 + psiDf);
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const cab = coef[a * n + b];
      const thAb = prev.Theta[a * n + b];
      for (let c = 0; c < n; c++) {
        for (let d = 0; d < n; d++) {
          const ccd = coef[c * n + d];
          const thCd = prev.Theta[c * n + d];
          const i = idx4(n, a, b, c, d);
          const s0 = ld.s0[i];
          const s2Ab = ld.s2[i];
          const s2Cd = ld.s2[idx4(n, c, d, a, b)];
          const s4 = ld.s4[i];
          out.V[i] = cw * cw * (s0 - cab.ess * ccd.ess) + r * contract2(n, cab, cab.chi, ccd, ccd.chi, prev.V);
          const yy = lw * lw * s0 + lw * cw * thCd * s2Cd + lw * cw * thAb * s2Ab + cw * cw * thAb * thCd * s4;
          out.A[i] =
            yy -
            cab.y * ccd.y +
            r *
              (contract2(n, cab, cab.omega, ccd, ccd.omega, prev.V) +
                ccd.chiPerp * contract1(n, c, d, cab, cab.omega, prev.D) +
                cab.chiPerp * contract1(n, a, b, ccd, ccd.omega, prev.D) +
                cab.chiPerp * ccd.chiPerp * prev.A[i]);
          out.B[i] = cw * cw * prev.Theta[a * n + c] * prev.Theta[b * n + d] * s4 + r * cab.chiPerp * ccd.chiPerp * prev.B[i];
          const ys = lw * s0 + cw * thAb * s2Ab;
          out.D[i] = cw * (ys - cab.y * ccd.ess) + r * (contract2(n, cab, cab.omega, ccd, ccd.chi, prev.V) + cab.chiPerp * contract1(n, a, b, ccd, ccd.chi, prev.D));
          let fi = 0;
          for (let p = 0; p < cab.m; p++) for (let q = 0; q < ccd.m; q++) fi += cab.phi[p] * ccd.phi[q] * prev.F[idx4(n, a, cab.s[p], c, ccd.s[q])];
          out.F[i] = cw * cw * prev.Theta[a * n + c] * ld.s2[idx4(n, a, c, b, d)] + r * fi;
        }
      }
    }
  }
  for (let a = 0; a < n; a++) {
    const p = diag(prev, a);
    const s = nextLayer(ld.mom[a], p, h, ratio);
    saturate(s, p);
    setDiag(out, a, s);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Packing (identical to the Rust twin): one slot per orbit of the tensor's symmetry group, orbits in
// the order of their lexicographically smallest member (a, b, c, d).

export const SYM_VA = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 0, 1], [2, 3, 1, 0], [3, 2, 1, 0]];
export const SYM_D = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2]];
export const SYM_B = [[0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2], [3, 2, 1, 0]];
export const SYM_F = [[0, 1, 2, 3], [2, 3, 0, 1]];

export function orbitIndex(n: number, group: number[][]): { map: Uint32Array; count: number } {
  const n4 = n * n * n * n;
  const map = new Uint32Array(n4).fill(0xffffffff);
  let count = 0;
  const t = [0, 0, 0, 0];
  for (let code = 0; code < n4; code++) {
    if (map[code] !== 0xffffffff) continue;
    t[0] = Math.floor(code / (n * n * n));
    t[1] = Math.floor(code / (n * n)) % n;
    t[2] = Math.floor(code / n) % n;
    t[3] = code % n;
    for (const p of group) map[idx4(n, t[p[0]], t[p[1]], t[p[2]], t[p[3]])] = count;
    count++;
  }
  return { map, count };
}

export function packedSizes(n: number): [number, number, number, number] {
  return [orbitIndex(n, SYM_VA).count, orbitIndex(n, SYM_B).count, orbitIndex(n, SYM_D).count, orbitIndex(n, SYM_F).count];
}

export function layerStride(n: number): number {
  const [va, b, d, f] = packedSizes(n);
  return 4 * n * n + 2 * va + b + d + f + 1;
}

export const FLAG_OVERFLOW = 1;
export const FLAG_K_UNDERFLOW = 2;

function saturateVec(cur: Float64Array, prev: Float64Array): boolean {
  let bad = false;
  for (let i = 0; i < cur.length; i++) {
    const c = cur[i];
    const p = prev[i];
    if (!Number.isFinite(c) || (!Number.isFinite(p) && !Number.isNaN(p))) {
      bad = true;
      const sign = Number.isNaN(c) || c === 0 ? (p < 0 ? -1 : 1) : Math.sign(c);
      cur[i] = sign * Infinity;
    }
  }
  return bad;
}

/** The whole recursion for N inputs (x: N × n₀ row-major); writes `layerStride(N)` values per layer. */
export function runMulti(q: Quadrature, act: Activation, widths: ArrayLike<number>, hyper: readonly LayerHyper[], x: ArrayLike<number>, n: number, n0: number, out: Float64Array): void {
  const rule = new MultiRule(q, act);
  const depth = hyper.length;
  const stride = layerStride(n);
  const maps = [orbitIndex(n, SYM_VA), orbitIndex(n, SYM_B), orbitIndex(n, SYM_D), orbitIndex(n, SYM_F)];
  let cur = firstMulti(hyper[0], x, n, n0);
  let overflowed = false;
  const n2 = n * n;
  for (let l = 0; l < depth; l++) {
    let flags = 0;
    for (let a = 0; a < n; a++) {
      const k = cur.K[a * n + a];
      if (k < K_MIN && Number.isFinite(k)) {
        flags += FLAG_K_UNDERFLOW;
        break;
      }
    }
    const finite = cur.K.every(Number.isFinite);
    const ld = l + 1 < depth && finite ? layerData(rule, cur) : null;
    if (overflowed) flags += FLAG_OVERFLOW;
    const o = l * stride;
    out.fill(0, o, o + stride);
    out.set(cur.K, o);
    out.set(cur.Theta, o + n2);
    out.set(cur.G1, o + 2 * n2);
    out.set(cur.H1, o + 3 * n2);
    let off = o + 4 * n2;
    const tensors: Array<[Float64Array, number]> = [
      [cur.V, 0],
      [cur.A, 0],
      [cur.B, 1],
      [cur.D, 2],
      [cur.F, 3],
    ];
    for (const [t, mi] of tensors) {
      const { map, count } = maps[mi];
      for (let code = 0; code < map.length; code++) out[off + map[code]] = t[code];
      off += count;
    }
    out[o + stride - 1] = flags;
    if (l + 1 < depth) {
      const ratio = widths[l + 1] / widths[l];
      const nxt = ld ? nextMulti(ld, cur, hyper[l + 1], ratio) : clone(cur);
      let bad = false;
      for (const key of [...MATRIX_KEYS, ...TENSOR_KEYS]) bad = saturateVec(nxt[key], cur[key]) || bad;
      overflowed = overflowed || bad;
      cur = nxt;
    }
  }
}
