//! Every `wf_*` export except the allocator (`ffi::memory`). Each one decodes its buffers with
//! `ffi::decode` (exact integers, finite reals, activation kinds in range), calls a safe core in
//! `numerics`, `theory` or `sampling`, and returns a [`Status`] code (0 = success). Pointers come
//! from the caller (`wf_alloc` blocks of at least the stated length); they are the only unchecked
//! input, and a null one is refused where an output must be written.
//!
//! Names, signatures and buffer layouts are those the TS layer calls by name; the codes are those of
//! [`Status`] (`wf_ensemble_chunk` keeps its historical −1 … −11).
// The exports are the C ABI boundary: their pointers come from the caller (`wf_alloc` blocks).
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use super::decode::{self, int, mul, MAX_ENSEMBLE_DEPTH};
use super::layout;
use super::memory::{slice, slice_mut};
use super::status::{code, Status};
use crate::numerics::gemm::{gemm_nn, gemm_nt, gemv};
use crate::numerics::quadrature::{hermite_rule, Quadrature, MAX_DEGREE};
use crate::numerics::rng::Rng;
use crate::sampling::multi::{ensemble_multi_chunk, release_multi_workspace};
use crate::sampling::network::{ensemble_chunk, release_workspace, NQ};
use crate::sampling::train;
use crate::theory::kernel_matrix::{kernel_rows, rows_len, run_kernel_matrix};
use crate::theory::moments::gaussian_expectations;
use crate::theory::multi::{layer_stride, run_multi, MAX_N};
use crate::theory::recursion::{run_recursion, THEORY_STRIDE};
use std::cell::RefCell;
use wasm_bindgen::prelude::wasm_bindgen;

// ---------------------------------------------------------------------------------------------
// build info

/// 1 when this module was compiled with simd128, else 0 (reported by `wideflow.info()`).
#[wasm_bindgen]
pub fn wf_has_simd() -> u32 {
    cfg!(target_feature = "simd128") as u32
}

// ---------------------------------------------------------------------------------------------
// dense kernels (benchmarks and cross-checks)

/// C (m×n) = A (m×k) · B (k×n), all row-major and dense, C overwritten (axpy order, see
/// `numerics::gemm`). Returns 0, or Null for a null pointer.
#[wasm_bindgen]
pub fn wf_dgemm(m: u32, n: u32, k: u32, a: *const f64, b: *const f64, c: *mut f64) -> i32 {
    let (m, n, k) = (m as usize, n as usize, k as usize);
    if m == 0 || n == 0 {
        return 0;
    }
    if (k > 0 && (a.is_null() || b.is_null())) || c.is_null() {
        return Status::Null.code();
    }
    let (a, b, c) = unsafe { (slice(a, m * k), slice(b, k * n), slice_mut(c, m * n)) };
    if k == 0 {
        c.fill(0.0);
        return 0;
    }
    gemm_nn(m, n, k, a, k, b, n, c, n);
    0
}

/// C (m×n) = A (m×k) · Bᵀ with B stored n×k, all row-major and dense (dot order). Returns 0 or Null.
#[wasm_bindgen]
pub fn wf_dgemm_nt(m: u32, n: u32, k: u32, a: *const f64, b: *const f64, c: *mut f64) -> i32 {
    let (m, n, k) = (m as usize, n as usize, k as usize);
    if m == 0 || n == 0 {
        return 0;
    }
    if (k > 0 && (a.is_null() || b.is_null())) || c.is_null() {
        return Status::Null.code();
    }
    let (a, b, c) = unsafe { (slice(a, m * k), slice(b, n * k), slice_mut(c, m * n)) };
    if k == 0 {
        c.fill(0.0);
        return 0;
    }
    gemm_nt(m, n, k, a, k, b, k, c, n);
    0
}

/// y (m) = A (m×n, row-major, dense) · x (n), dot order. Returns 0 or Null.
#[wasm_bindgen]
pub fn wf_dgemv(m: u32, n: u32, a: *const f64, x: *const f64, y: *mut f64) -> i32 {
    let (m, n) = (m as usize, n as usize);
    if m == 0 {
        return 0;
    }
    if (n > 0 && (a.is_null() || x.is_null())) || y.is_null() {
        return Status::Null.code();
    }
    let (a, x, y) = unsafe { (slice(a, m * n), slice(x, n), slice_mut(y, m)) };
    if n == 0 {
        y.fill(0.0);
        return 0;
    }
    gemv(m, n, a, n, x, y);
    0
}

