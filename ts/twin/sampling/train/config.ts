/**
 * The training config buffer of `wf_train_chunk` and the layout of its per-network records — the
 * twin of `crates/core/src/sampling/train/config.rs` (same checks, same layout).
 */
import { InvalidParameterError } from '../../../api/errors.js';

/** Status codes of the wasm export `wf_train_chunk` (0 = success), with what they mean. */
export const TRAIN_STATUS: Readonly<Record<number, string>> = {
  [-1]: 'config length or depth L invalid, or the output buffer too short',
  [-2]: 'a width is not an integer in 1 … 2^24',
  [-3]: 'C_b or C_W negative or not finite, or a learning rate not finite',
  [-4]: 'unknown activation kind or non-finite activation parameter',
  [-6]: 'seed halves not integers in 0 … 2^32 − 1',
  [-8]: 'a training input, target or test input is not finite',
  [-9]: 'first not an integer ≥ 0, or first + count > 2^53',
  [-10]: 'the workspace could not be allocated',
  [-11]: 'a null buffer pointer',
  [-15]: 'a training parameter is invalid (N, steps, η, tol, divergence factor, record steps, loss stride or k)',
};

/** Fixed slots at the start of every per-network record. */
export const SLOT = {
  /** The step at which training stopped: T, or the first step whose loss met tol or diverged. */
  stop: 0,
  /** 0 = ran all T steps without meeting tol, 1 = loss < tol at `stop`, 2 = diverged at `stop`. */
  status: 1,
  /** 𝓛 at `stop` (for a diverged network, the offending value). */
  loss: 2,
  head: 3,
} as const;

/** Values of the `status` slot. */
export const STATUS = { ran: 0, converged: 1, diverged: 2 } as const;

const MAX_DEPTH = 4096;
const MAX_WIDTH = 1 << 24;
export const MAX_COUNT = 1 << 30;
export const TWO32 = 4294967296;
export const LIMIT = 9007199254740992;

/** The fields of a training config buffer (see {@link packTrainConfig}). */
export interface TrainNetConfig {
  /** n₀ … n_L. */
  widths: readonly number[];
  Cb: readonly number[];
  CW: readonly number[];
  lambdaB: readonly number[];
  lambdaW: readonly number[];
  /** Activation kind code and parameter. */
  kind: number;
  a: number;
  /** Seed, an integer in 0 … 2^53 − 1. */
  seed: number;
  /** Training inputs (N × n₀, row-major) and targets (N × n_L). */
  xTrain: ArrayLike<number>;
  yTrain: ArrayLike<number>;
  /** Test inputs (M × n₀; M may be 0). */
  xTest: ArrayLike<number>;
  nTrain: number;
  nTest: number;
  /** T: the number of gradient-descent steps. */
  steps: number;
  /** η > 0: the global step. */
  eta: number;
  /** Stop a network at the first step with 𝓛 < tol (0: never). */
  tol: number;
  /** A network diverged when 𝓛_t is not finite or exceeds blowup·(𝓛₀ + ½|y|²). */
  blowup: number;
  /** Recorded steps, strictly increasing in 0 … T. */
  record: readonly number[];
  /** The loss curve holds 𝓛 at t = 0, s, 2s, … ≤ T. */
  stride: number;
  /** NTK blocks are recorded for output neurons 0 … k−1 (0 ≤ k ≤ n_L). */
  k: number;
}

