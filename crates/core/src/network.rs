//! Sampled networks: the per-network values of z, Ĥ, dĤ, dd_IĤ, dd_IIĤ that the ensemble
//! estimators average (PDLT §4, §8, §11.2, §∞.3; definitions in shared/theory/recursions.md §0, §1.3).
//!
//! ```text
//! network   z⁽¹⁾ = b⁽¹⁾ + W⁽¹⁾x,  z⁽ᵐ⁺¹⁾ = b⁽ᵐ⁺¹⁾ + W⁽ᵐ⁺¹⁾σ(z⁽ᵐ⁾),  W⁽ᵐ⁾ ~ N(0, C_W⁽ᵐ⁾/n_{m−1}),  b⁽ᵐ⁾ ~ N(0, C_b⁽ᵐ⁾)
//! metric    λ_b⁽ᵐ⁾ on b⁽ᵐ⁾,  μ_m ≡ λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾;   v_i ≡ λ∇z_i;   Dᵏz[u₁,…] = k-th directional derivative
//! values    Ĥ_ab = Dz_a[v_b],  dĤ_abc = D²z_a[v_b, v_c],  dd_IĤ_abcd = D³z_a[v_b, v_c, v_d],
//!           dd_IIĤ_abcd = ⟨g_{a[c]}, g_{b[d]}⟩_λ,  g_{a[b]} ≡ Hess(z_a)·v_b   (placement A, recursions.md §1.3)
//! ```
//!
//! # Algorithm for the statistics of layer ℓ (S = its first k neurons; cost O(k²·ℓ·n²))
//! Layer-m objects carry the superscript (m); s = σ(z), s′, s″, s‴ are pointwise, s⁽⁰⁾ = x.
//!
//! **1. Back-propagation**, one row per b ∈ S. ∂z_b/∂b⁽ᵐ⁾ = δ⁽ᵐ⁾_b and ∂z_b/∂W⁽ᵐ⁾ = δ⁽ᵐ⁾_b ⊗ s⁽ᵐ⁻¹⁾, so
//! v_b = (λ_b δ⁽ᵐ⁾_b, μ_m δ⁽ᵐ⁾_b ⊗ s⁽ᵐ⁻¹⁾), whose weight part maps y to μ_m δ⁽ᵐ⁾_b (s⁽ᵐ⁻¹⁾·y) (rank one):
//! ```text
//! δ⁽ℓ⁾_b = e_b,   ρ⁽ᵐ⁾_b = W⁽ᵐ⁺¹⁾ᵀ δ⁽ᵐ⁺¹⁾_b,   δ⁽ᵐ⁾_b = s′ ⊙ ρ⁽ᵐ⁾_b,   γ⁽ᵐ⁾_ab = δ⁽ᵐ⁾_a · δ⁽ᵐ⁾_b
//! ```
//! **2. Forward jets** along the constant directions v_b (W = W⁽ᵐ⁺¹⁾, μ = μ_{m+1}, δ = δ⁽ᵐ⁺¹⁾, the rest at
//! layer m; z̈⁽¹⁾ = z⃛⁽¹⁾ = 0):
//! ```text
//! ż⁽ᵐ⁺¹⁾_b   = c_{m+1} δ_b + W u̇_b                 u̇_b = s′ż_b,   c_m = λ_b⁽ᵐ⁾ + μ_m |s⁽ᵐ⁻¹⁾|²,   σ_b = s·u̇_b
//! z̈⁽ᵐ⁺¹⁾_bc  = μ (δ_b σ_c + δ_c σ_b) + W ü_bc      ü_bc = s″ż_bż_c + s′z̈_bc,    τ_bc = s·ü_bc
//! z⃛⁽ᵐ⁺¹⁾_abb = μ (δ_a τ_bb + 2 δ_b τ_ab) + W ü_abb  ü_abb = s‴ż_aż_b² + s″(2 z̈_ab ż_b + z̈_bb ż_a) + s′z⃛_abb
//! Ĥ_ab = ż⁽ℓ⁾_{b,a},  dĤ_abb = z̈⁽ℓ⁾_{bb,a},  dĤ_aab = z̈⁽ℓ⁾_{ab,a},  dd_IĤ_aabb = z⃛⁽ℓ⁾_{abb,a}
//! ```
//! All directions of one layer go through W⁽ᵐ⁺¹⁾ in one matrix product (k + k(k+1)/2 + k(k−1) rows).
//!
//! **3. Hessian–vector products** g_{a[b]} = ∇_θ(Dz_a[v_b]) with v_b held fixed, i.e. the back-propagation
//! differentiated along v_b: on b⁽ᵐ⁾ it is δ̇⁽ᵐ⁾_ab, on W⁽ᵐ⁾ it is δ̇⁽ᵐ⁾_ab ⊗ s⁽ᵐ⁻¹⁾ + δ⁽ᵐ⁾_a ⊗ u̇⁽ᵐ⁻¹⁾_b, with
//! ```text
//! δ̇⁽ℓ⁾_ab = 0,   δ̇⁽ᵐ⁾_ab = s″ ż_b ρ_a + s′ (W⁽ᵐ⁺¹⁾ᵀ δ̇⁽ᵐ⁺¹⁾_ab + μ_{m+1} γ⁽ᵐ⁺¹⁾_ab s)
//! ```
//! Frobenius products of these rank-two matrices reduce to n-vector dots (G⁽ᵐ⁾_bd = u̇_b·u̇_d, u̇⁽⁰⁾ = 0):
//! ```text
//! ⟨g_ab, g_cd⟩_λ = Σ_m  c_m δ̇_ab·δ̇_cd + μ_m [ (δ̇_ab·δ_c) σ⁽ᵐ⁻¹⁾_d + (δ̇_cd·δ_a) σ⁽ᵐ⁻¹⁾_b + γ⁽ᵐ⁾_ac G⁽ᵐ⁻¹⁾_bd ]
//! dd_IIĤ_aabb = ⟨g_ab, g_ab⟩,   dd_IIĤ_abab = ⟨g_aa, g_bb⟩,   dd_IIĤ_abba = ⟨g_ab, g_ba⟩
//! ```
//!
//! # Reproducibility
//! Every product uses the fixed summation orders of `gemm.rs`, and `ts/network.ts` performs the same
//! floating-point operations in the same order, so the two backends agree bit for bit whenever σ
//! and the RNG do.

