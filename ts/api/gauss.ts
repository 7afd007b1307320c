/**
 * Public API of one- and two-point Gaussian expectations ⟨f(z)⟩_K = ∫ dz e^{−z²/2K}/√(2πK) f(z)
 * (PDLT §4 notation), on the wasm core or its pure-TypeScript twin. The rules are described in
 * `ts/twin/numerics/quadrature/expect.ts` / `crates/core/src/numerics/quadrature/expect.rs`; the
 * moment bundle in `ts/twin/theory/moments.ts` / `crates/core/src/theory/moments.rs`.
 */
import { statusMessage, type F64Block, type WasmCore } from '../../bindings/core.js';
import { gaussMoments, gaussOutput } from '../../bindings/layout.js';
import { parseActivation, type Activation, type ActivationSpec } from './activation.js';
import { resolveBackend, registerWarmUp, wasmCore, type Backend } from './backend.js';
import { InvalidParameterError } from './errors.js';
import { DEFAULT_DEGREE, LADDER_MAX, MAX_DEGREE, REF_DEGREE, TAU, ladderStep, quadrature } from '../twin/numerics/quadrature/expect.js';
import { MOMENT_NAMES, gaussianExpectationsInto } from '../twin/theory/moments.js';

export { DEFAULT_DEGREE, MAX_DEGREE } from '../twin/numerics/quadrature/expect.js';
export { MOMENT_NAMES } from '../twin/theory/moments.js';

/** Name of one moment of the bundle. */
export type MomentName = (typeof MOMENT_NAMES)[number];

/**
 * The bundle of one-point moments at variance K (He₄ = z⁴ − 6Kz² + 3K²):
 * sigma ⟨σ⟩, sigma2 ⟨σσ⟩, sigma4 ⟨σ⁴⟩, dsigma2 ⟨σ′σ′⟩, dsigma4 ⟨σ′⁴⟩, sigma2dsigma2 ⟨σ²σ′²⟩,
 * zsigmadsigma ⟨zσσ′⟩, zdsigmaddsigma ⟨zσ′σ″⟩, sigma2He2 ⟨σ²(z²−K)⟩, dsigma2He2 ⟨σ′²(z²−K)⟩,
 * sigma2He4 ⟨σ²He₄⟩, sigmadsigma2ddsigma ⟨σσ′²σ″⟩, dsigma3dddsigma ⟨σ′³σ‴⟩, dsigma2ddsigma2 ⟨σ′²σ″²⟩.
 * For relu and leaky relu, σ″ and σ‴ are the pointwise ones (0), as a sampled network sees them.
 * All come from the one Stein-form bundle of the recursions (`ts/twin/theory/moments.ts`): the He₂
 * and He₄ moments as K·⟨σ²he2⟩, K·⟨σ′²he2⟩ and K²·⟨σ²he4⟩ (no cancelling integral at small K), and
 * K below 1e−280 is taken at 1e−280 (the small-K limit).
 */
/**
 * The moments by name: finite, or ±Infinity with a warning. Never NaN: a K at which some moment is
 * not representable in float64 at all (e.g. ⟨σ²He₄⟩ of an unbounded σ at K = 1e300) is refused with an
 * InvalidParameterError naming the moment.
 */
export type GaussianExpectations = Record<MomentName, number> & {
  /** Moments that overflowed to ±Infinity, or a K not resolved by the quadrature; empty when all is well. */
  warnings: string[];
  /** Activation name, K, degree and backend used. */
  activation: string;
  K: number;
  degree: number;
  backend: Backend;
  /** max over the moments of |bundle(2·degree) − bundle(degree)|: an estimate of the absolute error. */
  error: number;
  /** The same estimate per moment. */
  errors: Record<MomentName, number>;
};

export interface GaussianExpectationsOptions {
  /** Builtin name, `{ name, slope | alpha | a | p }`, or `{ name: 'custom', f, df?, d2f?, d3f? }` (js only). */
  activation: ActivationSpec;
  /** Variance K ≥ 0 of the preactivation (K = 0: σ and its derivatives at z = 0). */
  K: number;
  /** Quadrature degree 1…1000 (default 64: within 1.5e-14 relative of degree 1000 on every builtin, K ∈ [1e-3, 30]). */
  degree?: number;
  /** 'wasm' or 'js'; default wasm once `init()` resolved (custom activations: js). */
  backend?: Backend;
}

/** Validates a degree option (undefined → default). */
export function checkDegree(degree: unknown): number {
  if (degree === undefined) return DEFAULT_DEGREE;
  if (typeof degree !== 'number' || !Number.isInteger(degree) || degree < 1 || degree > MAX_DEGREE) {
    throw new InvalidParameterError('degree', degree, `an integer in 1…${MAX_DEGREE}`);
  }
  return degree;
}

