//! Sampled networks on N inputs: per network, exactly (no finite differences), the preactivations
//! z_{i;α}, the NTK Ĥ_{ij;αβ}, the dNTK dĤ and the ddNTKs dd_IĤ, dd_IIĤ with sample indices for the first
//! k_ℓ neurons of every layer, reduced to the per-network values `multiNetworkStats` of
//! schema/layout.json (docs/theory/ensembles.md §5). The single-input kernel (`sampling::network`) is the
//! special case N = 1, and this one reproduces it to rounding (test/ensemble-multi.test.ts).
//!
//! # Definitions
//! Network i of a run is the single-input ensemble's network i (same `draw_parameters`), evaluated at
//! every input x_α (α = 0 … N−1). With v_{b;β} ≡ λ∇_θ z_{b;β} (λ_b⁽ᵐ⁾ on b⁽ᵐ⁾, μ_m = λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾):
//! ```text
//! Ĥ_{ab;αβ} = Dz_{a;α}[v_{b;β}]    dĤ_{a0a1a2;δ0δ1δ2} = D²z_{a0;δ0}[v_{a1;δ1}, v_{a2;δ2}]
//! dd_IĤ_{a0a1a2a3;δ0…δ3} = D³z_{a0;δ0}[v_{a1;δ1}, v_{a2;δ2}, v_{a3;δ3}]
//! dd_IIĤ_{a1a2a3a4;δ1…δ4} = ⟨Hess(z_{a1;δ1}) v_{a3;δ3}, Hess(z_{a2;δ2}) v_{a4;δ4}⟩_λ   (placement A)
//! ```
//!
//! # Algorithm for target layer ℓ (k = k_ℓ; a direction d = (b, β), D = kN of them)
//! The single-input algorithm of `sampling::network` with every direction carrying its own input β
//! and every jet evaluated at every input α. s = σ(z), s′, s″, s‴ are taken at the input of the row.
//!
//! **1. Back-propagation**, one row per direction: δ⁽ℓ⁾_d = e_b, ρ⁽ᵐ⁾_d = W⁽ᵐ⁺¹⁾ᵀδ⁽ᵐ⁺¹⁾_d,
//! δ⁽ᵐ⁾_d = s′_β ⊙ ρ⁽ᵐ⁾_d, γ⁽ᵐ⁾_{dd′} = δ⁽ᵐ⁾_d·δ⁽ᵐ⁾_{d′}. The weight part of v_d at layer m is μ_m δ⁽ᵐ⁾_d ⊗ s⁽ᵐ⁻¹⁾_β,
//! so applied to s⁽ᵐ⁻¹⁾_α it gives μ_m δ_d (s_β·s_α): the constant c_m = λ_b + μ|s|² of one input becomes
//! c⁽ᵐ⁾_{αβ} = λ_b⁽ᵐ⁾ + μ_m s⁽ᵐ⁻¹⁾_α·s⁽ᵐ⁻¹⁾_β.
//!
//! **2. Forward jets** at input α (rows r = (d, α) and (p, α), p a pair d₁ ≤ d₂; ż⁽¹⁾ = c⁽¹⁾_{αβ}δ⁽¹⁾_d, z̈⁽¹⁾ = 0):
//! ```text
//! ż⁽ᵐ⁺¹⁾_α[d]      = c⁽ᵐ⁺¹⁾_{αβ} δ_d + W u̇_α[d]                   u̇ = s′_α ż,  σ_{α,β′}[d] = s_β′·u̇_α[d]
//! z̈⁽ᵐ⁺¹⁾_α[d₁d₂]   = μ (δ_{d₁} σ_{α,β₁}[d₂] + δ_{d₂} σ_{α,β₂}[d₁]) + W ü_α   ü = s″_α ż₁ż₂ + s′_α z̈₁₂,  τ_{α,β′} = s_β′·ü_α
//! Ĥ_{ab;αβ} = ż⁽ℓ⁾_α[(b,β)]_a,   dĤ_{a;α}[d₁, d₂] = z̈⁽ℓ⁾_α[d₁d₂]_a
//! ```
//! **dd_IĤ by reverse accumulation.** The third-order jet obeys z⃛⁽ᵐ⁺¹⁾ = r⁽ᵐ⁺¹⁾ + W(h⁽ᵐ⁾ + s′z⃛⁽ᵐ⁾) with
//! h = s‴ż₁ż₂ż₃ + s″(z̈₁₂ż₃ + z̈₁₃ż₂ + z̈₂₃ż₁) and r⁽ᵐ⁾ = μ_m Σ_cyc δ⁽ᵐ⁾_{d₁} τ⁽ᵐ⁻¹⁾_{α,β₁}[d₂d₃]; telescoping
//! δ⁽ᵐ⁺¹⁾·z⃛⁽ᵐ⁺¹⁾ = δ⁽ᵐ⁺¹⁾·r⁽ᵐ⁺¹⁾ + ρ⁽ᵐ⁾·h⁽ᵐ⁾ + δ⁽ᵐ⁾·z⃛⁽ᵐ⁾ gives, for e = (a, α),
//! ```text
//! dd_IĤ_{a;α}[d₁,d₂,d₃] = Σ_{m=2}^{ℓ} μ_m Σ_cyc γ⁽ᵐ⁾_{e,d₁} τ⁽ᵐ⁻¹⁾_{α,β₁}[d₂d₃] + Σ_{m=1}^{ℓ−1} ρ⁽ᵐ⁾_e·h⁽ᵐ⁾_α
//! ```
//! (γ⁽ℓ⁾_{e,d} = 1 when e and d share the neuron, else 0): O(n) per value instead of a matrix product per
//! direction triple.
//!
//! **3. Hessian–vector products** g_{e[d]} = ∇_θ(Dz_e[v_d]): on b⁽ᵐ⁾ δ̇⁽ᵐ⁾_{e[d]}, on W⁽ᵐ⁾
//! δ̇⁽ᵐ⁾_{e[d]} ⊗ s_α + δ⁽ᵐ⁾_e ⊗ u̇⁽ᵐ⁻¹⁾_α[d], with
//! ```text
//! δ̇⁽ℓ⁾ = 0,   δ̇⁽ᵐ⁾_{e[d]} = s″_α ż⁽ᵐ⁾_α[d] ρ⁽ᵐ⁾_e + s′_α (W⁽ᵐ⁺¹⁾ᵀ δ̇⁽ᵐ⁺¹⁾_{e[d]} + μ_{m+1} γ⁽ᵐ⁺¹⁾_{e,d} s⁽ᵐ⁾_β)
//! ⟨g_{e[d]}, g_{e′[d′]}⟩_λ = Σ_m c⁽ᵐ⁾_{αα′} δ̇·δ̇′ + μ_m [(δ̇·δ_{e′}) σ⁽ᵐ⁻¹⁾_{α′,α}[d′] + (δ̇′·δ_e) σ⁽ᵐ⁻¹⁾_{α,α′}[d] + γ⁽ᵐ⁾_{ee′} u̇_α[d]·u̇_{α′}[d′]]
//! S: ⟨g_{(i,δ1)[(j,δ3)]}, g_{(i,δ2)[(j,δ4)]}⟩   T: ⟨g_{(i,δ1)[(i,δ3)]}, g_{(j,δ2)[(j,δ4)]}⟩   U: ⟨g_{(i,δ1)[(j,δ3)]}, g_{(j,δ2)[(i,δ4)]}⟩
//! ```
//!
//! # Cost per network (for each target layer ℓ; the sum over ℓ adds a factor L)
//! Forward pass O(N·L·n²). Order 1: kN² jet rows through each W⁽ᵐ⁾, O(N²·k·ℓ·n²). Order 2: the
//! kN(kN+1)/2 direction pairs at N inputs, O(N³·k²·ℓ·n²). Order 3: dd_IĤ O(N⁴·k²·ℓ·n) by the reverse
//! accumulation, the HVP rows (kN)² through each W, O(N²·k²·ℓ·n²), and their products O(N⁴·k²·ℓ·n).
//! So O(N³k²ℓn² + N⁴k²ℓn) in all: the brief's O(N²k²ℓn²) holds for the Ĥ and dd_IIĤ parts, while
//! dĤ with its N³ sample triples (k²N³ values per layer, each a row of the forward jet) costs N³.
//! Memory: the jets of every layer below ℓ are kept (kN²·n and k²N³·n/2 per layer).
//!
//! # Reproducibility
//! Fixed summation orders of `numerics::gemm`; the TS twin `ts/twin/sampling/multi/` performs the same
//! floating-point operations in the same order.
mod config;
mod forward;
mod hvp;
mod jets;
mod stats;
mod workspace;