use crate::activation::Activation;
use crate::gemm::{dot, gemm_nt, gemv, transpose};
use crate::rng::Rng;
use std::cell::RefCell;

/// Number of per-network values per layer.
pub const NQ: usize = 17;

/// Indices of the per-network values (each a mean over the first k_ℓ neurons a, or over the
/// k(k−1) ordered pairs a ≠ b of them).
pub mod q {
    /// mean_a z_a²
    pub const ZZ: usize = 0;
    /// mean_{a≠b} z_a² z_b²
    pub const ZZZZ: usize = 1;
    /// mean_a Ĥ_aa
    pub const H: usize = 2;
    /// mean_{a≠b} Ĥ_aa Ĥ_bb
    pub const HH: usize = 3;
    /// mean_{a≠b} Ĥ_aa z_b²
    pub const HZZ: usize = 4;
    /// mean_{a≠b} Ĥ_ab²
    pub const HAB2: usize = 5;
    /// mean_{a≠b} Ĥ_ab z_a z_b
    pub const HZZAB: usize = 6;
    /// mean_{a≠b} dĤ_abb z_a
    pub const P: usize = 7;
    /// mean_{a≠b} dĤ_aab z_b
    pub const Q: usize = 8;
    /// mean_{a≠b} dd_IĤ_aabb
    pub const R: usize = 9;
    /// mean_{a≠b} dd_IIĤ_aabb
    pub const S: usize = 10;
    /// mean_{a≠b} dd_IIĤ_abab
    pub const T: usize = 11;
    /// mean_{a≠b} dd_IIĤ_abba
    pub const U: usize = 12;
    /// mean_{a≠b} dĤ_aab z_a (expectation 0: a null test)
    pub const QNULL: usize = 13;
    /// E[z_a² | layers < ℓ] = C_b⁽ℓ⁾ + C_W⁽ℓ⁾|σ(z⁽ℓ⁻¹⁾)|²/n_{ℓ−1} (|x|²/n₀ at ℓ = 1), the same for every a.
    /// Rao–Blackwellized z moments: given the layers below, the rows of W⁽ℓ⁾ are independent, so
    /// E[z_a² z_b²] = E[zzc²] (a ≠ b) and E[Ĥ_aa z_b²] = E[Ĥ_aa·zzc]; these have far smaller
    /// variance than z_a² z_b² itself (whose estimator of V is heavy-tailed).
    pub const ZZC: usize = 14;
    /// zzc²
    pub const ZZC2: usize = 15;
    /// (mean_a Ĥ_aa)·zzc
    pub const HZZC: usize = 16;
}

