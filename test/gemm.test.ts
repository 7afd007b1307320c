/**
 * The dense kernels (ts/twin/numerics/gemm.ts): correct against naive loops. The parity with the wasm
 * kernels (crates/core/src/numerics/gemm.rs) is in test/twins/parity.test.ts: the
 * TypeScript twin bit-identical to both wasm artifacts (SIMD and scalar), because all of them fix the
 * summation order of every element (see the module docs) and neither JS nor simd128 fuses a·b + c.
 */
import { describe, expect, test } from 'vitest';
import { dgemm, dgemmNT, dgemv, dot, gemmNT, transpose } from '../ts/twin/numerics/gemm.js';
import { mat, SIZES } from './fixtures/gemm.js';

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
