//! Conditional (Rao–Blackwellized) estimators of G = E[z_a²] and H = E[Ĥ_aa] with telescoping control
//! variates: the same means as the plain averages over k neurons, with a per-network variance of
//! O(1/n²) instead of O(1/n), which is what makes the O(1/n) shifts G¹/n and H¹/n measurable
//! (derivation and measured gains: docs/theory/ensembles.md §2.1).
//!
//! ```text
//! X_m = E[z⁽ᵐ⁾_a² | layers < m] = C_b⁽ᵐ⁾ + (C_W⁽ᵐ⁾/n_{m−1})|s⁽ᵐ⁻¹⁾|²                    (zzc; X_1 = K⁽¹⁾ exactly)
//! Y_m = E[Ĥ⁽ᵐ⁾_aa | layers < m] = c_m + (C_W⁽ᵐ⁾/n_{m−1}) Σ_j s′⁽ᵐ⁻¹⁾_j² Ĥ⁽ᵐ⁻¹⁾_jj           (Y_1 = Θ⁽¹⁾ exactly)
//! E[X_{m+1} | layers < m] = f_m(X_m) = C_b⁽ᵐ⁺¹⁾ + C_W⁽ᵐ⁺¹⁾⟨σ²⟩_{X_m}
//! E[Y_{m+1} | layers < m] = h_m = λ_b⁽ᵐ⁺¹⁾ + λ_W⁽ᵐ⁺¹⁾⟨σ²⟩ + C_W⁽ᵐ⁺¹⁾(⟨σ′²⟩ Y_m + ⟨σ′² he2⟩ Z_m)   (at X_m)
//!     Z_m = (C_W⁽ᵐ⁾/n_{m−1})² uᵀĤ⁽ᵐ⁻¹⁾u / X_m,  u = s⁽ᵐ⁻¹⁾ ⊙ s′⁽ᵐ⁻¹⁾   (Z_1 = 0: the Ĥ–z correlation)
//! D^G_m = X_{m+1} − f_m,  D^H_m = Y_{m+1} − h_m                                       (each has mean exactly 0)
//! gcv_ℓ = X_ℓ − Σ_{m<ℓ} b_{m+1} D^G_m          hcv_ℓ = Y_ℓ − Σ_{m<ℓ} (α_{m+1} D^H_m + β_{m+1} D^G_m)
//! ```
//! with constant coefficients (any constants keep the estimators unbiased; these make them optimal to
//! first order): the infinite-width sensitivities b_j = ∂K⁽ℓ⁾/∂K⁽ʲ⁾, α_j = ∂Θ⁽ℓ⁾/∂Θ⁽ʲ⁾,
//! β_j = ∂Θ⁽ℓ⁾/∂K⁽ʲ⁾ along the recursions, from ∂f/∂K = C_W⟨σ² he2⟩/(2K), ∂h/∂Y = C_W⟨σ′²⟩,
//! ∂h/∂X = (λ_W⟨σ² he2⟩ + C_W Θ⟨σ′² he2⟩)/(2K) at the K⁽ᵐ⁾, Θ⁽ᵐ⁾ of the same quadrature.
//!
//! Ĥ⁽ᵐ⁾ on all neurons comes from the full-NTK recursion in one sweep per network,
//! Ĥ⁽ᵐ⁺¹⁾ = c_{m+1} 1 + A Ĥ⁽ᵐ⁾ Aᵀ with A = W⁽ᵐ⁺¹⁾ diag(s′⁽ᵐ⁾) (Ĥ⁽¹⁾ = c_1 1): two n³ products per layer up to
//! L−2 and one for the diagonal of Ĥ⁽ᴸ⁻¹⁾ (depth ≤ 3: O(n²)). The Gaussian expectations are
//! `theory::moments::compute_moments` (degree 64, 1e-12 relative), whose error biases G¹ and H¹ by
//! ≲ n·1e-12.
use super::config::Config;
use super::workspace::{zeros, Workspace};
use crate::ffi::status::Status;
use crate::numerics::gemm::{dot, gemm_nt, gemv};
use crate::numerics::quadrature::{Quadrature, DEFAULT_DEGREE};
use crate::theory::moments::compute_moments;

/// Buffers and per-chunk constants of the conditional estimators.
pub(super) struct Cond {
    quad: Quadrature,
    /// coefficient tables, [ℓ·(L+1) + m] for 1 ≤ m < ℓ ≤ L: of D^G_m in gcv_ℓ, of D^H_m and D^G_m in hcv_ℓ
    bg: Vec<f64>,
    ah: Vec<f64>,
    bh: Vec<f64>,
    // per network, per layer m = 1 … L
    x: Vec<f64>,
    y: Vec<f64>,
    fg: Vec<f64>,
    fh: Vec<f64>,
    // full NTK of the current layer, A = W diag(s′), T = A Ĥ, u, Ĥu
    hf: Vec<f64>,
    am: Vec<f64>,
    tm: Vec<f64>,
    u: Vec<f64>,
    hu: Vec<f64>,
    /// per layer ℓ = 1 … L: g2, gcv, hc1, h2, hcv
    pub(super) out: Vec<[f64; 5]>,
}