// ---------------------------------------------------------------------------------------------
// RNG (cross-language tests)

/// The stream index: exactly an integer in [0, 2⁵³).
fn stream_index(stream: f64) -> Result<u64, Status> {
    if (0.0..9007199254740992.0).contains(&stream) && stream == stream.trunc() {
        Ok(stream as u64)
    } else {
        Err(Status::Range)
    }
}

/// Fills out[0..n] with N(0, 1) draws of stream `stream` under the seed (seed_lo + 2³² seed_hi), the
/// same numbers as the TS twin's `new Rng(seed, stream).fillNormal(out)`. `stream` is an
/// integer-valued f64 in [0, 2⁵³). Returns 0, Range for an invalid stream, Null for a null `out`.
#[wasm_bindgen]
pub fn wf_rng_fill_normal(seed_lo: u32, seed_hi: u32, stream: f64, out: *mut f64, n: u32) -> i32 {
    let stream = match stream_index(stream) {
        Ok(s) => s,
        Err(e) => return e.code(),
    };
    if n > 0 && out.is_null() {
        return Status::Null.code();
    }
    let out = unsafe { slice_mut(out, n as usize) };
    Rng::new(((seed_hi as u64) << 32) | seed_lo as u64, stream).fill_normal(out, 1.0);
    0
}

/// Fills out[0..2n] with n raw 64-bit draws as (low 32 bits, high 32 bits) pairs (cross-language
/// tests). Returns 0, Range for an invalid stream, Null for a null `out`.
#[wasm_bindgen]
pub fn wf_rng_fill_u64(seed_lo: u32, seed_hi: u32, stream: f64, out: *mut u32, n: u32) -> i32 {
    let stream = match stream_index(stream) {
        Ok(s) => s,
        Err(e) => return e.code(),
    };
    if n > 0 && out.is_null() {
        return Status::Null.code();
    }
    let out = unsafe { slice_mut(out, 2 * n as usize) };
    Rng::new(((seed_hi as u64) << 32) | seed_lo as u64, stream).fill_u64_pairs(out);
    0
}

// ---------------------------------------------------------------------------------------------
// quadrature and the moment bundle

thread_local! {
    // wasm runs single-threaded; the last degree's rules (and their refinement) are reused across calls.
    static QUADRATURE: RefCell<Option<(Quadrature, Option<Quadrature>)>> = const { RefCell::new(None) };
}

/// The public moment bundle (`gaussianExpectations`) of activation (kind, a) at variance K with
/// `degree` nodes. out: 2·14 f64 — the 14 values of `theory::moments::public_moments` (⟨σ⟩, ⟨σ²⟩,
/// ⟨σ⁴⟩, ⟨σ′²⟩, ⟨σ′⁴⟩, ⟨σ²σ′²⟩, ⟨zσσ′⟩, ⟨zσ′σ″⟩, ⟨σ²(z²−K)⟩, ⟨σ′²(z²−K)⟩, ⟨σ²He₄⟩, ⟨σσ′²σ″⟩,
/// ⟨σ′³σ‴⟩, ⟨σ′²σ″²⟩), then their error estimates |bundle(2·degree) − bundle(degree)| when
/// `with_error` ≠ 0 (zeros otherwise). Returns 0, or Activation, Degree, Variance, Null (out
/// zero-filled when not null).
#[wasm_bindgen]
pub fn wf_gauss_moments(kind: u32, a: f64, k: f64, degree: u32, with_error: u32, out: *mut f64) -> i32 {
    if out.is_null() {
        return Status::Null.code();
    }
    let out = unsafe { slice_mut(out, layout::gauss_output::LEN) };
    out.fill(0.0);
    code(gauss_moments(kind, a, k, degree, with_error != 0, out))
}

