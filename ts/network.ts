/**
 * Sampled networks: the per-network values of z, Ĥ, dĤ, dd_IĤ, dd_IIĤ that the ensemble estimators
 * average — the pure-TypeScript twin of `crates/core/src/network.rs` (same algorithm, same
 * floating-point operations in the same order, so the two agree bit for bit whenever σ and the RNG
 * do; the derivation is in the Rust module docs).
 *
 * Network (single input x ∈ R^{n₀}): z⁽¹⁾ = b⁽¹⁾ + W⁽¹⁾x, z⁽ᵐ⁺¹⁾ = b⁽ᵐ⁺¹⁾ + W⁽ᵐ⁺¹⁾σ(z⁽ᵐ⁾),
 * W⁽ᵐ⁾ ~ N(0, C_W⁽ᵐ⁾/n_{m−1}), b⁽ᵐ⁾ ~ N(0, C_b⁽ᵐ⁾). Metric λ: λ_b⁽ᵐ⁾ on b⁽ᵐ⁾, μ_m ≡ λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾.
 * With v_i ≡ λ∇z_i and Dᵏz[u₁,…] the k-th directional derivative in parameter space:
 *   Ĥ_ab = Dz_a[v_b],  dĤ_abc = D²z_a[v_b, v_c],  dd_IĤ_abcd = D³z_a[v_b, v_c, v_d],
 *   dd_IIĤ_abcd = ⟨Hess(z_a)v_c, Hess(z_b)v_d⟩_λ (placement A, recursions.md §1.3).
 *
 * Cost per network: for every layer ℓ, O(k_ℓ²·ℓ·n²) — each matrix of layers below ℓ is applied to
 * k + k(k+1)/2 + k(k−1) stacked forward directions and to k + k² backward rows at order 3.
 */
import { ACTIVATIONS, activationName, Branch, parseActivation, type Activation } from './activation.js';
import { registerWarmUp } from './backend.js';
import { InvalidParameterError, WideflowError } from './errors.js';
import { dot, gemmNT, gemv, transpose } from './gemm.js';
import { Rng } from './rng.js';

/** Number of per-network values per layer. */
export const NQ = 17;

/**
 * Indices of the per-network values of one layer: means over the first k_ℓ neurons a of layer ℓ, or
 * over the k(k−1) ordered pairs a ≠ b of them.
 */
export const Q = {
  /** mean_a z_a² */
  zz: 0,
  /** mean_{a≠b} z_a² z_b² */
  zzzz: 1,
  /** mean_a Ĥ_aa */
  h: 2,
  /** mean_{a≠b} Ĥ_aa Ĥ_bb */
  hh: 3,
  /** mean_{a≠b} Ĥ_aa z_b² */
  hzz: 4,
  /** mean_{a≠b} Ĥ_ab² */
  hab2: 5,
  /** mean_{a≠b} Ĥ_ab z_a z_b */
  hzzab: 6,
  /** mean_{a≠b} dĤ_abb z_a */
  P: 7,
  /** mean_{a≠b} dĤ_aab z_b */
  Q: 8,
  /** mean_{a≠b} dd_IĤ_aabb */
  R: 9,
  /** mean_{a≠b} dd_IIĤ_aabb */
  S: 10,
  /** mean_{a≠b} dd_IIĤ_abab */
  T: 11,
  /** mean_{a≠b} dd_IIĤ_abba */
  U: 12,
  /** mean_{a≠b} dĤ_aab z_a (expectation 0: a null test) */
  Qnull: 13,
  /** E[z_a² | layers < ℓ] = C_b + C_W|σ(z⁽ℓ⁻¹⁾)|²/n_{ℓ−1}: Rao–Blackwellized z moments (see network.rs) */
  zzc: 14,
  /** zzc² */
  zzc2: 15,
  /** (mean_a Ĥ_aa)·zzc */
  hzzc: 16,
} as const;

