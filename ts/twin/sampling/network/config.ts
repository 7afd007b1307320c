/**
 * The ensemble config buffer — the TypeScript twin of `crates/core/src/sampling/network/config.rs`:
 * `packConfig` writes the flat Float64Array that `wf_ensemble_chunk` and `ensembleChunk` read,
 * `parseConfig` decodes and validates it with the rules of the Rust export.
 */
import { ACTIVATIONS, activationName, fromRaw, type Activation } from '../../numerics/activation.js';
import { InvalidParameterError } from '../../../api/errors.js';
// The buffer layout, limits and offsets come from schema/layout.json (pure data: no wasm behind it).
import { ensembleConfig as ec, hyper as hr, MAX_ENSEMBLE_DEPTH, MAX_WIDTH } from '../../../../bindings/layout.js';

/** Deepest network the sampled-network kernel takes (its buffers grow with L; `theory()` goes to 100 000). */
export const MAX_DEPTH = MAX_ENSEMBLE_DEPTH;
export { MAX_WIDTH };
export const TWO32 = 4294967296;

/** The fields of a config buffer (see {@link packConfig}). */
export interface NetworkConfig {
  /** n₀ … n_L (length L + 1). */
  widths: readonly number[];
  /** C_b⁽ℓ⁾, C_W⁽ℓ⁾, λ_b⁽ℓ⁾, λ_W⁽ℓ⁾ for ℓ = 1 … L. */
  Cb: readonly number[];
  CW: readonly number[];
  lambdaB: readonly number[];
  lambdaW: readonly number[];
  /** Activation kind code (ACTIVATION_KINDS in `activation.ts`) and its parameter. */
  kind: number;
  a: number;
  /** 0 = z only, 1 = + Ĥ, 2 = + dĤ, 3 = + dd_IĤ, dd_IIĤ. */
  order: number;
  /** Seed: an integer in 0 … 2^53 − 1 (the TS RNG's range; the config stores it as two 32-bit halves). */
  seed: number;
  /** k_ℓ for ℓ = 1 … L: the first k_ℓ neurons of layer ℓ form the pairs (2 ≤ k_ℓ ≤ n_ℓ). */
  neurons: readonly number[];
  /** The input (n₀ values). */
  x: ArrayLike<number>;
}

