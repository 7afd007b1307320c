/**
 * Seeded, splittable random numbers, bit-identical to `crates/core/src/numerics/rng.rs`: xoshiro256++ seeded by
 * splitmix64 from (seed, stream), uniforms with 53 bits, normals by a 256-layer ziggurat whose tables
 * are computed at startup from two literal constants with `detExp`/`detLn` (built from +, −, ×, ÷
 * only, so every engine rounds them identically). 64-bit state arithmetic uses 32-bit halves; BigInt
 * appears only in the seeding.
 */
import { InvalidParameterError } from '../../api/errors.js';

const TWO_M53 = 1 / 9007199254740992;
const TWO_32 = 4294967296;
const ZIG_R = 3.654152885361009;
const ZIG_V = 0.004928673233974655;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const INV_LN2 = 1.4426950408889634;
const SQRT_2 = 1.4142135623730951;

const bitsView = new DataView(new ArrayBuffer(8));

/** 2^k for |k| ≤ 1023, from its IEEE bits. */
function pow2(k: number): number {
  bitsView.setUint32(0, (k + 1023) * 1048576, false);
  bitsView.setUint32(4, 0, false);
  return bitsView.getFloat64(0, false);
}

/**
 * e^x from +, −, ×, ÷ only: x = k ln2 + r (Cody–Waite), e^r = 1 + r(1 + r/2(1 + … (1 + r/14))), × 2^k.
 * ≤ 2 ulp for |x| < 700; identical bits to Rust's `det_exp`.
 */
export function detExp(x: number): number {
  if (x < -745) return 0;
  if (x > 709) return Infinity;
  const kf = Math.floor(x * INV_LN2 + 0.5);
  const r = x - kf * LN2_HI - kf * LN2_LO;
  let q = 1;
  for (let j = 14; j >= 1; j--) q = 1 + (r * q) / j;
  const k = kf | 0;
  const h = (k / 2) | 0;
  return q * pow2(h) * pow2(k - h);
}

/** ln x for normal x > 0 from +, −, ×, ÷ only: x = m·2^e, ln m = 2 atanh((m−1)/(m+1)); as Rust's `det_ln`. */
export function detLn(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return x;
  bitsView.setFloat64(0, x, false);
  const hi = bitsView.getUint32(0, false);
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  if (e === -1023) return detLn(x * 18014398509481984) - 54 * (LN2_HI + LN2_LO);
  bitsView.setUint32(0, (hi & 0x000fffff) | 0x3ff00000, false);
  let m = bitsView.getFloat64(0, false);
  if (m > SQRT_2) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let t = 1 / 23;
  for (let j = 21; j >= 1; j -= 2) t = 1 / j + s2 * t;
  return e * LN2_HI + (e * LN2_LO + 2 * s * t);
}

/** Ziggurat layer edges x[0] = V/f(R), x[1] = R, …, x[256] = 0 and f[i] = e^{−x[i]²/2}. */
export const ZIGGURAT: { x: Float64Array; f: Float64Array } = (() => {
  const x = new Float64Array(257);
  const f = new Float64Array(257);
  const fr = detExp(-0.5 * ZIG_R * ZIG_R);
  x[0] = ZIG_V / fr;
  f[0] = detExp(-0.5 * x[0] * x[0]);
  x[1] = ZIG_R;
  f[1] = fr;
  for (let i = 1; i < 255; i++) {
    x[i + 1] = Math.sqrt(-2 * detLn(ZIG_V / x[i] + f[i]));
    f[i + 1] = detExp(-0.5 * x[i + 1] * x[i + 1]);
  }
  x[256] = 0;
  f[256] = 1;
  return { x, f };
})();
const ZX = ZIGGURAT.x;
const ZF = ZIGGURAT.f;

const M64 = (1n << 64n) - 1n;
function splitmix64(state: { x: bigint }): bigint {
  state.x = (state.x + 0x9e3779b97f4a7c15n) & M64;
  let z = state.x;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

function checkIndex(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) {
    throw new InvalidParameterError(name, v, 'an integer in 0…2^53 − 1');
  }
  return v;
}