/** Status codes of the wasm export `wf_ensemble_chunk` (0 = success), with what they mean. */
export const CHUNK_STATUS: Readonly<Record<number, string>> = {
  [-1]: 'config length or depth L invalid (length must be 7 + 6L + n₀)',
  [-2]: 'a width is not an integer in 1 … 2^24',
  [-3]: 'C_b or C_W negative or not finite, or a learning rate not finite',
  [-4]: 'unknown activation kind or non-finite activation parameter',
  [-5]: 'order not in 0 … 3',
  [-6]: 'seed halves not integers in 0 … 2^32 − 1',
  [-7]: 'some k_ℓ not an integer in 2 … n_ℓ',
  [-8]: 'the input x has a non-finite entry',
  [-9]: 'first not an integer ≥ 0, or first + count > 2^53',
  [-10]: 'the workspace could not be allocated',
  [-11]: 'a null buffer pointer',
};

const MAX_DEPTH = 4096;
const MAX_WIDTH = 1 << 24;
const TWO32 = 4294967296;
const LIMIT = 9007199254740992; // 2^53: network indices stay exact in an f64

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

const isInt = (v: unknown, lo: number, hi: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/**
 * Packs a network config into the flat Float64Array that `wf_ensemble_chunk` and
 * {@link ensembleChunkJs} read (validating every field; throws InvalidParameterError):
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

/** A decoded config buffer. */
interface Decoded {
  widths: number[];
  cb: number[];
  cw: number[];
  lb: number[];
  lw: number[];
  kind: number;
  a: number;
  order: number;
  seedLo: number;
  seedHi: number;
  neurons: number[];
  x: Float64Array;
}

const bad = (what: string, v: unknown, allowed: string) => new InvalidParameterError(`config ${what}`, v, allowed);

/** Decodes and validates a config buffer with the rules of the Rust export (throws on a malformed one). */
function decode(cfg: Float64Array, customKind: boolean): Decoded {
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
  const cb: number[] = [], cw: number[] = [], lb: number[] = [], lw: number[] = [];
  for (let l = 0; l < L; l++) {
    const [b, w, x, y] = [cfg[oh + 4 * l], cfg[oh + 4 * l + 1], cfg[oh + 4 * l + 2], cfg[oh + 4 * l + 3]];
    if (!(Number.isFinite(b) && b >= 0 && Number.isFinite(w) && w >= 0 && Number.isFinite(x) && Number.isFinite(y))) {
      throw bad(`hyperparameters of layer ${l + 1}`, [b, w, x, y], 'C_b, C_W finite ≥ 0 and finite learning rates');
    }
    cb.push(b); cw.push(w); lb.push(x); lw.push(y);
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
  return { widths, cb, cw, lb, lw, kind, a, order, seedLo, seedHi, neurons, x };
}

/** The number of stacked direction rows for k neurons at `order`. */
const stackRows = (k: number, order: number) => k + (order >= 2 ? (k * (k + 1)) / 2 : 0) + (order >= 3 ? k * (k - 1) : 0);

const f64 = (n: number) => new Float64Array(n);

/** All buffers of one config shape (reused while the shape does not change). */
class Work {
  readonly key: string;
  readonly w: Float64Array[] = [f64(0)];
  readonly wt: Float64Array[] = [f64(0)]; // W⁽ᵐ⁾ᵀ for 2 ≤ m ≤ L−1
  readonly bias: Float64Array[] = [f64(0)];
  readonly z: Float64Array[] = [f64(0)];
  readonly s0: Float64Array[]; // σ, σ′, σ″, σ‴ at layer m < L (s0[0] = x)
  readonly s1: Float64Array[] = [f64(0)];
  readonly s2: Float64Array[] = [f64(0)];
  readonly s3: Float64Array[] = [f64(0)];
  readonly c: Float64Array; // c_m = λ_b⁽ᵐ⁾ + μ_m |s⁽ᵐ⁻¹⁾|²
  readonly mu: Float64Array; // μ_m = λ_W⁽ᵐ⁾ / n_{m−1}
  readonly zzc: Float64Array; // E[z_a² | layers < m] = C_b⁽ᵐ⁾ + C_W⁽ᵐ⁾|s⁽ᵐ⁻¹⁾|²/n_{m−1}
  readonly rho: Float64Array[] = [f64(0)];
  readonly delta: Float64Array[] = [f64(0)];
  readonly zd: Float64Array[] = [f64(0)];
  readonly gamma: Float64Array[];
  readonly sig: Float64Array[];
  readonly gram: Float64Array[];
  readonly stk: Float64Array;
  readonly xs: Float64Array;
  readonly tau: Float64Array;
  readonly eye: Float64Array;
  dd0: Float64Array;
  dd1: Float64Array;
  readonly rhod: Float64Array;
  readonly pidx: Int32Array;
  readonly tidx: Int32Array;
  readonly acc: Float64Array;
  readonly d4 = f64(4);

  constructor(readonly cfg: Decoded) {
    const { widths: w, order, neurons } = cfg;
    const L = w.length - 1;
    this.key = shapeKey(cfg);
    const kmax = Math.max(...neurons);
    let nh = 0;
    for (let m = 0; m < L; m++) nh = Math.max(nh, w[m]);
    const r = stackRows(kmax, order);
    this.s0 = [f64(w[0])];
    this.c = f64(L + 1);
    this.mu = f64(L + 1);
    this.zzc = f64(L + 1);
    this.gamma = [f64(kmax * kmax)];
    this.sig = [f64(kmax)];
    this.gram = [f64(kmax * kmax)];
    for (let m = 1; m <= L; m++) {
      const n = w[m], np = w[m - 1];
      this.w.push(f64(n * np));
      this.wt.push(f64(order >= 1 && m >= 2 && m < L ? n * np : 0));
      this.bias.push(f64(n));
      this.z.push(f64(n));
      const hidden = m < L ? n : 0;
      this.s0.push(f64(hidden));
      this.s1.push(f64(hidden));
      this.s2.push(f64(hidden));
      this.s3.push(f64(hidden));
      const kn = m < L && order >= 1 ? kmax * n : 0;
      this.rho.push(f64(kn));
      this.delta.push(f64(kn));
      this.zd.push(f64(kn));
      this.gamma.push(f64(kmax * kmax));
      this.sig.push(f64(kmax));
      this.gram.push(f64(kmax * kmax));
    }
    this.stk = f64(r * nh);
    this.xs = f64(r * Math.max(nh, kmax));
    this.tau = f64((kmax * (kmax + 1)) / 2);
    this.eye = f64(kmax * kmax);
    const kkn = order >= 3 ? kmax * kmax * nh : 0;
    this.dd0 = f64(kkn);
    this.dd1 = f64(kkn);
    this.rhod = f64(kkn);
    this.pidx = new Int32Array(kmax * kmax);
    this.tidx = new Int32Array(kmax * kmax);
    this.acc = f64(3 * kmax * kmax);
  }

  /** Samples network `index` and adds its NQ values per layer to `out`. */
  network(cfg: Decoded, act: Activation, seed: number, index: number, out: Float64Array, v: Float64Array): void {
    const wd = cfg.widths;
    const L = wd.length - 1;
    const rng = new Rng(seed, index);
    for (let m = 1; m <= L; m++) {
      rng.fillNormal(this.w[m], Math.sqrt(cfg.cw[m - 1] / wd[m - 1]));
      rng.fillNormal(this.bias[m], Math.sqrt(cfg.cb[m - 1]));
    }
    this.s0[0].set(cfg.x);
    const d = this.d4;
    for (let m = 1; m <= L; m++) {
      const n = wd[m], np = wd[m - 1];
      const z = this.z[m], b = this.bias[m];
      gemv(n, np, this.w[m], 0, np, this.s0[m - 1], 0, z, 0);
      for (let i = 0; i < n; i++) z[i] += b[i];
      if (m < L) {
        const s0 = this.s0[m], s1 = this.s1[m], s2 = this.s2[m], s3 = this.s3[m];
        for (let i = 0; i < n; i++) {
          act.evalBranch(z[i], Branch.Pointwise, d);
          s0[i] = d[0];
          s1[i] = d[1];
          s2[i] = d[2];
          s3[i] = d[3];
        }
      }
      const ss = dot(this.s0[m - 1], 0, this.s0[m - 1], 0, np);
      this.mu[m] = cfg.lw[m - 1] / np;
      this.c[m] = cfg.lb[m - 1] + this.mu[m] * ss;
      this.zzc[m] = cfg.cb[m - 1] + (cfg.cw[m - 1] * ss) / np;
    }
    if (cfg.order >= 1) {
      for (let m = 2; m < L; m++) transpose(wd[m], wd[m - 1], this.w[m], 0, wd[m - 1], this.wt[m], 0, wd[m]);
    }
    for (let t = 1; t <= L; t++) {
      this.layer(cfg, t, v);
      for (let i = 0; i < NQ; i++) out[(t - 1) * NQ + i] += v[i];
    }
  }

  /** The NQ values of layer `l` of the current network. */
  private layer(cfg: Decoded, l: number, v: Float64Array): void {
    const k = cfg.neurons[l - 1];
    const order = cfg.order;
    const wd = cfg.widths;
    const np = k * (k - 1);
    v.fill(0);
    const z = this.z[l];
    {
      let s = 0;
      for (let a = 0; a < k; a++) s += z[a] * z[a];
      v[Q.zz] = s / k;
      s = 0;
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) if (a !== b) s += z[a] * z[a] * (z[b] * z[b]);
      }
      v[Q.zzzz] = s / np;
      v[Q.zzc] = this.zzc[l];
      v[Q.zzc2] = this.zzc[l] * this.zzc[l];
    }
    if (order === 0) return;

    // 1. back-propagation: ρ⁽ᵐ⁾, δ⁽ᵐ⁾ (and γ⁽ᵐ⁾) for m = ℓ−1 … 1
    for (let m = l - 1; m >= 1; m--) {
      const n = wd[m];
      const rho = this.rho[m], delta = this.delta[m], s1 = this.s1[m];
      if (m === l - 1) rho.set(this.w[l].subarray(0, k * n));
      else {
        const nn = wd[m + 1];
        gemmNT(k, n, nn, this.delta[m + 1], 0, nn, this.wt[m + 1], 0, nn, rho, 0, n);
      }
      for (let b = 0; b < k; b++) {
        for (let j = 0; j < n; j++) delta[b * n + j] = rho[b * n + j] * s1[j];
      }
      if (order >= 3) {
        const gam = this.gamma[m];
        for (let a = 0; a < k; a++) {
          for (let b = a; b < k; b++) {
            const g = dot(delta, a * n, delta, b * n, n);
            gam[a * k + b] = g;
            gam[b * k + a] = g;
          }
        }
      }
    }

    // 2. forward jets through layers 1 … ℓ
    const p2 = order >= 2 ? (k * (k + 1)) / 2 : 0;
    const t3 = order >= 3 ? k * (k - 1) : 0;
    const r = k + p2 + t3;
    const { pidx, tidx, eye, xs, tau } = this;
    {
      let p = 0;
      for (let b = 0; b < k; b++) {
        for (let c = b; c < k; c++) {
          pidx[b * k + c] = p;
          pidx[c * k + b] = p;
          p++;
        }
      }
      let t = 0;
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) if (a !== b) tidx[a * k + b] = t++;
      }
      eye.fill(0, 0, k * k);
      for (let a = 0; a < k; a++) eye[a * k + a] = 1;
    }
    for (let m = 0; m < l; m++) {
      const nm = wd[m];
      const nn = m + 1 === l ? k : wd[m + 1];
      if (m === 0) {
        xs.fill(0, 0, r * nn);
        tau.fill(0, 0, p2);
      } else {
        this.buildStack(m, k, p2, t3);
        gemmNT(r, nn, nm, this.stk, 0, nm, this.w[m + 1], 0, nm, xs, 0, nn);
      }
      // rank-one terms of the new layer's weights and the bias/|s|² term
      const mu = this.mu[m + 1], c = this.c[m + 1];
      const del = m + 1 === l ? eye : this.delta[m + 1];
      const sig = this.sig[m];
      for (let b = 0; b < k; b++) {
        for (let j = 0; j < nn; j++) xs[b * nn + j] += c * del[b * nn + j];
      }
      if (order >= 2) {
        for (let b = 0; b < k; b++) {
          for (let cc = b; cc < k; cc++) {
            const row = (k + pidx[b * k + cc]) * nn;
            const sb = sig[b], sc = sig[cc];
            for (let j = 0; j < nn; j++) xs[row + j] += mu * (del[b * nn + j] * sc + del[cc * nn + j] * sb);
          }
        }
      }
      if (order >= 3) {
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            if (a === b) continue;
            const row = (k + p2 + tidx[a * k + b]) * nn;
            const tbb = tau[pidx[b * k + b]], tab = tau[pidx[a * k + b]];
            for (let j = 0; j < nn; j++) xs[row + j] += mu * (del[a * nn + j] * tbb + 2 * del[b * nn + j] * tab);
          }
        }
      }
      if (m + 1 < l) this.zd[m + 1].set(xs.subarray(0, k * nn));
    }

    // statistics of Ĥ, dĤ, dd_IĤ (the jets now hold k components each); Ĥ_ab = xs[b·k + a]
    let s = 0;
    for (let a = 0; a < k; a++) s += xs[a * k + a];
    v[Q.h] = s / k;
    v[Q.hzzc] = v[Q.h] * this.zzc[l];
    let shh = 0, shzz = 0, shab2 = 0, shzzab = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        if (a === b) continue;
        const haa = xs[a * k + a], hbb = xs[b * k + b], hab = xs[b * k + a];
        shh += haa * hbb;
        shzz += haa * (z[b] * z[b]);
        shab2 += hab * hab;
        shzzab += hab * z[a] * z[b];
      }
    }
    v[Q.hh] = shh / np;
    v[Q.hzz] = shzz / np;
    v[Q.hab2] = shab2 / np;
    v[Q.hzzab] = shzzab / np;
    if (order >= 2) {
      let sp = 0, sq = 0, sn = 0;
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          if (a === b) continue;
          const dabb = xs[(k + pidx[b * k + b]) * k + a]; // dĤ_abb
          const daab = xs[(k + pidx[a * k + b]) * k + a]; // dĤ_aab
          sp += dabb * z[a];
          sq += daab * z[b];
          sn += daab * z[a];
        }
      }
      v[Q.P] = sp / np;
      v[Q.Q] = sq / np;
      v[Q.Qnull] = sn / np;
    }
    if (order >= 3) {
      let sr = 0;
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) if (a !== b) sr += xs[(k + p2 + tidx[a * k + b]) * k + a];
      }
      v[Q.R] = sr / np;
      this.ddII(l, k, v, np);
    }
  }

  /** Stacked direction rows at layer m ≥ 1 (u̇_b, ü_bc, ü_abb) and the scalars σ⁽ᵐ⁾_b, τ_bc, G⁽ᵐ⁾_bd. */
  private buildStack(m: number, k: number, p2: number, t3: number): void {
    const n = this.cfg.widths[m];
    const s0 = this.s0[m], s1 = this.s1[m], s2 = this.s2[m], s3 = this.s3[m];
    const { zd: zds, xs, stk, pidx, tidx, tau } = this;
    const zd = zds[m], sig = this.sig[m], gram = this.gram[m];
    for (let b = 0; b < k; b++) {
      for (let j = 0; j < n; j++) stk[b * n + j] = s1[j] * zd[b * n + j];
      sig[b] = dot(s0, 0, stk, b * n, n);
    }
    if (t3 > 0) {
      for (let b = 0; b < k; b++) {
        for (let d = b; d < k; d++) {
          const g = dot(stk, b * n, stk, d * n, n);
          gram[b * k + d] = g;
          gram[d * k + b] = g;
        }
      }
    }
    if (p2 > 0) {
      for (let b = 0; b < k; b++) {
        for (let c = b; c < k; c++) {
          const p = pidx[b * k + c];
          const row = (k + p) * n;
          for (let j = 0; j < n; j++) stk[row + j] = s2[j] * zd[b * n + j] * zd[c * n + j] + s1[j] * xs[row + j];
          tau[p] = dot(s0, 0, stk, row, n);
        }
      }
    }
    if (t3 > 0) {
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          if (a === b) continue;
          const row = (k + p2 + tidx[a * k + b]) * n;
          const rab = (k + pidx[a * k + b]) * n;
          const rbb = (k + pidx[b * k + b]) * n;
          for (let j = 0; j < n; j++) {
            const za = zd[a * n + j], zb = zd[b * n + j];
            stk[row + j] = s3[j] * za * zb * zb + s2[j] * (2 * xs[rab + j] * zb + xs[rbb + j] * za) + s1[j] * xs[row + j];
          }
        }
      }
    }
  }

  /** dd_IIĤ_aabb, dd_IIĤ_abab, dd_IIĤ_abba averaged over ordered pairs a ≠ b (reverse sweep). */
  private ddII(l: number, k: number, v: Float64Array, np: number): void {
    const wd = this.cfg.widths;
    const kk = k * k;
    const acc = this.acc;
    const gtop = this.gram[l - 1];
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        acc[3 * (a * k + b)] = this.mu[l] * gtop[b * k + b];
        acc[3 * (a * k + b) + 1] = 0;
        acc[3 * (a * k + b) + 2] = 0;
      }
    }
    let cur = this.dd0, prev = this.dd1;
    const rhod = this.rhod;
    for (let m = l - 1; m >= 1; m--) {
      const n = wd[m];
      const top = m + 1 === l;
      if (!top) {
        const nn = wd[m + 1];
        gemmNT(kk, n, nn, prev, 0, nn, this.wt[m + 1], 0, nn, rhod, 0, n);
      }
      const s0 = this.s0[m], s1 = this.s1[m], s2 = this.s2[m];
      const rho = this.rho[m], zd = this.zd[m], delta = this.delta[m];
      const gnext = top ? this.eye : this.gamma[m + 1];
      const mun = this.mu[m + 1];
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          const row = (a * k + b) * n;
          const coef = mun * gnext[a * k + b];
          for (let j = 0; j < n; j++) {
            const r = top ? 0 : rhod[row + j];
            cur[row + j] = s2[j] * zd[b * n + j] * rho[a * n + j] + s1[j] * (r + coef * s0[j]);
          }
        }
      }
      const c = this.c[m], mu = this.mu[m];
      const sig = this.sig[m - 1], g = this.gram[m - 1], gam = this.gamma[m];
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          if (a === b) continue;
          const i = 3 * (a * k + b);
          const ab = (a * k + b) * n, ba = (b * k + a) * n, aa = (a * k + a) * n, bb = (b * k + b) * n;
          const da = a * n, db = b * n;
          const d1 = dot(cur, ab, cur, ab, n);
          const e1 = dot(cur, ab, delta, da, n);
          acc[i] += c * d1 + mu * (2 * e1 * sig[b] + gam[a * k + a] * g[b * k + b]);
          const d2 = dot(cur, aa, cur, bb, n);
          const e2 = dot(cur, aa, delta, db, n);
          const e3 = dot(cur, bb, delta, da, n);
          acc[i + 1] += c * d2 + mu * (e2 * sig[b] + e3 * sig[a] + gam[a * k + b] * g[a * k + b]);
          const d3 = dot(cur, ab, cur, ba, n);
          const e4 = dot(cur, ab, delta, db, n);
          const e5 = dot(cur, ba, delta, da, n);
          acc[i + 2] += c * d3 + mu * (e4 * sig[a] + e5 * sig[b] + gam[a * k + b] * g[b * k + a]);
        }
      }
      const t = cur;
      cur = prev;
      prev = t;
    }
    let s = 0, t = 0, u = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        if (a === b) continue;
        const i = 3 * (a * k + b);
        s += acc[i];
        t += acc[i + 1];
        u += acc[i + 2];
      }
    }
    v[Q.S] = s / np;
    v[Q.T] = t / np;
    v[Q.U] = u / np;
  }
}

