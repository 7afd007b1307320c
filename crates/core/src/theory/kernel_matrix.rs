//! Infinite-width kernel matrices over many inputs (PDLT §4.1, §8.1 with sample indices α, β):
//!
//!   K⁽¹⁾_αβ = C_b + C_W x_α·x_β/n₀,                Θ⁽¹⁾_αβ = λ_b + λ_W x_α·x_β/n₀,
//!   K⁽ℓ⁺¹⁾_αβ = C_b + C_W ⟨σ(z_α)σ(z_β)⟩,          Θ⁽ℓ⁺¹⁾_αβ = λ_b + λ_W ⟨σ(z_α)σ(z_β)⟩ + C_W Θ⁽ℓ⁾_αβ ⟨σ′(z_α)σ′(z_β)⟩,
//!
//! with (z_α, z_β) ~ N(0, [[K_αα, K_αβ], [K_αβ, K_ββ]]) at layer ℓ and the hyperparameters of layer
//! ℓ+1. The TS twin is `ts/twin/theory/kernel_matrix.ts` (same rules, same order of operations).
//!
//! Which 2-D rule computes ⟨σσ⟩ and ⟨σ′σ′⟩ for a pair α ≠ β:
//! * **relu, leaky relu**: closed forms (arc-cosine kernels of degree 1 and 0, Cho & Saul 2009), with
//!   σ = a·z + (1−a)·relu(z): ⟨σσ⟩ = a K_αβ + (1−a)² J₁, ⟨σ′σ′⟩ = a + (1−a)² (π−θ)/2π,
//!   J₁ = √(K_αα K_ββ)(sin θ + (π−θ) cos θ)/2π, cos θ = K_αβ/√(K_αα K_ββ). A tensor rule loses
//!   accuracy at the kink; these are exact to rounding.
//! * **linear**: ⟨zz⟩ = K_αβ, ⟨1·1⟩ = 1.
//! * **smooth σ** (tanh, erf, sigmoid, …): the tensor product of the trapezoid rule that the 1-D
//!   expectations use (`Quadrature::trapezoid` at the level of max(K_αα, K_ββ), as `expect2` does) in
//!   Cholesky coordinates z_α = √K_αα x₁, z_β = (K_αβ/√K_αα) x₁ + √(K_ββ − K_αβ²/K_αα) x₂. Two savings
//!   over a plain `expect2` call, both exact to < 1e-18 relative: nodes with x₁² + x₂² > X_MAX² are
//!   skipped (Gaussian mass e^{−45}), and for odd σ (tanh, erf, sin, scaled tanh) the integrands
//!   σσ and σ′σ′ are even under (x₁, x₂) → (−x₁, −x₂), so half of the plane is summed twice.
//!   For tanh and erf the inner sums run on the lattice without an `exp` per node (`tanh_inner`,
//!   `erf_inner`): 5× and 3× faster.
//! * **elu, monomials** (and anything else): `Quadrature::expect2` (its kink-split rule for elu,
//!   Gauss–Hermite × Gauss–Hermite, exact, for polynomials).
//!
//! The diagonal α = β takes ⟨σ²⟩ and ⟨σ′²⟩ from the single-input moment bundle
//! (`theory::moments::compute_moments`), so it equals `theory()`'s K and Θ to rounding.
use crate::numerics::activation::{erf_small, erfc_scaled, Activation, Kind, ERF_SPLIT};
use crate::numerics::quadrature::{Quadrature, Rule, X_MAX};
use crate::theory::moments::compute_moments;
use crate::theory::recursion::LayerHyper;

/// True when σ(−z) = −σ(z), so that σσ and σ′σ′ are even functions of (z_α, z_β).
fn is_odd(act: &Activation) -> bool {
    match act.kind {
        Kind::Tanh | Kind::Erf | Kind::Sin | Kind::ScaledTanh | Kind::Linear => true,
        Kind::Monomial => (act.a as i64) % 2 == 1,
        _ => false,
    }
}