/// Status codes of [`wf_ensemble_chunk`] (0 = success).
pub mod err {
    /// Config too short, L out of range, or length ≠ 7 + 6L + n₀.
    pub const LENGTH: i32 = -1;
    /// A width is not an integer in [1, 2²⁴].
    pub const WIDTH: i32 = -2;
    /// C_b or C_W negative or not finite, or λ not finite.
    pub const HYPER: i32 = -3;
    /// Unknown activation kind or non-finite parameter.
    pub const ACTIVATION: i32 = -4;
    /// Order not in {0, 1, 2, 3}.
    pub const ORDER: i32 = -5;
    /// Seed halves not integers in [0, 2³²).
    pub const SEED: i32 = -6;
    /// Some k_ℓ not an integer in [2, n_ℓ].
    pub const NEURONS: i32 = -7;
    /// The input x has a non-finite entry.
    pub const INPUT: i32 = -8;
    /// `first` not an integer ≥ 0, or first + count > 2⁵³.
    pub const RANGE: i32 = -9;
    /// The workspace could not be allocated.
    pub const ALLOC: i32 = -10;
    /// A null buffer pointer.
    pub const NULL: i32 = -11;
}

const MAX_DEPTH: usize = 4096;
const MAX_WIDTH: usize = 1 << 24;
/// Largest workspace we try to allocate (doubles); wasm32 memory ends at 4 GiB anyway.
const MAX_WORK: usize = 1 << 29;

/// A decoded config buffer (layout documented on [`wf_ensemble_chunk`]).
#[derive(Clone, Debug)]
pub struct Config {
    /// n₀ … n_L
    pub widths: Vec<usize>,
    pub cb: Vec<f64>,
    pub cw: Vec<f64>,
    pub lambda_b: Vec<f64>,
    pub lambda_w: Vec<f64>,
    pub act: Activation,
    pub order: u32,
    pub seed: u64,
    /// k_ℓ for ℓ = 1 … L
    pub neurons: Vec<usize>,
    pub x: Vec<f64>,
}

fn as_int(v: f64, lo: usize, hi: usize) -> Option<usize> {
    if v.is_finite() && v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 {
        Some(v as usize)
    } else {
        None
    }
}

impl Config {
    /// Decodes and validates a config buffer; Err carries an [`err`] code.
    pub fn parse(cfg: &[f64]) -> Result<Config, i32> {
        if cfg.len() < 2 {
            return Err(err::LENGTH);
        }
        let l = as_int(cfg[0], 1, MAX_DEPTH).ok_or(err::LENGTH)?;
        let n0 = as_int(cfg[1], 1, MAX_WIDTH).ok_or(err::WIDTH)?;
        if cfg.len() != 7 + 6 * l + n0 {
            return Err(err::LENGTH);
        }
        let mut widths = vec![n0];
        for i in 0..l {
            widths.push(as_int(cfg[2 + i], 1, MAX_WIDTH).ok_or(err::WIDTH)?);
        }
        let oh = 2 + l;
        let (mut cb, mut cw, mut lambda_b, mut lambda_w) = (vec![], vec![], vec![], vec![]);
        for i in 0..l {
            let h = &cfg[oh + 4 * i..oh + 4 * i + 4];
            if !(h[0] >= 0.0 && h[0].is_finite() && h[1] >= 0.0 && h[1].is_finite() && h[2].is_finite() && h[3].is_finite()) {
                return Err(err::HYPER);
            }
            cb.push(h[0]);
            cw.push(h[1]);
            lambda_b.push(h[2]);
            lambda_w.push(h[3]);
        }
        let oa = 2 + 5 * l;
        let kind = as_int(cfg[oa], 0, u32::MAX as usize).ok_or(err::ACTIVATION)?;
        if !cfg[oa + 1].is_finite() {
            return Err(err::ACTIVATION);
        }
        let act = Activation::from_raw(kind as u32, cfg[oa + 1]).ok_or(err::ACTIVATION)?;
        let order = as_int(cfg[oa + 2], 0, 3).ok_or(err::ORDER)? as u32;
        let lo = as_int(cfg[oa + 3], 0, u32::MAX as usize).ok_or(err::SEED)? as u64;
        let hi = as_int(cfg[oa + 4], 0, u32::MAX as usize).ok_or(err::SEED)? as u64;
        let ok = oa + 5;
        let mut neurons = vec![];
        for i in 0..l {
            neurons.push(as_int(cfg[ok + i], 2, widths[i + 1]).ok_or(err::NEURONS)?);
        }
        let x = cfg[ok + l..].to_vec();
        if x.iter().any(|v| !v.is_finite()) {
            return Err(err::INPUT);
        }
        Ok(Config { widths, cb, cw, lambda_b, lambda_w, act, order, seed: lo | (hi << 32), neurons, x })
    }

    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }
}

