/**
 * Criticality (PDLT ch. 5, §9.2–9.4): where the critical point of an activation is, which
 * universality class it belongs to, how K, Θ and the 1/n tensors flow with depth there, which
 * learning rates keep the NTK of order one at every depth, and when a network is too deep for its
 * width.
 *
 * Definitions (single input, ⟨f⟩_K = E f(z), z ~ N(0, K); recursions.md §0):
 *   K⁽ℓ⁺¹⁾ = C_b + C_W⟨σ²⟩_{K⁽ℓ⁾}                                  (§4.1)
 *   χ∥(K) = C_W d⟨σ²⟩_K/dK = C_W⟨σ²(z² − K)⟩_K/(2K²) = (C_W/2)⟨(σ²)″⟩_K  (§5.1, Stein form)
 *   χ⊥(K) = C_W⟨σ′σ′⟩_K                                             (§5.1)
 * A critical point is (C_b, C_W, K*) with K* a fixed point and χ∥(K*) = χ⊥(K*) = 1.
 *
 * Every Gaussian expectation comes from the library's one moment bundle (the js twin
 * `computeMoments`, or the wasm core through `theory()`), so χ∥ is always in Stein form (no
 * cancelling ⟨σ²(z² − K)⟩ integral; relu-type kinks contribute their φ_K(0)·[(σ²)′]₀ term).
 */
import { Branch, parseActivation, type Activation, type ActivationSpec } from './activation.js';
import { resolveBackend, type Backend } from './backend.js';
import { InvalidParameterError, WideflowError } from './errors.js';
import { quadrature } from '../twin/numerics/quadrature/expect.js';
import { computeMoments } from '../twin/theory/moments.js';
import { theory, normalized, type TheoryResult } from './theory.js';
import { checkDegree } from './gauss.js';
import type { NetworkSpec } from './spec.js';

// ---------------------------------------------------------------------------------------------
// Options and results

export interface CriticalOptions {
  /** Quadrature degree of every Gaussian expectation (default: the library default, 64). */
  degree?: number;
  /** `'wasm'` (default once `init()` resolved) or `'js'`; custom activations always run on js. */
  backend?: Backend;
  /** Range [Kmin, Kmax] searched for K* > 0 critical points (default [1e-3, 1e3]). */
  Kmin?: number;
  Kmax?: number;
  /**
   * Which conditions to impose for the K* > 0 search (default `'both'`). `'parallel'` or `'perp'`
   * impose the fixed point and only χ∥ = 1 or only χ⊥ = 1, with C_b held at `Cb` (default 0): a
   * deliberately incomplete criticality, exposed so that tests can show the conditions matter.
   */
  conditions?: 'both' | 'parallel' | 'perp';
  /** C_b for `conditions: 'parallel' | 'perp'` (default 0). */
  Cb?: number;
}

/** The Taylor data of σ at 0 used by the K* = 0 class (one-sided for a kink at 0). */
export interface TaylorAtZero {
  /** σ(0). */
  sigma0: number;
  /** σ′(0⁺), σ″(0⁺), σ‴(0⁺). */
  right: [number, number, number];
  /** σ′(0⁻), σ″(0⁻), σ‴(0⁻) (equal to `right` for σ smooth at 0). */
  left: [number, number, number];
}

/** Scale-invariant σ(λz) = λσ(z) (relu family, linear): a critical line, PDLT §5.2. */
export interface ScaleInvariantPoint {
  kind: 'scale-invariant';
  /** C_b = 0 is needed: any C_b > 0 makes K grow without bound at C_W = 2/(a₊² + a₋²) (K′ = C_b + K). */
  Cb: 0;
  /** C_W = 2/(a₊² + a₋²) = 1/A₂, A_p ≡ (a₊ᵖ + a₋ᵖ)/2. */
  CW: number;
  /** Every K is a fixed point on the critical line (K* = C_W x², set by the input). */
  Kstar: null;
  /** σ(z) = a₊z (z ≥ 0), a₋z (z < 0). */
  aPlus: number;
  aMinus: number;
  /** ν = 3A₄/A₂² − 1: V⁽ℓ⁾/(nK²) = ν(ℓ − 1)/n exactly (§5.4). */
  nu: number;
  stability: 'marginal';
  note: string;
}

/** K* = 0 class (tanh, sin, erf, scaled tanh, elu): C_b = 0, C_W = 1/σ₁² (PDLT §5.3.3). */
export interface ZeroPoint {
  kind: 'K*=0';
  Cb: 0;
  /** C_W = 1/σ₁² (2/(σ₁₊² + σ₁₋²) for a kink in σ′ at 0). */
  CW: number;
  Kstar: 0;
  taylor: TaylorAtZero;
  /**
   * C_W⟨σ²⟩_K = K + c·K^{3/2} + a₁K² + …; c = 2φ(0)C_W(σ₁₊σ₂₊ − σ₁₋σ₂₋) vanishes for σ smooth at 0,
   * and then a₁ = σ₃/σ₁ + (3/4)(σ₂/σ₁)² (PDLT (5.80)-type coefficient).
   */
  c: number;
  a1: number;
  /** χ⊥ = 1 + c√K + b₁K + …, b₁ = σ₃/σ₁ + (σ₂/σ₁)² for smooth σ. */
  b1: number;
  /** K⁽ℓ⁾ ≈ kappa/ℓ^{pK}: pK = 1, kappa = 1/(−a₁) (c = 0); pK = 2, kappa = 4/c² (c < 0). */
  pK: number;
  kappa: number;
  /** χ⊥⁽ℓ⁾ ≈ 1 − p⊥/ℓ: p⊥ = b₁/a₁ (c = 0) or 2 (c < 0). */
  pPerp: number;
  /** χ∥⁽ℓ⁾ ≈ 1 − (pK + 1)/ℓ. */
  pParallel: number;
  /** ν = (3A₄/A₂² − 1)/3 (= 2/3 for σ smooth at 0): V⁽ℓ⁾/(nK²) ≈ ν ℓ/n (§5.4). */
  nu: number;
  /** 'stable': K ↓ 0 from any small K > 0 (power law). */
  stability: 'stable';
  note: string;
}

/** K* > 0 critical point (swish, gelu): half-stable (PDLT §5.3.4). */
export interface PositivePoint {
  kind: 'K*>0';
  Cb: number;
  CW: number;
  Kstar: number;
  /** ΔK′ = ΔK + b·ΔK² + … with b = ½dχ∥/dK at K* (Richardson-extrapolated central differences, ~1e-9 absolute). */
  b: number;
  /** c₃ = ⅙d²χ∥/dK² at K*: ΔK′ = ΔK + bΔK² + c₃ΔK³ + … (extrapolated second differences, ~1e-8 absolute). */
  c3: number;
  /** dχ⊥/dK at K* (extrapolated central differences): couples the NTK to the kernel's fluctuations (A/(nΘ²) ∝ ℓ³). */
  dChiPerp: number;
  /**
   * |b/c₃|: the half-stable picture (attracted from one side as ΔK ≈ −1/(bℓ)) holds for |ΔK| well below
   * this; gelu and swish have tiny b, so farther out the cubic term decides the direction of the flow.
   */
  quadraticRange: number;
  /** K is attracted to K* (as ΔK ≈ −1/(bℓ)) only from this side, for |ΔK| ≪ quadraticRange; from the other it flows away. */
  attractedFrom: 'above' | 'below' | 'both';
  stability: 'half-stable' | 'marginal';
  /** ν = C_W²(⟨σ⁴⟩ − ⟨σ²⟩²)/K*²: V⁽ℓ⁾/(nK²) ≈ ν ℓ/n at K = K*. */
  nu: number;
  /** |χ∥ − 1|, |χ⊥ − 1| at the returned point (both ≤ ~1e-14). */
  residual: number;
  note: string;
}