fn gauss_moments(kind: u32, a: f64, k: f64, degree: u32, with_error: bool, out: &mut [f64]) -> Result<(), Status> {
    let act = decode::activation(kind as f64, a)?;
    let degree = degree as usize;
    if degree == 0 || degree > MAX_DEGREE {
        return Err(Status::Degree);
    }
    QUADRATURE.with(|c| {
        let mut c = c.borrow_mut();
        if c.as_ref().map(|(q, _)| q.degree()) != Some(degree) {
            *c = Some((Quadrature::new(degree)?, None));
        }
        let (q, r) = c.as_mut().expect("set above");
        if with_error && r.is_none() {
            *r = Some(q.refined()?);
        }
        let refined = if with_error { r.as_ref() } else { None };
        gaussian_expectations(q, refined, &act, k, out).map_err(|e| {
            out.fill(0.0);
            Status::from(e)
        })
    })
}

/// Gauss–Hermite rule of degree n (1 … 2·MAX_DEGREE) into nodes[0..n], weights[0..n]. Returns 0,
/// Degree, or Null.
#[wasm_bindgen]
pub fn wf_hermite_rule(n: u32, nodes: *mut f64, weights: *mut f64) -> i32 {
    if nodes.is_null() || weights.is_null() {
        return Status::Null.code();
    }
    match hermite_rule(n as usize) {
        Ok(r) => {
            unsafe { slice_mut(nodes, r.nodes.len()) }.copy_from_slice(&r.nodes);
            unsafe { slice_mut(weights, r.weights.len()) }.copy_from_slice(&r.weights);
            0
        }
        Err(e) => Status::from(e).code(),
    }
}

// ---------------------------------------------------------------------------------------------
// theory

/// Whole single-input recursion. `cfg` = [L, n₀ … n_{L−1}, (C_b, C_W, λ_b, λ_W) × L, kind, a, x²]
/// (cfg_len values, see `decode::theory_config`); `out` receives THEORY_STRIDE × L values (see
/// `theory::recursion::run_recursion`). Returns 0, or Length (config or out_len), Width, Hyper,
/// Activation, Input, Degree, Null.
#[wasm_bindgen]
pub fn wf_theory(cfg: *const f64, cfg_len: u32, degree: u32, out: *mut f64, out_len: u32) -> i32 {
    if cfg.is_null() || out.is_null() {
        return Status::Null.code();
    }
    let cfg = unsafe { slice(cfg, cfg_len as usize) };
    code(theory(cfg, degree, out, out_len))
}

fn theory(cfg: &[f64], degree: u32, out: *mut f64, out_len: u32) -> Result<(), Status> {
    let c = decode::theory_config(cfg)?;
    let len = mul(c.hyper.len(), THEORY_STRIDE)?;
    if (out_len as usize) < len {
        return Err(Status::Length);
    }
    let q = Quadrature::new(degree as usize).map_err(|_| Status::Degree)?;
    let out = unsafe { slice_mut(out, len) };
    run_recursion(&q, &c.act, &c.widths, &c.hyper, c.x2, out);
    Ok(())
}

/// Kernel matrices K⁽ℓ⁾ and Θ⁽ℓ⁾, ℓ = 1 … L, of N inputs in one call.
/// `cfg` = [L, N, n₀, (C_b, C_W, λ_b, λ_W) × L, kind, a] (cfg_len values); `x` = the inputs, N × n₀
/// row-major (x_len = N·n₀ values); `degree` = quadrature degree (as for `wf_theory`); `out` receives
/// 2·L·N² values: for each layer the N × N matrix K⁽ℓ⁾ then Θ⁽ℓ⁾, row-major.
/// Returns 0, or Length (config, x_len or out_len), Width, Hyper, Activation, Degree, Null.
#[wasm_bindgen]
pub fn wf_kernel_matrix(cfg: *const f64, cfg_len: u32, x: *const f64, x_len: u32, degree: u32, out: *mut f64, out_len: u32) -> i32 {
    if cfg.is_null() || x.is_null() || out.is_null() {
        return Status::Null.code();
    }
    let cfg = unsafe { slice(cfg, cfg_len as usize) };
    code(kernel_matrix(cfg, x, x_len, degree, out, out_len))
}

fn kernel_matrix(cfg: &[f64], x: *const f64, x_len: u32, degree: u32, out: *mut f64, out_len: u32) -> Result<(), Status> {
    let c = decode::kernel_config(cfg)?;
    let (n, n0) = (c.n, c.n0);
    let len = mul(mul(2 * c.depth, n)?, n)?;
    if x_len as usize != mul(n, n0)? || (out_len as usize) < len {
        return Err(Status::Length);
    }
    let q = Quadrature::new(degree as usize).map_err(|_| Status::Degree)?;
    let x = unsafe { slice(x, n * n0) };
    let out = unsafe { slice_mut(out, len) };
    run_kernel_matrix(&q, c.act, &c.hyper, x, n, n0, out);
    Ok(())
}

