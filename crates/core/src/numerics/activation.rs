//! Activations σ with exact σ′, σ″, σ‴, and the special functions they need (erf, erfc, Φ).
//!
//! Kind codes are shared with the TS kind table (ACTIVATIONS) and cross the wasm boundary as exact
//! integers (f64 in config buffers, decoded by `ffi::decode::activation`; u32 in `wf_gauss_moments`).
//! Every formula below is written in the form that stays accurate in the tails (no `1 − tanh²`, no
//! `log(1 + eˣ)` for large x), so that the Gaussian expectations built on them are accurate in relative
//! terms even where σ′ is tiny. `ts/twin/numerics/activation.ts` evaluates the same expressions in the same order.

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Linear = 0,
    Relu = 1,
    LeakyRelu = 2, // a = negative-side slope
    Tanh = 3,
    Erf = 4,
    Sigmoid = 5,
    Softplus = 6,
    Gelu = 7,        // x·Φ(x), exact
    Swish = 8,       // x·sigmoid(x)
    Sin = 9,
    Elu = 10,        // a = α
    ScaledTanh = 11, // tanh(a·x)
    Monomial = 12,   // x^p, a = p (integer 1…8)
}

#[derive(Clone, Copy, Debug)]
pub struct Activation {
    pub kind: Kind,
    pub a: f64,
}

/// Which analytic branch of a piecewise activation to evaluate (for kink-split quadrature).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Branch {
    /// By the sign of x, as a sampled network sees it (the kink itself takes the right branch).
    Pointwise,
    /// The x > 0 formula, analytically continued to any x.
    Right,
    /// The x < 0 formula, analytically continued to any x.
    Left,
}

/// Largest monomial power accepted (x⁸: its ⟨σ⁴ He₄⟩ is a degree-36 polynomial, still exact in double).
pub const MAX_MONOMIAL_POWER: f64 = 8.0;

impl Activation {
    /// Decodes the (kind, parameter) pair sent from TS; None for an unknown kind or a parameter the kind
    /// cannot use (non-finite slope/α/a, monomial power not an integer in 1…8).
    pub fn from_raw(kind: u32, a: f64) -> Option<Activation> {
        let k = match kind {
            0 => Kind::Linear, 1 => Kind::Relu, 2 => Kind::LeakyRelu, 3 => Kind::Tanh, 4 => Kind::Erf,
            5 => Kind::Sigmoid, 6 => Kind::Softplus, 7 => Kind::Gelu, 8 => Kind::Swish, 9 => Kind::Sin,
            10 => Kind::Elu, 11 => Kind::ScaledTanh, 12 => Kind::Monomial, _ => return None,
        };
        let ok = match k {
            Kind::LeakyRelu | Kind::Elu | Kind::ScaledTanh => a.is_finite(),
            Kind::Monomial => a.is_finite() && a == a.trunc() && (1.0..=MAX_MONOMIAL_POWER).contains(&a),
            _ => true,
        };
        if ok { Some(Activation { kind: k, a }) } else { None }
    }

    /// True for the piecewise-smooth family (kink at 0): relu, leaky relu, elu.
    pub fn has_kink(&self) -> bool {
        matches!(self.kind, Kind::Relu | Kind::LeakyRelu | Kind::Elu)
    }

    /// True when σ is a polynomial (linear, monomial): Gauss–Hermite is then exact.
    pub fn is_polynomial(&self) -> bool {
        matches!(self.kind, Kind::Linear | Kind::Monomial)
    }

    /// Half-width ρ (in units of z) of the strip around the real axis where σ behaves analytically, as
    /// seen by the trapezoidal rule (error ~ exp(−2πρ/(h√K)) at step h in x = z/√K). For meromorphic σ it
    /// is below the distance of the nearest pole, because σ′⁴ or σ′²σ″² raise the pole's order (tanh:
    /// π/2 → 1.0; sigmoid, swish, softplus: π → 2); for the entire erf, gelu and sin it was calibrated
    /// on all moments of the bundle for K ≤ 30 (quadrature tests). None for polynomial and kinked σ.
    pub fn analytic_halfwidth(&self) -> Option<f64> {
        match self.kind {
            Kind::Tanh => Some(1.0),
            Kind::ScaledTanh => Some(if self.a == 0.0 { 2.0 } else { (1.0 / self.a.abs()).min(2.0) }),
            Kind::Erf => Some(1.3),
            Kind::Sigmoid | Kind::Softplus | Kind::Swish | Kind::Gelu | Kind::Sin => Some(2.0),
            _ => None,
        }
    }

