/**
 * The ensemble config buffer — the TypeScript twin of `crates/core/src/sampling/network/config.rs`:
 * `packConfig` writes the flat Float64Array that `wf_ensemble_chunk` and `ensembleChunk` read,
 * `parseConfig` decodes and validates it with the rules of the Rust export.
 */
import { ACTIVATIONS, activationName, fromRaw, type Activation } from '../../numerics/activation.js';
import { InvalidParameterError } from '../../../api/errors.js';

/** Deepest network the sampled-network kernel takes (its buffers grow with L; `theory()` goes to 100 000). */
export const MAX_DEPTH = 4096;
export const MAX_WIDTH = 1 << 24;
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
 * {@link ensembleChunk} read (validating every field; throws InvalidParameterError):
 * ```text
 * [0] L   [1] n0   [2 .. 2+L) n_1 … n_L
 * [oh = 2+L]  for ℓ = 1..L: Cb, CW, lambdaB, lambdaW
 * [oa = 2+5L] kind, a, order, seed_lo, seed_hi      (seed = lo + hi·2^32)
 * [ok = oa+5] k_ℓ for ℓ = 1..L
 * [ox = ok+L] x (n0 values)
 * ```
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
  const cfg = new Float64Array(7 + 6 * L + w[0]);
  cfg[0] = L;
  for (let i = 0; i <= L; i++) cfg[1 + i] = w[i];
  const oh = 2 + L;
  for (let l = 0; l < L; l++) {
    cfg[oh + 4 * l] = Cb[l];
    cfg[oh + 4 * l + 1] = CW[l];
    cfg[oh + 4 * l + 2] = lb[l];
    cfg[oh + 4 * l + 3] = lw[l];
  }
  const oa = 2 + 5 * L;
  cfg[oa] = c.kind;
  cfg[oa + 1] = c.a;
  cfg[oa + 2] = c.order;
  cfg[oa + 3] = lo;
  cfg[oa + 4] = hi;
  const ok = oa + 5;
  for (let l = 0; l < L; l++) cfg[ok + l] = ks[l];
  for (let i = 0; i < w[0]; i++) cfg[ok + L + i] = x[i];
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
  const customKind = activation !== undefined;
  if (!(cfg instanceof Float64Array)) throw new InvalidParameterError('config', cfg, 'a Float64Array from packConfig()');
  if (cfg.length < 2) throw bad('length', cfg.length, 'at least 2');
  const L = cfg[0];
  if (!isInt(L, 1, MAX_DEPTH)) throw bad('depth L', L, `an integer in 1 … ${MAX_DEPTH}`);
  const n0 = cfg[1];
  if (!isInt(n0, 1, MAX_WIDTH)) throw bad('n₀', n0, `an integer in 1 … ${MAX_WIDTH}`);
  if (cfg.length !== 7 + 6 * L + n0) throw bad('length', cfg.length, `7 + 6L + n₀ = ${7 + 6 * L + n0}`);
  const widths = [n0];
  for (let i = 0; i < L; i++) {
    const n = cfg[2 + i];
    if (!isInt(n, 1, MAX_WIDTH)) throw bad(`n_${i + 1}`, n, `an integer in 1 … ${MAX_WIDTH}`);
    widths.push(n);
  }
  const oh = 2 + L;
  const cb: number[] = [], cw: number[] = [], lambdaB: number[] = [], lambdaW: number[] = [];
  for (let l = 0; l < L; l++) {
    const [b, w, x, y] = [cfg[oh + 4 * l], cfg[oh + 4 * l + 1], cfg[oh + 4 * l + 2], cfg[oh + 4 * l + 3]];
    if (!(Number.isFinite(b) && b >= 0 && Number.isFinite(w) && w >= 0 && Number.isFinite(x) && Number.isFinite(y))) {
      throw bad(`hyperparameters of layer ${l + 1}`, [b, w, x, y], 'C_b, C_W finite ≥ 0 and finite learning rates');
    }
    cb.push(b); cw.push(w); lambdaB.push(x); lambdaW.push(y);
  }
  const oa = 2 + 5 * L;
  const kind = cfg[oa];
  const a = cfg[oa + 1];
  if (!customKind && !isInt(kind, 0, TWO32 - 1)) throw bad('activation kind', kind, 'a builtin kind code');
  if (!Number.isFinite(a)) throw bad('activation parameter', a, 'a finite number');
  const order = cfg[oa + 2];
  if (!isInt(order, 0, 3)) throw bad('order', order, 'an integer in 0 … 3');
  const seedLo = cfg[oa + 3], seedHi = cfg[oa + 4];
  if (!isInt(seedLo, 0, TWO32 - 1) || !isInt(seedHi, 0, TWO32 - 1)) throw bad('seed', [seedLo, seedHi], 'two integers in 0 … 2^32 − 1');
  const ok = oa + 5;
  const neurons: number[] = [];
  for (let l = 0; l < L; l++) {
    const k = cfg[ok + l];
    if (!isInt(k, 2, widths[l + 1])) throw bad(`k_${l + 1}`, k, `an integer in 2 … n_${l + 1} = ${widths[l + 1]}`);
    neurons.push(k);
  }
  const x = cfg.slice(ok + L);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw bad(`x[${i}]`, x[i], 'a finite number');
  // the seed halves are < 2^32 each (checked); the TS RNG takes seeds below 2^53
  const seed = seedLo + seedHi * TWO32;
  if (seed > Number.MAX_SAFE_INTEGER) throw bad('seed', seed, 'below 2^53 for the js backend');
  const act = activation ?? builtin(kind, a);
  return { widths, cb, cw, lambdaB, lambdaW, act, order, seed, neurons, x };
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