pub use config::Config;
pub use workspace::{workspace_doubles, MAX_WORK};

use crate::ffi::layout::multi_network_stats as ms;
use crate::ffi::status::Status;
use std::cell::RefCell;
use workspace::Workspace;

impl Workspace {
    /// Samples network `index` and adds its per-layer values to `out`.
    fn network(&mut self, cfg: &Config, index: u64, out: &mut [f64]) {
        let l = cfg.depth();
        let len = ms::len(cfg.inputs);
        self.draw(cfg, index);
        self.forward(cfg);
        for t in 1..=l {
            self.layer(cfg, t);
            for (o, x) in out[(t - 1) * len..t * len].iter_mut().zip(self.v.iter()) {
                *o += *x;
            }
        }
    }
}

thread_local! {
    static WORK: RefCell<Option<Workspace>> = const { RefCell::new(None) };
}

/// Safe core of `wf_ensemble_multi_chunk`: out[(ℓ−1)·len + q] = Σ over networks first … first+count−1 of
/// value q of layer ℓ (len = 3N² + 13N⁴, summed in index order from 0).
pub fn ensemble_multi_chunk(cfg: &[f64], first: f64, count: u32, out: &mut [f64]) -> Result<(), Status> {
    let cfg = Config::parse(cfg)?;
    let l = cfg.depth();
    const LIMIT: u64 = 1 << 53;
    if !(first >= 0.0 && first <= LIMIT as f64 && first.fract() == 0.0) || first as u64 + count as u64 > LIMIT {
        return Err(Status::Range);
    }
    let len = ms::len(cfg.inputs);
    if out.len() < l * len {
        return Err(Status::Length);
    }
    let first = first as u64;
    WORK.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.fits(&cfg)) {
            *slot = None;
            *slot = Some(Workspace::new(&cfg)?);
        }
        let work = slot.as_mut().unwrap();
        let out = &mut out[..l * len];
        out.fill(0.0);
        for i in 0..count as u64 {
            work.network(&cfg, first + i, out);
        }
        Ok(())
    })
}

/// Drops the cached workspace.
pub fn release_multi_workspace() {
    WORK.with(|cell| *cell.borrow_mut() = None);
}
