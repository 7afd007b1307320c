/**
 * Dense f64 kernels in pure TypeScript — the twin of `crates/core/src/numerics/gemm.rs`. Row-major throughout;
 * every function takes (array, offset, leading dimension) triples so callers can address sub-blocks
 * of one big workspace without creating views.
 *
 * The summation order of every output element is the same as in Rust (and there is no FMA in JS or
 * in wasm simd128), so results are bit-identical to the wasm kernels:
 *  - dot form (`dot`, `gemv`, `gemmNT`): two lane sums over the even and the odd indices, each in
 *    increasing order from 0, then `even + odd`, then `+ a[k−1]·b[k−1]` when k is odd;
 *  - axpy form (`gemmNN`): c_ij = ((0 + a_i0 b_0j) + a_i1 b_1j) + … in increasing p (the i-k-j loop).
 */

/** Σ_p a[ao+p]·b[bo+p] for p < k, in dot order. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, k: number): number {
  let e = 0;
  let o = 0;
  const k2 = k & ~1;
  for (let p = 0; p < k2; p += 2) {
    e += a[ao + p] * b[bo + p];
    o += a[ao + p + 1] * b[bo + p + 1];
  }
  let s = e + o;
  if (k & 1) s += a[ao + k - 1] * b[bo + k - 1];
  return s;
}

/** y[yo+i] = Σ_j A[ao + i·lda + j]·x[xo+j] for i < m, j < n, in dot order (four rows per pass over x). */
export function gemv(
  m: number, n: number,
  a: Float64Array, ao: number, lda: number,
  x: Float64Array, xo: number,
  y: Float64Array, yo: number,
): void {
  const n2 = n & ~1;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = ao + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
    let e0 = 0, o0 = 0, e1 = 0, o1 = 0, e2 = 0, o2 = 0, e3 = 0, o3 = 0;
    for (let p = 0; p < n2; p += 2) {
      const xe = x[xo + p], xq = x[xo + p + 1];
      e0 += a[r0 + p] * xe; o0 += a[r0 + p + 1] * xq;
      e1 += a[r1 + p] * xe; o1 += a[r1 + p + 1] * xq;
      e2 += a[r2 + p] * xe; o2 += a[r2 + p + 1] * xq;
      e3 += a[r3 + p] * xe; o3 += a[r3 + p + 1] * xq;
    }
    let s0 = e0 + o0, s1 = e1 + o1, s2 = e2 + o2, s3 = e3 + o3;
    if (n & 1) {
      const xl = x[xo + n - 1];
      s0 += a[r0 + n - 1] * xl; s1 += a[r1 + n - 1] * xl;
      s2 += a[r2 + n - 1] * xl; s3 += a[r3 + n - 1] * xl;
    }
    y[yo + i] = s0; y[yo + i + 1] = s1; y[yo + i + 2] = s2; y[yo + i + 3] = s3;
  }
  for (; i < m; i++) y[yo + i] = dot(a, ao + i * lda, x, xo, n);
}

/**
 * C = A·Bᵀ: C[i, j] = Σ_p A[i, p]·B[j, p] for i < m, j < n, p < k, each element in dot order.
 * A is m×k (lda), B is n×k (ldb), C is m×n (ldc); C is overwritten. Tiles of 2 rows of A × 2 rows of
 * B (eight lane sums) keep the JIT's registers busy without spilling.
 */
