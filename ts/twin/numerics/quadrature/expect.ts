/**
 * Gaussian expectations ⟨f(z)⟩_K — the TypeScript twin of `crates/core/src/numerics/quadrature/expect.rs`: the same
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
import type { Activation } from '../activation.js';
import { Branch, normPdf } from '../activation.js';
import { hermiteRule, laguerreRule, legendreRule, MAX_DEGREE, pow2, type Rule } from './rules.js';

export { MAX_DEGREE, type Rule } from './rules.js';

/** Degree used when the caller does not choose one (within 1.5e-14 relative of degree 1000 on every builtin, K ∈ [1e-3, 30]). */
export const DEFAULT_DEGREE = 64;
/** Half-width of the x = z/√K range of the trapezoid and the half-line panels (φ(9.5) ≈ 1e-20). */
export const X_MAX = 9.5;
const H_SMALL_K = 0.3;
/** Target exponent of the trapezoid error e^{−2πρ/(h√K)} (e^{−36} ≈ 2e-16). */
export const TAU = 36.0;
export const REF_DEGREE = 64.0;
const LADDER_MIN = -12;
/** Finest level of the trapezoid ladder; above the K where it is reached the step no longer follows K. */
export const LADDER_MAX = 40;
const FOURTH_ROOTS = [1.0, 0.8408964152537146, 0.7071067811865476, 0.5946035575013605];
const PANEL_NODES = 16;
const LAGUERRE_MAX = 64;
const GRADING_MAX = 32;

/** Integrand callback: write all integrand values at z into `vals`; d = [σ, σ′, σ″, σ‴] at z. */
export type Integrand = (z: number, d: Float64Array, vals: Float64Array) => void;
/** Two-variable integrand callback (each variable with its own branch derivatives). */
export type Integrand2 = (z1: number, d1: Float64Array, z2: number, d2: Float64Array, vals: Float64Array) => void;

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
    this.hermite = hermiteRule(degree);
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

  /** Grading level: the first half-line panel is halved until √K·w/2^g ≤ 4 (see expect.rs). */
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
