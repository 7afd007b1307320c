/**
 * The infinite-width kernel matrices K⁽ℓ⁾_αβ, Θ⁽ℓ⁾_αβ over N inputs (PDLT §4.1, §8.1) — the pure-TS
 * twin of `crates/core/src/theory/kernel_matrix.rs` (same rules, same order of operations); the
 * module doc there says which 2-D rule serves which activation:
 *  - relu, leaky relu: closed forms (arc-cosine kernels), exact to rounding;
 *  - smooth σ: the tensor product of the 1-D trapezoid of `theory()` in Cholesky coordinates;
 *  - elu, monomials, custom σ: `Quadrature.expect2` (kink-split / Gauss–Hermite);
 *  - the diagonal: the single-input moments of `theory()`, so K⁽ℓ⁾_αα and Θ⁽ℓ⁾_αα equal `theory()`'s.
 */
import { ERF_SPLIT, erfSmall, erfcScaled, Kind, type Activation } from '../numerics/activation.js';
import { X_MAX, type Quadrature, type Rule } from '../numerics/quadrature/expect.js';
import { computeMoments } from './moments.js';
import type { LayerHyper } from './recursion.js';

/** True when σ(−z) = −σ(z), so that σσ and σ′σ′ are even functions of (z_α, z_β). */
function isOdd(act: Activation): boolean {
  switch (act.kind) {
    case Kind.Tanh: case Kind.Erf: case Kind.Sin: case Kind.ScaledTanh: case Kind.Linear:
      return true;
    case Kind.Monomial:
      return Math.trunc(act.a) % 2 === 1;
    default:
      return false;
  }
}

/** ⟨σσ⟩ and ⟨σ′σ′⟩ of relu (a = 0) or leaky relu (negative slope a) in closed form. */
export function leakyReluPair(a: number, k11: number, k12: number, k22: number): [number, number] {
  // √K11·√K22, not √(K11·K22): the product overflows once K passes 1e154 (deep chaotic nets).
  const norm = Math.sqrt(k11) * Math.sqrt(k22);
  const c = norm > 0 ? Math.min(1, Math.max(-1, k12 / norm)) : 0;
  const theta = Math.acos(c);
  const pi = Math.PI;
  const j1 = (norm * (Math.sqrt(1 - c * c) + (pi - theta) * c)) / (2 * pi);
  const j0 = (pi - theta) / (2 * pi);
  const b = (1 - a) * (1 - a);
  return [a * k12 + b * j1, a + b * j0];
}

/** A trapezoid level with, per outer node i, the inner nodes [lo, hi) inside the disc x_i² + x_j² ≤ X_MAX². */
interface SmoothRule {
  rule: Rule;
  lo: Int32Array;
  hi: Int32Array;
}

function smoothRule(rule: Rule): SmoothRule {
  const r2 = X_MAX * X_MAX * (1 + 1e-12);
  const xs = rule.nodes;
  const m = xs.length;
  const lo = new Int32Array(m), hi = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const lim = r2 - xs[i] * xs[i];
    let a = 0;
    while (a < m && !(xs[a] * xs[a] <= lim)) a++;
    let b = m;
    while (b > a && !(xs[b - 1] * xs[b - 1] <= lim)) b--;
    lo[i] = a;
    hi[i] = b;
  }
  return { rule, lo, hi };
}

const POINT = new Float64Array(4);
const INNER = new Float64Array(2);

/** Slope a > 0 when σ(z) = tanh(a·z) (tanh, scaled tanh with a > 0), else null. */
function tanhSlope(act: Activation): number | null {
  if (act.kind === Kind.Tanh) return 1;
  if (act.kind === Kind.ScaledTanh && act.a > 0 && Number.isFinite(act.a)) return act.a;
  return null;
}

/** First j in [lo, hi) with y + l22·xⱼ ≥ 0 on the trapezoid xⱼ = (j − J)·h (l22 > 0). */
function firstNonnegative(xs: ArrayLike<number>, lo: number, hi: number, y: number, l22: number, h: number): number {
  const half = xs.length >> 1;
  const root = -y / (l22 * h) + half;
  let j0 = root <= lo ? lo : root >= hi ? hi : Math.ceil(root);
  while (j0 > lo && y + l22 * xs[j0 - 1] >= 0) j0--;
  while (j0 < hi && y + l22 * xs[j0] < 0) j0++;
  return j0;
}

/**
 * Σⱼ wⱼ tanh(a zⱼ) and Σⱼ wⱼ a·sech²(a zⱼ) over j ∈ [lo, hi), zⱼ = y + l22·xⱼ on the trapezoid
 * xⱼ = (j − J)·h, into INNER: e^{−2a|zⱼ|} is geometric in j, so one exp per side of zⱼ = 0 and one
 * multiplication per node (see `tanh_inner` in kernel_matrix.rs for the error bound).
 */
