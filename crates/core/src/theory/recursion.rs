//! The layer-to-layer recursions of the Principle of Sparsity (PDLT §4, §8, §11.2, §∞.3), single
//! input, per-layer hyperparameters, arbitrary widths. The TS twin is `ts/twin/theory/recursion.ts`;
//! both follow docs/theory/recursions.md §3–4, re-derived and checked against sampled networks
//! (docs/theory/ensembles.md). The Gaussian expectations come from the one bundle of
//! `theory::moments`.
//!
//! At layer ℓ the "n" of every 1/n is n_{ℓ−1}; r = n_ℓ/n_{ℓ−1} carries inherited terms across a
//! change of width. The step ℓ → ℓ+1 uses the hyperparameters of layer ℓ+1.
use crate::numerics::activation::Activation;
use crate::numerics::quadrature::Quadrature;
use crate::theory::moments::{compute_moments, Moments, K_MIN};

/// Hyperparameters of one layer (PDLT §2.3, §7.2): bias/weight variances C_b, C_W and learning
/// rates λ_b, λ_W (TS `LayerHyper { Cb, CW, lambdaB, lambdaW }`).
#[derive(Clone, Copy, Debug)]
pub struct LayerHyper {
    pub cb: f64,
    pub cw: f64,
    pub lambda_b: f64,
    pub lambda_w: f64,
}

/// Every statistic of one layer (book symbols; G1 ≡ K^{1}, H1 ≡ Θ^{1}).
#[derive(Clone, Copy, Debug, Default)]
pub struct LayerStats {
    pub k: f64,
    pub theta: f64,
    pub g1: f64,
    pub h1: f64,
    pub v: f64,
    pub a: f64,
    pub b: f64,
    pub d: f64,
    pub f: f64,
    pub p: f64,
    pub q: f64,
    pub r: f64,
    pub s: f64,
    pub t: f64,
    pub u: f64,
}

/// Layer 1 (PDLT §4.1): K⁽¹⁾ = C_b + C_W x², Θ⁽¹⁾ = λ_b + λ_W x²; z⁽¹⁾ is exactly Gaussian and its NTK
/// deterministic, so every finite-width tensor vanishes.
pub fn first_layer(h: &LayerHyper, x2: f64) -> LayerStats {
    LayerStats { k: h.cb + h.cw * x2, theta: h.lambda_b + h.lambda_w * x2, ..Default::default() }
}

/// Susceptibilities at layer ℓ with C_W of the next layer (PDLT §5.1):
/// χ∥ = C_W ⟨σ²(z²−K)⟩/(2K²), χ⊥ = C_W ⟨σ′²⟩.
pub fn susceptibilities(m: &Moments, cw: f64, k: f64) -> (f64, f64) {
    let k = k.max(K_MIN);
    (cw * m.s2he2 / (2.0 * k), cw * m.d2)
}

