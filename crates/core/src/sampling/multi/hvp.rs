//! Step 3: Hessian–vector products g_{e[d]} = Hess(z_e)·v_d for every e = (a, α), d = (b, β), and their
//! λ-Frobenius products, the per-network dd_IIĤ with sample indices (module docs of `sampling::multi`).
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt};

impl Workspace {
    /// gg[r·E + r′] = u̇_r·u̇_r′ over the E jet rows of layer m (symmetric).
    fn gram(&mut self, m: usize, e_rows: usize) {
        let (ud, n) = (&self.ud[m], self.widths[m]);
        let gg = &mut self.gg;
        for r in 0..e_rows {
            for r2 in r..e_rows {
                let g = dot(&ud[r * n..(r + 1) * n], &ud[r2 * n..(r2 + 1) * n]);
                gg[r * e_rows + r2] = g;
                gg[r2 * e_rows + r] = g;
            }
        }
    }

    /// Adds Σ over ordered pairs i ≠ j of dd_IĤ_{iijj}, dd_IIĤ_{iijj}, dd_IIĤ_{ijij}, dd_IIĤ_{ijji} (sample
    /// indices in slot order, N⁴ row-major) to out[or…], out[os…], out[ot…], out[ou…] (`offsets`).
    pub(super) fn dd_ii(&mut self, lambda_b: &[f64], l: usize, k: usize, out: &mut [f64], offsets: [usize; 4]) {
        let [or, os, ot, ou] = offsets;
        let nin = self.n;
        let dn = k * nin;
        let (n2, n3) = (nin * nin, nin * nin * nin);
        let e_rows = dn * nin;
        if l >= 2 {
            self.gram(l - 1, e_rows);
            let (gg, mu) = (&self.gg, self.mu[l]);
            for i in 0..k {
                for j in 0..k {
                    if j == i {
                        continue;
                    }
                    for a in 0..nin {
                        for b in 0..nin {
                            for c in 0..nin {
                                for d in 0..nin {
                                    let g = gg[((j * nin + c) * nin + a) * e_rows + (j * nin + d) * nin + b];
                                    out[os + a * n3 + b * n2 + c * nin + d] += mu * g;
                                }
                            }
                        }
                    }
                }
            }
        }
        let mut gath = std::mem::take(&mut self.gath);
        let mut gr = std::mem::take(&mut self.gr);
        let mut cur = std::mem::take(&mut self.dd0);
        let mut prev = std::mem::take(&mut self.dd1);
        for m in (1..l).rev() {
            let n = self.widths[m];
            let top = m + 1 == l;
            if !top {
                let nn = self.widths[m + 1];
                gemm_nt(dn * dn, n, nn, &prev, nn, &self.wt[m + 1], nn, &mut self.rhod, n);
            }
            let (s0, s1, s2, rho, zd, rhod) = (&self.s0[m], &self.s1[m], &self.s2[m], &self.rho[m], &self.zd[m], &self.rhod);
            let mun = self.mu[m + 1];
            for e in 0..dn {
                let (a, ia) = (e % nin, e / nin);
                for d in 0..dn {
                    let (b, ib) = (d % nin, d / nin);
                    let q = (e * dn + d) * n;
                    let coef = mun * if top { if ia == ib { 1.0 } else { 0.0 } } else { self.gam[m + 1][e * dn + d] };
                    let rz = (d * nin + a) * n;
                    for j in 0..n {
                        let r = if top { 0.0 } else { rhod[q + j] };
                        cur[q + j] = s2[a * n + j] * zd[rz + j] * rho[e * n + j] + s1[a * n + j] * (r + coef * s0[b * n + j]);
                    }
                }
            }
            if m >= 2 {
                self.gram(m - 1, e_rows);
            }
            {
                let delta = &self.delta[m];
                let ed = &mut self.ed;
                for q in 0..dn * dn {
                    for e2 in 0..dn {
                        ed[q * dn + e2] = dot(&cur[q * n..(q + 1) * n], &delta[e2 * n..(e2 + 1) * n]);
                    }
                }
            }
            self.dd_i_layer(m, l, k, &mut out[or..or + n2 * n2]);
            let (mu, lb, ssg, gam, ed, gg) = (self.mu[m], lambda_b[m - 1], &self.ssg[m - 1], &self.gam[m], &self.ed, &self.gg);
            let sig: Option<&[f64]> = if m >= 2 { Some(&self.sig[m - 1]) } else { None };
            let cur_r: &[f64] = &cur;
            let frob = |e: usize, d: usize, e2: usize, d2: usize, a: usize, a2: usize, dd: f64| -> f64 {
                let (q1, q2) = (e * dn + d, e2 * dn + d2);
                let c = lb + mu * ssg[a * nin + a2];
                let e1 = ed[q1 * dn + e2];
                let e3 = ed[q2 * dn + e];
                let (mut s1v, mut s2v, mut g) = (0.0, 0.0, 0.0);
                if let Some(sig) = sig {
                    s1v = sig[(d2 * nin + a2) * nin + a];
                    s2v = sig[(d * nin + a) * nin + a2];
                    g = gg[(d * nin + a) * e_rows + d2 * nin + a2];
                }
                c * dd + mu * (e1 * s1v + e3 * s2v + gam[e * dn + e2] * g)
            };
            for i in 0..k {
                for j in 0..k {
                    if j == i {
                        continue;
                    }
                    // the δ̇·δ̇ dots of S, T, U as three N² × N² Gram blocks: rows (i,a;j,c), (j,a;i,c), (i,a;i,c), (j,a;j,c)
                    let blk = n2 * n;
                    for (x, (p, r)) in [(i, j), (j, i), (i, i), (j, j)].into_iter().enumerate() {
                        for a in 0..nin {
                            for c in 0..nin {
                                let q = (p * nin + a) * dn + r * nin + c;
                                let o = x * blk + (a * nin + c) * n;
                                gath[o..o + n].copy_from_slice(&cur_r[q * n..(q + 1) * n]);
                            }
                        }
                    }
                    gemm_nt(n2, n2, n, &gath[..blk], n, &gath[..blk], n, &mut gr[..n2 * n2], n2);
                    gemm_nt(n2, n2, n, &gath[2 * blk..3 * blk], n, &gath[3 * blk..4 * blk], n, &mut gr[n2 * n2..2 * n2 * n2], n2);
                    gemm_nt(n2, n2, n, &gath[..blk], n, &gath[blk..2 * blk], n, &mut gr[2 * n2 * n2..3 * n2 * n2], n2);
                    for a in 0..nin {
                        for b in 0..nin {
                            for c in 0..nin {
                                for d in 0..nin {
                                    let o = a * n3 + b * n2 + c * nin + d;
                                    let g = (a * nin + c) * n2 + b * nin + d;
                                    out[os + o] += frob(i * nin + a, j * nin + c, i * nin + b, j * nin + d, a, b, gr[g]);
                                    out[ot + o] += frob(i * nin + a, i * nin + c, j * nin + b, j * nin + d, a, b, gr[n2 * n2 + g]);
                                    out[ou + o] += frob(i * nin + a, j * nin + c, j * nin + b, i * nin + d, a, b, gr[2 * n2 * n2 + g]);
                                }
                            }
                        }
                    }
                }
            }
            std::mem::swap(&mut cur, &mut prev);
        }
        self.gath = gath;
        self.gr = gr;
        // put the buffers back in their original slots
        if (l - 1) % 2 == 0 {
            self.dd0 = cur;
            self.dd1 = prev;
        } else {
            self.dd0 = prev;
            self.dd1 = cur;
        }
    }

