//! THE Gaussian-moment bundle: every one-point expectation ⟨f(z)⟩_K, z ~ N(0, K), that the
//! recursions (PDLT §4–§5, §8, §11.2, §∞.3), the kernel-matrix diagonal and `gaussianExpectations`
//! need, computed by one function ([`compute_moments`]) in one quadrature sweep. The TS twin is
//! `ts/twin/theory/moments.ts` (same slots, same integrands, same order of operations); the
//! derivations are in docs/theory/recursions.md.
//!
//! `he2` = z²/K − 1 and `he4` = (z⁴ − 6Kz² + 3K²)/K² are the normalized Hermite polynomials, so that
//! no K² or K⁴ is ever formed (they under/overflow long before K does at depth 1000).
//!
//! The two he2 moments are O(K) while |f·he2| is O(1): integrating f·he2 directly leaves a
//! round-off of ~1e-16 that, divided by K in χ∥ and ω, explodes once K ≲ 1e-14 (ordered phase at
//! large depth). They are therefore computed in Stein form, ⟨f(z²−K)⟩ = K²⟨f″⟩, with f″ in the
//! distributional sense: the pointwise f″ plus φ_K(0)·[f′]₀ for a jump of f′ at a kink
//! ([`kink_jumps`]). Hence ⟨f·he2⟩ = K(⟨f″⟩ + φ_K(0)[f′]₀).
//!
//! Accuracy: that of the quadrature (`numerics::quadrature::expect`): the default degree 64 is
//! within 1e-12 relative (to the scale ⟨|f|⟩) of degree 1000 on every slot, every builtin and
//! K ∈ [1e-3, 10] (test `default_degree_meets_1e_minus_12_on_every_builtin`).
use crate::numerics::activation::{Activation, Branch};
use crate::numerics::quadrature::{QuadError, Quadrature};

/// Number of slots of the bundle.
pub const N_MOMENTS: usize = 18;

/// Below this K the expectations are taken at K_MIN (the small-K limit; the recursion raises a
/// flag): nodes √K·x would be subnormal and lose all precision.
pub const K_MIN: f64 = 1e-280;

/// The bundle at one K, by slot (the index in [`moment_integrands`]'s output is given first).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// 0: ⟨σ⟩
    pub s: f64,
    /// 1: ⟨σ²⟩
    pub s2: f64,
    /// 2: ⟨σ⁴⟩
    pub s4: f64,
    /// 3: ⟨σ′²⟩
    pub d2: f64,
    /// 4: ⟨σ′⁴⟩
    pub d4: f64,
    /// 5: ⟨σ²σ′²⟩
    pub s2d2: f64,
    /// 6: ⟨zσσ′⟩
    pub zsd: f64,
    /// 7: ⟨zσ′σ″⟩
    pub zdd: f64,
    /// 8: ⟨σ² he2⟩ = K(⟨(σ²)″⟩ + φ_K(0)[(σ²)′]₀)  (Stein form)
    pub s2he2: f64,
    /// 9: ⟨σ′² he2⟩ = K(⟨(σ′²)″⟩ + φ_K(0)[(σ′²)′]₀)  (Stein form)
    pub d2he2: f64,
    /// 10: ⟨σ² he4⟩
    pub s2he4: f64,
    /// 11: ⟨σσ′²σ″⟩
    pub sd2dd: f64,
    /// 12: ⟨σ′³σ‴⟩
    pub d3ddd: f64,
    /// 13: ⟨σ′²σ″²⟩
    pub d2dd2: f64,
    /// 14: ⟨σ′² he4⟩
    pub d2he4: f64,
    /// 15: ⟨σσ″⟩
    pub sdd: f64,
    /// 16: ⟨σ′σ‴⟩
    pub dddd: f64,
    /// 17: ⟨σ″²⟩
    pub dd2: f64,
}

