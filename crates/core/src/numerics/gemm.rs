//! Dense f64 kernels: dot, GEMV, GEMM (C = A·B and C = A·Bᵀ), transpose. Row-major throughout.
//!
//! The summation order of every output element is part of the contract, so that the SIMD path,
//! the scalar fallback and the TypeScript twin (`ts/twin/numerics/gemm.ts`) give bit-identical results
//! (wasm simd128 has no FMA and neither has JS, and Rust never contracts `a*b + c`):
//!
//! * **dot form** (`dot`, `gemv`, `gemm_nt`): two lane sums over the even and the odd indices,
//!   each accumulated in increasing order from 0, then `even + odd`, then `+ a[k−1]·b[k−1]` when
//!   k is odd. This is exactly what one `f64x2` accumulator followed by a horizontal add computes.
//! * **axpy form** (`gemm_nn`): c_ij = ((0 + a_i0 b_0j) + a_i1 b_1j) + … in increasing p, i.e. the
//!   order of the classic i-k-j loop.
//!
//! Blocking (register tiles, packed panels, cache blocks) only changes which elements are computed
//! together, never the order inside one element.

// BLAS-style signatures (dimensions, then array + leading dimension per operand) and index loops
// that read like the TypeScript twin.
#![allow(clippy::too_many_arguments, clippy::needless_range_loop)]

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::*;

// ---------------------------------------------------------------------------------------------
// dot form
// ---------------------------------------------------------------------------------------------

/// Σ_p a[p]·b[p] over p < a.len() in the canonical dot order (see the module docs).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert!(b.len() >= a.len());
    unsafe { dot_ptr(a.as_ptr(), b.as_ptr(), a.len()) }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