impl Cond {
    pub(super) fn new(cfg: &Config) -> Result<Cond, Status> {
        let l = cfg.depth();
        let w = &cfg.widths;
        let nh = if l >= 3 && cfg.order >= 1 { *w[1..l - 1].iter().max().unwrap() } else { 0 };
        let nh1 = if l >= 2 { *w[1..l].iter().max().unwrap() } else { 0 };
        let t = (l + 1) * (l + 1);
        Ok(Cond {
            quad: Quadrature::new(DEFAULT_DEGREE).map_err(|_| Status::Alloc)?,
            bg: zeros(t)?,
            ah: zeros(t)?,
            bh: zeros(t)?,
            x: zeros(l + 1)?,
            y: zeros(l + 1)?,
            fg: zeros(l + 1)?,
            fh: zeros(l + 1)?,
            hf: zeros(nh * nh)?,
            am: zeros(nh1 * nh)?,
            tm: zeros(nh1 * nh)?,
            u: zeros(nh1)?,
            hu: zeros(nh1)?,
            out: vec![[0.0; 5]; l + 1],
        })
    }

    /// Doubles [`Cond::new`] allocates (for the workspace budget).
    pub(super) fn size(w: &[usize], order: u32) -> u128 {
        let l = w.len() - 1;
        let nh = if l >= 3 && order >= 1 { *w[1..l - 1].iter().max().unwrap() as u128 } else { 0 };
        let nh1 = if l >= 2 { *w[1..l].iter().max().unwrap() as u128 } else { 0 };
        let t = ((l + 1) * (l + 1)) as u128;
        3 * t + 9 * (l as u128 + 1) + nh * nh + 2 * nh1 * nh + 2 * nh1
    }

    /// The coefficient tables of `cfg` (its hyperparameters and input; once per chunk): the
    /// infinite-width K⁽ᵐ⁾, Θ⁽ᵐ⁾ and the sensitivities along the recursions. A non-finite
    /// sensitivity (e.g. K underflow) becomes 0, which keeps the estimators unbiased.
    pub(super) fn prepare(&mut self, cfg: &Config) {
        let l = cfg.depth();
        let n0 = cfg.widths[0] as f64;
        let ss = dot(&cfg.x, &cfg.x);
        let mut k = cfg.cb[0] + cfg.cw[0] * ss / n0;
        let mut th = cfg.lambda_b[0] + (cfg.lambda_w[0] / n0) * ss;
        // sensitivities of layer m + 1 to layer m, m = 1 … L−1
        let (mut fp, mut hy, mut hx) = (vec![0.0; l + 1], vec![0.0; l + 1], vec![0.0; l + 1]);
        let fin = |v: f64| if v.is_finite() { v } else { 0.0 };
        for m in 1..l {
            let mo = compute_moments(&self.quad, &cfg.act, k);
            fp[m] = fin(cfg.cw[m] * mo.s2he2 / (2.0 * k));
            hy[m] = fin(cfg.cw[m] * mo.d2);
            hx[m] = fin((cfg.lambda_w[m] * mo.s2he2 + cfg.cw[m] * th * mo.d2he2) / (2.0 * k));
            th = cfg.lambda_b[m] + cfg.lambda_w[m] * mo.s2 + cfg.cw[m] * mo.d2 * th;
            k = cfg.cb[m] + cfg.cw[m] * mo.s2;
        }
        let r = l + 1;
        self.bg.fill(0.0);
        self.ah.fill(0.0);
        self.bh.fill(0.0);
        for t in 2..=l {
            // coefficient of D_m is the sensitivity of layer t to layer m + 1
            let (mut b, mut a, mut bb) = (1.0, 1.0, 0.0);
            for m in (1..t).rev() {
                self.bg[t * r + m] = b;
                self.ah[t * r + m] = a;
                self.bh[t * r + m] = bb;
                b *= fp[m];
                bb = a * hx[m] + bb * fp[m];
                a *= hy[m];
            }
        }
    }
}

