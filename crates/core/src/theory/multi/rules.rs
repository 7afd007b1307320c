//! The nested rules of the multi-input integrals: rank-revealing Cholesky factors of ≤ 4-sample
//! sub-kernels and the per-level rules (Gauss–Hermite, trapezoid, kink-aware Gauss–Legendre), see the
//! module docs of `theory::multi` and docs/theory/multi.md §4. Twin: `ts/twin/theory/multi/rules.ts`.
use crate::numerics::activation::{erfc, erfc_scaled, norm_cdf, norm_pdf, Activation, Branch, Kind, ERF_SPLIT};
use crate::numerics::quadrature::{hermite_rule, legendre_rule, QuadError, Quadrature, Rule, CUSTOM_HALFWIDTH};

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

/// Number of conditional moments of the closed innermost level (see [`closed_products`]).
pub const NG: usize = 14;

/// Products of ≤ 2 derivatives of σ at one point, e = [σ, σ′, σ″, σ‴], in the order of the closed
/// level's conditional moments: σ, σ′, σ², σσ′, σ′², then σ″, σ‴, σσ″, σσ‴, σ′σ″, σ′σ‴, σ″², σ″σ‴, σ‴².
#[inline]
pub fn closed_products(e: &[f64; 4]) -> [f64; NG] {
    [
        e[0], e[1], e[0] * e[0], e[0] * e[1], e[1] * e[1],
        e[2], e[3], e[0] * e[2], e[0] * e[3], e[1] * e[2], e[1] * e[3], e[2] * e[2], e[2] * e[3], e[3] * e[3],
    ]
}

/// Index in [`closed_products`] of ∏ σ^{(o)} with derivative-order counts `c` (total 1 or 2).
pub fn closed_index(c: &[u8; 4]) -> usize {
    let mut o = [0usize; 2];
    let mut k = 0;
    for (ord, &cnt) in c.iter().enumerate() {
        for _ in 0..cnt {
            o[k] = ord;
            k += 1;
        }
    }
    if k == 1 {
        return [0, 1, 5, 6][o[0]];
    }
    match (o[0], o[1]) {
        (0, 0) => 2,
        (0, 1) => 3,
        (1, 1) => 4,
        (0, 2) => 7,
        (0, 3) => 8,
        (1, 2) => 9,
        (1, 3) => 10,
        (2, 2) => 11,
        (2, 3) => 12,
        _ => 13,
    }
}

