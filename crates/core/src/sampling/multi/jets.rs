//! Step 2: the forward jets ż, z̈ along the directions v_{b;β} evaluated at every input α, and dd_IĤ
//! by reverse accumulation of the third-order jet (module docs of `sampling::multi`).
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt};

impl Workspace {
    /// Pair indices of directions d₁ ≤ d₂ (symmetric table) and the k × k identity (the δ⁽ℓ⁾ rows).
    pub(super) fn index_pairs(&mut self, dn: usize, k: usize) {
        let mut p = 0;
        for a in 0..dn {
            for b in a..dn {
                self.pidx[a * dn + b] = p;
                self.pidx[b * dn + a] = p;
                p += 1;
            }
        }
        self.eye[..k * k].fill(0.0);
        for a in 0..k {
            self.eye[a * k + a] = 1.0;
        }
    }

    /// ż⁽ᵐ⁾ rows r = d·N + α for m = 1 … ℓ (with u̇ = σ′ż and σ⁽ᵐ⁾[r, β′] = s_β′·u̇_r below ℓ) and, at
    /// order ≥ 2, z̈⁽ᵐ⁾ rows p·N + α (τ⁽ᵐ⁾ at order 3); the top layer keeps the k probed neurons.
    #[allow(clippy::needless_range_loop)] // m indexes several per-layer vectors at once
    pub(super) fn forward_jets(&mut self, lambda_b: &[f64], l: usize, k: usize, order: u32) {
        let nin = self.n;
        let dn = k * nin;
        let e = dn * nin;
        let p2 = dn * (dn + 1) / 2;
        self.index_pairs(dn, k);
        for m in 0..l {
            let top = m + 1 == l;
            let nn = if top { k } else { self.widths[m + 1] };
            if m == 0 {
                self.zd[1][..e * nn].fill(0.0);
            } else {
                let n = self.widths[m];
                {
                    let (zd, s1, s0) = (&self.zd[m], &self.s1[m], &self.s0[m]);
                    let ud = &mut self.ud[m];
                    let sig = &mut self.sig[m];
                    for r in 0..e {
                        let a = r % nin;
                        for j in 0..n {
                            ud[r * n + j] = s1[a * n + j] * zd[r * n + j];
                        }
                        for b in 0..nin {
                            sig[r * nin + b] = dot(&s0[b * n..(b + 1) * n], &ud[r * n..(r + 1) * n]);
                        }
                    }
                }
                let (lo, hi) = self.zd.split_at_mut(m + 1);
                let _ = lo;
                gemm_nt(e, nn, n, &self.ud[m], n, &self.w[m + 1], n, &mut hi[0], nn);
            }
            let (dl, dw): (&[f64], usize) = if top { (&self.eye, k) } else { (&self.delta[m + 1], self.widths[m + 1]) };
            let g = &self.ssg[m];
            let (lb, mu) = (lambda_b[m], self.mu[m + 1]);
            let zn = &mut self.zd[m + 1];
            for d in 0..dn {
                let be = d % nin;
                let o = if top { d / nin } else { d } * dw;
                for a in 0..nin {
                    let c = lb + mu * g[a * nin + be];
                    let row = (d * nin + a) * nn;
                    for j in 0..nn {
                        zn[row + j] += c * dl[o + j];
                    }
                }
            }
        }
        if order < 2 {
            return;
        }
        for m in 0..l {
            let top = m + 1 == l;
            let nn = if top { k } else { self.widths[m + 1] };
            if m == 0 {
                self.zdd[1][..p2 * nin * nn].fill(0.0);
                continue;
            }
            let n = self.widths[m];
            {
                let (zd, zdd, s0, s1, s2) = (&self.zd[m], &self.zdd[m], &self.s0[m], &self.s1[m], &self.s2[m]);
                let stk = &mut self.stk;
                let tau = &mut self.tau[m];
                for d1 in 0..dn {
                    for d2 in d1..dn {
                        let p = self.pidx[d1 * dn + d2];
                        for a in 0..nin {
                            let (row, r1, r2) = ((p * nin + a) * n, (d1 * nin + a) * n, (d2 * nin + a) * n);
                            for j in 0..n {
                                stk[row + j] = s2[a * n + j] * zd[r1 + j] * zd[r2 + j] + s1[a * n + j] * zdd[row + j];
                            }
                            if order >= 3 {
                                for b in 0..nin {
                                    tau[(p * nin + a) * nin + b] = dot(&s0[b * n..(b + 1) * n], &stk[row..row + n]);
                                }
                            }
                        }
                    }
                }
            }
            {
                let (_, hi) = self.zdd.split_at_mut(m + 1);
                gemm_nt(p2 * nin, nn, n, &self.stk, n, &self.w[m + 1], n, &mut hi[0], nn);
            }
            let (dl, dw): (&[f64], usize) = if top { (&self.eye, k) } else { (&self.delta[m + 1], self.widths[m + 1]) };
            let mu = self.mu[m + 1];
            let sig = &self.sig[m];
            let zn = &mut self.zdd[m + 1];
            for d1 in 0..dn {
                let b1 = d1 % nin;
                let o1 = if top { d1 / nin } else { d1 } * dw;
                for d2 in d1..dn {
                    let b2 = d2 % nin;
                    let o2 = if top { d2 / nin } else { d2 } * dw;
                    let p = self.pidx[d1 * dn + d2];
                    for a in 0..nin {
                        let sa = sig[(d2 * nin + a) * nin + b1];
                        let sb = sig[(d1 * nin + a) * nin + b2];
                        let row = (p * nin + a) * nn;
                        for j in 0..nn {
                            zn[row + j] += mu * (dl[o1 + j] * sa + dl[o2 + j] * sb);
                        }
                    }
                }
            }
        }
    }

