/**
 * Trained networks: full-batch gradient descent on the MSE loss per sampled network — the pure-TS
 * twin of `crates/core/src/train.rs` (same algorithm, same floating-point operations in the same
 * order, so the two backends agree bit for bit; the derivation is in the Rust module docs and in
 * docs/theory/trainer.md).
 *
 *   loss   𝓛 = ½ Σ_{α ∈ train} Σ_i (z⁽ᴸ⁾_{i;α} − y_{i;α})²
 *   step   θ_μ ← θ_μ − η λ_μ ∂𝓛/∂θ_μ,   λ = λ_b⁽ᵐ⁾ on b⁽ᵐ⁾, λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾
 *   NTK    Θ̂_{ij;δδ'} = Σ_μ λ_μ ∂z_{i;δ}/∂θ_μ ∂z_{j;δ'}/∂θ_μ
 *
 * Network i is drawn from `new Rng(seed, i)` exactly as `ts/network.ts` draws it (W⁽ᵐ⁾ then b⁽ᵐ⁾,
 * m = 1 … L), so a trained ensemble and an `ensemble()` run with the same seed hold the same networks.
 */
import { ACTIVATIONS, activationName, Branch, parseActivation, type Activation } from '../../../activation.js';
import { InvalidParameterError, WideflowError } from '../../../errors.js';
import { gemmNT, transpose } from '../../../gemm.js';
import { Rng } from '../../../rng.js';

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
const MAX_COUNT = 1 << 30;
const TWO32 = 4294967296;
const LIMIT = 9007199254740992;

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

