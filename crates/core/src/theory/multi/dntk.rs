//! The dNTK and ddNTK means with sample indices, P, Q, R, S, T, U (PDLT §11.2, §∞.3; index
//! conventions of docs/theory/multi.md §7, derivation there): one step ℓ → ℓ+1 of their recursions.
//! Twin: `ts/twin/theory/multi/dntk.ts`.
//!
//! Indices a, b, c, d stand for the slots 0 … 3; χ⊥_ab = C_W⟨σ′_aσ′_b⟩, φ_ab^p = C_W⟨∂_p(σ′_aσ_b)⟩,
//! ω̃_ab^p = λ_W⟨∂_p(σ′_aσ_b)⟩ + C_WΘ_ab⟨∂_p(σ″_aσ′_b)⟩, X1_abcd = ⟨σ″_aσ′_bσ′_cσ_d⟩, X2 = ⟨σ″σ″σ′σ′⟩,
//! X3 = ⟨σ‴σ′σ′σ′⟩, S2_abcd = ⟨σ′_aσ′_bσ_cσ_d⟩, S4 = ⟨σ′σ′σ′σ′⟩; p, q, ρ run over the samples of the pair
//! that carries the derivative:
//! ```text
//! P'_abcd = C_W²Θ_abΘ_ac X1_abcd + r χ⊥_bc [C_W⟨σ″_aσ_d⟩ B_aabc + φ_ad^ρ P_abcρ]
//! Q'_abcd = λ_WC_WΘ_ac S2_acbd + C_W²Θ_abΘ_ac X1_abcd + r [χ⊥_ab φ_cd^ρ Q_abcρ + ω̃_ab^p φ_cd^q F_apcq]
//! R'_abcd = λ_WC_WΘ_acΘ_ad X1_acdb + C_W²Θ_abΘ_acΘ_ad X3_abcd
//!           + r [χ⊥_abχ⊥_cd R_abcd + χ⊥_cd (λ_W⟨σ″_aσ_b⟩ + C_WΘ_ab⟨σ‴_aσ′_b⟩) B_aacd + χ⊥_cd ω̃_ab^ρ P_acdρ]
//! S'_abcd = λ_WC_WΘ_acΘ_bd S4_abcd + C_W²Θ_abΘ_acΘ_bd X2_abcd
//!           + r [χ⊥_cd (λ_W⟨σ′_aσ′_b⟩ + C_WΘ_ab⟨σ″_aσ″_b⟩) B_abcd + χ⊥_abχ⊥_cd S_abcd]
//! T'_abcd = λ_W²Θ_ab S2_abcd + λ_WC_WΘ_abΘ_bd X1_badc + λ_WC_WΘ_abΘ_ac X1_abcd + C_W²Θ_abΘ_acΘ_bd X2_abcd
//!           + r [ω̃_ac^p ω̃_bd^q F_apbq + χ⊥_bd ω̃_ac^ρ Q_bdaρ + χ⊥_ac ω̃_bd^ρ Q_acbρ + χ⊥_acχ⊥_bd T_abcd]
//! U'_abcd = C_W²Θ_abΘ_acΘ_bd X2_abcd + r χ⊥_ad χ⊥_bc U_abcd
//! ```
use super::step::{Coef, LayerData};
use super::{idx4, MultiLayer};
use crate::theory::recursion::LayerHyper;

