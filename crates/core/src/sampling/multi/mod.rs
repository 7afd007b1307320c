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
//! **2. Forward jets** at input α (rows r = (d, α); ż⁽¹⁾ = c⁽¹⁾_{αβ}δ⁽¹⁾_d):
//! ```text
//! ż⁽ᵐ⁺¹⁾_α[d] = c⁽ᵐ⁺¹⁾_{αβ} δ_d + W u̇_α[d],   u̇ = s′_α ż,   σ_{α,β′}[d] = s_β′·u̇_α[d],   Ĥ_{ab;αβ} = ż⁽ℓ⁾_α[(b,β)]_a
//! ```
//! No second-order jet is propagated. The second-order jet obeys z̈⁽ᵐ⁺¹⁾[d₁d₂] = r₂⁽ᵐ⁺¹⁾ + W(s″ż₁ż₂ + s′z̈⁽ᵐ⁾)
//! with r₂⁽ᵐ⁾ = μ_m(δ⁽ᵐ⁾_{d₁} σ⁽ᵐ⁻¹⁾_{α,β₁}[d₂] + δ⁽ᵐ⁾_{d₂} σ⁽ᵐ⁻¹⁾_{α,β₂}[d₁]), z̈⁽¹⁾ = 0: linear in its own previous
//! layer, so any linear functional Σ_m w⁽ᵐ⁾·z̈⁽ᵐ⁾ telescopes against the adjoint of that recursion. With the
//! plain back-propagation rows (adjoint of e_a) it gives **dĤ** for e = (a, α):
//! ```text
//! dĤ_{a;α}[d₁, d₂] = Σ_{m=1}^{ℓ−1} ρ⁽ᵐ⁾_e·(s″_α ż_α[d₁] ż_α[d₂]) + Σ_{m=2}^{ℓ} μ_m (γ⁽ᵐ⁾_{e,d₁} σ⁽ᵐ⁻¹⁾_{α,β₁}[d₂] + γ⁽ᵐ⁾_{e,d₂} σ⁽ᵐ⁻¹⁾_{α,β₂}[d₁])
//! ```
//! (γ⁽ℓ⁾_{e,d} = 1 when e and d share the neuron, else 0): O(ℓn) per value, for the k²N³ values dĤ_{ijj} and
//! dĤ_{iij} the estimators need — instead of z̈ rows for all (kN)²N/2 pairs and inputs through every W.
//!
//! **3. Hessian–vector products** g_{e[d]} = ∇_θ(Dz_e[v_d]): on b⁽ᵐ⁾ δ̇⁽ᵐ⁾_{e[d]}, on W⁽ᵐ⁾
//! δ̇⁽ᵐ⁾_{e[d]} ⊗ s_α + δ⁽ᵐ⁾_e ⊗ u̇⁽ᵐ⁻¹⁾_α[d], with (ρ̇⁽ᵐ⁾ = W⁽ᵐ⁺¹⁾ᵀδ̇⁽ᵐ⁺¹⁾, κ⁽ᵐ⁾_{e,d} = ρ̇⁽ᵐ⁾_{e[d]} + μ_{m+1} γ⁽ᵐ⁺¹⁾_{e,d} s⁽ᵐ⁾_β)
//! ```text
//! δ̇⁽ℓ⁾ = 0,   δ̇⁽ᵐ⁾_{e[d]} = s″_α ż⁽ᵐ⁾_α[d] ρ⁽ᵐ⁾_e + s′_α κ⁽ᵐ⁾_{e,d}
//! ⟨g_{e[d]}, g_{e′[d′]}⟩_λ = Σ_m c⁽ᵐ⁾_{αα′} δ̇·δ̇′ + μ_m [(δ̇·δ_{e′}) σ⁽ᵐ⁻¹⁾_{α′,α}[d′] + (δ̇′·δ_e) σ⁽ᵐ⁻¹⁾_{α,α′}[d] + γ⁽ᵐ⁾_{ee′} u̇_α[d]·u̇_{α′}[d′]]
//! S: ⟨g_{(i,δ1)[(j,δ3)]}, g_{(i,δ2)[(j,δ4)]}⟩   T: ⟨g_{(i,δ1)[(i,δ3)]}, g_{(j,δ2)[(j,δ4)]}⟩   U: ⟨g_{(i,δ1)[(j,δ3)]}, g_{(j,δ2)[(i,δ4)]}⟩
//! ```
//! **dd_IĤ from the same rows.** Reverse accumulation of the third-order jet (as for dĤ, one order up) gives
//! dd_IĤ_e[d₁,d₂,d₃] = Σ_{m<ℓ} ρ⁽ᵐ⁾_e·h⁽ᵐ⁾ + Σ_{m=2}^{ℓ} μ_m Σ_cyc γ⁽ᵐ⁾_{e,d₁} s⁽ᵐ⁻¹⁾_{β₁}·(s″ż₂ż₃ + s′z̈₂₃)⁽ᵐ⁻¹⁾ with
//! h = s‴ż₁ż₂ż₃ + s″(z̈₁₂ż₃ + z̈₁₃ż₂ + z̈₂₃ż₁). Its z̈₂₃ terms are Σ_m w⁽ᵐ⁾·z̈⁽ᵐ⁾[d₂d₃] with
//! w⁽ᵐ⁾ = s″ż[d₁]ρ_e + μ_{m+1}γ⁽ᵐ⁺¹⁾_{e,d₁} s′s_{β₁}: exactly the source of δ̇_{e[d₁]}, whose recursion
//! δ̇⁽ᵐ⁾ = w⁽ᵐ⁾ + s′ ρ̇⁽ᵐ⁾ is the adjoint of the z̈ recursion. Telescoping,
//! Σ_{m=1}^{ℓ−1} w⁽ᵐ⁾·z̈⁽ᵐ⁾ = Σ_{m=2}^{ℓ−1} δ̇⁽ᵐ⁾·r₂⁽ᵐ⁾ + Σ_{m=1}^{ℓ−1} ρ̇⁽ᵐ⁾·(s″ż₂ż₃), so
//! ```text
//! dd_IĤ_{a;α}[d₁,d₂,d₃] = Σ_{m=1}^{ℓ−1} [ρ_e·(s‴ż₁ż₂ż₃) + Σ_cyc κ_{e,d₁}·(s″ż₂ż₃)]
//!                        + Σ_{m=2}^{ℓ−1} μ_m Σ_cyc [(δ̇_{e[d₁]}·δ_{d₂}) σ_{α,β₂}[d₃] + (δ̇_{e[d₁]}·δ_{d₃}) σ_{α,β₃}[d₂]]
//! ```
//! (all at input α, layer m). For one (i, j, α) the n-sums over all (β₁, β₂, β₃) are one product
//! [ρs‴ż₁ + s″κ₁ | s″ż₁]·[ż₂ż₃ | ż₃κ₂ + ż₂κ₃]ᵀ (N × 2n by 2n × N², `gemm_nt`); the δ̇·δ dots are the table
//! dd_IIĤ already builds.
//!
//! # Cost per network (for each target layer ℓ; the sum over ℓ adds a factor L)
//! Forward pass O(N·L·n²). Order 1: kN² jet rows through each W⁽ᵐ⁾, O(N²·k·ℓ·n²). Order 2: dĤ O(N³·k²·ℓ·n)
//! (k²N³ values of O(ℓn)). Order 3: the HVP rows (kN)² through each W, O(N²·k²·ℓ·n²); dd_IĤ and dd_IIĤ from
//! them O(N⁴·k²·ℓ·n) (as matrix products: dd_IĤ's n-sums per (i, j, α), and the δ̇·δ̇ dots of S, T, U as three
//! N² × N² Gram blocks per neuron pair, gathered rows (i,α;j,γ), (j,α;i,γ), (i,α;i,γ), (j,α;j,γ)). So
//! O(N²k²ℓn² + N⁴k²ℓn) in all: within the issue's O(N²k²Ln²) whenever N² ≤ n; the N⁴k² values of dd_IĤ and
//! dd_IIĤ each need at least one n-sum. Memory: ż rows of every layer below ℓ (kN²·n per layer), three (kN)²·n
//! HVP buffers and O(N²n + N⁴) scratch; no N³·n term.
//!
//! # Reproducibility
//! Fixed summation orders of `numerics::gemm`; the TS twin `ts/twin/sampling/multi/` performs the same
//! floating-point operations in the same order.
mod conditional;
mod config;
mod forward;
mod hvp;
mod jets;
mod stats;
mod workspace;

pub use conditional::Z_DEGREE;
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
        self.conditional(cfg);
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
/// value q of layer ℓ (len = 8N² + 13N⁴, summed in index order from 0).
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
        work.cond.prepare(&cfg);
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
