//! Many inputs at O(1/n): K, Θ, K^{1} (G1), Θ^{1} (H1), V, A, B, D, F with sample indices for N
//! inputs x_δ (PDLT §4, §8 with sample indices; derivation and measured accuracy in docs/theory/multi.md).
//! The TS twin is `ts/twin/theory/multi.ts` (same rules, same order of operations).
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
//! Export: `ffi::exports::wf_theory_multi`. The all-equal entries (δδδδ) are computed by `theory::recursion::next_layer` itself (they are the single-input
//! recursion term by term), so N = 1 reproduces `wf_theory` bit for bit.
// Index loops run over several parallel per-sample arrays (Cholesky rows, means, values) at once.
#![allow(clippy::needless_range_loop)]
use crate::numerics::activation::{erfc, erfc_scaled, norm_cdf, norm_pdf, Activation, Branch, Kind, ERF_SPLIT};
use crate::numerics::quadrature::{hermite_rule, legendre_rule, QuadError, Quadrature, Rule, CUSTOM_HALFWIDTH};
use crate::theory::moments::{compute_moments, Moments, K_MIN};
use crate::theory::recursion::{first_layer, next_layer, saturate, LayerHyper, LayerStats};

/// Largest N accepted (13·N⁴ doubles of working memory: 109 MB at N = 32).
pub const MAX_N: usize = 32;
/// Radius of the ball in Cholesky coordinates (P(χ²₄ > 64) ≈ 4e-13).
pub const X_BALL: f64 = 8.0;
/// Target exponent of the trapezoid's strip error e^{−TAU} at degree 64.
pub const TAU: f64 = 30.0;
/// Largest trapezoid step (aliasing of the Gaussian weight itself, e^{−2π²/h²}).
pub const H_MAX: f64 = 0.35;
/// Gauss–Legendre nodes per panel of the kinked rule.
pub const GL_NODES: usize = 8;
const REF_DEGREE: f64 = 64.0;
/// A sample whose residual variance in the Cholesky sweep is ≤ RANK_TOL·K_jj is a linear combination
/// of the earlier ones (coincident or proportional inputs; rounding of 2-D vs 1-D rules stays ~1e-15).
pub const RANK_TOL: f64 = 1e-12;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    Poly,
    Smooth(f64),
    Kink,
}

/// Rank-revealing Cholesky factor of a d × d sub-kernel (d ≤ 4): z_j = Σ_c l[j][c] x_c.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sub {
    pub d: usize,
    pub r: usize,
    pub l: [[f64; 4]; 4],
    /// Level at which sample j is complete (its last nonzero column); NONE when z_j ≡ 0.
    pub last: [usize; 4],
    /// Trapezoid step per level (smooth σ).
    pub h: [f64; 4],
}

pub const NONE: usize = usize::MAX;

/// Sweep in sample order; a sample with residual ≤ RANK_TOL·K_jj adds no column.
pub fn cholesky(k: &[[f64; 4]; 4], d: usize) -> Sub {
    let mut s = Sub { d, last: [NONE; 4], ..Default::default() };
    let mut piv = [0usize; 4];
    for j in 0..d {
        let kjj = k[j][j].max(0.0);
        let mut res = kjj;
        for c in 0..s.r {
            let p = piv[c];
            let mut v = k[j][p];
            for c2 in 0..c {
                v -= s.l[j][c2] * s.l[p][c2];
            }
            let v = v / s.l[p][c];
            s.l[j][c] = v;
            res -= v * v;
        }
        if res > RANK_TOL * kjj && res > 0.0 {
            s.l[j][s.r] = res.sqrt();
            piv[s.r] = j;
            s.r += 1;
        }
        s.last[j] = (0..4).rev().find(|&c| s.l[j][c] != 0.0).unwrap_or(NONE);
    }
    s
}

/// The rules of one call.
pub struct MultiRule<'q> {
    pub q: &'q Quadrature,
    pub act: Activation,
    pub fam: Family,
    /// σ(−z) = −σ(z) with a symmetric rule: the four-point integrands are even in x.
    pub odd: bool,
    scale: f64,
    gl: Rule,
    gh: Rule,
    panels: usize,
}

/// One node of a level: x, weight (Gaussian density included), right-branch bits of the samples completed there.
type Node = (f64, f64, u8);