function shapeKey(c: Decoded): string {
  return `${c.widths.join(',')}|${c.neurons.join(',')}|${c.order}`;
}

// One cached workspace, as the Rust side keeps one per thread.
let cached: Work | null = null;

/**
 * Samples networks first … first+count−1 (network i uses `new Rng(seed, i)`) and WRITES
 * out[(ℓ−1)·NQ + q] = Σ over those networks of per-network value q (see {@link Q}) of layer ℓ,
 * summed in index order from 0 — the twin of the wasm export `wf_ensemble_chunk`.
 *
 * @param cfg a config from {@link packConfig}
 * @param activation overrides the config's (kind, a): e.g. a custom σ (the config's kind may then be
 *   any number, conventionally negative), which only this JS twin can evaluate
 * @throws InvalidParameterError for a malformed config or chunk range
 */
export function ensembleChunkJs(cfg: Float64Array, first: number, count: number, out: Float64Array, activation?: Activation): void {
  const d = decode(cfg, activation !== undefined);
  const L = d.widths.length - 1;
  if (!isInt(first, 0, LIMIT)) throw new InvalidParameterError('first', first, 'an integer in 0 … 2^53');
  if (!isInt(count, 0, TWO32 - 1) || first + count > LIMIT) {
    throw new InvalidParameterError('count', count, 'an integer ≥ 0 with first + count ≤ 2^53');
  }
  if (!(out instanceof Float64Array) || out.length < L * NQ) throw new InvalidParameterError('out', out, `a Float64Array of at least ${L * NQ} values`);
  const act = activation ?? builtin(d.kind, d.a);
  // the seed halves are < 2^32 each (checked); the TS RNG takes seeds below 2^53
  const seed = d.seedLo + d.seedHi * TWO32;
  if (seed > Number.MAX_SAFE_INTEGER) throw bad('seed', seed, 'below 2^53 for the js backend');
  if (!cached || cached.key !== shapeKey(d)) {
    cached = null; // let the old workspace go before allocating the new one
    cached = new Work(d);
  }
  const work = cached;
  out.fill(0, 0, L * NQ);
  const v = new Float64Array(NQ);
  for (let i = 0; i < count; i++) work.network(d, act, seed, first + i, out, v);
}

