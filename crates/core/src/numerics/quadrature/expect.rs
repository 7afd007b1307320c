//! The expectation machinery: ⟨f(z)⟩_K = ∫ dz e^{−z²/2K}/√(2πK) f(z), one and two dimensional.
//!
//! Which rule integrates what (the same choice, in the same order of operations, in `ts/twin/numerics/quadrature/expect.ts`):
//!
//! * **Polynomial σ** (linear, monomial): Gauss–Hermite with `degree` nodes at z = √K xᵢ — exact once
//!   2·degree − 1 reaches the integrand's polynomial degree.
//! * **Smooth σ** (tanh, erf, sigmoid, softplus, gelu, swish, sin, scaled tanh): the trapezoidal rule in
//!   x = z/√K with the Gaussian weight, x ∈ [−9.5, 9.5]. Its error for an integrand analytic in the strip
//!   |Im z| < ρ is ~exp(−2πρ/(h√K)), so the step follows K: h = min(0.3, 2πρ/(36√K))·(64/degree),
//!   rounded down to a ladder h₀·2^{−k/4} whose rules are built once and cached. Gauss–Hermite is not
//!   used here because σ(√K x) has features of width 1/√K that it cannot resolve: measured for tanh at
//!   K = 10, Gauss–Hermite with 200 nodes is off by 2e-4, the trapezoid with 275 nodes by < 1e-15.
//! * **Relu, leaky relu** (kink at 0, polynomial branches): ⟨F⟩ = ∫₀^∞ φ_K(z)[F_R(z) + F_L(−z)] dz with
//!   G(z) = F_R(z) + F_L(−z) split into even and odd parts; t = z²/2K turns the even part into a
//!   Gauss–Laguerre (α = −½) integral and G_o(z)/z into a Gauss–Laguerre (α = 0) one. Exact for
//!   polynomial × branch integrands (⟨relu²⟩ = K/2, arc-cosine kernels, …) with min(⌈degree/4⌉, 64)
//!   nodes each.
//! * **Elu**: the same half-line decomposition, but each half line is integrated directly by composite
//!   Gauss–Legendre (16 nodes per panel, ⌈degree/16⌉ panels on [0, 9.5] in x, the first one graded
//!   geometrically towards 0 as K grows, where e^{−4√K x} gets steep). The Laguerre split needs
//!   each branch on the *other* side too, and α(eᶻ − 1) continued to z > 0 makes the even and odd parts
//!   of ⟨σ⁴⟩ ~ e^{8K} with opposite signs (all digits lost by K ≈ 4); direct half-line panels never
//!   leave a branch's own side.
//!
//! The default degree 64 is within 1.5e-14 relative of degree 1000 on the whole moment bundle, for
//! every builtin and K ∈ [1e-3, 30] (`theory::moments`' `accuracy_table` prints the table), and matches the closed
//! forms (relu, leaky relu, elu, erf, sin, linear, monomial) to ~1e-15. `Quadrature::refined()` doubles
//! the resolution of every rule; the difference of the two is the error estimate reported to users.
use super::rules::{hermite_rule, laguerre_rule, legendre_rule, pow2};
use super::{QuadError, Rule, MAX_DEGREE};
use crate::numerics::activation::{norm_pdf, Activation, Branch, Kind};
use std::cell::OnceCell;

// ---------------------------------------------------------------------------------------------

