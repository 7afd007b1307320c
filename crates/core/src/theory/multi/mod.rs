//! Many inputs at O(1/n): K, Θ, K^{1} (G1), Θ^{1} (H1), V, A, B, D, F, P, Q, R, S, T, U with sample indices for N
//! inputs x_δ (PDLT §4, §8, §11.2, §∞.3 with sample indices; derivation and measured accuracy in docs/theory/multi.md).
//! The TS twin is `ts/twin/theory/multi/` (file by file) (same rules, same order of operations).
//!
//! # Why everything is a ≤ 4-dimensional integral
//! Every Gaussian expectation of the recursions has an integrand f(z_S) that depends on a set S of at
//! most four samples. (i) The source terms ⟨σ_aσ_bσ_cσ_d⟩, ⟨σ′_aσ′_bσ_cσ_d⟩, ⟨σ′σ′σ′σ′⟩ involve only
//! σ and σ′ (no distributional derivative even for relu): one integral over z_S, S = {a, b, c, d}.
//! (ii) The statistics-side derivatives ⟨∂_p∂_q f⟩ (χ, ω, ψ, φ and the fourth derivatives of the
//! K^{1}, Θ^{1} sources) have f = g(z_a)h(z_b): since ⟨f⟩_K depends on K only through K_SS, its
//! derivative in K_pq vanishes unless p, q ∈ {a, b}, and the Stein form with the full inverse kernel
//! equals the Stein form in the 2 × 2 sub-kernel (E[z | z_S] is linear in z_S). So every derivative
//! term is a 2-dimensional integral over one pair, computed in Cholesky coordinates z_S = L x
//! (x standard normal) as ⟨∂_p∂_q f⟩ = Σ_ij L⁺_ip L⁺_jq ⟨f (x_i x_j − δ_ij)⟩ and likewise with He₄ —
//! L⁺ the pseudo-inverse when the pair is degenerate (rank-revealing Cholesky), which is exact for the
//! contractions with tensors in the range of K (multi.md §0) and gives the identical-input reduction.
//!
//! # Rules (per Cholesky level, nested; x ∈ ball |x| ≤ X_BALL)
//! * polynomial σ: Gauss–Hermite with 2p + 3 nodes per level (exact for every integrand used);
//! * smooth σ: trapezoid in x_k with step min(H_MAX, 2πρ/(TAU·c_k))·64/degree, c_k = max_j |L_jk|
//!   (the strip argument of quadrature.rs, per coordinate);
//! * kinked σ (relu, leaky relu, elu): composite Gauss–Legendre (GL_NODES per panel, degree/8 panels
//!   across the ball) with extra panel edges at the kinks z_j = 0 of the samples completed at that level
//!   (hyperplanes: one point per level given the outer coordinates), so every panel sees one branch; for
//!   four full-rank samples the innermost level is done in closed form (E σ(μ + sξ), E σ′(μ + sξ)).
//! * rank-one sets (one sample, or coincident/proportional inputs) use the single-input rules of
//!   `Quadrature::expect_many`, so identical inputs reproduce `theory()` to rounding.
//!
//! Files: `rules` (Cholesky sub-kernels and the nested rules), `tables` (four-point tables, curvature
//! tables with σ″/σ‴ and pair data), `step` (the layer state and the recursion ℓ → ℓ+1 of K … F), `dntk`
//! (P, Q, R, S, T, U with sample indices), `packing` (symmetry orbits of the output), `tests`; this file
//! holds [`run_multi`].
//!
//! Export: `ffi::exports::wf_theory_multi`. The all-equal entries (δδδδ) are computed by `theory::recursion::next_layer` itself (they are the single-input
//! recursion term by term), so N = 1 reproduces `wf_theory` bit for bit.
// Index loops run over several parallel per-sample arrays (Cholesky rows, means, values) at once.
mod dntk;
mod packing;
mod rules;
mod step;
mod tables;
#[cfg(test)]
mod tests;

pub use packing::*;
pub use rules::*;
pub use step::*;
pub use tables::*;

use crate::numerics::activation::Activation;
use crate::numerics::quadrature::{QuadError, Quadrature};
use crate::theory::moments::K_MIN;
use crate::theory::recursion::LayerHyper;

/// Largest N accepted (32·N⁴ doubles of working memory: 268 MB at N = 32).
pub const MAX_N: usize = 32;

/// Flag bits of a layer (last slot).
pub const FLAG_OVERFLOW: f64 = 1.0;
pub const FLAG_K_UNDERFLOW: f64 = 2.0;

