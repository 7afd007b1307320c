//! The state of one layer and one step ℓ → ℓ+1 of the multi-input recursions (docs/theory/multi.md §2). Twin: `ts/twin/theory/multi/step.ts`.
use super::dntk::next_dntk;
use super::{flat, four_point_tables, idx4, pair_data, single_pair, MultiRule, PairData};
use crate::theory::moments::{compute_moments, Moments};
use crate::theory::recursion::{first_layer, next_layer, saturate, LayerHyper, LayerStats};

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
    /// dNTK and ddNTK means with sample indices (COMMON conventions, docs/theory/multi.md §7)
    pub p: Vec<f64>,
    pub q: Vec<f64>,
    pub r: Vec<f64>,
    pub s: Vec<f64>,
    pub t: Vec<f64>,
    pub u: Vec<f64>,
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
            p: vec![0.0; n4],
            q: vec![0.0; n4],
            r: vec![0.0; n4],
            s: vec![0.0; n4],
            t: vec![0.0; n4],
            u: vec![0.0; n4],
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

    pub(super) fn diag(&self, a: usize) -> LayerStats {
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
            p: self.p[i],
            q: self.q[i],
            r: self.r[i],
            s: self.s[i],
            t: self.t[i],
            u: self.u[i],
        }
    }

    pub(super) fn set_diag(&mut self, a: usize, s: &LayerStats) {
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
        self.p[i] = s.p;
        self.q[i] = s.q;
        self.r[i] = s.r;
        self.s[i] = s.s;
        self.t[i] = s.t;
        self.u[i] = s.u;
    }
}

/// Hyperparameter-dressed coefficients of one ordered pair (a, b).
#[derive(Clone, Copy, Default)]
pub(super) struct Coef {
    pub(super) s: [usize; 2],
    pub(super) m: usize,
    ess: f64,
    pub(super) edd: f64,
    chi: [[f64; 2]; 2],
    omega: [[f64; 2]; 2],
    psi: [[f64; 2]; 2],
    pub(super) phi: [f64; 2],
    pub(super) chi_perp: f64,
    y: f64,
    qy: [f64; 16],
    qs: [f64; 16],
    /// ω̃_ab^p = λ_W⟨∂_p(σ′_aσ_b)⟩ + C_WΘ_ab⟨∂_p(σ″_aσ′_b)⟩ (σ″ network side)
    pub(super) wt: [f64; 2],
    /// ⟨σ″_aσ_b⟩, ⟨σ‴_aσ′_b⟩, ⟨σ″_aσ″_b⟩
    pub(super) sdd: f64,
    pub(super) tdd: f64,
    pub(super) dd2: f64,
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
    /// X1 = ⟨σ″σ′σ′σ⟩, X2 = ⟨σ″σ″σ′σ′⟩, X3 = ⟨σ‴σ′σ′σ′⟩ (slot order; `tables::four_point_tables`)
    pub x1: Vec<f64>,
    pub x2: Vec<f64>,
    pub x3: Vec<f64>,
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
    let (mut x1, mut x2, mut x3) = (vec![0.0; n4], vec![0.0; n4], vec![0.0; n4]);
    // σ″ ≡ 0 (relu family, linear): X1 = X2 = X3 = 0, no curvature monomials in the walk
    let curv = if flat(&rule.act) { None } else { Some((&mut x1[..], &mut x2[..], &mut x3[..])) };
    four_point_tables(rule, &cur.k, n, &mom, &mut s0, &mut s2, &mut s4, curv);
    LayerData { mom, pairs, s0, s2, s4, x1, x2, x3 }
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
            // network-side σ″, σ‴ products, ordered (a, b): slot 0 when a is the pair's first sample
            let o = if pd.s[0] == a { 0 } else { 1 };
            for p in 0..2 {
                c.wt[p] = lw * if o == 0 { pd.dds[p] } else { pd.dsd[p] } + cw * th * if o == 0 { pd.d2d[p] } else { pd.dd2[p] };
            }
            c.sdd = pd.e2s[o];
            c.tdd = pd.e3d[o];
            c.dd2 = pd.e22;
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
    next_dntk(ld, prev, &coef, h, r, &mut out);
    // the all-equal entries are the single-input recursion (bit for bit)
    for a in 0..n {
        let mut s = next_layer(&ld.mom[a], &prev.diag(a), h, ratio);
        saturate(&mut s, &prev.diag(a));
        out.set_diag(a, &s);
    }
    out
}

