/**
 * Activations σ with exact σ′, σ″, σ‴ — the TypeScript twin of `crates/core/src/numerics/activation.rs`
 * (same kind codes, same formulas, same order of operations), and the special functions they need
 * (erf, erfc, Φ). Parsing of user specs and user-defined activations: `ts/api/activation.ts`.
 */
/** Which analytic branch of a piecewise activation to evaluate (kink-split quadrature). */
export const Branch = {
  /** By the sign of x, as a sampled network sees it (the kink takes the right branch). */
  Pointwise: 0,
  /** The x > 0 formula, analytically continued to any x. */
  Right: 1,
  /** The x < 0 formula, analytically continued to any x. */
  Left: 2,
} as const;
export type Branch = (typeof Branch)[keyof typeof Branch];

/** Description of a builtin activation: its kind code (shared with Rust) and its parameter. */
export interface ActivationInfo {
  kind: number;
  formula: string;
  /** Name of the parameter in an options object, or null when the activation has none. */
  parameter: 'slope' | 'alpha' | 'a' | 'p' | null;
  /** Default parameter value. */
  default: number;
  /** Allowed parameter values, in words. */
  range: string;
}

/** The builtin activations by name. Kind codes are fixed: they cross the wasm boundary. */
export const ACTIVATIONS: Readonly<Record<string, ActivationInfo>> = Object.freeze({
  linear: { kind: 0, formula: 'x', parameter: null, default: 0, range: '' },
  relu: { kind: 1, formula: 'max(x, 0)', parameter: null, default: 0, range: '' },
  leaky_relu: { kind: 2, formula: 'x (x ≥ 0), slope·x (x < 0)', parameter: 'slope', default: 0.01, range: 'a finite number' },
  tanh: { kind: 3, formula: 'tanh x', parameter: null, default: 0, range: '' },
  erf: { kind: 4, formula: 'erf x', parameter: null, default: 0, range: '' },
  sigmoid: { kind: 5, formula: '1/(1 + e^{−x})', parameter: null, default: 0, range: '' },
  softplus: { kind: 6, formula: 'log(1 + eˣ)', parameter: null, default: 0, range: '' },
  gelu: { kind: 7, formula: 'x·Φ(x) (exact, not the tanh approximation)', parameter: null, default: 0, range: '' },
  swish: { kind: 8, formula: 'x·sigmoid(x)', parameter: null, default: 0, range: '' },
  sin: { kind: 9, formula: 'sin x', parameter: null, default: 0, range: '' },
  elu: { kind: 10, formula: 'x (x ≥ 0), α(eˣ − 1) (x < 0)', parameter: 'alpha', default: 1, range: 'a finite number' },
  scaled_tanh: { kind: 11, formula: 'tanh(a·x)', parameter: 'a', default: 1, range: 'a finite number' },
  monomial: { kind: 12, formula: 'x^p', parameter: 'p', default: 3, range: 'an integer in 1…8' },
});

const KIND_NAMES: string[] = [];
for (const [name, info] of Object.entries(ACTIVATIONS)) KIND_NAMES[info.kind] = name;

/** Kind codes (`Kind` in Rust); they cross the wasm boundary. */
export const Kind = {
  Linear: 0, Relu: 1, LeakyRelu: 2, Tanh: 3, Erf: 4, Sigmoid: 5, Softplus: 6, Gelu: 7, Swish: 8, Sin: 9,
  Elu: 10, ScaledTanh: 11, Monomial: 12,
} as const;

/** Largest monomial power accepted (x⁸: its ⟨σ⁴ He₄⟩ is a degree-36 polynomial, still exact in double). */
export const MAX_MONOMIAL_POWER = 8;

/** A parsed activation: evaluates [σ, σ′, σ″, σ‴] on any branch. */
export interface Activation {
  readonly name: string;
  /** Kind code shared with Rust; −1 for a custom activation. */
  readonly kind: number;
  /** The parameter (slope, α, a or p; 0 when unused). */
  readonly a: number;
  readonly hasKink: boolean;
  readonly custom: boolean;
  /** True for linear and monomial (Gauss–Hermite is exact). */
  readonly isPolynomial: boolean;
  /** Trapezoid strip half-width ρ (see `analyticHalfwidth`); null for polynomial and kinked σ. */
  readonly halfwidth: number | null;
  /** Writes [σ, σ′, σ″, σ‴](x) of the given branch into out[0..4]. */
  evalBranch(x: number, branch: Branch, out: Float64Array | number[]): void;
  /** Pointwise values (`evalBranch(x, Branch.Pointwise, out)`). */
  eval(x: number, out: Float64Array | number[]): void;
}