export type CriticalPoint = ScaleInvariantPoint | ZeroPoint | PositivePoint;

/** A candidate that satisfies the equations but is not a usable critical point, and why. */
export interface RejectedCandidate {
  kind: 'K*=0' | 'K*>0';
  Cb: number;
  CW: number;
  Kstar: number;
  reason: string;
}

export interface CriticalResult {
  activation: string;
  /** Class of the recommended point, or 'none'. */
  kind: CriticalPoint['kind'] | 'none';
  /** Recommended hyperparameters (null when kind = 'none'). */
  Cb: number | null;
  CW: number | null;
  /** K* (0 for the K* = 0 class; null for the scale-invariant critical line and for 'none'). */
  Kstar: number | null;
  /** The recommended point: a fully stable K* = 0 point first, else the first K* > 0 point. */
  point: CriticalPoint | null;
  /** Every critical point found. */
  points: CriticalPoint[];
  rejected: RejectedCandidate[];
  /** Why there is no critical point (kind = 'none'). */
  reason: string | null;
  /** K range searched for K* > 0 points. */
  searched: [number, number];
  /** Stated tolerance of K* (relative): the root is bracketed to this width. */
  tolerance: number;
  degree: number;
  backend: Backend;
}

// ---------------------------------------------------------------------------------------------
// Moments through either backend

/** ⟨σ²⟩_K, ⟨σ′²⟩_K and ⟨σ²(z²/K − 1)⟩_K in Stein form (= K⟨(σ²)″⟩_K + kink term; recursion.ts `s2he2`). */
interface Probe {
  s2: number;
  d2: number;
  s2he2: number;
}

interface Ctx {
  act: Activation;
  /** [a₊, a₋] for a custom scale-invariant σ (closed forms instead of quadrature across its kink). */
  customSI: [number, number] | null;
  degree: number;
  backend: Backend;
  probe: (K: number) => Probe;
}

function context(activation: ActivationSpec | Activation, options: { degree?: number; backend?: Backend }, what: string): Ctx {
  const act = parseActivation(activation);
  const degree = checkDegree(options.degree);
  let backend: Backend;
  let customSI: [number, number] | null = null;
  if (act.custom) {
    if (options.backend === 'wasm') throw new InvalidParameterError('backend', 'wasm', "'js' for a custom activation (the wasm core runs builtins only)");
    if (options.backend !== undefined && options.backend !== 'js') resolveBackend(options.backend, what);
    backend = 'js';
    customSI = scaleInvariance(act);
    if (!customSI) checkCustom(act);
  } else backend = resolveBackend(options.backend, what);
  const cache = new Map<number, Probe>();
  const probe = (K: number): Probe => {
    let p = cache.get(K);
    if (p) return p;
    if (backend === 'js') {
      const m = computeMoments(quadrature(degree), act, K);
      p = { s2: m.s2, d2: m.d2, s2he2: m.s2he2 };
    } else {
      // Layer 1 at K⁽¹⁾ = C_b = K reports χ∥ = K⟨(σ²)″⟩/(2K) and χ⊥ = ⟨σ′²⟩ with C_W = 1 (of
      // layer 2), and K⁽²⁾ = ⟨σ²⟩_K: the wasm core's Stein-form bundle, through the public API.
      const r = theory(
        { activation: act as unknown as ActivationSpec, depth: 2, widths: [1, 1], Cb: [K, 0], CW: [1, 1], lambdaB: 0, lambdaW: 0, input: { x2: 0 } },
        { degree, backend: 'wasm' },
      );
      const l1 = r.layers[0];
      p = { s2: r.layers[1].K, d2: l1.chiPerp, s2he2: 2 * K * l1.chiParallel };
    }
    cache.set(K, p);
    return p;
  };
  return { act, customSI, degree, backend, probe };
}

/** χ∥ and χ⊥ at K with C_W, K = 0 by its limit from the Taylor data (one-sided at a kink). */
function chis(ctx: Ctx, K: number, CW: number): [number, number] {
  if (ctx.customSI) {
    const g = (CW * (ctx.customSI[0] ** 2 + ctx.customSI[1] ** 2)) / 2;
    return [g, g];
  }
  if (K === 0) {
    const t = taylor(ctx.act);
    const [r1, r2] = t.right;
    const [l1, l2] = t.left;
    // (σ²)″/2 = σ′² + σσ″; a jump of σσ′ at 0 makes χ∥ diverge like K^{-1/2}
    const jump = t.sigma0 * (r1 - l1);
    if (jump !== 0) return [Math.sign(jump) * Infinity, (CW * (r1 * r1 + l1 * l1)) / 2];
    return [(CW * (r1 * r1 + t.sigma0 * r2 + l1 * l1 + t.sigma0 * l2)) / 2, (CW * (r1 * r1 + l1 * l1)) / 2];
  }
  const p = ctx.probe(K);
  return [(CW * p.s2he2) / (2 * K), CW * p.d2];
}

// ---------------------------------------------------------------------------------------------
// Validation

function checkFinite(name: string, v: unknown, min: number, strict: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    throw new InvalidParameterError(name, v, `a finite number ${strict ? '>' : '≥'} ${min}`);
  }
  return v;
}

const checkedCustom = new WeakSet<Activation>();
/**
 * Criticality needs σ′ and σ″ (χ∥ in Stein form is an integral of (σ²)″): a custom σ must be finite
 * and C² on the range the expectations see. Checked on [−16, 16] at spacing 1/64: the change of σ′
 * over each step must match σ″·step (midpoint rule) to 2e-3·(1 + |Δσ′| + step·|σ″|). A kink in σ or σ′
 * fails this by O(1).
 */
function checkCustom(act: Activation): void {
  if (checkedCustom.has(act)) return;
  const step = 1 / 64;
  const d = new Float64Array(4);
  const prev = new Float64Array(4);
  const mid = new Float64Array(4);
  act.eval(-16, prev);
  for (let i = 1; i <= 2048; i++) {
    const x = -16 + i * step;
    act.eval(x, d);
    act.eval(x - step / 2, mid);
    for (const v of [d[0], d[1], d[2], mid[1], mid[2]]) {
      if (!Number.isFinite(v)) {
        throw new InvalidParameterError('activation', act.name, `a custom σ with finite σ, σ′, σ″ on [−16, 16] (got ${v} near x = ${x})`);
      }
    }
    const dd = d[1] - prev[1];
    const ds = d[0] - prev[0];
    const tol = 2e-3 * (1 + Math.abs(dd) + step * Math.abs(mid[2]));
    const tolS = 2e-3 * (step * (1 + Math.abs(mid[1])) + Math.abs(ds));
    if (Math.abs(dd - step * mid[2]) > tol || Math.abs(ds - step * mid[1]) > tolS) {
      throw new InvalidParameterError(
        'activation',
        act.name,
        `a twice-differentiable custom σ (criticality needs σ′ and σ″; supply df, d2f if finite differences fail): σ is not C² between x = ${x - step} and ${x}`,
      );
    }
    prev.set(d);
  }
  checkedCustom.add(act);
}

