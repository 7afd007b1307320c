//! Infinite-width kernel matrices over many inputs (PDLT §4.1, §8.1 with sample indices α, β):
//!
//!   K⁽¹⁾_αβ = C_b + C_W x_α·x_β/n₀,                Θ⁽¹⁾_αβ = λ_b + λ_W x_α·x_β/n₀,
//!   K⁽ℓ⁺¹⁾_αβ = C_b + C_W ⟨σ(z_α)σ(z_β)⟩,          Θ⁽ℓ⁺¹⁾_αβ = λ_b + λ_W ⟨σ(z_α)σ(z_β)⟩ + C_W Θ⁽ℓ⁾_αβ ⟨σ′(z_α)σ′(z_β)⟩,
//!
//! with (z_α, z_β) ~ N(0, [[K_αα, K_αβ], [K_αβ, K_ββ]]) at layer ℓ and the hyperparameters of layer
//! ℓ+1. The TS twin is `ts/twin/theory/kernel_matrix.ts` (same rules, same order of operations).
//!
//! Which 2-D rule computes ⟨σσ⟩ and ⟨σ′σ′⟩ for a pair α ≠ β:
//! * **closed forms** (`closed_pair`; accurate to ≤ 1e-14 relative on every entry against 40-digit
//!   mpmath, test/kernel-closed-forms.test.ts), the same set neural-tangents has in closed form:
//!   relu and leaky relu (arc-cosine kernels of degree 1 and 0, Cho & Saul 2009, with
//!   σ = a·z + (1−a)·relu(z): ⟨σσ⟩ = a K_αβ + (1−a)² J₁, ⟨σ′σ′⟩ = a + (1−a)² J₀, written in the angle
//!   δ = π − θ so that nearly antiparallel pairs keep their digits), erf (arcsine kernel, Williams
//!   1997), exact gelu zΦ(z) (derived in docs/theory/kernels.md), sin, and linear. For these the
//!   `degree` only sets the diagonal's 1-D rule.
//! * **smooth σ** (tanh, sigmoid, softplus, swish, scaled tanh, custom): the Mehler series of
//!   `theory::mehler` — one set of Hermite coefficients per input and layer, then O(M) flops per pair
//!   (within 1e-14 of 25-digit mpmath, test/kernels-mehler.test.ts). An input whose series would need more
//!   than `mehler::M_CAP` orders (tanh: K ≳ 5.7) has its pairs computed by a tensor trapezoid in
//!   Cholesky coordinates z_α = √K_αα x₁, z_β = (K_αβ/√K_αα) x₁ + √(K_ββ − K_αβ²/K_αα) x₂ over the
//!   disc x₁² + x₂² ≤ 8.75² (Gaussian mass e^{−38} outside), each axis with its own step for the
//!   target e^{−36} (`smooth_pair`, `pair_level`): the inner axis only sees the conditional variance
//!   K_ββ(1 − c²), so nearly parallel pairs take few inner nodes. For odd σ (tanh, scaled tanh) the
//!   integrands σσ and σ′σ′ are even under (x₁, x₂) → (−x₁, −x₂), so half of the plane is summed
//!   twice, and for tanh the inner sums run on the lattice without an `exp` per node (`tanh_inner`).
//! * **elu, monomials** (and anything else): `Quadrature::expect2` (its kink-split rule for elu,
//!   Gauss–Hermite × Gauss–Hermite, exact, for polynomials).
//!
//! The diagonal α = β takes ⟨σ²⟩ and ⟨σ′²⟩ from the closed form at c = 1 when σ has one, else from
//! the single-input moment bundle (`theory::moments::compute_moments`); either way it equals
//! `theory()`'s K and Θ (bit for bit in the second case, to ~1e-15 in the first).
use crate::ffi::layout::kernel_layer as kl;
use crate::numerics::activation::{Activation, Kind};
use crate::numerics::quadrature::{ladder_step, Quadrature};
use crate::theory::mehler::{MehlerRule, Series};
use crate::theory::moments::{compute_moments, K_MIN};
use crate::theory::recursion::LayerHyper;

/// True when σ(−z) = −σ(z), so that σσ and σ′σ′ are even functions of (z_α, z_β).
fn is_odd(act: &Activation) -> bool {
    match act.kind {
        Kind::Tanh | Kind::Erf | Kind::Sin | Kind::ScaledTanh | Kind::Linear => true,
        Kind::Monomial => (act.a as i64) % 2 == 1,
        _ => false,
    }
}

/// ⟨σσ⟩ and ⟨σ′σ′⟩ of relu (a = 0) or leaky relu (negative slope a) in closed form (the
/// arc-cosine kernels of degree 1 and 0), written in δ = π − θ, the angle between z_α and −z_β:
///
///   J₁ = √(K_αα K_ββ)(sin δ − δ cos δ)/2π,   J₀ = δ/2π,   cos δ = −c.
///
/// For nearly antiparallel pairs (c → −1) δ → 0: π − acos(c) keeps only the absolute accuracy of
/// acos(c) ≈ π (issue 9: 6.2e-10 relative at c = −0.99992), while atan2(√((1−c)(1+c)), −c) keeps δ
/// relative; and sin δ − δ cos δ = δ³/3 − δ⁵/30 + … cancels, so below δ = 1/2 it is summed as a series.
pub fn leaky_relu_pair(a: f64, k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    // √K11·√K22, not √(K11·K22): the product overflows once K passes 1e154 (deep chaotic nets).
    let norm = k11.sqrt() * k22.sqrt();
    let c = if norm > 0.0 { (k12 / norm).clamp(-1.0, 1.0) } else { 0.0 };
    // sin θ = √(K₁₁K₂₂ − K₁₂²)/norm with the determinant free of cancellation: 1 − c² from a rounded c
    // would carry an absolute error ε, i.e. 1e-8 relative in J₁ at c = −0.99999999.
    let s = if norm > 0.0 { (det2(k11, k22, k12).max(0.0).sqrt() / norm).min(1.0) } else { 1.0 };
    let delta = s.atan2(-c);
    let g = if delta < 0.5 { sin_minus_x_cos(delta) } else { s + delta * c };
    let two_pi = 2.0 * std::f64::consts::PI;
    let (j1, j0) = (norm * g / two_pi, delta / two_pi);
    let b = (1.0 - a) * (1.0 - a);
    (a * k12 + b * j1, a + b * j0)
}