/// Half-width of the x = z/√K range covered by the trapezoid and the half-line panels:
/// φ(9.5) ≈ 1e-20, so even an integrand growing like z⁸ loses < 1e-15 relative beyond it.
pub const X_MAX: f64 = 9.5;
/// Trapezoid step for small K at the reference degree (aliasing of the Gaussian itself is e^{−2π²/h²}).
const H_SMALL_K: f64 = 0.3;
/// Target exponent τ in exp(−2πρ/(h√K)) = e^{−τ}.
const TAU: f64 = 36.0;
/// The degree at which the step formula above holds; other degrees scale the step by REF/degree.
const REF_DEGREE: f64 = 64.0;
/// Ladder hₖ = H_SMALL_K·2^{−k/4}, k = LADDER_MIN…LADDER_MAX (steps from 2.4 down to 3e-4).
const LADDER_MIN: i32 = -12;
const LADDER_MAX: i32 = 40;
const FOURTH_ROOTS: [f64; 4] = [1.0, 0.840_896_415_253_714_6, std::f64::consts::FRAC_1_SQRT_2, 0.594_603_557_501_360_5];
/// Gauss–Legendre nodes per panel of the elu half-line rule.
const PANEL_NODES: usize = 16;
/// Largest Laguerre rule of the kink split.
const LAGUERRE_MAX: usize = 64;
/// Deepest geometric grading of the first half-line panel (enough for K up to ~1e18).
const GRADING_MAX: usize = 32;
/// Trapezoid strip half-width ρ assumed for user-defined activations (between tanh's and erf's).
pub const CUSTOM_HALFWIDTH: f64 = 1.0;

/// Step of ladder level k (exact: a literal times a power of two).
pub fn ladder_step(k: i32) -> f64 {
    let q = k.div_euclid(4);
    H_SMALL_K * FOURTH_ROOTS[k.rem_euclid(4) as usize] * pow2(-q)
}

/// The rule set of one degree. Trapezoid ladders are built lazily (on first use of a level).
pub struct Quadrature {
    degree: usize,
    hermite: Rule,
    /// Laguerre α = −½ nodes tᵢ and weights ŵᵢ/4 (even part).
    lag_even: Rule,
    /// Laguerre α = 0 nodes tⱼ and coefficients ŵⱼ/(4√(π tⱼ)) (odd part, divided by z).
    lag_odd: Rule,
    /// Half-line composite Gauss–Legendre in x, by grading level: nodes in (0, X_MAX), weights include φ(x).
    half_line: Vec<OnceCell<Rule>>,
    /// Gauss–Legendre nodes of one panel (on [−1, 1], mass 1).
    panel: Rule,
    trapezoid: Vec<OnceCell<Rule>>,
}

impl Quadrature {
    /// All rules for `degree` ∈ 1…MAX_DEGREE.
    pub fn new(degree: usize) -> Result<Quadrature, QuadError> {
        if degree == 0 || degree > MAX_DEGREE {
            return Err(QuadError::Degree);
        }
        Quadrature::build(degree)
    }

    /// The same rules at twice the resolution (degree 2d, allowed beyond MAX_DEGREE): its difference
    /// from `self` estimates the error of `self`.
    pub fn refined(&self) -> Result<Quadrature, QuadError> {
        Quadrature::build(2 * self.degree)
    }

    fn build(degree: usize) -> Result<Quadrature, QuadError> {
        let hermite = hermite_rule(degree)?;
        // Polynomial × branch integrands are exact once 4m − 1 reaches their degree; beyond m = 64
        // (degree 255) more nodes only add rounding (the smallest Laguerre nodes are resolved to
        // ~m·ε·spacing by the forward recurrence: 1e-13 relative at m = 250).
        let m = degree.div_ceil(4).min(LAGUERRE_MAX);
        let mut lag_even = laguerre_rule(m, -0.5)?;
        for w in lag_even.weights.iter_mut() {
            *w *= 0.25;
        }
        let mut lag_odd = laguerre_rule(m, 0.0)?;
        for (w, &t) in lag_odd.weights.iter_mut().zip(lag_odd.nodes.iter()) {
            *w /= 4.0 * (std::f64::consts::PI * t).sqrt();
        }
        let panel = legendre_rule(PANEL_NODES)?;
        let half_line = (0..=GRADING_MAX).map(|_| OnceCell::new()).collect();
        let trapezoid = (LADDER_MIN..=LADDER_MAX).map(|_| OnceCell::new()).collect();
        Ok(Quadrature { degree, hermite, lag_even, lag_odd, half_line, panel, trapezoid })
    }

    pub fn degree(&self) -> usize {
        self.degree
    }

    /// The Gauss–Hermite rule of this degree (probabilists', mass 1).
    pub fn hermite(&self) -> &Rule {
        &self.hermite
    }