export const isInt = (v: unknown, lo: number, hi: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/**
 * Packs a training config into the flat Float64Array read by `wf_train_chunk` and
 * `trainChunk` (mod.ts) (throws InvalidParameterError for a malformed field):
 * ```text
 * [0] L   [1] n0   [2 .. 2+L) n_1 … n_L
 * [oh = 2+L]  for ℓ = 1..L: Cb, CW, lambdaB, lambdaW
 * [oa = 2+5L] kind, a, seed_lo, seed_hi
 * [ot = oa+4] N_train, N_test, steps T, eta, tol, blowup, R, loss stride, k
 * [or = ot+9] R record steps
 * [ox = or+R] X_train (N·n0), Y (N·n_L), X_test (M·n0)
 * ```
 */
export function packTrainConfig(c: TrainNetConfig): Float64Array {
  const w = c.widths;
  if (!Array.isArray(w) || w.length < 2 || w.length > MAX_DEPTH + 1) {
    throw new InvalidParameterError('widths', w, `an array n₀ … n_L of length 2 … ${MAX_DEPTH + 1}`);
  }
  const L = w.length - 1;
  w.forEach((n, i) => {
    if (!isInt(n, 1, MAX_WIDTH)) throw new InvalidParameterError(`widths[${i}]`, n, `an integer in 1 … ${MAX_WIDTH}`);
  });
  const per = (name: 'Cb' | 'CW' | 'lambdaB' | 'lambdaW', nonneg: boolean) => {
    const v = c[name];
    if (!Array.isArray(v) || v.length !== L) throw new InvalidParameterError(name, v, `an array of ${L} numbers`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (nonneg && x < 0)) throw new InvalidParameterError(`${name}[${i}]`, x, nonneg ? 'a finite number ≥ 0' : 'a finite number');
    });
    return v;
  };
  const Cb = per('Cb', true), CW = per('CW', true), lb = per('lambdaB', false), lw = per('lambdaW', false);
  if (!Number.isInteger(c.kind)) throw new InvalidParameterError('kind', c.kind, 'an activation kind code');
  if (!Number.isFinite(c.a)) throw new InvalidParameterError('a', c.a, 'a finite number');
  if (!isInt(c.seed, 0, Number.MAX_SAFE_INTEGER)) throw new InvalidParameterError('seed', c.seed, 'an integer in 0 … 2^53 − 1');
  if (!isInt(c.nTrain, 1, MAX_COUNT)) throw new InvalidParameterError('nTrain', c.nTrain, `an integer in 1 … ${MAX_COUNT}`);
  if (!isInt(c.nTest, 0, MAX_COUNT)) throw new InvalidParameterError('nTest', c.nTest, `an integer in 0 … ${MAX_COUNT}`);
  if (!isInt(c.steps, 0, MAX_COUNT)) throw new InvalidParameterError('steps', c.steps, `an integer in 0 … ${MAX_COUNT}`);
  if (!(Number.isFinite(c.eta) && c.eta > 0)) throw new InvalidParameterError('eta', c.eta, 'a finite number > 0');
  if (!(Number.isFinite(c.tol) && c.tol >= 0)) throw new InvalidParameterError('tol', c.tol, 'a finite number ≥ 0');
  if (!(c.blowup > 0)) throw new InvalidParameterError('blowup', c.blowup, 'a number > 0 (Infinity allowed)');
  const rec = c.record;
  if (!Array.isArray(rec) || rec.length < 1 || rec.length > c.steps + 1) throw new InvalidParameterError('record', rec, `1 … ${c.steps + 1} steps`);
  rec.forEach((s, i) => {
    if (!isInt(s, 0, c.steps) || (i > 0 && s <= rec[i - 1])) throw new InvalidParameterError(`record[${i}]`, s, `strictly increasing integers in 0 … ${c.steps}`);
  });
  if (!isInt(c.stride, 1, Math.max(1, c.steps))) throw new InvalidParameterError('stride', c.stride, `an integer in 1 … ${Math.max(1, c.steps)}`);
  if (!isInt(c.k, 0, w[L])) throw new InvalidParameterError('k', c.k, `an integer in 0 … n_L = ${w[L]}`);
  const n0 = w[0], nL = w[L], N = c.nTrain, M = c.nTest;
  const data: Array<[string, ArrayLike<number>, number]> = [['xTrain', c.xTrain, N * n0], ['yTrain', c.yTrain, N * nL], ['xTest', c.xTest, M * n0]];
  for (const [name, v, len] of data) {
    if (!v || v.length !== len) throw new InvalidParameterError(name, v, `${len} finite numbers`);
    for (let i = 0; i < len; i++) if (!Number.isFinite(v[i])) throw new InvalidParameterError(`${name}[${i}]`, v[i], 'a finite number');
  }
  const R = rec.length;
  const cfg = new Float64Array(2 + 5 * L + 4 + 9 + R + N * n0 + N * nL + M * n0);
  cfg[0] = L;
  for (let i = 0; i <= L; i++) cfg[1 + i] = w[i];
  const oh = 2 + L;
  for (let l = 0; l < L; l++) cfg.set([Cb[l], CW[l], lb[l], lw[l]], oh + 4 * l);
  const oa = 2 + 5 * L;
  cfg.set([c.kind, c.a, c.seed % TWO32, Math.floor(c.seed / TWO32)], oa);
  const ot = oa + 4;
  cfg.set([N, M, c.steps, c.eta, c.tol, c.blowup, R, c.stride, c.k], ot);
  const or = ot + 9;
  cfg.set(rec, or);
  let o = or + R;
  for (const [, v, len] of data) {
    for (let i = 0; i < len; i++) cfg[o + i] = v[i];
    o += len;
  }
  return cfg;
}

