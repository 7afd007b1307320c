//! The pair expectations of `kernels()` for smooth σ as Mehler (Hermite) series (docs/theory/kernels.md §4).
//!
//! With z_α = √K_αα u, z_β = √K_ββ v, (u, v) standard Gaussians of correlation c = K_αβ/√(K_αα K_ββ),
//! Mehler's formula gives
//!
//!   ⟨σ(z_α)σ(z_β)⟩ = Σ_k a_k(α) a_k(β) c^k,      a_k(α) = E[σ(√K_αα u) He_k(u)]/√k!,
//!   ⟨σ′(z_α)σ′(z_β)⟩ = Σ_k d_k(α) d_k(β) c^k,    d_k(α) = E[σ′(√K_αα u) He_k(u)]/√k! = a_{k+1}(α)√(k+1)/√K_αα
//!
//! (the second by Stein's identity E[f′(u)He_k(u)] = E[f(u)He_{k+1}(u)]). The coefficients of one input
//! serve its N − 1 pairs: a layer costs N one-dimensional coefficient sets and then O(M) flops per pair,
//! against ~10³ nodes of the 2-D rule per pair. For σ analytic in the strip |Im z| < ρ the coefficients
//! decay like e^{−(ρ/√K)√(2k)} (times a power), so M grows like K/ρ²: measured, with the truncation below,
//! M ≈ 280·K for tanh and ≈ 70·K for sigmoid, softplus and swish (M = 98, 284, 1126 at tanh K = 0.3, 1, 4).
//! Where M would pass [`M_CAP`] (tanh: K ≳ 5.7; sigmoid, swish ≳ 23; softplus ≳ 33) the input has no series
//! and its pairs take the 2-D rule of `kernel_matrix`.
//!
//! Truncation: an input's series stops at the first k past which every |a_k|√(k+1) and |d_k|√(k+1) is
//! ≤ [`EPS`] times the norm of its sequence (checked on the computed coefficients, which run ≥ 25 % past
//! that point); a pair sums to the larger of its two inputs' lengths, and no further than |c|^k ≤ e^{−40}.
//! The neglected terms are then ≤ EPS²·‖a(α)‖‖a(β)‖ each: ~1e-18 of the pair's scale.
//!
//! Coefficients: the trapezoid rule on u ∈ [−U, U] (U = 13.5: h_k(u)φ(u) = ψ_k(u)√φ(u), with ψ_k the
//! normalized Hermite function (|ψ_k| ≤ 1), is ≤ e^{−U²/4} ≈ 2e-20 outside) with step h = 2π/ξ₀: the Fourier
//! transform of He_k(u)φ(u) is (iξ)^k e^{−ξ²/2}, concentrated at |ξ| ≈ √k, and that of σ(√K u) decays like
//! e^{−τ|ξ|} (τ = ρ/√K), so the aliased mass at ξ₀ = √(M+1) + max(40/τ, 9) is ≲ e^{−40}. The normalized
//! Hermite polynomials h_k = He_k/√k! follow h_{k+1} = (u h_k − √k h_{k−1})/√(k+1), stable upwards in the
//! oscillatory region |u| < 2√k and dominant beyond it.
use crate::numerics::activation::Activation;

/// Relative size (times √(k+1)) below which a coefficient is neglected.
pub const EPS: f64 = 1e-9;
/// Most coefficients an input may need; beyond it its pairs take the 2-D rule.
pub const M_CAP: usize = 2048;
/// Half-width of the coefficient quadrature in u.
const U_MAX: f64 = 13.5;
/// Exponent of the truncation in c: a pair sums no term with |c|^k < e^{−C_EXP}.
const C_EXP: f64 = 40.0;

/// One input's Mehler coefficients.
pub struct Series {
    /// Odd σ: A_j = a_{2j+1} (the series is c·Σ_j A_j B_j c^{2j}); else A_k = a_k.
    pub a: Vec<f64>,
    /// Odd σ: D_j = d_{2j}; else D_k = d_k.
    pub d: Vec<f64>,
    /// Number of raw orders k the input needs (its truncation point).
    pub m: usize,
}