/** Validates a variance: a finite number ≥ 0. */
export function checkVariance(name: string, K: unknown): number {
  if (typeof K !== 'number' || !Number.isFinite(K) || K < 0) throw new InvalidParameterError(name, K, 'a finite number ≥ 0');
  return K;
}

function pickBackend(backend: unknown, act: Activation, what: string): Backend {
  if (act.custom) {
    if (backend === 'wasm') throw new InvalidParameterError('backend', backend, "'js' for a custom activation (the wasm core runs builtins only)");
    if (backend !== undefined && backend !== 'js') resolveBackend(backend, what); // throws the usual message
    return 'js';
  }
  return resolveBackend(backend, what);
}

// one scratch block per wasm instance, for the gaussOutput record of wf_gauss_moments
const blocks = new WeakMap<WasmCore, F64Block>();
function outBlock(core: WasmCore): F64Block {
  let b = blocks.get(core);
  if (!b) {
    b = core.allocF64(gaussOutput.len);
    blocks.set(core, b);
  }
  return b;
}

registerWarmUp((core) => {
  try {
    core.gaussMoments(3, 0, 1, 16, false, outBlock(core));
  } catch {
    // an older artifact without the export: the first real call reports it
  }
});

// Where each named moment and its error estimate sit in a gaussOutput record, in MOMENT_NAMES order.
const VALUE_SLOTS = MOMENT_NAMES.map((n) => gaussOutput.at.values + gaussMoments.at[n]);
const ERROR_SLOTS = MOMENT_NAMES.map((n) => gaussOutput.at.errors + gaussMoments.at[n]);

/**
 * The moment bundle of σ at variance K, with an error estimate (difference from the same rules at
 * twice the resolution). Throws InvalidParameterError for an unknown activation, K not finite or
 * negative, or a degree outside 1…1000; NotInitializedError for the wasm backend before `init()`.
 */
/**
 * The largest K at which the smooth-σ trapezoid still follows σ's strip of analyticity ρ (its step
 * h ∝ ρ/√K reaches the finest ladder level there). Beyond it the rule's error grows like
 * e^{−36·√(K_max/K)} and the two-resolution error estimate no longer sees it, so results are flagged.
 * Infinity for rules without that limit (polynomial σ, the relu family, elu, custom σ without ρ).
 */
export function smoothRuleLimit(act: Activation, degree: number): number {
  const rho = act.halfwidth;
  if (act.isPolynomial || rho === null || act.hasKink) return Infinity;
  const h = ladderStep(LADDER_MAX);
  return ((2 * Math.PI * rho * (REF_DEGREE / degree)) / (TAU * h)) ** 2;
}

/** A warning when K is beyond {@link smoothRuleLimit}, with the rule's own error estimate there. */
export function accuracyWarning(act: Activation, degree: number, K: number, where: string): string | null {
  const kmax = smoothRuleLimit(act, degree);
  if (!(K > kmax)) return null;
  return `accuracy: ${where} K = ${K.toPrecision(4)} is beyond ${kmax.toPrecision(3)}, where the quadrature of ${act.name} resolves σ at degree ${degree}; expected relative error ~${Math.exp(-TAU * Math.sqrt(kmax / K)).toExponential(1)} (raise degree up to 1000 or keep K smaller)`;
}

export function gaussianExpectations(options: GaussianExpectationsOptions): GaussianExpectations {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object { activation, K, degree?, backend? }');
  const act = parseActivation(options.activation);
  const K = checkVariance('K', options.K);
  const degree = checkDegree(options.degree);
  const backend = pickBackend(options.backend, act, 'gaussianExpectations');
  let values: Float64Array;
  if (backend === 'wasm') {
    const core = wasmCore('gaussianExpectations');
    const b = outBlock(core);
    const status = core.gaussMoments(act.kind, act.a, K, degree, true, b);
    if (status !== 0) throw new InvalidParameterError('gaussianExpectations', { kind: act.kind, a: act.a, K, degree }, `accepted by the wasm core (status ${status}: ${statusMessage(status)})`);
    values = core.readF64(b, gaussOutput.len);
  } else {
    values = momentsJs(act, K, degree);
  }
  const out = { activation: act.name, K, degree, backend, error: 0, errors: {}, warnings: [] as string[] } as unknown as GaussianExpectations;
  MOMENT_NAMES.forEach((name, i) => {
    const v = values[VALUE_SLOTS[i]], e = values[ERROR_SLOTS[i]];
    if (Number.isNaN(v)) {
      throw new InvalidParameterError('K', K, `small enough that every moment of ${act.name} is representable in float64 (${name} is not: its integrand overflows)`);
    }
    if (!Number.isFinite(v)) out.warnings.push(`${name}: ${v} (overflow at K = ${K})`);
    out[name] = v;
    out.errors[name] = Number.isNaN(e) ? Infinity : e;
    out.error = Math.max(out.error, Number.isNaN(e) ? Infinity : e);
  });
  const acc = accuracyWarning(act, degree, K, 'at');
  if (acc) out.warnings.push(acc);
  return out;
}