/// The rules of one call.
pub struct MultiRule<'q> {
    pub q: &'q Quadrature,
    pub act: Activation,
    pub fam: Family,
    /// σ(−z) = −σ(z) with a symmetric rule: the four-point integrands are even in x.
    pub odd: bool,
    /// σ″ ≢ 0 (not the relu family or linear): the closed level also sums the σ″/σ‴ products.
    pub curv: bool,
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
            curv: !matches!(act.kind, Kind::Linear | Kind::Relu | Kind::LeakyRelu) && !(act.kind == Kind::Monomial && act.a == 1.0),
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

    /// The `NG` conditional moments (order of [`closed_products`]) at z = μ + sξ, ξ ~ N(0, 1), for the
    /// kinked family in closed form (truncated-normal moments; elu through
    /// E e^{kz}1{z<0} = e^{kμ+k²s²/2}Φ(−t−ks), t = μ/s; for z < 0 elu has σ′ = σ″ = σ‴ = αe^z, for z > 0
    /// σ″ = σ‴ = 0; relu and leaky relu have σ″ = σ‴ = 0 pointwise).
    pub fn gauss_mean(&self, m: f64, s: f64) -> [f64; NG] {
        if s <= 0.0 {
            return closed_products(&self.act.eval(m));
        }
        let t = m / s;
        let cp = norm_cdf(t);
        let cm = norm_cdf(-t);
        let pdf = norm_pdf(t);
        let e1 = m * cp + s * pdf;
        let m2 = m * m + s * s;
        let e2 = m2 * cp + m * s * pdf;
        match self.act.kind {
            Kind::Relu => [e1, cp, e2, e1, cp, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            Kind::LeakyRelu => {
                let a = self.act.a;
                let (n1, n2) = (m - e1, m2 - e2);
                [e1 + a * n1, cp + a * cm, e2 + a * a * n2, e1 + a * a * n1, cp + a * a * cm, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
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
                let (c1, c2, c21) = (alpha * g1, a2 * g2, a2 * (g2 - g1));
                [e1 + alpha * (g1 - cm), cp + alpha * g1, e2 + a2 * (g2 - 2.0 * g1 + cm), e1 + a2 * (g2 - g1), cp + a2 * g2, c1, c1, c21, c21, c2, c2, c2, c2, c2]
            }
        }
    }

    /// Nested integration over x ∈ ℝ^r of a subset; `leaf(vals, x, w)` gets [σ, σ′, σ″, σ‴] of every sample
    /// (pointwise, on the branch of the node's panel for kinked σ).
    /// `closed`: 0 = every level by its rule; 1 = the last level (its one sample has multiplicity ≤ 2) by
    /// the conditional moments σ, σ′, σ², σσ′, σ′²; 2 = also the σ″/σ‴ products (all of [`closed_products`]).
    pub fn walk<F: FnMut(&[[f64; 4]; 4], &[f64; 4], f64, usize, &[f64; NG])>(&self, s: &Sub, closed: u8, half: bool, leaf: &mut F) {
        let mut vals = [[0.0; 4]; 4];
        for j in 0..s.d {
            if s.last[j] == NONE {
                vals[j] = self.act.eval(0.0);
            }
        }
        let mut x = [0.0; 4];
        if s.r == 0 {
            leaf(&vals, &x, 1.0, NONE, &[0.0; NG]);
            return;
        }
        let mut bufs: Vec<Vec<Node>> = (0..s.r).map(|_| Vec::new()).collect();
        self.level(s, 0, [0.0; 4], 0.0, 1.0, &mut vals, &mut x, closed, half, &mut bufs, leaf);
    }

    #[allow(clippy::too_many_arguments)]
    fn level<F: FnMut(&[[f64; 4]; 4], &[f64; 4], f64, usize, &[f64; NG])>(
        &self,
        s: &Sub,
        k: usize,
        mean: [f64; 4],
        r2: f64,
        w: f64,
        vals: &mut [[f64; 4]; 4],
        x: &mut [f64; 4],
        closed: u8,
        half: bool,
        bufs: &mut [Vec<Node>],
        leaf: &mut F,
    ) {
        let (head, tail) = bufs.split_at_mut(1);
        let nodes = &mut head[0];
        if closed > 0 && k + 1 == s.r {
            // the one sample completing here enters every integrand linearly: replace it by its
            // conditional means E σ(z_j), E σ′(z_j) (closed form for kinked σ, the level's rule otherwise)
            let mut g5 = [0.0; NG];
            let mut cj = NONE;
            for j in 0..s.d {
                if s.last[j] == k {
                    cj = j;
                    g5 = if self.fam == Family::Kink {
                        self.gauss_mean(mean[j], s.l[j][k].abs())
                    } else {
                        self.nodes(s, k, &mean, r2, nodes);
                        let mut g = [0.0; NG];
                        for &(xk, wk, _) in nodes.iter() {
                            let e = self.act.eval(mean[j] + s.l[j][k] * xk);
                            g[0] += wk * e[0];
                            g[1] += wk * e[1];
                            g[2] += wk * (e[0] * e[0]);
                            g[3] += wk * (e[0] * e[1]);
                            g[4] += wk * (e[1] * e[1]);
                            if closed > 1 && self.curv {
                                let c = closed_products(&e);
                                for i in 5..NG {
                                    g[i] += wk * c[i];
                                }
                            }
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
                    vals[j] = self.act.eval_branch(m[j], b);
                }
            }
            if k + 1 == s.r {
                leaf(vals, x, w * wk, NONE, &[0.0; NG]);
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
    pub fn integrate<G: FnMut(&[[f64; 4]; 4], &[f64; 4], usize, &[f64; NG], &mut [f64])>(&self, s: &Sub, closed: u8, half: bool, out: &mut [f64], mut g: G) {
        out.fill(0.0);
        let m = out.len();
        let mut tmp = vec![0.0; m];
        if s.r == 1 {
            let p = (0..s.d).find(|&j| s.last[j] == 0 && s.l[j][0] > 0.0).unwrap_or(0);
            let lp = s.l[p][0];
            let mut vals = [[0.0; 4]; 4];
            let mut x = [0.0; 4];
            for j in 0..s.d {
                if s.last[j] == NONE {
                    vals[j] = self.act.eval(0.0);
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
                        vals[j] = *d;
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
                    vals[j] = e;
                }
                g(&vals, &x, NONE, &[0.0; NG], o);
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

