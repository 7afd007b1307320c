/**
 * The infinite-width kernel matrices K⁽ℓ⁾_αβ, Θ⁽ℓ⁾_αβ over N inputs (PDLT §4.1, §8.1) — the pure-TS
 * twin of `crates/core/src/theory/kernel_matrix.rs` (same rules, same order of operations); the
 * module doc there says which 2-D rule serves which activation:
 *  - relu, leaky relu, erf, gelu (exact), sin, linear: closed forms (`closedPair`), ≤ 1e-14 relative
 *    on every entry (test/kernel-closed-forms.test.ts, against 40-digit mpmath);
 *  - smooth σ (tanh, sigmoid, softplus, swish, scaled tanh, custom): the Mehler series of `mehler.ts`
 *    (Hermite coefficients per input and layer, O(M) per pair); for inputs whose series would need more
 *    than M_CAP orders, a tensor trapezoid in Cholesky coordinates with one step per axis (target e^{−36});
 *  - elu, monomials: `Quadrature.expect2` (kink-split / Gauss–Hermite);
 *  - the diagonal: the single-input moments of `theory()`, so K⁽ℓ⁾_αα and Θ⁽ℓ⁾_αα equal `theory()`'s.
 */
import { Kind, type Activation } from '../numerics/activation.js';
import { ladderStep, type Quadrature } from '../numerics/quadrature/expect.js';
import { MehlerRule, type Series } from './mehler.js';
import { computeMoments, K_MIN } from './moments.js';
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

/**
 * ⟨σσ⟩ and ⟨σ′σ′⟩ of relu (a = 0) or leaky relu (negative slope a) in closed form, in the angle
 * δ = π − θ between z_α and −z_β: J₁ = √(K_αα K_ββ)(sin δ − δ cos δ)/2π, J₀ = δ/2π (see
 * `leaky_relu_pair` in kernel_matrix.rs for why δ = atan2(√((1−c)(1+c)), −c) and the series).
 */
export function leakyReluPair(a: number, k11: number, k12: number, k22: number): [number, number] {
  // √K11·√K22, not √(K11·K22): the product overflows once K passes 1e154 (deep chaotic nets).
  const norm = Math.sqrt(k11) * Math.sqrt(k22);
  const c = norm > 0 ? Math.min(1, Math.max(-1, k12 / norm)) : 0;
  // sin θ = √(K₁₁K₂₂ − K₁₂²)/norm with an exact determinant (1 − c² would lose 1e-8 at c = −0.99999999).
  const s = norm > 0 ? Math.min(1, Math.sqrt(Math.max(det2(k11, k22, k12), 0)) / norm) : 1;
  const delta = Math.atan2(s, -c);
  const g = delta < 0.5 ? sinMinusXCos(delta) : s + delta * c;
  const twoPi = 2 * Math.PI;
  const b = (1 - a) * (1 - a);
  return [a * k12 + (b * norm * g) / twoPi, a + (b * delta) / twoPi];
}

const SPLIT = 134217729; // 2²⁷ + 1
const TP = new Float64Array(2);