// ---------------------------------------------------------------------------------------------
// Root finding

/** Relative tolerance to which every root is bracketed (and K* then agrees with 40-digit references to ~1e-13). */
export const ROOT_TOLERANCE = 1e-13;

/**
 * Brent's method on a sign-changing bracket [a, b]: inverse quadratic / secant steps kept inside the
 * bracket, bisection whenever they stall. Stops when the bracket is narrower than
 * ROOT_TOLERANCE·|x| + 1e-300 or f = 0 exactly. Throws if f is not finite inside the bracket.
 */
export function brent(f: (x: number) => number, a: number, b: number, fa = f(a), fb = f(b)): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) throw new WideflowError(`wideflow: root finder called without a sign change on [${a}, ${b}]`);
  let c = a,
    fc = fa,
    d = b - a,
    e = d;
  for (let it = 0; it < 200; it++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * ROOT_TOLERANCE * Math.abs(b) + 1e-300;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number, q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc,
          r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
    if (!Number.isFinite(fb)) throw new WideflowError(`wideflow: non-finite function value ${fb} at ${b} while finding a root`);
  }
  return b;
}

/**
 * Sign-changing brackets [a, b, f(a), f(b)] of f on a grid. Exact zeros: with `zerosAsRoots` each is returned
 * as [x, x, 0, 0]; otherwise a run of zeros between opposite signs becomes one bracket across it (and between
 * equal signs, a touching point, is dropped). Non-finite values break the chain.
 */
function brackets(f: (x: number) => number, grid: number[], zerosAsRoots: boolean): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  let last: [number, number] | null = null;
  let zeroRun = false;
  for (const x of grid) {
    const fx = f(x);
    if (!Number.isFinite(fx)) {
      last = null;
      zeroRun = false;
      continue;
    }
    if (fx === 0) {
      if (zerosAsRoots) out.push([x, x, 0, 0]);
      zeroRun = true;
      continue;
    }
    if (last && Math.sign(fx) !== Math.sign(last[1]) && !(zeroRun && zerosAsRoots)) out.push([last[0], x, last[1], fx]);
    last = [x, fx];
    zeroRun = false;
  }
  return out;
}

function logGrid(lo: number, hi: number, perDecade: number): number[] {
  const n = Math.max(2, Math.ceil(Math.log10(hi / lo) * perDecade) + 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo * Math.pow(hi / lo, i / (n - 1))));
}

// ---------------------------------------------------------------------------------------------
// Classification helpers

/** σ(0) and the one-sided σ′, σ″, σ‴ at 0. */
export function taylor(act: Activation): TaylorAtZero {
  const r = new Float64Array(4);
  const l = new Float64Array(4);
  if (act.custom) {
    act.eval(0, r);
    l.set(r);
  } else {
    act.evalBranch(0, Branch.Right, r);
    act.evalBranch(0, Branch.Left, l);
  }
  return { sigma0: r[0], right: [r[1], r[2], r[3]], left: [l[1], l[2], l[3]] };
}

/** a₊, a₋ if σ(λz) = λσ(z) for λ > 0 (relu family, linear; custom σ tested to 1e-12), else null. */
function scaleInvariance(act: Activation): [number, number] | null {
  if (!act.custom) {
    if (act.kind === 0) return [1, 1];
    if (act.kind === 1) return [1, 0];
    if (act.kind === 2) return [1, act.a];
    if (act.kind === 12 && act.a === 1) return [1, 1];
    if (act.kind === 10 && act.a === 0) return [1, 0]; // elu with α = 0 is relu
    return null;
  }
  const v = new Float64Array(4);
  const at = (x: number) => (act.eval(x, v), v[0]);
  if (at(0) !== 0) return null;
  const ap = at(1);
  const am = -at(-1);
  for (const x of [0.37, 1.9, 2.9, 7.5]) {
    for (const [s, a] of [
      [1, ap],
      [-1, am],
    ]) {
      const want = s * a * x;
      if (Math.abs(at(s * x) - want) > 1e-12 * Math.max(1, Math.abs(want))) return null;
    }
  }
  return [ap, am];
}

const PHI0 = 1 / Math.sqrt(2 * Math.PI);