impl<'q> MultiRule<'q> {
    pub fn new(q: &'q Quadrature, act: Activation) -> Result<MultiRule<'q>, QuadError> {
        let fam = if act.is_polynomial() {
            Family::Poly
        } else if act.has_kink() {
            Family::Kink
        } else {
            Family::Smooth(act.analytic_halfwidth().unwrap_or(CUSTOM_HALFWIDTH))
        };
        let p = if act.kind == Kind::Monomial { act.a as usize } else { 1 };
        let degree = q.degree();
        let odd = matches!(fam, Family::Smooth(_)) && matches!(act.kind, Kind::Tanh | Kind::Erf | Kind::Sin | Kind::ScaledTanh);
        Ok(MultiRule {
            q,
            act,
            fam,
            odd,
            scale: REF_DEGREE / degree as f64,
            gl: legendre_rule(GL_NODES)?,
            gh: hermite_rule(2 * p + 3)?,
            panels: (degree / 8).max(2),
        })
    }

    /// Sets the per-level trapezoid steps of `s`.
    pub fn steps(&self, s: &mut Sub) {
        if let Family::Smooth(rho) = self.fam {
            for c in 0..s.r {
                let mut cmax = 0.0f64;
                for j in 0..s.d {
                    cmax = cmax.max(s.l[j][c].abs());
                }
                let target = if cmax > 0.0 { 2.0 * std::f64::consts::PI * rho / (TAU * cmax) } else { H_MAX };
                s.h[c] = target.min(H_MAX) * self.scale;
            }
        }
    }

    /// Nodes of level k given the partial means of every sample and Σ_{i<k} x_i².
    fn nodes(&self, s: &Sub, k: usize, mean: &[f64; 4], r2: f64, out: &mut Vec<Node>) {
        out.clear();
        let rr = (X_BALL * X_BALL - r2).max(0.0).sqrt();
        match self.fam {
            Family::Poly => {
                for (&x, &w) in self.gh.nodes.iter().zip(self.gh.weights.iter()) {
                    out.push((x, w, 0));
                }
            }
            Family::Smooth(_) => {
                let h = s.h[k];
                let n = (rr / h).floor() as i64;
                for i in -n..=n {
                    let x = i as f64 * h;
                    out.push((x, h * norm_pdf(x), 0));
                }
            }
            Family::Kink => {
                if rr <= 0.0 {
                    return;
                }
                // one- and two-dimensional sets (pair derivatives with x⁴ weights) are cheap: 4× the panels
                let panels = if s.r <= 2 { 4 * self.panels } else { self.panels };
                let width = 2.0 * X_BALL / panels as f64;
                let np = ((2.0 * rr / width).ceil() as usize).max(1);
                let mut edges: Vec<f64> = Vec::with_capacity(np + 5);
                for i in 0..=np {
                    edges.push(-rr + 2.0 * rr * i as f64 / np as f64);
                }
                for j in 0..s.d {
                    let c = s.l[j][k];
                    if s.last[j] == NONE || s.last[j] < k || c == 0.0 {
                        continue;
                    }
                    let t = -mean[j] / c;
                    if t > -rr && t < rr {
                        edges.push(t);
                    }
                    if s.last[j] > k {
                        // A later sample's kink, smoothed by its remaining conditional spread: the inner
                        // integral varies like Φ((x − t)/w) — graded edges t ± w·3^i resolve it.
                        let rest: f64 = (k + 1..4).map(|c2| s.l[j][c2] * s.l[j][c2]).sum();
                        let w = rest.sqrt() / c.abs();
                        let mut g = w;
                        while g < width && g > 0.0 {
                            for e in [t - g, t + g] {
                                if e > -rr && e < rr {
                                    edges.push(e);
                                }
                            }
                            g *= 3.0;
                        }
                    }
                }
                edges.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                for e in edges.windows(2) {
                    let (lo, hi) = (e[0], e[1]);
                    if hi <= lo {
                        continue;
                    }
                    let mid = 0.5 * (lo + hi);
                    let half = 0.5 * (hi - lo);
                    let mut br = 0u8;
                    for j in 0..s.d {
                        if s.last[j] == k && mean[j] + s.l[j][k] * mid >= 0.0 {
                            br |= 1 << j;
                        }
                    }
                    for (&t, &wt) in self.gl.nodes.iter().zip(self.gl.weights.iter()) {
                        let x = mid + half * t;
                        out.push((x, 2.0 * half * wt * norm_pdf(x), br));
                    }
                }
            }
        }
    }

    /// [E σ, E σ′, E σ², E σσ′, E σ′²] at z = μ + sξ, ξ ~ N(0, 1), for the kinked family in closed
    /// form (truncated-normal moments; elu through E e^{kz}1{z<0} = e^{kμ+k²s²/2}Φ(−t−ks), t = μ/s).
    pub fn gauss_mean(&self, m: f64, s: f64) -> [f64; 5] {
        if s <= 0.0 {
            let e = self.act.eval(m);
            return [e[0], e[1], e[0] * e[0], e[0] * e[1], e[1] * e[1]];
        }
        let t = m / s;
        let cp = norm_cdf(t);
        let cm = norm_cdf(-t);
        let pdf = norm_pdf(t);
        let e1 = m * cp + s * pdf;
        let m2 = m * m + s * s;
        let e2 = m2 * cp + m * s * pdf;
        match self.act.kind {
            Kind::Relu => [e1, cp, e2, e1, cp],
            Kind::LeakyRelu => {
                let a = self.act.a;
                let (n1, n2) = (m - e1, m2 - e2);
                [e1 + a * n1, cp + a * cm, e2 + a * a * n2, e1 + a * a * n1, cp + a * a * cm]
            }
            _ => {
                let alpha = self.act.a;
                let g = |k: f64| {
                    let y = (t + k * s) * std::f64::consts::FRAC_1_SQRT_2;
                    if y > ERF_SPLIT {
                        (-0.5 * t * t).exp() * 0.5 * erfc_scaled(y)
                    } else {
                        (k * m + 0.5 * k * k * s * s).exp() * 0.5 * erfc(y)
                    }
                };
                let (g1, g2) = (g(1.0), g(2.0));
                let a2 = alpha * alpha;
                [e1 + alpha * (g1 - cm), cp + alpha * g1, e2 + a2 * (g2 - 2.0 * g1 + cm), e1 + a2 * (g2 - g1), cp + a2 * g2]
            }
        }
    }

    /// Nested integration over x ∈ ℝ^r of a subset; `leaf(vals, x, w)` gets [σ, σ′] of every sample.
    /// `closed`: the last level (one sample of multiplicity one completes there) in closed form.
    pub fn walk<F: FnMut(&[[f64; 2]; 4], &[f64; 4], f64, usize, &[f64; 5])>(&self, s: &Sub, closed: bool, half: bool, leaf: &mut F) {
        let mut vals = [[0.0; 2]; 4];
        for j in 0..s.d {
            if s.last[j] == NONE {
                let e = self.act.eval(0.0);
                vals[j] = [e[0], e[1]];
            }
        }
        let mut x = [0.0; 4];
        if s.r == 0 {
            leaf(&vals, &x, 1.0, NONE, &[0.0; 5]);
            return;
        }
        let mut bufs: Vec<Vec<Node>> = (0..s.r).map(|_| Vec::new()).collect();
        self.level(s, 0, [0.0; 4], 0.0, 1.0, &mut vals, &mut x, closed, half, &mut bufs, leaf);
    }

    #[allow(clippy::too_many_arguments)]
    fn level<F: FnMut(&[[f64; 2]; 4], &[f64; 4], f64, usize, &[f64; 5])>(
        &self,
        s: &Sub,
        k: usize,
        mean: [f64; 4],
        r2: f64,
        w: f64,
        vals: &mut [[f64; 2]; 4],
        x: &mut [f64; 4],
        closed: bool,
        half: bool,
        bufs: &mut [Vec<Node>],
        leaf: &mut F,
    ) {
        let (head, tail) = bufs.split_at_mut(1);
        let nodes = &mut head[0];
        if closed && k + 1 == s.r {
            // the one sample completing here enters every integrand linearly: replace it by its
            // conditional means E σ(z_j), E σ′(z_j) (closed form for kinked σ, the level's rule otherwise)
            let mut g5 = [0.0; 5];
            let mut cj = NONE;
            for j in 0..s.d {
                if s.last[j] == k {
                    cj = j;
                    g5 = if self.fam == Family::Kink {
                        self.gauss_mean(mean[j], s.l[j][k].abs())
                    } else {
                        self.nodes(s, k, &mean, r2, nodes);
                        let mut g = [0.0; 5];
                        for &(xk, wk, _) in nodes.iter() {
                            let e = self.act.eval(mean[j] + s.l[j][k] * xk);
                            g[0] += wk * e[0];
                            g[1] += wk * e[1];
                            g[2] += wk * (e[0] * e[0]);
                            g[3] += wk * (e[0] * e[1]);
                            g[4] += wk * (e[1] * e[1]);
                        }
                        g
                    };
                }
            }
            leaf(vals, x, w, cj, &g5);
            return;
        }
        self.nodes(s, k, &mean, r2, nodes);
        for &(xk, wk, br) in nodes.iter() {
            // even integrands (odd σ, tables only): half of the first coordinate, doubled
            let wk = if half && k == 0 {
                if xk < 0.0 {
                    continue;
                } else if xk > 0.0 {
                    2.0 * wk
                } else {
                    wk
                }
            } else {
                wk
            };
            x[k] = xk;
            let mut m = mean;
            for j in 0..s.d {
                m[j] += s.l[j][k] * xk;
            }
            for j in 0..s.d {
                if s.last[j] == k {
                    let b = if self.fam == Family::Kink {
                        if (br >> j) & 1 == 1 { Branch::Right } else { Branch::Left }
                    } else {
                        Branch::Pointwise
                    };
                    let e = self.act.eval_branch(m[j], b);
                    vals[j] = [e[0], e[1]];
                }
            }
            if k + 1 == s.r {
                leaf(vals, x, w * wk, NONE, &[0.0; 5]);
            } else {
                self.level(s, k + 1, m, r2 + xk * xk, w * wk, vals, x, closed, half, tail, leaf);
            }
        }
    }

}

// ------------------------------------------------------------------------------------------------
// Weighted accumulation for rank-one sets: expect_many owns the weights, so integrands are produced
// into a value vector; this adapter runs a "values" closure through expect_many directly.

impl<'q> MultiRule<'q> {
    /// out[i] = E g_i over a subset, where `vals_of(vals, x, out_vals)` writes all integrand values.
    pub fn integrate<G: FnMut(&[[f64; 2]; 4], &[f64; 4], usize, &[f64; 5], &mut [f64])>(&self, s: &Sub, closed: bool, half: bool, out: &mut [f64], mut g: G) {
        out.fill(0.0);
        let m = out.len();
        let mut tmp = vec![0.0; m];
        if s.r == 1 {
            let p = (0..s.d).find(|&j| s.last[j] == 0 && s.l[j][0] > 0.0).unwrap_or(0);
            let lp = s.l[p][0];
            let mut vals = [[0.0; 2]; 4];
            let mut x = [0.0; 4];
            for j in 0..s.d {
                if s.last[j] == NONE {
                    let e = self.act.eval(0.0);
                    vals[j] = [e[0], e[1]];
                }
            }
            let _ = self.q.expect_many(&self.act, lp * lp, out, |z, d, o| {
                let x1 = z / lp;
                x[0] = x1;
                let right = if self.fam == Family::Kink { *d == self.act.eval_branch(z, Branch::Right) } else { true };
                for j in 0..s.d {
                    if s.last[j] == NONE {
                        continue;
                    }
                    if j == p {
                        vals[j] = [d[0], d[1]];
                        continue;
                    }
                    let c = s.l[j][0];
                    let zj = c * x1;
                    let e = if self.fam == Family::Kink {
                        let b = if (c >= 0.0) == right { Branch::Right } else { Branch::Left };
                        self.act.eval_branch(zj, b)
                    } else {
                        self.act.eval(zj)
                    };
                    vals[j] = [e[0], e[1]];
                }
                g(&vals, &x, NONE, &[0.0; 5], o);
            });
            return;
        }
        self.walk(s, closed, half, &mut |v, x, w, cj, g5| {
            g(v, x, cj, g5, &mut tmp);
            for (o, t) in out.iter_mut().zip(tmp.iter()) {
                *o += w * t;
            }
        });
    }
}

// ------------------------------------------------------------------------------------------------
// Four-point tables: for every distinct subset S (|S| = 2…4) the monomials ∏_j σ_j^{m_j} σ′_j^{n_j}
// (Σ m + n = 4, each sample at least once) that fill
//   S0[abcd] = ⟨σ_aσ_bσ_cσ_d⟩,  S2[abcd] = ⟨σ′_aσ′_bσ_cσ_d⟩,  S4[abcd] = ⟨σ′_aσ′_bσ′_cσ′_d⟩.

struct Plan {
    monos: Vec<[(u8, u8); 4]>,
    /// (local tuple, table 0/1/2, monomial)
    entries: Vec<([u8; 4], u8, usize)>,
}

fn plan(size: usize) -> Plan {
    let mut monos: Vec<[(u8, u8); 4]> = Vec::new();
    let mut entries = Vec::new();
    let masks = [0u8, 0b0011, 0b1111];
    for code in 0..size.pow(4) {
        let t = [(code / size.pow(3)) % size, (code / size.pow(2)) % size, (code / size) % size, code % size];
        if (0..size).any(|j| !t.contains(&j)) {
            continue;
        }
        for (ti, &mask) in masks.iter().enumerate() {
            let mut e = [(0u8, 0u8); 4];
            for (slot, &j) in t.iter().enumerate() {
                if (mask >> slot) & 1 == 1 {
                    e[j].1 += 1;
                } else {
                    e[j].0 += 1;
                }
            }
            let idx = match monos.iter().position(|m| *m == e) {
                Some(i) => i,
                None => {
                    monos.push(e);
                    monos.len() - 1
                }
            };
            entries.push(([t[0] as u8, t[1] as u8, t[2] as u8, t[3] as u8], ti as u8, idx));
        }
    }
    Plan { monos, entries }
}

/// All increasing `size`-tuples of 0 … n−1, lexicographic.
pub fn combinations(n: usize, size: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut c: Vec<usize> = (0..size).collect();
    if size > n {
        return out;
    }
    loop {
        out.push(c.clone());
        let mut i = size;
        while i > 0 && c[i - 1] == n - size + i - 1 {
            i -= 1;
        }
        if i == 0 {
            return out;
        }
        c[i - 1] += 1;
        for j in i..size {
            c[j] = c[j - 1] + 1;
        }
    }
}

#[inline]
fn idx4(n: usize, a: usize, b: usize, c: usize, d: usize) -> usize {
    ((a * n + b) * n + c) * n + d
}

/// Fills the three N⁴ tables from every subset of size 2…4 (size-1 entries come from `Moments`).
pub fn four_point_tables(rule: &MultiRule, kmat: &[f64], n: usize, mom: &[Moments], s0: &mut [f64], s2: &mut [f64], s4: &mut [f64]) {
    for a in 0..n {
        let i = idx4(n, a, a, a, a);
        s0[i] = mom[a].s4;
        s2[i] = mom[a].s2d2;
        s4[i] = mom[a].d4;
    }
    for size in 2..=4usize.min(n) {
        let pl = plan(size);
        let mut acc = vec![0.0; pl.monos.len()];
        let mut set = [0usize; 4];
        for combo in combinations(n, size) {
            set[..size].copy_from_slice(&combo);
            let mut k = [[0.0; 4]; 4];
            for i in 0..size {
                for j in 0..size {
                    k[i][j] = kmat[set[i] * n + set[j]];
                }
            }
            let mut sub = cholesky(&k, size);
            rule.steps(&mut sub);
            // with ≥ 3 distinct full-rank samples the last one has multiplicity ≤ 2 in every monomial:
            // its conditional moments E[σ^m σ′^n | outer] (m + n ≤ 2) replace the innermost level
            let closed = sub.r == size && size >= 3;
            let monos = &pl.monos;
            rule.integrate(&sub, closed, rule.odd, &mut acc, |v, _x, cj, g5, o| {
                let mut ps = [[1.0f64; 5]; 4];
                let mut pd = [[1.0f64; 5]; 4];
                for j in 0..size {
                    if j == cj {
                        continue;
                    }
                    for e in 1..5 {
                        ps[j][e] = ps[j][e - 1] * v[j][0];
                        pd[j][e] = pd[j][e - 1] * v[j][1];
                    }
                }
                for (oi, m) in o.iter_mut().zip(monos.iter()) {
                    let mut p = 1.0;
                    for j in 0..size {
                        if j == cj {
                            p *= match m[j] {
                                (1, 0) => g5[0],
                                (0, 1) => g5[1],
                                (2, 0) => g5[2],
                                (1, 1) => g5[3],
                                _ => g5[4],
                            };
                        } else {
                            p *= ps[j][m[j].0 as usize] * pd[j][m[j].1 as usize];
                        }
                    }
                    *oi = p;
                }
            });
            for &(t, table, mi) in &pl.entries {
                let i = idx4(n, set[t[0] as usize], set[t[1] as usize], set[t[2] as usize], set[t[3] as usize]);
                match table {
                    0 => s0[i] = acc[mi],
                    1 => s2[i] = acc[mi],
                    _ => s4[i] = acc[mi],
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Pair data: the statistics-side derivatives of f(z_a, z_b) ∈ {σσ, σ′σ′, σ′σ, σσ′} over one pair.

/// Derivative moments of one unordered pair (samples s[0..m], m = 1 for a = b), local indices.
#[derive(Clone, Copy, Debug, Default)]
pub struct PairData {
    pub s: [usize; 2],
    pub m: usize,
    /// ⟨σ_aσ_b⟩, ⟨σ′_aσ′_b⟩
    pub ess: f64,
    pub edd: f64,
    /// ⟨∂_p∂_q(σ_aσ_b)⟩, ⟨∂_p∂_q(σ′_aσ′_b)⟩
    pub dss: [[f64; 2]; 2],
    pub ddd: [[f64; 2]; 2],
    /// ⟨∂_p(σ′_{s0}σ_{s1})⟩, ⟨∂_p(σ_{s0}σ′_{s1})⟩
    pub dds: [f64; 2],
    pub dsd: [f64; 2],
    /// ⟨∂⁴_{p1p2p3p4}(σσ)⟩, ⟨∂⁴(σ′σ′)⟩, local index ((p1·2+p2)·2+p3)·2+p4
    pub qss: [f64; 16],
    pub qdd: [f64; 16],
}

/// Monomials x₁^i x₂^j, i + j ≤ 4, in this order.
const MONO2: [(usize, usize); 15] = [
    (0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2), (3, 0), (2, 1), (1, 2), (0, 3), (4, 0), (3, 1), (2, 2), (1, 3), (0, 4),
];

fn mono2_index(i: usize, j: usize) -> usize {
    MONO2.iter().position(|&(a, b)| a == i && b == j).expect("degree ≤ 4")
}

/// ⟨f · x^α⟩ for the multiset of coordinate indices `ix` (length ≤ 4) from the monomial moments.
fn xmom(mm: &[f64; 15], ix: &[usize]) -> f64 {
    let c1 = ix.iter().filter(|&&i| i == 1).count();
    mm[mono2_index(ix.len() - c1, c1)]
}

/// ⟨f (x_i x_j − δ_ij)⟩
fn he2(mm: &[f64; 15], i: usize, j: usize) -> f64 {
    xmom(mm, &[i, j]) - if i == j { mm[0] } else { 0.0 }
}

/// ⟨f He_ijkl(x)⟩, He_ijkl = x_ix_jx_kx_l − Σ₆ δ x x + Σ₃ δδ
fn he4(mm: &[f64; 15], i: usize, j: usize, k: usize, l: usize) -> f64 {
    let d = |a: usize, b: usize| if a == b { 1.0 } else { 0.0 };
    xmom(mm, &[i, j, k, l]) - d(i, j) * xmom(mm, &[k, l]) - d(i, k) * xmom(mm, &[j, l]) - d(i, l) * xmom(mm, &[j, k])
        - d(j, k) * xmom(mm, &[i, l])
        - d(j, l) * xmom(mm, &[i, k])
        - d(k, l) * xmom(mm, &[i, j])
        + (d(i, j) * d(k, l) + d(i, k) * d(j, l) + d(i, l) * d(j, k)) * mm[0]
}

/// Pair data of a ≠ b.
pub fn pair_data(rule: &MultiRule, k11: f64, k12: f64, k22: f64, a: usize, b: usize) -> PairData {
    let mut k = [[0.0; 4]; 4];
    k[0][0] = k11;
    k[0][1] = k12;
    k[1][0] = k12;
    k[1][1] = k22;
    let mut sub = cholesky(&k, 2);
    rule.steps(&mut sub);
    let r = sub.r;
    // moments of the four functions times x₁^i x₂^j
    let mut acc = [0.0; 60];
    rule.integrate(&sub, false, false, &mut acc, |v, x, _, _, o| {
        let f = [v[0][0] * v[1][0], v[0][1] * v[1][1], v[0][1] * v[1][0], v[0][0] * v[1][1]];
        let mut p1 = [1.0; 5];
        let mut p2 = [1.0; 5];
        for e in 1..5 {
            p1[e] = p1[e - 1] * x[0];
            p2[e] = p2[e - 1] * if r == 2 { x[1] } else { 0.0 };
        }
        for (mi, &(i, j)) in MONO2.iter().enumerate() {
            let xm = p1[i] * p2[j];
            for fi in 0..4 {
                o[fi * 15 + mi] = f[fi] * xm;
            }
        }
    });
    let mut mm = [[0.0; 15]; 4];
    for fi in 0..4 {
        mm[fi].copy_from_slice(&acc[fi * 15..fi * 15 + 15]);
    }
    // pseudo-inverse of L (r × 2): ∂_{z_p} = Σ_i P[i][p] ∂_{x_i}
    let mut pinv = [[0.0; 2]; 2];
    if r == 2 {
        let (l00, l10, l11) = (sub.l[0][0], sub.l[1][0], sub.l[1][1]);
        pinv[0][0] = 1.0 / l00;
        pinv[1][0] = -l10 / (l00 * l11);
        pinv[1][1] = 1.0 / l11;
    } else if r == 1 {
        let (la, lb) = (sub.l[0][0], sub.l[1][0]);
        let nn = la * la + lb * lb;
        if nn > 0.0 {
            pinv[0][0] = la / nn;
            pinv[0][1] = lb / nn;
        }
    }
    let mut pd = PairData { s: [a, b], m: 2, ess: mm[0][0], edd: mm[1][0], ..Default::default() };
    for p in 0..2 {
        pd.dds[p] = (0..r).map(|i| pinv[i][p] * xmom(&mm[2], &[i])).sum();
        pd.dsd[p] = (0..r).map(|i| pinv[i][p] * xmom(&mm[3], &[i])).sum();
        for q in 0..2 {
            let (mut s, mut dd) = (0.0, 0.0);
            for i in 0..r {
                for j in 0..r {
                    let c = pinv[i][p] * pinv[j][q];
                    s += c * he2(&mm[0], i, j);
                    dd += c * he2(&mm[1], i, j);
                }
            }
            pd.dss[p][q] = s;
            pd.ddd[p][q] = dd;
        }
    }
    // fourth derivatives: transform He₄ moments (r^4 components) with P on every index
    let mut g4s = [0.0; 16];
    let mut g4d = [0.0; 16];
    for c in 0..16 {
        let (i, j, k2, l) = (c >> 3 & 1, c >> 2 & 1, c >> 1 & 1, c & 1);
        if i < r && j < r && k2 < r && l < r {
            g4s[c] = he4(&mm[0], i, j, k2, l);
            g4d[c] = he4(&mm[1], i, j, k2, l);
        }
    }
    for pc in 0..16 {
        let (p1, p2, p3, p4) = (pc >> 3 & 1, pc >> 2 & 1, pc >> 1 & 1, pc & 1);
        let (mut s, mut dd) = (0.0, 0.0);
        for c in 0..16 {
            let (i, j, k2, l) = (c >> 3 & 1, c >> 2 & 1, c >> 1 & 1, c & 1);
            let w = pinv[i][p1] * pinv[j][p2] * pinv[k2][p3] * pinv[l][p4];
            if w != 0.0 {
                s += w * g4s[c];
                dd += w * g4d[c];
            }
        }
        pd.qss[pc] = s;
        pd.qdd[pc] = dd;
    }
    pd
}

/// Pair data of a = a from the single-input moments (Stein forms of recursion.rs).
pub fn single_pair(m: &Moments, k: f64, a: usize) -> PairData {
    let k = k.max(K_MIN);
    let mut pd = PairData { s: [a, a], m: 1, ess: m.s2, edd: m.d2, ..Default::default() };
    pd.dss[0][0] = m.s2he2 / k;
    pd.ddd[0][0] = m.d2he2 / k;
    pd.dds[0] = m.s2he2 / (2.0 * k);
    pd.dsd[0] = pd.dds[0];
    pd.qss[0] = m.s2he4 / k / k;
    pd.qdd[0] = m.d2he4 / k / k;
    pd
}

// ------------------------------------------------------------------------------------------------
// The state of one layer and the step ℓ → ℓ+1.

/// Statistics of one layer for N inputs: N × N matrices (row-major) and N⁴ tensors ([a][b][c][d]).
#[derive(Clone, Debug)]
pub struct MultiLayer {
    pub n: usize,
    pub k: Vec<f64>,
    pub theta: Vec<f64>,
    pub g1: Vec<f64>,
    pub h1: Vec<f64>,
    pub v: Vec<f64>,
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub d: Vec<f64>,
    pub f: Vec<f64>,
}

impl MultiLayer {
    pub fn zeros(n: usize) -> MultiLayer {
        let n2 = n * n;
        let n4 = n2 * n2;
        MultiLayer {
            n,
            k: vec![0.0; n2],
            theta: vec![0.0; n2],
            g1: vec![0.0; n2],
            h1: vec![0.0; n2],
            v: vec![0.0; n4],
            a: vec![0.0; n4],
            b: vec![0.0; n4],
            d: vec![0.0; n4],
            f: vec![0.0; n4],
        }
    }

    /// Layer 1: K_ab = C_b + C_W x_a·x_b/n₀, Θ_ab = λ_b + λ_W x_a·x_b/n₀, every O(1/n) tensor zero.
    /// The diagonal comes from `recursion::first_layer` with x² = |x_a|²/n₀ summed in the same order.
    pub fn first(h: &LayerHyper, x: &[f64], n: usize, n0: usize) -> MultiLayer {
        let mut s = MultiLayer::zeros(n);
        for a in 0..n {
            for b in a..n {
                let mut g = 0.0;
                for i in 0..n0 {
                    g += x[a * n0 + i] * x[b * n0 + i];
                }
                let g = g / n0 as f64;
                let (kv, tv) = if a == b {
                    let fl = first_layer(h, g);
                    (fl.k, fl.theta)
                } else {
                    (h.cb + h.cw * g, h.lambda_b + h.lambda_w * g)
                };
                s.k[a * n + b] = kv;
                s.k[b * n + a] = kv;
                s.theta[a * n + b] = tv;
                s.theta[b * n + a] = tv;
            }
        }
        s
    }

    fn diag(&self, a: usize) -> LayerStats {
        let n = self.n;
        let i = idx4(n, a, a, a, a);
        LayerStats {
            k: self.k[a * n + a],
            theta: self.theta[a * n + a],
            g1: self.g1[a * n + a],
            h1: self.h1[a * n + a],
            v: self.v[i],
            a: self.a[i],
            b: self.b[i],
            d: self.d[i],
            f: self.f[i],
            ..Default::default()
        }
    }

    fn set_diag(&mut self, a: usize, s: &LayerStats) {
        let n = self.n;
        let i = idx4(n, a, a, a, a);
        self.k[a * n + a] = s.k;
        self.theta[a * n + a] = s.theta;
        self.g1[a * n + a] = s.g1;
        self.h1[a * n + a] = s.h1;
        self.v[i] = s.v;
        self.a[i] = s.a;
        self.b[i] = s.b;
        self.d[i] = s.d;
        self.f[i] = s.f;
    }
}

/// Hyperparameter-dressed coefficients of one ordered pair (a, b).
#[derive(Clone, Copy, Default)]
struct Coef {
    s: [usize; 2],
    m: usize,
    ess: f64,
    edd: f64,
    chi: [[f64; 2]; 2],
    omega: [[f64; 2]; 2],
    psi: [[f64; 2]; 2],
    phi: [f64; 2],
    chi_perp: f64,
    y: f64,
    qy: [f64; 16],
    qs: [f64; 16],
}

/// Σ_{pq ∈ pair x} Σ_{rs ∈ pair y} X^{pq} Y^{rs} T_{pqrs}
#[inline]
fn contract2(n: usize, cx: &Coef, x: &[[f64; 2]; 2], cy: &Coef, y: &[[f64; 2]; 2], t: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..cx.m {
        for j in 0..cx.m {
            for k in 0..cy.m {
                for l in 0..cy.m {
                    s += x[i][j] * y[k][l] * t[idx4(n, cx.s[i], cx.s[j], cy.s[k], cy.s[l])];
                }
            }
        }
    }
    s
}

/// Σ_{pq ∈ pair y} Y^{pq} T_{a b p q}
#[inline]
fn contract1(n: usize, a: usize, b: usize, cy: &Coef, y: &[[f64; 2]; 2], t: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..cy.m {
        for l in 0..cy.m {
            s += y[k][l] * t[idx4(n, a, b, cy.s[k], cy.s[l])];
        }
    }
    s
}

/// Σ over the four indices of a pair of V_{(p1p2)(p3p4)} Q^{p1p2p3p4}
#[inline]
fn contract4(n: usize, c: &Coef, q: &[f64; 16], v: &[f64]) -> f64 {
    let mut s = 0.0;
    for pc in 0..16 {
        let (i, j, k, l) = (pc >> 3 & 1, pc >> 2 & 1, pc >> 1 & 1, pc & 1);
        if i < c.m && j < c.m && k < c.m && l < c.m {
            s += q[pc] * v[idx4(n, c.s[i], c.s[j], c.s[k], c.s[l])];
        }
    }
    s
}

/// Precomputed Gaussian data of one layer (everything the step needs besides the hyperparameters).
pub struct LayerData {
    pub mom: Vec<Moments>,
    pub pairs: Vec<PairData>,
    pub s0: Vec<f64>,
    pub s2: Vec<f64>,
    pub s4: Vec<f64>,
}

pub fn layer_data(rule: &MultiRule, cur: &MultiLayer) -> LayerData {
    let n = cur.n;
    let mom: Vec<Moments> = (0..n)
        .map(|a| {
            let k = cur.k[a * n + a];
            if k.is_finite() { compute_moments(rule.q, &rule.act, k) } else { Moments::default() }
        })
        .collect();
    let mut pairs = vec![PairData::default(); n * n];
    for a in 0..n {
        pairs[a * n + a] = single_pair(&mom[a], cur.k[a * n + a], a);
        for b in a + 1..n {
            let pd = pair_data(rule, cur.k[a * n + a], cur.k[a * n + b], cur.k[b * n + b], a, b);
            pairs[a * n + b] = pd;
            pairs[b * n + a] = pd;
        }
    }
    let n4 = n * n * n * n;
    let (mut s0, mut s2, mut s4) = (vec![0.0; n4], vec![0.0; n4], vec![0.0; n4]);
    four_point_tables(rule, &cur.k, n, &mom, &mut s0, &mut s2, &mut s4);
    LayerData { mom, pairs, s0, s2, s4 }
}

/// One step ℓ → ℓ+1 (multi.md §2 recursions; docs/theory/multi.md), `h` the hyperparameters of layer
/// ℓ+1 and `ratio` = n_ℓ/n_{ℓ−1}.
pub fn next_multi(ld: &LayerData, prev: &MultiLayer, h: &LayerHyper, ratio: f64) -> MultiLayer {
    let n = prev.n;
    let LayerHyper { cb, cw, lambda_b: lb, lambda_w: lw } = *h;
    let r = ratio;
    let mut out = MultiLayer::zeros(n);
    let mut coef = vec![Coef::default(); n * n];
    for a in 0..n {
        for b in 0..n {
            let pd = &ld.pairs[a * n + b];
            let th = prev.theta[a * n + b];
            let mut c = Coef { s: pd.s, m: pd.m, ess: pd.ess, edd: pd.edd, ..Default::default() };
            for p in 0..2 {
                for q in 0..2 {
                    c.chi[p][q] = 0.5 * cw * pd.dss[p][q];
                    c.omega[p][q] = 0.5 * (lw * pd.dss[p][q] + cw * th * pd.ddd[p][q]);
                    c.psi[p][q] = 0.5 * cw * pd.ddd[p][q];
                }
                // φ_ab^p = C_W⟨∂_p(σ′_a σ_b)⟩: σ′ sits on s0 when a is the pair's first sample
                c.phi[p] = cw * if pd.s[0] == a { pd.dds[p] } else { pd.dsd[p] };
            }
            for i in 0..16 {
                c.qs[i] = pd.qss[i];
                c.qy[i] = lw * pd.qss[i] + cw * th * pd.qdd[i];
            }
            c.chi_perp = cw * pd.edd;
            c.y = lw * pd.ess + cw * th * pd.edd;
            coef[a * n + b] = c;
        }
    }
    // matrices
    for a in 0..n {
        for b in 0..n {
            let c = &coef[a * n + b];
            let i = a * n + b;
            out.k[i] = cb + cw * c.ess;
            out.theta[i] = lb + lw * c.ess + cw * prev.theta[i] * c.edd;
            let mut g1 = 0.0;
            let mut h1w = 0.0;
            let mut psi_df = 0.0;
            for p in 0..c.m {
                for q in 0..c.m {
                    let k1 = prev.g1[c.s[p] * n + c.s[q]];
                    g1 += c.chi[p][q] * k1;
                    h1w += c.omega[p][q] * k1;
                    psi_df += c.psi[p][q] * (prev.d[idx4(n, a, b, c.s[p], c.s[q])] + 2.0 * prev.f[idx4(n, a, c.s[p], b, c.s[q])]);
                }
            }
            out.g1[i] = r * (g1 + cw / 8.0 * contract4(n, c, &c.qs, &prev.v));
            out.h1[i] = r * (c.chi_perp * prev.h1[i] + h1w + contract4(n, c, &c.qy, &prev.v) / 8.0 + psi_df);
        }
    }
    // four-index tensors
    for a in 0..n {
        for b in 0..n {
            let cab = &coef[a * n + b];
            let th_ab = prev.theta[a * n + b];
            for c in 0..n {
                for d in 0..n {
                    let ccd = &coef[c * n + d];
                    let th_cd = prev.theta[c * n + d];
                    let i = idx4(n, a, b, c, d);
                    let s0 = ld.s0[i];
                    let s2_ab = ld.s2[i];
                    let s2_cd = ld.s2[idx4(n, c, d, a, b)];
                    let s4 = ld.s4[i];
                    out.v[i] = cw * cw * (s0 - cab.ess * ccd.ess) + r * contract2(n, cab, &cab.chi, ccd, &ccd.chi, &prev.v);
                    let yy = lw * lw * s0 + lw * cw * th_cd * s2_cd + lw * cw * th_ab * s2_ab + cw * cw * th_ab * th_cd * s4;
                    out.a[i] = yy - cab.y * ccd.y
                        + r * (contract2(n, cab, &cab.omega, ccd, &ccd.omega, &prev.v)
                            + ccd.chi_perp * contract1(n, c, d, cab, &cab.omega, &prev.d)
                            + cab.chi_perp * contract1(n, a, b, ccd, &ccd.omega, &prev.d)
                            + cab.chi_perp * ccd.chi_perp * prev.a[i]);
                    out.b[i] = cw * cw * prev.theta[a * n + c] * prev.theta[b * n + d] * s4 + r * cab.chi_perp * ccd.chi_perp * prev.b[i];
                    let ys = lw * s0 + cw * th_ab * s2_ab;
                    out.d[i] = cw * (ys - cab.y * ccd.ess)
                        + r * (contract2(n, cab, &cab.omega, ccd, &ccd.chi, &prev.v) + cab.chi_perp * contract1(n, a, b, ccd, &ccd.chi, &prev.d));
                    let mut fi = 0.0;
                    for p in 0..cab.m {
                        for q in 0..ccd.m {
                            fi += cab.phi[p] * ccd.phi[q] * prev.f[idx4(n, a, cab.s[p], c, ccd.s[q])];
                        }
                    }
                    out.f[i] = cw * cw * prev.theta[a * n + c] * ld.s2[idx4(n, a, c, b, d)] + r * fi;
                }
            }
        }
    }
    // the all-equal entries are the single-input recursion (bit for bit)
    for a in 0..n {
        let mut s = next_layer(&ld.mom[a], &prev.diag(a), h, ratio);
        saturate(&mut s, &prev.diag(a));
        out.set_diag(a, &s);
    }
    out
}

// ------------------------------------------------------------------------------------------------
// Packing: each 4-index tensor is stored once per orbit of its symmetry group; orbits are ordered by
// their lexicographically smallest member (a, b, c, d).

/// Symmetry groups as slot permutations: member t' = (t[p0], t[p1], t[p2], t[p3]).
pub const SYM_VA: [[usize; 4]; 8] = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 0, 1], [2, 3, 1, 0], [3, 2, 1, 0]];
pub const SYM_D: [[usize; 4]; 4] = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2]];
pub const SYM_B: [[usize; 4]; 4] = [[0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2], [3, 2, 1, 0]];
pub const SYM_F: [[usize; 4]; 2] = [[0, 1, 2, 3], [2, 3, 0, 1]];

/// Slot of every (a, b, c, d) (row-major N⁴) and the number of slots.
pub fn orbit_index(n: usize, group: &[[usize; 4]]) -> (Vec<u32>, usize) {
    let n4 = n * n * n * n;
    let mut map = vec![u32::MAX; n4];
    let mut count = 0usize;
    for code in 0..n4 {
        if map[code] != u32::MAX {
            continue;
        }
        let t = [code / (n * n * n), (code / (n * n)) % n, (code / n) % n, code % n];
        for p in group {
            map[idx4(n, t[p[0]], t[p[1]], t[p[2]], t[p[3]])] = count as u32;
        }
        count += 1;
    }
    (map, count)
}

/// Packed sizes (V/A, B, D, F) for N inputs: orbit counts of the groups above.
pub fn packed_sizes(n: usize) -> [usize; 4] {
    [orbit_index(n, &SYM_VA).1, orbit_index(n, &SYM_B).1, orbit_index(n, &SYM_D).1, orbit_index(n, &SYM_F).1]
}

/// Values per layer in the output: K, Θ, G1, H1 (N² each, row-major), V, A (packed VA), B, D, F
/// (packed), flags.
pub fn layer_stride(n: usize) -> usize {
    let [va, b, d, f] = packed_sizes(n);
    4 * n * n + 2 * va + b + d + f + 1
}

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
    let maps = [orbit_index(n, &SYM_VA), orbit_index(n, &SYM_B), orbit_index(n, &SYM_D), orbit_index(n, &SYM_F)];
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
        for (t, mi) in [(&cur.v, 0usize), (&cur.a, 0), (&cur.b, 1), (&cur.d, 2), (&cur.f, 3)] {
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
            overflowed |= bad;
            cur = nxt;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::quadrature::DEFAULT_DEGREE;
    use crate::theory::recursion::{run_recursion, THEORY_STRIDE};

    fn act(kind: u32, a: f64) -> Activation {
        Activation::from_raw(kind, a).unwrap()
    }

    /// Full per-layer states (unpacked) of the multi recursion.
    fn layers(kind: u32, a: f64, degree: usize, hyper: &[LayerHyper], widths: &[f64], x: &[f64], n: usize, n0: usize) -> Vec<MultiLayer> {
        let q = Quadrature::new(degree).unwrap();
        let rule = MultiRule::new(&q, act(kind, a)).unwrap();
        let mut cur = MultiLayer::first(&hyper[0], x, n, n0);
        let mut out = vec![cur.clone()];
        for l in 1..hyper.len() {
            let ld = layer_data(&rule, &cur);
            cur = next_multi(&ld, &cur, &hyper[l], widths[l] / widths[l - 1]);
            out.push(cur.clone());
        }
        out
    }

    fn tensors(s: &MultiLayer) -> [(&'static str, &Vec<f64>); 9] {
        [("K", &s.k), ("Theta", &s.theta), ("G1", &s.g1), ("H1", &s.h1), ("V", &s.v), ("A", &s.a), ("B", &s.b), ("D", &s.d), ("F", &s.f)]
    }

    /// max over entries of |x − y| / scale, scale = max |y| over the tensor (entries of a tensor share units).
    fn worst(x: &MultiLayer, y: &MultiLayer) -> Vec<(&'static str, f64)> {
        tensors(x)
            .iter()
            .zip(tensors(y).iter())
            .map(|((name, a), (_, b))| {
                let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
                (*name, a.iter().zip(b.iter()).fold(0.0f64, |m, (u, v)| m.max((u - v).abs() / scale)))
            })
            .collect()
    }

    fn hyp(cb: f64, cw: f64, lambda_b: f64, lambda_w: f64, depth: usize) -> Vec<LayerHyper> {
        vec![LayerHyper { cb, cw, lambda_b, lambda_w }; depth]
    }

    const X4: [f64; 12] = [1.0, 0.5, -0.3, -0.2, 1.1, 0.4, 0.9, 0.45, -0.2, -0.7, 0.2, 0.9];

    #[test]
    fn n_equals_one_reproduces_wf_theory_bit_for_bit() {
        let x = [0.7, -1.2, 0.4];
        let x2 = x.iter().fold(0.0, |s, v| s + v * v) / 3.0;
        for (kind, a) in [(0u32, 0.0), (1, 0.0), (3, 0.0), (4, 0.0), (7, 0.0), (10, 1.3), (2, 0.1)] {
            let h = vec![LayerHyper { cb: 0.1, cw: 1.6, lambda_b: 0.4, lambda_w: 0.9 }, LayerHyper { cb: 0.2, cw: 1.4, lambda_b: 0.6, lambda_w: 1.1 }, LayerHyper { cb: 0.05, cw: 1.9, lambda_b: 1.0, lambda_w: 0.7 }, LayerHyper { cb: 0.1, cw: 1.5, lambda_b: 0.5, lambda_w: 1.0 }];
            let widths = [3.0, 20.0, 30.0, 25.0];
            let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
            let mut single = vec![0.0; 4 * THEORY_STRIDE];
            run_recursion(&q, &act(kind, a), &widths, &h, x2, &mut single);
            let ls = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &x, 1, 3);
            for (l, s) in ls.iter().enumerate() {
                let o = &single[l * THEORY_STRIDE..];
                let got = [s.k[0], s.theta[0], s.g1[0], s.h1[0], s.v[0], s.a[0], s.b[0], s.d[0], s.f[0]];
                for i in 0..9 {
                    assert_eq!(got[i], o[i], "kind {kind} layer {} quantity {i}", l + 1);
                }
            }
        }
    }

    /// Identical inputs: every entry equals the single-input value of that input.
    fn identical_check(kind: u32, a: f64, copies: usize) -> f64 {
        let x = [0.7, -1.2, 0.4];
        let xs: Vec<f64> = (0..copies).flat_map(|_| x.iter().copied()).collect();
        let h = hyp(0.1, 1.6, 0.4, 0.9, 4);
        let widths = [3.0, 20.0, 30.0, 25.0];
        let ls = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &xs, copies, 3);
        let mut w = 0.0f64;
        for s in &ls {
            for (_, t) in tensors(s) {
                let scale = t.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
                for v in t.iter() {
                    w = w.max((v - t[0]).abs() / scale);
                }
            }
        }
        w
    }

    #[test]
    #[ignore]
    fn explore() {
        for (kind, a) in [(0u32, 0.0), (1, 0.0), (3, 0.0), (7, 0.0), (10, 1.3)] {
            eprintln!("identical kind {kind}: 2 copies {:e}, 3 copies {:e}", identical_check(kind, a, 2), identical_check(kind, a, 3));
        }
        let h = hyp(0.1, 1.6, 0.4, 0.9, 4);
        let widths = [3.0, 20.0, 30.0, 25.0];
        let kinds: Vec<u32> = std::env::var("WF_KINDS").ok().map(|v| v.split(',').filter_map(|k| k.parse().ok()).collect()).unwrap_or(vec![1, 3, 7, 10]);
        for (kind, a) in kinds.into_iter().map(|k| (k, if k == 10 { 1.3 } else { 0.0 })) {
            let t0 = std::time::Instant::now();
            let dlo: usize = std::env::var("WF_LO").ok().and_then(|v| v.parse().ok()).unwrap_or(32);
            let lo = layers(kind, a, dlo, &h, &widths, &X4, 4, 3);
            let t1 = t0.elapsed();
            let mid = layers(kind, a, 64, &h, &widths, &X4, 4, 3);
            let t2 = t0.elapsed();
            let hi = layers(kind, a, 128, &h, &widths, &X4, 4, 3);
            let t3 = t0.elapsed();
            eprintln!("kind {kind}: times 32 {:?} 64 {:?} 128 {:?}", t1, t2 - t1, t3 - t2);
            for l in 1..4 {
                eprintln!("  L{} 32v128 {:?}", l + 1, worst(&lo[l], &hi[l]).iter().map(|(n, v)| format!("{n}:{v:.1e}")).collect::<Vec<_>>().join(" "));
                eprintln!("  L{} 64v128 {:?}", l + 1, worst(&mid[l], &hi[l]).iter().map(|(n, v)| format!("{n}:{v:.1e}")).collect::<Vec<_>>().join(" "));
            }
        }
    }

    #[test]
    #[ignore]
    fn cost_table() {
        let nmax: usize = std::env::var("WF_NMAX").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
        let kinds: Vec<u32> = std::env::var("WF_KINDS").ok().map(|v| v.split(',').filter_map(|k| k.parse().ok()).collect()).unwrap_or(vec![0, 1, 3, 7]);
        for (kind, a) in kinds.into_iter().map(|k| (k, if k == 10 { 1.0 } else { 0.0 })) {
            for &n in &[2usize, 4, 8, 16] {
                if n > nmax {
                    continue;
                }
                let n0 = 3;
                let x: Vec<f64> = (0..n * n0).map(|i| ((i * 7919) % 23) as f64 / 11.0 - 1.0).collect();
                let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
                let rule = MultiRule::new(&q, act(kind, a)).unwrap();
                let h = LayerHyper { cb: 0.1, cw: 1.6, lambda_b: 0.4, lambda_w: 0.9 };
                let cur = MultiLayer::first(&h, &x, n, n0);
                let t0 = std::time::Instant::now();
                let ld = layer_data(&rule, &cur);
                let t1 = t0.elapsed();
                let _ = next_multi(&ld, &cur, &h, 1.0);
                let t2 = t0.elapsed();
                eprintln!("kind {kind} N {n}: gaussian data {:?}, contractions {:?}", t1, t2 - t1);
            }
        }
    }

    /// Restricts a layer to the samples `keep`.
    fn restrict(s: &MultiLayer, keep: &[usize]) -> MultiLayer {
        let n = s.n;
        let m = keep.len();
        let mut r = MultiLayer::zeros(m);
        for (i, &a) in keep.iter().enumerate() {
            for (j, &b) in keep.iter().enumerate() {
                r.k[i * m + j] = s.k[a * n + b];
                r.theta[i * m + j] = s.theta[a * n + b];
                r.g1[i * m + j] = s.g1[a * n + b];
                r.h1[i * m + j] = s.h1[a * n + b];
                for (k, &c) in keep.iter().enumerate() {
                    for (l, &d) in keep.iter().enumerate() {
                        let (u, v) = (idx4(m, i, j, k, l), idx4(n, a, b, c, d));
                        r.v[u] = s.v[v];
                        r.a[u] = s.a[v];
                        r.b[u] = s.b[v];
                        r.d[u] = s.d[v];
                        r.f[u] = s.f[v];
                    }
                }
            }
        }
        r
    }

    /// Worst difference per tensor, G1 and H1 measured on the scale of K and Θ (they vanish for relu and
    /// linear σ on the diagonal).
    fn worst_scaled(x: &MultiLayer, y: &MultiLayer) -> f64 {
        let mx = |t: &Vec<f64>| t.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let scales = [mx(&y.k), mx(&y.theta), mx(&y.k), mx(&y.theta), mx(&y.v), mx(&y.a), mx(&y.b), mx(&y.d), mx(&y.f)];
        let mut w = 0.0f64;
        for (i, ((_, a), (_, b))) in tensors(x).iter().zip(tensors(y).iter()).enumerate() {
            let sc = scales[i].max(1e-300);
            for (u, v) in a.iter().zip(b.iter()) {
                w = w.max((u - v).abs() / sc);
            }
        }
        w
    }

    const KINDS: [(u32, f64); 6] = [(0, 0.0), (1, 0.0), (3, 0.0), (7, 0.0), (10, 1.3), (2, 0.2)];

    #[test]
    fn identical_inputs_reduce_to_the_single_input_values() {
        let x = [0.7, -1.2, 0.4];
        let h = hyp(0.1, 1.6, 0.4, 0.9, 4);
        let widths = [3.0, 20.0, 30.0, 25.0];
        for (kind, a) in KINDS {
            let one = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &x, 1, 3);
            for copies in [2usize, 3] {
                let xs: Vec<f64> = (0..copies).flat_map(|_| x.iter().copied()).collect();
                let many = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &xs, copies, 3);
                for l in 0..4 {
                    for c in 0..copies {
                        let w = worst_scaled(&restrict(&many[l], &[c]), &one[l]);
                        assert!(w < 1e-12, "kind {kind} copies {copies} layer {}: {w:e}", l + 1);
                    }
                    // and every mixed entry equals the diagonal one
                    let w = worst_scaled(&restrict(&many[l], &[0, copies - 1]), &restrict(&layers(kind, a, DEFAULT_DEGREE, &h, &widths, &[x, x].concat(), 2, 3)[l], &[0, 0]));
                    assert!(w < 1e-12, "kind {kind} copies {copies} layer {} mixed: {w:e}", l + 1);
                }
            }
        }
    }

    #[test]
    fn three_inputs_restricted_to_two_equal_the_two_input_run() {
        let x3 = [1.0, 0.5, -0.3, -0.2, 1.1, 0.4, 0.9, 0.45, -0.2];
        let x2 = [1.0, 0.5, -0.3, 0.9, 0.45, -0.2];
        let h = hyp(0.1, 1.5, 0.4, 0.9, 4);
        let widths = [3.0, 20.0, 30.0, 25.0];
        for (kind, a) in KINDS {
            let l3 = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &x3, 3, 3);
            let l2 = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &x2, 2, 3);
            for l in 0..4 {
                let w = worst_scaled(&restrict(&l3[l], &[0, 2]), &l2[l]);
                assert!(w < 1e-12, "kind {kind} layer {}: {w:e}", l + 1);
            }
        }
    }

    /// Independent closed form for σ(z) = z: every Gaussian moment is a Wick polynomial, χ = C_W, ω = λ_W,
    /// ψ = 0, φ = C_W, no fourth-derivative source.
    fn linear_reference(h: &[LayerHyper], widths: &[f64], x: &[f64], n: usize, n0: usize) -> Vec<MultiLayer> {
        let mut cur = MultiLayer::first(&h[0], x, n, n0);
        let mut out = vec![cur.clone()];
        for l in 1..h.len() {
            let LayerHyper { cb, cw, lambda_b: lb, lambda_w: lw } = h[l];
            let r = widths[l] / widths[l - 1];
            let p = &cur;
            let mut nx = MultiLayer::zeros(n);
            let k = |a: usize, b: usize| p.k[a * n + b];
            let th = |a: usize, b: usize| p.theta[a * n + b];
            for a in 0..n {
                for b in 0..n {
                    let i = a * n + b;
                    nx.k[i] = cb + cw * k(a, b);
                    nx.theta[i] = lb + lw * k(a, b) + cw * th(a, b);
                    nx.g1[i] = r * cw * p.g1[i];
                    nx.h1[i] = r * (cw * p.h1[i] + lw * p.g1[i]);
                    for c in 0..n {
                        for d in 0..n {
                            let j = idx4(n, a, b, c, d);
                            let kk = k(a, c) * k(b, d) + k(a, d) * k(b, c);
                            nx.v[j] = cw * cw * kk + r * cw * cw * p.v[j];
                            nx.a[j] = lw * lw * kk + r * (lw * lw * p.v[j] + cw * lw * p.d[idx4(n, c, d, a, b)] + cw * lw * p.d[j] + cw * cw * p.a[j]);
                            nx.b[j] = cw * cw * th(a, c) * th(b, d) + r * cw * cw * p.b[j];
                            nx.d[j] = cw * lw * kk + r * (lw * cw * p.v[j] + cw * cw * p.d[j]);
                            nx.f[j] = cw * cw * th(a, c) * k(b, d) + r * cw * cw * p.f[j];
                        }
                    }
                }
            }
            cur = nx;
            out.push(cur.clone());
        }
        out
    }

    #[test]
    fn linear_activation_matches_the_wick_closed_form() {
        let h = vec![LayerHyper { cb: 0.1, cw: 1.6, lambda_b: 0.4, lambda_w: 0.9 }, LayerHyper { cb: 0.3, cw: 0.8, lambda_b: 0.6, lambda_w: 1.1 }, LayerHyper { cb: 0.05, cw: 1.2, lambda_b: 1.0, lambda_w: 0.7 }, LayerHyper { cb: 0.2, cw: 1.0, lambda_b: 0.5, lambda_w: 1.3 }];
        let widths = [3.0, 20.0, 30.0, 25.0];
        let got = layers(0, 0.0, DEFAULT_DEGREE, &h, &widths, &X4, 4, 3);
        let want = linear_reference(&h, &widths, &X4, 4, 3);
        for l in 0..4 {
            let w = worst_scaled(&got[l], &want[l]);
            assert!(w < 1e-13, "layer {}: {w:e}", l + 1);
        }
    }

    #[test]
    fn relu_pair_moments_match_closed_forms() {
        // ⟨σσ⟩ = J₁ (arc-cosine), ⟨σ′σ′⟩ = (π−θ)/2π, ⟨∂_a²(σ_aσ_b)⟩ = ⟨δ(z_a)σ_b⟩ = φ_{K11}(0)·s/√(2π) with
        // s² = K22 − K12²/K11, ⟨∂_a∂_b(σ′_aσ′_b)⟩ = ⟨δ(z_a)δ(z_b)⟩ = 1/(2π√det K)
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let rule = MultiRule::new(&q, act(1, 0.0)).unwrap();
        let pi = std::f64::consts::PI;
        for &(k11, k12, k22) in &[(1.0, 0.3, 2.0), (1.0, 0.97, 1.0), (0.5, -0.4, 0.8), (2.0, 0.0, 0.7)] {
            let pd = pair_data(&rule, k11, k12, k22, 0, 1);
            let c: f64 = k12 / (k11 * k22).sqrt();
            let th = c.acos();
            let j1 = (k11 * k22).sqrt() / (2.0 * pi) * (th.sin() + (pi - th) * c);
            let det = k11 * k22 - k12 * k12;
            let s = (k22 - k12 * k12 / k11).sqrt();
            let checks = [
                (pd.ess, j1),
                (pd.edd, (pi - th) / (2.0 * pi)),
                (pd.dss[0][1], (pi - th) / (2.0 * pi)),
                (pd.dss[0][0], s / (2.0 * pi * k11.sqrt())),
                (pd.ddd[0][1], 1.0 / (2.0 * pi * det.sqrt())),
            ];
            for (i, (g, w)) in checks.iter().enumerate() {
                // Stein forms of the correlated pair carry L⁻¹ ≈ 4 twice: measured 1.1e-10 there, ≤ 3e-12 elsewhere
                let tol = if k12 == 0.97 { 1e-9 } else { 1e-11 };
                assert!((g - w).abs() < tol * w.abs().max(1.0), "K ({k11},{k12},{k22}) check {i}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn relu_three_point_orthant_probabilities() {
        // S4 over three distinct samples: ⟨σ′_aσ′_bσ′_c⟩ = P(z > 0) = 1/8 + (asin ρ_ab + asin ρ_ac + asin ρ_bc)/4π
        let n = 3;
        let kmat = [1.0, 0.5, -0.2, 0.5, 1.5, 0.3, -0.2, 0.3, 0.8];
        let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
        let rule = MultiRule::new(&q, act(1, 0.0)).unwrap();
        let mom: Vec<Moments> = (0..n).map(|a| compute_moments(&q, &rule.act, kmat[a * n + a])).collect();
        let n4 = n * n * n * n;
        let (mut s0, mut s2, mut s4) = (vec![0.0; n4], vec![0.0; n4], vec![0.0; n4]);
        four_point_tables(&rule, &kmat, n, &mom, &mut s0, &mut s2, &mut s4);
        let rho = |a: usize, b: usize| kmat[a * n + b] / (kmat[a * n + a] * kmat[b * n + b]).sqrt();
        let p = 0.125 + (rho(0, 1).asin() + rho(0, 2).asin() + rho(1, 2).asin()) / (4.0 * std::f64::consts::PI);
        for t in [[0, 1, 2, 2], [0, 0, 1, 2], [2, 1, 0, 1]] {
            let g = s4[idx4(n, t[0], t[1], t[2], t[3])];
            assert!((g - p).abs() < 1e-12, "{t:?}: {g} vs {p}");
        }
        // and the pair (two-sample) entries: ⟨σ′_aσ′_b⟩ = (π − θ)/2π
        let th = rho(0, 1).acos();
        let g = s4[idx4(n, 0, 1, 1, 1)];
        assert!((g - (std::f64::consts::PI - th) / (2.0 * std::f64::consts::PI)).abs() < 1e-12);
    }

    /// The key reduction: with the full 3 × 3 inverse kernel, ⟨σ_0σ_1(ẑ^pẑ^q − K^{pq})⟩ over z ∈ ℝ³ equals the
    /// pair's sub-kernel value for p, q ∈ {0, 1} and vanishes when p or q = 2.
    #[test]
    fn full_inverse_stein_equals_the_sub_kernel_form() {
        let kmat = [[1.0, 0.5, -0.2, 0.0], [0.5, 1.5, 0.3, 0.0], [-0.2, 0.3, 0.8, 0.0], [0.0; 4]];
        for (kind, a) in [(3u32, 0.0), (1, 0.0)] {
            let q = Quadrature::new(128).unwrap();
            let rule = MultiRule::new(&q, act(kind, a)).unwrap();
            let mut sub = cholesky(&kmat, 3);
            rule.steps(&mut sub);
            // inverse of the 3 × 3 kernel
            let k = |i: usize, j: usize| kmat[i][j];
            let det = k(0, 0) * (k(1, 1) * k(2, 2) - k(1, 2) * k(2, 1)) - k(0, 1) * (k(1, 0) * k(2, 2) - k(1, 2) * k(2, 0)) + k(0, 2) * (k(1, 0) * k(2, 1) - k(1, 1) * k(2, 0));
            let mut inv = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    let (r0, r1) = ((j + 1) % 3, (j + 2) % 3);
                    let (c0, c1) = ((i + 1) % 3, (i + 2) % 3);
                    inv[i][j] = (k(r0, c0) * k(r1, c1) - k(r0, c1) * k(r1, c0)) / det;
                }
            }
            let mut acc = [0.0; 9];
            rule.integrate(&sub, false, false, &mut acc, |v, x, _, _, o| {
                let z: Vec<f64> = (0..3).map(|j| (0..3).map(|c| sub.l[j][c] * x[c]).sum()).collect();
                let zh: Vec<f64> = (0..3).map(|p| (0..3).map(|r| inv[p][r] * z[r]).sum()).collect();
                let f = v[0][0] * v[1][0];
                for p in 0..3 {
                    for qq in 0..3 {
                        o[p * 3 + qq] = f * (zh[p] * zh[qq] - inv[p][qq]);
                    }
                }
            });
            let pd = pair_data(&rule, k(0, 0), k(0, 1), k(1, 1), 0, 1);
            for p in 0..3 {
                for qq in 0..3 {
                    let want = if p < 2 && qq < 2 { pd.dss[p][qq] } else { 0.0 };
                    assert!((acc[p * 3 + qq] - want).abs() < 1e-10, "kind {kind} ({p},{qq}): {} vs {want}", acc[p * 3 + qq]);
                }
            }
        }
    }

    /// Degree 64 (default) against a brute-force reference at degree 160 for four distinct inputs, one
    /// pair strongly correlated (cosine ≈ 0.97 at layer 1): every tensor within 1e-8 of its scale.
    #[test]
    fn default_degree_agrees_with_a_high_degree_reference() {
        let x = [1.0, 0.5, -0.3, 0.95, 0.6, -0.15, -0.2, 1.1, 0.4, -0.7, 0.2, 0.9];
        let h = hyp(0.1, 1.6, 0.4, 0.9, 3);
        let widths = [3.0, 20.0, 30.0];
        for (kind, a) in [(1u32, 0.0), (3, 0.0), (7, 0.0)] {
            let lo = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &x, 4, 3);
            let hi = layers(kind, a, 160, &h, &widths, &x, 4, 3);
            for l in 0..3 {
                let w = worst(&lo[l], &hi[l]);
                for (name, e) in w {
                    assert!(e < 1e-8, "kind {kind} layer {} {name}: {e:e}", l + 1);
                }
            }
        }
    }

    #[test]
    fn packing_counts_and_symmetries() {
        for n in 1..=5usize {
            let m = n * (n + 1) / 2;
            let (va, cva) = orbit_index(n, &SYM_VA);
            assert_eq!(cva, m * (m + 1) / 2);
            assert_eq!(orbit_index(n, &SYM_D).1, m * m);
            assert_eq!(orbit_index(n, &SYM_F).1, n * n * (n * n + 1) / 2);
            // B: orbits of {id, pair swap, both transposed, both}: Burnside (n⁴ + n² + n² + n²)/4
            assert_eq!(orbit_index(n, &SYM_B).1, (n.pow(4) + 3 * n * n) / 4);
            assert_eq!(va[idx4(n, 0, n - 1, 0, 0)], va[idx4(n, 0, 0, n - 1, 0)]);
        }
    }

    /// Native time of the case bench'd through wasm in docs/theory/multi.md (inputs cos/sin).
    #[test]
    #[ignore]
    fn cost_same_as_wasm_case() {
        for kind in [3u32, 1] {
            let n = 4;
            let x: Vec<f64> = (0..n).flat_map(|a| { let a = a as f64; [(1.3 * a).cos(), (1.3 * a).sin(), 0.3 * a - 1.0] }).collect();
            let h = vec![LayerHyper { cb: 0.1, cw: 1.5, lambda_b: 0.4, lambda_w: 0.9 }; 2];
            let t0 = std::time::Instant::now();
            let _ = layers(kind, 0.0, DEFAULT_DEGREE, &h, &[3.0, 20.0], &x, n, 3);
            eprintln!("kind {kind} N {n} native {:?}", t0.elapsed());
        }
    }

    /// The packed storage relies on these symmetries of the computed (unpacked) tensors.
    #[test]
    fn computed_tensors_have_the_documented_symmetries() {
        let h = hyp(0.1, 1.6, 0.4, 0.9, 4);
        let widths = [3.0, 20.0, 30.0, 25.0];
        for (kind, a) in [(1u32, 0.0), (7, 0.0)] {
            let ls = layers(kind, a, DEFAULT_DEGREE, &h, &widths, &X4[..9], 3, 3);
            for s in &ls {
                let n = s.n;
                for (t, group) in [(&s.v, &SYM_VA[..]), (&s.a, &SYM_VA[..]), (&s.d, &SYM_D[..]), (&s.b, &SYM_B[..]), (&s.f, &SYM_F[..])] {
                    let scale = t.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
                    for code in 0..n.pow(4) {
                        let q = [code / (n * n * n), (code / (n * n)) % n, (code / n) % n, code % n];
                        for p in group {
                            let other = t[idx4(n, q[p[0]], q[p[1]], q[p[2]], q[p[3]])];
                            assert!((other - t[code]).abs() <= 1e-13 * scale, "kind {kind} {q:?} perm {p:?}");
                        }
                    }
                }
            }
        }
    }
}