/// Fills out.p … out.u (every entry; the caller then overwrites the all-equal ones with the
/// single-input recursion).
pub(super) fn next_dntk(ld: &LayerData, prev: &MultiLayer, coef: &[Coef], h: &LayerHyper, r: f64, out: &mut MultiLayer) {
    let n = prev.n;
    let (cw, lw) = (h.cw, h.lambda_w);
    let cw2 = cw * cw;
    let th = |i: usize, j: usize| prev.theta[i * n + j];
    for a in 0..n {
        for b in 0..n {
            let cab = &coef[a * n + b];
            let th_ab = th(a, b);
            for c in 0..n {
                let cac = &coef[a * n + c];
                let cbc = &coef[b * n + c];
                let th_ac = th(a, c);
                for d in 0..n {
                    let i = idx4(n, a, b, c, d);
                    let ccd = &coef[c * n + d];
                    let cad = &coef[a * n + d];
                    let cbd = &coef[b * n + d];
                    let th_bd = th(b, d);
                    let x1 = ld.x1[i];
                    let x2 = ld.x2[i];
                    let th3 = th_ab * th_ac * th_bd;

                    let mut pr = 0.0;
                    for k in 0..cad.m {
                        pr += cad.phi[k] * prev.p[idx4(n, a, b, c, cad.s[k])];
                    }
                    out.p[i] = cw2 * th_ab * th_ac * x1 + r * cbc.chi_perp * (cw * cad.sdd * prev.b[idx4(n, a, a, b, c)] + pr);

                    let mut qq = 0.0;
                    for k in 0..ccd.m {
                        qq += ccd.phi[k] * prev.q[idx4(n, a, b, c, ccd.s[k])];
                    }
                    let mut qf = 0.0;
                    for k in 0..cab.m {
                        for l in 0..ccd.m {
                            qf += cab.wt[k] * ccd.phi[l] * prev.f[idx4(n, a, cab.s[k], c, ccd.s[l])];
                        }
                    }
                    out.q[i] = lw * cw * th_ac * ld.s2[idx4(n, a, c, b, d)] + cw2 * th_ab * th_ac * x1 + r * (cab.chi_perp * qq + qf);

                    let mut rp = 0.0;
                    for k in 0..cab.m {
                        rp += cab.wt[k] * prev.p[idx4(n, a, c, d, cab.s[k])];
                    }
                    let th_ad = th(a, d);
                    out.r[i] = lw * cw * th_ac * th_ad * ld.x1[idx4(n, a, c, d, b)]
                        + cw2 * th_ab * th_ac * th_ad * ld.x3[i]
                        + r * (cab.chi_perp * ccd.chi_perp * prev.r[i]
                            + ccd.chi_perp * ((lw * cab.sdd + cw * th_ab * cab.tdd) * prev.b[idx4(n, a, a, c, d)] + rp));

                    out.s[i] = lw * cw * th_ac * th_bd * ld.s4[i]
                        + cw2 * th3 * x2
                        + r * (ccd.chi_perp * (lw * cab.edd + cw * th_ab * cab.dd2) * prev.b[i] + cab.chi_perp * ccd.chi_perp * prev.s[i]);

                    let mut tf = 0.0;
                    for k in 0..cac.m {
                        for l in 0..cbd.m {
                            tf += cac.wt[k] * cbd.wt[l] * prev.f[idx4(n, a, cac.s[k], b, cbd.s[l])];
                        }
                    }
                    let mut tq1 = 0.0;
                    for k in 0..cac.m {
                        tq1 += cac.wt[k] * prev.q[idx4(n, b, d, a, cac.s[k])];
                    }
                    let mut tq2 = 0.0;
                    for k in 0..cbd.m {
                        tq2 += cbd.wt[k] * prev.q[idx4(n, a, c, b, cbd.s[k])];
                    }
                    out.t[i] = lw * lw * th_ab * ld.s2[i]
                        + lw * cw * th_ab * th_bd * ld.x1[idx4(n, b, a, d, c)]
                        + lw * cw * th_ab * th_ac * x1
                        + cw2 * th3 * x2
                        + r * (tf + cbd.chi_perp * tq1 + cac.chi_perp * tq2 + cac.chi_perp * cbd.chi_perp * prev.t[i]);

                    out.u[i] = cw2 * th3 * x2 + r * cad.chi_perp * cbc.chi_perp * prev.u[i];
                }
            }
        }
    }
}