fn zeros(n: usize) -> Result<Vec<f64>, i32> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| err::ALLOC)?;
    v.resize(n, 0.0);
    Ok(v)
}

/// All buffers of one config shape; reused across calls (the thread-local cache below).
struct Work {
    widths: Vec<usize>,
    neurons: Vec<usize>,
    order: u32,
    // per layer m = 0 … L (index 0 is the input layer; W, b, z unused there)
    w: Vec<Vec<f64>>,
    wt: Vec<Vec<f64>>, // W⁽ᵐ⁾ᵀ, only for 2 ≤ m ≤ L−1 (back-propagation through the hidden layers)
    bias: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    s0: Vec<Vec<f64>>, // σ, σ′, σ″, σ‴ at layer m < L (s0[0] = x)
    s1: Vec<Vec<f64>>,
    s2: Vec<Vec<f64>>,
    s3: Vec<Vec<f64>>,
    c: Vec<f64>,  // c_m = λ_b⁽ᵐ⁾ + μ_m |s⁽ᵐ⁻¹⁾|²
    mu: Vec<f64>, // μ_m = λ_W⁽ᵐ⁾ / n_{m−1}
    zzc: Vec<f64>, // E[z_a² | layers < m] = C_b⁽ᵐ⁾ + C_W⁽ᵐ⁾|s⁽ᵐ⁻¹⁾|²/n_{m−1}
    // per target layer ℓ, per layer m < ℓ (k rows of n_m, row-major)
    rho: Vec<Vec<f64>>,
    delta: Vec<Vec<f64>>,
    zd: Vec<Vec<f64>>,
    gamma: Vec<Vec<f64>>, // k×k Gram of δ⁽ᵐ⁾
    sig: Vec<Vec<f64>>,   // σ⁽ᵐ⁾_b = s⁽ᵐ⁾·u̇⁽ᵐ⁾_b (zero at m = 0)
    gram: Vec<Vec<f64>>,  // G⁽ᵐ⁾_bd = u̇_b·u̇_d (zero at m = 0)
    // scratch
    stk: Vec<f64>, // the stacked directions fed to W (r × n_m)
    xs: Vec<f64>,  // the jets at the current layer (r × n_{m+1})
    tau: Vec<f64>, // τ_p for the pairs
    eye: Vec<f64>, // δ⁽ℓ⁾ rows: the k×k identity
    dd0: Vec<f64>, // δ̇ rows (k² × n)
    dd1: Vec<f64>,
    rhod: Vec<f64>, // W ᵀ δ̇ rows (k² × n)
    pidx: Vec<usize>,
    tidx: Vec<usize>,
    acc: Vec<f64>, // S, T, U per ordered pair (3 k²)
}

/// The number of stacked direction rows for k neurons at `order`.
fn rows(k: usize, order: u32) -> usize {
    k + if order >= 2 { k * (k + 1) / 2 } else { 0 } + if order >= 3 { k * (k - 1) } else { 0 }
}