function zeroCandidate(t: TaylorAtZero): { point: ZeroPoint | null; rejected: RejectedCandidate | null; reason: string | null } {
  const [p1, p2, p3] = t.right;
  const [m1, m2, m3] = t.left;
  if (t.sigma0 !== 0) return { point: null, rejected: null, reason: `σ(0) = ${t.sigma0} ≠ 0, so K = 0 is not a fixed point (K′ = C_b + C_W⟨σ²⟩ ≥ C_Wσ(0)² > 0)` };
  const A2 = (p1 * p1 + m1 * m1) / 2;
  if (A2 === 0) return { point: null, rejected: null, reason: "σ′(0) = 0, so χ⊥(K → 0) = 0 for every finite C_W (no K* = 0 point)" };
  const CW = 1 / A2;
  const A4 = (p1 ** 4 + m1 ** 4) / 2;
  const c = 2 * PHI0 * CW * (p1 * p2 - m1 * m2);
  const a1 = CW * ((3 / 8) * (p2 * p2 + m2 * m2) + (p1 * p3 + m1 * m3) / 2);
  const b1 = (CW / 2) * (p2 * p2 + p1 * p3 + m2 * m2 + m1 * m3);
  const nu = (3 * A4) / (A2 * A2) / 3 - 1 / 3;
  const base = { kind: 'K*=0' as const, Cb: 0 as const, CW, Kstar: 0 as const, taylor: t, c, a1, b1, nu, stability: 'stable' as const };
  const rel = Math.abs(c) <= 1e-14 * (1 + Math.abs(CW * p1 * p2));
  if (!rel) {
    if (c > 0) return { point: null, rejected: { kind: 'K*=0', Cb: 0, CW, Kstar: 0, reason: `C_W⟨σ²⟩ = K + cK^{3/2} + … with c = ${c} > 0: K flows away from 0 (unstable)` }, reason: null };
    return {
      point: { ...base, pK: 2, kappa: 4 / (c * c), pPerp: 2, pParallel: 3, note: 'σ″ jumps at 0: K ≈ 4/(c²ℓ²), χ⊥ ≈ 1 − 2/ℓ, χ∥ ≈ 1 − 3/ℓ' },
      rejected: null,
      reason: null,
    };
  }
  if (a1 >= 0) {
    return {
      point: null,
      rejected: {
        kind: 'K*=0',
        Cb: 0,
        CW,
        Kstar: 0,
        reason: a1 > 0 ? `a₁ = ${a1} > 0: K′ = K + a₁K² grows, K* = 0 repels (unstable)` : 'a₁ = 0: the approach to K* = 0 is set by higher orders (not classified)',
      },
      reason: null,
    };
  }
  return {
    point: { ...base, c: 0, pK: 1, kappa: -1 / a1, pPerp: b1 / a1, pParallel: 2, note: 'K ≈ 1/(−a₁ℓ), χ⊥ ≈ 1 − (b₁/a₁)/ℓ, χ∥ ≈ 1 − 2/ℓ (PDLT §5.3.3)' },
    rejected: null,
    reason: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * χ∥(K) = C_W⟨σ²(z² − K)⟩_K/(2K²) (Stein form: (C_W/2)⟨(σ²)″⟩_K plus the kink term) and
 * χ⊥(K) = C_W⟨σ′²⟩_K (PDLT §5.1). K = 0 gives the K → 0⁺ limits. `CW` defaults to 1.
 */
export function susceptibilities(
  activation: ActivationSpec,
  K: number,
  options: { CW?: number; degree?: number; backend?: Backend } = {},
): { K: number; CW: number; chiParallel: number; chiPerp: number } {
  const ctx = context(activation, options, 'susceptibilities()');
  checkFinite('K', K, 0, false);
  const CW = options.CW === undefined ? 1 : checkFinite('CW', options.CW, 0, true);
  const [chiParallel, chiPerp] = chis(ctx, K, CW);
  return { K, CW, chiParallel, chiPerp };
}

export interface FixedPoint {
  /** K* with C_b + C_W⟨σ²⟩_{K*} = K*. */
  K: number;
  /** χ∥(K*) = dK′/dK: the linear stability (|χ∥| < 1 stable). */
  chiParallel: number;
  chiPerp: number;
  stability: 'stable' | 'unstable' | 'marginal';
}

export interface FixedPointsResult {
  Cb: number;
  CW: number;
  points: FixedPoint[];
  /** True when K⁽ℓ⁾ → ∞ for every K⁽¹⁾ above `escapeAbove` (no fixed point beyond it in the range searched). */
  escapes: boolean;
  escapeAbove: number | null;
  /** 'line' for a scale-invariant σ at C_W·A₂ = 1, C_b = 0 (every K is fixed). */
  kind: 'points' | 'line' | 'none';
  /** Why there is no fixed point (kind = 'none'). */
  reason: string | null;
  searched: [number, number];
}

/**
 * The fixed points K* of K′ = C_b + C_W⟨σ²⟩_K (PDLT §5.1) on [0, Kmax] (default 1e3), each with
 * its stability χ∥(K*), bracketed to ROOT_TOLERANCE; and whether K escapes to infinity.
 */
export function fixedPoints(
  activation: ActivationSpec,
  options: { Cb: number; CW: number; Kmax?: number; degree?: number; backend?: Backend },
): FixedPointsResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object { Cb, CW }');
  const ctx = context(activation, options, 'fixedPoints()');
  const Cb = checkFinite('Cb', options.Cb, 0, false);
  const CW = checkFinite('CW', options.CW, 0, true);
  const Kmax = options.Kmax === undefined ? 1e3 : checkFinite('Kmax', options.Kmax, 0, true);
  const si = scaleInvariance(ctx.act);
  const stab = (chi: number): FixedPoint['stability'] => (Math.abs(chi - 1) <= 1e-9 ? 'marginal' : Math.abs(chi) < 1 ? 'stable' : 'unstable');
  const res: FixedPointsResult = { Cb, CW, points: [], escapes: false, escapeAbove: null, kind: 'points', reason: null, searched: [0, Kmax] };
  if (si) {
    // K′ = C_b + C_W·A₂·K exactly
    const g = (CW * (si[0] ** 2 + si[1] ** 2)) / 2;
    if (Math.abs(g - 1) <= 1e-15 && Cb === 0) {
      res.kind = 'line';
      return res;
    }
    if (g < 1) {
      const K = Cb / (1 - g);
      res.points.push({ K, chiParallel: g, chiPerp: g, stability: 'stable' });
      return res;
    }
    res.kind = 'none';
    res.escapes = true;
    res.escapeAbove = Cb === 0 ? 0 : null;
    res.reason =
      Cb === 0
        ? `C_W(a₊² + a₋²)/2 = ${g} > 1: K = 0 is the only fixed point and every K > 0 grows geometrically`
        : `C_W(a₊² + a₋²)/2 = ${g} ≥ 1 with C_b > 0: K′ = C_b + ${g}K > K, K → ∞`;
    if (Cb === 0) {
      res.kind = 'points';
      res.points.push({ K: 0, chiParallel: g, chiPerp: g, stability: 'unstable' });
    }
    return res;
  }
  const F = (K: number) => Cb + CW * ctx.probe(K).s2 - K;
  const t = taylor(ctx.act);
  const grid = [0, ...logGrid(Math.min(1e-6, Kmax / 10), Kmax, 12)];
  const F0 = Cb + CW * t.sigma0 * t.sigma0;
  const Fg = (K: number) => (K === 0 ? F0 : F(K));
  for (const [a, b, fa, fb] of brackets(Fg, grid, true)) {
    const K = a === b ? a : brent(Fg, a, b, fa, fb);
    const [cp, cq] = chis(ctx, K, CW);
    res.points.push({ K, chiParallel: cp, chiPerp: cq, stability: stab(cp) });
  }
  if (Fg(Kmax) > 0) {
    res.escapes = true;
    res.escapeAbove = res.points.length ? res.points[res.points.length - 1].K : 0;
  }
  if (!res.points.length) {
    res.kind = 'none';
    res.reason = res.escapes
      ? `C_b + C_W⟨σ²⟩_K > K for every K in [0, ${Kmax}]: K⁽ℓ⁾ grows without bound`
      : `no fixed point in [0, ${Kmax}] (C_b + C_W⟨σ²⟩_K < K on the whole range: a fixed point, if any, lies below the grid's resolution)`;
  }
  return res;
}

/**
 * The critical point(s) of σ and its universality class (PDLT §5.2–5.3): scale-invariant σ (the
 * critical line C_W = 2/(a₊² + a₋²) with C_b = 0), the K* = 0 class (C_b = 0, C_W = 1/σ₁², needs
 * σ(0) = 0, σ′(0) ≠ 0 and an attractive approach a₁ < 0), and K* > 0 points (χ∥ = χ⊥ = 1 at a
 * fixed point with C_b ≥ 0, found by a log-grid scan of χ∥ − χ⊥ on [Kmin, Kmax] and Brent's method
 * to ROOT_TOLERANCE; these are half-stable). Activations without any give `kind: 'none'` and the
 * reason. Custom σ must be C² (checked; InvalidParameterError otherwise).
 */
export function critical(activation: ActivationSpec, options: CriticalOptions = {}): CriticalResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object');
  const ctx = context(activation, options, 'critical()');
  const Kmin = options.Kmin === undefined ? 1e-3 : checkFinite('Kmin', options.Kmin, 0, true);
  const Kmax = options.Kmax === undefined ? 1e3 : checkFinite('Kmax', options.Kmax, Kmin, true);
  const conditions = options.conditions ?? 'both';
  if (conditions !== 'both' && conditions !== 'parallel' && conditions !== 'perp') {
    throw new InvalidParameterError('conditions', conditions, "'both', 'parallel' or 'perp'");
  }
  const fixedCb = options.Cb === undefined ? 0 : checkFinite('Cb', options.Cb, 0, false);
  const res: CriticalResult = {
    activation: ctx.act.name,
    kind: 'none',
    Cb: null,
    CW: null,
    Kstar: null,
    point: null,
    points: [],
    rejected: [],
    reason: null,
    searched: [Kmin, Kmax],
    tolerance: ROOT_TOLERANCE,
    degree: ctx.degree,
    backend: ctx.backend,
  };
  const reasons: string[] = [];
  if (!ctx.customSI && ctx.probe(1).s2 === 0 && ctx.probe(1).d2 === 0) {
    res.reason = 'σ ≡ 0 (⟨σ²⟩ = ⟨σ′²⟩ = 0): no signal propagates';
    return res;
  }
  const si = conditions === 'both' ? scaleInvariance(ctx.act) : null;
  if (si) {
    const [ap, am] = si;
    const A2 = (ap * ap + am * am) / 2;
    if (A2 === 0) {
      res.reason = 'σ ≡ 0: no signal propagates';
      return res;
    }
    const A4 = (ap ** 4 + am ** 4) / 2;
    res.points.push({
      kind: 'scale-invariant',
      Cb: 0,
      CW: 1 / A2,
      Kstar: null,
      aPlus: ap,
      aMinus: am,
      nu: (3 * A4) / (A2 * A2) - 1,
      stability: 'marginal',
      note: 'χ∥ = χ⊥ = C_W(a₊² + a₋²)/2 for every K: critical for C_W = 2/(a₊² + a₋²), and C_b = 0 is needed (C_b > 0 gives K′ = C_b + K, growing linearly)',
    });
  } else {
    if (conditions === 'both') {
      const z = zeroCandidate(taylor(ctx.act));
      if (z.point) res.points.push(z.point);
      if (z.rejected) res.rejected.push(z.rejected);
      if (z.reason) reasons.push(z.reason);
    }
    searchPositive(ctx, Kmin, Kmax, conditions, fixedCb, res, reasons);
  }
  const best = res.points.find((p) => p.kind !== 'K*>0') ?? res.points[0] ?? null;
  if (best) {
    res.point = best;
    res.kind = best.kind;
    res.Cb = best.Cb;
    res.CW = best.CW;
    res.Kstar = best.Kstar;
  } else {
    res.reason = [...reasons, ...res.rejected.map((r) => `${r.kind} candidate rejected: ${r.reason}`)].join('; ');
  }
  return res;
}