impl Moments {
    /// The slots in order.
    pub fn to_array(&self) -> [f64; N_MOMENTS] {
        [
            self.s, self.s2, self.s4, self.d2, self.d4, self.s2d2, self.zsd, self.zdd, self.s2he2, self.d2he2,
            self.s2he4, self.sd2dd, self.d3ddd, self.d2dd2, self.d2he4, self.sdd, self.dddd, self.dd2,
        ]
    }

    pub fn from_array(o: &[f64; N_MOMENTS]) -> Moments {
        Moments {
            s: o[0], s2: o[1], s4: o[2], d2: o[3], d4: o[4], s2d2: o[5], zsd: o[6], zdd: o[7], s2he2: o[8],
            d2he2: o[9], s2he4: o[10], sd2dd: o[11], d3ddd: o[12], d2dd2: o[13], d2he4: o[14], sdd: o[15],
            dddd: o[16], dd2: o[17],
        }
    }
}

/// Integrands of the bundle at z, `d = [σ, σ′, σ″, σ‴](z)`, into `out[0..N_MOMENTS]`. Slots 8 and 9 hold
/// the pointwise second derivatives (σ²)″ and (σ′²)″; [`compute_moments`] turns their expectations
/// into ⟨σ² he2⟩ and ⟨σ′² he2⟩ (Stein form, see the module docs).
#[inline]
pub fn moment_integrands(k: f64, z: f64, d: &[f64; 4], out: &mut [f64]) {
    let (s, s1, s2, s3) = (d[0], d[1], d[2], d[3]);
    let x2 = z * z / k;
    let he4 = x2 * x2 - 6.0 * x2 + 3.0;
    let ss = s * s;
    let dd = s1 * s1;
    out[0] = s;
    out[1] = ss;
    out[2] = ss * ss;
    out[3] = dd;
    out[4] = dd * dd;
    out[5] = ss * dd;
    out[6] = z * s * s1;
    out[7] = z * s1 * s2;
    out[8] = 2.0 * (dd + s * s2); // (σ²)″
    out[9] = 2.0 * (s2 * s2 + s1 * s3); // (σ′²)″
    out[10] = ss * he4;
    out[11] = s * dd * s2;
    out[12] = dd * s1 * s3;
    out[13] = dd * s2 * s2;
    out[14] = dd * he4;
    out[15] = s * s2;
    out[16] = s1 * s3;
    out[17] = s2 * s2;
}

/// The distributional parts of ⟨(σ²)″⟩ and ⟨(σ′²)″⟩ at a kink of σ at 0 (zero for smooth σ):
/// φ_K(0)·[(σ²)′]₀ = φ_K(0)·2(σσ′|₊ − σσ′|₋) and φ_K(0)·2(σ′σ″|₊ − σ′σ″|₋), φ_K(0) = 1/√(2πK).
pub fn kink_jumps(act: &Activation, k: f64) -> (f64, f64) {
    if !act.has_kink() {
        return (0.0, 0.0);
    }
    let r = act.eval_branch(0.0, Branch::Right);
    let l = act.eval_branch(0.0, Branch::Left);
    let phi0 = 1.0 / (2.0 * std::f64::consts::PI * k).sqrt();
    (phi0 * 2.0 * (r[0] * r[1] - l[0] * l[1]), phi0 * 2.0 * (r[1] * r[2] - l[1] * l[2]))
}

/// The bundle of σ at variance K (taken at max(K, K_MIN)). A non-finite K gives NaN in every slot
/// (callers check K first; the recursion lets `saturate` turn the NaN into ±∞).
pub fn compute_moments(q: &Quadrature, act: &Activation, k: f64) -> Moments {
    let k = k.max(K_MIN);
    let mut o = [0.0; N_MOMENTS];
    if q.expect_many(act, k, &mut o, |z, d, out| moment_integrands(k, z, d, out)).is_err() {
        o = [f64::NAN; N_MOMENTS];
    }
    let (jump_s2, jump_d2) = kink_jumps(act, k);
    o[8] = k * (o[8] + jump_s2);
    o[9] = k * (o[9] + jump_d2);
    Moments::from_array(&o)
}