export function gemmNT(
  m: number, n: number, k: number,
  a: Float64Array, ao: number, lda: number,
  b: Float64Array, bo: number, ldb: number,
  c: Float64Array, co: number, ldc: number,
): void {
  const k2 = k & ~1;
  const odd = (k & 1) === 1;
  const q = k - 1;
  let i = 0;
  for (; i + 2 <= m; i += 2) {
    const a0 = ao + i * lda, a1 = a0 + lda;
    const c0 = co + i * ldc, c1 = c0 + ldc;
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const b0 = bo + j * ldb, b1 = b0 + ldb;
      let e00 = 0, o00 = 0, e01 = 0, o01 = 0, e10 = 0, o10 = 0, e11 = 0, o11 = 0;
      for (let p = 0; p < k2; p += 2) {
        const x0e = a[a0 + p], x0o = a[a0 + p + 1], x1e = a[a1 + p], x1o = a[a1 + p + 1];
        const y0e = b[b0 + p], y0o = b[b0 + p + 1], y1e = b[b1 + p], y1o = b[b1 + p + 1];
        e00 += x0e * y0e; o00 += x0o * y0o;
        e01 += x0e * y1e; o01 += x0o * y1o;
        e10 += x1e * y0e; o10 += x1o * y0o;
        e11 += x1e * y1e; o11 += x1o * y1o;
      }
      let s00 = e00 + o00, s01 = e01 + o01, s10 = e10 + o10, s11 = e11 + o11;
      if (odd) {
        const x0 = a[a0 + q], x1 = a[a1 + q], y0 = b[b0 + q], y1 = b[b1 + q];
        s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
      }
      c[c0 + j] = s00; c[c0 + j + 1] = s01;
      c[c1 + j] = s10; c[c1 + j + 1] = s11;
    }
    if (j < n) {
      c[c0 + j] = dot(a, a0, b, bo + j * ldb, k);
      c[c1 + j] = dot(a, a1, b, bo + j * ldb, k);
    }
  }
  if (i < m) {
    // the last row of A against every row of B: a GEMV with B as the matrix (dot order is symmetric)
    gemv(n, k, b, bo, ldb, a, ao + i * lda, c, co + i * ldc);
  }
}

/**
 * C = A·B: C[i, j] = Σ_p A[i, p]·B[p, j] for i < m, j < n, p < k, accumulated in increasing p (the
 * i-k-j order, unrolled to four rows of C per row of B). A is m×k (lda), B is k×n (ldb), C is m×n
 * (ldc); C is overwritten.
 */
export function gemmNN(
  m: number, n: number, k: number,
  a: Float64Array, ao: number, lda: number,
  b: Float64Array, bo: number, ldb: number,
  c: Float64Array, co: number, ldc: number,
): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = co + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    c.fill(0, c0, c0 + n); c.fill(0, c1, c1 + n); c.fill(0, c2, c2 + n); c.fill(0, c3, c3 + n);
    const a0 = ao + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    for (let p = 0; p < k; p++) {
      const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
      const br = bo + p * ldb;
      for (let j = 0; j < n; j++) {
        const y = b[br + j];
        c[c0 + j] += x0 * y;
        c[c1 + j] += x1 * y;
        c[c2 + j] += x2 * y;
        c[c3 + j] += x3 * y;
      }
    }
  }
  for (; i < m; i++) {
    const c0 = co + i * ldc;
    c.fill(0, c0, c0 + n);
    const a0 = ao + i * lda;
    for (let p = 0; p < k; p++) {
      const x0 = a[a0 + p];
      const br = bo + p * ldb;
      for (let j = 0; j < n; j++) c[c0 + j] += x0 * b[br + j];
    }
  }
}

/** out (n×m, ldo) = aᵀ for a (m×n, lda), in 8×8 blocks. */
export function transpose(
  m: number, n: number,
  a: Float64Array, ao: number, lda: number,
  out: Float64Array, oo: number, ldo: number,
): void {
  for (let i0 = 0; i0 < m; i0 += 8) {
    const i1 = Math.min(i0 + 8, m);
    for (let j0 = 0; j0 < n; j0 += 8) {
      const j1 = Math.min(j0 + 8, n);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[oo + j * ldo + i] = a[ao + i * lda + j];
      }
    }
  }
}

/** C (m×n) = A (m×k)·B (k×n), dense row-major (the twin of the `wf_dgemm` export). */
export function dgemm(m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  gemmNN(m, n, k, a, 0, k, b, 0, n, c, 0, n);
}

/** C (m×n) = A (m×k)·Bᵀ with B stored n×k, dense row-major (the twin of `wf_dgemm_nt`). */
export function dgemmNT(m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  gemmNT(m, n, k, a, 0, k, b, 0, k, c, 0, n);
}

/** y (m) = A (m×n)·x (n), dense row-major (the twin of `wf_dgemv`). */
export function dgemv(m: number, n: number, a: Float64Array, x: Float64Array, y: Float64Array): void {
  gemv(m, n, a, 0, n, x, 0, y, 0);
}