function searchPositive(ctx: Ctx, Kmin: number, Kmax: number, conditions: 'both' | 'parallel' | 'perp', fixedCb: number, res: CriticalResult, reasons: string[]): void {
  // 'both': χ∥ = χ⊥ is independent of C_W, so K* is a root of (χ∥ − χ⊥)/C_W = ⟨σσ″⟩ (+ kink term).
  // 'parallel' / 'perp' (deliberately incomplete): C_W from the one condition, C_b held fixed, K* a fixed point.
  const g =
    conditions === 'both'
      ? (K: number) => {
          const [a, b] = chis(ctx, K, 1);
          return a - b;
        }
      : (K: number) => {
          const [a, b] = chis(ctx, K, 1);
          const CW = 1 / (conditions === 'parallel' ? a : b);
          return fixedCb + CW * ctx.probe(K).s2 - K;
        };
  // χ∥ − χ⊥ within rounding of zero (≤ 1e-13 of the susceptibilities) is not a sign: a σ with χ∥ ≈ χ⊥ at every K
  // (near-scale-invariant) would otherwise produce a root at every grid step
  const noise = (K: number) => {
    const [a, b] = chis(ctx, K, 1);
    return 1e-13 * (Math.abs(a) + Math.abs(b)) + 1e-300;
  };
  const gq = (K: number) => {
    const v = g(K);
    return conditions === 'both' && Math.abs(v) <= noise(K) ? 0 : v;
  };
  const grid = logGrid(Kmin, Kmax, 16);
  if (conditions === 'both' && grid.every((K) => gq(K) === 0)) {
    reasons.push(`χ∥ = χ⊥ to rounding at every K in [${Kmin}, ${Kmax}] (σ is numerically scale-invariant there): no isolated K* > 0`);
    return;
  }
  const found = brackets(gq, grid, false);
  if (!found.length) {
    const g1 = g(Kmin);
    reasons.push(
      conditions === 'both'
        ? `χ∥ − χ⊥ = C_W⟨σσ″⟩ is ${g1 > 0 ? 'positive' : 'negative'} for every K in [${Kmin}, ${Kmax}] (χ∥ ${g1 > 0 ? '>' : '<'} χ⊥), so no K* > 0 has χ∥ = χ⊥ = 1`
        : `no K in [${Kmin}, ${Kmax}] satisfies the fixed point with χ${conditions === 'parallel' ? '∥' : '⊥'} = 1 at C_b = ${fixedCb}`,
    );
  }
  for (const [a, b] of found) {
    const K = brent(g, a, b);
    const p = ctx.probe(K);
    const [cp1, cq1] = chis(ctx, K, 1);
    const CW = conditions === 'parallel' ? 1 / cp1 : 1 / cq1;
    if (!(Number.isFinite(CW) && CW > 0)) {
      res.rejected.push({ kind: 'K*>0', Cb: 0, CW: Number.isFinite(CW) ? CW : Infinity, Kstar: K, reason: `χ = 1 at K = ${K} would need C_W = ${CW}` });
      continue;
    }
    const Cb = conditions === 'both' ? K - CW * p.s2 : fixedCb;
    if (!(Cb >= -1e-14 * K)) {
      res.rejected.push({ kind: 'K*>0', Cb, CW, Kstar: K, reason: `χ∥ = χ⊥ = 1 at K* = ${K} needs C_b = ${Cb} < 0` });
      continue;
    }
    // b = ½dχ∥/dK: central differences at h and h/2, Richardson-extrapolated (O(h⁴) truncation;
    // rounding ~1e-16/h): ~1e-9 absolute
    const h = 0.02 * K;
    const D = (hh: number) => (chis(ctx, K + hh, CW)[0] - chis(ctx, K - hh, CW)[0]) / (2 * hh);
    const b2 = ((4 * D(h / 2) - D(h)) / 3) / 2;
    // c₃ = ⅙ d²χ∥/dK² (extrapolated second differences): the cubic term of the same map
    const chi0 = chis(ctx, K, CW)[0];
    const D2 = (hh: number) => (chis(ctx, K + hh, CW)[0] - 2 * chi0 + chis(ctx, K - hh, CW)[0]) / (hh * hh);
    const c3 = ((4 * D2(h / 2) - D2(h)) / 3) / 6;
    const Dp = (hh: number) => (chis(ctx, K + hh, CW)[1] - chis(ctx, K - hh, CW)[1]) / (2 * hh);
    const dChiPerp = (4 * Dp(h / 2) - Dp(h)) / 3;
    const [cp, cq] = chis(ctx, K, CW);
    const [m4] = fourth(ctx, K);
    const nu = (CW * CW * (m4 - p.s2 * p.s2)) / (K * K);
    const halfStable = Math.abs(b2) > 1e-12;
    res.points.push({
      kind: 'K*>0',
      Cb: Math.max(Cb, 0),
      CW,
      Kstar: K,
      b: b2,
      c3,
      dChiPerp,
      quadraticRange: c3 === 0 ? Infinity : Math.abs(b2 / c3),
      attractedFrom: !halfStable ? 'both' : b2 < 0 ? 'above' : 'below',
      stability: halfStable ? 'half-stable' : 'marginal',
      nu,
      residual: Math.max(Math.abs(cp - 1), Math.abs(cq - 1)),
      note: halfStable
        ? `half-stable (PDLT §5.3.4): ΔK′ = ΔK + bΔK² + c₃ΔK³, so for |ΔK| ≪ |b/c₃| = ${Math.abs(b2 / c3).toPrecision(3)} K⁽ℓ⁾ → K* (ΔK ≈ −1/(bℓ)) only from ${b2 < 0 ? 'above' : 'below'} K*; from ${b2 < 0 ? 'below' : 'above'} it drifts away`
        : 'marginal to second order',
    });
  }
}