/// The bundle of the point mass at z = 0 (K = 0, the K → 0 limit): every plain slot is its integrand
/// at z = 0, every he2/he4 slot (8, 9, 10, 14) is 0. Only the public bundle uses it; the recursion
/// takes K = 0 at K_MIN.
pub fn point_mass_moments(act: &Activation) -> Moments {
    let mut o = [0.0; N_MOMENTS];
    moment_integrands(1.0, 0.0, &act.eval(0.0), &mut o);
    for j in [8, 9, 10, 14] {
        o[j] = 0.0;
    }
    Moments::from_array(&o)
}

/// Number of values of [`gaussian_expectations`] (the public `gaussianExpectations` bundle).
pub const GAUSS_EXPECTATION_COUNT: usize = 14;

/// The public bundle at variance K from the moments `m` at K, in the order of `wf_gauss_moments`:
/// 0 ⟨σ⟩, 1 ⟨σ²⟩, 2 ⟨σ⁴⟩, 3 ⟨σ′²⟩, 4 ⟨σ′⁴⟩, 5 ⟨σ²σ′²⟩, 6 ⟨zσσ′⟩, 7 ⟨zσ′σ″⟩, 8 ⟨σ²(z²−K)⟩ = K⟨σ²he2⟩,
/// 9 ⟨σ′²(z²−K)⟩ = K⟨σ′²he2⟩, 10 ⟨σ²He₄⟩ = K²⟨σ²he4⟩ (He₄ = z⁴ − 6Kz² + 3K²), 11 ⟨σσ′²σ″⟩,
/// 12 ⟨σ′³σ‴⟩, 13 ⟨σ′²σ″²⟩.
pub fn public_moments(m: &Moments, k: f64) -> [f64; GAUSS_EXPECTATION_COUNT] {
    [
        m.s, m.s2, m.s4, m.d2, m.d4, m.s2d2, m.zsd, m.zdd, k * m.s2he2, k * m.d2he2, k * (k * m.s2he4), m.sd2dd,
        m.d3ddd, m.d2dd2,
    ]
}

/// The public bundle at degree d into out[0..14] and, when `refined` is given, |bundle(2d) − bundle(d)|
/// into out[14..28]. K = 0 is the point mass at 0 ([`point_mass_moments`], exact); 0 < K < K_MIN is
/// taken at K_MIN (values off their K → 0 limit by ~1e-140).
pub fn gaussian_expectations(q: &Quadrature, refined: Option<&Quadrature>, act: &Activation, k: f64, out: &mut [f64]) -> Result<(), QuadError> {
    out.fill(0.0);
    if !(k >= 0.0 && k.is_finite()) {
        return Err(QuadError::Variance);
    }
    let bundle = |q: &Quadrature| if k == 0.0 { point_mass_moments(act) } else { compute_moments(q, act, k) };
    let (lo, hi) = out.split_at_mut(GAUSS_EXPECTATION_COUNT);
    lo.copy_from_slice(&public_moments(&bundle(q), k));
    if let Some(r) = refined {
        let e = public_moments(&bundle(r), k);
        for ((h, &e), &v) in hi.iter_mut().zip(e.iter()).zip(lo.iter()) {
            *h = (e - v).abs();
        }
    }
    Ok(())
}