/** Dekker's exact product a·b = TP[0] + TP[1] (as `two_product` in kernel_matrix.rs). */
function twoProduct(a: number, b: number): void {
  const p = a * b;
  const ca = SPLIT * a, cb = SPLIT * b;
  const ah = ca - (ca - a), bh = cb - (cb - b);
  const al = a - ah, bl = b - bh;
  TP[0] = p;
  TP[1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

/** K₁₁K₂₂ − K₁₂² to a few ulps of itself, also when it cancels (as `det2` in kernel_matrix.rs). */
export function det2(k11: number, k22: number, k12: number): number {
  twoProduct(k11, k22);
  const p1 = TP[0], e1 = TP[1];
  twoProduct(k12, k12);
  const p2 = TP[0], e2 = TP[1];
  const d = p1 - p2 + (e1 - e2);
  return Number.isFinite(d) ? d : p1 - p2;
}

/** sin δ − δ cos δ = Σ_{k≥1} (−1)^{k+1} 2k δ^{2k+1}/(2k+1)! for 0 ≤ δ < 1/2 (nine terms). */
export function sinMinusXCos(delta: number): number {
  const d2 = delta * delta;
  let t = (delta * d2) / 3;
  let sum = t;
  for (let k = 1; k < 9; k++) {
    t *= (-((k + 1) / k) * d2) / ((2 * k + 2) * (2 * k + 3));
    sum += t;
  }
  return sum;
}

/** ⟨erf erf⟩, ⟨erf′ erf′⟩: the arcsine kernel, as `erf_pair` in kernel_matrix.rs. */
export function erfPair(k11: number, k12: number, k22: number): [number, number] {
  const q = 1 + 2 * (k11 + k22) + 4 * det2(k11, k22, k12);
  const sq = Math.sqrt(q);
  return [(2 / Math.PI) * Math.atan2(2 * k12, sq), 4 / Math.PI / sq];
}

/** ⟨σσ⟩, ⟨σ′σ′⟩ of the exact gelu zΦ(z), as `gelu_pair` in kernel_matrix.rs (docs/theory/kernels.md). */
export function geluPair(k11: number, k12: number, k22: number): [number, number] {
  const p1 = 1 + k11, p2 = 1 + k22;
  const d = 1 + k11 + k22 + det2(k11, k22, k12);
  const sd = Math.sqrt(d);
  const a = Math.atan2(k12, sd);
  const r = (1 - k11 * k22) / (p1 * p2);
  const m = k11 * k22 + k12 * k12 * r;
  const twoPi = 2 * Math.PI;
  const ss = 0.25 * k12 + (k12 * a) / twoPi + m / (twoPi * sd);
  const dd = 0.25 + a / twoPi + (k12 * (1 + 2 * r)) / (twoPi * sd) + (k12 * m) / (twoPi * d * sd);
  return [ss, dd];
}

/** ⟨sin sin⟩ = e^{−(K₁₁+K₂₂)/2} sinh K₁₂, ⟨cos cos⟩ = e^{−(K₁₁+K₂₂)/2} cosh K₁₂, as `sin_pair`. */
export function sinPair(k11: number, k12: number, k22: number): [number, number] {
  const m = 0.5 * (k11 + k22);
  const ep = Math.exp(k12 - m), em = Math.exp(-k12 - m);
  const ss = Math.abs(k12) < 1 ? Math.exp(-m) * Math.sinh(k12) : 0.5 * (ep - em);
  return [ss, 0.5 * (ep + em)];
}

/** True when σ has a closed-form pair kernel ({@link closedPair} is not null). */
export function hasClosedPair(act: Activation): boolean {
  switch (act.kind) {
    case Kind.Relu: case Kind.LeakyRelu: case Kind.Linear: case Kind.Erf: case Kind.Gelu: case Kind.Sin:
      return true;
    default:
      return false;
  }
}

/** True when σ's pairs are Mehler series (smooth σ without a closed form: tanh, sigmoid, softplus, swish, scaled tanh, custom). */
export function hasSeries(act: Activation): boolean {
  return !act.isPolynomial && !act.hasKink && act.halfwidth !== null && !hasClosedPair(act);
}

/** The closed form of ⟨σσ⟩, ⟨σ′σ′⟩ for σ when there is one (relu, leaky relu, linear, erf, gelu, sin), else null. */
export function closedPair(act: Activation, k11: number, k12: number, k22: number): [number, number] | null {
  switch (act.kind) {
    case Kind.Relu: return leakyReluPair(0, k11, k12, k22);
    case Kind.LeakyRelu: return leakyReluPair(act.a, k11, k12, k22);
    case Kind.Linear: return [k12, 1];
    case Kind.Erf: return erfPair(k11, k12, k22);
    case Kind.Gelu: return geluPair(k11, k12, k22);
    case Kind.Sin: return sinPair(k11, k12, k22);
    default: return null;
  }
}

/** Target error e^{−τ} of the pair rule (see `pair_level` in kernel_matrix.rs for these constants). */
const TAU = 36;
const REF_DEGREE = 64;
/** Largest step: x^k φ(x) aliases by ~ω^k e^{−2π²/h²} ≤ 3e-18 (k ≤ 6, ω = 2π/h) at h = 0.6. */
const H_GAUSS = 0.6;
/** Radius of the disc of (x₁, x₂) the pair sums cover (Gaussian mass e^{−38} outside). */
const R_DISC = 8.75;
const LADDER_MIN = -12, LADDER_MAX = 40;

/** Trapezoid level of the pair rule for variance k and strip half-width ρ, as `pair_level`. */
function pairLevel(degree: number, rho: number, k: number): number {
  const scale = REF_DEGREE / degree;
  const sigma = k > 0 ? ((2 * Math.PI * rho) / (TAU * Math.sqrt(k))) * scale : Infinity;
  const target = Math.min(sigma, H_GAUSS * Math.min(scale, 1));
  let level = LADDER_MIN;
  while (level < LADDER_MAX && ladderStep(level) > target) level++;
  return level;
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
 * multiplication and one division per node (see `tanh_inner` in kernel_matrix.rs for the error bound).
 */
function tanhInner(xs: ArrayLike<number>, ws: ArrayLike<number>, lo: number, hi: number, a: number, y: number, l22: number, h: number): void {
  const j0 = firstNonnegative(xs, lo, hi, y, l22, h);
  const r = Math.exp(-2 * a * l22 * h);
  const a4 = 4 * a;
  let ss = 0, dd = 0;
  if (j0 < hi) {
    let e = Math.exp(-2 * a * (y + l22 * xs[j0]));
    for (let j = j0; j < hi; j++) {
      const inv = 1 / (1 + e);
      ss += ws[j] * ((1 - e) * inv);
      dd += ws[j] * (a4 * e * inv * inv);
      e *= r;
    }
  }
  if (j0 > lo) {
    let e = Math.exp(2 * a * (y + l22 * xs[j0 - 1]));
    for (let j = j0 - 1; j >= lo; j--) {
      const inv = 1 / (1 + e);
      ss -= ws[j] * ((1 - e) * inv);
      dd += ws[j] * (a4 * e * inv * inv);
      e *= r;
    }
  }
  INNER[0] = ss;
  INNER[1] = dd;
}

/** The tensor trapezoid with one step per axis over the disc x₁² + x₂² ≤ R_DISC², as `smooth_pair`. */
function smoothPair(q: Quadrature, rho: number, act: Activation, odd: boolean, k11: number, k12: number, k22: number): [number, number] {
  const l11 = Math.sqrt(k11);
  const l21 = l11 > 0 ? k12 / l11 : 0;
  const l22 = Math.sqrt(Math.max(k22 - l21 * l21, 0));
  const outer = q.trapezoid(pairLevel(q.degree, rho, Math.max(k11, l21 * l21)));
  const inner = q.trapezoid(pairLevel(q.degree, rho, l22 * l22));
  const xo = outer.nodes, wo = outer.weights, xi = inner.nodes, wi = inner.weights;
  const mo = xo.length, mi = xi.length;
  const halfO = mo >> 1, halfI = mi >> 1;
  const h = mi >= 3 ? xi[halfI + 1] : 0;
  // The lattice fast path needs a step and a non-degenerate inner variable.
  const fast = mi >= 3 && l22 > 0 ? tanhSlope(act) : null;
  const r2 = R_DISC * R_DISC;
  const d = POINT;
  let s = 0, dsum = 0;
  for (let i = odd ? halfO : 0; i < mo; i++) {
    const x1 = xo[i];
    const lim = r2 - x1 * x1;
    if (lim < 0) continue;
    const r = h > 0 ? Math.min(Math.trunc(Math.sqrt(lim) / h), halfI) : 0;
    const lo = halfI - r, hi = halfI + r + 1;
    act.eval(l11 * x1, d);
    const s1 = d[0], d1 = d[1];
    const y = l21 * x1;
    let ss = 0, dd = 0;
    if (fast !== null) {
      tanhInner(xi, wi, lo, hi, fast, y, l22, h);
      ss = INNER[0];
      dd = INNER[1];
    } else {
      for (let j = lo; j < hi; j++) {
        act.eval(y + l22 * xi[j], d);
        ss += wi[j] * d[0];
        dd += wi[j] * d[1];
      }
    }
    const w = odd && i !== halfO ? 2 * wo[i] : wo[i];
    s += w * s1 * ss;
    dsum += w * d1 * dd;
  }
  return [s, dsum];
}

/** Factor on the 1-D half-width for the pair rule (poles of order ≤ 2 per axis), as `pair_gain`. */
function pairGain(act: Activation): number {
  switch (act.kind) {
    case Kind.Tanh: case Kind.Sigmoid: case Kind.Softplus: case Kind.Swish:
      return 1.25;
    default:
      return 1;
  }
}

/** One recursion's 2-D rules and Mehler series (the twin of `PairRule` in kernel_matrix.rs). */
class PairRule {
  private readonly odd: boolean;
  private readonly halfwidth: number | null;
  private readonly mehler: MehlerRule | null;
  private readonly o = new Float64Array(2);

  /** `withSeries`: whether smooth σ may use Mehler series (else the 2-D rules only). */
  constructor(private readonly q: Quadrature, private readonly act: Activation, withSeries = true) {
    this.odd = isOdd(act);
    // Custom σ (js only) takes the same tensor trapezoid and series, at its declared half-width.
    this.halfwidth = !act.isPolynomial && !act.hasKink && act.halfwidth !== null ? act.halfwidth * pairGain(act) : null;
    // Closed forms (erf, gelu, sin) need no series.
    this.mehler = withSeries && this.halfwidth !== null && hasSeries(act) ? new MehlerRule(this.halfwidth, this.odd) : null;
  }

  /** The Mehler coefficients of an input of variance K (null: no series for σ, or none that converges). */
  series(kaa: number): Series | null {
    return this.mehler === null ? null : this.mehler.series(this.act, kaa);
  }

  pair(k11: number, k12: number, k22: number, sa: Series | null, sb: Series | null): [number, number] {
    if (!(Number.isFinite(k11) && Number.isFinite(k12) && Number.isFinite(k22))) return [NaN, NaN];
    // Rounding can push |K12| a hair above √(K11 K22); clamp to the PSD boundary.
    const bound = Math.sqrt(Math.max(k11, 0)) * Math.sqrt(Math.max(k22, 0));
    k12 = Math.min(bound, Math.max(-bound, k12));
    if (this.mehler !== null && sa !== null && sb !== null) return this.mehler.pair(sa, sb, k12 / bound);
    const closed = closedPair(this.act, k11, k12, k22);
    if (closed !== null) return closed;
    if (this.halfwidth !== null && Math.max(k11, k22) > 0) return smoothPair(this.q, this.halfwidth, this.act, this.odd, k11, k12, k22);
    const o = this.o;
    this.q.expect2(this.act, k11, k12, k22, o, (_z1, d1, _z2, d2, v) => {
      v[0] = d1[0] * d2[0];
      v[1] = d1[1] * d2[1];
    });
    return [o[0], o[1]];
  }
}

/** Number of pairs (α, β) with lo ≤ α < hi and α ≤ β < N: the entries {@link kernelRows} fills (two values each). */
export function rowsLen(n: number, lo: number, hi: number): number {
  if (hi <= lo) return 0;
  return (hi - lo) * n - (hi * (hi - 1) - lo * Math.max(lo - 1, 0)) / 2;
}

/**
 * (⟨σσ⟩, ⟨σ′σ′⟩) over rows lo ≤ α < hi of the upper triangle of one layer's K (N × N), pair by pair
 * (α = lo…hi−1, β = α…N−1), as `kernel_rows` in kernel_matrix.rs: the work unit of `kernels({ workers })`.
 */
export function kernelRows(q: Quadrature, act: Activation, k: Float64Array, n: number, lo: number, hi: number, out: Float64Array): void {
  rows(q, act, k, n, lo, hi, out, true);
}

/** {@link kernelRows} by the 2-D rules alone (as `kernel_rows_direct`: a few inputs per call, where series cost more than pairs). */
export function kernelRowsDirect(q: Quadrature, act: Activation, k: Float64Array, n: number, lo: number, hi: number, out: Float64Array): void {
  rows(q, act, k, n, lo, hi, out, false);
}

function rows(q: Quadrature, act: Activation, k: Float64Array, n: number, lo: number, hi: number, out: Float64Array, withSeries: boolean): void {
  const rule = new PairRule(q, act, withSeries);
  // The series of every input these rows pair with: the same numbers as in the whole recursion.
  const diag = new Float64Array(n - lo);
  const series: (Series | null)[] = [];
  for (let b = lo; b < n; b++) {
    diag[b - lo] = k[b * n + b];
    series.push(rule.series(diag[b - lo]));
  }
  let i = 0;
  for (let a = lo; a < hi; a++) {
    const kaa = diag[a - lo];
    diagonal(q, act, kaa);
    out[i] = DIAG[0];
    out[i + 1] = DIAG[1];
    i += 2;
    for (let b = a + 1; b < n; b++) {
      const [s, d] = rule.pair(kaa, k[a * n + b], diag[b - lo], series[a - lo], series[b - lo]);
      out[i] = s;
      out[i + 1] = d;
      i += 2;
    }
  }
}

const DIAG = new Float64Array(2);

/** ⟨σ²⟩ and ⟨σ′²⟩ at variance K into DIAG: the closed form at c = 1 when σ has one, else `theory()`'s moments (as `diagonal`). */
function diagonal(q: Quadrature, act: Activation, kaa: number): void {
  // Like the moments, K is taken at max(K, K_MIN), so a zero input still matches theory().
  const kd = Math.max(kaa, K_MIN);
  const closed = Number.isFinite(kaa) ? closedPair(act, kd, kd, kd) : null;
  if (closed !== null) {
    DIAG[0] = closed[0];
    DIAG[1] = closed[1];
  } else if (Number.isFinite(kaa)) {
    const m = computeMoments(q, act, kaa);
    DIAG[0] = m.s2;
    DIAG[1] = m.d2;
  } else {
    DIAG[0] = NaN;
    DIAG[1] = NaN;
  }
}

/** Layer 1 into out[k…] and out[th…]: K⁽¹⁾_αβ = C_b + C_W x_α·x_β/n₀, Θ⁽¹⁾_αβ = λ_b + λ_W x_α·x_β/n₀ (as in `run_kernel_matrix`). */
export function gramLayer(h0: LayerHyper, x: Float64Array, n: number, n0: number, out: Float64Array, k: number, th: number): void {
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let g = 0;
      for (let i = 0; i < n0; i++) g += x[a * n0 + i] * x[b * n0 + i];
      g /= n0;
      const kv = h0.cb + h0.cw * g;
      const tv = h0.lambdaB + h0.lambdaW * g;
      out[k + a * n + b] = kv;
      out[k + b * n + a] = kv;
      out[th + a * n + b] = tv;
      out[th + b * n + a] = tv;
    }
  }
}

/** The whole recursion into `out` (2·L·N²: K⁽ℓ⁾ then Θ⁽ℓ⁾ per layer, row-major), as `wf_kernel_matrix`. */
export function runKernelMatrix(q: Quadrature, act: Activation, hyper: readonly LayerHyper[], x: Float64Array, n: number, n0: number, out: Float64Array): void {
  const nn = n * n;
  gramLayer(hyper[0], x, n, n0, out, 0, nn);
  const rule = new PairRule(q, act);
  for (let l = 1; l < hyper.length; l++) {
    const h = hyper[l];
    const pk = 2 * (l - 1) * nn, pt = pk + nn, k = 2 * l * nn, th = k + nn;
    // The diagonal in one contiguous row (read at every pair), as in kernel_matrix.rs.
    const diag = new Float64Array(n);
    const series: (Series | null)[] = [];
    for (let b = 0; b < n; b++) {
      diag[b] = out[pk + b * n + b];
      series.push(rule.series(diag[b]));
    }
    for (let a = 0; a < n; a++) {
      const kaa = diag[a];
      diagonal(q, act, kaa);
      const s = DIAG[0], d = DIAG[1];
      out[k + a * n + a] = h.cb + h.cw * s;
      out[th + a * n + a] = h.lambdaB + h.lambdaW * s + h.cw * out[pt + a * n + a] * d;
      for (let b = a + 1; b < n; b++) {
        const [s2, d2] = rule.pair(kaa, out[pk + a * n + b], diag[b], series[a], series[b]);
        out[k + a * n + b] = h.cb + h.cw * s2;
        out[th + a * n + b] = h.lambdaB + h.lambdaW * s2 + h.cw * out[pt + a * n + b] * d2;
      }
    }
    mirrorUpper(out, k, n);
    mirrorUpper(out, th, n);
  }
}

/**
 * Copies the upper-triangle entries of rows lo ≤ α < hi (default: all) of the N × N matrix at m[o…] onto
 * their mirror images, in 32 × 32 tiles (as `mirror_upper`; `kernels({ workers })` mirrors each worker's rows).
 */
export function mirrorUpper(m: Float64Array, o: number, n: number, lo = 0, hi = n): void {
  const T = 32;
  for (let bi = lo; bi < hi; bi += T) {
    for (let bj = bi; bj < n; bj += T) {
      for (let a = bi; a < Math.min(bi + T, hi); a++) {
        for (let b = Math.max(bj, a + 1); b < Math.min(bj + T, n); b++) m[o + b * n + a] = m[o + a * n + b];
      }
    }
  }
}