/// One step ℓ → ℓ+1 of every recursion (docs/theory/recursions.md §3), with `h` the hyperparameters of layer
/// ℓ+1, `m` the expectations at K⁽ℓ⁾ and `ratio` = n_ℓ/n_{ℓ−1}.
///   K' = C_b + C_W⟨σ²⟩,  Θ' = λ_b + λ_W⟨σ²⟩ + C_W Θ⟨σ′²⟩
///   V' = C_W²(⟨σ⁴⟩−⟨σ²⟩²) + r χ∥² V
///   G1' = r[χ∥ G1 + C_W⟨σ²He₄⟩V/(8K⁴)]
///   H1' = r[χ⊥ H1 + ω G1 + ⟨y He₄⟩V/(8K⁴) + C_W⟨σ′²(z²−K)⟩(D+2F)/(2K²)]
///   A' = Var(y) + r[χ⊥²A + 2χ⊥ωD + ω²V],  B' = C_W²Θ²⟨σ′⁴⟩ + rχ⊥²B
///   D' = C_W Cov(y, σ²) + r[χ∥χ⊥D + χ∥ωV],  F' = C_W²Θ⟨σ²σ′²⟩ + rχ∥²F
///   P' = C_W²Θ²⟨σσ′²σ″⟩ + r[χ∥χ⊥P + C_W⟨σσ″⟩χ⊥B]
///   Q' = λ_W C_W Θ⟨σ²σ′²⟩ + C_W²Θ²⟨σσ′²σ″⟩ + r[χ∥χ⊥Q + χ∥ωF]
///   R' = λ_W C_W Θ²⟨σσ′²σ″⟩ + C_W²Θ³⟨σ′³σ‴⟩ + r[χ⊥²R + χ⊥(λ_W⟨σσ″⟩ + C_WΘ⟨σ′σ‴⟩)B + χ⊥ωP]
///   S' = λ_W C_W Θ²⟨σ′⁴⟩ + C_W²Θ³⟨σ′²σ″²⟩ + r[χ⊥²S + χ⊥(λ_W⟨σ′²⟩ + C_WΘ⟨σ″²⟩)B]
///   T' = Θ⟨(λ_Wσσ′ + C_WΘσ′σ″)²⟩ + r[χ⊥²T + 2χ⊥ωQ + ω²F],  U' = C_W²Θ³⟨σ′²σ″²⟩ + rχ⊥²U
/// with y = λ_Wσ² + C_WΘσ′² and ω = ∂Θ'/∂K = ⟨y(z²−K)⟩/(2K²).
pub fn next_layer(m: &Moments, prev: &LayerStats, h: &LayerHyper, ratio: f64) -> LayerStats {
    let LayerHyper { cb, cw, lambda_b: lb, lambda_w: lw } = *h;
    let k = prev.k.max(K_MIN);
    let th = prev.theta;
    let (chi_par, chi_perp) = susceptibilities(m, cw, k);
    let y_mean = lw * m.s2 + cw * th * m.d2;
    let y_sq = lw * lw * m.s4 + 2.0 * lw * cw * th * m.s2d2 + cw * cw * th * th * m.d4;
    let y_s2 = lw * m.s4 + cw * th * m.s2d2;
    let omega = (lw * m.s2he2 + cw * th * m.d2he2) / (2.0 * k);
    // ⟨f He₄⟩V/(8K⁴) = ⟨f he4⟩/(8K) · (V/K): never form K² or V·⟨…⟩ that could overflow first.
    let v_over_k = prev.v / k;
    let he4_v = |f_he4: f64| f_he4 / (8.0 * k) * v_over_k;
    let r = ratio;
    let cw2 = cw * cw;
    let th2 = th * th;
    let th3 = th2 * th;
    LayerStats {
        k: cb + cw * m.s2,
        theta: lb + lw * m.s2 + cw * th * m.d2,
        v: cw2 * (m.s4 - m.s2 * m.s2) + r * chi_par * chi_par * prev.v,
        g1: r * (chi_par * prev.g1 + he4_v(cw * m.s2he4)),
        h1: r * (chi_perp * prev.h1
            + omega * prev.g1
            + he4_v(lw * m.s2he4 + cw * th * m.d2he4)
            + cw * m.d2he2 / (2.0 * k) * (prev.d + 2.0 * prev.f)),
        a: (y_sq - y_mean * y_mean)
            + r * (chi_perp * chi_perp * prev.a + 2.0 * chi_perp * omega * prev.d + omega * omega * prev.v),
        b: cw2 * th2 * m.d4 + r * chi_perp * chi_perp * prev.b,
        d: cw * (y_s2 - y_mean * m.s2) + r * (chi_par * chi_perp * prev.d + chi_par * omega * prev.v),
        f: cw2 * th * m.s2d2 + r * chi_par * chi_par * prev.f,
        p: cw2 * th2 * m.sd2dd + r * (chi_par * chi_perp * prev.p + cw * m.sdd * chi_perp * prev.b),
        q: lw * cw * th * m.s2d2 + cw2 * th2 * m.sd2dd + r * (chi_par * chi_perp * prev.q + chi_par * omega * prev.f),
        r: lw * cw * th2 * m.sd2dd
            + cw2 * th3 * m.d3ddd
            + r * (chi_perp * chi_perp * prev.r
                + chi_perp * (lw * m.sdd + cw * th * m.dddd) * prev.b
                + chi_perp * omega * prev.p),
        s: lw * cw * th2 * m.d4
            + cw2 * th3 * m.d2dd2
            + r * (chi_perp * chi_perp * prev.s + chi_perp * (lw * m.d2 + cw * th * m.dd2) * prev.b),
        t: th * (lw * lw * m.s2d2 + 2.0 * lw * cw * th * m.sd2dd + cw2 * th2 * m.d2dd2)
            + r * (chi_perp * chi_perp * prev.t + 2.0 * chi_perp * omega * prev.q + omega * omega * prev.f),
        u: cw2 * th3 * m.d2dd2 + r * chi_perp * chi_perp * prev.u,
    }
}

/// Values per layer in the output of [`run_recursion`] (and `wf_theory`).
pub const THEORY_STRIDE: usize = 18;
/// Flag bits in slot 17 of a layer's output.
pub const FLAG_OVERFLOW: f64 = 1.0;
pub const FLAG_K_UNDERFLOW: f64 = 2.0;

impl LayerStats {
    pub fn to_array(&self) -> [f64; 15] {
        [self.k, self.theta, self.g1, self.h1, self.v, self.a, self.b, self.d, self.f, self.p, self.q, self.r,
         self.s, self.t, self.u]
    }
    pub fn from_array(a: &[f64; 15]) -> LayerStats {
        LayerStats { k: a[0], theta: a[1], g1: a[2], h1: a[3], v: a[4], a: a[5], b: a[6], d: a[7], f: a[8],
                     p: a[9], q: a[10], r: a[11], s: a[12], t: a[13], u: a[14] }
    }
}