/// ⟨|f_j|⟩ per slot, the scale for slots that can vanish by symmetry; slots 8 and 9 as computed
/// (K·(⟨|f″|⟩ + |jump|)).
#[cfg(test)]
fn scales(q: &Quadrature, a: &Activation, k: f64) -> [f64; N_MOMENTS] {
    let mut sc = [0.0; N_MOMENTS];
    q.expect_many(a, k, &mut sc, |z, d, v| {
        moment_integrands(k, z, d, v);
        for x in v.iter_mut() {
            *x = x.abs();
        }
    })
    .unwrap();
    let (j2, jd) = kink_jumps(a, k);
    sc[8] = k * (sc[8] + j2.abs());
    sc[9] = k * (sc[9] + jd.abs());
    sc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::quadrature::{DEFAULT_DEGREE, MAX_DEGREE};

    fn act(kind: u32, a: f64) -> Activation {
        Activation::from_raw(kind, a).unwrap()
    }

    fn builtin(kind: u32) -> Activation {
        act(kind, match kind { 2 => 0.1, 10 => 1.0, 11 => 1.0, 12 => 3.0, _ => 0.0 })
    }

    #[test]
    fn default_degree_meets_1e_minus_12_on_every_builtin() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let refq = Quadrature::new(MAX_DEGREE).unwrap();
        let mut worst = 0.0f64;
        for kind in 0..=12u32 {
            let a = builtin(kind);
            for &k in &[1e-3, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0] {
                let o = compute_moments(&q, &a, k).to_array();
                let r = compute_moments(&refq, &a, k).to_array();
                let sc = super::scales(&refq, &a, k);
                for j in 0..N_MOMENTS {
                    let e = (o[j] - r[j]).abs() / sc[j].max(1e-300);
                    worst = worst.max(e);
                    assert!(e < 1e-12, "kind {kind} K {k} slot {j}: {} vs {} (rel {e:e})", o[j], r[j]);
                }
            }
        }
        eprintln!("worst relative difference degree {DEFAULT_DEGREE} vs {MAX_DEGREE}: {worst:e}");
    }

    /// The Stein-form public values 8, 9, 10 against the direct integration of σ²(z²−K), σ′²(z²−K),
    /// σ²He₄ with the same rule (what `wf_gauss_moments` returned before the bundles were merged).
    /// Prints the largest change, absolute and relative to ⟨|f|⟩.
    #[test]
    fn stein_public_values_match_direct_integration() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let (mut worst_rel, mut worst_abs) = (0.0f64, 0.0f64);
        let mut at = (0u32, 0.0f64, 0usize);
        for kind in 0..=12u32 {
            let a = builtin(kind);
            for &k in &[1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0] {
                let p = public_moments(&compute_moments(&q, &a, k), k);
                let (mut direct, mut scale) = ([0.0; 3], [0.0; 3]);
                q.expect_many(&a, k, &mut direct, |z, d, v| {
                    let (ss, dd, z2) = (d[0] * d[0], d[1] * d[1], z * z);
                    v[0] = ss * (z2 - k);
                    v[1] = dd * (z2 - k);
                    v[2] = ss * (z2 * (z2 - 6.0 * k) + 3.0 * k * k);
                })
                .unwrap();
                q.expect_many(&a, k, &mut scale, |z, d, v| {
                    let (ss, dd, z2) = (d[0] * d[0], d[1] * d[1], z * z);
                    v[0] = ss * (z2 + k);
                    v[1] = dd * (z2 + k);
                    v[2] = ss * (z2 * (z2 + 6.0 * k) + 3.0 * k * k);
                })
                .unwrap();
                for (j, slot) in [8, 9, 10].into_iter().enumerate() {
                    let d = (p[slot] - direct[j]).abs();
                    let rel = d / scale[j].max(1e-300);
                    worst_abs = worst_abs.max(d);
                    if rel > worst_rel {
                        (worst_rel, at) = (rel, (kind, k, slot));
                    }
                    assert!(rel < 1e-12, "kind {kind} K {k} value {slot}: Stein {} vs direct {} (rel {rel:e})", p[slot], direct[j]);
                }
            }
        }
        eprintln!("Stein vs direct on values 8, 9, 10: max |Δ| {worst_abs:e}, max |Δ|/⟨|f|⟩ {worst_rel:e} (kind, K, value) = {at:?}");
    }

    #[test]
    fn stein_form_is_exact_for_relu_and_survives_tiny_k() {
        // relu: ⟨σ² he2⟩ = K⟨(σ²)″⟩ = K⟨2Θ(z)⟩ = K (no jump: σσ′ is continuous at 0)
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        for &k in &[1e-20, 1e-3, 1.0, 30.0] {
            let m = compute_moments(&q, &act(1, 0.0), k);
            assert!((m.s2he2 - k).abs() <= 2e-15 * k, "K {k}: {}", m.s2he2);
            // σ′² = Θ(z): ⟨Θ(z)(z²−K)⟩ = 0
            assert!(m.d2he2.abs() <= 1e-15 * k, "K {k}: {}", m.d2he2);
        }
        // tanh at K = 1e-20: σ² ≈ z², so ⟨σ² he2⟩ ≈ 2K, far below the round-off of a direct integral
        let m = compute_moments(&q, &act(3, 0.0), 1e-20);
        assert!((m.s2he2 / 2e-20 - 1.0).abs() < 1e-12, "{}", m.s2he2);
    }

    #[test]
    fn k_zero_is_the_point_mass() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let r = q.refined().unwrap();
        for kind in 0..=12u32 {
            let a = builtin(kind);
            let mut out = [7.0; 2 * GAUSS_EXPECTATION_COUNT];
            gaussian_expectations(&q, Some(&r), &a, 0.0, &mut out).unwrap();
            let [s, s1, s2, s3] = a.eval(0.0);
            let want = [s, s * s, s * s * s * s, s1 * s1, s1.powi(4), s * s * s1 * s1, 0.0, 0.0, 0.0, 0.0, 0.0, s * s1 * s1 * s2, s1 * s1 * s1 * s3, s1 * s1 * s2 * s2];
            for j in 0..GAUSS_EXPECTATION_COUNT {
                assert!((out[j] - want[j]).abs() <= 1e-15 * want[j].abs(), "kind {kind} value {j}: {} vs {}", out[j], want[j]);
                assert_eq!(out[GAUSS_EXPECTATION_COUNT + j], 0.0);
            }
        }
    }

    #[test]
    fn bad_variance_is_refused() {
        let q = Quadrature::new(8).unwrap();
        let mut out = [7.0; 2 * GAUSS_EXPECTATION_COUNT];
        for k in [-1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(gaussian_expectations(&q, None, &act(3, 0.0), k, &mut out), Err(QuadError::Variance));
            assert!(out.iter().all(|&v| v == 0.0));
        }
    }
}