    /// Adds Σ over ordered pairs i ≠ j of dd_IĤ_{iijj;δ0δ1δ2δ3} to out (N⁴ row-major), by reverse
    /// accumulation: z⃛⁽ℓ⁾_e = Σ_{m=2}^{ℓ} μ_m Σ_cyc γ⁽ᵐ⁾_{e,d₁} τ⁽ᵐ⁻¹⁾[d₂d₃] + Σ_{m<ℓ} ρ⁽ᵐ⁾_e·h⁽ᵐ⁾.
    pub(super) fn dd_i(&mut self, l: usize, k: usize, out: &mut [f64]) {
        let nin = self.n;
        let dn = k * nin;
        for i in 0..k {
            for jn in 0..k {
                if jn == i {
                    continue;
                }
                for a in 0..nin {
                    let e = i * nin + a;
                    for b1 in 0..nin {
                        let d1 = i * nin + b1;
                        for b2 in 0..nin {
                            let d2 = jn * nin + b2;
                            let p12 = self.pidx[d1 * dn + d2];
                            for b3 in 0..nin {
                                let d3 = jn * nin + b3;
                                let (p13, p23) = (self.pidx[d1 * dn + d3], self.pidx[d2 * dn + d3]);
                                let mut val = 0.0;
                                for m in 1..=l {
                                    if m < l {
                                        let n = self.widths[m];
                                        let (zd, zdd, s2, s3) = (&self.zd[m], &self.zdd[m], &self.s2[m], &self.s3[m]);
                                        let (r1, r2, r3) = ((d1 * nin + a) * n, (d2 * nin + a) * n, (d3 * nin + a) * n);
                                        let (q12, q13, q23) = ((p12 * nin + a) * n, (p13 * nin + a) * n, (p23 * nin + a) * n);
                                        let h = &mut self.hbuf;
                                        for j in 0..n {
                                            let (z1, z2, z3) = (zd[r1 + j], zd[r2 + j], zd[r3 + j]);
                                            h[j] = s3[a * n + j] * z1 * z2 * z3 + s2[a * n + j] * (zdd[q12 + j] * z3 + zdd[q13 + j] * z2 + zdd[q23 + j] * z1);
                                        }
                                        val += dot(&self.rho[m][e * n..(e + 1) * n], &h[..n]);
                                    }
                                    if m >= 2 {
                                        let t = &self.tau[m - 1];
                                        let (g1, g2, g3) = if m == l {
                                            (1.0, 0.0, 0.0)
                                        } else {
                                            let g = &self.gam[m];
                                            (g[e * dn + d1], g[e * dn + d2], g[e * dn + d3])
                                        };
                                        val += self.mu[m]
                                            * (g1 * t[(p23 * nin + a) * nin + b1] + g2 * t[(p13 * nin + a) * nin + b2] + g3 * t[(p12 * nin + a) * nin + b3]);
                                    }
                                }
                                out[((a * nin + b1) * nin + b2) * nin + b3] += val;
                            }
                        }
                    }
                }
            }
        }
    }
}