/** The 14 values and their error estimates on the js backend, from the one moment bundle. */
function momentsJs(act: Activation, K: number, degree: number): Float64Array {
  const q = quadrature(degree);
  const out = new Float64Array(gaussOutput.len);
  gaussianExpectationsInto(q, q.refined(), act, K, out);
  return out;
}

export interface ExpectOptions {
  /** Gauss–Hermite degree 1…1000 (default 64). */
  degree?: number;
}

/**
 * E f(z) for z ~ N(0, K) and a user function f, by Gauss–Hermite: Σᵢ wᵢ f(√K xᵢ) (js). Exact for
 * polynomials of degree ≤ 2·degree − 1; for functions with structure much narrower than √K (e.g.
 * tanh at K ≫ 1) raise the degree, or use `gaussianExpectations` with a custom activation.
 */
export function expect(f: (z: number) => number, K: number, options: ExpectOptions = {}): number {
  if (typeof f !== 'function') throw new InvalidParameterError('f', f, 'a function (z: number) => number');
  checkVariance('K', K);
  const r = quadrature(checkDegree(options.degree)).hermite;
  if (K === 0) return f(0);
  const s = Math.sqrt(K);
  let sum = 0;
  for (let i = 0; i < r.nodes.length; i++) sum += r.weights[i] * f(s * r.nodes[i]);
  return sum;
}

/** A 2×2 covariance [[K11, K12], [K12, K22]]. */
export interface Covariance2 {
  K11: number;
  K12: number;
  K22: number;
}

/** Validates a 2×2 covariance: finite, K11, K22 ≥ 0 and K12² ≤ K11·K22 (1e-12 relative slack). */
export function checkCovariance(cov: unknown): Covariance2 {
  const c = cov as Covariance2;
  if (c === null || typeof c !== 'object') throw new InvalidParameterError('covariance', cov, 'an object { K11, K12, K22 }');
  checkVariance('K11', c.K11);
  checkVariance('K22', c.K22);
  if (typeof c.K12 !== 'number' || !Number.isFinite(c.K12)) throw new InvalidParameterError('K12', c.K12, 'a finite number');
  if (c.K12 * c.K12 > c.K11 * c.K22 * (1 + 1e-12)) {
    throw new InvalidParameterError('K12', c.K12, `|K12| ≤ √(K11·K22) = ${Math.sqrt(c.K11 * c.K22)} (positive semidefinite covariance)`);
  }
  return c;
}

/**
 * E f(z₁, z₂) for (z₁, z₂) ~ N(0, [[K11, K12], [K12, K22]]) by a Gauss–Hermite tensor product in the
 * Cholesky coordinates z₁ = √K11·x₁, z₂ = (K12/√K11)x₁ + √(K22 − K12²/K11)x₂ (js). Exact for
 * polynomials of degree ≤ 2·degree − 1 in each of x₁, x₂; smooth f converge spectrally; a kink in f
 * limits the accuracy to ~degree^{−3/2} (activation-aware 2-D rules: `Quadrature.expect2`).
 */
export function expect2(f: (z1: number, z2: number) => number, cov: Covariance2, options: ExpectOptions = {}): number {
  if (typeof f !== 'function') throw new InvalidParameterError('f', f, 'a function (z1: number, z2: number) => number');
  const { K11, K12, K22 } = checkCovariance(cov);
  const r = quadrature(checkDegree(options.degree)).hermite;
  const l11 = Math.sqrt(K11);
  const l21 = l11 > 0 ? K12 / l11 : 0;
  const l22 = Math.sqrt(Math.max(K22 - l21 * l21, 0));
  let sum = 0;
  for (let i = 0; i < r.nodes.length; i++) {
    const x1 = r.nodes[i];
    let inner = 0;
    for (let j = 0; j < r.nodes.length; j++) inner += r.weights[j] * f(l11 * x1, l21 * x1 + l22 * r.nodes[j]);
    sum += r.weights[i] * inner;
  }
  return sum;
}

/**
 * Probabilists' Gauss–Hermite rule: Σᵢ wᵢ g(xᵢ) = E g(X), X ~ N(0, 1), exact for polynomials of degree
 * ≤ 2·degree − 1 (copies; nodes ascending).
 */
export function hermiteRule(degree: number): { nodes: Float64Array; weights: Float64Array } {
  const r = quadrature(checkDegree(degree)).hermite;
  return { nodes: r.nodes.slice(), weights: r.weights.slice() };
}