export const isInt = (v: unknown, lo: number, hi: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/**
 * Packs a network config into the flat Float64Array that `wf_ensemble_chunk` and
 * {@link ensembleChunk} read (validating every field; throws InvalidParameterError), laid out as
 * `ensembleConfig` of schema/layout.json: depth L | widths n₀ … n_L | hyper (C_b, C_W, λ_b, λ_W) × L |
 * kind, a, order, seedLo, seedHi (seed = lo + hi·2^32) | neurons k_ℓ × L | x (n₀ values).
 */
export function packConfig(c: NetworkConfig): Float64Array {
  const w = c.widths;
  if (!Array.isArray(w) || w.length < 2 || w.length > MAX_DEPTH + 1) {
    throw new InvalidParameterError('widths', w, `an array n₀ … n_L of length 2 … ${MAX_DEPTH + 1}`);
  }
  const L = w.length - 1;
  w.forEach((n, i) => {
    if (!isInt(n, 1, MAX_WIDTH)) throw new InvalidParameterError(`widths[${i}]`, n, `an integer in 1 … ${MAX_WIDTH}`);
  });
  const perLayer = (name: keyof NetworkConfig, ok: (v: number) => boolean, allowed: string): readonly number[] => {
    const v = c[name] as readonly number[];
    if (!Array.isArray(v) || v.length !== L) throw new InvalidParameterError(name, v, `an array of ${L} numbers (one per layer)`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !ok(x)) throw new InvalidParameterError(`${name}[${i}]`, x, allowed);
    });
    return v;
  };
  const nonneg = (x: number) => Number.isFinite(x) && x >= 0;
  const Cb = perLayer('Cb', nonneg, 'a finite number ≥ 0');
  const CW = perLayer('CW', nonneg, 'a finite number ≥ 0');
  const lb = perLayer('lambdaB', Number.isFinite, 'a finite number');
  const lw = perLayer('lambdaW', Number.isFinite, 'a finite number');
  if (!Number.isInteger(c.kind)) throw new InvalidParameterError('kind', c.kind, 'an activation kind code (an integer)');
  if (typeof c.a !== 'number' || !Number.isFinite(c.a)) throw new InvalidParameterError('a', c.a, 'a finite number');
  if (!isInt(c.order, 0, 3)) throw new InvalidParameterError('order', c.order, 'an integer in 0 … 3');
  if (!isInt(c.seed, 0, Number.MAX_SAFE_INTEGER)) throw new InvalidParameterError('seed', c.seed, 'an integer in 0 … 2^53 − 1');
  const lo = c.seed % TWO32;
  const hi = Math.floor(c.seed / TWO32);
  const ks = c.neurons;
  if (!Array.isArray(ks) || ks.length !== L) throw new InvalidParameterError('neurons', ks, `an array of ${L} integers (k_ℓ per layer)`);
  ks.forEach((k, i) => {
    if (!isInt(k, 2, w[i + 1])) throw new InvalidParameterError(`neurons[${i}]`, k, `an integer in 2 … n_${i + 1} = ${w[i + 1]}`);
  });
  const x = c.x;
  if (!x || x.length !== w[0]) throw new InvalidParameterError('x', x, `an array of n₀ = ${w[0]} numbers`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new InvalidParameterError(`x[${i}]`, x[i], 'a finite number');
  }
  const d = { L, n0: w[0] };
  const cfg = new Float64Array(ec.len(d));
  cfg[ec.at.depth] = L;
  for (let i = 0; i <= L; i++) cfg[ec.at.widths + i] = w[i];
  for (let l = 0, o = ec.at.hyper(d); l < L; l++, o += hr.len) {
    cfg[o + hr.at.Cb] = Cb[l];
    cfg[o + hr.at.CW] = CW[l];
    cfg[o + hr.at.lambdaB] = lb[l];
    cfg[o + hr.at.lambdaW] = lw[l];
  }
  cfg[ec.at.kind(d)] = c.kind;
  cfg[ec.at.a(d)] = c.a;
  cfg[ec.at.order(d)] = c.order;
  cfg[ec.at.seedLo(d)] = lo;
  cfg[ec.at.seedHi(d)] = hi;
  for (let l = 0; l < L; l++) cfg[ec.at.neurons(d) + l] = ks[l];
  for (let i = 0; i < w[0]; i++) cfg[ec.at.x(d) + i] = x[i];
  return cfg;
}

/** A decoded config buffer (`Config` in Rust). */
export interface Config {
  /** n₀ … n_L. */
  widths: number[];
  cb: number[];
  cw: number[];
  lambdaB: number[];
  lambdaW: number[];
  /** σ: the builtin of the buffer's (kind, a), or the caller's override (a custom σ). */
  act: Activation;
  order: number;
  /** lo + hi·2^32 of the two seed halves (below 2^53 for the TS RNG). */
  seed: number;
  neurons: number[];
  x: Float64Array;
}

export const bad = (what: string, v: unknown, allowed: string) => new InvalidParameterError(`config ${what}`, v, allowed);

/**
 * Decodes and validates a config buffer with the rules of the Rust export (`Config::parse`; throws
 * InvalidParameterError on a malformed one). `activation` overrides the buffer's (kind, a): e.g. a
 * custom σ, which only the TS twin can evaluate (the buffer's kind may then be any number).
 */
export function parseConfig(cfg: Float64Array, activation?: Activation): Config {
  if (!(cfg instanceof Float64Array)) throw new InvalidParameterError('config', cfg, 'a Float64Array from packConfig()');
  if (cfg.length < ec.at.widths + 1) throw bad('length', cfg.length, `at least ${ec.at.widths + 1}`);
  const L = cfg[ec.at.depth];
  if (!isInt(L, 1, MAX_DEPTH)) throw bad('depth L', L, `an integer in 1 … ${MAX_DEPTH}`);
  const n0 = cfg[ec.at.widths];
  if (!isInt(n0, 1, MAX_WIDTH)) throw bad('n₀', n0, `an integer in 1 … ${MAX_WIDTH}`);
  const d = { L, n0 };
  if (cfg.length !== ec.len(d)) throw bad('length', cfg.length, `7 + 6L + n₀ = ${ec.len(d)}`);
  const f = decodeNetwork(cfg, L, n0, { widths: ec.at.widths, hyper: ec.at.hyper(d), kind: ec.at.kind(d), a: ec.at.a(d), order: ec.at.order(d), seedLo: ec.at.seedLo(d), seedHi: ec.at.seedHi(d), neurons: ec.at.neurons(d) }, activation);
  const x = cfg.slice(ec.at.x(d), ec.at.x(d) + n0);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw bad(`x[${i}]`, x[i], 'a finite number');
  return { ...f, x };
}