/// The rule of one activation: its pole distance and parity, and the √k tables of the recurrence.
pub struct MehlerRule {
    rho: f64,
    odd: bool,
    sq: Vec<f64>,
    isq: Vec<f64>,
    /// c_cut[m] = e^{−C_EXP/m}: below it, |c|^k truncates a sum of m orders earlier.
    c_cut: Vec<f64>,
}

impl MehlerRule {
    /// `rho`: the distance of σ's nearest complex singularity that the rule may assume (the pair rule's
    /// half-width, which is below the true one); `odd`: σ(−z) = −σ(z).
    pub fn new(rho: f64, odd: bool) -> MehlerRule {
        let sq: Vec<f64> = (0..M_CAP + 3).map(|k| (k as f64).sqrt()).collect();
        let isq: Vec<f64> = (0..M_CAP + 3).map(|k| if k == 0 { 0.0 } else { 1.0 / (k as f64).sqrt() }).collect();
        let c_cut: Vec<f64> = (0..=M_CAP).map(|m| if m == 0 { 0.0 } else { (-C_EXP / m as f64).exp() }).collect();
        MehlerRule { rho, odd, sq, isq, c_cut }
    }

    /// The coefficients at variance `k`, or None when the series would need more than [`M_CAP`] orders
    /// (or K is not a finite positive number).
    pub fn series(&self, act: &Activation, k: f64) -> Option<Series> {
        if !(k.is_finite() && k > 1e-300) {
            return None;
        }
        let rho2 = self.rho * self.rho;
        // ~1.6× the measured need (tanh, ρ = 1.25: M ≈ 280·K; sigmoid, softplus, swish, ρ = 2.5: ≈ 70·K), so
        // that one pass usually passes the 25 % check below (500·K/ρ² redid tanh's K > 1.3 at twice the orders).
        let guess = 700.0 * k / rho2 + 40.0;
        let mut m_try = if guess > M_CAP as f64 { M_CAP } else { guess.ceil() as usize };
        loop {
            let raw = self.raw(act, k, m_try);
            let (cut_a, cut_d) = (cut(&raw.0), cut(&raw.1));
            let need = cut_a.max(cut_d + 1);
            // Converged when the coefficients past `need` are ≥ 25 % of those computed.
            if 5 * need <= 4 * m_try {
                return Some(self.pack(raw.0, raw.1, need));
            }
            if m_try >= M_CAP {
                return None;
            }
            m_try = (2 * m_try).min(M_CAP);
        }
    }

    /// a_0 … a_{m+1} and d_0 … d_m by the trapezoid rule (see the module doc).
    fn raw(&self, act: &Activation, k: f64, m: usize) -> (Vec<f64>, Vec<f64>) {
        let sk = k.sqrt();
        let tau = self.rho / sk;
        let xi0 = ((m + 1) as f64).sqrt() + (C_EXP / tau).max(9.0);
        let h = 2.0 * std::f64::consts::PI / xi0;
        let nodes = (U_MAX / h) as i64;
        let norm = h / (2.0 * std::f64::consts::PI).sqrt();
        let top = m + 2;
        let mut a = vec![0.0; top];
        // Nodes j = first … nodes, in blocks of four run side by side: the recurrence is a chain of
        // dependent multiplications, and four independent chains fill the pipeline (3–4× faster). The
        // last block is padded with zero-weight nodes at u = 0.
        let first = if self.odd { 1 } else { -nodes };
        let count = (nodes - first + 1) as usize;
        let mut j = first;
        for _ in 0..count.div_ceil(4) {
            let (mut u, mut f) = ([0.0; 4], [0.0; 4]);
            for l in 0..4 {
                if j <= nodes {
                    u[l] = j as f64 * h;
                    let w = norm * (-0.5 * u[l] * u[l]).exp();
                    // Odd σ: σ(√K u)h_k(u) is even in u for odd k (the only nonzero a_k), so u > 0 counts twice.
                    f[l] = if self.odd { 2.0 * w * act.eval(sk * u[l])[0] } else { w * act.eval(sk * u[l])[0] };
                }
                j += 1;
            }
            let (mut hm, mut hk) = ([0.0; 4], [1.0; 4]);
            a[0] += (f[0] + f[1]) + (f[2] + f[3]);
            for kk in 0..top - 1 {
                let (s, r) = (self.sq[kk], self.isq[kk + 1]);
                for l in 0..4 {
                    let hn = (u[l] * hk[l] - s * hm[l]) * r;
                    hm[l] = hk[l];
                    hk[l] = hn;
                }
                a[kk + 1] += (f[0] * hk[0] + f[1] * hk[1]) + (f[2] * hk[2] + f[3] * hk[3]);
            }
        }
        if self.odd {
            for kk in (0..top).step_by(2) {
                a[kk] = 0.0;
            }
        }
        let d: Vec<f64> = (0..=m).map(|kk| a[kk + 1] * self.sq[kk + 1] / sk).collect();
        (a, d)
    }