#[cfg(test)]
mod accuracy_table {
    use super::*;
    use crate::numerics::quadrature::{DEFAULT_DEGREE, MAX_DEGREE};
    /// Prints, per activation kind and K, the worst relative difference over the bundle between the
    /// default degree and degree 1000 (and the trapezoid node count): `cargo test --release
    /// accuracy_table -- --ignored --nocapture`. The numbers behind the constants of
    /// `numerics::quadrature::expect`.
    #[test]
    #[ignore]
    fn print_errors() {
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let refq = Quadrature::new(MAX_DEGREE).unwrap();
        for kind in 0..=12u32 {
            let a = match kind { 2 => 0.1, 10 => 1.0, 11 => 1.0, 12 => 3.0, _ => 0.0 };
            let act = Activation::from_raw(kind, a).unwrap();
            let mut line = format!("{kind:2}");
            for &k in &[1e-3, 0.1, 0.3, 0.5, 0.7, 1.0, 2.0, 5.0, 10.0, 30.0] {
                let o = compute_moments(&q, &act, k).to_array();
                let r = compute_moments(&refq, &act, k).to_array();
                let sc = super::scales(&refq, &act, k);
                let mut worst = 0.0f64;
                for j in 0..N_MOMENTS {
                    worst = worst.max((o[j] - r[j]).abs() / sc[j].max(1e-300));
                }
                let n = if act.has_kink() || act.is_polynomial() { 0 } else { q.trapezoid(q.trapezoid_level(act.analytic_halfwidth().unwrap(), k)).nodes.len() };
                line += &format!(" {worst:7.1e}({n})");
            }
            eprintln!("{line}");
        }
    }
}