function tanhInner(xs: ArrayLike<number>, ws: ArrayLike<number>, lo: number, hi: number, a: number, y: number, l22: number, h: number): void {
  const j0 = firstNonnegative(xs, lo, hi, y, l22, h);
  const r = Math.exp(-2 * a * l22 * h);
  let ss = 0, dd = 0;
  if (j0 < hi) {
    let e = Math.exp(-2 * a * (y + l22 * xs[j0]));
    for (let j = j0; j < hi; j++) {
      const v = 1 + e;
      ss += ws[j] * ((1 - e) / v);
      dd += ws[j] * ((4 * a * e) / (v * v));
      e *= r;
    }
  }
  if (j0 > lo) {
    let e = Math.exp(2 * a * (y + l22 * xs[j0 - 1]));
    for (let j = j0 - 1; j >= lo; j--) {
      const v = 1 + e;
      ss -= ws[j] * ((1 - e) / v);
      dd += ws[j] * ((4 * a * e) / (v * v));
      e *= r;
    }
  }
  INNER[0] = ss;
  INNER[1] = dd;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;
/** Nodes between which the lattice recurrences re-seed with exp. */
const RESEED = 8;

/** erf(|z|) given u = |z| and g = e^{−u²}. */
function erfAbs(u: number, g: number): number {
  return u <= ERF_SPLIT ? erfSmall(u) : u >= 26.6 ? 1 : 1 - g * erfcScaled(u);
}

/**
 * As tanhInner for σ = erf: e^{−zⱼ²} by the recurrence gⱼ₊₁ = gⱼqⱼ, qⱼ₊₁ = qⱼe^{−2δ²} walking outwards
 * from zⱼ = 0 (re-seeded every RESEED nodes), so erf′ needs no exp and erf only Cody's R (see
 * `erf_inner` in kernel_matrix.rs).
 */
function erfInner(xs: ArrayLike<number>, ws: ArrayLike<number>, lo: number, hi: number, y: number, l22: number, h: number): void {
  const j0 = firstNonnegative(xs, lo, hi, y, l22, h);
  const delta = l22 * h;
  const c = Math.exp(-2 * delta * delta);
  let ss = 0, dd = 0, g = 0, q = 0;
  for (let j = j0, k = 0; j < hi; j++, k++) {
    const u = y + l22 * xs[j];
    if (k % RESEED === 0) {
      g = Math.exp(-u * u);
      q = Math.exp(-(2 * u * delta + delta * delta));
    }
    ss += ws[j] * erfAbs(u, g);
    dd += ws[j] * (TWO_OVER_SQRT_PI * g);
    g *= q;
    q *= c;
  }
  for (let j = j0 - 1, k = 0; j >= lo; j--, k++) {
    const u = -(y + l22 * xs[j]);
    if (k % RESEED === 0) {
      g = Math.exp(-u * u);
      q = Math.exp(-(2 * u * delta + delta * delta));
    }
    ss += ws[j] * -erfAbs(u, g);
    dd += ws[j] * (TWO_OVER_SQRT_PI * g);
    g *= q;
    q *= c;
  }
  INNER[0] = ss;
  INNER[1] = dd;
}

function smoothPair(sr: SmoothRule, act: Activation, odd: boolean, k11: number, k12: number, k22: number): [number, number] {
  const xs = sr.rule.nodes, ws = sr.rule.weights;
  const m = xs.length;
  const l11 = Math.sqrt(k11);
  const l21 = l11 > 0 ? k12 / l11 : 0;
  const l22 = Math.sqrt(Math.max(k22 - l21 * l21, 0));
  const half = m >> 1;
  // The lattice fast paths need a step and a non-degenerate inner variable.
  const lattice = m >= 3 && l22 > 0;
  const erfFast = lattice && act.kind === Kind.Erf;
  const fast = lattice ? tanhSlope(act) : null;
  const h = m >= 3 ? xs[half + 1] : 0;
  const d = POINT;
  let s = 0, dsum = 0;
  for (let i = odd ? half : 0; i < m; i++) {
    const x1 = xs[i];
    act.eval(l11 * x1, d);
    const s1 = d[0], d1 = d[1];
    const y = l21 * x1;
    let ss = 0, dd = 0;
    if (fast !== null || erfFast) {
      if (erfFast) erfInner(xs, ws, sr.lo[i], sr.hi[i], y, l22, h);
      else tanhInner(xs, ws, sr.lo[i], sr.hi[i], fast as number, y, l22, h);
      ss = INNER[0];
      dd = INNER[1];
    } else {
      for (let j = sr.lo[i], hi = sr.hi[i]; j < hi; j++) {
        act.eval(y + l22 * xs[j], d);
        ss += ws[j] * d[0];
        dd += ws[j] * d[1];
      }
    }
    const w = odd && i !== half ? 2 * ws[i] : ws[i];
    s += w * s1 * ss;
    dsum += w * d1 * dd;
  }
  return [s, dsum];
}

/** One recursion's 2-D rules (the twin of `PairRule` in kernel_matrix.rs). */
class PairRule {
  private readonly odd: boolean;
  private readonly halfwidth: number | null;
  private readonly levels = new Map<number, SmoothRule>();
  private readonly o = new Float64Array(2);

  constructor(private readonly q: Quadrature, private readonly act: Activation) {
    this.odd = isOdd(act);
    // Custom σ (js only) takes the same tensor trapezoid as `expect2` gives it, at its declared half-width.
    this.halfwidth = !act.isPolynomial && !act.hasKink ? act.halfwidth : null;
  }

  pair(k11: number, k12: number, k22: number): [number, number] {
    if (!(Number.isFinite(k11) && Number.isFinite(k12) && Number.isFinite(k22))) return [NaN, NaN];
    // Rounding can push |K12| a hair above √(K11 K22); clamp to the PSD boundary.
    const bound = Math.sqrt(Math.max(k11, 0)) * Math.sqrt(Math.max(k22, 0));
    k12 = Math.min(bound, Math.max(-bound, k12));
    switch (this.act.kind) {
      case Kind.Relu: return leakyReluPair(0, k11, k12, k22);
      case Kind.LeakyRelu: return leakyReluPair(this.act.a, k11, k12, k22);
      case Kind.Linear: return [k12, 1];
    }
    if (this.halfwidth !== null) {
      const kmax = Math.max(k11, k22);
      if (kmax > 0) {
        const level = this.q.trapezoidLevel(this.halfwidth, kmax);
        let sr = this.levels.get(level);
        if (!sr) {
          sr = smoothRule(this.q.trapezoid(level));
          this.levels.set(level, sr);
        }
        return smoothPair(sr, this.act, this.odd, k11, k12, k22);
      }
    }
    const o = this.o;
    this.q.expect2(this.act, k11, k12, k22, o, (_z1, d1, _z2, d2, v) => {
      v[0] = d1[0] * d2[0];
      v[1] = d1[1] * d2[1];
    });
    return [o[0], o[1]];
  }
}

/** The whole recursion into `out` (2·L·N²: K⁽ℓ⁾ then Θ⁽ℓ⁾ per layer, row-major), as `wf_kernel_matrix`. */
export function runKernelMatrix(q: Quadrature, act: Activation, hyper: readonly LayerHyper[], x: Float64Array, n: number, n0: number, out: Float64Array): void {
  const nn = n * n;
  const h0 = hyper[0];
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let g = 0;
      for (let i = 0; i < n0; i++) g += x[a * n0 + i] * x[b * n0 + i];
      g /= n0;
      const kv = h0.cb + h0.cw * g;
      const tv = h0.lambdaB + h0.lambdaW * g;
      out[a * n + b] = kv;
      out[b * n + a] = kv;
      out[nn + a * n + b] = tv;
      out[nn + b * n + a] = tv;
    }
  }
  const rule = new PairRule(q, act);
  for (let l = 1; l < hyper.length; l++) {
    const h = hyper[l];
    const pk = 2 * (l - 1) * nn, pt = pk + nn, k = 2 * l * nn, th = k + nn;
    for (let a = 0; a < n; a++) {
      const kaa = out[pk + a * n + a];
      let s = NaN, d = NaN;
      if (Number.isFinite(kaa)) {
        const m = computeMoments(q, act, kaa);
        s = m.s2;
        d = m.d2;
      }
      out[k + a * n + a] = h.cb + h.cw * s;
      out[th + a * n + a] = h.lambdaB + h.lambdaW * s + h.cw * out[pt + a * n + a] * d;
      for (let b = a + 1; b < n; b++) {
        const [s2, d2] = rule.pair(kaa, out[pk + a * n + b], out[pk + b * n + b]);
        const kv = h.cb + h.cw * s2;
        const tv = h.lambdaB + h.lambdaW * s2 + h.cw * out[pt + a * n + b] * d2;
        out[k + a * n + b] = kv;
        out[k + b * n + a] = kv;
        out[th + a * n + b] = tv;
        out[th + b * n + a] = tv;
      }
    }
  }
}