    /// [σ, σ′, σ″, σ‴] at x, pointwise (σ″ = σ‴ = 0 away from the kink for relu/leaky relu).
    #[inline]
    pub fn eval(&self, x: f64) -> [f64; 4] {
        self.eval_branch(x, Branch::Pointwise)
    }

    /// [σ, σ′, σ″, σ‴] at x using the given branch (smooth activations ignore the branch).
    #[inline]
    pub fn eval_branch(&self, x: f64, branch: Branch) -> [f64; 4] {
        let right = match branch { Branch::Pointwise => x >= 0.0, Branch::Right => true, Branch::Left => false };
        match self.kind {
            Kind::Linear => [x, 1.0, 0.0, 0.0],
            Kind::Relu => if right { [x, 1.0, 0.0, 0.0] } else { [0.0; 4] },
            Kind::LeakyRelu => if right { [x, 1.0, 0.0, 0.0] } else { [self.a * x, self.a, 0.0, 0.0] },
            Kind::Elu => {
                if right {
                    [x, 1.0, 0.0, 0.0]
                } else {
                    let e = self.a * x.exp();
                    [self.a * x.exp_m1(), e, e, e]
                }
            }
            Kind::Tanh => tanh_derivs(x, 1.0),
            Kind::ScaledTanh => tanh_derivs(x, self.a),
            Kind::Erf => {
                let d = std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp();
                [erf(x), d, -2.0 * x * d, (4.0 * x * x - 2.0) * d]
            }
            Kind::Sigmoid => {
                let (s, c) = sigmoid_pair(x);
                let s1 = s * c;
                [s, s1, s1 * (c - s), s1 * (1.0 - 6.0 * s1)]
            }
            Kind::Softplus => {
                let (s, c) = sigmoid_pair(x);
                let s1 = s * c;
                [x.max(0.0) + (-x.abs()).exp().ln_1p(), s, s1, s1 * (c - s)]
            }
            Kind::Gelu => {
                let p = norm_pdf(x);
                let cdf = norm_cdf(x);
                [x * cdf, cdf + x * p, p * (2.0 - x * x), p * x * (x * x - 4.0)]
            }
            Kind::Swish => {
                let (s, c) = sigmoid_pair(x);
                let s1 = s * c;
                let s2 = s1 * (c - s);
                let s3 = s1 * (1.0 - 6.0 * s1);
                [x * s, s + x * s1, 2.0 * s1 + x * s2, 3.0 * s2 + x * s3]
            }
            Kind::Sin => {
                let (s, c) = (x.sin(), x.cos());
                [s, c, -s, -c]
            }
            Kind::Monomial => {
                let p = self.a as i32;
                let pf = p as f64;
                let pw = |k: i32| if p >= k { x.powi(p - k) } else { 0.0 };
                [pw(0), pf * pw(1), pf * (pf - 1.0) * pw(2), pf * (pf - 1.0) * (pf - 2.0) * pw(3)]
            }
        }
    }
}

/// tanh(a·x) and its derivatives. Near 0, through u = expm1(−2|y|): t = −u/(2+u), sech² = 4(1+u)/(2+u)²;
/// beyond |y| = 1/2, through e = e^{−2|y|}: t = (1−e)/(1+e), sech² = 4e/(1+e)². Neither form cancels in
/// its range, so σ′ keeps full relative accuracy deep in the tails (where 1 − t² would be 0).
#[inline]
fn tanh_derivs(x: f64, a: f64) -> [f64; 4] {
    let y = a * x;
    let (t, d) = if y.abs() < 0.5 {
        let u = (-2.0 * y.abs()).exp_m1();
        let v = 2.0 + u;
        (-u / v, 4.0 * (1.0 + u) / (v * v))
    } else {
        let e = (-2.0 * y.abs()).exp();
        let v = 1.0 + e;
        ((1.0 - e) / v, 4.0 * e / (v * v))
    };
    let t = t.copysign(y);
    [t, a * d, a * a * (-2.0 * t * d), a * a * a * d * (6.0 * t * t - 2.0)]
}

/// (s, 1 − s) for s = 1/(1 + e^{−x}), each computed without cancellation.
#[inline]
fn sigmoid_pair(x: f64) -> (f64, f64) {
    if x >= 0.0 {
        let e = (-x).exp();
        let r = 1.0 / (1.0 + e);
        (r, e * r)
    } else {
        let e = x.exp();
        let r = 1.0 / (1.0 + e);
        (e * r, r)
    }
}