/**
 * xoshiro256++ stream `stream` under `seed` (both integers in 0…2^53 − 1): the same numbers as Rust's
 * `Rng::new(seed, stream)` and the wasm export `wf_rng_fill_normal`.
 */
export class Rng {
  // state words s0…s3 as (high, low) int32 halves
  private a0: number;
  private b0: number;
  private a1: number;
  private b1: number;
  private a2: number;
  private b2: number;
  private a3: number;
  private b3: number;
  /** High 32 bits (unsigned) of the last `nextHiLo()` draw. */
  hi = 0;
  /** Low 32 bits (unsigned) of the last `nextHiLo()` draw. */
  lo = 0;

  constructor(seed: number, stream: number) {
    checkIndex('seed', seed);
    checkIndex('stream', stream);
    const st = { x: BigInt(seed) ^ ((BigInt(stream) * 0xd1b54a32d192ed03n) & M64) };
    const w = [splitmix64(st), splitmix64(st), splitmix64(st), splitmix64(st)];
    const hi = (v: bigint) => Number(v >> 32n) | 0;
    const lo = (v: bigint) => Number(v & 0xffffffffn) | 0;
    this.a0 = hi(w[0]);
    this.b0 = lo(w[0]);
    this.a1 = hi(w[1]);
    this.b1 = lo(w[1]);
    this.a2 = hi(w[2]);
    this.b2 = lo(w[2]);
    this.a3 = hi(w[3]);
    this.b3 = lo(w[3]);
  }

  /** Advances the generator; the 64-bit output is left in `hi`, `lo` (unsigned 32-bit halves). */
  nextHiLo(): void {
    const a0 = this.a0,
      b0 = this.b0,
      a1 = this.a1,
      b1 = this.b1;
    let a2 = this.a2,
      b2 = this.b2,
      a3 = this.a3,
      b3 = this.b3;
    // result = rotl(s0 + s3, 23) + s0
    let sl = (b0 >>> 0) + (b3 >>> 0);
    const sh = (a0 + a3 + (sl > 0xffffffff ? 1 : 0)) | 0;
    sl |= 0;
    const rh = (sh << 23) | (sl >>> 9);
    const rl = (sl << 23) | (sh >>> 9);
    const ol = (rl >>> 0) + (b0 >>> 0);
    this.hi = (rh + a0 + (ol > 0xffffffff ? 1 : 0)) >>> 0;
    this.lo = ol >>> 0;
    // t = s1 << 17
    const th = (a1 << 17) | (b1 >>> 15);
    const tl = b1 << 17;
    a2 ^= a0;
    b2 ^= b0;
    a3 ^= a1;
    b3 ^= b1;
    this.a1 = a1 ^ a2;
    this.b1 = b1 ^ b2;
    this.a0 = a0 ^ a3;
    this.b0 = b0 ^ b3;
    this.a2 = a2 ^ th;
    this.b2 = b2 ^ tl;
    // s3 = rotl(s3, 45): swap halves, then rotate by 13
    this.a3 = (b3 << 13) | (a3 >>> 19);
    this.b3 = (a3 << 13) | (b3 >>> 19);
  }

