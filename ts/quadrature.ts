/**
 * Gaussian expectations ⟨f(z)⟩_K — the TypeScript twin of `crates/core/src/quadrature.rs`: the same
 * rules, chosen the same way, with the same arithmetic (so the two backends agree to ~1e-15).
 *
 * * Polynomial σ: Gauss–Hermite with `degree` nodes (exact once 2·degree − 1 reaches the integrand's
 *   degree).
 * * Smooth σ: trapezoid in x = z/√K on [−9.5, 9.5] with step h = min(0.3, 2πρ/(36√K))·64/degree
 *   rounded down to the ladder 0.3·2^{−k/4} (error ~ e^{−2πρ/(h√K)} for σ analytic in |Im z| < ρ).
 *   Gauss–Hermite cannot resolve σ(√K x) at large K (tanh, K = 10: 2e-4 error with 200 nodes).
 * * Relu, leaky relu: kink split, G(z) = F_R(z) + F_L(−z) on z > 0, even part by Gauss–Laguerre
 *   α = −½, odd part /z by α = 0 (t = z²/2K): exact for polynomial × branch integrands.
 * * Elu: each half line by composite Gauss–Legendre (16 nodes per panel, first panel graded towards 0
 *   as K grows); the Laguerre split would need α(eᶻ − 1) on z > 0, where it grows like e^{k²K/2}.
 */
import type { Activation } from './activation.js';
import { Branch, normPdf } from './activation.js';

/** Largest user-visible degree (the refined rule behind error estimates goes to twice this). */
export const MAX_DEGREE = 1000;
/** Degree used when the caller does not choose one (within 1.5e-14 relative of degree 1000 on every builtin, K ∈ [1e-3, 30]). */
export const DEFAULT_DEGREE = 64;
/** Half-width of the x = z/√K range of the trapezoid and the half-line panels (φ(9.5) ≈ 1e-20). */
export const X_MAX = 9.5;
const H_SMALL_K = 0.3;
const TAU = 36.0;
const REF_DEGREE = 64.0;
const LADDER_MIN = -12;
const LADDER_MAX = 40;
const FOURTH_ROOTS = [1.0, 0.8408964152537146, 0.7071067811865476, 0.5946035575013605];
const PANEL_NODES = 16;
const LAGUERRE_MAX = 64;
const GRADING_MAX = 32;

/** Nodes and weights of a rule; weights have total mass 1 (Σ wᵢ f(xᵢ) ≈ E f(X)). */
export interface Rule {
  nodes: Float64Array;
  weights: Float64Array;
}

/** Integrand callback: write all integrand values at z into `vals`; d = [σ, σ′, σ″, σ‴] at z. */
export type Integrand = (z: number, d: Float64Array, vals: Float64Array) => void;
/** Two-variable integrand callback (each variable with its own branch derivatives). */
export type Integrand2 = (z1: number, d1: Float64Array, z2: number, d2: Float64Array, vals: Float64Array) => void;

// ---------------------------------------------------------------------------------------------
// Gauss rules: eigenvalues of the Jacobi matrix (implicit QL) polished by Newton on the orthonormal
// recurrence, weights by Christoffel–Darboux (relative accuracy also for tiny weights).

function pythag(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  if (a > b) {
    const r = b / a;
    return a * Math.sqrt(1 + r * r);
  }
  if (b === 0) return 0;
  const r = a / b;
  return b * Math.sqrt(1 + r * r);
}

const EPS = 2.220446049250313e-16;