/// One layer's pair expectations for rows lo ≤ α < hi (`theory::kernel_matrix::kernel_rows`), the
/// work unit of `kernels({ workers })`: `k` = that layer's N × N matrix K (k_len = N²), σ = (kind, a)
/// as in the configs; `out` receives 2·`rows_len`(N, lo, hi) values, (⟨σσ⟩, ⟨σ′σ′⟩) per pair (α, β),
/// β = α…N−1. Returns 0, or Length (k_len, rows or out_len), Activation, Degree, Null.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn wf_kernel_rows(kind: f64, a: f64, degree: u32, n: u32, k: *const f64, k_len: u32, lo: u32, hi: u32, out: *mut f64, out_len: u32) -> i32 {
    if k.is_null() || out.is_null() {
        return Status::Null.code();
    }
    code(kernel_rows_export(kind, a, degree, n as usize, k, k_len as usize, lo as usize, hi as usize, out, out_len as usize))
}

#[allow(clippy::too_many_arguments)]
fn kernel_rows_export(kind: f64, a: f64, degree: u32, n: usize, k: *const f64, k_len: usize, lo: usize, hi: usize, out: *mut f64, out_len: usize) -> Result<(), Status> {
    let act = decode::activation(kind, a)?;
    if n == 0 || k_len != mul(n, n)? || lo > hi || hi > n || out_len < 2 * rows_len(n, lo, hi) {
        return Err(Status::Length);
    }
    let q = Quadrature::new(degree as usize).map_err(|_| Status::Degree)?;
    let k = unsafe { slice(k, k_len) };
    let out = unsafe { slice_mut(out, out_len) };
    kernel_rows(&q, act, k, n, lo, hi, out);
    Ok(())
}

/// Multi-input theory (docs/theory/multi.md): K, Θ, G1, H1, V, A, B, D, F with sample indices for N
/// inputs. `cfg` = [L, N, n₀, n₀ … n_{L−1}, (C_b, C_W, λ_b, λ_W) × L, kind, a] (see
/// `decode::multi_config`); `x` = N × n₀ inputs row-major (x_len = N·n₀); `out` receives
/// L × `layer_stride(N)` values (`wf_theory_multi_stride(N)`): per layer K, Θ, G1, H1 (N² each,
/// row-major), V, A, B, D, F, P, Q, R, S, T, U packed by symmetry orbit (`theory::multi::orbit_index`), flags.
/// Returns 0, or Length (config, N outside 1 … MAX_N — refused before any allocation —, x_len or
/// out_len), Width, Hyper, Activation, Input (non-finite x), Degree, Alloc (the 32·N⁴-double working
/// set cannot be reserved), Null.
#[wasm_bindgen]
pub fn wf_theory_multi(cfg: *const f64, cfg_len: u32, x: *const f64, x_len: u32, degree: u32, out: *mut f64, out_len: u32) -> i32 {
    if cfg.is_null() || x.is_null() || out.is_null() {
        return Status::Null.code();
    }
    let cfg = unsafe { slice(cfg, cfg_len as usize) };
    code(theory_multi(cfg, x, x_len, degree, out, out_len))
}

fn theory_multi(cfg: &[f64], x: *const f64, x_len: u32, degree: u32, out: *mut f64, out_len: u32) -> Result<(), Status> {
    let c = decode::multi_config(cfg)?;
    let (n, n0) = (c.n, c.n0);
    if x_len as usize != mul(n, n0)? {
        return Err(Status::Length);
    }
    let len = mul(c.depth, layer_stride(n))?;
    if (out_len as usize) < len {
        return Err(Status::Length);
    }
    let x = unsafe { slice(x, n * n0) };
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Status::Input);
    }
    let q = Quadrature::new(degree as usize).map_err(|_| Status::Degree)?;
    // The working set (two layers of eleven N⁴ tensors, six N⁴ tables, eight u32 orbit maps: 32·N⁴
    // doubles) is reserved
    // once up front, so that a memory that cannot grow is refused (Alloc) instead of aborting mid-run.
    let mut probe: Vec<f64> = Vec::new();
    probe.try_reserve_exact(mul(32, mul(mul(n, n)?, mul(n, n)?)?)?).map_err(|_| Status::Alloc)?;
    drop(probe);
    let out = unsafe { slice_mut(out, len) };
    run_multi(&q, c.act, &c.widths, &c.hyper, x, n, n0, out).map_err(Status::from)
}

