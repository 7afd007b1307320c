/** Options and results of criticality (PDLT ch. 5): the three kinds of critical point and the search report. (Module overview: ts/api/critical.ts.) */
import { type Backend } from '../backend.js';

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
