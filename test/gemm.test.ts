/**
 * The dense kernels (ts/gemm.ts and crates/core/src/gemm.rs): correct against naive loops, and the
 * TypeScript twin bit-identical to both wasm artifacts (SIMD and scalar), because all of them fix the
 * summation order of every element (see the module docs) and neither JS nor simd128 fuses a·b + c.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import { instantiate, type WasmCore } from '../bindings/core.js';
import { dgemm, dgemmNT, dgemv, dot, gemmNT, transpose } from '../ts/twin/numerics/gemm.js';
import { init, wasmCore } from '../ts/api/backend.js';

const wasmBytes = async (name: string) => (await readFile(new URL(`../wasm/${name}`, import.meta.url))) as unknown as Uint8Array<ArrayBuffer>;

/** Deterministic values in (−1, 1) whose products round (xorshift, not the library's RNG). */
function mat(len: number, seed: number): Float64Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1 + i * 1e-9;
  }
  return out;
}

/** The dot order written out plainly: even and odd lane sums, then the odd tail. */
function dotRef(a: Float64Array, ao: number, b: Float64Array, bo: number, k: number): number {
  let e = 0;
  let o = 0;
  for (let p = 0; p + 1 < k; p += 2) {
    e += a[ao + p] * b[bo + p];
    o += a[ao + p + 1] * b[bo + p + 1];
  }
  let s = e + o;
  if (k % 2) s += a[ao + k - 1] * b[bo + k - 1];
  return s;
}

const SIZES: Array<[number, number, number]> = [
  [1, 1, 1], [2, 3, 1], [3, 5, 7], [4, 4, 4], [5, 9, 2], [7, 1, 13], [8, 8, 64],
  [17, 13, 67], [67, 3, 33], [6, 67, 2], [33, 65, 17], [64, 67, 67], [67, 67, 67],
];

describe('pure-TypeScript kernels', () => {
  test('dgemm equals the naive i-k-j loop bit for bit at odd sizes 1 … 67', () => {
    for (const [m, n, k] of SIZES) {
      const a = mat(m * k, m), b = mat(k * n, n + 1), c = new Float64Array(m * n).fill(NaN);
      dgemm(m, n, k, a, b, c);
      const ref = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) ref[i * n + j] += a[i * k + p] * b[p * n + j];
      expect(c).toEqual(ref);
    }
  });

  test('dgemmNT and dgemv follow the dot order exactly', () => {
    for (const [m, n, k] of SIZES) {
      const a = mat(m * k, m + 7), b = mat(n * k, n + 9);
      const c = new Float64Array(m * n).fill(NaN);
      dgemmNT(m, n, k, a, b, c);
      const y = new Float64Array(m).fill(NaN);
      dgemv(m, k, a, b, y);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) expect(c[i * n + j]).toBe(dotRef(a, i * k, b, j * k, k));
        expect(y[i]).toBe(dotRef(a, i * k, b, 0, k));
        expect(dot(a, i * k, b, 0, k)).toBe(y[i]);
      }
    }
  });

  test('the products agree with compensated sums to rounding (the order is a choice, not an error)', () => {
    const [m, n, k] = [23, 31, 57];
    const a = mat(m * k, 3), b = mat(k * n, 4), c = new Float64Array(m * n);
    dgemm(m, n, k, a, b, c);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, comp = 0;
        for (let p = 0; p < k; p++) {
          const y = a[i * k + p] * b[p * n + j] - comp;
          const t = s + y;
          comp = t - s - y;
          s = t;
        }
        expect(Math.abs(c[i * n + j] - s)).toBeLessThanOrEqual(1e-14 * k);
      }
    }
  });

  test('offsets and leading dimensions address sub-blocks without touching the padding', () => {
    const [m, n, k, lda, ldb, ldc] = [5, 6, 7, 9, 11, 8];
    const a = mat(3 + m * lda, 5), b = mat(2 + n * ldb, 6), c = new Float64Array(1 + m * ldc).fill(-7);
    gemmNT(m, n, k, a, 3, lda, b, 2, ldb, c, 1, ldc);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < ldc; j++) {
        const got = c[1 + i * ldc + j];
        if (j < n) expect(got).toBe(dotRef(a, 3 + i * lda, b, 2 + j * ldb, k));
        else expect(got).toBe(-7);
      }
    }
    const t = new Float64Array(k * m);
    transpose(m, k, a, 3, lda, t, 0, m);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) expect(t[p * m + i]).toBe(a[3 + i * lda + p]);
  });
});

describe('TypeScript twin = wasm kernels', () => {
  let simd: WasmCore;
  let scalar: WasmCore;
  beforeAll(async () => {
    // the artifacts are named explicitly (not through the node entry's feature probe) so that this
    // file tests exactly the SIMD and the scalar kernels
    await init({ wasm: await wasmBytes('wideflow.simd.wasm') });
    simd = wasmCore('gemm test');
    scalar = await instantiate(await wasmBytes('wideflow.wasm'));
  });

  /** Runs a wasm export on copies of the inputs and returns its output. */
  function run(core: WasmCore, name: string, dims: number[], inputs: Float64Array[], outLen: number): Float64Array {
    const blocks = inputs.map((x) => core.allocF64(x));
    const out = core.allocF64(outLen);
    const status = core.call(name, ...dims, ...blocks.map((b) => b.ptr), out.ptr);
    expect(status).toBe(0);
    const r = core.readF64(out, outLen);
    for (const b of [...blocks, out]) core.free(b);
    return r;
  }

  test('the SIMD artifact is loaded (the SIMD kernels are what this compares)', () => {
    expect(simd.simd).toBe(true);
    expect(scalar.simd).toBe(false);
  });

  test('wf_dgemm, wf_dgemm_nt and wf_dgemv equal dgemm, dgemmNT and dgemv bit for bit at sizes 1 … 67', () => {
    for (const [m, n, k] of SIZES) {
      const a = mat(m * k, 2 * m + 1), b = mat(k * n, 3 * n + 2), bt = mat(n * k, 5 * n + k), x = mat(k, k);
      const c = new Float64Array(m * n), cnt = new Float64Array(m * n), y = new Float64Array(m);
      dgemm(m, n, k, a, b, c);
      dgemmNT(m, n, k, a, bt, cnt);
      dgemv(m, k, a, x, y);
      for (const core of [simd, scalar]) {
        expect(run(core, 'wf_dgemm', [m, n, k], [a, b], m * n)).toEqual(c);
        expect(run(core, 'wf_dgemm_nt', [m, n, k], [a, bt], m * n)).toEqual(cnt);
        expect(run(core, 'wf_dgemv', [m, k], [a, x], m)).toEqual(y);
      }
    }
  });

  test('large products (256³, as in the network kernel) also agree bit for bit', () => {
    const n = 256;
    const a = mat(n * n, 41), b = mat(n * n, 42);
    const c = new Float64Array(n * n), cnt = new Float64Array(n * n);
    dgemm(n, n, n, a, b, c);
    dgemmNT(n, n, n, a, b, cnt);
    expect(run(simd, 'wf_dgemm', [n, n, n], [a, b], n * n)).toEqual(c);
    expect(run(simd, 'wf_dgemm_nt', [n, n, n], [a, b], n * n)).toEqual(cnt);
  });
});