impl Workspace {
    /// The conditional estimators of every layer of the current network (after `forward`) into
    /// `cond.out`; the Ĥ ones only at order ≥ 1.
    pub(super) fn conditional(&mut self, cfg: &Config) {
        let l = cfg.depth();
        let wd = &self.widths;
        let cd = &mut self.cond;
        let r = l + 1;
        for m in 1..=l {
            cd.x[m] = self.zzc[m];
        }
        let ntk = cfg.order >= 1;
        if ntk {
            cd.y[1] = self.c[1];
        }
        // sweep m = 1 … L−1: f_m, h_m, and Y_{m+1} from the NTK diagonal of layer m
        for m in 1..l {
            let xm = cd.x[m];
            let mo = compute_moments(&cd.quad, &cfg.act, xm);
            cd.fg[m] = cfg.cb[m] + cfg.cw[m] * mo.s2;
            if !ntk {
                continue;
            }
            let n = wd[m];
            let s1 = &self.s1[m];
            let c1 = self.c[1];
            // Z_m from Ĥ⁽ᵐ⁻¹⁾ (full in hf for m ≥ 3; Ĥ⁽¹⁾ = c_1 1; Z_1 = 0). X_m = 0 (C_b = 0 and every
            // neuron below dead, e.g. relu) means s⁽ᵐ⁻¹⁾ = 0, hence u = 0 and Z_m = 0, not 0/0.
            let z = if m >= 2 && xm > 0.0 {
                let np = wd[m - 1];
                let (p0, p1) = (&self.s0[m - 1], &self.s1[m - 1]);
                for j in 0..np {
                    cd.u[j] = p0[j] * p1[j];
                }
                let q = if m == 2 {
                    c1 * dot(&cd.u[..np], &cd.u[..np])
                } else {
                    gemv(np, np, &cd.hf, np, &cd.u[..np], &mut cd.hu);
                    dot(&cd.u[..np], &cd.hu[..np])
                };
                let sw = cfg.cw[m - 1] / np as f64;
                sw * sw * q / xm
            } else {
                0.0
            };
            cd.fh[m] = cfg.lambda_b[m] + cfg.lambda_w[m] * mo.s2 + cfg.cw[m] * (mo.d2 * cd.y[m] + mo.d2he2 * z);
            // Ĥ⁽ᵐ⁾ = c_m 1 + A Ĥ⁽ᵐ⁻¹⁾ Aᵀ, A = W⁽ᵐ⁾ diag(s′⁽ᵐ⁻¹⁾): in full into hf while layer m+1 < L
            // still needs it for Z_{m+1}, else only its diagonal into hu
            let full = m + 1 < l;
            if m >= 2 {
                let np = wd[m - 1];
                let (wm, p1) = (&self.w[m], &self.s1[m - 1]);
                for i in 0..n {
                    for j in 0..np {
                        cd.am[i * np + j] = wm[i * np + j] * p1[j];
                    }
                }
                if m == 2 {
                    for i in 0..n * np {
                        cd.tm[i] = c1 * cd.am[i];
                    }
                } else {
                    gemm_nt(n, np, np, &cd.am, np, &cd.hf, np, &mut cd.tm, np); // A Ĥ (Ĥ symmetric)
                }
                let cm = self.c[m];
                if full {
                    gemm_nt(n, n, np, &cd.tm, np, &cd.am, np, &mut cd.hf, n);
                    for i in 0..n {
                        cd.hf[i * n + i] += cm;
                    }
                } else {
                    for i in 0..n {
                        cd.hu[i] = cm + dot(&cd.tm[i * np..(i + 1) * np], &cd.am[i * np..(i + 1) * np]);
                    }
                }
            }
            let mut tr = 0.0;
            for (j, &sj) in s1[..n].iter().enumerate() {
                let d = if m == 1 { c1 } else if full { cd.hf[j * n + j] } else { cd.hu[j] };
                tr += sj * sj * d;
            }
            cd.y[m + 1] = self.c[m + 1] + (cfg.cw[m] / n as f64) * tr;
        }
        for t in 1..=l {
            let g2 = if t >= 2 { cd.fg[t - 1] } else { cd.x[1] };
            let mut gcv = cd.x[t];
            for m in 1..t {
                gcv -= cd.bg[t * r + m] * (cd.x[m + 1] - cd.fg[m]);
            }
            let (mut hc1, mut h2, mut hcv) = (0.0, 0.0, 0.0);
            if ntk {
                hc1 = cd.y[t];
                h2 = if t >= 2 { cd.fh[t - 1] } else { cd.y[1] };
                hcv = cd.y[t];
                for m in 1..t {
                    hcv -= cd.ah[t * r + m] * (cd.y[m + 1] - cd.fh[m]) + cd.bh[t * r + m] * (cd.x[m + 1] - cd.fg[m]);
                }
            }
            cd.out[t] = [g2, gcv, hc1, h2, hcv];
        }
    }
}
