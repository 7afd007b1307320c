/**
 * The network specification shared by `theory()` and `ensemble()`, and its validation.
 *
 * An MLP z⁽¹⁾ = b⁽¹⁾ + W⁽¹⁾x, z⁽ℓ⁺¹⁾ = b⁽ℓ⁺¹⁾ + W⁽ℓ⁺¹⁾σ(z⁽ℓ⁾) with b⁽ℓ⁾ ~ N(0, C_b⁽ℓ⁾),
 * W⁽ℓ⁾ ~ N(0, C_W⁽ℓ⁾/n_{ℓ−1}), trained with learning rates λ_b⁽ℓ⁾ on biases and λ_W⁽ℓ⁾/n_{ℓ−1} on
 * weights (PDLT §2.3, §7.2). Widths n₀ (input), n₁ … n_{L−1} (hidden), n_L (output).
 */
import { parseActivation, type ActivationSpec, type Activation } from './activation.js';
import type { LayerHyper as TwinLayerHyper } from '../twin/theory/recursion.js';
import { InvalidParameterError } from './errors.js';

/** A hyperparameter: one value for every layer, or an array with one value per layer (1 … L). */
export type PerLayer = number | readonly number[];

/** The input: an explicit vector `x` (length n₀), or only x² = |x|²/n₀ (all statistics depend on x through x² alone). */
export type InputSpec = { x: readonly number[] | Float64Array } | { x2: number };

export interface NetworkSpec {
  /** σ: a builtin name (`'tanh'`, `'relu'`, `'gelu'`, …), a parametrized builtin, or a custom function (js backend). */
  activation: ActivationSpec;
  /** L, the number of layers (L = 1 is a single affine layer). */
  depth: number;
  /** n₀ … n_{L−1}: input width then the hidden widths (length L). Alternative to `width` + `inputWidth`. */
  widths?: readonly number[];
  /** Hidden width n₁ = … = n_{L−1} (with `inputWidth`). */
  width?: number;
  /** Input width n₀ (with `width`). */
  inputWidth?: number;
  /** Output width n_L (ensembles only: the theory does not depend on it). Default: the last hidden width. */
  outputWidth?: number;
  /** C_b: bias variance (≥ 0). */
  Cb: PerLayer;
  /** C_W: weight variance times n_{ℓ−1} (> 0). */
  CW: PerLayer;
  /** λ_b: bias learning rate (≥ 0). */
  lambdaB: PerLayer;
  /** λ_W: weight learning rate times n_{ℓ−1} (≥ 0). */
  lambdaW: PerLayer;
  input: InputSpec;
}

export interface LayerHyper {
  Cb: number;
  CW: number;
  lambdaB: number;
  lambdaW: number;
}

/** The same hyperparameters in the twins' (Rust) field names. */
export function twinHyper(hyper: readonly LayerHyper[]): TwinLayerHyper[] {
  return hyper.map((h) => ({ cb: h.Cb, cw: h.CW, lambdaB: h.lambdaB, lambdaW: h.lambdaW }));
}

/** A validated spec with everything made explicit. */
export interface ResolvedSpec {
  activation: Activation;
  depth: number;
  /** n₀ … n_L (length L + 1; n_L = output width). */
  widths: number[];
  /** Hyperparameters of layers 1 … L. */
  hyper: LayerHyper[];
  /** x² = |x|²/n₀. */
  x2: number;
  /** The input vector (given, or √x²·(1, …, 1) when only x² was given). */
  x: Float64Array;
}

const MAX_DEPTH = 100_000;
const MAX_WIDTH = 1 << 20;

function checkInt(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidParameterError(name, v, `an integer in ${lo} … ${hi}`);
  }
  return v;
}

function perLayer(name: string, v: unknown, depth: number, min: number, strict: boolean): number[] {
  const allowed = `a finite number ${strict ? '>' : '≥'} ${min}, or an array of ${depth} such numbers (one per layer)`;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && (strict ? x > min : x >= min);
  if (Array.isArray(v)) {
    if (v.length !== depth) throw new InvalidParameterError(name, v, allowed);
    v.forEach((x, i) => {
      if (!ok(x)) throw new InvalidParameterError(`${name}[${i}]`, x, `a finite number ${strict ? '>' : '≥'} ${min}`);
    });
    return v.slice();
  }
  if (!ok(v)) throw new InvalidParameterError(name, v, allowed);
  return new Array(depth).fill(v);
}

/**
 * Validates a {@link NetworkSpec} and makes it explicit. Throws {@link InvalidParameterError} naming
 * the first bad field.
 */
export function resolveSpec(spec: NetworkSpec): ResolvedSpec {
  if (typeof spec !== 'object' || spec === null) throw new InvalidParameterError('spec', spec, 'an object');
  const activation = parseActivation(spec.activation);
  const depth = checkInt('depth', spec.depth, 1, MAX_DEPTH);
  let widths: number[];
  if (spec.widths !== undefined) {
    if (!Array.isArray(spec.widths) || spec.widths.length !== depth) {
      throw new InvalidParameterError('widths', spec.widths, `an array n₀ … n_{L−1} of ${depth} positive integers (input width, then hidden widths)`);
    }
    widths = spec.widths.map((w, i) => checkInt(`widths[${i}]`, w, 1, MAX_WIDTH));
  } else {
    const n = checkInt('width', spec.width, 1, MAX_WIDTH);
    const n0 = checkInt('inputWidth', spec.inputWidth, 1, MAX_WIDTH);
    widths = [n0, ...new Array(depth - 1).fill(n)];
  }
  const nL = spec.outputWidth === undefined ? widths[depth - 1] : checkInt('outputWidth', spec.outputWidth, 1, MAX_WIDTH);
  widths.push(nL);
  const Cb = perLayer('Cb', spec.Cb, depth, 0, false);
  const CW = perLayer('CW', spec.CW, depth, 0, true);
  const lambdaB = perLayer('lambdaB', spec.lambdaB, depth, 0, false);
  const lambdaW = perLayer('lambdaW', spec.lambdaW, depth, 0, false);
  const hyper = Cb.map((_, l) => ({ Cb: Cb[l], CW: CW[l], lambdaB: lambdaB[l], lambdaW: lambdaW[l] }));

  const input = spec.input as Record<string, unknown> | undefined;
  if (typeof input !== 'object' || input === null) throw new InvalidParameterError('input', input, '{ x: number[] } or { x2: number }');
  let x: Float64Array;
  let x2: number;
  if ('x' in input && input.x !== undefined) {
    const xs = input.x as ArrayLike<number>;
    if (!xs || typeof xs.length !== 'number' || xs.length !== widths[0]) {
      throw new InvalidParameterError('input.x', input.x, `an array of n₀ = ${widths[0]} finite numbers`);
    }
    x = Float64Array.from(xs);
    x.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new InvalidParameterError(`input.x[${i}]`, v, 'a finite number');
    });
    x2 = x.reduce((s, v) => s + v * v, 0) / widths[0];
  } else if ('x2' in input) {
    x2 = input.x2 as number;
    if (typeof x2 !== 'number' || !Number.isFinite(x2) || x2 < 0) throw new InvalidParameterError('input.x2', x2, 'a finite number ≥ 0 (x² = |x|²/n₀)');
    x = new Float64Array(widths[0]).fill(Math.sqrt(x2));
  } else {
    throw new InvalidParameterError('input', input, '{ x: number[] } or { x2: number }');
  }
  return { activation, depth, widths, hyper, x2, x };
}
