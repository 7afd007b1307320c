//! The per-network values of one layer: the NQ statistics of z, Ĥ, dĤ, dd_IĤ, dd_IIĤ over the first
//! k_ℓ neurons that the ensemble estimators average (docs/theory/ensembles.md).
use super::config::Config;
use super::workspace::Workspace;

/// Number of per-network values per layer (`networkStats` in schema/layout.json).
pub const NQ: usize = crate::ffi::layout::network_stats::LEN;

/// Indices of the per-network values (each a mean over the first k_ℓ neurons a, or over the
/// k(k−1) ordered pairs a ≠ b of them): generated from schema/layout.json, where each is documented
/// and where a new statistic is added (schema/README.md).
pub use crate::ffi::layout::network_stats as q;

impl Workspace {
    /// The NQ values of layer `l` of the current network (after `draw` and `forward`).
    pub(super) fn layer(&mut self, cfg: &Config, l: usize, v: &mut [f64; NQ]) {
        let k = cfg.neurons[l - 1];
        let order = cfg.order;
        v.fill(0.0);
        self.z_values(l, k, v);
        // computed for every layer at once by `conditional` (zero for the Ĥ ones at order 0)
        [v[q::G2], v[q::GCV], v[q::HC1], v[q::H2], v[q::HCV]] = self.cond.out[l];
        if order == 0 {
            return;
        }
        self.back_propagate(l, k, order);
        self.forward_jets(l, k, order);
        self.jet_values(l, k, order, v);
    }

    /// ZZ, ZZZZ, ZZC, ZZC2 of layer `l`.
    pub(super) fn z_values(&self, l: usize, k: usize, v: &mut [f64; NQ]) {
        let np = (k * (k - 1)) as f64;
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

    /// H, HZZC, HH, HZZ, HAB2, HZZAB (order ≥ 1), P, Q, QNULL (order ≥ 2), R, S, T, U (order ≥ 3)
    /// from the jets in `xs` (k components each) and, for S, T, U, the HVP sweep.
    pub(super) fn jet_values(&mut self, l: usize, k: usize, order: u32, v: &mut [f64; NQ]) {
        let np = (k * (k - 1)) as f64;
        let p2 = if order >= 2 { k * (k + 1) / 2 } else { 0 };
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
}
