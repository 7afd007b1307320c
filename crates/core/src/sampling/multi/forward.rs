//! One network on N inputs: the draw of its parameters (the single-input ensemble's network i), the
//! forward pass of every input, and the back-propagation of step 1 (module docs of `sampling::multi`).
use super::config::Config;
use super::workspace::Workspace;
use crate::numerics::gemm::{dot, gemm_nt, transpose};
use crate::sampling::network::draw_parameters;

impl Workspace {
    /// Draws network `index`.
    pub(super) fn draw(&mut self, cfg: &Config, index: u64) {
        draw_parameters(cfg.seed, index, &cfg.widths, &cfg.cw, &cfg.cb, &mut self.w, &mut self.bias);
    }

    /// z⁽ᵐ⁾_α, σ … σ‴ at the hidden layers, the Gram matrices s⁽ᵐ⁾_α·s⁽ᵐ⁾_β, μ_m, and (order ≥ 1) W⁽ᵐ⁾ᵀ.
    pub(super) fn forward(&mut self, cfg: &Config) {
        let wd = &cfg.widths;
        let l = cfg.depth();
        let nin = cfg.inputs;
        for m in 1..=l {
            let (n, np) = (wd[m], wd[m - 1]);
            gemm_nt(nin, n, np, &self.s0[m - 1], np, &self.w[m], np, &mut self.z[m], n);
            for a in 0..nin {
                for i in 0..n {
                    self.z[m][a * n + i] += self.bias[m][i];
                }
            }
            if m < l {
                for i in 0..nin * n {
                    let d = cfg.act.eval(self.z[m][i]);
                    self.s0[m][i] = d[0];
                    self.s1[m][i] = d[1];
                    self.s2[m][i] = d[2];
                    self.s3[m][i] = d[3];
                }
            }
            let sp = &self.s0[m - 1];
            let g = &mut self.ssg[m - 1];
            for a in 0..nin {
                for b in a..nin {
                    let v = dot(&sp[a * np..(a + 1) * np], &sp[b * np..(b + 1) * np]);
                    g[a * nin + b] = v;
                    g[b * nin + a] = v;
                }
            }
            self.mu[m] = cfg.lambda_w[m - 1] / np as f64;
        }
        if cfg.order >= 1 {
            for m in 2..l {
                transpose(wd[m], wd[m - 1], &self.w[m], wd[m - 1], &mut self.wt[m], wd[m]);
            }
        }
    }

    /// Step 1 for target layer ℓ: ρ⁽ᵐ⁾_d, δ⁽ᵐ⁾_d for every direction d = (b, β), and (order ≥ 2)
    /// γ⁽ᵐ⁾_{dd′} = δ⁽ᵐ⁾_d·δ⁽ᵐ⁾_{d′}, for m = ℓ−1 … 1.
    pub(super) fn back_propagate(&mut self, l: usize, k: usize, order: u32) {
        let wd = &self.widths;
        let nin = self.n;
        let dn = k * nin;
        for m in (1..l).rev() {
            let n = wd[m];
            if m == l - 1 {
                for b in 0..k {
                    for be in 0..nin {
                        let r = (b * nin + be) * n;
                        self.rho[m][r..r + n].copy_from_slice(&self.w[l][b * n..(b + 1) * n]);
                    }
                }
            } else {
                let nn = wd[m + 1];
                gemm_nt(dn, n, nn, &self.delta[m + 1], nn, &self.wt[m + 1], nn, &mut self.rho[m], n);
            }
            let (rho, s1, delta) = (&self.rho[m], &self.s1[m], &mut self.delta[m]);
            for dd in 0..dn {
                let be = dd % nin;
                for j in 0..n {
                    delta[dd * n + j] = rho[dd * n + j] * s1[be * n + j];
                }
            }
            if order >= 2 {
                let delta = &self.delta[m];
                let gam = &mut self.gam[m];
                for a in 0..dn {
                    for b in a..dn {
                        let g = dot(&delta[a * n..(a + 1) * n], &delta[b * n..(b + 1) * n]);
                        gam[a * dn + b] = g;
                        gam[b * dn + a] = g;
                    }
                }
            }
        }
    }
}