unsafe fn dot_ptr(a: *const f64, b: *const f64, k: usize) -> f64 {
    let mut acc = f64x2_splat(0.0);
    let mut p = 0;
    while p + 2 <= k {
        acc = f64x2_add(acc, f64x2_mul(v128_load(a.add(p) as *const v128), v128_load(b.add(p) as *const v128)));
        p += 2;
    }
    let mut s = f64x2_extract_lane::<0>(acc) + f64x2_extract_lane::<1>(acc);
    if k & 1 == 1 {
        s += *a.add(k - 1) * *b.add(k - 1);
    }
    s
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
unsafe fn dot_ptr(a: *const f64, b: *const f64, k: usize) -> f64 {
    let (mut s0, mut s1) = (0.0, 0.0);
    let mut p = 0;
    while p + 2 <= k {
        s0 += *a.add(p) * *b.add(p);
        s1 += *a.add(p + 1) * *b.add(p + 1);
        p += 2;
    }
    let mut s = s0 + s1;
    if k & 1 == 1 {
        s += *a.add(k - 1) * *b.add(k - 1);
    }
    s
}

/// Eight dots at once: rows a0..a3 against rows b0, b1 (out[2i + j] = a_i · b_j), canonical order.
/// 8 f64x2 accumulators (the most V8 keeps in registers), 6 loads per 8 multiply-adds.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
unsafe fn dot_4x2(a: [*const f64; 4], b0: *const f64, b1: *const f64, k: usize, out: &mut [f64; 8]) {
    let z = f64x2_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
    let mut p = 0;
    while p + 2 <= k {
        let y0 = v128_load(b0.add(p) as *const v128);
        let y1 = v128_load(b1.add(p) as *const v128);
        let x0 = v128_load(a[0].add(p) as *const v128);
        c00 = f64x2_add(c00, f64x2_mul(x0, y0));
        c01 = f64x2_add(c01, f64x2_mul(x0, y1));
        let x1 = v128_load(a[1].add(p) as *const v128);
        c10 = f64x2_add(c10, f64x2_mul(x1, y0));
        c11 = f64x2_add(c11, f64x2_mul(x1, y1));
        let x2 = v128_load(a[2].add(p) as *const v128);
        c20 = f64x2_add(c20, f64x2_mul(x2, y0));
        c21 = f64x2_add(c21, f64x2_mul(x2, y1));
        let x3 = v128_load(a[3].add(p) as *const v128);
        c30 = f64x2_add(c30, f64x2_mul(x3, y0));
        c31 = f64x2_add(c31, f64x2_mul(x3, y1));
        p += 2;
    }
    let acc = [c00, c01, c10, c11, c20, c21, c30, c31];
    for (o, v) in out.iter_mut().zip(acc.iter()) {
        *o = f64x2_extract_lane::<0>(*v) + f64x2_extract_lane::<1>(*v);
    }
    if k & 1 == 1 {
        let q = k - 1;
        let (y0, y1) = (*b0.add(q), *b1.add(q));
        for i in 0..4 {
            let x = *a[i].add(q);
            out[2 * i] += x * y0;
            out[2 * i + 1] += x * y1;
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
unsafe fn dot_4x2(a: [*const f64; 4], b0: *const f64, b1: *const f64, k: usize, out: &mut [f64; 8]) {
    // Lane sums [row i][col j][parity]: the same arithmetic as the f64x2 path, element by element.
    let mut e = [0.0f64; 8];
    let mut o = [0.0f64; 8];
    let mut p = 0;
    while p + 2 <= k {
        let (y0e, y0o, y1e, y1o) = (*b0.add(p), *b0.add(p + 1), *b1.add(p), *b1.add(p + 1));
        for i in 0..4 {
            let (xe, xo) = (*a[i].add(p), *a[i].add(p + 1));
            e[2 * i] += xe * y0e;
            o[2 * i] += xo * y0o;
            e[2 * i + 1] += xe * y1e;
            o[2 * i + 1] += xo * y1o;
        }
        p += 2;
    }
    for t in 0..8 {
        out[t] = e[t] + o[t];
    }
    if k & 1 == 1 {
        let q = k - 1;
        let (y0, y1) = (*b0.add(q), *b1.add(q));
        for i in 0..4 {
            let x = *a[i].add(q);
            out[2 * i] += x * y0;
            out[2 * i + 1] += x * y1;
        }
    }
}

/// Four dots at once: rows a0..a3 against one vector b (the GEMV kernel; each row its own chain).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
unsafe fn dot_4x1(a: [*const f64; 4], b: *const f64, k: usize, out: &mut [f64; 4]) {
    let z = f64x2_splat(0.0);
    let (mut c0, mut c1, mut c2, mut c3) = (z, z, z, z);
    let mut p = 0;
    while p + 4 <= k {
        // two steps per iteration on the same accumulators: the order within each lane is unchanged
        let y = v128_load(b.add(p) as *const v128);
        c0 = f64x2_add(c0, f64x2_mul(v128_load(a[0].add(p) as *const v128), y));
        c1 = f64x2_add(c1, f64x2_mul(v128_load(a[1].add(p) as *const v128), y));
        c2 = f64x2_add(c2, f64x2_mul(v128_load(a[2].add(p) as *const v128), y));
        c3 = f64x2_add(c3, f64x2_mul(v128_load(a[3].add(p) as *const v128), y));
        let y = v128_load(b.add(p + 2) as *const v128);
        c0 = f64x2_add(c0, f64x2_mul(v128_load(a[0].add(p + 2) as *const v128), y));
        c1 = f64x2_add(c1, f64x2_mul(v128_load(a[1].add(p + 2) as *const v128), y));
        c2 = f64x2_add(c2, f64x2_mul(v128_load(a[2].add(p + 2) as *const v128), y));
        c3 = f64x2_add(c3, f64x2_mul(v128_load(a[3].add(p + 2) as *const v128), y));
        p += 4;
    }
    if p + 2 <= k {
        let y = v128_load(b.add(p) as *const v128);
        c0 = f64x2_add(c0, f64x2_mul(v128_load(a[0].add(p) as *const v128), y));
        c1 = f64x2_add(c1, f64x2_mul(v128_load(a[1].add(p) as *const v128), y));
        c2 = f64x2_add(c2, f64x2_mul(v128_load(a[2].add(p) as *const v128), y));
        c3 = f64x2_add(c3, f64x2_mul(v128_load(a[3].add(p) as *const v128), y));
    }
    let acc = [c0, c1, c2, c3];
    for i in 0..4 {
        out[i] = f64x2_extract_lane::<0>(acc[i]) + f64x2_extract_lane::<1>(acc[i]);
    }
    if k & 1 == 1 {
        let q = k - 1;
        let y = *b.add(q);
        for i in 0..4 {
            out[i] += *a[i].add(q) * y;
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
unsafe fn dot_4x1(a: [*const f64; 4], b: *const f64, k: usize, out: &mut [f64; 4]) {
    for i in 0..4 {
        out[i] = dot_ptr(a[i], b, k);
    }
}

/// y[i] = Σ_j A[i, j] x[j] for i < m, j < n (A row-major with leading dimension lda), dot order.
pub fn gemv(m: usize, n: usize, a: &[f64], lda: usize, x: &[f64], y: &mut [f64]) {
    if m == 0 {
        return;
    }
    assert!(lda >= n && a.len() >= (m - 1) * lda + n && x.len() >= n && y.len() >= m);
    let ap = a.as_ptr();
    let xp = x.as_ptr();
    let mut i = 0;
    unsafe {
        let mut o = [0.0; 4];
        while i + 4 <= m {
            let rows = [ap.add(i * lda), ap.add((i + 1) * lda), ap.add((i + 2) * lda), ap.add((i + 3) * lda)];
            dot_4x1(rows, xp, n, &mut o);
            y[i..i + 4].copy_from_slice(&o);
            i += 4;
        }
        while i < m {
            y[i] = dot_ptr(ap.add(i * lda), xp, n);
            i += 1;
        }
    }
}

/// C[i, j] = Σ_p A[i, p] B[j, p] (C = A·Bᵀ) for i < m, j < n, p < k; every element in dot order.
/// A is m×k (lda), B is n×k (ldb), C is m×n (ldc), all row-major; C is overwritten.
///
/// Used for every multiplication in the network kernel: with directions stored one per row,
/// "W times each direction" is A = directions, B = W, and "Wᵀ times each" is B = Wᵀ.
pub fn gemm_nt(m: usize, n: usize, k: usize, a: &[f64], lda: usize, b: &[f64], ldb: usize, c: &mut [f64], ldc: usize) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(lda >= k && ldb >= k && ldc >= n);
    assert!(a.len() >= (m - 1) * lda + k && b.len() >= (n - 1) * ldb + k && c.len() >= (m - 1) * ldc + n);
    let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    // Block the rows of B so that a block (≈ 256 KiB) stays in L2 while every row tile of A passes
    // over it; A itself is usually small (a few dozen directions).
    let jb = ((32768 / k.max(1)) & !1).max(2);
    let mut j0 = 0;
    unsafe {
        while j0 < n {
            let j1 = (j0 + jb).min(n);
            let mut i = 0;
            let mut o = [0.0; 8];
            while i + 4 <= m {
                let rows = [ap.add(i * lda), ap.add((i + 1) * lda), ap.add((i + 2) * lda), ap.add((i + 3) * lda)];
                let mut j = j0;
                while j + 2 <= j1 {
                    dot_4x2(rows, bp.add(j * ldb), bp.add((j + 1) * ldb), k, &mut o);
                    for r in 0..4 {
                        *cp.add((i + r) * ldc + j) = o[2 * r];
                        *cp.add((i + r) * ldc + j + 1) = o[2 * r + 1];
                    }
                    j += 2;
                }
                if j < j1 {
                    let mut o4 = [0.0; 4];
                    dot_4x1(rows, bp.add(j * ldb), k, &mut o4);
                    for r in 0..4 {
                        *cp.add((i + r) * ldc + j) = o4[r];
                    }
                }
                i += 4;
            }
            while i < m {
                // leftover rows: four rows of B against one row of A with the GEMV kernel
                let arow = ap.add(i * lda);
                let mut j = j0;
                let mut o4 = [0.0; 4];
                while j + 4 <= j1 {
                    let rows = [bp.add(j * ldb), bp.add((j + 1) * ldb), bp.add((j + 2) * ldb), bp.add((j + 3) * ldb)];
                    dot_4x1(rows, arow, k, &mut o4);
                    for r in 0..4 {
                        // dot order is symmetric in its two operands (a·b and b·a round identically)
                        *cp.add(i * ldc + j + r) = o4[r];
                    }
                    j += 4;
                }
                while j < j1 {
                    *cp.add(i * ldc + j) = dot_ptr(arow, bp.add(j * ldb), k);
                    j += 1;
                }
                i += 1;
            }
            j0 = j1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// axpy form
// ---------------------------------------------------------------------------------------------

/// 4×4 tile of C = A·B over p < k: rows a0..a3 of A, B rows at `b + p·ldb` (4 consecutive columns),
/// written to C rows at `c + r·ldc`. Sequential in p: the i-k-j order.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
unsafe fn nn_4x4(a: [*const f64; 4], b: *const f64, ldb: usize, k: usize, c: *mut f64, ldc: usize) {
    let z = f64x2_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
    for p in 0..k {
        let bq = b.add(p * ldb);
        let y0 = v128_load(bq as *const v128);
        let y1 = v128_load(bq.add(2) as *const v128);
        let x = f64x2_splat(*a[0].add(p));
        c00 = f64x2_add(c00, f64x2_mul(x, y0));
        c01 = f64x2_add(c01, f64x2_mul(x, y1));
        let x = f64x2_splat(*a[1].add(p));
        c10 = f64x2_add(c10, f64x2_mul(x, y0));
        c11 = f64x2_add(c11, f64x2_mul(x, y1));
        let x = f64x2_splat(*a[2].add(p));
        c20 = f64x2_add(c20, f64x2_mul(x, y0));
        c21 = f64x2_add(c21, f64x2_mul(x, y1));
        let x = f64x2_splat(*a[3].add(p));
        c30 = f64x2_add(c30, f64x2_mul(x, y0));
        c31 = f64x2_add(c31, f64x2_mul(x, y1));
    }
    v128_store(c as *mut v128, c00);
    v128_store(c.add(2) as *mut v128, c01);
    v128_store(c.add(ldc) as *mut v128, c10);
    v128_store(c.add(ldc + 2) as *mut v128, c11);
    v128_store(c.add(2 * ldc) as *mut v128, c20);
    v128_store(c.add(2 * ldc + 2) as *mut v128, c21);
    v128_store(c.add(3 * ldc) as *mut v128, c30);
    v128_store(c.add(3 * ldc + 2) as *mut v128, c31);
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
unsafe fn nn_4x4(a: [*const f64; 4], b: *const f64, ldb: usize, k: usize, c: *mut f64, ldc: usize) {
    let mut acc = [[0.0f64; 4]; 4];
    for p in 0..k {
        let bq = b.add(p * ldb);
        let y = [*bq, *bq.add(1), *bq.add(2), *bq.add(3)];
        for r in 0..4 {
            let x = *a[r].add(p);
            for j in 0..4 {
                acc[r][j] += x * y[j];
            }
        }
    }
    for r in 0..4 {
        for j in 0..4 {
            *c.add(r * ldc + j) = acc[r][j];
        }
    }
}

/// Generic (edge) tile of C = A·B: `mr` rows × `nr` columns, scalar, sequential in p.
#[inline(always)]
unsafe fn nn_edge(mr: usize, nr: usize, a: *const f64, lda: usize, b: *const f64, ldb: usize, k: usize, c: *mut f64, ldc: usize) {
    for r in 0..mr {
        for j in 0..nr {
            let mut s = 0.0;
            for p in 0..k {
                s += *a.add(r * lda + p) * *b.add(p * ldb + j);
            }
            *c.add(r * ldc + j) = s;
        }
    }
}

/// C = A·B (row-major; A m×k with lda, B k×n with ldb, C m×n with ldc; C overwritten),
/// every element accumulated in increasing p from 0 (the i-k-j order).
///
/// Full 4-column panels of B are packed into a contiguous k×4 buffer when more than one row tile
/// uses them (a strided panel of a power-of-two-wide B thrashes L1 sets).
pub fn gemm_nn(m: usize, n: usize, k: usize, a: &[f64], lda: usize, b: &[f64], ldb: usize, c: &mut [f64], ldc: usize) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(lda >= k && ldb >= n && ldc >= n);
    assert!(a.len() >= (m - 1) * lda + k && c.len() >= (m - 1) * ldc + n);
    assert!(k == 0 || b.len() >= (k - 1) * ldb + n);
    let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    let pack = m > 4 && k > 0;
    let mut panel: Vec<f64> = if pack { vec![0.0; 4 * k] } else { Vec::new() };
    let mut j = 0;
    unsafe {
        while j + 4 <= n {
            let (src, stride) = if pack {
                for p in 0..k {
                    let s = bp.add(p * ldb + j);
                    panel[4 * p..4 * p + 4].copy_from_slice(std::slice::from_raw_parts(s, 4));
                }
                (panel.as_ptr(), 4)
            } else {
                (bp.add(j), ldb)
            };
            let mut i = 0;
            while i + 4 <= m {
                let rows = [ap.add(i * lda), ap.add((i + 1) * lda), ap.add((i + 2) * lda), ap.add((i + 3) * lda)];
                nn_4x4(rows, src, stride, k, cp.add(i * ldc + j), ldc);
                i += 4;
            }
            if i < m {
                nn_edge(m - i, 4, ap.add(i * lda), lda, src, stride, k, cp.add(i * ldc + j), ldc);
            }
            j += 4;
        }
        if j < n {
            nn_edge(m, n - j, ap, lda, bp.add(j), ldb, k, cp.add(j), ldc);
        }
    }
}

/// out (n×m, ldo) = aᵀ for a (m×n, lda), in 8×8 blocks.
pub fn transpose(m: usize, n: usize, a: &[f64], lda: usize, out: &mut [f64], ldo: usize) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(lda >= n && ldo >= m && a.len() >= (m - 1) * lda + n && out.len() >= (n - 1) * ldo + m);
    const B: usize = 8;
    let mut i0 = 0;
    while i0 < m {
        let i1 = (i0 + B).min(m);
        let mut j0 = 0;
        while j0 < n {
            let j1 = (j0 + B).min(n);
            for i in i0..i1 {
                for j in j0..j1 {
                    out[j * ldo + i] = a[i * lda + j];
                }
            }
            j0 = j1;
        }
        i0 = i1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random matrix (values in (−1, 1), not all representable sums).
    fn mat(len: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn dot_ref(a: &[f64], b: &[f64]) -> f64 {
        let (mut e, mut o) = (0.0, 0.0);
        let k = a.len();
        for p in 0..k / 2 {
            e += a[2 * p] * b[2 * p];
            o += a[2 * p + 1] * b[2 * p + 1];
        }
        let mut s = e + o;
        if k % 2 == 1 {
            s += a[k - 1] * b[k - 1];
        }
        s
    }

    #[test]
    fn gemm_nn_is_bit_identical_to_the_naive_ikj_loop_for_odd_sizes() {
        for &(m, n, k) in &[(1, 1, 1), (3, 5, 7), (4, 4, 4), (5, 9, 1), (17, 13, 67), (67, 3, 33), (8, 67, 2), (2, 8, 64)] {
            let a = mat(m * k, 1 + m as u64);
            let b = mat(k * n, 2 + n as u64);
            let mut c = vec![f64::NAN; m * n];
            gemm_nn(m, n, k, &a, k, &b, n, &mut c, n);
            for i in 0..m {
                let mut row = vec![0.0; n];
                for p in 0..k {
                    for j in 0..n {
                        row[j] += a[i * k + p] * b[p * n + j];
                    }
                }
                for j in 0..n {
                    assert_eq!(c[i * n + j].to_bits(), row[j].to_bits(), "({m},{n},{k}) at ({i},{j})");
                }
            }
        }
    }

    #[test]
    fn gemm_nt_and_gemv_are_bit_identical_to_the_reference_dot_order() {
        for &(m, n, k) in &[(1, 1, 1), (3, 5, 7), (4, 2, 8), (5, 9, 1), (17, 13, 67), (67, 3, 33), (6, 67, 2), (9, 9, 64)] {
            let a = mat(m * k, 3 + k as u64);
            let b = mat(n * k, 4 + n as u64);
            let mut c = vec![f64::NAN; m * n];
            gemm_nt(m, n, k, &a, k, &b, k, &mut c, n);
            for i in 0..m {
                for j in 0..n {
                    let r = dot_ref(&a[i * k..(i + 1) * k], &b[j * k..(j + 1) * k]);
                    assert_eq!(c[i * n + j].to_bits(), r.to_bits(), "({m},{n},{k}) at ({i},{j})");
                }
            }
            let mut y = vec![f64::NAN; m];
            gemv(m, k, &a, k, &b[..k], &mut y);
            for i in 0..m {
                assert_eq!(y[i].to_bits(), dot_ref(&a[i * k..(i + 1) * k], &b[..k]).to_bits());
            }
        }
    }

    #[test]
    fn gemm_agrees_with_a_compensated_reference_to_rounding() {
        let (m, n, k) = (23, 31, 57);
        let a = mat(m * k, 11);
        let b = mat(k * n, 12);
        let mut c = vec![0.0; m * n];
        gemm_nn(m, n, k, &a, k, &b, n, &mut c, n);
        for i in 0..m {
            for j in 0..n {
                // Kahan-summed reference: an independent order, so agreement is to rounding only
                let (mut s, mut comp) = (0.0f64, 0.0f64);
                for p in 0..k {
                    let y = a[i * k + p] * b[p * n + j] - comp;
                    let t = s + y;
                    comp = (t - s) - y;
                    s = t;
                }
                assert!((c[i * n + j] - s).abs() <= 1e-14 * k as f64, "{} vs {}", c[i * n + j], s);
            }
        }
    }

    #[test]
    fn leading_dimensions_larger_than_the_width_are_respected() {
        let (m, n, k) = (5, 6, 7);
        let (lda, ldb, ldc) = (9, 11, 8);
        let a = mat(m * lda, 21);
        let b = mat(n * ldb, 22);
        let mut c = vec![-7.0; m * ldc];
        gemm_nt(m, n, k, &a, lda, &b, ldb, &mut c, ldc);
        for i in 0..m {
            for j in 0..n {
                assert_eq!(c[i * ldc + j], dot_ref(&a[i * lda..i * lda + k], &b[j * ldb..j * ldb + k]));
            }
            for j in n..ldc {
                assert_eq!(c[i * ldc + j], -7.0, "padding must be untouched");
            }
        }
        let mut t = vec![0.0; k * m];
        transpose(m, k, &a, lda, &mut t, m);
        for i in 0..m {
            for p in 0..k {
                assert_eq!(t[p * m + i], a[i * lda + p]);
            }
        }
    }
}