/// Standard normal density φ(x) = e^{−x²/2}/√(2π).
#[inline]
pub fn norm_pdf(x: f64) -> f64 {
    0.398_942_280_401_432_7 * (-0.5 * x * x).exp()
}

/// Standard normal distribution Φ(x) = erfc(−x/√2)/2 (relative accuracy in the lower tail).
#[inline]
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

// Coefficients are kept with the digits Cody published (more than a double holds), so that they can be
// checked against the source.
// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631–637,
// with the coefficients of his SPECFUN routine: erf on |x| ≤ 0.46875, erfc on 0.46875 < x ≤ 4 and on
// x > 4 (asymptotic form in 1/x²). Measured ≤ 7e-16 relative against 40-digit values.
#[allow(clippy::excessive_precision)]
const ERF_A: [f64; 5] = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
#[allow(clippy::excessive_precision)]
const ERF_B: [f64; 4] = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
#[allow(clippy::excessive_precision)]
const ERFC_C: [f64; 9] = [
    5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
    1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8,
];
#[allow(clippy::excessive_precision)]
const ERFC_D: [f64; 8] = [
    1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
    4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
];
#[allow(clippy::excessive_precision)]
const ERFC_P: [f64; 6] = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
#[allow(clippy::excessive_precision)]
const ERFC_Q: [f64; 5] = [2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
/// erf uses its small-argument rational below this |x|, erfc = e^{−x²}·R(x) above.
pub(crate) const ERF_SPLIT: f64 = 0.46875;

/// erf(x) for |x| ≤ ERF_SPLIT.
#[inline]
pub(crate) fn erf_small(x: f64) -> f64 {
    let z = x * x;
    let mut num = ERF_A[4] * z;
    let mut den = z;
    for i in 0..3 {
        num = (num + ERF_A[i]) * z;
        den = (den + ERF_B[i]) * z;
    }
    x * (num + ERF_A[3]) / (den + ERF_B[3])
}

/// R(y) = e^{y²} erfc(y) for ERF_SPLIT < y < 26.6 (Cody's rational; also used by `kernel_matrix`,
/// which supplies e^{−y²} from a lattice recurrence instead of calling `exp`).
#[inline]
pub(crate) fn erfc_scaled(y: f64) -> f64 {
    if y <= 4.0 {
        let mut num = ERFC_C[8] * y;
        let mut den = y;
        for i in 0..7 {
            num = (num + ERFC_C[i]) * y;
            den = (den + ERFC_D[i]) * y;
        }
        (num + ERFC_C[7]) / (den + ERFC_D[7])
    } else {
        let z = 1.0 / (y * y);
        let mut num = ERFC_P[5] * z;
        let mut den = z;
        for i in 0..4 {
            num = (num + ERFC_P[i]) * z;
            den = (den + ERFC_Q[i]) * z;
        }
        (0.564_189_583_547_756_3 - z * (num + ERFC_P[4]) / (den + ERFC_Q[4])) / y
    }
}

/// erfc(y) for y > 0.46875.
#[inline]
fn erfc_large(y: f64) -> f64 {
    if y >= 26.6 {
        return 0.0; // below the smallest subnormal
    }
    let r = erfc_scaled(y);
    // e^{−y²} with y² split as s² + (y−s)(y+s), s = y rounded down to 1/16: s² is exact, so the large
    // exponent carries no rounding error (Cody's device).
    let s = (y * 16.0).trunc() / 16.0;
    let del = (y - s) * (y + s);
    (-s * s).exp() * (-del).exp() * r
}

/// The error function, ≤ 1e-15 relative (Cody's rational approximations).
pub fn erf(x: f64) -> f64 {
    let y = x.abs();
    if y <= ERF_SPLIT {
        erf_small(x)
    } else {
        let r = 1.0 - erfc_large(y);
        if x < 0.0 { -r } else { r }
    }
}

/// The complementary error function 1 − erf(x), relative accuracy ≤ 1e-15 also deep in the upper tail.
pub fn erfc(x: f64) -> f64 {
    let y = x.abs();
    if y <= ERF_SPLIT {
        1.0 - erf_small(x)
    } else {
        let r = erfc_large(y);
        if x < 0.0 { 2.0 - r } else { r }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        if a == b { 0.0 } else { (a - b).abs() / b.abs().max(1e-300) }
    }

    // 30-digit values (mpmath) rounded to double.
    #[test]
    fn erf_and_erfc_match_reference_values_to_1e15() {
        let cases: [(f64, f64, f64); 9] = [
            (1e-10, 1.1283791670955126e-10, 0.999999999887162),
            (0.3, 0.32862675945912745, 0.6713732405408726),
            (0.46875, 0.49261347321793797, 0.507386526782062),
            (0.5, 0.5204998778130465, 0.4795001221869535),
            (1.5, 0.9661051464753108, 0.033894853524689274),
            (3.9, 0.9999999652077514, 3.4792248597231745e-08),
            (4.5, 0.9999999998033839, 1.9661604415428876e-10),
            (10.0, 1.0, 2.088487583762545e-45),
            (26.0, 1.0, 5.663192408856143e-296),
        ];
        for &(x, e, c) in &cases {
            assert!(rel(erf(x), e) < 1e-15, "erf({x}) = {} vs {e}", erf(x));
            assert!(rel(erfc(x), c) < 1e-15, "erfc({x}) = {} vs {c}", erfc(x));
            assert!(rel(erf(-x), -e) < 1e-15);
            assert!(rel(erfc(-x), 2.0 - c) < 1e-15);
        }
    }

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-4;
        for kind in 0..=12u32 {
            let a = match kind { 2 => 0.1, 10 => 1.3, 11 => 0.7, 12 => 5.0, _ => 0.0 };
            let act = Activation::from_raw(kind, a).unwrap();
            for &x in &[-2.3, -0.7, 0.4, 1.9] {
                let d = act.eval(x);
                let p = act.eval(x + h);
                let m = act.eval(x - h);
                for k in 0..3 {
                    let fd = (p[k] - m[k]) / (2.0 * h);
                    assert!((fd - d[k + 1]).abs() < 1e-6 * (1.0 + d[k + 1].abs()), "kind {kind} x {x} order {}: {fd} vs {}", k + 1, d[k + 1]);
                }
            }
        }
    }

    #[test]
    fn tails_keep_relative_accuracy() {
        // sech²(20) = 4e^{-40}/(1+e^{-40})², sigmoid(−40) = e^{−40}/(1+e^{−40}), softplus(−40) = log1p(e^{−40})
        let t = Activation::from_raw(3, 0.0).unwrap().eval(20.0);
        assert!(rel(t[1], 4.0 * (-40f64).exp()) < 1e-14);
        let s = Activation::from_raw(5, 0.0).unwrap().eval(-40.0);
        assert!(rel(s[0], (-40f64).exp()) < 1e-14);
        let sp = Activation::from_raw(6, 0.0).unwrap().eval(-40.0);
        assert!(rel(sp[0], (-40f64).exp()) < 1e-14);
        assert_eq!(Activation::from_raw(6, 0.0).unwrap().eval(800.0)[0], 800.0);
        // gelu(−10) = −10 Φ(−10) = −7.619853024160527e-23
        let g = Activation::from_raw(7, 0.0).unwrap().eval(-10.0);
        assert!(rel(g[0], -7.619853024160526e-23) < 1e-13);
    }

    #[test]
    fn kinked_branches_and_pointwise() {
        let relu = Activation::from_raw(1, 0.0).unwrap();
        assert_eq!(relu.eval(0.0), [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(relu.eval(-1.0), [0.0; 4]);
        assert_eq!(relu.eval_branch(-1.0, Branch::Right), [-1.0, 1.0, 0.0, 0.0]);
        let leaky = Activation::from_raw(2, 0.2).unwrap();
        assert_eq!(leaky.eval(-2.0), [-0.4, 0.2, 0.0, 0.0]);
        assert_eq!(leaky.eval_branch(2.0, Branch::Left), [0.4, 0.2, 0.0, 0.0]);
        let elu = Activation::from_raw(10, 1.5).unwrap();
        let l = elu.eval_branch(1.0, Branch::Left);
        assert!(rel(l[0], 1.5 * (1f64.exp() - 1.0)) < 1e-15 && rel(l[3], 1.5 * 1f64.exp()) < 1e-15);
        assert!(relu.has_kink() && elu.has_kink() && !Activation::from_raw(3, 0.0).unwrap().has_kink());
    }

    #[test]
    fn invalid_raw_pairs_are_rejected() {
        assert!(Activation::from_raw(13, 0.0).is_none());
        assert!(Activation::from_raw(12, 2.5).is_none());
        assert!(Activation::from_raw(12, 9.0).is_none());
        assert!(Activation::from_raw(2, f64::NAN).is_none());
        assert!(Activation::from_raw(3, f64::NAN).is_some());
    }
}