/** [⟨σ⁴⟩_K, ⟨σ′⁴⟩_K]: from the moment bundle (js) or the sources of V and B at layer 2 (wasm). */
function fourth(ctx: Ctx, K: number): [number, number] {
  if (ctx.backend === 'js') {
    const m = computeMoments(quadrature(ctx.degree), ctx.act, K);
    return [m.s4, m.d4];
  }
  // V⁽²⁾ = C_W²(⟨σ⁴⟩ − ⟨σ²⟩²) and B⁽²⁾ = C_W²Θ⁽¹⁾²⟨σ′⁴⟩ with C_W = 1, Θ⁽¹⁾ = λ_b = 1, V⁽¹⁾ = B⁽¹⁾ = 0
  const r = theory(
    { activation: ctx.act as unknown as ActivationSpec, depth: 2, widths: [1, 1], Cb: [K, 0], CW: [1, 1], lambdaB: 1, lambdaW: 0, input: { x2: 0 } },
    { degree: ctx.degree, backend: 'wasm' },
  );
  return [r.layers[1].V + r.layers[1].K ** 2, r.layers[1].B];
}

// ---------------------------------------------------------------------------------------------
// Networks at criticality

export interface CriticalNetworkOptions extends CriticalOptions {
  /** λ_b, λ_W (layer-independent; default 1, 1). */
  lambdaB?: number;
  lambdaW?: number;
  /** x² of the input (default: 1, or (K* − C_b)/C_W for a K* > 0 point so that K⁽¹⁾ = K*). */
  x2?: number;
}

/**
 * A NetworkSpec at the critical point of σ (throws InvalidParameterError if σ has none), for
 * `theory()` / `ensemble()`: C_b, C_W from {@link critical}; x² chosen so that K⁽¹⁾ = K* for a K* > 0
 * point unless given.
 */
export function criticalSpec(
  activation: ActivationSpec,
  net: { depth: number; width?: number; inputWidth?: number; widths?: number[] },
  options: CriticalNetworkOptions = {},
): { spec: NetworkSpec; critical: CriticalResult } {
  const c = critical(activation, options);
  if (c.kind === 'none' || c.CW === null || c.Cb === null) {
    throw new InvalidParameterError('activation', c.activation, `an activation with a critical point (${c.reason})`);
  }
  const x2 = options.x2 ?? (c.kind === 'K*>0' ? (c.Kstar! - c.Cb) / c.CW : 1);
  const spec: NetworkSpec = {
    activation,
    depth: net.depth,
    ...(net.widths ? { widths: net.widths } : { width: net.width ?? 1, inputWidth: net.inputWidth ?? 1 }),
    Cb: c.Cb,
    CW: c.CW,
    lambdaB: options.lambdaB ?? 1,
    lambdaW: options.lambdaW ?? 1,
    input: { x2 },
  };
  return { spec, critical: c };
}

/** One asymptotic law: what the recursion gives at large depth vs the class's closed form. */
export interface AsymptoticCheck {
  /** e.g. 'K·ℓ^pK', 'ℓ(1 − χ⊥)', 'd(V/K²)/dℓ' … */
  quantity: string;
  measured: number;
  /** Closed form of the class (null when none is derived). */
  predicted: number | null;
  /** |measured − predicted|/|predicted|. */
  relError: number | null;
}

export interface AsymptoticsResult {
  activation: string;
  kind: CriticalPoint['kind'];
  depth: number;
  point: CriticalPoint;
  checks: AsymptoticCheck[];
  /** The run behind the numbers (width 1 per layer: every 1/n quantity is per unit 1/n). */
  theory: TheoryResult;
}

/**
 * Runs the recursions at the critical point to `depth` (default 10⁴) and compares the large-depth
 * behaviour with the class's closed forms (PDLT §5.3–5.4, §9.3): K ≈ κ/ℓ^{pK}, χ⊥ ≈ 1 − p⊥/ℓ,
 * V/(nK²) ≈ νℓ/n, Θ (per layer), and the growth of A/(nΘ²), B/(nΘ²). Local quantities are taken
 * from layers depth/2 and depth (slopes, exponents). Equal widths, so every 1/n tensor is per unit 1/n.
 */
