//! Sampled networks: the per-network values of z, Ĥ, dĤ, dd_IĤ, dd_IIĤ that the ensemble
//! estimators average (PDLT §4, §8, §11.2, §∞.3; definitions in docs/theory/recursions.md §0, §1.3, estimators in
//! docs/theory/ensembles.md).
//!
//! ```text
//! network   z⁽¹⁾ = b⁽¹⁾ + W⁽¹⁾x,  z⁽ᵐ⁺¹⁾ = b⁽ᵐ⁺¹⁾ + W⁽ᵐ⁺¹⁾σ(z⁽ᵐ⁾),  W⁽ᵐ⁾ ~ N(0, C_W⁽ᵐ⁾/n_{m−1}),  b⁽ᵐ⁾ ~ N(0, C_b⁽ᵐ⁾)
//! metric    λ_b⁽ᵐ⁾ on b⁽ᵐ⁾,  μ_m ≡ λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾;   v_i ≡ λ∇z_i;   Dᵏz[u₁,…] = k-th directional derivative
//! values    Ĥ_ab = Dz_a[v_b],  dĤ_abc = D²z_a[v_b, v_c],  dd_IĤ_abcd = D³z_a[v_b, v_c, v_d],
//!           dd_IIĤ_abcd = ⟨g_{a[c]}, g_{b[d]}⟩_λ,  g_{a[b]} ≡ Hess(z_a)·v_b   (placement A, docs/theory/recursions.md §1.3)
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
//! Every product uses the fixed summation orders of `numerics::gemm`, and the TS twin
//! (`ts/twin/sampling/network/`) performs the same
//! floating-point operations in the same order, so the two backends agree bit for bit whenever σ
//! and the RNG do.
//!
//! # Files
//! `config` (the decoded config), `workspace` (the per-shape buffers), `forward` (draw, forward pass,
//! back-propagation: step 1), `jets` (step 2), `hvp` (step 3), `stats` (the NQ values of a layer),
//! `conditional` (the Rao–Blackwellized G and H with control variates, over all neurons of the layers below);
//! this file holds the per-thread workspace cache and [`ensemble_chunk`].
mod conditional;
pub(crate) mod config;
mod forward;
mod hvp;
mod jets;
mod stats;
mod workspace;

pub use config::Config;
pub use forward::draw_parameters;
pub use stats::{q, NQ};

use crate::ffi::status::Status;
use std::cell::RefCell;
use workspace::Workspace;

impl Workspace {
    /// Samples network `index` and adds its NQ values per layer to `out`.
    fn network(&mut self, cfg: &Config, index: u64, out: &mut [f64]) {
        let l = cfg.depth();
        self.draw(cfg, index);
        self.forward(cfg);
        self.conditional(cfg);
        let mut v = [0.0; NQ];
        for t in 1..=l {
            self.layer(cfg, t, &mut v);
            for (o, x) in out[(t - 1) * NQ..t * NQ].iter_mut().zip(v.iter()) {
                *o += *x;
            }
        }
    }
}

thread_local! {
    static WORK: RefCell<Option<Workspace>> = const { RefCell::new(None) };
}

/// Safe core of `wf_ensemble_chunk` (`ffi::exports`): out[(ℓ−1)·NQ + q] = Σ over networks first … first+count−1 of
/// value q of layer ℓ (summed in index order, starting from 0).
pub fn ensemble_chunk(cfg: &[f64], first: f64, count: u32, out: &mut [f64]) -> Result<(), Status> {
    let cfg = Config::parse(cfg)?;
    let l = cfg.depth();
    const LIMIT: u64 = 1 << 53; // network indices must stay exact in an f64
    if !(first >= 0.0 && first <= LIMIT as f64 && first.fract() == 0.0) || first as u64 + count as u64 > LIMIT {
        return Err(Status::Range);
    }
    if out.len() < l * NQ {
        return Err(Status::Length);
    }
    let first = first as u64;
    WORK.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.fits(&cfg)) {
            *slot = None; // free the old workspace before allocating the new one
            *slot = Some(Workspace::new(&cfg)?);
        }
        let work = slot.as_mut().unwrap();
        work.cond.prepare(&cfg);
        let out = &mut out[..l * NQ];
        out.fill(0.0);
        for i in 0..count as u64 {
            work.network(&cfg, first + i, out);
        }
        Ok(())
    })
}

/// Drops the cached workspace (its memory returns to the allocator; wasm memory itself never
/// shrinks). The next chunk allocates a fresh one.
pub fn release_workspace() {
    WORK.with(|cell| *cell.borrow_mut() = None);
}