/// ⟨σσ⟩ and ⟨σ′σ′⟩ of relu (a = 0) or leaky relu (negative slope a) in closed form.
pub fn leaky_relu_pair(a: f64, k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    // √K11·√K22, not √(K11·K22): the product overflows once K passes 1e154 (deep chaotic nets).
    let norm = k11.sqrt() * k22.sqrt();
    let c = if norm > 0.0 { (k12 / norm).clamp(-1.0, 1.0) } else { 0.0 };
    let theta = c.acos();
    let pi = std::f64::consts::PI;
    let j1 = norm * ((1.0 - c * c).sqrt() + (pi - theta) * c) / (2.0 * pi);
    let j0 = (pi - theta) / (2.0 * pi);
    let b = (1.0 - a) * (1.0 - a);
    (a * k12 + b * j1, a + b * j0)
}

/// Per-level data of the fast smooth rule: the trapezoid and, for each outer node i, the range of
/// inner nodes j inside the disc x_i² + x_j² ≤ X_MAX².
struct SmoothRule<'q> {
    rule: &'q Rule,
    ranges: Vec<(usize, usize)>,
}

impl<'q> SmoothRule<'q> {
    fn new(rule: &'q Rule) -> SmoothRule<'q> {
        let r2 = X_MAX * X_MAX * (1.0 + 1e-12);
        let xs = &rule.nodes;
        let ranges = xs
            .iter()
            .map(|&x1| {
                let lim = r2 - x1 * x1;
                let lo = xs.iter().position(|&x2| x2 * x2 <= lim).unwrap_or(xs.len());
                let hi = xs.iter().rposition(|&x2| x2 * x2 <= lim).map_or(lo, |h| h + 1);
                (lo, hi.max(lo))
            })
            .collect();
        SmoothRule { rule, ranges }
    }
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
/// loop). Starting at the node nearest 0 and moving outwards, e only shrinks (no overflow), and after
/// k steps it carries ≤ k + 1 ulps of relative error: ≤ 1e-14 in tanh and sech² for k ≤ 90.
fn tanh_inner(xs: &[f64], ws: &[f64], lo: usize, hi: usize, a: f64, y: f64, l22: f64, h: f64) -> (f64, f64) {
    let j0 = first_nonnegative(xs, lo, hi, y, l22, h);
    let r = (-2.0 * a * l22 * h).exp();
    let (mut ss, mut dd) = (0.0, 0.0);
    if j0 < hi {
        let mut e = (-2.0 * a * (y + l22 * xs[j0])).exp();
        for j in j0..hi {
            let v = 1.0 + e;
            ss += ws[j] * ((1.0 - e) / v);
            dd += ws[j] * (4.0 * a * e / (v * v));
            e *= r;
        }
    }
    if j0 > lo {
        let mut e = (2.0 * a * (y + l22 * xs[j0 - 1])).exp();
        for j in (lo..j0).rev() {
            let v = 1.0 + e;
            ss -= ws[j] * ((1.0 - e) / v);
            dd += ws[j] * (4.0 * a * e / (v * v));
            e *= r;
        }
    }
    (ss, dd)
}

/// Nodes between which the lattice fast paths re-seed their recurrences with `exp`.
const RESEED: usize = 8;

/// erf(±u) and erf′ for u = |z| ≥ 0 given g = e^{−u²}; `neg` when z < 0.
#[inline]
fn erf_from_gaussian(u: f64, g: f64, neg: bool) -> (f64, f64) {
    let s = if u <= ERF_SPLIT {
        erf_small(u)
    } else if u >= 26.6 {
        1.0
    } else {
        1.0 - g * erfc_scaled(u)
    };
    (if neg { -s } else { s }, std::f64::consts::FRAC_2_SQRT_PI * g)
}

/// As [`tanh_inner`] for σ = erf: Σⱼ wⱼ erf(zⱼ) and Σⱼ wⱼ erf′(zⱼ). On the lattice zⱼ = z₀ + jδ the
/// Gaussian e^{−zⱼ²} = gⱼ obeys gⱼ₊₁ = gⱼqⱼ, qⱼ₊₁ = qⱼe^{−2δ²}, so erf′ needs no `exp` and erf only
/// Cody's rational R (erfc = gR), instead of three `exp` per node (58 % of the time of the plain loop,
/// `node --cpu-prof`). Walking outwards from zⱼ = 0, g and q only shrink; re-seeding every RESEED
/// nodes bounds the drift of g to RESEED²/2 ulps (≤ 1e-14 relative).
fn erf_inner(xs: &[f64], ws: &[f64], lo: usize, hi: usize, y: f64, l22: f64, h: f64) -> (f64, f64) {
    let j0 = first_nonnegative(xs, lo, hi, y, l22, h);
    let delta = l22 * h;
    let c = (-2.0 * delta * delta).exp();
    let (mut ss, mut dd) = (0.0, 0.0);
    let (mut g, mut q) = (0.0, 0.0);
    for (k, j) in (j0..hi).enumerate() {
        let u = y + l22 * xs[j];
        if k % RESEED == 0 {
            g = (-u * u).exp();
            q = (-(2.0 * u * delta + delta * delta)).exp();
        }
        let (s, d) = erf_from_gaussian(u, g, false);
        ss += ws[j] * s;
        dd += ws[j] * d;
        g *= q;
        q *= c;
    }
    for (k, j) in (lo..j0).rev().enumerate() {
        let u = -(y + l22 * xs[j]);
        if k % RESEED == 0 {
            g = (-u * u).exp();
            q = (-(2.0 * u * delta + delta * delta)).exp();
        }
        let (s, d) = erf_from_gaussian(u, g, true);
        ss += ws[j] * s;
        dd += ws[j] * d;
        g *= q;
        q *= c;
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

/// Which lattice fast path serves the inner sums of σ, if any.
#[derive(Clone, Copy)]
enum Lattice {
    Tanh(f64),
    Erf,
}

/// ⟨σ(z₁)σ(z₂)⟩ and ⟨σ′(z₁)σ′(z₂)⟩ by the tensor trapezoid in Cholesky coordinates (see module doc).
fn smooth_pair(sr: &SmoothRule, act: &Activation, odd: bool, k11: f64, k12: f64, k22: f64) -> (f64, f64) {
    let xs = &sr.rule.nodes;
    let ws = &sr.rule.weights;
    let m = xs.len();
    let l11 = k11.sqrt();
    let l21 = if l11 > 0.0 { k12 / l11 } else { 0.0 };
    let l22 = (k22 - l21 * l21).max(0.0).sqrt();
    let first = if odd { m / 2 } else { 0 };
    // The lattice fast paths need a step and a non-degenerate inner variable.
    let fast = if m < 3 || l22 <= 0.0 {
        None
    } else if act.kind == Kind::Erf {
        Some(Lattice::Erf)
    } else {
        tanh_slope(act).map(Lattice::Tanh)
    };
    let h = if m >= 3 { xs[m / 2 + 1] } else { 0.0 };
    let (mut s, mut d) = (0.0, 0.0);
    for i in first..m {
        let x1 = xs[i];
        let d1 = act.eval(l11 * x1);
        let y = l21 * x1;
        let (lo, hi) = sr.ranges[i];
        let (mut ss, mut dd) = (0.0, 0.0);
        if let Some(lattice) = fast {
            (ss, dd) = match lattice {
                Lattice::Tanh(a) => tanh_inner(xs, ws, lo, hi, a, y, l22, h),
                Lattice::Erf => erf_inner(xs, ws, lo, hi, y, l22, h),
            };
        } else {
            for j in lo..hi {
                let d2 = act.eval(y + l22 * xs[j]);
                ss += ws[j] * d2[0];
                dd += ws[j] * d2[1];
            }
        }
        let w = if odd && i != m / 2 { 2.0 * ws[i] } else { ws[i] };
        s += w * d1[0] * ss;
        d += w * d1[1] * dd;
    }
    (s, d)
}

/// One step's rules: the quadrature, the activation and the cached fast-rule levels.
struct PairRule<'q> {
    q: &'q Quadrature,
    act: Activation,
    odd: bool,
    halfwidth: Option<f64>,
    levels: Vec<(i32, SmoothRule<'q>)>,
}

impl<'q> PairRule<'q> {
    fn new(q: &'q Quadrature, act: Activation) -> PairRule<'q> {
        let halfwidth = if act.is_polynomial() || act.has_kink() { None } else { act.analytic_halfwidth() };
        PairRule { q, act, odd: is_odd(&act), halfwidth, levels: Vec::new() }
    }

    /// (⟨σσ⟩, ⟨σ′σ′⟩) for one off-diagonal pair; NaN when the covariance is not finite.
    fn pair(&mut self, k11: f64, k12: f64, k22: f64) -> (f64, f64) {
        if !(k11.is_finite() && k12.is_finite() && k22.is_finite()) {
            return (f64::NAN, f64::NAN);
        }
        // Rounding can push |K12| a hair above √(K11 K22); clamp to the PSD boundary.
        let bound = k11.max(0.0).sqrt() * k22.max(0.0).sqrt();
        let k12 = k12.clamp(-bound, bound);
        match self.act.kind {
            Kind::Relu => return leaky_relu_pair(0.0, k11, k12, k22),
            Kind::LeakyRelu => return leaky_relu_pair(self.act.a, k11, k12, k22),
            Kind::Linear => return (k12, 1.0),
            _ => {}
        }
        if let Some(rho) = self.halfwidth {
            let kmax = k11.max(k22);
            if kmax > 0.0 {
                let level = self.q.trapezoid_level(rho, kmax);
                let idx = match self.levels.iter().position(|(l, _)| *l == level) {
                    Some(i) => i,
                    None => {
                        self.levels.push((level, SmoothRule::new(self.q.trapezoid(level))));
                        self.levels.len() - 1
                    }
                };
                return smooth_pair(&self.levels[idx].1, &self.act, self.odd, k11, k12, k22);
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

/// The whole recursion. `x` is N × n₀ row-major; `out` receives, for ℓ = 1 … L, the N × N matrix
/// K⁽ℓ⁾ then the N × N matrix Θ⁽ℓ⁾ (row-major, symmetric): 2·L·N² values.
pub fn run_kernel_matrix(q: &Quadrature, act: Activation, hyper: &[LayerHyper], x: &[f64], n: usize, n0: usize, out: &mut [f64]) {
    let nn = n * n;
    let depth = hyper.len();
    // Layer 1: the Gram matrix of the inputs.
    {
        let h = hyper[0];
        let (k, rest) = out.split_at_mut(nn);
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
    let mut rule = PairRule::new(q, act);
    for l in 1..depth {
        let h = hyper[l];
        let (prev, cur) = out.split_at_mut(2 * l * nn);
        let (pk, pt) = prev[2 * (l - 1) * nn..].split_at(nn);
        let (k, th) = cur[..2 * nn].split_at_mut(nn);
        for a in 0..n {
            let kaa = pk[a * n + a];
            let (s, d) = if kaa.is_finite() {
                let m = compute_moments(q, &act, kaa);
                (m.s2, m.d2)
            } else {
                (f64::NAN, f64::NAN)
            };
            k[a * n + a] = h.cb + h.cw * s;
            th[a * n + a] = h.lambda_b + h.lambda_w * s + h.cw * pt[a * n + a] * d;
            for b in a + 1..n {
                let (s, d) = rule.pair(kaa, pk[a * n + b], pk[b * n + b]);
                let kv = h.cb + h.cw * s;
                let tv = h.lambda_b + h.lambda_w * s + h.cw * pt[a * n + b] * d;
                k[a * n + b] = kv;
                k[b * n + a] = kv;
                th[a * n + b] = tv;
                th[b * n + a] = tv;
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

    #[test]
    fn smooth_fast_rule_agrees_with_expect2() {
        let q = Quadrature::new(40).unwrap();
        for (kind, a) in [(3u32, 0.0), (4, 0.0), (5, 0.0), (7, 0.0), (11, 0.6)] {
            let ac = act(kind, a);
            let mut rule = PairRule::new(&q, ac);
            for &(k11, k12, k22) in &[(1.0, 0.3, 2.0), (0.5, -0.49, 0.5), (3.0, 2.9, 3.0), (0.2, 0.0, 4.0)] {
                let (s, d) = rule.pair(k11, k12, k22);
                let mut o = [0.0; 2];
                q.expect2(&ac, k11, k12, k22, &mut o, |_, d1, _, d2, v| {
                    v[0] = d1[0] * d2[0];
                    v[1] = d1[1] * d2[1];
                })
                .unwrap();
                // Absolute 1e-15: σσ of a pair with K12 = 0 vanishes, and σ is O(1).
                assert!((s - o[0]).abs() < 1e-13 * o[0].abs() + 1e-15, "kind {kind} {s} vs {}", o[0]);
                assert!((d - o[1]).abs() < 1e-13 * o[1].abs() + 1e-15, "kind {kind} {d} vs {}", o[1]);
            }
        }
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