impl Work {
    fn new(cfg: &Config) -> Result<Work, i32> {
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
        if total > MAX_WORK as u128 {
            return Err(err::ALLOC);
        }
        let r = rows(kmax, order);
        let mut s = Work {
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

    fn fits(&self, cfg: &Config) -> bool {
        self.widths == cfg.widths && self.neurons == cfg.neurons && self.order == cfg.order
    }

    /// Samples network `index` and adds its NQ values per layer to `out`.
    fn network(&mut self, cfg: &Config, index: u64, out: &mut [f64]) {
        let l = cfg.depth();
        let wd = &cfg.widths;
        let mut rng = Rng::new(cfg.seed, index);
        for m in 1..=l {
            rng.fill_normal(&mut self.w[m], (cfg.cw[m - 1] / wd[m - 1] as f64).sqrt());
            rng.fill_normal(&mut self.bias[m], cfg.cb[m - 1].sqrt());
        }
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
        let mut v = [0.0; NQ];
        for t in 1..=l {
            self.layer(cfg, t, &mut v);
            for (o, x) in out[(t - 1) * NQ..t * NQ].iter_mut().zip(v.iter()) {
                *o += *x;
            }
        }
    }

    /// The NQ values of layer `l` of the current network.
    fn layer(&mut self, cfg: &Config, l: usize, v: &mut [f64; NQ]) {
        let k = cfg.neurons[l - 1];
        let order = cfg.order;
        let wd = &cfg.widths;
        let np = (k * (k - 1)) as f64;
        v.fill(0.0);
        {
            let z = &self.z[l][..k];
            let mut s = 0.0;
            for &za in z {
                s += za * za;
            }
            v[q::ZZ] = s / k as f64;
            let mut s = 0.0;
            for a in 0..k {
                for b in 0..k {
                    if a != b {
                        s += (z[a] * z[a]) * (z[b] * z[b]);
                    }
                }
            }
            v[q::ZZZZ] = s / np;
            v[q::ZZC] = self.zzc[l];
            v[q::ZZC2] = self.zzc[l] * self.zzc[l];
        }
        if order == 0 {
            return;
        }

        // --- 1. back-propagation: ρ⁽ᵐ⁾, δ⁽ᵐ⁾ (and γ⁽ᵐ⁾) for m = ℓ−1 … 1
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

        // --- 2. forward jets through layers 1 … ℓ
        let p2 = if order >= 2 { k * (k + 1) / 2 } else { 0 };
        let t3 = if order >= 3 { k * (k - 1) } else { 0 };
        let r = k + p2 + t3;
        {
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
        for m in 0..l {
            let nm = wd[m];
            let nn = if m + 1 == l { k } else { wd[m + 1] };
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

        // --- statistics of Ĥ, dĤ, dd_IĤ (the jets now hold k components each)
        let z = &self.z[l][..k];
        let xs = &self.xs;
        let hh = |a: usize, b: usize| xs[b * k + a]; // Ĥ_ab = Dz_a[v_b]
        let mut s = 0.0;
        for a in 0..k {
            s += hh(a, a);
        }
        v[q::H] = s / k as f64;
        v[q::HZZC] = v[q::H] * self.zzc[l];
        let (mut s_hh, mut s_hzz, mut s_hab2, mut s_hzzab) = (0.0, 0.0, 0.0, 0.0);
        for a in 0..k {
            for b in 0..k {
                if a != b {
                    s_hh += hh(a, a) * hh(b, b);
                    s_hzz += hh(a, a) * (z[b] * z[b]);
                    s_hab2 += hh(a, b) * hh(a, b);
                    s_hzzab += hh(a, b) * z[a] * z[b];
                }
            }
        }
        v[q::HH] = s_hh / np;
        v[q::HZZ] = s_hzz / np;
        v[q::HAB2] = s_hab2 / np;
        v[q::HZZAB] = s_hzzab / np;
        if order >= 2 {
            let dh = |a: usize, b: usize, c: usize| xs[(k + self.pidx[b * k + c]) * k + a]; // dĤ_abc
            let (mut sp, mut sq, mut sn) = (0.0, 0.0, 0.0);
            for a in 0..k {
                for b in 0..k {
                    if a != b {
                        sp += dh(a, b, b) * z[a];
                        sq += dh(a, a, b) * z[b];
                        sn += dh(a, a, b) * z[a];
                    }
                }
            }
            v[q::P] = sp / np;
            v[q::Q] = sq / np;
            v[q::QNULL] = sn / np;
        }
        if order >= 3 {
            let mut sr = 0.0;
            for a in 0..k {
                for b in 0..k {
                    if a != b {
                        sr += xs[(k + p2 + self.tidx[a * k + b]) * k + a];
                    }
                }
            }
            v[q::R] = sr / np;
            let [s, t, u] = self.dd_ii(l, k);
            v[q::S] = s / np;
            v[q::T] = t / np;
            v[q::U] = u / np;
        }
    }

    /// Rows of the stacked directions at layer m ≥ 1: u̇_b = s′ż_b, ü_bc, ü_abb (see the module docs),
    /// and the scalars σ⁽ᵐ⁾_b, τ_bc, G⁽ᵐ⁾_bd.
    fn build_stack(&mut self, m: usize, k: usize, p2: usize, t3: usize) {
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

    /// Σ over ordered pairs a ≠ b of dd_IIĤ_aabb, dd_IIĤ_abab, dd_IIĤ_abba (reverse sweep, step 3).
    fn dd_ii(&mut self, l: usize, k: usize) -> [f64; 3] {
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

thread_local! {
    static WORK: RefCell<Option<Work>> = const { RefCell::new(None) };
}

/// Safe core of [`wf_ensemble_chunk`]: out[(ℓ−1)·NQ + q] = Σ over networks first … first+count−1 of
/// value q of layer ℓ (summed in index order, starting from 0).
pub fn ensemble_chunk(cfg: &[f64], first: f64, count: u32, out: &mut [f64]) -> Result<(), i32> {
    let cfg = Config::parse(cfg)?;
    let l = cfg.depth();
    const LIMIT: u64 = 1 << 53; // network indices must stay exact in an f64
    if !(first >= 0.0 && first <= LIMIT as f64 && first.fract() == 0.0) || first as u64 + count as u64 > LIMIT {
        return Err(err::RANGE);
    }
    if out.len() < l * NQ {
        return Err(err::LENGTH);
    }
    let first = first as u64;
    WORK.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.fits(&cfg)) {
            *slot = None; // free the old workspace before allocating the new one
            *slot = Some(Work::new(&cfg)?);
        }
        let work = slot.as_mut().unwrap();
        let out = &mut out[..l * NQ];
        out.fill(0.0);
        for i in 0..count as u64 {
            work.network(&cfg, first + i, out);
        }
        Ok(())
    })
}

/// Samples networks `first … first+count−1` (network i uses `Rng::new(seed, i)`) and WRITES
/// out[(ℓ−1)·14 + q] = Σ over those networks of per-network value q (see [`q`]) of layer ℓ.
///
/// `cfg` (cfg_len f64 values):
/// ```text
/// [0] L   [1] n0   [2 .. 2+L) n_1 … n_L
/// [oh = 2+L]  for ℓ = 1..L: Cb, CW, lambdaB, lambdaW
/// [oa = 2+5L] activation kind, activation parameter a, order (0 z | 1 +Ĥ | 2 +dĤ | 3 +ddĤ), seed_lo, seed_hi
/// [ok = oa+5] k_ℓ for ℓ = 1..L (2 ≤ k_ℓ ≤ n_ℓ)
/// [ox = ok+L] x (n0 values)
/// ```
/// `out` holds 14·L values. Returns 0, or a negative code of [`err`] for a malformed config (checked
/// before any work; nothing traps). The workspace is cached per thread and reused while the shape
/// (widths, k_ℓ, order) does not change.
// The export is the C ABI boundary: its pointers come from the caller (`wf_alloc` blocks).
#[allow(clippy::not_unsafe_ptr_arg_deref)]
#[no_mangle]
pub extern "C" fn wf_ensemble_chunk(cfg: *const f64, cfg_len: u32, first: f64, count: u32, out: *mut f64) -> i32 {
    if cfg.is_null() || out.is_null() {
        return err::NULL;
    }
    let cfg = unsafe { crate::memory::slice(cfg, cfg_len as usize) };
    let l = match cfg.first() {
        Some(&v) => match as_int(v, 1, MAX_DEPTH) {
            Some(l) => l,
            None => return err::LENGTH,
        },
        None => return err::LENGTH,
    };
    let out = unsafe { crate::memory::slice_mut(out, l * NQ) };
    match ensemble_chunk(cfg, first, count, out) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// Drops the cached workspace of [`wf_ensemble_chunk`] (its memory returns to the allocator; wasm
/// memory itself never shrinks). The next chunk allocates a fresh one.
#[no_mangle]
pub extern "C" fn wf_ensemble_release() {
    WORK.with(|cell| *cell.borrow_mut() = None);
}