export function criticalAsymptotics(activation: ActivationSpec, options: CriticalNetworkOptions & { depth?: number } = {}): AsymptoticsResult {
  const depth = options.depth ?? 10_000;
  if (!Number.isInteger(depth) || depth < 8 || depth > 100_000) throw new InvalidParameterError('depth', depth, 'an integer in 8 … 100000');
  const lb = options.lambdaB ?? 1;
  const lw = options.lambdaW ?? 1;
  const { spec, critical: c } = criticalSpec(activation, { depth, width: 1, inputWidth: 1 }, options);
  const r = theory(spec, { degree: c.degree, backend: c.backend });
  const L = r.layers;
  const l2 = depth;
  const l1 = depth / 2;
  const at = (l: number) => L[Math.round(l) - 1];
  const A = at(l1),
    B = at(l2);
  const checks: AsymptoticCheck[] = [];
  const add = (quantity: string, measured: number, predicted: number | null) =>
    checks.push({ quantity, measured, predicted, relError: predicted === null ? null : Math.abs(measured - predicted) / Math.abs(predicted) });
  const slope = (f: (x: typeof A) => number) => (f(B) - f(A)) / (l2 - l1);
  const expo = (f: (x: typeof A) => number) => Math.log(Math.abs(f(B) / f(A))) / Math.log(l2 / l1);
  const vk = (x: typeof A) => x.V / (x.K * x.K);
  const at2 = (x: typeof A) => x.A / (x.Theta * x.Theta);
  const bt2 = (x: typeof A) => x.B / (x.Theta * x.Theta);
  const p = c.point!;
  if (p.kind === 'K*=0') {
    add('K decay exponent pK (K ∝ ℓ^−pK)', -expo((x) => x.K), p.pK);
    add('K·ℓ^pK → κ', B.K * Math.pow(l2, p.pK), p.kappa);
    add('ℓ(1 − χ⊥) → p⊥', l2 * (1 - B.chiPerp), p.pPerp);
    add('ℓ(1 − χ∥) → pK + 1', l2 * (1 - B.chiParallel), p.pParallel);
    add('d(V/K²)/dℓ → ν', slope(vk), p.nu);
    // Θ′ = χ⊥Θ + λ_b + λ_W⟨σ²⟩ with χ⊥ ≈ 1 − p⊥/ℓ, ⟨σ²⟩ ≈ κ/(C_Wℓ^pK):
    // Θ ≈ λ_bℓ/(1 + p⊥) (λ_b > 0), else Θ ≈ Dℓ^{1−pK}, D = λ_Wκ/(C_W(1 − pK + p⊥)) (docs/theory/criticality.md)
    if (lb > 0) add('dΘ/dℓ → λ_b/(1 + p⊥)', slope((x) => x.Theta), lb / (1 + p.pPerp));
    else if (1 - p.pK + p.pPerp > 0) add('Θ·ℓ^(pK−1) → λ_Wκ/(C_W(1 − pK + p⊥))', B.Theta * Math.pow(l2, p.pK - 1), (lw * p.kappa) / (p.CW * (1 - p.pK + p.pPerp)));
    // B′ = C_W²Θ²⟨σ′⁴⟩ + χ⊥²B, C_W²⟨σ′⁴⟩ → A₄/A₂² = ν + ⅓ (1 unless σ′ jumps at 0): with Θ ∝ ℓ^q,
    // B/Θ² ≈ (ν + ⅓)ℓ/(2q + 1 + 2p⊥)
    const q = lb > 0 ? 1 : 1 - p.pK;
    add('d(B/Θ²)/dℓ → (ν + ⅓)/(2q + 1 + 2p⊥)', slope(bt2), (p.nu + 1 / 3) / (2 * q + 1 + 2 * p.pPerp));
    if (lb > 0) {
      // λ_b > 0: A grows through 2ωD with ω ≈ Θ·dχ⊥/dK (docs/theory/criticality.md §2):
      // analytic: (4/3)p⊥²/((3 + p⊥)(3 + 2p⊥)); σ″ jump at 0: (ν − 2/5)/7
      const aSlope = p.pK === 1 ? ((4 / 3) * p.pPerp * p.pPerp) / ((3 + p.pPerp) * (3 + 2 * p.pPerp)) : (p.nu - 2 / 5) / 7;
      add('d(A/Θ²)/dℓ (λ_b > 0)', slope(at2), aSlope);
    } else {
      // λ_b = 0: Θ → λ_Wκ/(C_W p⊥) makes the leading source of A cancel; no closed form derived
      add('A/Θ² local exponent (λ_b = 0)', expo(at2), null);
    }
  } else if (p.kind === 'scale-invariant') {
    const K = B.K;
    add('K constant (K⁽ᴸ⁾/K⁽¹⁾)', B.K / L[0].K, 1);
    add('χ∥ = χ⊥ = 1', B.chiPerp, 1);
    add('d(V/K²)/dℓ → ν', slope(vk), p.nu);
    const A2 = (p.aPlus ** 2 + p.aMinus ** 2) / 2;
    const theta = lb + lw * A2 * K;
    const w = (lw * A2 * K) / theta;
    add('dΘ/dℓ = λ_b + λ_W A₂K*', slope((x) => x.Theta), theta);
    // derived in docs/theory/criticality.md: A/Θ² ≈ ℓ[(ν−2)(1 + w)/3 + νw²]/3, B/Θ² ≈ (ν+1)ℓ/9, w = λ_W A₂K/θ
    add('d(A/Θ²)/dℓ', slope(at2), (((p.nu - 2) * (1 + w)) / 3 + p.nu * w * w) / 3);
    add('d(B/Θ²)/dℓ', slope(bt2), (p.nu + 1) / 9);
  } else {
    add('K⁽ᴸ⁾/K* (starting at K*)', B.K / p.Kstar, 1);
    add('χ∥ at depth', B.chiParallel, 1);
    add('χ⊥ at depth', B.chiPerp, 1);
    add('d(V/K²)/dℓ → ν', slope(vk), p.nu);
    add('dΘ/dℓ = λ_b + λ_W⟨σ²⟩_K*', slope((x) => x.Theta), lb + (lw * (p.Kstar - p.Cb)) / p.CW);
    // χ⊥ depends on K (dχ⊥/dK ≠ 0 at K*), and K's fluctuations random-walk at χ∥ = 1: A/Θ² ∝ ℓ³ with
    // A/Θ² ≈ (2/15)(dχ⊥/dK)²νK*²ℓ³ (docs/theory/criticality.md §3); the 1/ℓ correction is removed by
    // extrapolating from layers L/2 and L: f∞ ≈ 2f(L) − f(L/2)
    add('A/Θ² growth exponent', expo(at2), 3);
    const a3 = (x: typeof A, l: number) => at2(x) / (l * l * l);
    add('A/(Θ²ℓ³) → (2/15)(dχ⊥/dK)²νK*² (extrapolated)', 2 * a3(B, l2) - a3(A, l1), (2 / 15) * p.dChiPerp ** 2 * p.nu * p.Kstar ** 2);
    // B′ = C_W²Θ²⟨σ′⁴⟩ + B with Θ ≈ θℓ: B/Θ² ≈ C_W²⟨σ′⁴⟩ℓ/3
    const [, d4] = fourth(context(activation, { degree: c.degree, backend: c.backend }, 'criticalAsymptotics()'), p.Kstar);
    add('d(B/Θ²)/dℓ → C_W²⟨σ′⁴⟩/3', slope(bt2), (p.CW * p.CW * d4) / 3);
  }
  return { activation: c.activation, kind: p.kind, depth, point: p, checks, theory: r };
}

export interface LearningRatesResult {
  activation: string;
  kind: CriticalPoint['kind'];
  depth: number;
  /** λ_b⁽ℓ⁾, λ_W⁽ℓ⁾ for ℓ = 1 … L (feed to theory() / ensemble() as per-layer arrays). */
  lambdaB: number[];
  lambdaW: number[];
  /** The NTK of the last layer these rates give: Θ⁽ᴸ⁾ = λ̃_b + λ̃_W·c (exact for mode 'exact', large-L limit for 'power-law'). */
  ThetaL: number;
  /** c = the weight scale: A₂K* (scale-invariant), ⟨σ²⟩_{K*} (K* > 0), κ/C_W = σ₁²/(−a₁) (K* = 0). */
  weightScale: number;
  mode: 'power-law' | 'exact';
  spec: NetworkSpec;
}

/**
 * Learning rates equivalent across depth (PDLT §9.4): each layer contributes equally to the NTK
 * of the output, so Θ⁽ᴸ⁾ stays of order one at any depth. Power law (the book's scaling):
 * scale-invariant and K* > 0: λ_b = λ̃_b/L, λ_W = λ̃_W/L; K* = 0:
 * λ_b⁽ℓ⁾ = λ̃_b L^{p⊥−1}/ℓ^{p⊥}, λ_W⁽ℓ⁾ = λ̃_W L^{p⊥−1} ℓ^{pK−p⊥}. Mode 'exact' instead equalizes the
 * contributions (λ_b⁽ℓ⁾ + λ_W⁽ℓ⁾⟨σ²⟩_{ℓ−1})·Π_{ℓ′≥ℓ}χ⊥⁽ℓ′⁾ using the infinite-width recursion itself, so
 * that Θ⁽ᴸ⁾ = λ̃_b + λ̃_W·c exactly. Check either against `theory(result.spec)` (width/inputWidth only enter
 * its 1/n statistics; default 1).
 */
