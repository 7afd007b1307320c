//! The per-shape workspace of the ensemble: every buffer one network needs, allocated once per
//! config shape (widths, k_ℓ, order) and reused for every network of that shape.
use super::conditional::Cond;
use super::config::Config;
use crate::ffi::status::Status;

/// Largest workspace we try to allocate (doubles); wasm32 memory ends at 4 GiB anyway.
const MAX_WORK: usize = 1 << 29;

pub(super) fn zeros(n: usize) -> Result<Vec<f64>, Status> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Status::Alloc)?;
    v.resize(n, 0.0);
    Ok(v)
}

/// All buffers of one config shape; reused across calls (the thread-local cache of `mod.rs`).
pub(super) struct Workspace {
    pub(super) widths: Vec<usize>,
    pub(super) neurons: Vec<usize>,
    pub(super) order: u32,
    // per layer m = 0 … L (index 0 is the input layer; W, b, z unused there)
    pub(super) w: Vec<Vec<f64>>,
    pub(super) wt: Vec<Vec<f64>>, // W⁽ᵐ⁾ᵀ, only for 2 ≤ m ≤ L−1 (back-propagation through the hidden layers)
    pub(super) bias: Vec<Vec<f64>>,
    pub(super) z: Vec<Vec<f64>>,
    pub(super) s0: Vec<Vec<f64>>, // σ, σ′, σ″, σ‴ at layer m < L (s0[0] = x)
    pub(super) s1: Vec<Vec<f64>>,
    pub(super) s2: Vec<Vec<f64>>,
    pub(super) s3: Vec<Vec<f64>>,
    pub(super) c: Vec<f64>,  // c_m = λ_b⁽ᵐ⁾ + μ_m |s⁽ᵐ⁻¹⁾|²
    pub(super) mu: Vec<f64>, // μ_m = λ_W⁽ᵐ⁾ / n_{m−1}
    pub(super) zzc: Vec<f64>, // E[z_a² | layers < m] = C_b⁽ᵐ⁾ + C_W⁽ᵐ⁾|s⁽ᵐ⁻¹⁾|²/n_{m−1}
    // per target layer ℓ, per layer m < ℓ (k rows of n_m, row-major)
    pub(super) rho: Vec<Vec<f64>>,
    pub(super) delta: Vec<Vec<f64>>,
    pub(super) zd: Vec<Vec<f64>>,
    pub(super) gamma: Vec<Vec<f64>>, // k×k Gram of δ⁽ᵐ⁾
    pub(super) sig: Vec<Vec<f64>>,   // σ⁽ᵐ⁾_b = s⁽ᵐ⁾·u̇⁽ᵐ⁾_b (zero at m = 0)
    pub(super) gram: Vec<Vec<f64>>,  // G⁽ᵐ⁾_bd = u̇_b·u̇_d (zero at m = 0)
    // scratch
    pub(super) stk: Vec<f64>, // the stacked directions fed to W (r × n_m)
    pub(super) xs: Vec<f64>,  // the jets at the current layer (r × n_{m+1})
    pub(super) tau: Vec<f64>, // τ_p for the pairs
    pub(super) eye: Vec<f64>, // δ⁽ℓ⁾ rows: the k×k identity
    pub(super) dd0: Vec<f64>, // δ̇ rows (k² × n)
    pub(super) dd1: Vec<f64>,
    pub(super) rhod: Vec<f64>, // W ᵀ δ̇ rows (k² × n)
    pub(super) pidx: Vec<usize>,
    pub(super) tidx: Vec<usize>,
    pub(super) acc: Vec<f64>, // S, T, U per ordered pair (3 k²)
    pub(super) cond: Cond,    // the conditional estimators (conditional.rs)
}

/// The number of stacked direction rows for k neurons at `order`.
pub(super) fn rows(k: usize, order: u32) -> usize {
    k + if order >= 2 { k * (k + 1) / 2 } else { 0 } + if order >= 3 { k * (k - 1) } else { 0 }
}