/** Name of a kind code (for messages and outputs). */
export function activationName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

const FRAC_2_SQRT_PI = 1.1283791670955126;
const INV_SQRT_2PI = 0.3989422804014327;
const FRAC_1_SQRT_2 = 0.7071067811865476;

export class BuiltinActivation implements Activation {
  readonly custom = false;
  readonly hasKink: boolean;
  readonly isPolynomial: boolean;
  readonly halfwidth: number | null;
  constructor(
    readonly name: string,
    readonly kind: number,
    readonly a: number,
  ) {
    this.hasKink = kind === 1 || kind === 2 || kind === 10;
    this.isPolynomial = kind === 0 || kind === 12;
    this.halfwidth = analyticHalfwidth(kind, a);
  }

  eval(x: number, out: Float64Array | number[]): void {
    this.evalBranch(x, Branch.Pointwise, out);
  }

  evalBranch(x: number, branch: Branch, out: Float64Array | number[]): void {
    const right = branch === Branch.Pointwise ? x >= 0 : branch === Branch.Right;
    switch (this.kind) {
      case 0:
        set(out, x, 1, 0, 0);
        return;
      case 1:
        if (right) set(out, x, 1, 0, 0);
        else set(out, 0, 0, 0, 0);
        return;
      case 2:
        if (right) set(out, x, 1, 0, 0);
        else set(out, this.a * x, this.a, 0, 0);
        return;
      case 10:
        if (right) set(out, x, 1, 0, 0);
        else {
          const e = this.a * Math.exp(x);
          set(out, this.a * Math.expm1(x), e, e, e);
        }
        return;
      case 3:
        tanhDerivs(x, 1, out);
        return;
      case 11:
        tanhDerivs(x, this.a, out);
        return;
      case 4: {
        const d = FRAC_2_SQRT_PI * Math.exp(-x * x);
        set(out, erf(x), d, -2 * x * d, (4 * x * x - 2) * d);
        return;
      }
      case 5: {
        sigmoidPair(x);
        const s = SP[0],
          c = SP[1],
          s1 = s * c;
        set(out, s, s1, s1 * (c - s), s1 * (1 - 6 * s1));
        return;
      }
      case 6: {
        sigmoidPair(x);
        const s = SP[0],
          c = SP[1],
          s1 = s * c;
        set(out, Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), s, s1, s1 * (c - s));
        return;
      }
      case 7: {
        const p = normPdf(x);
        const cdf = normCdf(x);
        set(out, x * cdf, cdf + x * p, p * (2 - x * x), p * x * (x * x - 4));
        return;
      }
      case 8: {
        sigmoidPair(x);
        const s = SP[0],
          c = SP[1],
          s1 = s * c;
        const s2 = s1 * (c - s);
        const s3 = s1 * (1 - 6 * s1);
        set(out, x * s, s + x * s1, 2 * s1 + x * s2, 3 * s2 + x * s3);
        return;
      }
      case 9: {
        const s = Math.sin(x),
          c = Math.cos(x);
        set(out, s, c, -s, -c);
        return;
      }
      case 12: {
        const p = this.a;
        const pw = (k: number) => (p >= k ? powi(x, p - k) : 0);
        set(out, pw(0), p * pw(1), p * (p - 1) * pw(2), p * (p - 1) * (p - 2) * pw(3));
        return;
      }
    }
  }
}

/** Integer power by repeated squaring, as Rust's `powi` (so monomials agree to the last bit or two). */
function powi(x: number, n: number): number {
  let r = 1;
  let b = x;
  while (n > 0) {
    if (n & 1) r *= b;
    b *= b;
    n >>= 1;
  }
  return r;
}

/**
 * Trapezoid strip half-width ρ (units of z) by kind: the rule's error is ~exp(−2πρ/(h√K)). Below the
 * nearest pole because σ′⁴, σ′²σ″² raise the pole order (tanh π/2 → 1.0; sigmoid, swish, softplus
 * π → 2); calibrated for the entire erf, gelu, sin. Same table as `Activation::analytic_halfwidth`.
 */
export function analyticHalfwidth(kind: number, a: number): number | null {
  switch (kind) {
    case 3:
      return 1.0;
    case 11:
      return a === 0 ? 2.0 : Math.min(1.0 / Math.abs(a), 2.0);
    case 4:
      return 1.3;
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
      return 2.0;
    default:
      return null;
  }
}

export function set(out: Float64Array | number[], a: number, b: number, c: number, d: number): void {
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
}