/// Keeps non-finite results out of the output: a quantity that overflowed becomes ±∞ with the sign
/// of its last value (a NaN from ∞ − ∞ included), and stays there. Returns true if anything was
/// not finite.
pub fn saturate(cur: &mut LayerStats, prev: &LayerStats) -> bool {
    let mut a = cur.to_array();
    let p = prev.to_array();
    let mut bad = false;
    for i in 0..15 {
        if !a[i].is_finite() || p[i].is_infinite() {
            bad = true;
            let sign = if a[i].is_nan() || a[i] == 0.0 { if p[i] < 0.0 { -1.0 } else { 1.0 } } else { a[i].signum() };
            a[i] = sign * f64::INFINITY;
        }
    }
    *cur = LayerStats::from_array(&a);
    bad
}

/// Runs the whole recursion. `widths` = n₀ … n_{L−1}, `hyper` has L entries (layer 1 … L).
/// Writes THEORY_STRIDE values per layer to `out`:
/// K, Θ, G1, H1, V, A, B, D, F, P, Q, R, S, T, U, χ∥, χ⊥, flags.
pub fn run_recursion(q: &Quadrature, act: &Activation, widths: &[f64], hyper: &[LayerHyper], x2: f64, out: &mut [f64]) {
    let depth = hyper.len();
    let mut cur = first_layer(&hyper[0], x2);
    let mut overflowed = false;
    for l in 0..depth {
        // Statistics of layer l+1 are in `cur`; χ's of that layer use C_W of the next layer.
        let next_h = hyper[(l + 1).min(depth - 1)];
        let mut flags = 0.0;
        if cur.k < K_MIN && cur.k.is_finite() {
            flags += FLAG_K_UNDERFLOW;
        }
        let m = if cur.k.is_finite() { compute_moments(q, act, cur.k) } else { Moments::default() };
        let (mut chi_par, mut chi_perp) = if cur.k.is_finite() { susceptibilities(&m, next_h.cw, cur.k) } else { (f64::INFINITY, f64::INFINITY) };
        // Moments can overflow while K is still finite (e.g. σ = z³): ∞/∞ must not leak out as NaN.
        if chi_par.is_nan() || chi_perp.is_nan() {
            overflowed = true;
            chi_par = if chi_par.is_nan() { f64::INFINITY } else { chi_par };
            chi_perp = if chi_perp.is_nan() { f64::INFINITY } else { chi_perp };
        }
        if overflowed {
            flags += FLAG_OVERFLOW;
        }
        let o = &mut out[l * THEORY_STRIDE..(l + 1) * THEORY_STRIDE];
        o[..15].copy_from_slice(&cur.to_array());
        o[15] = chi_par;
        o[16] = chi_perp;
        o[17] = flags;
        if l + 1 < depth {
            let ratio = widths[l + 1] / widths[l];
            let mut nxt = if cur.k.is_finite() { next_layer(&m, &cur, &hyper[l + 1], ratio) } else { cur };
            overflowed |= saturate(&mut nxt, &cur);
            cur = nxt;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_simple(kind: u32, a: f64, depth: usize, h: LayerHyper, x2: f64) -> Vec<f64> {
        let q = Quadrature::new(crate::numerics::quadrature::DEFAULT_DEGREE).unwrap();
        let act = Activation::from_raw(kind, a).unwrap();
        let widths = vec![16.0; depth];
        let hyper = vec![h; depth];
        let mut out = vec![0.0; depth * THEORY_STRIDE];
        run_recursion(&q, &act, &widths, &hyper, x2, &mut out);
        out
    }

    #[test]
    fn relu_at_criticality_has_v_equal_5_l_minus_1_k_squared() {
        let out = run_simple(1, 0.0, 12, LayerHyper { cb: 0.0, cw: 2.0, lambda_b: 1.0, lambda_w: 1.0 }, 1.5);
        let k = 3.0;
        for l in 0..12 {
            let o = &out[l * THEORY_STRIDE..];
            assert!((o[0] - k).abs() < 1e-13 * k);
            let v = 5.0 * l as f64 * k * k;
            assert!((o[4] - v).abs() <= 1e-12 * v.max(1.0), "layer {} V {} vs {}", l + 1, o[4], v);
        }
    }

    #[test]
    fn deep_linear_net_has_v_equal_2_l_minus_1_k_squared() {
        let cw = 1.3;
        let out = run_simple(0, 0.0, 8, LayerHyper { cb: 0.0, cw, lambda_b: 0.5, lambda_w: 0.5 }, 1.0);
        for l in 0..8 {
            let o = &out[l * THEORY_STRIDE..];
            let k = cw.powi(l as i32 + 1);
            let v = 2.0 * l as f64 * k * k;
            assert!((o[4] - v).abs() <= 1e-12 * v.max(1.0));
            assert!(o[2].abs() < 1e-12 * k); // G1 = 0
        }
    }

    #[test]
    fn depth_1000_chaotic_relu_saturates_without_nan() {
        let out = run_simple(1, 0.0, 1000, LayerHyper { cb: 0.1, cw: 3.0, lambda_b: 1.0, lambda_w: 1.0 }, 1.0);
        assert!(out.iter().all(|v| !v.is_nan()));
        assert_eq!(out[999 * THEORY_STRIDE + 4], f64::INFINITY);
        assert!(out[999 * THEORY_STRIDE + 17] >= FLAG_OVERFLOW);
    }
}