impl Workspace {
    /// Allocates the workspace of `cfg`'s shape (Alloc beyond MAX_WORK doubles or on failure).
    pub(super) fn new(cfg: &Config) -> Result<Workspace, Status> {
        let w = &cfg.widths;
        let l = cfg.depth();
        let order = cfg.order;
        let kmax = *cfg.neurons.iter().max().unwrap();
        let nh = *w[..l].iter().max().unwrap(); // widths a direction row can have below the top
        // The whole workspace, counted in u128 (k² n overflows 32-bit usize long before it fits in
        // memory) and refused beyond MAX_WORK; below that every product used later fits in usize.
        let (k, nh128) = (kmax as u128, nh.max(kmax) as u128);
        let r = k + k * (k + 1) / 2 + k * k;
        let mut total = 2 * r * nh128 + 10 * k * k + 2 * k + 8;
        for m in 1..=l {
            let (n, np) = (w[m] as u128, w[m - 1] as u128);
            total += 2 * n * np + 6 * n + 3 * k * n + 2 * k * k + k;
        }
        if order >= 3 {
            total += 3 * k * k * nh128;
        }
        total += Cond::size(w, order);
        if total > MAX_WORK as u128 {
            return Err(Status::Alloc);
        }
        let r = rows(kmax, order);
        let mut s = Workspace {
            widths: w.clone(),
            neurons: cfg.neurons.clone(),
            order,
            w: vec![vec![]],
            wt: vec![vec![]],
            bias: vec![vec![]],
            z: vec![vec![]],
            s0: vec![cfg.x.clone()],
            s1: vec![vec![]],
            s2: vec![vec![]],
            s3: vec![vec![]],
            c: vec![0.0; l + 1],
            mu: vec![0.0; l + 1],
            zzc: vec![0.0; l + 1],
            rho: vec![vec![]],
            delta: vec![vec![]],
            zd: vec![vec![]],
            gamma: vec![zeros(kmax * kmax)?],
            sig: vec![zeros(kmax)?],
            gram: vec![zeros(kmax * kmax)?],
            stk: zeros(r * nh)?,
            xs: zeros(r * nh.max(kmax))?,
            tau: zeros(kmax * (kmax + 1) / 2)?,
            eye: zeros(kmax * kmax)?,
            dd0: vec![],
            dd1: vec![],
            rhod: vec![],
            pidx: vec![0; kmax * kmax],
            tidx: vec![0; kmax * kmax],
            acc: zeros(3 * kmax * kmax)?,
            cond: Cond::new(cfg)?,
        };
        for m in 1..=l {
            let (n, np) = (w[m], w[m - 1]);
            s.w.push(zeros(n * np)?);
            s.wt.push(if order >= 1 && m >= 2 && m < l { zeros(n * np)? } else { vec![] });
            s.bias.push(zeros(n)?);
            s.z.push(zeros(n)?);
            let hidden = if m < l { n } else { 0 };
            s.s0.push(zeros(hidden)?);
            s.s1.push(zeros(hidden)?);
            s.s2.push(zeros(hidden)?);
            s.s3.push(zeros(hidden)?);
            let kn = if m < l && order >= 1 { kmax * n } else { 0 };
            s.rho.push(zeros(kn)?);
            s.delta.push(zeros(kn)?);
            s.zd.push(zeros(kn)?);
            s.gamma.push(zeros(kmax * kmax)?);
            s.sig.push(zeros(kmax)?);
            s.gram.push(zeros(kmax * kmax)?);
        }
        if order >= 3 {
            s.dd0 = zeros(kmax * kmax * nh)?;
            s.dd1 = zeros(kmax * kmax * nh)?;
            s.rhod = zeros(kmax * kmax * nh)?;
        }
        Ok(s)
    }

    /// True when `cfg` has the shape this workspace was built for.
    pub(super) fn fits(&self, cfg: &Config) -> bool {
        self.widths == cfg.widths && self.neurons == cfg.neurons && self.order == cfg.order
    }
}
