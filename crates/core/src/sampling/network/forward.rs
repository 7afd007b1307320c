//! One network: the draw of its parameters, the forward pass, and the back-propagation of step 1
//! (module docs of `sampling::network`).
use super::config::Config;
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt, gemv, transpose};
use crate::numerics::rng::Rng;

impl Workspace {
    /// Draws network `index`: W⁽ᵐ⁾ ~ N(0, C_W/n_{m−1}) then b⁽ᵐ⁾ ~ N(0, C_b) for m = 1 … L, from
    /// `Rng::new(seed, index)` in that order (the order fixes the numbers: the TS twin draws alike).
    pub(super) fn draw(&mut self, cfg: &Config, index: u64) {
        let l = cfg.depth();
        let wd = &cfg.widths;
        let mut rng = Rng::new(cfg.seed, index);
        for m in 1..=l {
            rng.fill_normal(&mut self.w[m], (cfg.cw[m - 1] / wd[m - 1] as f64).sqrt());
            rng.fill_normal(&mut self.bias[m], cfg.cb[m - 1].sqrt());
        }
    }

    /// Forward pass: z⁽ᵐ⁾, σ … σ‴ at the hidden layers, μ_m, c_m, zzc_m, and (order ≥ 1) the
    /// transposes W⁽ᵐ⁾ᵀ the back-propagation reads.
    pub(super) fn forward(&mut self, cfg: &Config) {
        let l = cfg.depth();
        let wd = &cfg.widths;
        self.s0[0].copy_from_slice(&cfg.x);
        for m in 1..=l {
            let (n, np) = (wd[m], wd[m - 1]);
            gemv(n, np, &self.w[m], np, &self.s0[m - 1], &mut self.z[m]);
            for i in 0..n {
                self.z[m][i] += self.bias[m][i];
            }
            if m < l {
                for i in 0..n {
                    let d = cfg.act.eval(self.z[m][i]);
                    self.s0[m][i] = d[0];
                    self.s1[m][i] = d[1];
                    self.s2[m][i] = d[2];
                    self.s3[m][i] = d[3];
                }
            }
            let ss = dot(&self.s0[m - 1], &self.s0[m - 1]);
            self.mu[m] = cfg.lambda_w[m - 1] / np as f64;
            self.c[m] = cfg.lambda_b[m - 1] + self.mu[m] * ss;
            self.zzc[m] = cfg.cb[m - 1] + cfg.cw[m - 1] * ss / np as f64;
        }
        if cfg.order >= 1 {
            for m in 2..l {
                transpose(wd[m], wd[m - 1], &self.w[m], wd[m - 1], &mut self.wt[m], wd[m]);
            }
        }
    }

    /// Step 1 for target layer ℓ: ρ⁽ᵐ⁾, δ⁽ᵐ⁾ and (order ≥ 3) γ⁽ᵐ⁾ for m = ℓ−1 … 1.
    pub(super) fn back_propagate(&mut self, l: usize, k: usize, order: u32) {
        let wd = &self.widths;
        for m in (1..l).rev() {
            let n = wd[m];
            if m == l - 1 {
                self.rho[m][..k * n].copy_from_slice(&self.w[l][..k * n]);
            } else {
                let nn = wd[m + 1];
                gemm_nt(k, n, nn, &self.delta[m + 1], nn, &self.wt[m + 1], nn, &mut self.rho[m], n);
            }
            let (rho, s1, delta) = (&self.rho[m], &self.s1[m], &mut self.delta[m]);
            for b in 0..k {
                for j in 0..n {
                    delta[b * n + j] = rho[b * n + j] * s1[j];
                }
            }
            if order >= 3 {
                for a in 0..k {
                    for b in a..k {
                        let g = dot(&self.delta[m][a * n..(a + 1) * n], &self.delta[m][b * n..(b + 1) * n]);
                        self.gamma[m][a * k + b] = g;
                        self.gamma[m][b * k + a] = g;
                    }
                }
            }
        }
    }
}
