//! Step 2: the forward jets ż along the directions v_{b;β} evaluated at every input α, and dĤ by
//! reverse accumulation of the second-order jet (module docs of `sampling::multi`).
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt};

impl Workspace {
    /// The k × k identity (the δ⁽ℓ⁾ rows).
    fn identity(&mut self, k: usize) {
        self.eye[..k * k].fill(0.0);
        for a in 0..k {
            self.eye[a * k + a] = 1.0;
        }
    }

    /// ż⁽ᵐ⁾ rows r = d·N + α for m = 1 … ℓ (with u̇ = σ′ż and σ⁽ᵐ⁾[r, β′] = s_β′·u̇_r below ℓ); the top
    /// layer keeps the k probed neurons. No second-order rows: dĤ and dd_IĤ come by reverse accumulation.
    #[allow(clippy::needless_range_loop)] // m indexes several per-layer vectors at once
    pub(super) fn forward_jets(&mut self, lambda_b: &[f64], l: usize, k: usize) {
        let nin = self.n;
        let dn = k * nin;
        let e = dn * nin;
        self.identity(k);
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
    }

    /// dĤ_{e}[d₁, d₂] = D²z_e[v_{d₁}, v_{d₂}] for e = (a, α) (index e = a·N + α among the k probed
    /// neurons) by reverse accumulation of the second-order forward jet, with no z̈ rows:
    /// Σ_{m=1}^{ℓ−1} ρ⁽ᵐ⁾_e·(s″_α ż_α[d₁] ż_α[d₂]) + Σ_{m=2}^{ℓ} μ_m (γ⁽ᵐ⁾_{e,d₁} σ⁽ᵐ⁻¹⁾_{α,β₁}[d₂] + γ⁽ᵐ⁾_{e,d₂} σ⁽ᵐ⁻¹⁾_{α,β₂}[d₁]).
    pub(super) fn dh(&self, l: usize, k: usize, e: usize, d1: usize, d2: usize) -> f64 {
        let nin = self.n;
        let (a, b1, b2) = (e % nin, d1 % nin, d2 % nin);
        let mut val = 0.0;
        for m in 1..=l {
            if m < l {
                let n = self.widths[m];
                let (zd, s2, rho) = (&self.zd[m], &self.s2[m], &self.rho[m]);
                let (r1, r2, re, sa) = ((d1 * nin + a) * n, (d2 * nin + a) * n, e * n, a * n);
                let mut acc = 0.0;
                for j in 0..n {
                    acc += rho[re + j] * s2[sa + j] * zd[r1 + j] * zd[r2 + j];
                }
                val += acc;
            }
            if m >= 2 {
                let dn = k * nin;
                let (g1, g2) = if m == l {
                    ((e / nin == d1 / nin) as u8 as f64, (e / nin == d2 / nin) as u8 as f64)
                } else {
                    (self.gam[m][e * dn + d1], self.gam[m][e * dn + d2])
                };
                let sig = &self.sig[m - 1];
                val += self.mu[m] * (g1 * sig[(d2 * nin + a) * nin + b1] + g2 * sig[(d1 * nin + a) * nin + b2]);
            }
        }
        val
    }
}