const isInt = (v: unknown, lo: number, hi: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/**
 * Packs a training config into the flat Float64Array read by `wf_train_chunk` and
 * {@link trainChunkJs} (throws InvalidParameterError for a malformed field):
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

const bad = (what: string, v: unknown, allowed: string) => new InvalidParameterError(`train config ${what}`, v, allowed);

/** Decodes and validates a config buffer with the rules of the Rust export. */
export function decodeTrainConfig(cfg: Float64Array, customKind = false): DecodedTrain {
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

const f64 = (n: number) => new Float64Array(n);

/** All buffers of one config shape (as `Work` in Rust). Exposed for the gradient tests. */
export class TrainWorkspace {
  readonly key: string;
  readonly w: Float64Array[] = [f64(0)];
  /** W⁽ᵐ⁾ᵀ for 2 ≤ m ≤ L. */
  readonly wt: Float64Array[] = [f64(0)];
  readonly b: Float64Array[] = [f64(0)];
  readonly z: Float64Array[] = [f64(0)];
  readonly a: Float64Array[];
  readonly d1: Float64Array[] = [f64(0)];
  del: Float64Array;
  del2: Float64Array;
  readonly gb: Float64Array;
  nd: Float64Array;
  nd2: Float64Array;
  readonly gk: Float64Array;
  readonly sg: Float64Array;
  private readonly d4 = f64(4);

  constructor(d: DecodedTrain) {
    const wd = d.widths;
    const L = wd.length - 1;
    const N = d.nTrain, P = d.nTrain + d.nTest, k = d.k;
    this.key = trainShapeKey(d);
    const nmax = Math.max(...wd);
    this.a = [f64(P * wd[0])];
    this.del = f64(N * nmax);
    this.del2 = f64(N * nmax);
    this.gb = f64(nmax);
    this.nd = f64(k * P * nmax);
    this.nd2 = f64(k * P * nmax);
    this.gk = f64(k * P * k * P);
    this.sg = f64(k > 0 ? P * P : 0);
    for (let m = 1; m <= L; m++) {
      const n = wd[m], np = wd[m - 1];
      this.w.push(f64(n * np));
      this.wt.push(f64(m >= 2 ? n * np : 0));
      this.b.push(f64(n));
      this.z.push(f64(P * n));
      const hidden = m < L ? P * n : 0;
      this.a.push(f64(hidden));
      this.d1.push(f64(hidden));
    }
  }

  /** Draws network `index` (W⁽ᵐ⁾ then b⁽ᵐ⁾ for m = 1 … L, as ts/network.ts). */
  draw(d: DecodedTrain, seed: number, index: number): void {
    const wd = d.widths;
    const rng = new Rng(seed, index);
    for (let m = 1; m < wd.length; m++) {
      rng.fillNormal(this.w[m], Math.sqrt(d.cw[m - 1] / wd[m - 1]));
      rng.fillNormal(this.b[m], Math.sqrt(d.cb[m - 1]));
    }
    for (let m = 2; m < wd.length; m++) transpose(wd[m], wd[m - 1], this.w[m], 0, wd[m - 1], this.wt[m], 0, wd[m]);
  }

  /** Z⁽ᵐ⁾, A⁽ᵐ⁾, σ′ for input rows r0 … r1−1. */
  forward(d: DecodedTrain, act: Activation, r0: number, r1: number): void {
    const wd = d.widths;
    const L = wd.length - 1;
    const rows = r1 - r0;
    if (rows === 0) return;
    const dd = this.d4;
    for (let m = 1; m <= L; m++) {
      const n = wd[m], np = wd[m - 1];
      const z = this.z[m], b = this.b[m];
      gemmNT(rows, n, np, this.a[m - 1], r0 * np, np, this.w[m], 0, np, z, r0 * n, n);
      for (let r = r0; r < r1; r++) {
        for (let i = 0; i < n; i++) z[r * n + i] += b[i];
      }
      if (m < L) {
        const a = this.a[m], d1 = this.d1[m];
        for (let idx = r0 * n; idx < r1 * n; idx++) {
          act.evalBranch(z[idx], Branch.Pointwise, dd);
          a[idx] = dd[0];
          d1[idx] = dd[1];
        }
      }
    }
  }

  /** Δ⁽ᴸ⁾ = Z⁽ᴸ⁾ − Y on the training rows (into `del`); returns 𝓛 = ½ Σ Δ². */
  residual(d: DecodedTrain): number {
    const L = d.widths.length - 1;
    const nL = d.widths[L];
    const z = this.z[L], y = d.y, del = this.del;
    let s = 0;
    for (let idx = 0; idx < d.nTrain * nL; idx++) {
      const e = z[idx] - y[idx];
      del[idx] = e;
      s += e * e;
    }
    return 0.5 * s;
  }

  /** One gradient-descent step from the residual in `del`. */
  step(d: DecodedTrain): void {
    const wd = d.widths;
    const N = d.nTrain;
    for (let m = wd.length - 1; m >= 1; m--) {
      const nn = wd[m], np = wd[m - 1];
      const gb = this.gb, del = this.del;
      gb.fill(0, 0, nn);
      for (let r = 0; r < N; r++) {
        for (let i = 0; i < nn; i++) gb[i] += del[r * nn + i];
      }
      if (m > 1) {
        const del2 = this.del2;
        gemmNT(N, np, nn, del, 0, nn, this.wt[m], 0, nn, del2, 0, np);
        const d1 = this.d1[m - 1];
        for (let idx = 0; idx < N * np; idx++) del2[idx] *= d1[idx];
      }
      const cb = d.eta * d.lb[m - 1];
      const cw = d.eta * (d.lw[m - 1] / np);
      const b = this.b[m];
      for (let i = 0; i < nn; i++) b[i] -= cb * gb[i];
      update(nn, np, N, del, this.a[m - 1], cw, this.w[m]);
      if (m >= 2) transpose(nn, np, this.w[m], 0, np, this.wt[m], 0, nn);
      const t = this.del;
      this.del = this.del2;
      this.del2 = t;
    }
  }

  /** Θ̂_{(iδ),(jδ')} for i, j < k over all P inputs into out[o … o + (kP)²). */
  ntk(d: DecodedTrain, out: Float64Array, o: number): void {
    const wd = d.widths;
    const L = wd.length - 1;
    const P = d.nTrain + d.nTest, k = d.k;
    const kp = k * P;
    out.fill(0, o, o + kp * kp);
    const sg = this.sg, gk = this.gk;
    for (let m = L; m >= 1; m--) {
      const np = wd[m - 1];
      gemmNT(P, P, np, this.a[m - 1], 0, np, this.a[m - 1], 0, np, sg, 0, P);
      const lb = d.lb[m - 1], mu = d.lw[m - 1] / np;
      if (m === L) {
        for (let i = 0; i < k; i++) {
          for (let a = 0; a < P; a++) {
            for (let e = 0; e < P; e++) out[o + (i * P + a) * kp + i * P + e] += lb + mu * sg[a * P + e];
          }
        }
      } else {
        const n = wd[m];
        gemmNT(kp, kp, n, this.nd, 0, n, this.nd, 0, n, gk, 0, kp);
        for (let u = 0; u < kp; u++) {
          const a = u % P;
          for (let v = 0; v < kp; v++) out[o + u * kp + v] += gk[u * kp + v] * (lb + mu * sg[a * P + (v % P)]);
        }
      }
      if (m > 1) {
        const d1 = this.d1[m - 1];
        if (m === L) {
          const wl = this.w[L], nd = this.nd;
          for (let i = 0; i < k; i++) {
            for (let a = 0; a < P; a++) {
              for (let j = 0; j < np; j++) nd[(i * P + a) * np + j] = wl[i * np + j] * d1[a * np + j];
            }
          }
        } else {
          const nd2 = this.nd2;
          gemmNT(kp, np, wd[m], this.nd, 0, wd[m], this.wt[m], 0, wd[m], nd2, 0, np);
          for (let u = 0; u < kp; u++) {
            const a = u % P;
            for (let j = 0; j < np; j++) nd2[u * np + j] *= d1[a * np + j];
          }
          this.nd2 = this.nd;
          this.nd = nd2;
        }
      }
    }
  }

  private writeRecord(d: DecodedTrain, lay: TrainLayout, ri: number, loss: number, rec: Float64Array, o: number): void {
    const L = d.widths.length - 1;
    const nL = d.widths[L];
    const z = this.z[L];
    const nt = d.nTrain * nL, ns = d.nTest * nL;
    rec[o + lay.lossRec + ri] = loss;
    rec.set(z.subarray(0, nt), o + lay.zTrain + ri * nt);
    rec.set(z.subarray(nt, nt + ns), o + lay.zTest + ri * ns);
  }

  /** Trains network `index` and writes its record into rec[o … o + lay.len). */
  train(d: DecodedTrain, act: Activation, seed: number, lay: TrainLayout, index: number, rec: Float64Array, o: number): void {
    this.draw(d, seed, index);
    this.a[0].set(d.x);
    const N = d.nTrain, P = d.nTrain + d.nTest;
    const R = d.record.length;
    let halfY2 = 0;
    for (let i = 0; i < d.y.length; i++) halfY2 += d.y[i] * d.y[i];
    halfY2 *= 0.5;
    let bound = Infinity;
    let ri = 0;
    for (let t = 0; ; t++) {
      this.forward(d, act, 0, N);
      const loss = this.residual(d);
      if (t === 0) bound = d.blowup * (loss + halfY2);
      const diverged = !(loss <= bound);
      const converged = !diverged && loss < d.tol;
      const stop = diverged || converged || t === d.steps;
      const recording = ri < R && d.record[ri] === t;
      if (t === 0 || (stop && !diverged) || recording) this.forward(d, act, N, P);
      if (t === 0 && d.k > 0) this.ntk(d, rec, o + lay.ntk0);
      if (diverged) {
        rec[o + SLOT.stop] = t;
        rec[o + SLOT.status] = STATUS.diverged;
        rec[o + SLOT.loss] = loss;
        rec.fill(NaN, o + lay.curve + Math.ceil(t / d.stride), o + lay.curve + lay.curveLen);
        rec.fill(NaN, o + lay.lossRec + ri, o + lay.lossRec + R);
        const nL = d.widths[d.widths.length - 1];
        const nt = N * nL, ns = d.nTest * nL;
        rec.fill(NaN, o + lay.zTrain + ri * nt, o + lay.zTrain + R * nt);
        rec.fill(NaN, o + lay.zTest + ri * ns, o + lay.zTest + R * ns);
        rec.fill(NaN, o + lay.ntk1, o + lay.len);
        return;
      }
      if (t % d.stride === 0) rec[o + lay.curve + t / d.stride] = loss;
      if (recording) this.writeRecord(d, lay, ri++, loss, rec, o);
      if (stop) {
        rec[o + SLOT.stop] = t;
        rec[o + SLOT.status] = converged ? STATUS.converged : STATUS.ran;
        rec[o + SLOT.loss] = loss;
        rec.fill(loss, o + lay.curve + Math.floor(t / d.stride) + 1, o + lay.curve + lay.curveLen);
        while (ri < R) this.writeRecord(d, lay, ri++, loss, rec, o);
        if (d.k > 0) this.ntk(d, rec, o + lay.ntk1);
        return;
      }
      this.step(d);
    }
  }
}

/**
 * W ← W − c·g with g_ij = Σ_α u_αi v_αj (α increasing, from 0), for W (m × n), u (k × m), v (k × n)
 * dense row-major: the weight gradient Δᵀ A applied without storing it (twin of `update` in Rust).
 */
export function update(m: number, n: number, k: number, u: Float64Array, v: Float64Array, c: number, w: Float64Array): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      let g = 0;
      for (let a = 0; a < k; a++) g += u[a * m + i] * v[a * n + j];
      w[row + j] -= c * g;
    }
  }
}