    /// Layer m's share of dd_IĤ_{iijj} (e = (i, α), d₁ = (i, β₁), d₂ = (j, β₂), d₃ = (j, β₃)), from the
    /// HVP rows: ρ̇⁽ᵐ⁾ = W⁽ᵐ⁺¹⁾ᵀδ̇⁽ᵐ⁺¹⁾ = `rhod` and `ed` = δ̇⁽ᵐ⁾·δ⁽ᵐ⁾ (module docs, "dd_IĤ"):
    /// ρ_e·(s‴ż₁ż₂ż₃) + Σ_cyc κ_{e,d₁}·(s″ż₂ż₃) + [m ≥ 2] μ_m Σ_cyc δ̇_{e[d₁]}·(δ_{d₂}σ_{α,β₂}[d₃] + δ_{d₃}σ_{α,β₃}[d₂]),
    /// κ⁽ᵐ⁾_{e,d} = ρ̇⁽ᵐ⁾_{e[d]} + μ_{m+1} γ⁽ᵐ⁺¹⁾_{e,d} s⁽ᵐ⁾_β. The n-sums for all (β₁, β₂, β₃) of one (i, j, α) are one
    /// product [ρs‴ż₁ + s″κ₁ | s″ż₁]·[ż₂ż₃ | ż₃κ₂ + ż₂κ₃]ᵀ (N × 2n times 2n × N²).
    fn dd_i_layer(&mut self, m: usize, l: usize, k: usize, out: &mut [f64]) {
        let nin = self.n;
        let (dn, nsq) = (k * nin, nin * nin);
        let n = self.widths[m];
        let n2 = 2 * n;
        let top = m + 1 == l;
        let mun = self.mu[m + 1];
        let mut xa = std::mem::take(&mut self.xa);
        let mut xb = std::mem::take(&mut self.xb);
        let mut kb = std::mem::take(&mut self.kb);
        let mut res = std::mem::take(&mut self.res);
        {
            let (s0, s2, s3, rho, zd, rhod, ed) = (&self.s0[m], &self.s2[m], &self.s3[m], &self.rho[m], &self.zd[m], &self.rhod, &self.ed);
            let coef = |e: usize, d: usize| mun * if top { (e / nin == d / nin) as u8 as f64 } else { self.gam[m + 1][e * dn + d] };
            // κ_{e,d} row into dst
            let kappa = |e: usize, d: usize, dst: &mut [f64]| {
                let (c, b, q) = (coef(e, d), d % nin, (e * dn + d) * n);
                for j in 0..n {
                    dst[j] = if top { c * s0[b * n + j] } else { c * s0[b * n + j] + rhod[q + j] };
                }
            };
            for i in 0..k {
                for jn in 0..k {
                    if jn == i {
                        continue;
                    }
                    for a in 0..nin {
                        let e = i * nin + a;
                        let (re, sa) = (e * n, a * n);
                        for b1 in 0..nin {
                            let d1 = i * nin + b1;
                            kappa(e, d1, &mut kb[..n]);
                            let r1 = (d1 * nin + a) * n;
                            let row = &mut xa[b1 * n2..(b1 + 1) * n2];
                            for j in 0..n {
                                let z1 = zd[r1 + j];
                                row[j] = rho[re + j] * s3[sa + j] * z1 + s2[sa + j] * kb[j];
                                row[n + j] = s2[sa + j] * z1;
                            }
                        }
                        for b in 0..nin {
                            kappa(e, jn * nin + b, &mut kb[b * n..(b + 1) * n]);
                        }
                        for b2 in 0..nin {
                            let r2 = ((jn * nin + b2) * nin + a) * n;
                            for b3 in 0..nin {
                                let r3 = ((jn * nin + b3) * nin + a) * n;
                                let row = &mut xb[(b2 * nin + b3) * n2..(b2 * nin + b3 + 1) * n2];
                                for j in 0..n {
                                    let (z2, z3) = (zd[r2 + j], zd[r3 + j]);
                                    row[j] = z2 * z3;
                                    row[n + j] = z3 * kb[b2 * n + j] + z2 * kb[b3 * n + j];
                                }
                            }
                        }
                        gemm_nt(nin, nsq, n2, &xa, n2, &xb, n2, &mut res, nsq);
                        for b1 in 0..nin {
                            let d1 = i * nin + b1;
                            for b2 in 0..nin {
                                let d2 = jn * nin + b2;
                                for b3 in 0..nin {
                                    let d3 = jn * nin + b3;
                                    let mut acc = res[b1 * nsq + b2 * nin + b3];
                                    if m >= 2 {
                                        let sig = &self.sig[m - 1];
                                        let sg = |d: usize, b: usize| sig[(d * nin + a) * nin + b];
                                        let (x1, x2, x3) = ((e * dn + d1) * dn, (e * dn + d2) * dn, (e * dn + d3) * dn);
                                        acc += self.mu[m]
                                            * (ed[x1 + d2] * sg(d3, b2) + ed[x1 + d3] * sg(d2, b3) + ed[x2 + d1] * sg(d3, b1) + ed[x2 + d3] * sg(d1, b3) + ed[x3 + d1] * sg(d2, b1) + ed[x3 + d2] * sg(d1, b2));
                                    }
                                    out[((a * nin + b1) * nin + b2) * nin + b3] += acc;
                                }
                            }
                        }
                    }
                }
            }
        }
        self.xa = xa;
        self.xb = xb;
        self.kb = kb;
        self.res = res;
    }
}