  /** The next 64-bit output as a BigInt (convenience; not for hot loops). */
  nextU64(): bigint {
    this.nextHiLo();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Uniform in [0, 1) with 53 random bits (the top 53 bits of the draw). */
  uniform(): number {
    this.nextHiLo();
    return (this.hi * 2097152 + (this.lo >>> 11)) * TWO_M53;
  }

  /** One standard normal (ziggurat: layer from bits 0–7, sign from bit 8, abscissa from bits 11–63). */
  normal(): number {
    for (;;) {
      this.nextHiLo();
      const lo = this.lo;
      const i = lo & 0xff;
      const x = (this.hi * 2097152 + (lo >>> 11)) * TWO_M53 * ZX[i];
      if (x < ZX[i + 1]) return lo & 0x100 ? -x : x;
      const v = this.normalSlow(i, x);
      if (v !== null) return lo & 0x100 ? -v : v;
    }
  }

  private normalSlow(i: number, x: number): number | null {
    if (i === 0) {
      for (;;) {
        const a = -detLn(1 - this.uniform()) / ZIG_R;
        const b = -detLn(1 - this.uniform());
        if (b + b > a * a) return ZIG_R + a;
      }
    }
    const y = ZF[i] + this.uniform() * (ZF[i + 1] - ZF[i]);
    return y < detExp(-0.5 * x * x) ? x : null;
  }

  /** Fills out[offset … offset+length) with independent N(0, scale²) draws (scale × standard normal). */
  fillNormal(out: Float64Array, scale = 1, offset = 0, length = out.length - offset): void {
    const end = offset + length;
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && end <= out.length)) {
      throw new InvalidParameterError('fillNormal range', [offset, length], `inside the array of length ${out.length}`);
    }
    // The fast path of `normal()` with the state in locals (V8 keeps them in registers; ~3× faster
    // than going through the fields); the rare slow path syncs the state and calls `normal()`'s own.
    let a0 = this.a0,
      b0 = this.b0,
      a1 = this.a1,
      b1 = this.b1,
      a2 = this.a2,
      b2 = this.b2,
      a3 = this.a3,
      b3 = this.b3;
    for (let k = offset; k < end; k++) {
      let sl = (b0 >>> 0) + (b3 >>> 0);
      const sh = (a0 + a3 + (sl > 0xffffffff ? 1 : 0)) | 0;
      sl |= 0;
      const rh = (sh << 23) | (sl >>> 9);
      const rl = (sl << 23) | (sh >>> 9);
      const ol = (rl >>> 0) + (b0 >>> 0);
      const hi = (rh + a0 + (ol > 0xffffffff ? 1 : 0)) >>> 0;
      const lo = ol >>> 0;
      const th = (a1 << 17) | (b1 >>> 15);
      const tl = b1 << 17;
      a2 ^= a0;
      b2 ^= b0;
      a3 ^= a1;
      b3 ^= b1;
      a1 ^= a2;
      b1 ^= b2;
      a0 ^= a3;
      b0 ^= b3;
      a2 ^= th;
      b2 ^= tl;
      const t3 = a3;
      a3 = (b3 << 13) | (t3 >>> 19);
      b3 = (t3 << 13) | (b3 >>> 19);
      const i = lo & 0xff;
      const x = (hi * 2097152 + (lo >>> 11)) * TWO_M53 * ZX[i];
      if (x < ZX[i + 1]) {
        // x × (±1) is exactly ±x (also for 0); branch-free, since the sign bit is random
        out[k] = scale * (x * (1 - ((lo >>> 7) & 2)));
        continue;
      }
      this.a0 = a0;
      this.b0 = b0;
      this.a1 = a1;
      this.b1 = b1;
      this.a2 = a2;
      this.b2 = b2;
      this.a3 = a3;
      this.b3 = b3;
      let v = this.normalSlow(i, x);
      if (v !== null) v = lo & 0x100 ? -v : v;
      else v = this.normal();
      out[k] = scale * v;
      a0 = this.a0;
      b0 = this.b0;
      a1 = this.a1;
      b1 = this.b1;
      a2 = this.a2;
      b2 = this.b2;
      a3 = this.a3;
      b3 = this.b3;
    }
    this.a0 = a0;
    this.b0 = b0;
    this.a1 = a1;
    this.b1 = b1;
    this.a2 = a2;
    this.b2 = b2;
    this.a3 = a3;
    this.b3 = b3;
  }
}

/** (lo, hi) 32-bit halves of a seed in 0…2^53 − 1, as passed to the wasm exports. */
export function seedHalves(seed: number): [number, number] {
  checkIndex('seed', seed);
  return [seed % TWO_32, Math.floor(seed / TWO_32)];
}