function trainShapeKey(d: DecodedTrain): string {
  return `${d.widths.join(',')}|${d.nTrain}|${d.nTest}|${d.k}`;
}

let cached: TrainWorkspace | null = null;

/** The builtin activation of a (kind, parameter) pair from a config. */
export function builtinActivation(kind: number, a: number): Activation {
  const name = activationName(kind);
  const info = Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!info) throw bad('activation kind', kind, 'a builtin kind code (see ACTIVATIONS)');
  return parseActivation(info.parameter ? { name, [info.parameter]: a } : name);
}

/**
 * Trains networks first … first+count−1 (network i from `new Rng(seed, i)`) and WRITES their
 * records, one after the other, into `out` — the twin of the wasm export `wf_train_chunk`.
 *
 * @param activation overrides the config's (kind, a), e.g. a custom σ (js backend only)
 * @throws InvalidParameterError for a malformed config, range or output buffer
 */
export function trainChunkJs(cfg: Float64Array, first: number, count: number, out: Float64Array, activation?: Activation): void {
  const d = decodeTrainConfig(cfg, activation !== undefined);
  const lay = trainLayout(d);
  if (!isInt(first, 0, LIMIT)) throw new InvalidParameterError('first', first, 'an integer in 0 … 2^53');
  if (!isInt(count, 0, TWO32 - 1) || first + count > LIMIT) throw new InvalidParameterError('count', count, 'an integer ≥ 0 with first + count ≤ 2^53');
  if (!(out instanceof Float64Array) || out.length < count * lay.len) throw new InvalidParameterError('out', out, `a Float64Array of at least ${count * lay.len} values`);
  const act = activation ?? builtinActivation(d.kind, d.a);
  const seed = d.seedLo + d.seedHi * TWO32;
  if (seed > Number.MAX_SAFE_INTEGER) throw bad('seed', seed, 'below 2^53 for the js backend');
  if (!cached || cached.key !== trainShapeKey(d)) {
    cached = null;
    cached = new TrainWorkspace(d);
  }
  for (let i = 0; i < count; i++) {
    out.fill(0, i * lay.len, (i + 1) * lay.len);
    cached.train(d, act, seed, lay, first + i, out, i * lay.len);
  }
}

/** Drops the cached workspaces of the js twin and, when given, of a wasm core (`wf_train_release`). */
export function releaseTrainWorkspace(core?: { call(name: string, ...args: number[]): number }): void {
  cached = null;
  core?.call('wf_train_release');
}

/** Thrown when `wf_train_chunk` reports a nonzero status (should not happen after packTrainConfig). */
export class TrainStatusError extends WideflowError {
  override name = 'TrainStatusError';
  constructor(readonly status: number) {
    super(`wideflow: wf_train_chunk failed with status ${status} (${TRAIN_STATUS[status] ?? 'unknown status'})`);
  }
}
