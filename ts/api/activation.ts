/**
 * Activation specs of the public API: builtin names, parametrized builtins and user-defined σ (js
 * backend only). The builtins themselves (kind codes, formulas, erf) are the twin
 * `ts/twin/numerics/activation.ts`.
 */
import { ActivationValueError, InvalidParameterError, WideflowError } from './errors.js';
import { ACTIVATIONS, Branch, BuiltinActivation, set, type Activation } from '../twin/numerics/activation.js';

export { ACTIVATIONS, Branch, activationName, erf, erfc, normCdf, normPdf } from '../twin/numerics/activation.js';
export type { Activation, ActivationInfo } from '../twin/numerics/activation.js';

/** A user-defined activation (js backend only). Missing derivatives come from finite differences. */
export interface CustomActivationSpec {
  name: 'custom';
  f: (x: number) => number;
  df?: (x: number) => number;
  d2f?: (x: number) => number;
  d3f?: (x: number) => number;
  /** Label used in outputs (default 'custom'). */
  label?: string;
}

/** A builtin by name, a builtin with its parameter, or a user-defined activation. */
export type ActivationSpec =
  | string
  | { name: string; slope?: number; alpha?: number; a?: number; p?: number }
  | CustomActivationSpec;

function allowedNames(): string {
  return `one of ${Object.keys(ACTIVATIONS).map((n) => `'${n}'`).join(', ')}, or { name: 'custom', f }`;
}

/**
 * Parses an activation spec: `'tanh'`, `{ name: 'leaky_relu', slope: 0.1 }`, `{ name: 'elu', alpha }`,
 * `{ name: 'scaled_tanh', a }`, `{ name: 'monomial', p }` (defaults: slope 0.01, α 1, a 1, p 3), or
 * `{ name: 'custom', f, df?, d2f?, d3f? }`. Unknown names and bad parameters throw
 * InvalidParameterError naming `activation`.
 */
export function parseActivation(spec: ActivationSpec | Activation): Activation {
  if (spec instanceof BuiltinActivation || spec instanceof CustomActivation) return spec;
  if (typeof spec === 'string') spec = { name: spec };
  if (spec === null || typeof spec !== 'object' || typeof (spec as { name?: unknown }).name !== 'string') {
    throw new InvalidParameterError('activation', spec, allowedNames());
  }
  const s = spec as { name: string; [k: string]: unknown };
  if (s.name === 'custom') return new CustomActivation(spec as CustomActivationSpec);
  const info = Object.prototype.hasOwnProperty.call(ACTIVATIONS, s.name) ? ACTIVATIONS[s.name] : undefined;
  if (!info) throw new InvalidParameterError('activation', s.name, allowedNames());
  let a = 0;
  if (info.parameter) {
    const aliases = ['slope', 'alpha', 'a', 'p'].filter((k) => s[k] !== undefined);
    const given = s[info.parameter] ?? (aliases.length === 1 ? s[aliases[0]] : undefined);
    a = given === undefined ? info.default : (given as number);
    const ok =
      typeof a === 'number' && Number.isFinite(a) && (info.parameter !== 'p' || (Number.isInteger(a) && a >= 1 && a <= 8));
    if (!ok) throw new InvalidParameterError(`activation ${s.name} ${info.parameter}`, given, info.range);
  }
  return new BuiltinActivation(s.name, info.kind, a);
}

// ---------------------------------------------------------------------------------------------
// User-defined activations

// Central differences of order h⁶ (Fornberg weights) for the 1st, 2nd and 3rd derivative.
const FD1 = [-1 / 60, 3 / 20, -3 / 4, 0, 3 / 4, -3 / 20, 1 / 60];
const FD2 = [1 / 90, -3 / 20, 3 / 2, -49 / 18, 3 / 2, -3 / 20, 1 / 90];
const FD3 = [-7 / 240, 3 / 10, -169 / 120, 61 / 30, 0, -61 / 30, 169 / 120, -3 / 10, 7 / 240];
/** Steps (× max(1, |x|)) balancing the h⁶ truncation against rounding ~ε/hᵏ (chosen by measurement on tanh). */
const FD_STEP = [0, 2 ** -8, 2 ** -7, 2 ** -6];