/// Dekker's exact product: a·b = p + e with p = fl(a·b) (no fma: wasm has none, and the TS twin
/// must do the same arithmetic).
fn two_product(a: f64, b: f64) -> (f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2²⁷ + 1
    let p = a * b;
    let (ca, cb) = (SPLIT * a, SPLIT * b);
    let (ah, bh) = (ca - (ca - a), cb - (cb - b));
    let (al, bl) = (a - ah, b - bh);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// K₁₁K₂₂ − K₁₂² to a few ulps of itself, also when it cancels (nearly (anti)parallel pairs).
pub fn det2(k11: f64, k22: f64, k12: f64) -> f64 {
    let (p1, e1) = two_product(k11, k22);
    let (p2, e2) = two_product(k12, k12);
    let d = (p1 - p2) + (e1 - e2);
    // The splitting overflows past ~1e300; the plain difference is then as good as it gets.
    if d.is_finite() { d } else { p1 - p2 }
}

/// sin δ − δ cos δ = Σ_{k≥1} (−1)^{k+1} 2k δ^{2k+1}/(2k+1)! for 0 ≤ δ < 1/2, where the closed form
/// cancels (relative error 3ε/δ²); nine terms reach 1e-19 relative at δ = 1/2.
pub fn sin_minus_x_cos(delta: f64) -> f64 {
    let d2 = delta * delta;
    // t_k = 2k δ^{2k+1}/(2k+1)!, t_{k+1}/t_k = (k+1)/k · δ²/((2k+2)(2k+3)).
    let mut t = delta * d2 / 3.0;
    let mut sum = t;
    for k in 1..9 {
        let kf = k as f64;
        t *= -((kf + 1.0) / kf) * d2 / ((2.0 * kf + 2.0) * (2.0 * kf + 3.0));
        sum += t;
    }
    sum
}

/// ⟨erf erf⟩ and ⟨erf′ erf′⟩ in closed form (the arcsine kernel, Williams 1997):
///
///   ⟨σσ⟩ = (2/π) asin(2K₁₂/√((1+2K₁₁)(1+2K₂₂))),   ⟨σ′σ′⟩ = (4/π)/√((1+2K₁₁)(1+2K₂₂) − 4K₁₂²),
///
/// with q = (1+2K₁₁)(1+2K₂₂) − 4K₁₂² = 1 + 2(K₁₁+K₂₂) + 4(K₁₁K₂₂ − K₁₂²) summed without cancelling
/// its leading 1, and asin(x) = atan2(2K₁₂, √q), which stays accurate as |x| → 1.
pub fn erf_pair(k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    let q = 1.0 + 2.0 * (k11 + k22) + 4.0 * det2(k11, k22, k12);
    let sq = q.sqrt();
    let pi = std::f64::consts::PI;
    (2.0 / pi * (2.0 * k12).atan2(sq), 4.0 / pi / sq)
}

/// ⟨σσ⟩ and ⟨σ′σ′⟩ of the exact gelu σ(z) = zΦ(z) in closed form (derived in docs/theory/kernels.md;
/// checked against 2-D mpmath quadrature by bench/reference/kernel_pairs.py). With P_i = 1 + K_ii and
/// D = P₁P₂ − K₁₂² = 1 + K₁₁ + K₂₂ + (K₁₁K₂₂ − K₁₂²) ≥ 1:
///
///   ⟨σσ⟩   = K₁₂/4 + K₁₂ A/2π + M/(2π√D),   A = asin(K₁₂/√(P₁P₂)) = atan2(K₁₂, √D),
///            M = K₁₁K₂₂ + K₁₂²(1 − K₁₁K₂₂)/(P₁P₂),
///   ⟨σ′σ′⟩ = ∂⟨σσ⟩/∂K₁₂ = 1/4 + A/2π + K₁₂(1 + 2(1 − K₁₁K₂₂)/(P₁P₂))/(2π√D) + K₁₂M/(2πD^{3/2}).
pub fn gelu_pair(k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    let (p1, p2) = (1.0 + k11, 1.0 + k22);
    let d = 1.0 + k11 + k22 + det2(k11, k22, k12);
    let sd = d.sqrt();
    let a = k12.atan2(sd);
    let r = (1.0 - k11 * k22) / (p1 * p2);
    let m = k11 * k22 + k12 * k12 * r;
    let two_pi = 2.0 * std::f64::consts::PI;
    let ss = 0.25 * k12 + k12 * a / two_pi + m / (two_pi * sd);
    let dd = 0.25 + a / two_pi + k12 * (1.0 + 2.0 * r) / (two_pi * sd) + k12 * m / (two_pi * d * sd);
    (ss, dd)
}

/// ⟨sin sin⟩ = e^{−(K₁₁+K₂₂)/2} sinh K₁₂ and ⟨cos cos⟩ = e^{−(K₁₁+K₂₂)/2} cosh K₁₂, with the
/// exponentials combined so that large K neither overflows cosh nor underflows the prefactor.
pub fn sin_pair(k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    let m = 0.5 * (k11 + k22);
    let (ep, em) = ((k12 - m).exp(), (-k12 - m).exp());
    let ss = if k12.abs() < 1.0 { (-m).exp() * k12.sinh() } else { 0.5 * (ep - em) };
    (ss, 0.5 * (ep + em))
}

/// The closed form of ⟨σσ⟩, ⟨σ′σ′⟩ for σ, when there is one (relu, leaky relu, linear, erf, gelu, sin).
pub fn closed_pair(act: &Activation, k11: f64, k12: f64, k22: f64) -> Option<(f64, f64)> {
    match act.kind {
        Kind::Relu => Some(leaky_relu_pair(0.0, k11, k12, k22)),
        Kind::LeakyRelu => Some(leaky_relu_pair(act.a, k11, k12, k22)),
        Kind::Linear => Some((k12, 1.0)),
        Kind::Erf => Some(erf_pair(k11, k12, k22)),
        Kind::Gelu => Some(gelu_pair(k11, k12, k22)),
        Kind::Sin => Some(sin_pair(k11, k12, k22)),
        _ => None,
    }
}

/// Exponent τ of the pair rule's target error e^{−τ} (as `theory()`'s 1-D trapezoid).
const TAU: f64 = 36.0;
/// Degree at which the step formulas hold; a higher degree shrinks every step by 64/degree.
const REF_DEGREE: f64 = 64.0;
/// Largest step of the pair rule. A polynomial-times-Gaussian integrand x^k φ(x) aliases by
/// ~ω^k e^{−2π²/h²} (ω = 2π/h): at h = 0.6 that is ≤ 3e-18 for k ≤ 6 (at 0.71, where φ alone would
/// reach e^{−τ}, a small-K tanh pair was off by 7e-14). The 1-D rule of `theory()` caps at 0.3:
/// 2× more nodes per axis, 4× in 2-D.
const H_GAUSS: f64 = 0.6;
/// Radius of the disc of (x₁, x₂) the pair sums cover: the Gaussian mass outside is e^{−R²/2} = e^{−38}.
const R_DISC: f64 = 8.75;
/// Ladder levels of `Quadrature::trapezoid` (steps 2.4 … 3e-4).
const LADDER: (i32, i32) = (-12, 40);

/// Trapezoid level of the pair rule for a Gaussian of variance k in an integrand whose σ is analytic
/// in the strip |Im z| < ρ: poles at distance ρ/√k alias by e^{−2πρ/(h√k)} = e^{−τ}, capped at H_GAUSS.
/// Below degree 64 only the σ-resolution coarsens, never the Gaussian's own cap.
fn pair_level(degree: f64, rho: f64, k: f64) -> i32 {
    let scale = REF_DEGREE / degree;
    let sigma = if k > 0.0 { 2.0 * std::f64::consts::PI * rho / (TAU * k.sqrt()) * scale } else { f64::INFINITY };
    let target = sigma.min(H_GAUSS * scale.min(1.0));
    let mut level = LADDER.0;
    while level < LADDER.1 && ladder_step(level) > target {
        level += 1;
    }
    level
}

/// Slope a > 0 when σ(z) = tanh(a·z) (tanh, scaled tanh with a > 0): the inner sums then take the
/// fast path of [`tanh_inner`].
fn tanh_slope(act: &Activation) -> Option<f64> {
    match act.kind {
        Kind::Tanh => Some(1.0),
        Kind::ScaledTanh if act.a > 0.0 && act.a.is_finite() => Some(act.a),
        _ => None,
    }
}

/// Σⱼ wⱼ tanh(a zⱼ) and Σⱼ wⱼ a·sech²(a zⱼ) over j ∈ [lo, hi), zⱼ = y + l22·xⱼ, on the trapezoid
/// xⱼ = (j − J)·h (l22 > 0). On a lattice e^{−2a|zⱼ|} is geometric in j, so one `exp` per side of
/// zⱼ = 0 and one multiplication per node replace an `exp` per node (90 % of the time of the plain
/// loop), and tanh = (1−e)/(1+e), sech² = 4e/(1+e)² share one division. Starting at the node nearest 0
/// and moving outwards, e only shrinks (no overflow), and after k steps it carries ≤ k + 1 ulps of
/// relative error: ≤ 1e-14 in tanh and sech² for k ≤ 90.
#[allow(clippy::too_many_arguments)]
fn tanh_inner(xs: &[f64], ws: &[f64], lo: usize, hi: usize, a: f64, y: f64, l22: f64, h: f64) -> (f64, f64) {
    let j0 = first_nonnegative(xs, lo, hi, y, l22, h);
    let r = (-2.0 * a * l22 * h).exp();
    let a4 = 4.0 * a;
    let (mut ss, mut dd) = (0.0, 0.0);
    if j0 < hi {
        let mut e = (-2.0 * a * (y + l22 * xs[j0])).exp();
        for j in j0..hi {
            let inv = 1.0 / (1.0 + e);
            ss += ws[j] * ((1.0 - e) * inv);
            dd += ws[j] * (a4 * e * inv * inv);
            e *= r;
        }
    }
    if j0 > lo {
        let mut e = (2.0 * a * (y + l22 * xs[j0 - 1])).exp();
        for j in (lo..j0).rev() {
            let inv = 1.0 / (1.0 + e);
            ss -= ws[j] * ((1.0 - e) * inv);
            dd += ws[j] * (a4 * e * inv * inv);
            e *= r;
        }
    }
    (ss, dd)
}

/// First j in [lo, hi) with y + l22·xⱼ ≥ 0 on the trapezoid xⱼ = (j − J)·h (l22 > 0): from the
/// lattice position of the root, then fixed up against rounding.
fn first_nonnegative(xs: &[f64], lo: usize, hi: usize, y: f64, l22: f64, h: f64) -> usize {
    let half = xs.len() / 2;
    let root = -y / (l22 * h) + half as f64;
    let mut j0 = if root <= lo as f64 { lo } else if root >= hi as f64 { hi } else { root.ceil() as usize };
    while j0 > lo && y + l22 * xs[j0 - 1] >= 0.0 {
        j0 -= 1;
    }
    while j0 < hi && y + l22 * xs[j0] < 0.0 {
        j0 += 1;
    }
    j0
}

/// ⟨σ(z₁)σ(z₂)⟩ and ⟨σ′(z₁)σ′(z₂)⟩ by a tensor trapezoid in Cholesky coordinates z₁ = l11 x₁,
/// z₂ = l21 x₁ + l22 x₂ over the disc x₁² + x₂² ≤ R_DISC². Each axis takes its own step: the outer
/// integrand σ(l11 x₁)·E[σ(l21 x₁ + l22 X)] is analytic in the strip of variance max(K₁₁, l21²), the
/// inner σ(y + l22 x₂) in that of l22² = K₂₂(1 − c²), so nearly (anti)parallel pairs — most pairs of
/// a deep net — need few inner nodes.
#[allow(clippy::too_many_arguments)]
fn smooth_pair(q: &Quadrature, rho: f64, act: &Activation, odd: bool, k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    let l11 = k11.sqrt();
    let l21 = if l11 > 0.0 { k12 / l11 } else { 0.0 };
    let l22 = (k22 - l21 * l21).max(0.0).sqrt();
    let degree = q.degree() as f64;
    let outer = q.trapezoid(pair_level(degree, rho, k11.max(l21 * l21)));
    let inner = q.trapezoid(pair_level(degree, rho, l22 * l22));
    let (xo, wo, xi, wi) = (&outer.nodes, &outer.weights, &inner.nodes, &inner.weights);
    let (mo, mi) = (xo.len(), xi.len());
    let (half_o, half_i) = (mo / 2, mi / 2);
    let h = if mi >= 3 { xi[half_i + 1] } else { 0.0 };
    // The lattice fast path needs a step and a non-degenerate inner variable.
    let fast = if mi < 3 || l22 <= 0.0 { None } else { tanh_slope(act) };
    let r2 = R_DISC * R_DISC;
    let (mut s, mut d) = (0.0, 0.0);
    for i in if odd { half_o } else { 0 }..mo {
        let x1 = xo[i];
        let lim = r2 - x1 * x1;
        if lim < 0.0 {
            continue;
        }
        let r = if h > 0.0 { ((lim.sqrt() / h) as usize).min(half_i) } else { 0 };
        let (lo, hi) = (half_i - r, half_i + r + 1);
        let d1 = act.eval(l11 * x1);
        let y = l21 * x1;
        let (mut ss, mut dd) = (0.0, 0.0);
        if let Some(a) = fast {
            (ss, dd) = tanh_inner(xi, wi, lo, hi, a, y, l22, h);
        } else {
            for j in lo..hi {
                let d2 = act.eval(y + l22 * xi[j]);
                ss += wi[j] * d2[0];
                dd += wi[j] * d2[1];
            }
        }
        // Odd σ: σσ and σ′σ′ are even under (x₁, x₂) → (−x₁, −x₂), so the half-plane x₁ > 0 counts twice.
        let w = if odd && i != half_o { 2.0 * wo[i] } else { wo[i] };
        s += w * d1[0] * ss;
        d += w * d1[1] * dd;
    }
    (s, d)
}

/// Factor on `analytic_halfwidth` for the pair rule. That half-width is set below the pole distance
/// (tanh: π/2 → 1.0; sigmoid, softplus, swish: π → 2) because the 1-D moments integrate σ′⁴ and σ′²σ″²,
/// whose poles have order up to 8; the pair integrands σ(z₁)σ(z₂) and σ′(z₁)σ′(z₂) have poles of order
/// ≤ 2 per axis, so the strip can reach 1.25× further (still inside π/2 and π): 1.56× fewer nodes in
/// 2-D at the same converged accuracy (test `smooth_rule_at_the_default_degree_is_converged`; 1.4 failed
/// it at 5e-13). Scaled tanh's half-width (1/a) is not as conservative: it keeps its own.
fn pair_gain(act: &Activation) -> f64 {
    match act.kind {
        Kind::Tanh | Kind::Sigmoid | Kind::Softplus | Kind::Swish => 1.25,
        _ => 1.0,
    }
}

/// One step's rules: the quadrature and the activation.
struct PairRule<'q> {
    q: &'q Quadrature,
    act: Activation,
    odd: bool,
    halfwidth: Option<f64>,
    /// Smooth σ: the Mehler series (`theory::mehler`), whose coefficients one input computes once per layer.
    mehler: Option<MehlerRule>,
}