    /// The coefficients the pairs use (all that were computed, ≥ 1.25·m: a pair of a short and a long
    /// series sums to the long one's m, and the short one's coefficients there are below EPS and falling),
    /// compressed for odd σ.
    fn pack(&self, a: Vec<f64>, d: Vec<f64>, m: usize) -> Series {
        if self.odd {
            let aa: Vec<f64> = (0..a.len() / 2).map(|j| a[2 * j + 1]).collect();
            let dd: Vec<f64> = (0..d.len().div_ceil(2)).map(|j| d[2 * j]).collect();
            Series { a: aa, d: dd, m }
        } else {
            Series { a, d, m }
        }
    }

    /// (⟨σσ⟩, ⟨σ′σ′⟩) of a pair of inputs at correlation c ∈ [−1, 1].
    pub fn pair(&self, sa: &Series, sb: &Series, c: f64) -> (f64, f64) {
        let mut m = sa.m.max(sb.m);
        let ac = c.abs();
        // |c|^k ≤ e^{−C_EXP} from k = C_EXP/(−ln|c|) on: fewer terms than m when |c| < e^{−C_EXP/m}
        // (the table). −ln x = 2 artanh((1−x)/(1+x)) ≥ 2(1−x)/(1+x) gives a k at least as large without a
        // logarithm (10 % of the time at N = 2048 went to `ln`; a few more terms where |c| is small).
        if ac < self.c_cut[m.min(M_CAP)] {
            let kc = 0.5 * C_EXP * (1.0 + ac) / (1.0 - ac);
            if kc < m as f64 {
                m = kc.ceil() as usize;
            }
        }
        let (x, terms) = if self.odd {
            // Raw orders k < m: a_{2j+1} for 2j + 1 < m, d_{2j} for 2j < m.
            (c * c, m.div_ceil(2).min(sa.d.len()).min(sb.d.len()))
        } else {
            (c, m.min(sa.d.len()).min(sb.d.len()))
        };
        // Two interleaved power chains (x^{2i}, x^{2i+1}): each step waits for one multiplication by x²
        // instead of the whole sum waiting for x^j.
        let (a, b, d, e) = (&sa.a[..terms], &sb.a[..terms], &sa.d[..terms], &sb.d[..terms]);
        let x2 = x * x;
        let (mut p0, mut p1) = (1.0, x);
        let (mut s0, mut s1, mut t0, mut t1) = (0.0, 0.0, 0.0, 0.0);
        let pairs = terms / 2;
        for i in 0..pairs {
            let j = 2 * i;
            s0 += a[j] * b[j] * p0;
            t0 += d[j] * e[j] * p0;
            s1 += a[j + 1] * b[j + 1] * p1;
            t1 += d[j + 1] * e[j + 1] * p1;
            p0 *= x2;
            p1 *= x2;
        }
        if terms % 2 == 1 {
            let j = terms - 1;
            s0 += a[j] * b[j] * p0;
            t0 += d[j] * e[j] * p0;
        }
        let (s, t) = (s0 + s1, t0 + t1);
        (if self.odd { s * c } else { s }, t)
    }
}

/// 1 + the last k with |x_k|√(k+1) > EPS·‖x‖ (0 when x = 0).
fn cut(x: &[f64]) -> usize {
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let lim = EPS * norm;
    let mut last = 0;
    for (k, v) in x.iter().enumerate() {
        if v.abs() * ((k + 1) as f64).sqrt() > lim {
            last = k + 1;
        }
    }
    last
}