/// Replaces non-finite entries by ±∞ (sign of the previous value); true if any.
fn saturate_vec(cur: &mut [f64], prev: &[f64]) -> bool {
    let mut bad = false;
    for (c, &p) in cur.iter_mut().zip(prev.iter()) {
        if !c.is_finite() || p.is_infinite() {
            bad = true;
            let sign = if c.is_nan() || *c == 0.0 { if p < 0.0 { -1.0 } else { 1.0 } } else { c.signum() };
            *c = sign * f64::INFINITY;
        }
    }
    bad
}

/// The whole recursion for N inputs (x: N × n₀ row-major); writes `layer_stride(N)` values per layer.
#[allow(clippy::too_many_arguments)]
pub fn run_multi(q: &Quadrature, act: Activation, widths: &[f64], hyper: &[LayerHyper], x: &[f64], n: usize, n0: usize, out: &mut [f64]) -> Result<(), QuadError> {
    let rule = MultiRule::new(q, act)?;
    let depth = hyper.len();
    let stride = layer_stride(n);
    let maps = [
        orbit_index(n, &SYM_VA),
        orbit_index(n, &SYM_B),
        orbit_index(n, &SYM_D),
        orbit_index(n, &SYM_F),
        orbit_index(n, &SYM_P),
        orbit_index(n, &SYM_Q),
        orbit_index(n, &SYM_R),
        orbit_index(n, &SYM_STU),
    ];
    let mut cur = MultiLayer::first(&hyper[0], x, n, n0);
    let mut overflowed = false;
    for l in 0..depth {
        let mut flags = 0.0;
        if (0..n).any(|a| cur.k[a * n + a] < K_MIN && cur.k[a * n + a].is_finite()) {
            flags += FLAG_K_UNDERFLOW;
        }
        let finite = cur.k.iter().all(|v| v.is_finite());
        let ld = if l + 1 < depth && finite { Some(layer_data(&rule, &cur)) } else { None };
        if overflowed {
            flags += FLAG_OVERFLOW;
        }
        let o = &mut out[l * stride..(l + 1) * stride];
        o.fill(0.0);
        let n2 = n * n;
        o[..n2].copy_from_slice(&cur.k);
        o[n2..2 * n2].copy_from_slice(&cur.theta);
        o[2 * n2..3 * n2].copy_from_slice(&cur.g1);
        o[3 * n2..4 * n2].copy_from_slice(&cur.h1);
        let mut off = 4 * n2;
        let tensors = [(&cur.v, 0usize), (&cur.a, 0), (&cur.b, 1), (&cur.d, 2), (&cur.f, 3), (&cur.p, 4), (&cur.q, 5), (&cur.r, 6), (&cur.s, 7), (&cur.t, 7), (&cur.u, 7)];
        for (t, mi) in tensors {
            let (map, count) = &maps[mi];
            for (code, &slot) in map.iter().enumerate() {
                o[off + slot as usize] = t[code];
            }
            off += count;
        }
        o[stride - 1] = flags;
        if l + 1 < depth {
            let ratio = widths[l + 1] / widths[l];
            let mut nxt = match &ld {
                Some(ld) => next_multi(ld, &cur, &hyper[l + 1], ratio),
                None => cur.clone(),
            };
            let mut bad = false;
            bad |= saturate_vec(&mut nxt.k, &cur.k);
            bad |= saturate_vec(&mut nxt.theta, &cur.theta);
            bad |= saturate_vec(&mut nxt.g1, &cur.g1);
            bad |= saturate_vec(&mut nxt.h1, &cur.h1);
            bad |= saturate_vec(&mut nxt.v, &cur.v);
            bad |= saturate_vec(&mut nxt.a, &cur.a);
            bad |= saturate_vec(&mut nxt.b, &cur.b);
            bad |= saturate_vec(&mut nxt.d, &cur.d);
            bad |= saturate_vec(&mut nxt.f, &cur.f);
            bad |= saturate_vec(&mut nxt.p, &cur.p);
            bad |= saturate_vec(&mut nxt.q, &cur.q);
            bad |= saturate_vec(&mut nxt.r, &cur.r);
            bad |= saturate_vec(&mut nxt.s, &cur.s);
            bad |= saturate_vec(&mut nxt.t, &cur.t);
            bad |= saturate_vec(&mut nxt.u, &cur.u);
            overflowed |= bad;
            cur = nxt;
        }
    }
    Ok(())
}