impl<'q> PairRule<'q> {
    /// `with_series`: whether smooth σ may use Mehler series (else the 2-D rules only).
    fn new(q: &'q Quadrature, act: Activation, with_series: bool) -> PairRule<'q> {
        let halfwidth = if act.is_polynomial() || act.has_kink() { None } else { act.analytic_halfwidth().map(|r| r * pair_gain(&act)) };
        let odd = is_odd(&act);
        // Closed forms (erf, gelu, sin) need no series.
        let mehler = match halfwidth {
            Some(rho) if with_series && closed_pair(&act, 1.0, 0.5, 1.0).is_none() => Some(MehlerRule::new(rho, odd)),
            _ => None,
        };
        PairRule { q, act, odd, halfwidth, mehler }
    }

    /// The Mehler coefficients of an input of variance K (None: no series for σ, or none that converges).
    fn series(&self, kaa: f64) -> Option<Series> {
        self.mehler.as_ref().and_then(|m| m.series(&self.act, kaa))
    }

    /// (⟨σσ⟩, ⟨σ′σ′⟩) for one off-diagonal pair; NaN when the covariance is not finite. With both
    /// inputs' series at hand, the Mehler sum; else the 2-D rules.
    fn pair(&mut self, k11: f64, k12: f64, k22: f64, sa: Option<&Series>, sb: Option<&Series>) -> (f64, f64) {
        if !(k11.is_finite() && k12.is_finite() && k22.is_finite()) {
            return (f64::NAN, f64::NAN);
        }
        // Rounding can push |K12| a hair above √(K11 K22); clamp to the PSD boundary.
        let bound = k11.max(0.0).sqrt() * k22.max(0.0).sqrt();
        let k12 = k12.clamp(-bound, bound);
        if let (Some(m), Some(sa), Some(sb)) = (self.mehler.as_ref(), sa, sb) {
            // Both series exist only for K11, K22 > 0, so bound > 0.
            return m.pair(sa, sb, k12 / bound);
        }
        if let Some(v) = closed_pair(&self.act, k11, k12, k22) {
            return v;
        }
        if let Some(rho) = self.halfwidth {
            if k11.max(k22) > 0.0 {
                return smooth_pair(self.q, rho, &self.act, self.odd, k11, k12, k22);
            }
        }
        let mut o = [0.0; 2];
        match self.q.expect2(&self.act, k11, k12, k22, &mut o, |_, d1, _, d2, v| {
            v[0] = d1[0] * d2[0];
            v[1] = d1[1] * d2[1];
        }) {
            Ok(()) => (o[0], o[1]),
            Err(_) => (f64::NAN, f64::NAN),
        }
    }
}

/// Number of pairs (α, β) with lo ≤ α < hi and α ≤ β < N: the entries `kernel_rows` fills (two values each).
pub fn rows_len(n: usize, lo: usize, hi: usize) -> usize {
    if hi <= lo {
        return 0;
    }
    (hi - lo) * n - (hi * (hi - 1) - lo * lo.saturating_sub(1)) / 2
}

/// ⟨σ²⟩/⟨σσ⟩ and ⟨σ′²⟩/⟨σ′σ′⟩ over rows lo ≤ α < hi of the upper triangle of one layer's K (N × N,
/// row-major): the unit of work of `kernels({ workers })`, which splits each layer's rows over threads.
/// `out[2i]`, `out[2i+1]` belong to the i-th pair (α, β) in the order α = lo…hi−1, β = α…N−1. The
/// calls are those of [`run_kernel_matrix`], so both paths give the same bits.
pub fn kernel_rows(q: &Quadrature, act: Activation, k: &[f64], n: usize, lo: usize, hi: usize, out: &mut [f64]) {
    rows(q, act, k, n, lo, hi, out, true);
}

/// [`kernel_rows`] by the 2-D rules alone, without Mehler series: for a few inputs per call (the
/// per-network conditional estimators of `sampling::multi`, N ≤ 32 inputs each network), where the
/// coefficient sets (25–35 µs per input) and the tables of the series cost more than the pairs.
pub fn kernel_rows_direct(q: &Quadrature, act: Activation, k: &[f64], n: usize, lo: usize, hi: usize, out: &mut [f64]) {
    rows(q, act, k, n, lo, hi, out, false);
}

#[allow(clippy::too_many_arguments)]
fn rows(q: &Quadrature, act: Activation, k: &[f64], n: usize, lo: usize, hi: usize, out: &mut [f64], with_series: bool) {
    let mut rule = PairRule::new(q, act, with_series);
    // The series of every input these rows pair with: the same bits as in the whole recursion.
    let diag: Vec<f64> = (lo..n).map(|b| k[b * n + b]).collect();
    let series: Vec<Option<Series>> = diag.iter().map(|&kbb| rule.series(kbb)).collect();
    let mut i = 0;
    for a in lo..hi {
        let kaa = diag[a - lo];
        let (s, d) = diagonal(q, &act, kaa);
        out[i] = s;
        out[i + 1] = d;
        i += 2;
        for b in a + 1..n {
            let (s, d) = rule.pair(kaa, k[a * n + b], diag[b - lo], series[a - lo].as_ref(), series[b - lo].as_ref());
            out[i] = s;
            out[i + 1] = d;
            i += 2;
        }
    }
}

/// ⟨σ²⟩ and ⟨σ′²⟩ at variance K: the closed form at c = 1 when σ has one (equal to `theory()`'s
/// moments to ~1e-16, and 90 µs cheaper than the full single-input bundle, which dominated erf at
/// N = 2048), else the single-input moments, so that K_αα equals `theory()`'s (NaN for a non-finite K).
fn diagonal(q: &Quadrature, act: &Activation, kaa: f64) -> (f64, f64) {
    // Like the moments, K is taken at max(K, K_MIN), so a zero input still matches `theory()`.
    if kaa.is_finite() {
        let kaa = kaa.max(K_MIN);
        if let Some(v) = closed_pair(act, kaa, kaa, kaa) {
            return v;
        }
    }
    if kaa.is_finite() {
        let m = compute_moments(q, act, kaa);
        (m.s2, m.d2)
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// The whole recursion. `x` is N × n₀ row-major; `out` receives, for ℓ = 1 … L, the record
/// `kernelLayer` of schema/layout.json: the N × N matrix K⁽ℓ⁾ then the N × N matrix Θ⁽ℓ⁾
/// (row-major, symmetric), 2·L·N² values in all.
pub fn run_kernel_matrix(q: &Quadrature, act: Activation, hyper: &[LayerHyper], x: &[f64], n: usize, n0: usize, out: &mut [f64]) {
    const _: () = assert!(kl::K == 0); // K⁽ℓ⁾ opens each record, Θ⁽ℓ⁾ follows at kl::theta(n)
    let nn = n * n;
    let (stride, theta) = (kl::len(n), kl::theta(n));
    let depth = hyper.len();
    // Layer 1: the Gram matrix of the inputs.
    {
        let h = hyper[0];
        let (k, rest) = out.split_at_mut(theta);
        let th = &mut rest[..nn];
        for a in 0..n {
            let xa = &x[a * n0..(a + 1) * n0];
            for b in a..n {
                let xb = &x[b * n0..(b + 1) * n0];
                let mut g = 0.0;
                for i in 0..n0 {
                    g += xa[i] * xb[i];
                }
                g /= n0 as f64;
                let kv = h.cb + h.cw * g;
                let tv = h.lambda_b + h.lambda_w * g;
                k[a * n + b] = kv;
                k[b * n + a] = kv;
                th[a * n + b] = tv;
                th[b * n + a] = tv;
            }
        }
    }
    let mut rule = PairRule::new(q, act, true);
    for l in 1..depth {
        let h = hyper[l];
        let (prev, cur) = out.split_at_mut(l * stride);
        let (pk, pt) = prev[(l - 1) * stride..].split_at(theta);
        let (k, th) = cur[..stride].split_at_mut(theta);
        // The diagonal in one contiguous row: read at every pair, it would otherwise miss the cache each time.
        let diag: Vec<f64> = (0..n).map(|b| pk[b * n + b]).collect();
        let series: Vec<Option<Series>> = diag.iter().map(|&kbb| rule.series(kbb)).collect();
        for a in 0..n {
            let kaa = diag[a];
            let (s, d) = diagonal(q, &act, kaa);
            k[a * n + a] = h.cb + h.cw * s;
            th[a * n + a] = h.lambda_b + h.lambda_w * s + h.cw * pt[a * n + a] * d;
            for b in a + 1..n {
                let (s, d) = rule.pair(kaa, pk[a * n + b], diag[b], series[a].as_ref(), series[b].as_ref());
                k[a * n + b] = h.cb + h.cw * s;
                th[a * n + b] = h.lambda_b + h.lambda_w * s + h.cw * pt[a * n + b] * d;
            }
        }
        mirror_upper(k, n);
        mirror_upper(th, n);
    }
}

/// Copies the upper triangle of an N × N row-major matrix onto the lower one, in 32 × 32 tiles: the
/// pair loop writes rows, and writing the transposed entries there too missed the cache at every
/// entry once N·8 bytes passed a page (16 % of the time at N = 2048).
fn mirror_upper(m: &mut [f64], n: usize) {
    const T: usize = 32;
    for bi in (0..n).step_by(T) {
        for bj in (bi..n).step_by(T) {
            for a in bi..(bi + T).min(n) {
                for b in bj.max(a + 1)..(bj + T).min(n) {
                    m[b * n + a] = m[a * n + b];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::quadrature::DEFAULT_DEGREE;

    fn act(kind: u32, a: f64) -> Activation {
        Activation::from_raw(kind, a).unwrap()
    }

    /// Three inputs with distinct norms and correlations, n₀ = 4.
    fn inputs() -> Vec<f64> {
        vec![1.0, 0.5, -0.3, 0.8, -0.2, 1.1, 0.4, 0.0, 0.9, 0.45, -0.2, 0.7]
    }

    fn run_simple(a: Activation, depth: usize, h: LayerHyper, degree: usize) -> Vec<f64> {
        let q = Quadrature::new(degree).unwrap();
        let x = inputs();
        let mut out = vec![0.0; 2 * depth * 9];
        run_kernel_matrix(&q, a, &vec![h; depth], &x, 3, 4, &mut out);
        out
    }

    #[test]
    fn relu_pairs_follow_the_arc_cosine_kernel() {
        let h = LayerHyper { cb: 0.1, cw: 2.0, lambda_b: 0.3, lambda_w: 1.0 };
        let o = run_simple(act(1, 0.0), 3, h, DEFAULT_DEGREE);
        for l in 1..3 {
            let (pk, pt) = (&o[2 * (l - 1) * 9..], &o[(2 * (l - 1) + 1) * 9..]);
            for (a, b) in [(0, 1), (0, 2), (1, 2), (1, 1)] {
                let (k11, k12, k22) = (pk[a * 3 + a], pk[a * 3 + b], pk[b * 3 + b]);
                let c = k12 / (k11 * k22).sqrt();
                let t = c.clamp(-1.0, 1.0).acos();
                let pi = std::f64::consts::PI;
                let j1 = (k11 * k22).sqrt() * (t.sin() + (pi - t) * c) / (2.0 * pi);
                let j0 = (pi - t) / (2.0 * pi);
                let k = h.cb + h.cw * j1;
                let th = h.lambda_b + h.lambda_w * j1 + h.cw * pt[a * 3 + b] * j0;
                assert!((o[2 * l * 9 + a * 3 + b] - k).abs() < 1e-13 * k.abs().max(1.0));
                assert!((o[(2 * l + 1) * 9 + a * 3 + b] - th).abs() < 1e-13 * th.abs().max(1.0));
            }
        }
    }

    #[test]
    fn erf_pairs_follow_the_arcsine_kernel() {
        let h = LayerHyper { cb: 0.05, cw: 1.7, lambda_b: 0.2, lambda_w: 0.9 };
        let o = run_simple(act(4, 0.0), 3, h, DEFAULT_DEGREE);
        let pi = std::f64::consts::PI;
        for l in 1..3 {
            let (pk, pt) = (&o[2 * (l - 1) * 9..], &o[(2 * (l - 1) + 1) * 9..]);
            for (a, b) in [(0, 1), (0, 2), (1, 2), (2, 2)] {
                let (k11, k12, k22) = (pk[a * 3 + a], pk[a * 3 + b], pk[b * 3 + b]);
                let p = (1.0 + 2.0 * k11) * (1.0 + 2.0 * k22);
                let ss = 2.0 / pi * (2.0 * k12 / p.sqrt()).asin();
                let dd = 4.0 / pi / (p - 4.0 * k12 * k12).sqrt();
                let k = h.cb + h.cw * ss;
                let th = h.lambda_b + h.lambda_w * ss + h.cw * pt[a * 3 + b] * dd;
                assert!((o[2 * l * 9 + a * 3 + b] - k).abs() < 1e-13 * k.abs(), "K l={l} ({a},{b}) {} vs {k}", o[2 * l * 9 + a * 3 + b]);
                assert!((o[(2 * l + 1) * 9 + a * 3 + b] - th).abs() < 1e-13 * th.abs());
            }
        }
    }

    /// The closed forms against `expect2` (an independent 2-D rule: Gauss–Hermite/trapezoid tensor
    /// products at a high degree) where both are accurate, i.e. away from the kinks and the
    /// antiparallel limit; the accuracy at ±0.9999 cosines is tested against mpmath in
    /// test/kernel-closed-forms.test.ts.
    #[test]
    fn closed_forms_agree_with_2d_quadrature() {
        let q = Quadrature::new(200).unwrap();
        for (kind, a) in [(1u32, 0.0), (2, 0.1), (4, 0.0), (7, 0.0), (9, 0.0)] {
            let ac = act(kind, a);
            for &(k11, k12, k22) in &[(1.0, 0.3, 2.0), (0.5, -0.45, 0.5), (3.0, 2.9, 3.0), (0.2, 0.0, 4.0), (1.5, -0.9, 0.7)] {
                let (s, d) = closed_pair(&ac, k11, k12, k22).unwrap();
                let mut o = [0.0; 2];
                q.expect2(&ac, k11, k12, k22, &mut o, |_, d1, _, d2, v| {
                    v[0] = d1[0] * d2[0];
                    v[1] = d1[1] * d2[1];
                })
                .unwrap();
                assert!((s - o[0]).abs() < 1e-12 * o[0].abs() + 1e-15, "kind {kind} ({k11},{k12},{k22}) {s} vs {}", o[0]);
                assert!((d - o[1]).abs() < 1e-12 * o[1].abs() + 1e-15, "kind {kind} ({k11},{k12},{k22}) {d} vs {}", o[1]);
            }
        }
    }

    #[test]
    fn relu_keeps_its_digits_at_antiparallel_inputs() {
        // c = −0.99992 (as a double): J₁ = (sin δ − δ cos δ)/2π and J₀ = δ/2π, δ = acos(−c), at 60 digits
        // (mpmath). The old form (π − acos c) was off by 1.8e-9 relative here.
        let (s, d) = leaky_relu_pair(0.0, 1.0, -0.99992, 1.0);
        let (s_ref, d_ref) = (1.073_694_153_043_084_63e-7_f64, 0.002_013_181_905_543_904_98_f64);
        assert!((s - s_ref).abs() < 1e-13 * s_ref, "{s} vs {s_ref}");
        assert!((d - d_ref).abs() < 1e-14 * d_ref, "{d} vs {d_ref}");
        // The series and the closed form of sin δ − δ cos δ meet at δ = 1/2.
        let x: f64 = 0.5;
        assert!((sin_minus_x_cos(x) - (x.sin() - x * x.cos())).abs() < 1e-16);
    }

    /// The pair rule at the default degree against (a) itself at degree 150 (all steps 2.3× finer:
    /// convergence) and (b) `expect2` at degree 64, the plain tensor trapezoid with `theory()`'s steps
    /// on both axes (an independent sum). Small and large K, cosines up to ±0.99999 where the inner
    /// axis is coarsest. Measured: 1.4e-14 from degree 150, 5.9e-14 from `expect2` (whose own error at
    /// K = 6 is that size; at higher degrees `expect2` drifts by 1e-13 from rounding over 10⁵ nodes,
    /// so it is not the finer reference).
    #[test]
    fn smooth_rule_at_the_default_degree_is_converged() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let fine = Quadrature::new(150).unwrap();
        let (mut worst_conv, mut worst_e2): (f64, f64) = (0.0, 0.0);
        for (kind, a) in [(3u32, 0.0), (5, 0.0), (6, 0.0), (8, 0.0), (11, 0.6)] {
            let ac = act(kind, a);
            let mut rule = PairRule::new(&q, ac, true);
            let mut rule_fine = PairRule::new(&fine, ac, true);
            for &(k11, k22) in &[(0.05, 0.08), (0.3, 0.3), (1.0, 2.0), (6.0, 4.0)] {
                for c in [-0.99999, -0.97, -0.5, 0.0, 0.3, 0.9, 0.999, 0.99999] {
                    let k12 = c * (k11 * k22 as f64).sqrt();
                    let (s, d) = rule.pair(k11, k12, k22, None, None);
                    let (sf, df) = rule_fine.pair(k11, k12, k22, None, None);
                    let mut o = [0.0; 2];
                    q.expect2(&ac, k11, k12, k22, &mut o, |_, d1, _, d2, v| {
                        v[0] = d1[0] * d2[0];
                        v[1] = d1[1] * d2[1];
                    })
                    .unwrap();
                    // ⟨σσ⟩ vanishes at K₁₂ = 0 for odd σ: relative to max(|value|, 1e-2) (an absolute 5e-16 there).
                    let sc = s.abs().max(1e-2);
                    let conv = ((s - sf).abs() / sc).max((d - df).abs() / d.abs());
                    let e2 = ((s - o[0]).abs() / sc).max((d - o[1]).abs() / d.abs());
                    worst_conv = worst_conv.max(conv);
                    worst_e2 = worst_e2.max(e2);
                    assert!(conv < 5e-14 && e2 < 2e-13, "kind {kind} ({k11},{k12},{k22}): {s} {d} | deg 150 {sf} {df} | expect2 {} {}", o[0], o[1]);
                }
            }
        }
        eprintln!("smooth pair rule: vs degree 150 {worst_conv:e}, vs expect2 {worst_e2:e}");
    }

    /// The Mehler series against the 2-D rule (itself converged to 1.4e-14, test above) for every σ that
    /// takes it, from small to large variances (where the series needs ~10³ orders or gives way) and
    /// cosines up to ±0.99999, where the series converges slowest.
    #[test]
    fn mehler_series_agree_with_the_2d_rule() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let mut worst: f64 = 0.0;
        let mut used = 0;
        for (kind, a) in [(3u32, 0.0), (5, 0.0), (6, 0.0), (8, 0.0), (11, 0.6), (11, 2.0)] {
            let ac = act(kind, a);
            let mut rule = PairRule::new(&q, ac, true);
            assert!(rule.mehler.is_some(), "kind {kind}");
            let mut worst_kind: f64 = 0.0;
            let mut at = (0.0, 0.0, 0.0);
            for &(k11, k22) in &[(1e-6, 0.3), (0.05, 0.08), (0.3, 0.3), (0.5, 1.6), (1.0, 2.0), (0.02, 5.0), (6.0, 4.0)] {
                let (sa, sb) = (rule.series(k11), rule.series(k22));
                if sa.is_none() || sb.is_none() {
                    continue;
                }
                used += 1;
                for c in [-0.99999, -0.97, -0.5, -0.01, 0.0, 0.3, 0.9, 0.999, 0.99999, 1.0] {
                    let k12 = c * k11.sqrt() * k22.sqrt();
                    let (s, d) = rule.pair(k11, k12, k22, sa.as_ref(), sb.as_ref());
                    let (s2, d2) = rule.pair(k11, k12, k22, None, None);
                    let sc = s2.abs().max(1e-2 * (k11 * k22).sqrt().min(1.0));
                    let err = ((s - s2).abs() / sc).max((d - d2).abs() / d2.abs());
                    worst = worst.max(err);
                    if err > worst_kind {
                        worst_kind = err;
                        at = (k11, c, k22);
                    }
                    assert!(err < 3e-13, "kind {kind} a {a} ({k11},{c},{k22}): series {s} {d} | 2-D {s2} {d2}");
                }
            }
            eprintln!("kind {kind} a {a}: worst {worst_kind:e} at {at:?}");
        }
        assert!(used >= 30, "{used}");
        eprintln!("Mehler series vs 2-D rule: worst {worst:e}");
        // Large variances give way to the 2-D rule.
        let rule = PairRule::new(&q, act(3, 0.0), true);
        assert!(rule.series(50.0).is_none());
        assert!(rule.series(f64::NAN).is_none() && rule.series(0.0).is_none());
    }

    /// The kernel matrices of real recursions — 40 inputs of norms 0.05 … 2.3 over 8 layers (tanh at
    /// C_W = 1.5; sigmoid and swish at C_W = 3, whose K grow to ~20) — give every layer's pairs: each
    /// (⟨σσ⟩, ⟨σ′σ′⟩) from the series against the 2-D rule at the same K. (Whole recursions compared entry by
    /// entry differ more, up to 4e-12 at layer 8 for swish: the 2-D rule's pair errors grow through the
    /// layers at χ > 1.)
    #[test]
    fn series_and_2d_rule_agree_on_the_pairs_of_real_recursions() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let (n, n0, depth) = (40, 3, 8);
        let x: Vec<f64> = (0..n * n0).map(|i| ((i as f64) * 0.737).sin() * (0.05 + 2.25 * ((i / n0) as f64) / n as f64)).collect();
        let mut with_series = 0;
        // Bounds per σ. Where they differ most the 2-D rule is the less accurate side (25-digit mpmath,
        // ⟨σ′σ′⟩: tanh K = (0.105, 0.135), c = 0.937: series 5e-16, 2-D rule 2.1e-13 off; swish K = (0.53,
        // 0.53), c = 0.990: series 2e-16, 2-D rule 4.4e-12 off).
        for (kind, cw, bound) in [(3u32, 1.5, 5e-13), (5, 3.0, 5e-13), (8, 3.0, 1e-11)] {
            let mut worst: f64 = 0.0;
            let h = vec![LayerHyper { cb: 0.1, cw, lambda_b: 0.2, lambda_w: 1.0 }; depth];
            let mut o = vec![0.0; 2 * depth * n * n];
            run_kernel_matrix(&q, act(kind, 0.0), &h, &x, n, n0, &mut o);
            let mut rule = PairRule::new(&q, act(kind, 0.0), true);
            for l in 0..depth - 1 {
                let k = &o[2 * l * n * n..(2 * l + 1) * n * n];
                let series: Vec<Option<Series>> = (0..n).map(|b| rule.series(k[b * n + b])).collect();
                for a in 0..n {
                    for b in a + 1..n {
                        if series[a].is_none() || series[b].is_none() {
                            continue;
                        }
                        with_series += 1;
                        let (k11, k12, k22) = (k[a * n + a], k[a * n + b], k[b * n + b]);
                        let (s, d) = rule.pair(k11, k12, k22, series[a].as_ref(), series[b].as_ref());
                        let (s2, d2) = rule.pair(k11, k12, k22, None, None);
                        let e = ((s - s2).abs() / s2.abs().max(1e-2)).max((d - d2).abs() / d2.abs());
                        worst = worst.max(e);
                        assert!(e < bound, "kind {kind} layer {} ({a},{b}) K ({k11:e}, {:e}, {k22:e}): {s} {d} vs {s2} {d2}", l + 2, k12 / (k11.sqrt() * k22.sqrt()));
                    }
                }
            }
            eprintln!("kind {kind}: series vs 2-D rule on the pairs of a real recursion: worst {worst:e}");
        }
        assert!(with_series > 10_000, "{with_series}");
    }

    #[test]
    fn rows_reproduce_the_whole_recursion_bit_for_bit() {
        let h = LayerHyper { cb: 0.1, cw: 1.5, lambda_b: 0.5, lambda_w: 1.2 };
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        for kind in [1u32, 3, 7] {
            let o = run_simple(act(kind, 0.0), 3, h, DEFAULT_DEGREE);
            // Layer 2 from layer 1's K, rows split as 0..1 and 1..3.
            let (k1, t1) = (&o[0..9], &o[9..18]);
            let mut parts = Vec::new();
            for (lo, hi) in [(0, 1), (1, 3)] {
                let mut out = vec![0.0; 2 * rows_len(3, lo, hi)];
                kernel_rows(&q, act(kind, 0.0), k1, 3, lo, hi, &mut out);
                parts.extend(out);
            }
            assert_eq!(parts.len(), 2 * 6);
            let mut i = 0;
            for a in 0..3 {
                for b in a..3 {
                    let (s, d) = (parts[i], parts[i + 1]);
                    i += 2;
                    assert_eq!(o[18 + a * 3 + b], h.cb + h.cw * s);
                    assert_eq!(o[27 + a * 3 + b], h.lambda_b + h.lambda_w * s + h.cw * t1[a * 3 + b] * d);
                }
            }
        }
        assert_eq!(rows_len(5, 0, 5), 15);
        assert_eq!(rows_len(5, 2, 4), 3 + 2);
    }

    #[test]
    fn diagonal_equals_the_single_input_recursion() {
        let h = LayerHyper { cb: 0.1, cw: 1.5, lambda_b: 0.5, lambda_w: 1.2 };
        let o = run_simple(act(3, 0.0), 4, h, DEFAULT_DEGREE);
        let x = inputs();
        for a in 0..3 {
            let x2: f64 = x[a * 4..a * 4 + 4].iter().map(|v| v * v).sum::<f64>() / 4.0;
            let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
            let mut t = vec![0.0; 4 * crate::theory::recursion::THEORY_STRIDE];
            crate::theory::recursion::run_recursion(&q, &act(3, 0.0), &[4.0, 8.0, 8.0, 8.0], &[h; 4], x2, &mut t);
            for l in 0..4 {
                let s = crate::theory::recursion::THEORY_STRIDE;
                assert!((o[2 * l * 9 + a * 4] - t[l * s]).abs() <= 1e-14 * t[l * s]);
                assert!((o[(2 * l + 1) * 9 + a * 4] - t[l * s + 1]).abs() <= 1e-14 * t[l * s + 1]);
            }
        }
    }
}