/// Values per layer of `wf_theory_multi` for N inputs (0 when N is outside 1 … MAX_N).
#[wasm_bindgen]
pub fn wf_theory_multi_stride(n: u32) -> u32 {
    let n = n as usize;
    if n == 0 || n > MAX_N {
        return 0;
    }
    layer_stride(n) as u32
}

// ---------------------------------------------------------------------------------------------
// sampled networks

/// Samples networks `first … first+count−1` (network i uses `Rng::new(seed, i)`) and WRITES
/// out[(ℓ−1)·NQ + q] = Σ over those networks of per-network value q (see `sampling::network::q`)
/// of layer ℓ. `cfg` (cfg_len f64 values) is laid out as documented on `sampling::network::Config`;
/// `out` holds NQ·L values. Returns 0, or a negative [`Status`] (codes −1 … −11) for a malformed
/// config (checked before any work; nothing traps). The workspace is cached per thread and reused
/// while the shape (widths, k_ℓ, order) does not change.
#[wasm_bindgen]
pub fn wf_ensemble_chunk(cfg: *const f64, cfg_len: u32, first: f64, count: u32, out: *mut f64) -> i32 {
    if cfg.is_null() || out.is_null() {
        return Status::Null.code();
    }
    let cfg = unsafe { slice(cfg, cfg_len as usize) };
    let Some(l) = cfg.first().and_then(|&v| int(v, 1, MAX_ENSEMBLE_DEPTH)) else { return Status::Length.code() };
    let out = unsafe { slice_mut(out, l * NQ) };
    code(ensemble_chunk(cfg, first, count, out))
}

/// Drops the cached workspace of [`wf_ensemble_chunk`] (its memory returns to the allocator; wasm
/// memory itself never shrinks). The next chunk allocates a fresh one.
#[wasm_bindgen]
pub fn wf_ensemble_release() {
    release_workspace();
}

/// Samples networks `first … first+count−1` on N inputs (network i is the one `wf_ensemble_chunk` samples
/// for index i) and WRITES out[(ℓ−1)·len + q] = Σ over them of value q of layer ℓ, len = 8N² + 13N⁴
/// (`multiNetworkStats` of schema/layout.json). `cfg` is an `ensembleMultiConfig` buffer; `out` must hold
/// L·len values (`ensembleMultiOutput`). Returns 0 or a negative [`Status`] (nothing traps); the workspace
/// is cached per thread while the shape does not change, and refused (Alloc) beyond 2²⁹ doubles.
#[wasm_bindgen]
pub fn wf_ensemble_multi_chunk(cfg: *const f64, cfg_len: u32, first: f64, count: u32, out: *mut f64) -> i32 {
    use super::layout::{ensemble_multi_config as emc, ensemble_multi_output, MAX_ENSEMBLE_INPUTS};
    if cfg.is_null() || out.is_null() {
        return Status::Null.code();
    }
    let cfg = unsafe { slice(cfg, cfg_len as usize) };
    if cfg.len() <= emc::INPUTS {
        return Status::Length.code();
    }
    let Some(l) = int(cfg[emc::DEPTH], 1, MAX_ENSEMBLE_DEPTH) else { return Status::Length.code() };
    let Some(n) = int(cfg[emc::INPUTS], 1, MAX_ENSEMBLE_INPUTS) else { return Status::Length.code() };
    let out = unsafe { slice_mut(out, ensemble_multi_output::len(l, n)) };
    code(ensemble_multi_chunk(cfg, first, count, out))
}

/// Drops the cached workspace of [`wf_ensemble_multi_chunk`].
#[wasm_bindgen]
pub fn wf_ensemble_multi_release() {
    release_multi_workspace();
}