    /// Ladder level of the trapezoid for an activation of strip half-width ρ at variance k > 0: the
    /// coarsest hₖ ≤ min(0.3, 2πρ/(τ√K))·64/degree.
    pub fn trapezoid_level(&self, rho: f64, k: f64) -> i32 {
        let target = (2.0 * std::f64::consts::PI * rho / (TAU * k.sqrt())).min(H_SMALL_K) * (REF_DEGREE / self.degree as f64);
        let mut level = LADDER_MIN;
        while level < LADDER_MAX && ladder_step(level) > target {
            level += 1;
        }
        level
    }

    /// Trapezoid rule at ladder level k: nodes jh, |j| ≤ ⌊X_MAX/h⌋, weights h·φ(jh).
    pub fn trapezoid(&self, level: i32) -> &Rule {
        let level = level.clamp(LADDER_MIN, LADDER_MAX);
        self.trapezoid[(level - LADDER_MIN) as usize].get_or_init(|| {
            let h = ladder_step(level);
            let j = (X_MAX / h).floor() as i64;
            let mut r = Rule { nodes: Vec::with_capacity((2 * j + 1) as usize), weights: Vec::with_capacity((2 * j + 1) as usize) };
            for i in -j..=j {
                let x = i as f64 * h;
                r.nodes.push(x);
                r.weights.push(h * norm_pdf(x));
            }
            r
        })
    }

    /// Width of the uniform half-line panels: X_MAX/⌈degree/16⌉.
    fn panel_width(&self) -> f64 {
        X_MAX / self.degree.div_ceil(PANEL_NODES) as f64
    }

    /// Grading level of the half-line rule at variance k: the first uniform panel is split
    /// geometrically g times so that the innermost one, of width w/2^g, satisfies √K·w/2^g ≤ 4. The left
    /// branch of elu enters ⟨σ⁴⟩ as e^{−4√K x}; across that panel it then falls by at most e^{16}, which
    /// 16 Gauss–Legendre nodes integrate to ~1e-16, and each outer graded panel starts where the
    /// integrand has already decayed by more than it varies across the panel.
    pub fn grading_level(&self, k: f64) -> usize {
        let mut w = self.panel_width() * k.sqrt();
        let mut g = 0;
        while w > 4.0 && g < GRADING_MAX {
            w *= 0.5;
            g += 1;
        }
        g
    }

