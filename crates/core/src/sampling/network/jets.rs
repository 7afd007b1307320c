//! Step 2: the forward jets ż, z̈, z⃛ of the first k neurons of layer ℓ along the directions v_b
//! (module docs of `sampling::network`). All directions of one layer go through W⁽ᵐ⁺¹⁾ in one
//! matrix product (k + k(k+1)/2 + k(k−1) rows).
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt};

impl Workspace {
    /// Row indices of the pairs b ≤ c (`pidx`, symmetric) and of the ordered pairs a ≠ b (`tidx`),
    /// and the k×k identity (the δ⁽ℓ⁾ rows).
    pub(super) fn index_pairs(&mut self, k: usize) {
        let mut p = 0;
        for b in 0..k {
            for c in b..k {
                self.pidx[b * k + c] = p;
                self.pidx[c * k + b] = p;
                p += 1;
            }
        }
        let mut t = 0;
        for a in 0..k {
            for b in 0..k {
                if a != b {
                    self.tidx[a * k + b] = t;
                    t += 1;
                }
            }
        }
        self.eye[..k * k].fill(0.0);
        for a in 0..k {
            self.eye[a * k + a] = 1.0;
        }
    }

    /// Fills `xs` with the jets at layer ℓ (k columns each): rows 0…k ż_b, then k(k+1)/2 rows z̈_bc
    /// (order ≥ 2), then k(k−1) rows z⃛_abb (order ≥ 3); keeps ż⁽ᵐ⁾ in `zd` for the HVP sweep.
    pub(super) fn forward_jets(&mut self, l: usize, k: usize, order: u32) {
        let p2 = if order >= 2 { k * (k + 1) / 2 } else { 0 };
        let t3 = if order >= 3 { k * (k - 1) } else { 0 };
        let r = k + p2 + t3;
        self.index_pairs(k);
        for m in 0..l {
            let nm = self.widths[m];
            let nn = if m + 1 == l { k } else { self.widths[m + 1] };
            if m == 0 {
                self.xs[..r * nn].fill(0.0);
                self.tau[..p2].fill(0.0);
            } else {
                self.build_stack(m, k, p2, t3);
                gemm_nt(r, nn, nm, &self.stk, nm, &self.w[m + 1], nm, &mut self.xs, nn);
            }
            // rank-one terms of the new layer's weights and the bias/|s|² term
            let (mu, c) = (self.mu[m + 1], self.c[m + 1]);
            let del: &[f64] = if m + 1 == l { &self.eye } else { &self.delta[m + 1] };
            let sig = &self.sig[m];
            let xs = &mut self.xs;
            for b in 0..k {
                for j in 0..nn {
                    xs[b * nn + j] += c * del[b * nn + j];
                }
            }
            if order >= 2 {
                for b in 0..k {
                    for cc in b..k {
                        let row = (k + self.pidx[b * k + cc]) * nn;
                        for j in 0..nn {
                            xs[row + j] += mu * (del[b * nn + j] * sig[cc] + del[cc * nn + j] * sig[b]);
                        }
                    }
                }
            }
            if order >= 3 {
                for a in 0..k {
                    for b in 0..k {
                        if a == b {
                            continue;
                        }
                        let row = (k + p2 + self.tidx[a * k + b]) * nn;
                        let (tbb, tab) = (self.tau[self.pidx[b * k + b]], self.tau[self.pidx[a * k + b]]);
                        for j in 0..nn {
                            xs[row + j] += mu * (del[a * nn + j] * tbb + 2.0 * del[b * nn + j] * tab);
                        }
                    }
                }
            }
            if m + 1 < l {
                self.zd[m + 1][..k * nn].copy_from_slice(&self.xs[..k * nn]);
            }
        }
    }

    /// Rows of the stacked directions at layer m ≥ 1: u̇_b = s′ż_b, ü_bc, ü_abb (see the module docs),
    /// and the scalars σ⁽ᵐ⁾_b, τ_bc, G⁽ᵐ⁾_bd.
    pub(super) fn build_stack(&mut self, m: usize, k: usize, p2: usize, t3: usize) {
        let n = self.widths[m];
        let (s0, s1, s2, s3) = (&self.s0[m], &self.s1[m], &self.s2[m], &self.s3[m]);
        let zd = &self.zd[m];
        let xs = &self.xs; // the jets at layer m: rows of length n
        let stk = &mut self.stk;
        for b in 0..k {
            for j in 0..n {
                stk[b * n + j] = s1[j] * zd[b * n + j];
            }
            self.sig[m][b] = dot(s0, &stk[b * n..(b + 1) * n]);
        }
        if t3 > 0 {
            for b in 0..k {
                for d in b..k {
                    let g = dot(&stk[b * n..(b + 1) * n], &stk[d * n..(d + 1) * n]);
                    self.gram[m][b * k + d] = g;
                    self.gram[m][d * k + b] = g;
                }
            }
        }
        if p2 > 0 {
            for b in 0..k {
                for c in b..k {
                    let p = self.pidx[b * k + c];
                    let row = (k + p) * n;
                    for j in 0..n {
                        stk[row + j] = s2[j] * zd[b * n + j] * zd[c * n + j] + s1[j] * xs[row + j];
                    }
                    self.tau[p] = dot(s0, &stk[row..row + n]);
                }
            }
        }
        if t3 > 0 {
            for a in 0..k {
                for b in 0..k {
                    if a == b {
                        continue;
                    }
                    let row = (k + p2 + self.tidx[a * k + b]) * n;
                    let rab = (k + self.pidx[a * k + b]) * n;
                    let rbb = (k + self.pidx[b * k + b]) * n;
                    for j in 0..n {
                        let (za, zb) = (zd[a * n + j], zd[b * n + j]);
                        stk[row + j] = s3[j] * za * zb * zb + s2[j] * (2.0 * xs[rab + j] * zb + xs[rbb + j] * za) + s1[j] * xs[row + j];
                    }
                }
            }
        }
    }
}