/** A decoded training config (mirrors `TrainConfig` in Rust). */
export interface DecodedTrain {
  widths: number[];
  cb: number[];
  cw: number[];
  lb: number[];
  lw: number[];
  kind: number;
  a: number;
  seedLo: number;
  seedHi: number;
  nTrain: number;
  nTest: number;
  steps: number;
  eta: number;
  tol: number;
  blowup: number;
  record: number[];
  stride: number;
  k: number;
  /** (N + M) × n₀: training rows, then test rows. */
  x: Float64Array;
  y: Float64Array;
}

export const bad = (what: string, v: unknown, allowed: string) => new InvalidParameterError(`train config ${what}`, v, allowed);

/** Decodes and validates a config buffer with the rules of the Rust export. */
export function parseTrainConfig(cfg: Float64Array, customKind = false): DecodedTrain {
  if (!(cfg instanceof Float64Array)) throw new InvalidParameterError('config', cfg, 'a Float64Array from packTrainConfig()');
  if (cfg.length < 2) throw bad('length', cfg.length, 'at least 2');
  const L = cfg[0];
  if (!isInt(L, 1, MAX_DEPTH)) throw bad('depth L', L, `an integer in 1 … ${MAX_DEPTH}`);
  const n0 = cfg[1];
  if (!isInt(n0, 1, MAX_WIDTH)) throw bad('n₀', n0, `an integer in 1 … ${MAX_WIDTH}`);
  const ot = 2 + 5 * L + 4;
  if (cfg.length < ot + 9) throw bad('length', cfg.length, `at least ${ot + 9}`);
  const widths = [n0];
  for (let i = 0; i < L; i++) {
    const n = cfg[2 + i];
    if (!isInt(n, 1, MAX_WIDTH)) throw bad(`n_${i + 1}`, n, `an integer in 1 … ${MAX_WIDTH}`);
    widths.push(n);
  }
  const nL = widths[L];
  const oh = 2 + L;
  const cb: number[] = [], cw: number[] = [], lb: number[] = [], lw: number[] = [];
  for (let l = 0; l < L; l++) {
    const [b, w, x, y] = [cfg[oh + 4 * l], cfg[oh + 4 * l + 1], cfg[oh + 4 * l + 2], cfg[oh + 4 * l + 3]];
    if (!(Number.isFinite(b) && b >= 0 && Number.isFinite(w) && w >= 0 && Number.isFinite(x) && Number.isFinite(y))) {
      throw bad(`hyperparameters of layer ${l + 1}`, [b, w, x, y], 'C_b, C_W finite ≥ 0 and finite learning rates');
    }
    cb.push(b); cw.push(w); lb.push(x); lw.push(y);
  }
  const oa = 2 + 5 * L;
  const kind = cfg[oa], a = cfg[oa + 1];
  if (!customKind && !isInt(kind, 0, TWO32 - 1)) throw bad('activation kind', kind, 'a builtin kind code');
  if (!Number.isFinite(a)) throw bad('activation parameter', a, 'a finite number');
  const seedLo = cfg[oa + 2], seedHi = cfg[oa + 3];
  if (!isInt(seedLo, 0, TWO32 - 1) || !isInt(seedHi, 0, TWO32 - 1)) throw bad('seed', [seedLo, seedHi], 'two integers in 0 … 2^32 − 1');
  const [nTrain, nTest, steps, eta, tol, blowup, R, stride, k] = cfg.subarray(ot, ot + 9);
  if (!isInt(nTrain, 1, MAX_COUNT) || !isInt(nTest, 0, MAX_COUNT) || !isInt(steps, 0, MAX_COUNT)) throw bad('N, M, T', [nTrain, nTest, steps], 'integers N ≥ 1, M ≥ 0, T ≥ 0');
  if (!(Number.isFinite(eta) && eta > 0 && Number.isFinite(tol) && tol >= 0 && blowup > 0)) throw bad('η, tol, blowup', [eta, tol, blowup], 'η > 0, tol ≥ 0 finite, blowup > 0');
  if (!isInt(R, 1, steps + 1) || !isInt(stride, 1, Math.max(1, steps)) || !isInt(k, 0, nL)) throw bad('R, stride, k', [R, stride, k], `1 ≤ R ≤ T + 1, 1 ≤ stride ≤ max(T, 1), 0 ≤ k ≤ n_L`);
  const or = ot + 9;
  const P = nTrain + nTest;
  if (cfg.length !== or + R + P * n0 + nTrain * nL) throw bad('length', cfg.length, `${or + R + P * n0 + nTrain * nL}`);
  const record: number[] = [];
  for (let i = 0; i < R; i++) {
    const s = cfg[or + i];
    if (!isInt(s, 0, steps) || (i > 0 && s <= record[i - 1])) throw bad(`record[${i}]`, s, `strictly increasing integers in 0 … ${steps}`);
    record.push(s);
  }
  const ox = or + R;
  for (let i = ox; i < cfg.length; i++) if (!Number.isFinite(cfg[i])) throw bad(`data[${i - ox}]`, cfg[i], 'a finite number');
  const x = new Float64Array(P * n0);
  x.set(cfg.subarray(ox, ox + nTrain * n0));
  x.set(cfg.subarray(ox + nTrain * n0 + nTrain * nL, cfg.length), nTrain * n0);
  const y = cfg.slice(ox + nTrain * n0, ox + nTrain * n0 + nTrain * nL);
  return { widths, cb, cw, lb, lw, kind, a, seedLo, seedHi, nTrain, nTest, steps, eta, tol, blowup, record, stride, k, x, y };
}

