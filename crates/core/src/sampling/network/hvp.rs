//! Step 3: Hessian–vector products g_{a[b]} = ∇_θ(Dz_a[v_b]) and their λ-Frobenius products, the
//! per-network dd_IIĤ (module docs of `sampling::network`; placement A of docs/theory/recursions.md §1.3).
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt};

impl Workspace {
    /// Σ over ordered pairs a ≠ b of dd_IIĤ_aabb, dd_IIĤ_abab, dd_IIĤ_abba (reverse sweep, step 3).
    pub(super) fn dd_ii(&mut self, l: usize, k: usize) -> [f64; 3] {
        let wd = &self.widths;
        let kk = k * k;
        let acc = &mut self.acc;
        // layer ℓ: δ̇⁽ℓ⁾ = 0 and δ⁽ℓ⁾ = e, only the γ G term survives
        for a in 0..k {
            for b in 0..k {
                acc[3 * (a * k + b)] = self.mu[l] * self.gram[l - 1][b * k + b];
                acc[3 * (a * k + b) + 1] = 0.0;
                acc[3 * (a * k + b) + 2] = 0.0;
            }
        }
        let (mut cur, mut prev) = (&mut self.dd0, &mut self.dd1);
        for m in (1..l).rev() {
            let n = wd[m];
            let top = m + 1 == l;
            if !top {
                let nn = wd[m + 1];
                gemm_nt(kk, n, nn, prev, nn, &self.wt[m + 1], nn, &mut self.rhod, n);
            }
            let (s0, s1, s2) = (&self.s0[m], &self.s1[m], &self.s2[m]);
            let (rho, zd, delta) = (&self.rho[m], &self.zd[m], &self.delta[m]);
            let gnext: &[f64] = if top { &self.eye } else { &self.gamma[m + 1] };
            let mun = self.mu[m + 1];
            for a in 0..k {
                for b in 0..k {
                    let row = (a * k + b) * n;
                    let coef = mun * gnext[a * k + b];
                    for j in 0..n {
                        let r = if top { 0.0 } else { self.rhod[row + j] };
                        cur[row + j] = s2[j] * zd[b * n + j] * rho[a * n + j] + s1[j] * (r + coef * s0[j]);
                    }
                }
            }
            let (c, mu) = (self.c[m], self.mu[m]);
            let (sig, g, gam) = (&self.sig[m - 1], &self.gram[m - 1], &self.gamma[m]);
            let dd = |a: usize, b: usize| &cur[(a * k + b) * n..(a * k + b + 1) * n];
            let de = |a: usize| &delta[a * n..(a + 1) * n];
            for a in 0..k {
                for b in 0..k {
                    if a == b {
                        continue;
                    }
                    let i = 3 * (a * k + b);
                    let d1 = dot(dd(a, b), dd(a, b));
                    let e1 = dot(dd(a, b), de(a));
                    acc[i] += c * d1 + mu * (2.0 * e1 * sig[b] + gam[a * k + a] * g[b * k + b]);
                    let d2 = dot(dd(a, a), dd(b, b));
                    let e2 = dot(dd(a, a), de(b));
                    let e3 = dot(dd(b, b), de(a));
                    acc[i + 1] += c * d2 + mu * (e2 * sig[b] + e3 * sig[a] + gam[a * k + b] * g[a * k + b]);
                    let d3 = dot(dd(a, b), dd(b, a));
                    let e4 = dot(dd(a, b), de(b));
                    let e5 = dot(dd(b, a), de(a));
                    acc[i + 2] += c * d3 + mu * (e4 * sig[a] + e5 * sig[b] + gam[a * k + b] * g[b * k + a]);
                }
            }
            std::mem::swap(&mut cur, &mut prev);
        }
        let mut out = [0.0; 3];
        for a in 0..k {
            for b in 0..k {
                if a != b {
                    for t in 0..3 {
                        out[t] += acc[3 * (a * k + b) + t];
                    }
                }
            }
        }
        out
    }
}