function difference(g: (x: number) => number, order: 1 | 2 | 3, x: number): number {
  const w = order === 1 ? FD1 : order === 2 ? FD2 : FD3;
  const h = FD_STEP[order] * Math.max(1, Math.abs(x));
  const half = (w.length - 1) / 2;
  let s = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) s += w[i] * g(x + (i - half) * h);
  return s / h ** order;
}

/**
 * A user-defined σ for the js backend. σ′, σ″, σ‴ not supplied are obtained by 6th-order central
 * differences of the highest derivative that is supplied (steps 2⁻⁸, 2⁻⁷, 2⁻⁶ times max(1, |x|)):
 * for σ with O(1) derivatives this gives about 3e-14 (σ′), 4e-12 (σ″), 1.4e-9 (σ‴) absolute error,
 * measured on tanh over [−4, 4] (test/activation.test.ts). Supply exact derivatives when the σ″/σ‴ moments matter. Custom
 * activations are integrated as smooth functions (trapezoid rule, ρ = 1); for a kinked one, the error
 * estimate of `gaussianExpectations` shows the loss of accuracy.
 */
class CustomActivation implements Activation {
  readonly kind = -1;
  readonly a = 0;
  readonly hasKink = false;
  readonly custom = true;
  readonly isPolynomial = false;
  readonly halfwidth = 1.0;
  readonly name: string;
  private readonly d: Array<(x: number) => number>;
  constructor(spec: CustomActivationSpec) {
    const fns = [spec.f, spec.df, spec.d2f, spec.d3f];
    if (typeof spec.f !== 'function') throw new InvalidParameterError('activation.f', spec.f, 'a function (x: number) => number');
    fns.forEach((g, i) => {
      if (g !== undefined && typeof g !== 'function') throw new InvalidParameterError(`activation.${['f', 'df', 'd2f', 'd3f'][i]}`, g, 'a function (x: number) => number');
    });
    this.name = spec.label ?? 'custom';
    this.d = [spec.f];
    for (let k = 1; k <= 3; k++) {
      const own = fns[k];
      if (own) this.d.push(own);
      else {
        let j = k - 1;
        while (!fns[j]) j--;
        const base = fns[j] as (x: number) => number;
        const order = (k - j) as 1 | 2 | 3;
        this.d.push((x) => difference(base, order, x));
      }
    }
  }
  eval(x: number, out: Float64Array | number[]): void {
    this.evalBranch(x, Branch.Pointwise, out);
  }
  evalBranch(x: number, _branch: Branch, out: Float64Array | number[]): void {
    set(out, this.call(0, x), this.call(1, x), this.call(2, x), this.call(3, x));
  }
  /**
   * One derivative of the user's σ at x. A NaN, a non-number or an exception is reported with the z
   * where it happened (instead of turning into a NaN statistic or an "overflow" far downstream).
   */
  private call(k: number, x: number): number {
    let v: unknown;
    try {
      v = this.d[k](x);
    } catch (e) {
      if (e instanceof WideflowError) throw e;
      throw new ActivationValueError(x, `${DERIVATIVE_NAMES[k]} (it threw: ${(e as Error)?.message ?? e})`, NaN);
    }
    if (typeof v !== 'number' || Number.isNaN(v)) throw new ActivationValueError(x, DERIVATIVE_NAMES[k], typeof v === 'number' ? v : NaN);
    return v;
  }
}

const DERIVATIVE_NAMES = ['σ (f)', "σ′ (df, or a finite difference of f)", "σ″ (d2f, or a finite difference)", "σ‴ (d3f, or a finite difference)"];