/**
 * Drops the cached workspaces of the js twin and, when given, of a wasm core (`wf_ensemble_release`),
 * e.g. after a run with many probed neurons, whose workspace grows like k_ℓ²·n.
 */
export function releaseNetworkWorkspace(core?: { call(name: string, ...args: number[]): number }): void {
  cached = null;
  core?.call('wf_ensemble_release');
}

/** The builtin activation of a (kind, parameter) pair from a config. */
function builtin(kind: number, a: number): Activation {
  const name = activationName(kind);
  const info = Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!info) throw bad('activation kind', kind, 'a builtin kind code (see ACTIVATIONS)');
  return parseActivation(info.parameter ? { name, [info.parameter]: a } : name);
}

/** A readable message for a nonzero status of `wf_ensemble_chunk`. */
export function chunkStatusMessage(status: number): string {
  return `wideflow: wf_ensemble_chunk failed with status ${status} (${CHUNK_STATUS[status] ?? 'unknown status'})`;
}

/** Thrown when the wasm export reports a malformed config (should not happen after packConfig). */
export class ChunkStatusError extends WideflowError {
  override name = 'ChunkStatusError';
  constructor(readonly status: number) {
    super(chunkStatusMessage(status));
  }
}

// V8 runs the first long call of an export in its baseline tier (measured: the first chunk of
// width-256 networks ~3× slower); one tiny call at init starts the optimizing compile early.
registerWarmUp((core) => {
  try {
    const cfg = packConfig({
      widths: [4, 8, 8, 4], Cb: [0.1, 0.1, 0.1], CW: [1, 1, 1], lambdaB: [1, 1, 1], lambdaW: [1, 1, 1],
      kind: 3, a: 0, order: 3, seed: 0, neurons: [2, 2, 2], x: [1, 1, 1, 1],
    });
    const cb = core.allocF64(cfg);
    const ob = core.allocF64(3 * NQ);
    core.call('wf_ensemble_chunk', cb.ptr, cfg.length, 0, 1, ob.ptr);
    core.free(cb);
    core.free(ob);
  } catch {
    // an older artifact without the export: the first real call reports it
  }
});
