/**
 * The multi-input ensemble config buffer — the TypeScript twin of
 * `crates/core/src/sampling/multi/config.rs`: `packMultiConfig` writes the flat Float64Array that
 * `wf_ensemble_multi_chunk` and `ensembleMultiChunk` read (layout `ensembleMultiConfig` of
 * schema/layout.json), `parseMultiConfig` decodes and validates it with the rules of the Rust export; the
 * network fields by the single-input decoder (`decodeNetwork`), since the layouts differ only by N and the inputs.
 */
import type { Activation } from '../../numerics/activation.js';
import { decodeNetwork } from '../network/config.js';
import { InvalidParameterError } from '../../../api/errors.js';
import { ensembleMultiConfig as ec, hyper as hr, MAX_ENSEMBLE_DEPTH, MAX_ENSEMBLE_INPUTS, MAX_WIDTH } from '../../../../bindings/layout.js';

export const TWO32 = 4294967296;
export { MAX_ENSEMBLE_INPUTS };

/** The fields of a multi-input config buffer (see {@link packMultiConfig}). */
export interface MultiNetworkConfig {
  /** n₀ … n_L (length L + 1). */
  widths: readonly number[];
  /** C_b⁽ℓ⁾, C_W⁽ℓ⁾, λ_b⁽ℓ⁾, λ_W⁽ℓ⁾ for ℓ = 1 … L. */
  Cb: readonly number[];
  CW: readonly number[];
  lambdaB: readonly number[];
  lambdaW: readonly number[];
  /** Activation kind code and its parameter. */
  kind: number;
  a: number;
  /** 0 = z only, 1 = + Ĥ, 2 = + dĤ, 3 = + dd_IĤ, dd_IIĤ. */
  order: number;
  /** An integer in 0 … 2^53 − 1. */
  seed: number;
  /** k_ℓ for ℓ = 1 … L (2 ≤ k_ℓ ≤ n_ℓ). */
  neurons: readonly number[];
  /** N, the number of inputs (1 … MAX_ENSEMBLE_INPUTS). */
  inputs: number;
  /** The inputs, row-major (N·n₀ values): X[α·n₀ + i]. */
  X: ArrayLike<number>;
}

/** A decoded multi-input config (`Config` in Rust). */
export interface MultiConfig {
  widths: number[];
  cb: number[];
  cw: number[];
  lambdaB: number[];
  lambdaW: number[];
  act: Activation;
  order: number;
  seed: number;
  neurons: number[];
  /** N. */
  inputs: number;
  /** N·n₀ values, row-major. */
  X: Float64Array;
}

const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const bad = (what: string, v: unknown, allowed: string) => new InvalidParameterError(`config ${what}`, v, allowed);

/** Packs a multi-input config (validating every field; throws InvalidParameterError). */
export function packMultiConfig(c: MultiNetworkConfig): Float64Array {
  const w = c.widths;
  if (!Array.isArray(w) || w.length < 2 || w.length > MAX_ENSEMBLE_DEPTH + 1) throw new InvalidParameterError('widths', w, `an array n₀ … n_L of length 2 … ${MAX_ENSEMBLE_DEPTH + 1}`);
  const L = w.length - 1;
  w.forEach((n, i) => {
    if (!isInt(n, 1, MAX_WIDTH)) throw new InvalidParameterError(`widths[${i}]`, n, `an integer in 1 … ${MAX_WIDTH}`);
  });
  const N = c.inputs;
  if (!isInt(N, 1, MAX_ENSEMBLE_INPUTS)) throw new InvalidParameterError('inputs', N, `an integer in 1 … ${MAX_ENSEMBLE_INPUTS}`);
  const d = { L, N, n0: w[0] };
  const cfg = new Float64Array(ec.len(d));
  cfg[ec.at.depth] = L;
  cfg[ec.at.inputs] = N;
  for (let i = 0; i <= L; i++) cfg[ec.at.widths + i] = w[i];
  for (let l = 0, o = ec.at.hyper(d); l < L; l++, o += hr.len) {
    cfg[o + hr.at.Cb] = c.Cb[l];
    cfg[o + hr.at.CW] = c.CW[l];
    cfg[o + hr.at.lambdaB] = c.lambdaB[l];
    cfg[o + hr.at.lambdaW] = c.lambdaW[l];
  }
  if (!isInt(c.seed, 0, Number.MAX_SAFE_INTEGER)) throw new InvalidParameterError('seed', c.seed, 'an integer in 0 … 2^53 − 1');
  cfg[ec.at.kind(d)] = c.kind;
  cfg[ec.at.a(d)] = c.a;
  cfg[ec.at.order(d)] = c.order;
  cfg[ec.at.seedLo(d)] = c.seed % TWO32;
  cfg[ec.at.seedHi(d)] = Math.floor(c.seed / TWO32);
  for (let l = 0; l < L; l++) cfg[ec.at.neurons(d) + l] = c.neurons[l];
  if (!c.X || c.X.length !== N * w[0]) throw new InvalidParameterError('X', c.X, `N·n₀ = ${N * w[0]} numbers`);
  for (let i = 0; i < N * w[0]; i++) cfg[ec.at.X(d) + i] = c.X[i];
  parseMultiConfig(cfg); // one set of rules: the decoder's
  return cfg;
}

/** Decodes and validates a buffer with the rules of the Rust export (`Config::parse`). */
export function parseMultiConfig(cfg: Float64Array, activation?: Activation): MultiConfig {
  if (!(cfg instanceof Float64Array)) throw new InvalidParameterError('config', cfg, 'a Float64Array from packMultiConfig()');
  if (cfg.length < ec.at.widths + 1) throw bad('length', cfg.length, `at least ${ec.at.widths + 1}`);
  const L = cfg[ec.at.depth];
  if (!isInt(L, 1, MAX_ENSEMBLE_DEPTH)) throw bad('depth L', L, `an integer in 1 … ${MAX_ENSEMBLE_DEPTH}`);
  const N = cfg[ec.at.inputs];
  if (!isInt(N, 1, MAX_ENSEMBLE_INPUTS)) throw bad('inputs N', N, `an integer in 1 … ${MAX_ENSEMBLE_INPUTS}`);
  const n0 = cfg[ec.at.widths];
  if (!isInt(n0, 1, MAX_WIDTH)) throw bad('n₀', n0, `an integer in 1 … ${MAX_WIDTH}`);
  const d = { L, N, n0 };
  if (cfg.length !== ec.len(d)) throw bad('length', cfg.length, `${ec.len(d)}`);
  const f = decodeNetwork(cfg, L, n0, { widths: ec.at.widths, hyper: ec.at.hyper(d), kind: ec.at.kind(d), a: ec.at.a(d), order: ec.at.order(d), seedLo: ec.at.seedLo(d), seedHi: ec.at.seedHi(d), neurons: ec.at.neurons(d) }, activation);
  const X = cfg.slice(ec.at.X(d), ec.at.X(d) + N * n0);
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw bad(`X[${Math.floor(i / n0)}][${i % n0}]`, X[i], 'a finite number');
  return { ...f, inputs: N, X };
}