/** Offsets of the parts of one per-network record (as `Layout` in Rust). */
export interface TrainLayout {
  /** 𝓛 at the recorded steps (R values). */
  lossRec: number;
  /** 𝓛 at t = 0, s, 2s, … ≤ T (curveLen values). */
  curve: number;
  curveLen: number;
  /** z⁽ᴸ⁾ on the training inputs at the recorded steps: R × N × n_L, index (r·N + α)·n_L + i. */
  zTrain: number;
  /** z⁽ᴸ⁾ on the test inputs: R × M × n_L. */
  zTest: number;
  /** Θ̂ at step 0: (kP)², P = N + M inputs (training first), index (i·P + δ)·kP + (j·P + δ'). */
  ntk0: number;
  /** Θ̂ at the stop step. */
  ntk1: number;
  len: number;
}

/** The record layout of a decoded config. */
export function trainLayout(d: Pick<DecodedTrain, 'widths' | 'record' | 'nTrain' | 'nTest' | 'k' | 'steps' | 'stride'>): TrainLayout {
  const nL = d.widths[d.widths.length - 1];
  const R = d.record.length;
  const kp = d.k * (d.nTrain + d.nTest);
  const curveLen = Math.floor(d.steps / d.stride) + 1;
  const lossRec = SLOT.head;
  const curve = lossRec + R;
  const zTrain = curve + curveLen;
  const zTest = zTrain + R * d.nTrain * nL;
  const ntk0 = zTest + R * d.nTest * nL;
  const ntk1 = ntk0 + kp * kp;
  return { lossRec, curve, curveLen, zTrain, zTest, ntk0, ntk1, len: ntk1 + kp * kp };
}