/** Offsets of the network fields, shared in this order by the single- and many-input layouts (`NetworkOffsets`). */
export interface NetworkOffsets {
  widths: number;
  hyper: number;
  kind: number;
  a: number;
  order: number;
  seedLo: number;
  seedHi: number;
  neurons: number;
}

/**
 * Decodes and validates the network fields of a buffer whose depth L, n₀ and length are already checked
 * (`decode_network`): widths n₁ … n_L, hyperparameters, σ (or the caller's override), order, seed, neurons.
 * One decoder for `parseConfig` and `parseMultiConfig`.
 */
export function decodeNetwork(cfg: Float64Array, L: number, n0: number, at: NetworkOffsets, activation?: Activation): Omit<Config, 'x'> {
  const widths = [n0];
  for (let i = 1; i <= L; i++) {
    const n = cfg[at.widths + i];
    if (!isInt(n, 1, MAX_WIDTH)) throw bad(`n_${i}`, n, `an integer in 1 … ${MAX_WIDTH}`);
    widths.push(n);
  }
  const cb: number[] = [], cw: number[] = [], lambdaB: number[] = [], lambdaW: number[] = [];
  for (let l = 0, o = at.hyper; l < L; l++, o += hr.len) {
    const [b, w, x, y] = [cfg[o + hr.at.Cb], cfg[o + hr.at.CW], cfg[o + hr.at.lambdaB], cfg[o + hr.at.lambdaW]];
    if (!(Number.isFinite(b) && b >= 0 && Number.isFinite(w) && w >= 0 && Number.isFinite(x) && Number.isFinite(y))) {
      throw bad(`hyperparameters of layer ${l + 1}`, [b, w, x, y], 'C_b, C_W finite ≥ 0 and finite learning rates');
    }
    cb.push(b); cw.push(w); lambdaB.push(x); lambdaW.push(y);
  }
  const kind = cfg[at.kind];
  const a = cfg[at.a];
  if (activation === undefined && !isInt(kind, 0, TWO32 - 1)) throw bad('activation kind', kind, 'a builtin kind code');
  if (!Number.isFinite(a)) throw bad('activation parameter', a, 'a finite number');
  const order = cfg[at.order];
  if (!isInt(order, 0, 3)) throw bad('order', order, 'an integer in 0 … 3');
  const seedLo = cfg[at.seedLo], seedHi = cfg[at.seedHi];
  if (!isInt(seedLo, 0, TWO32 - 1) || !isInt(seedHi, 0, TWO32 - 1)) throw bad('seed', [seedLo, seedHi], 'two integers in 0 … 2^32 − 1');
  // the seed halves are < 2^32 each (checked); the TS RNG takes seeds below 2^53
  const seed = seedLo + seedHi * TWO32;
  if (seed > Number.MAX_SAFE_INTEGER) throw bad('seed', seed, 'below 2^53 for the js backend');
  const neurons: number[] = [];
  for (let l = 0; l < L; l++) {
    const k = cfg[at.neurons + l];
    if (!isInt(k, 2, widths[l + 1])) throw bad(`k_${l + 1}`, k, `an integer in 2 … n_${l + 1} = ${widths[l + 1]}`);
    neurons.push(k);
  }
  const act = activation ?? builtin(kind, a);
  return { widths, cb, cw, lambdaB, lambdaW, act, order, seed, neurons };
}

/** The builtin activation of a (kind, parameter) pair from a config. */
function builtin(kind: number, a: number): Activation {
  const act = fromRaw(kind, a);
  if (act) return act;
  const name = activationName(kind);
  const info = Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!info) throw bad('activation kind', kind, 'a builtin kind code (see ACTIVATIONS)');
  throw bad(`activation ${name} ${info.parameter}`, a, info.range);
}