    /// Half-line rule for ∫₀^∞ φ(x) g(x) dx at grading level g: composite Gauss–Legendre (16 per panel)
    /// on [0, X_MAX] with panels [0, w/2^g], [w/2^g, w/2^{g−1}], …, [w/2, w], [w, 2w], …; weights include φ.
    pub fn half_line(&self, level: usize) -> &Rule {
        let level = level.min(GRADING_MAX);
        self.half_line[level].get_or_init(|| {
            let w = self.panel_width();
            let panels = self.degree.div_ceil(PANEL_NODES);
            let mut edges = vec![0.0];
            for j in (0..=level).rev() {
                edges.push(w * pow2(-(j as i32)));
            }
            for p in 2..=panels {
                edges.push(if p == panels { X_MAX } else { p as f64 * w });
            }
            let mut r = Rule { nodes: Vec::new(), weights: Vec::new() };
            for e in edges.windows(2) {
                let (lo, hi) = (e[0], e[1]);
                let (mid, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
                for (&t, &wt) in self.panel.nodes.iter().zip(self.panel.weights.iter()) {
                    let x = mid + half * t;
                    r.nodes.push(x);
                    r.weights.push(2.0 * half * wt * norm_pdf(x));
                }
            }
            r
        })
    }

    /// out[j] = ⟨f_j(z)⟩_K for z ~ N(0, K), where `f(z, d, vals)` writes all integrand values at z into
    /// `vals` (length out.len()) and d = [σ, σ′, σ″, σ‴] of the branch in use at that node (for kinked σ,
    /// the branch is Right or Left as the split requires, whatever the sign of z). K = 0 evaluates the
    /// integrand at z = 0 (pointwise). Negative or non-finite K: Err, out filled with 0.
    pub fn expect_many(&self, act: &Activation, k: f64, out: &mut [f64], f: impl FnMut(f64, &[f64; 4], &mut [f64])) -> Result<(), QuadError> {
        self.expect_with(act, act.analytic_halfwidth(), k, out, f)
    }

    /// As `expect_many`, with the smooth-rule strip half-width ρ given explicitly (None: by σ's family).
    pub fn expect_with(
        &self,
        act: &Activation,
        rho: Option<f64>,
        k: f64,
        out: &mut [f64],
        mut f: impl FnMut(f64, &[f64; 4], &mut [f64]),
    ) -> Result<(), QuadError> {
        out.fill(0.0);
        if !(k >= 0.0 && k.is_finite()) {
            return Err(QuadError::Variance);
        }
        let m = out.len();
        let mut stack = [0.0f64; 32];
        let mut heap = Vec::new();
        let vals: &mut [f64] = if m <= stack.len() { &mut stack[..m] } else { heap.resize(m, 0.0); &mut heap[..] };
        let acc = |w: f64, vals: &[f64], out: &mut [f64]| {
            for (o, v) in out.iter_mut().zip(vals) {
                *o += w * v;
            }
        };
        if k == 0.0 {
            f(0.0, &act.eval(0.0), vals);
            out.copy_from_slice(vals);
            return Ok(());
        }
        let s = k.sqrt();
        if act.has_kink() {
            if act.kind == Kind::Elu {
                let rule = self.half_line(self.grading_level(k));
                for (&x, &w) in rule.nodes.iter().zip(rule.weights.iter()) {
                    let z = s * x;
                    f(z, &act.eval_branch(z, Branch::Right), vals);
                    acc(w, vals, out);
                    f(-z, &act.eval_branch(-z, Branch::Left), vals);
                    acc(w, vals, out);
                }
            } else {
                // even part: ŵᵢ/4 · [F_R(z) + F_L(−z) + F_R(−z) + F_L(z)]
                for (&t, &w) in self.lag_even.nodes.iter().zip(self.lag_even.weights.iter()) {
                    let z = (2.0 * k * t).sqrt();
                    f(z, &act.eval_branch(z, Branch::Right), vals);
                    acc(w, vals, out);
                    f(-z, &act.eval_branch(-z, Branch::Left), vals);
                    acc(w, vals, out);
                    f(-z, &act.eval_branch(-z, Branch::Right), vals);
                    acc(w, vals, out);
                    f(z, &act.eval_branch(z, Branch::Left), vals);
                    acc(w, vals, out);
                }
                // odd part: ŵⱼ/(4√(π tⱼ)) · [F_R(z) + F_L(−z) − F_R(−z) − F_L(z)]
                for (&t, &w) in self.lag_odd.nodes.iter().zip(self.lag_odd.weights.iter()) {
                    let z = (2.0 * k * t).sqrt();
                    f(z, &act.eval_branch(z, Branch::Right), vals);
                    acc(w, vals, out);
                    f(-z, &act.eval_branch(-z, Branch::Left), vals);
                    acc(w, vals, out);
                    f(-z, &act.eval_branch(-z, Branch::Right), vals);
                    acc(-w, vals, out);
                    f(z, &act.eval_branch(z, Branch::Left), vals);
                    acc(-w, vals, out);
                }
            }
            return Ok(());
        }
        let rule = match (act.is_polynomial(), rho) {
            (false, Some(rho)) => self.trapezoid(self.trapezoid_level(rho, k)),
            _ => &self.hermite,
        };
        for (&x, &w) in rule.nodes.iter().zip(rule.weights.iter()) {
            let z = s * x;
            f(z, &act.eval(z), vals);
            acc(w, vals, out);
        }
        Ok(())
    }

    /// out[j] = E f_j(z₁, z₂) for (z₁, z₂) ~ N(0, [[K11, K12], [K12, K22]]), with z₁ = √K11·x₁,
    /// z₂ = (K12/√K11)·x₁ + √(K22 − K12²/K11)·x₂ (Cholesky) and a tensor rule in (x₁, x₂):
    /// * polynomial σ: Gauss–Hermite × Gauss–Hermite (exact up to degree 2d − 1 in each variable);
    /// * smooth σ: trapezoid × trapezoid at the level of max(K11, K22) (same accuracy as 1-D);
    /// * kinked σ: polar coordinates in (x₁, x₂), with the angle split at the rays where z₁ or z₂
    ///   changes sign, so every sector sees one branch per variable; radial composite Gauss–Legendre ×
    ///   angular Gauss–Legendre. Spectrally accurate (~1e-14 on the relu arc-cosine kernels), not exact.
    ///
    /// `f(z1, d1, z2, d2, vals)` receives each variable's branch derivatives. Not PSD (beyond 1e-12
    /// relative), negative or non-finite entries: Err, out filled with 0.
    pub fn expect2(
        &self,
        act: &Activation,
        k11: f64,
        k12: f64,
        k22: f64,
        out: &mut [f64],
        mut f: impl FnMut(f64, &[f64; 4], f64, &[f64; 4], &mut [f64]),
    ) -> Result<(), QuadError> {
        out.fill(0.0);
        let finite = k11.is_finite() && k12.is_finite() && k22.is_finite();
        if !(finite && k11 >= 0.0 && k22 >= 0.0 && k12 * k12 <= k11 * k22 * (1.0 + 1e-12)) {
            return Err(QuadError::Variance);
        }
        let m = out.len();
        let mut vals = vec![0.0; m];
        let l11 = k11.sqrt();
        let l21 = if l11 > 0.0 { k12 / l11 } else { 0.0 };
        let l22 = (k22 - l21 * l21).max(0.0).sqrt();
        let mut add = |w: f64, z1: f64, d1: &[f64; 4], z2: f64, d2: &[f64; 4], out: &mut [f64]| {
            f(z1, d1, z2, d2, &mut vals);
            for (o, v) in out.iter_mut().zip(vals.iter()) {
                *o += w * v;
            }
        };
        if act.has_kink() {
            // Polar coordinates x = r(cos θ, sin θ): the kink lines z₁ = 0 and z₂ = 0 are rays, so the
            // θ integral is split into sectors where each variable keeps one branch; in every sector the
            // integrand is analytic in (r, θ). Radial: the half-line panels with weight r e^{−r²/2};
            // angular: 16-point Gauss–Legendre per sector.
            let gl = &self.panel;
            let two_pi = 2.0 * std::f64::consts::PI;
            let mut cuts: Vec<f64> = Vec::with_capacity(6);
            for (c, s) in [(l11, 0.0), (l21, l22)] {
                if c != 0.0 || s != 0.0 {
                    // z = r(c cos θ + s sin θ) vanishes at θ₀ = atan2(−c, s) and θ₀ + π
                    let t0 = (-c).atan2(s).rem_euclid(two_pi);
                    cuts.push(t0);
                    cuts.push((t0 + std::f64::consts::PI).rem_euclid(two_pi));
                }
            }
            cuts.push(0.0);
            cuts.push(two_pi);
            cuts.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            let half = self.half_line(self.grading_level(k11.max(k22)));
            let radial: Vec<(f64, f64)> = half
                .nodes
                .iter()
                .zip(half.weights.iter())
                .map(|(&r, &w)| (r, w * r / norm_pdf(r) * (-0.5 * r * r).exp()))
                .collect();
            for win in cuts.windows(2) {
                let (lo, hi) = (win[0], win[1]);
                if hi - lo <= 0.0 {
                    continue;
                }
                let mid = 0.5 * (lo + hi);
                let b1 = if l11 * mid.cos() >= 0.0 { Branch::Right } else { Branch::Left };
                let b2 = if l21 * mid.cos() + l22 * mid.sin() >= 0.0 { Branch::Right } else { Branch::Left };
                for (&t, &wt) in gl.nodes.iter().zip(gl.weights.iter()) {
                    let th = mid + 0.5 * (hi - lo) * t;
                    let (sn, cs) = th.sin_cos();
                    let wa = (hi - lo) * wt / two_pi;
                    for &(r, wr) in &radial {
                        let (x1, x2) = (r * cs, r * sn);
                        let z1 = l11 * x1;
                        let z2 = l21 * x1 + l22 * x2;
                        add(wa * wr, z1, &act.eval_branch(z1, b1), z2, &act.eval_branch(z2, b2), out);
                    }
                }
            }
            return Ok(());
        }
        let kmax = k11.max(k22);
        let rule = match act.analytic_halfwidth() {
            Some(rho) if !act.is_polynomial() && kmax > 0.0 => self.trapezoid(self.trapezoid_level(rho, kmax)),
            _ => &self.hermite,
        };
        let d1s: Vec<[f64; 4]> = rule.nodes.iter().map(|&x| act.eval(l11 * x)).collect();
        for (i, (&x1, &w1)) in rule.nodes.iter().zip(rule.weights.iter()).enumerate() {
            for (&x2, &w2) in rule.nodes.iter().zip(rule.weights.iter()) {
                let z2 = l21 * x1 + l22 * x2;
                add(w1 * w2, l11 * x1, &d1s[i], z2, &act.eval(z2), out);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DEFAULT_DEGREE, MAX_DEGREE};
    use super::*;

    fn act(kind: u32, a: f64) -> Activation {
        Activation::from_raw(kind, a).unwrap()
    }

    fn closed(kind: u32, a: f64, k: f64, f: impl Fn(f64, &[f64; 4]) -> f64, q: &Quadrature) -> f64 {
        let mut out = [0.0];
        q.expect_many(&act(kind, a), k, &mut out, |z, d, v| v[0] = f(z, d)).unwrap();
        out[0]
    }

    #[test]
    fn kink_split_is_exact_for_relu_and_leaky() {
        for d in [DEFAULT_DEGREE, 8, 200, MAX_DEGREE] {
        let q = Quadrature::new(d).unwrap();
        for &k in &[1e-3, 0.37, 1.0, 10.0, 1e4] {
            let r = |v: f64, e: f64| assert!((v - e).abs() <= 5e-15 * e.abs().max(k), "{v} vs {e} at K {k} degree {d}");
            r(closed(1, 0.0, k, |_, d| d[0] * d[0], &q), k / 2.0);
            r(closed(1, 0.0, k, |_, d| d[0].powi(4), &q), 1.5 * k * k);
            r(closed(1, 0.0, k, |_, d| d[1] * d[1], &q), 0.5);
            r(closed(1, 0.0, k, |z, d| d[1] * d[1] * (z * z - k), &q), 0.0);
            r(closed(1, 0.0, k, |_, d| d[0], &q), (k / (2.0 * std::f64::consts::PI)).sqrt());
            // leaky: ⟨σ²⟩ = K(1 + a²)/2, ⟨σ′²⟩ = (1 + a²)/2
            r(closed(2, 0.2, k, |_, d| d[0] * d[0], &q), k * 1.04 / 2.0);
            r(closed(2, 0.2, k, |z, d| z * d[0] * d[1], &q), k * 1.04 / 2.0);
        }
        }
    }

    #[test]
    fn relu_arc_cosine_kernel_in_two_dimensions() {
        // E relu(z1) relu(z2) = √(K11 K22)/(2π) (sin θ + (π − θ) cos θ), cos θ = K12/√(K11 K22)
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let relu = act(1, 0.0);
        for &(k11, k12, k22) in &[(1.0, 0.3, 2.0), (0.5, -0.4, 0.8), (2.0, 0.0, 1.0), (1.0, 0.999, 1.0)] {
            let mut out = [0.0; 2];
            q.expect2(&relu, k11, k12, k22, &mut out, |_, d1, _, d2, v| {
                v[0] = d1[0] * d2[0];
                v[1] = d1[1] * d2[1];
            })
            .unwrap();
            let c: f64 = k12 / (k11 * k22).sqrt();
            let th = c.acos();
            let e0 = (k11 * k22).sqrt() / (2.0 * std::f64::consts::PI) * (th.sin() + (std::f64::consts::PI - th) * c);
            let e1 = (std::f64::consts::PI - th) / (2.0 * std::f64::consts::PI);
            assert!((out[0] - e0).abs() < 1e-13 * e0.abs().max(1.0), "{out:?} vs {e0}");
            assert!((out[1] - e1).abs() < 1e-13, "{out:?} vs {e1}");
        }
    }

    #[test]
    fn smooth_closed_forms() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        for &k in &[1e-3, 0.1, 1.0, 3.0, 10.0] {
            // sin: ⟨sin²⟩ = (1 − e^{−2K})/2
            let v = closed(9, 0.0, k, |_, d| d[0] * d[0], &q);
            let e = -(-2.0 * k).exp_m1() / 2.0;
            assert!(((v - e) / e).abs() < 1e-13, "sin K {k}: {v} vs {e}");
            // erf(z): ⟨erf²⟩ = (2/π) asin(2K/(1+2K))
            let v = closed(4, 0.0, k, |_, d| d[0] * d[0], &q);
            let e = 2.0 / std::f64::consts::PI * (2.0 * k / (1.0 + 2.0 * k)).asin();
            assert!(((v - e) / e).abs() < 1e-13, "erf K {k}: {v} vs {e}");
            // ⟨erf′²⟩ = (4/π)/√(1+4K)
            let v = closed(4, 0.0, k, |_, d| d[1] * d[1], &q);
            let e = 4.0 / std::f64::consts::PI / (1.0 + 4.0 * k).sqrt();
            assert!(((v - e) / e).abs() < 1e-13, "erf′ K {k}: {v} vs {e}");
            // monomial z³: ⟨σ²⟩ = 15K³, ⟨σ⁴⟩ = 11!!K⁶
            let v = closed(12, 3.0, k, |_, d| d[0].powi(4), &q);
            let e = 10395.0 * k.powi(6);
            assert!(((v - e) / e).abs() < 1e-13, "z³ K {k}: {v} vs {e}");
            let v = closed(0, 0.0, k, |z, d| d[0] * d[0] * (z * z * (z * z - 6.0 * k) + 3.0 * k * k), &q);
            assert!(v.abs() < 1e-14 * k * k * k, "linear He4 K {k}: {v}");
        }
    }

    #[test]
    fn elu_half_line_panels_match_the_closed_form_up_to_large_k() {
        // ⟨elu²⟩ = K/2 + α²[e^{2K}Φ(−2√K) − 2e^{K/2}Φ(−√K) + ½], Φ(−x) = erfc(x/√2)/2
        use crate::numerics::activation::erfc;
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let alpha: f64 = 1.3;
        for &k in &[1e-3f64, 0.1, 1.0, 10.0, 30.0, 100.0] {
            let phi_m = |x: f64| 0.5 * erfc(x / std::f64::consts::SQRT_2);
            let e = k / 2.0 + alpha * alpha * ((2.0 * k).exp() * phi_m(2.0 * k.sqrt()) - 2.0 * (k / 2.0).exp() * phi_m(k.sqrt()) + 0.5);
            let v = closed(10, alpha, k, |_, d| d[0] * d[0], &q);
            assert!(((v - e) / e).abs() < 1e-13, "K {k}: {v} vs {e}");
        }
    }

    #[test]
    fn zero_and_invalid_variance() {
        let q = Quadrature::new(8).unwrap();
        let mut out = [7.0; 2];
        q.expect_many(&act(3, 0.0), 0.0, &mut out, |z, d, v| {
            v[0] = d[1];
            v[1] = z;
        })
        .unwrap();
        assert_eq!(out, [1.0, 0.0]);
        for k in [-1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(q.expect_many(&act(3, 0.0), k, &mut out, |_, _, v| v[0] = 1.0), Err(QuadError::Variance));
            assert_eq!(out, [0.0, 0.0]);
        }
        assert!(Quadrature::new(0).is_err() && Quadrature::new(1001).is_err());
        assert!(q.expect2(&act(3, 0.0), 1.0, 2.0, 1.0, &mut out, |_, _, _, _, v| v[0] = 1.0).is_err());
    }
}