function tridiagonalEigenvalues(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      while (m + 1 < n) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
        m++;
      }
      if (m === l) break;
      if (++iter > 60) throw new RangeError('wideflow: Gauss rule eigenvalues did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = pythag(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1,
        c = 1,
        p = 0;
      let i = m;
      let deflated = false;
      while (i > l) {
        i--;
        const f = s * e[i];
        const b = c * e[i];
        r = pythag(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (deflated) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

const ORTH = new Float64Array(4);
/** ORTH = [p_n, p_n′, p_{n−1}, p_{n−1}′](x), scaled by 2^{−returned}. */
function orthEval(x: number, n: number, a: Float64Array, b: Float64Array): number {
  let p0 = 0,
    p1 = 1,
    d0 = 0,
    d1 = 0,
    scale = 0;
  const S = 1 / 2.9073548971824276e135; // 2^-450
  for (let k = 0; k < n; k++) {
    const bk = k === 0 ? 0 : b[k];
    const p2 = ((x - a[k]) * p1 - bk * p0) / b[k + 1];
    const d2 = ((x - a[k]) * d1 + p1 - bk * d0) / b[k + 1];
    p0 = p1;
    p1 = p2;
    d0 = d1;
    d1 = d2;
    if (Math.abs(p1) > 1e120 || Math.abs(d1) > 1e120) {
      p0 *= S;
      p1 *= S;
      d0 *= S;
      d1 *= S;
      scale += 450;
    }
  }
  ORTH[0] = p1;
  ORTH[1] = d1;
  ORTH[2] = p0;
  ORTH[3] = d0;
  return scale;
}

/** 2^e exactly (0 on underflow), as Rust's `pow2` in quadrature.rs. */
function pow2(e: number): number {
  let r = 1;
  while (e > 900) {
    r *= 8.452712498170644e270;
    e -= 900;
  }
  while (e < -900) {
    r /= 8.452712498170644e270;
    e += 900;
  }
  return r * 2 ** e;
}

function gaussRule(n: number, a: Float64Array, b: Float64Array): Rule {
  const d = a.slice(0, n);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = b[i + 1];
  tridiagonalEigenvalues(d, e);
  d.sort();
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = d[i];
    for (let it = 0; it < 8; it++) {
      orthEval(x, n, a, b);
      if (ORTH[1] === 0) break;
      const dx = ORTH[0] / ORTH[1];
      x -= dx;
      if (Math.abs(dx) <= 4 * EPS * Math.max(Math.abs(x), 2.2250738585072014e-308)) break;
    }
    const s = orthEval(x, n, a, b);
    const kernel = b[n] * (ORTH[1] * ORTH[2] - ORTH[3] * ORTH[0]);
    d[i] = x;
    w[i] = pow2(-2 * s) / kernel;
  }
  // exact weights sum to 1; normalizing removes the recurrence's drift from the mass (as in Rust)
  const sorted = w.slice().sort();
  let mass = 0;
  for (let i = 0; i < n; i++) mass += sorted[i];
  for (let i = 0; i < n; i++) w[i] /= mass;
  return { nodes: d, weights: w };
}

function symmetrize(r: Rule): void {
  const n = r.nodes.length;
  for (let i = 0; i < n >> 1; i++) {
    const j = n - 1 - i;
    const x = 0.5 * (r.nodes[j] - r.nodes[i]);
    const w = 0.5 * (r.weights[i] + r.weights[j]);
    r.nodes[i] = -x;
    r.nodes[j] = x;
    r.weights[i] = w;
    r.weights[j] = w;
  }
  if (n % 2 === 1) r.nodes[n >> 1] = 0;
}

function checkSize(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 2 * MAX_DEGREE) throw new RangeError(`wideflow: rule size ${n} outside 1…${2 * MAX_DEGREE}`);
}

/**
 * Gauss–Hermite rule of degree n for the standard normal (probabilists'): Σ wᵢ f(xᵢ) = E f(X),
 * X ~ N(0, 1), exact for polynomials of degree ≤ 2n − 1 (recurrence aₖ = 0, bₖ = √k).
 * Nodes are accurate to ~1e-16 relative, weights to ~1e-14 (n = 1000); weights below 1e-308 are 0.
 */
export function computeHermiteRule(n: number): Rule {
  checkSize(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) b[k] = Math.sqrt(k);
  const r = gaussRule(n, a, b);
  symmetrize(r);
  return r;
}

/** Generalized Gauss–Laguerre rule for the density t^α e^{−t}/Γ(α+1) on (0, ∞): aₖ = 2k+α+1, bₖ = √(k(k+α)). */
export function laguerreRule(n: number, alpha: number): Rule {
  checkSize(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) a[k] = 2 * k + alpha + 1;
  for (let k = 0; k <= n; k++) b[k] = Math.sqrt(k * (k + alpha));
  return gaussRule(n, a, b);
}

/** Gauss–Legendre rule for the uniform density on [−1, 1]: bₖ = k/√(4k² − 1). */
export function legendreRule(n: number): Rule {
  checkSize(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) b[k] = k / Math.sqrt(4 * k * k - 1);
  const r = gaussRule(n, a, b);
  symmetrize(r);
  return r;
}

/** Step of trapezoid ladder level k: 0.3·2^{−k/4} (a literal times a power of two: exact). */
export function ladderStep(k: number): number {
  const q = Math.floor(k / 4);
  return H_SMALL_K * FOURTH_ROOTS[k - 4 * q] * pow2(-q);
}

/** The rule set of one degree (build through `quadrature(degree)`, which caches). */
export class Quadrature {
  readonly hermite: Rule;
  private readonly lagEven: Rule;
  private readonly lagOdd: Rule;
  private readonly panel: Rule;
  private readonly halfLines: Array<Rule | undefined> = [];
  private readonly trapezoids: Array<Rule | undefined> = [];
  private readonly d = new Float64Array(4);
  private readonly d2 = new Float64Array(4);
  private vals = new Float64Array(16);

  constructor(readonly degree: number) {
    this.hermite = computeHermiteRule(degree);
    const m = Math.min(Math.ceil(degree / 4), LAGUERRE_MAX);
    this.lagEven = laguerreRule(m, -0.5);
    for (let i = 0; i < m; i++) this.lagEven.weights[i] *= 0.25;
    this.lagOdd = laguerreRule(m, 0);
    for (let i = 0; i < m; i++) this.lagOdd.weights[i] /= 4 * Math.sqrt(Math.PI * this.lagOdd.nodes[i]);
    this.panel = legendreRule(PANEL_NODES);
  }

  /** The same rules at twice the resolution; the difference estimates the error of this one. */
  refined(): Quadrature {
    return quadrature(2 * this.degree, true);
  }

  /** Ladder level of the trapezoid for strip half-width ρ at variance k > 0. */
  trapezoidLevel(rho: number, k: number): number {
    const target = Math.min((2 * Math.PI * rho) / (TAU * Math.sqrt(k)), H_SMALL_K) * (REF_DEGREE / this.degree);
    let level = LADDER_MIN;
    while (level < LADDER_MAX && ladderStep(level) > target) level++;
    return level;
  }

  /** Trapezoid rule at ladder level k: nodes jh, |j| ≤ ⌊X_MAX/h⌋, weights h·φ(jh). */
  trapezoid(level: number): Rule {
    level = Math.min(Math.max(level, LADDER_MIN), LADDER_MAX);
    const i = level - LADDER_MIN;
    let r = this.trapezoids[i];
    if (!r) {
      const h = ladderStep(level);
      const j = Math.floor(X_MAX / h);
      r = { nodes: new Float64Array(2 * j + 1), weights: new Float64Array(2 * j + 1) };
      for (let t = -j; t <= j; t++) {
        const x = t * h;
        r.nodes[t + j] = x;
        r.weights[t + j] = h * normPdf(x);
      }
      this.trapezoids[i] = r;
    }
    return r;
  }

  private panelWidth(): number {
    return X_MAX / Math.ceil(this.degree / PANEL_NODES);
  }

  /** Grading level: the first half-line panel is halved until √K·w/2^g ≤ 4 (see quadrature.rs). */
  gradingLevel(k: number): number {
    let w = this.panelWidth() * Math.sqrt(k);
    let g = 0;
    while (w > 4 && g < GRADING_MAX) {
      w *= 0.5;
      g++;
    }
    return g;
  }

  /** Half-line rule for ∫₀^∞ φ(x) g(x) dx at grading level g (weights include φ). */
  halfLine(level: number): Rule {
    level = Math.min(level, GRADING_MAX);
    let r = this.halfLines[level];
    if (!r) {
      const w = this.panelWidth();
      const panels = Math.ceil(this.degree / PANEL_NODES);
      const edges = [0];
      for (let j = level; j >= 0; j--) edges.push(w * pow2(-j));
      for (let p = 2; p <= panels; p++) edges.push(p === panels ? X_MAX : p * w);
      const n = (edges.length - 1) * PANEL_NODES;
      r = { nodes: new Float64Array(n), weights: new Float64Array(n) };
      let o = 0;
      for (let e = 0; e + 1 < edges.length; e++) {
        const lo = edges[e],
          hi = edges[e + 1];
        const mid = 0.5 * (lo + hi),
          half = 0.5 * (hi - lo);
        for (let t = 0; t < PANEL_NODES; t++) {
          const x = mid + half * this.panel.nodes[t];
          r.nodes[o] = x;
          r.weights[o] = 2 * half * this.panel.weights[t] * normPdf(x);
          o++;
        }
      }
      this.halfLines[level] = r;
    }
    return r;
  }

  private scratch(m: number): Float64Array {
    if (this.vals.length < m) this.vals = new Float64Array(m);
    return this.vals.length === m ? this.vals : this.vals.subarray(0, m);
  }

  /**
   * out[j] = ⟨f_j(z)⟩_K = E f_j(z), z ~ N(0, K); `f(z, d, vals)` writes every integrand at z (d =
   * [σ, σ′, σ″, σ‴] of the branch the rule uses there). K = 0: the integrand at z = 0. The caller
   * validates K (finite, ≥ 0). `rho` overrides the activation's trapezoid strip half-width.
   */
  expectMany(act: Activation, k: number, out: Float64Array, f: Integrand, rho: number | null = act.halfwidth): void {
    const m = out.length;
    out.fill(0);
    const vals = this.scratch(m);
    const d = this.d;
    if (k === 0) {
      act.eval(0, d);
      f(0, d, vals);
      out.set(vals);
      return;
    }
    const s = Math.sqrt(k);
    if (act.hasKink) {
      if (act.kind === 10) {
        const rule = this.halfLine(this.gradingLevel(k));
        for (let i = 0; i < rule.nodes.length; i++) {
          const z = s * rule.nodes[i],
            w = rule.weights[i];
          act.evalBranch(z, Branch.Right, d);
          f(z, d, vals);
          acc(w, vals, out, m);
          act.evalBranch(-z, Branch.Left, d);
          f(-z, d, vals);
          acc(w, vals, out, m);
        }
        return;
      }
      for (const [rule, sign] of [
        [this.lagEven, 1],
        [this.lagOdd, -1],
      ] as const) {
        for (let i = 0; i < rule.nodes.length; i++) {
          const z = Math.sqrt(2 * k * rule.nodes[i]),
            w = rule.weights[i];
          act.evalBranch(z, Branch.Right, d);
          f(z, d, vals);
          acc(w, vals, out, m);
          act.evalBranch(-z, Branch.Left, d);
          f(-z, d, vals);
          acc(w, vals, out, m);
          act.evalBranch(-z, Branch.Right, d);
          f(-z, d, vals);
          acc(sign * w, vals, out, m);
          act.evalBranch(z, Branch.Left, d);
          f(z, d, vals);
          acc(sign * w, vals, out, m);
        }
      }
      return;
    }
    const rule = !act.isPolynomial && rho !== null ? this.trapezoid(this.trapezoidLevel(rho, k)) : this.hermite;
    const nodes = rule.nodes,
      weights = rule.weights;
    for (let i = 0; i < nodes.length; i++) {
      const z = s * nodes[i];
      act.eval(z, d);
      f(z, d, vals);
      acc(weights[i], vals, out, m);
    }
  }

  /**
   * out[j] = E f_j(z₁, z₂), (z₁, z₂) ~ N(0, [[K11, K12], [K12, K22]]), by Cholesky z₁ = √K11·x₁,
   * z₂ = (K12/√K11)x₁ + √(K22 − K12²/K11)x₂ and a tensor rule: Gauss–Hermite² for polynomial σ,
   * trapezoid² at the level of max(K11, K22) for smooth σ (1-D accuracy), and for kinked σ polar
   * coordinates with the angle split where z₁ or z₂ changes sign (radial half-line panels × 16-point
   * angular Gauss–Legendre per sector; ~1e-14, not exact). The caller validates the covariance.
   */
  expect2(act: Activation, k11: number, k12: number, k22: number, out: Float64Array, f: Integrand2): void {
    const m = out.length;
    out.fill(0);
    const vals = this.scratch(m);
    const d1 = this.d,
      d2 = this.d2;
    const l11 = Math.sqrt(k11);
    const l21 = l11 > 0 ? k12 / l11 : 0;
    const l22 = Math.sqrt(Math.max(k22 - l21 * l21, 0));
    if (act.hasKink) {
      const twoPi = 2 * Math.PI;
      const cuts: number[] = [];
      for (const [c, s] of [
        [l11, 0],
        [l21, l22],
      ]) {
        if (c !== 0 || s !== 0) {
          const t0 = remEuclid(Math.atan2(-c, s), twoPi);
          cuts.push(t0, remEuclid(t0 + Math.PI, twoPi));
        }
      }
      cuts.push(0, twoPi);
      cuts.sort((x, y) => x - y);
      const half = this.halfLine(this.gradingLevel(Math.max(k11, k22)));
      const rr = half.nodes;
      const wr = new Float64Array(rr.length);
      for (let i = 0; i < rr.length; i++) wr[i] = ((half.weights[i] * rr[i]) / normPdf(rr[i])) * Math.exp(-0.5 * rr[i] * rr[i]);
      for (let c = 0; c + 1 < cuts.length; c++) {
        const lo = cuts[c],
          hi = cuts[c + 1];
        if (hi - lo <= 0) continue;
        const mid = 0.5 * (lo + hi);
        const b1 = l11 * Math.cos(mid) >= 0 ? Branch.Right : Branch.Left;
        const b2 = l21 * Math.cos(mid) + l22 * Math.sin(mid) >= 0 ? Branch.Right : Branch.Left;
        for (let t = 0; t < PANEL_NODES; t++) {
          const th = mid + 0.5 * (hi - lo) * this.panel.nodes[t];
          const sn = Math.sin(th),
            cs = Math.cos(th);
          const wa = ((hi - lo) * this.panel.weights[t]) / twoPi;
          for (let i = 0; i < rr.length; i++) {
            const x1 = rr[i] * cs,
              x2 = rr[i] * sn;
            const z1 = l11 * x1,
              z2 = l21 * x1 + l22 * x2;
            act.evalBranch(z1, b1, d1);
            act.evalBranch(z2, b2, d2);
            f(z1, d1, z2, d2, vals);
            acc(wa * wr[i], vals, out, m);
          }
        }
      }
      return;
    }
    const kmax = Math.max(k11, k22);
    const rule = !act.isPolynomial && act.halfwidth !== null && kmax > 0 ? this.trapezoid(this.trapezoidLevel(act.halfwidth, kmax)) : this.hermite;
    const n = rule.nodes.length;
    const d1s = new Float64Array(4 * n);
    for (let i = 0; i < n; i++) {
      act.eval(l11 * rule.nodes[i], d1);
      d1s.set(d1, 4 * i);
    }
    for (let i = 0; i < n; i++) {
      const x1 = rule.nodes[i],
        w1 = rule.weights[i];
      const dd1 = d1s.subarray(4 * i, 4 * i + 4);
      for (let j = 0; j < n; j++) {
        const z2 = l21 * x1 + l22 * rule.nodes[j];
        act.eval(z2, d2);
        f(l11 * x1, dd1, z2, d2, vals);
        acc(w1 * rule.weights[j], vals, out, m);
      }
    }
  }
}

function remEuclid(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

function acc(w: number, vals: Float64Array, out: Float64Array, m: number): void {
  for (let j = 0; j < m; j++) out[j] += w * vals[j];
}

const cache = new Map<number, Quadrature>();
/** The (cached) rule set of a degree; `unchecked` admits the refinement degrees up to 2·MAX_DEGREE. */
export function quadrature(degree: number, unchecked = false): Quadrature {
  if (!Number.isInteger(degree) || degree < 1 || degree > (unchecked ? 2 : 1) * MAX_DEGREE) {
    throw new RangeError(`wideflow: quadrature degree ${degree} outside 1…${MAX_DEGREE}`);
  }
  let q = cache.get(degree);
  if (!q) {
    q = new Quadrature(degree);
    cache.set(degree, q);
  }
  return q;
}

// ---------------------------------------------------------------------------------------------

/** Names of the moment bundle, in the order of `wf_gauss_moments` (quadrature.rs `moment_integrands`). */
export const MOMENT_NAMES = [
  'sigma',
  'sigma2',
  'sigma4',
  'dsigma2',
  'dsigma4',
  'sigma2dsigma2',
  'zsigmadsigma',
  'zdsigmaddsigma',
  'sigma2He2',
  'dsigma2He2',
  'sigma2He4',
  'sigmadsigma2ddsigma',
  'dsigma3dddsigma',
  'dsigma2ddsigma2',
] as const;
export const MOMENT_COUNT = MOMENT_NAMES.length;

/** The bundle's integrands at z (same order and arithmetic as Rust's `moment_integrands`). */
export function momentIntegrands(k: number, z: number, d: Float64Array, v: Float64Array): void {
  const s = d[0],
    s1 = d[1],
    s2 = d[2],
    s3 = d[3];
  const z2 = z * z;
  const ss = s * s;
  const dd = s1 * s1;
  const he2 = z2 - k;
  v[0] = s;
  v[1] = ss;
  v[2] = ss * ss;
  v[3] = dd;
  v[4] = dd * dd;
  v[5] = ss * dd;
  v[6] = z * s * s1;
  v[7] = z * s1 * s2;
  v[8] = ss * he2;
  v[9] = dd * he2;
  v[10] = ss * (z2 * (z2 - 6 * k) + 3 * k * k);
  v[11] = s * dd * s2;
  v[12] = dd * s1 * s3;
  v[13] = dd * s2 * s2;
}