/// Trains networks `first … first+count−1` (network i drawn from `Rng::new(seed, i)`: exactly the
/// network `wf_ensemble_chunk` samples for index i) by full-batch gradient descent and WRITES their
/// records (`count` × record length doubles, layout `sampling::train::Layout`) into `out`
/// (`out_len` doubles). `cfg` is laid out as documented in `sampling::train::config`. Returns 0,
/// or a negative [`Status`] (Length, Width, Hyper, Activation, Seed, Input, Range, Alloc, Null, Train)
/// for a malformed request, checked before any work. The workspace is cached per thread while the
/// shape (widths, N, M, k) does not change.
#[wasm_bindgen]
pub fn wf_train_chunk(cfg: *const f64, cfg_len: u32, first: f64, count: u32, out: *mut f64, out_len: u32) -> i32 {
    if cfg.is_null() || out.is_null() {
        return Status::Null.code();
    }
    let cfg = unsafe { slice(cfg, cfg_len as usize) };
    let out = unsafe { slice_mut(out, out_len as usize) };
    code(train::train_chunk(cfg, first, count, out))
}

/// Drops the cached workspace of [`wf_train_chunk`].
#[wasm_bindgen]
pub fn wf_train_release() {
    train::release_workspace();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_exports_reject_null_pointers_and_handle_empty_shapes() {
        assert_eq!(wf_dgemm(2, 2, 2, std::ptr::null(), std::ptr::null(), std::ptr::null_mut()), Status::Null.code());
        assert_eq!(wf_dgemv(0, 5, std::ptr::null(), std::ptr::null(), std::ptr::null_mut()), 0);
        let mut y = [1.0, 2.0];
        assert_eq!(wf_dgemv(2, 0, std::ptr::null(), std::ptr::null(), y.as_mut_ptr()), 0);
        assert_eq!(y, [0.0, 0.0]);
    }

    #[test]
    fn fill_u64_writes_the_raw_stream_as_low_high_pairs() {
        let n = 1001;
        let mut w = vec![0u32; 2 * n + 1];
        // 4-byte aligned only
        assert_eq!(wf_rng_fill_u64(7, 1, 5.0, w[1..].as_mut_ptr(), n as u32), 0);
        let mut r = Rng::new((1u64 << 32) | 7, 5);
        for k in 0..n {
            let v = r.next_u64();
            assert_eq!((w[1 + 2 * k], w[2 + 2 * k]), (v as u32, (v >> 32) as u32), "draw {k}");
        }
    }

    #[test]
    fn invalid_streams_are_refused() {
        let mut out = [0.0; 2];
        for s in [-1.0, 0.5, f64::NAN, 9007199254740992.0] {
            assert_eq!(wf_rng_fill_normal(0, 0, s, out.as_mut_ptr(), 2), Status::Range.code(), "stream {s}");
        }
        assert_eq!(wf_rng_fill_normal(1, 0, 3.0, out.as_mut_ptr(), 2), 0);
        let mut r = Rng::new(1, 3);
        assert_eq!(out, [r.normal(), r.normal()]);
    }

    #[test]
    fn gauss_moments_codes() {
        let mut out = [7.0; layout::gauss_output::LEN];
        assert_eq!(wf_gauss_moments(3, 0.0, 1.0, 64, 1, out.as_mut_ptr()), 0);
        assert!(out[layout::gauss_output::VALUES + layout::gauss_moments::SIGMA2] > 0.0 && out[layout::gauss_output::ERRORS + layout::gauss_moments::SIGMA2] < 1e-14);
        assert_eq!(wf_gauss_moments(13, 0.0, 1.0, 64, 1, out.as_mut_ptr()), Status::Activation.code());
        assert!(out.iter().all(|&v| v == 0.0));
        assert_eq!(wf_gauss_moments(u32::MAX, 0.0, 1.0, 64, 1, out.as_mut_ptr()), Status::Activation.code());
        assert_eq!(wf_gauss_moments(3, 0.0, 1.0, 0, 1, out.as_mut_ptr()), Status::Degree.code());
        assert_eq!(wf_gauss_moments(3, 0.0, 1.0, 1001, 1, out.as_mut_ptr()), Status::Degree.code());
        assert_eq!(wf_gauss_moments(3, 0.0, -1.0, 64, 1, out.as_mut_ptr()), Status::Variance.code());
        assert_eq!(wf_gauss_moments(3, 0.0, f64::NAN, 64, 0, out.as_mut_ptr()), Status::Variance.code());
        assert!(out.iter().all(|&v| v == 0.0));
        assert_eq!(wf_gauss_moments(3, 0.0, 1.0, 64, 0, std::ptr::null_mut()), Status::Null.code());
    }

    #[test]
    fn theory_export_rejects_kind_minus_one_and_3_7() {
        let mut out = vec![0.0; 2 * THEORY_STRIDE];
        let cfg = |kind: f64| vec![2.0, 4.0, 8.0, 0.1, 1.5, 1.0, 1.0, 0.1, 1.5, 1.0, 1.0, kind, 0.0, 1.0];
        let call = |c: &[f64], out: &mut [f64], degree: u32| wf_theory(c.as_ptr(), c.len() as u32, degree, out.as_mut_ptr(), out.len() as u32);
        assert_eq!(call(&cfg(3.0), &mut out, 64), 0);
        assert!(out[0] > 0.0);
        assert_eq!(call(&cfg(-1.0), &mut out, 64), Status::Activation.code());
        assert_eq!(call(&cfg(3.7), &mut out, 64), Status::Activation.code());
        assert_eq!(call(&cfg(3.0), &mut out, 0), Status::Degree.code());
        assert_eq!(call(&cfg(3.0), &mut out[..THEORY_STRIDE], 64), Status::Length.code());
    }

    #[test]
    fn theory_multi_export_checks_before_allocating() {
        let x = [1.0, 0.5, -0.3, 0.8, -0.2, 1.1];
        let cfg = |n: f64, kind: f64| vec![2.0, n, 3.0, 3.0, 8.0, 0.1, 1.5, 1.0, 1.0, 0.1, 1.5, 1.0, 1.0, kind, 0.0];
        let stride = wf_theory_multi_stride(2) as usize;
        let mut out = vec![0.0; 2 * stride];
        let call = |c: &[f64], x: &[f64], out: &mut [f64]| wf_theory_multi(c.as_ptr(), c.len() as u32, x.as_ptr(), x.len() as u32, 64, out.as_mut_ptr(), out.len() as u32);
        assert_eq!(call(&cfg(2.0, 3.0), &x, &mut out), 0);
        assert!(out[stride] > 0.0);
        assert_eq!(call(&cfg(2.0, 3.7), &x, &mut out), Status::Activation.code());
        assert_eq!(call(&cfg(1e6, 3.0), &x, &mut out), Status::Length.code());
        assert_eq!(call(&cfg(2.0, 3.0), &x[..5], &mut out), Status::Length.code());
        assert_eq!(call(&cfg(2.0, 3.0), &x, &mut out[..stride]), Status::Length.code());
        assert_eq!(call(&cfg(2.0, 3.0), &[1.0, f64::NAN, 0.0, 1.0, 1.0, 1.0], &mut out), Status::Input.code());
        assert_eq!(wf_theory_multi_stride(0), 0);
        assert_eq!(wf_theory_multi_stride(MAX_N as u32 + 1), 0);
    }

    #[test]
    fn kernel_export_rejects_kind_minus_one_and_3_7() {
        let x = [1.0, 0.5, -0.3, 0.8, -0.2, 1.1];
        let mut out = vec![0.0; 2 * 2 * 4];
        let cfg = |kind: f64| vec![2.0, 2.0, 3.0, 0.1, 1.5, 1.0, 1.0, 0.1, 1.5, 1.0, 1.0, kind, 0.0];
        let call = |c: &[f64], x: &[f64], out: &mut [f64]| wf_kernel_matrix(c.as_ptr(), c.len() as u32, x.as_ptr(), x.len() as u32, 64, out.as_mut_ptr(), out.len() as u32);
        assert_eq!(call(&cfg(3.0), &x, &mut out), 0);
        assert!(out[0] > 0.0);
        assert_eq!(call(&cfg(-1.0), &x, &mut out), Status::Activation.code());
        assert_eq!(call(&cfg(3.7), &x, &mut out), Status::Activation.code());
        assert_eq!(call(&cfg(3.0), &x[..5], &mut out), Status::Length.code());
        assert_eq!(call(&cfg(3.0), &x, &mut out[..15]), Status::Length.code());
    }
}