/** tanh(a·x) and derivatives: expm1 form near 0, e^{−2|y|} form beyond |y| = ½ (no cancellation). */
function tanhDerivs(x: number, a: number, out: Float64Array | number[]): void {
  const y = a * x;
  let t: number, d: number;
  if (Math.abs(y) < 0.5) {
    const u = Math.expm1(-2 * Math.abs(y));
    const v = 2 + u;
    t = -u / v;
    d = (4 * (1 + u)) / (v * v);
  } else {
    const e = Math.exp(-2 * Math.abs(y));
    const v = 1 + e;
    t = (1 - e) / v;
    d = (4 * e) / (v * v);
  }
  if (y < 0) t = -t;
  set(out, t, a * d, a * a * (-2 * t * d), a * a * a * d * (6 * t * t - 2));
}

const SP = new Float64Array(2);
/** SP = [s, 1 − s] for s = 1/(1 + e^{−x}), each without cancellation. */
function sigmoidPair(x: number): void {
  if (x >= 0) {
    const e = Math.exp(-x);
    const r = 1 / (1 + e);
    SP[0] = r;
    SP[1] = e * r;
  } else {
    const e = Math.exp(x);
    const r = 1 / (1 + e);
    SP[0] = e * r;
    SP[1] = r;
  }
}

/** Standard normal density φ(x) = e^{−x²/2}/√(2π). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Standard normal distribution Φ(x) = erfc(−x/√2)/2 (relative accuracy in the lower tail). */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x * FRAC_1_SQRT_2);
}

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
// 631–637 (coefficients of his SPECFUN routine); ≤ 7e-16 relative against 40-digit values.
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const ERFC_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058,
  2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERFC_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716,
  3439.36767414372164, 1230.33935480374942,
];
const ERFC_P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const ERFC_Q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
/** erf uses its small-argument rational below this |x|, erfc = e^{−x²}·R(x) above. */
export const ERF_SPLIT = 0.46875;

/** erf(x) for |x| ≤ ERF_SPLIT. */
export function erfSmall(x: number): number {
  const z = x * x;
  let num = ERF_A[4] * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + ERF_A[i]) * z;
    den = (den + ERF_B[i]) * z;
  }
  return (x * (num + ERF_A[3])) / (den + ERF_B[3]);
}

/**
 * R(y) = e^{y²} erfc(y) for ERF_SPLIT < y < 26.6 (Cody's rational; also used by `kernels.ts`, which
 * supplies e^{−y²} from a lattice recurrence instead of calling exp).
 */
export function erfcScaled(y: number): number {
  if (y <= 4) {
    let num = ERFC_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]) * y;
      den = (den + ERFC_D[i]) * y;
    }
    return (num + ERFC_C[7]) / (den + ERFC_D[7]);
  }
  const z = 1 / (y * y);
  let num = ERFC_P[5] * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + ERFC_P[i]) * z;
    den = (den + ERFC_Q[i]) * z;
  }
  return (0.5641895835477563 - (z * (num + ERFC_P[4])) / (den + ERFC_Q[4])) / y;
}

function erfcLarge(y: number): number {
  if (y >= 26.6) return 0;
  const r = erfcScaled(y);
  // e^{−y²} = e^{−s²}·e^{−(y−s)(y+s)} with s = y rounded down to 1/16 (s² exact): Cody's device
  const s = Math.trunc(y * 16) / 16;
  const del = (y - s) * (y + s);
  return Math.exp(-s * s) * Math.exp(-del) * r;
}

/** The error function, ≤ 1e-15 relative (Cody's rational approximations; same code as Rust). */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SPLIT) return erfSmall(x);
  const r = 1 - erfcLarge(y);
  return x < 0 ? -r : r;
}

/** The complementary error function 1 − erf(x), relative accuracy ≤ 1e-15 deep in the upper tail. */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SPLIT) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/**
 * The builtin of a (kind, parameter) pair; null for an unknown kind or a parameter the kind cannot use
 * (non-finite slope/α/a, monomial power not an integer in 1…8) — as `Activation::from_raw`.
 */
export function fromRaw(kind: number, a: number): Activation | null {
  if (!Number.isInteger(kind) || KIND_NAMES[kind] === undefined) return null;
  const ok =
    kind === Kind.LeakyRelu || kind === Kind.Elu || kind === Kind.ScaledTanh
      ? Number.isFinite(a)
      : kind === Kind.Monomial
        ? Number.isFinite(a) && Number.isInteger(a) && a >= 1 && a <= MAX_MONOMIAL_POWER
        : true;
  return ok ? new BuiltinActivation(KIND_NAMES[kind], kind, ACTIVATIONS[KIND_NAMES[kind]].parameter ? a : 0) : null;
}