export function learningRates(
  activation: ActivationSpec,
  options: CriticalOptions & { depth: number; width?: number; inputWidth?: number; lambdaB?: number; lambdaW?: number; x2?: number; mode?: 'power-law' | 'exact' },
): LearningRatesResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object { depth, … }');
  const depth = options.depth;
  if (!Number.isInteger(depth) || depth < 1 || depth > 100_000) throw new InvalidParameterError('depth', depth, 'an integer in 1 … 100000');
  const mode = options.mode ?? 'power-law';
  if (mode !== 'power-law' && mode !== 'exact') throw new InvalidParameterError('mode', mode, "'power-law' or 'exact'");
  const lbT = options.lambdaB === undefined ? 1 : checkFinite('lambdaB', options.lambdaB, 0, false);
  const lwT = options.lambdaW === undefined ? 1 : checkFinite('lambdaW', options.lambdaW, 0, false);
  const { spec, critical: c } = criticalSpec(activation, { depth, width: options.width ?? 1, inputWidth: options.inputWidth ?? 1 }, { ...options, lambdaB: 1, lambdaW: 1 });
  const p = c.point!;
  const x2 = (spec.input as { x2: number }).x2;
  const weightScale = p.kind === 'scale-invariant' ? x2 : p.kind === 'K*>0' ? (p.Kstar - p.Cb) / p.CW : p.kappa / p.CW;
  const lambdaB: number[] = [];
  const lambdaW: number[] = [];
  if (mode === 'power-law') {
    for (let l = 1; l <= depth; l++) {
      if (p.kind === 'K*=0') {
        lambdaB.push((lbT * Math.pow(depth, p.pPerp - 1)) / Math.pow(l, p.pPerp));
        lambdaW.push(lwT * Math.pow(depth, p.pPerp - 1) * Math.pow(l, p.pK - p.pPerp));
      } else {
        lambdaB.push(lbT / depth);
        lambdaW.push(lwT / depth);
      }
    }
  } else {
    // contributions from one infinite-width run: ⟨σ²⟩_{ℓ−1} = (K⁽ℓ⁾ − C_b)/C_W (x² for ℓ = 1), and the
    // product of χ⊥ over the layers after ℓ
    const r = theory(spec, { degree: c.degree, backend: c.backend });
    const s2 = r.layers.map((l) => (l.K - c.Cb!) / c.CW!);
    const prod = new Array(depth).fill(1);
    for (let l = depth - 2; l >= 0; l--) prod[l] = prod[l + 1] * r.layers[l].chiPerp;
    for (let l = 0; l < depth; l++) {
      lambdaB.push(lbT / (depth * prod[l]));
      lambdaW.push(s2[l] > 0 ? (lwT * weightScale) / (depth * prod[l] * s2[l]) : 0);
    }
  }
  const ThetaL = lbT + lwT * weightScale;
  return { activation: c.activation, kind: p.kind, depth, lambdaB, lambdaW, ThetaL, weightScale, mode, spec: { ...spec, lambdaB, lambdaW } };
}

export interface DepthToWidthLayer {
  layer: number;
  /** r_ℓ = Σ_{ℓ′=2}^{ℓ} 1/n_{ℓ′−1} (layer 1 has no 1/n terms; = (ℓ − 1)/n at constant width): the aspect ratio so far. */
  r: number;
  /** V/(nK²), A/(nΘ²), B/(nΘ²) (n = n_{ℓ−1}): the relative 1/n corrections (PDLT §5.4, §9); null where the scale vanishes (see `normalized`). */
  V: number | null;
  A: number | null;
  B: number | null;
}

export interface DepthToWidthResult {
  /** r = Σ_{ℓ=2}^{L} 1/n_{ℓ−1} (= (L − 1)/n for equal widths): the depth-to-width ratio of the whole network. */
  ratio: number;
  layers: DepthToWidthLayer[];
  /** Largest |V/(nK²)|, |A/(nΘ²)|, |B/(nΘ²)| and where. */
  max: { quantity: 'V' | 'A' | 'B'; value: number; layer: number };
  /** 'ok' (< warnAt), 'caution' (≥ warnAt), 'unreliable' (≥ failAt). */
  level: 'ok' | 'caution' | 'unreliable';
  warnings: string[];
}

/**
 * Depth-to-width diagnostics of a theory() run (PDLT §5.4, §9.3): the aspect ratio r = Σ 1/n, the
 * normalized 1/n tensors per layer, and warnings when the 1/n expansion is unreliable — the largest
 * of V/(nK²), A/(nΘ²), B/(nΘ²) at or above `warnAt` (default 0.1: neglected O(1/n²) terms ~ its
 * square) or `failAt` (default 0.5: the expansion is meaningless at order one).
 */
export function depthToWidth(result: TheoryResult, options: { warnAt?: number; failAt?: number } = {}): DepthToWidthResult {
  if (!result || !Array.isArray(result.layers)) throw new InvalidParameterError('result', result, 'a theory() result');
  const warnAt = options.warnAt === undefined ? 0.1 : checkFinite('warnAt', options.warnAt, 0, true);
  const failAt = options.failAt === undefined ? 0.5 : checkFinite('failAt', options.failAt, warnAt, false);
  const norm = normalized(result);
  const layers: DepthToWidthLayer[] = [];
  let r = 0;
  let max: DepthToWidthResult['max'] = { quantity: 'V', value: 0, layer: 1 };
  result.layers.forEach((l, i) => {
    if (i > 0) r += 1 / l.n;
    const row = { layer: l.layer, r, V: norm[i].V, A: norm[i].A, B: norm[i].B };
    layers.push(row);
    for (const q of ['V', 'A', 'B'] as const) {
      const x = row[q];
      if (x === null) continue;
      const v = Math.abs(x);
      if (Number.isFinite(v) ? v > max.value : !Number.isNaN(v)) max = { quantity: q, value: v, layer: row.layer };
    }
  });
  const warnings: string[] = [];
  const label = { V: 'V/(nK²)', A: 'A/(nΘ²)', B: 'B/(nΘ²)' }[max.quantity];
  const level = max.value >= failAt ? 'unreliable' : max.value >= warnAt ? 'caution' : 'ok';
  if (level !== 'ok') {
    warnings.push(
      level === 'unreliable'
        ? `${label} = ${max.value.toPrecision(3)} at layer ${max.layer} is of order one (≥ ${failAt}): the network is too deep for its width (r = L/n = ${r.toPrecision(3)}); the 1/n expansion is unreliable there`
        : `${label} = ${max.value.toPrecision(3)} at layer ${max.layer} (≥ ${warnAt}): neglected O(1/n²) terms are ~${(max.value * max.value).toPrecision(2)} relative (r = L/n = ${r.toPrecision(3)})`,
    );
  }
  return { ratio: r, layers, max, level, warnings };
}
