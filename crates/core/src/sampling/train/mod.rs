//! Trained networks: full-batch gradient descent on the MSE loss, per sampled network, recording the
//! outputs on training and test inputs, the loss curve and the empirical NTK on the data
//! (PDLT §7.2, §10.1; conventions in docs/theory/training.md, algorithm in docs/theory/trainer.md).
//!
//! ```text
//! network  z⁽¹⁾_δ = b⁽¹⁾ + W⁽¹⁾x_δ,  z⁽ᵐ⁺¹⁾_δ = b⁽ᵐ⁺¹⁾ + W⁽ᵐ⁺¹⁾σ(z⁽ᵐ⁾_δ)      (network i = RNG stream i,
//!          drawn by `sampling::network::draw_parameters`, the ensembles' sampler)
//! loss     𝓛 = ½ Σ_{α ∈ train} Σ_i (z⁽ᴸ⁾_{i;α} − y_{i;α})²
//! step     θ_μ ← θ_μ − η λ_μ ∂𝓛/∂θ_μ,   λ = λ_b⁽ᵐ⁾ on b⁽ᵐ⁾,  λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾
//! NTK      Θ̂_{ij;δδ'} = Σ_μ λ_μ ∂z_{i;δ}/∂θ_μ ∂z_{j;δ'}/∂θ_μ
//! ```
//!
//! # Algorithm (one step; rows of every matrix are inputs, N = number of training inputs)
//! Forward: Z⁽ᵐ⁾ = A⁽ᵐ⁻¹⁾W⁽ᵐ⁾ᵀ + 1b⁽ᵐ⁾ᵀ (`gemm_nt`), A⁽ᵐ⁾ = σ(Z⁽ᵐ⁾), A⁽⁰⁾ = X.
//! Back-propagation with Δ⁽ᴸ⁾ = Z⁽ᴸ⁾ − Y (N × n_L):
//! ```text
//! ∂𝓛/∂b⁽ᵐ⁾ = Σ_α Δ⁽ᵐ⁾_α,   ∂𝓛/∂W⁽ᵐ⁾ = Δ⁽ᵐ⁾ᵀ A⁽ᵐ⁻¹⁾,   Δ⁽ᵐ⁻¹⁾ = (Δ⁽ᵐ⁾ W⁽ᵐ⁾) ⊙ σ′(Z⁽ᵐ⁻¹⁾)
//! ```
//! all with the weights of the current step (W⁽ᵐ⁾ is updated only after Δ⁽ᵐ⁻¹⁾ is formed).
//! Δ⁽ᵐ⁾W⁽ᵐ⁾ is a dot-form `gemm_nt` against a kept copy of W⁽ᵐ⁾ᵀ (N is small, and an axpy-form
//! product with few rows would stream W⁽ᵐ⁾ with a power-of-two stride), and the weight gradient is
//! never stored: [`update`] forms g_ij = Σ_α Δ_αi A_αj (α increasing, from 0) and applies
//! W_ij ← W_ij − ημ g_ij in one pass over W.
//! NTK: back-propagate one row per (output neuron i < k, input δ) — δ⁽ᴸ⁾_{iδ} = e_i,
//! δ⁽ᵐ⁻¹⁾_{iδ} = (δ⁽ᵐ⁾_{iδ} W⁽ᵐ⁾) ⊙ σ′(z⁽ᵐ⁻¹⁾_δ) — then
//! ```text
//! Θ̂_{(iδ),(jδ')} = Σ_{m=L…1} (δ⁽ᵐ⁾_{iδ}·δ⁽ᵐ⁾_{jδ'}) (λ_b⁽ᵐ⁾ + λ_W⁽ᵐ⁾/n_{m−1} · σ⁽ᵐ⁻¹⁾_δ·σ⁽ᵐ⁻¹⁾_{δ'})
//! ```
//! (σ⁽⁰⁾ = x), i.e. Gram matrices of the back-propagated rows and of the activations.
//!
//! # Reproducibility
//! Every product uses the fixed summation orders of `gemm.rs`; `ts/twin/sampling/train/mod.ts` performs
//! the same operations in the same order, so the two backends agree bit for bit.

// Index loops that read like the TS twin.
#![allow(clippy::needless_range_loop)]

mod config;

pub use config::{slot, Layout, TrainConfig, MAX_COUNT};

use crate::ffi::status::Status;
use crate::numerics::gemm::{gemm_nt, transpose};
use crate::sampling::network::draw_parameters;
use std::cell::RefCell;

/// Largest workspace we try to allocate (doubles).
const MAX_WORK: u128 = 1 << 29;

fn zeros(n: usize) -> Result<Vec<f64>, Status> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Status::Alloc)?;
    v.resize(n, 0.0);
    Ok(v)
}

/// All buffers of one config shape (widths, N, M, k), reused across networks and calls.
struct Work {
    widths: Vec<usize>,
    n_train: usize,
    n_test: usize,
    k: usize,
    /// W⁽ᵐ⁾ (n_m × n_{m−1}) and b⁽ᵐ⁾ for m = 1 … L (index 0 unused)
    w: Vec<Vec<f64>>,
    /// W⁽ᵐ⁾ᵀ for 2 ≤ m ≤ L (back-propagation below layer m)
    wt: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    /// Z⁽ᵐ⁾: P × n_m (training rows first)
    z: Vec<Vec<f64>>,
    /// A⁽ᵐ⁾ = σ(Z⁽ᵐ⁾) for m < L, A⁽⁰⁾ = X: P × n_m
    a: Vec<Vec<f64>>,
    /// σ′(Z⁽ᵐ⁾) for 1 ≤ m < L
    d1: Vec<Vec<f64>>,
    /// Δ rows (N × n) and the next layer's
    del: Vec<f64>,
    del2: Vec<f64>,
    /// ∂𝓛/∂b⁽ᵐ⁾ of the layer being updated
    gb: Vec<f64>,
    /// NTK rows δ⁽ᵐ⁾_{iδ} (kP × n), their Gram (kP × kP), the activation Gram (P × P)
    nd: Vec<f64>,
    nd2: Vec<f64>,
    gk: Vec<f64>,
    sg: Vec<f64>,
}

impl Work {
    fn new(cfg: &TrainConfig) -> Result<Work, Status> {
        let wd = &cfg.widths;
        let l = cfg.depth();
        let (n, p, k) = (cfg.n_train, cfg.n_train + cfg.n_test, cfg.k);
        let nmax = *wd.iter().max().unwrap();
        let (n128, p128, kp128, nm128) = (n as u128, p as u128, (k * p) as u128, nmax as u128);
        let mut total = 3 * n128 * nm128 + nm128 + 2 * kp128 * nm128 + kp128 * kp128 + p128 * p128 + p128 * wd[0] as u128;
        for m in 1..=l {
            let (nn, np) = (wd[m] as u128, wd[m - 1] as u128);
            total += 2 * nn * np + nn + 3 * p128 * nn;
        }
        if total > MAX_WORK {
            return Err(Status::Alloc);
        }
        let mut s = Work {
            widths: wd.clone(),
            n_train: cfg.n_train,
            n_test: cfg.n_test,
            k,
            w: vec![vec![]],
            wt: vec![vec![]],
            b: vec![vec![]],
            z: vec![vec![]],
            a: vec![zeros(p * wd[0])?],
            d1: vec![vec![]],
            del: zeros(n * nmax)?,
            del2: zeros(n * nmax)?,
            gb: zeros(nmax)?,
            nd: zeros(k * p * nmax)?,
            nd2: zeros(k * p * nmax)?,
            gk: zeros(k * p * k * p)?,
            sg: zeros(if k > 0 { p * p } else { 0 })?,
        };
        for m in 1..=l {
            let (nn, np) = (wd[m], wd[m - 1]);
            s.w.push(zeros(nn * np)?);
            s.wt.push(if m >= 2 { zeros(nn * np)? } else { vec![] });
            s.b.push(zeros(nn)?);
            s.z.push(zeros(p * nn)?);
            let hidden = if m < l { p * nn } else { 0 };
            s.a.push(zeros(hidden)?);
            s.d1.push(zeros(hidden)?);
        }
        Ok(s)
    }

    fn fits(&self, cfg: &TrainConfig) -> bool {
        self.widths == cfg.widths && self.n_train == cfg.n_train && self.n_test == cfg.n_test && self.k == cfg.k
    }

    /// Draws network `index` with the ensembles' sampler (`sampling::network::draw_parameters`), and
    /// the kept transposes.
    fn draw(&mut self, cfg: &TrainConfig, index: u64) {
        let wd = &cfg.widths;
        draw_parameters(cfg.seed, index, wd, &cfg.cw, &cfg.cb, &mut self.w, &mut self.b);
        for m in 2..=cfg.depth() {
            transpose(wd[m], wd[m - 1], &self.w[m], wd[m - 1], &mut self.wt[m], wd[m]);
        }
    }

    /// Z⁽ᵐ⁾, A⁽ᵐ⁾, σ′ for input rows r0 … r1−1 (every element's value is independent of the range).
    fn forward(&mut self, cfg: &TrainConfig, r0: usize, r1: usize) {
        let wd = &cfg.widths;
        let l = cfg.depth();
        let rows = r1 - r0;
        if rows == 0 {
            return;
        }
        for m in 1..=l {
            let (n, np) = (wd[m], wd[m - 1]);
            gemm_nt(rows, n, np, &self.a[m - 1][r0 * np..], np, &self.w[m], np, &mut self.z[m][r0 * n..], n);
            let (z, b) = (&mut self.z[m], &self.b[m]);
            for r in r0..r1 {
                for i in 0..n {
                    z[r * n + i] += b[i];
                }
            }
            if m < l {
                let (z, a, d1) = (&self.z[m], &mut self.a[m], &mut self.d1[m]);
                for idx in r0 * n..r1 * n {
                    let d = cfg.act.eval(z[idx]);
                    a[idx] = d[0];
                    d1[idx] = d[1];
                }
            }
        }
    }

    /// Δ⁽ᴸ⁾ = Z⁽ᴸ⁾ − Y on the training rows (into `del`) and 𝓛 = ½ Σ Δ².
    fn residual(&mut self, cfg: &TrainConfig) -> f64 {
        let nl = cfg.widths[cfg.depth()];
        let z = &self.z[cfg.depth()];
        let mut s = 0.0;
        for idx in 0..cfg.n_train * nl {
            let e = z[idx] - cfg.y[idx];
            self.del[idx] = e;
            s += e * e;
        }
        0.5 * s
    }

    /// One gradient-descent step from the residual in `del` (see the module docs).
    fn step(&mut self, cfg: &TrainConfig) {
        let wd = &cfg.widths;
        let n = cfg.n_train;
        for m in (1..=cfg.depth()).rev() {
            let (nn, np) = (wd[m], wd[m - 1]);
            let gb = &mut self.gb[..nn];
            gb.fill(0.0);
            for r in 0..n {
                for i in 0..nn {
                    gb[i] += self.del[r * nn + i];
                }
            }
            if m > 1 {
                gemm_nt(n, np, nn, &self.del, nn, &self.wt[m], nn, &mut self.del2, np);
                let d1 = &self.d1[m - 1];
                for idx in 0..n * np {
                    self.del2[idx] *= d1[idx];
                }
            }
            let cb = cfg.eta * cfg.lambda_b[m - 1];
            let cw = cfg.eta * (cfg.lambda_w[m - 1] / np as f64);
            let b = &mut self.b[m];
            for i in 0..nn {
                b[i] -= cb * self.gb[i];
            }
            update(nn, np, n, &self.del, &self.a[m - 1], cw, &mut self.w[m]);
            if m >= 2 {
                transpose(nn, np, &self.w[m], np, &mut self.wt[m], nn);
            }
            std::mem::swap(&mut self.del, &mut self.del2);
        }
    }

    /// Θ̂_{(iδ),(jδ')} for i, j < k over all P inputs (forward must be current on all rows).
    fn ntk(&mut self, cfg: &TrainConfig, out: &mut [f64]) {
        let wd = &cfg.widths;
        let l = cfg.depth();
        let (p, k) = (cfg.n_train + cfg.n_test, cfg.k);
        let kp = k * p;
        let out = &mut out[..kp * kp];
        out.fill(0.0);
        for m in (1..=l).rev() {
            let np = wd[m - 1];
            gemm_nt(p, p, np, &self.a[m - 1], np, &self.a[m - 1], np, &mut self.sg, p);
            let (lb, mu) = (cfg.lambda_b[m - 1], cfg.lambda_w[m - 1] / np as f64);
            if m == l {
                for i in 0..k {
                    for d in 0..p {
                        for e in 0..p {
                            out[(i * p + d) * kp + i * p + e] += lb + mu * self.sg[d * p + e];
                        }
                    }
                }
            } else {
                let n = wd[m];
                gemm_nt(kp, kp, n, &self.nd, n, &self.nd, n, &mut self.gk, kp);
                for u in 0..kp {
                    let d = u % p;
                    for v in 0..kp {
                        out[u * kp + v] += self.gk[u * kp + v] * (lb + mu * self.sg[d * p + v % p]);
                    }
                }
            }
            if m > 1 {
                let d1 = &self.d1[m - 1];
                if m == l {
                    let wl = &self.w[l];
                    for i in 0..k {
                        for d in 0..p {
                            for j in 0..np {
                                self.nd[(i * p + d) * np + j] = wl[i * np + j] * d1[d * np + j];
                            }
                        }
                    }
                } else {
                    gemm_nt(kp, np, wd[m], &self.nd, wd[m], &self.wt[m], wd[m], &mut self.nd2, np);
                    for u in 0..kp {
                        let d = u % p;
                        for j in 0..np {
                            self.nd2[u * np + j] *= d1[d * np + j];
                        }
                    }
                    std::mem::swap(&mut self.nd, &mut self.nd2);
                }
            }
        }
    }

    /// Copies z⁽ᴸ⁾ on the training and test rows and the loss into record slot `ri`.
    fn write_record(&self, cfg: &TrainConfig, lay: &Layout, ri: usize, loss: f64, rec: &mut [f64]) {
        let nl = cfg.widths[cfg.depth()];
        let z = &self.z[cfg.depth()];
        let (nt, ns) = (cfg.n_train * nl, cfg.n_test * nl);
        rec[lay.loss_rec + ri] = loss;
        rec[lay.z_train + ri * nt..lay.z_train + (ri + 1) * nt].copy_from_slice(&z[..nt]);
        rec[lay.z_test + ri * ns..lay.z_test + (ri + 1) * ns].copy_from_slice(&z[nt..nt + ns]);
    }

    /// Trains network `index` and writes its record (see [`Layout`]) into `rec`.
    fn train(&mut self, cfg: &TrainConfig, lay: &Layout, index: u64, rec: &mut [f64]) {
        self.draw(cfg, index);
        self.a[0].copy_from_slice(&cfg.x);
        let (n, p) = (cfg.n_train, cfg.n_train + cfg.n_test);
        let r = cfg.record.len();
        let mut half_y2 = 0.0;
        for v in &cfg.y {
            half_y2 += v * v;
        }
        half_y2 *= 0.5;
        let mut bound = f64::INFINITY;
        let mut ri = 0;
        let mut t = 0;
        loop {
            self.forward(cfg, 0, n);
            let loss = self.residual(cfg);
            if t == 0 {
                // Divergence is measured against the loss scale of this network's start and of the
                // zero predictor, so a bound never depends on other networks.
                bound = cfg.blowup * (loss + half_y2);
            }
            let diverged = !loss.is_finite() || loss > bound;
            let converged = !diverged && loss < cfg.tol;
            let stop = diverged || converged || t == cfg.steps;
            let recording = ri < r && cfg.record[ri] == t;
            if t == 0 || (stop && !diverged) || recording {
                self.forward(cfg, n, p);
            }
            if t == 0 && cfg.k > 0 {
                let (a, b) = (lay.ntk0, lay.ntk1);
                self.ntk(cfg, &mut rec[a..b]);
            }
            if diverged {
                rec[slot::STOP] = t as f64;
                rec[slot::STATUS] = 2.0;
                rec[slot::LOSS] = loss;
                for c in t.div_ceil(cfg.stride)..lay.curve_len {
                    rec[lay.curve + c] = f64::NAN;
                }
                for q in ri..r {
                    rec[lay.loss_rec + q] = f64::NAN;
                }
                let nl = cfg.widths[cfg.depth()];
                let (nt, ns) = (n * nl, cfg.n_test * nl);
                rec[lay.z_train + ri * nt..lay.z_train + r * nt].fill(f64::NAN);
                rec[lay.z_test + ri * ns..lay.z_test + r * ns].fill(f64::NAN);
                rec[lay.ntk1..lay.len].fill(f64::NAN);
                return;
            }
            if t % cfg.stride == 0 {
                rec[lay.curve + t / cfg.stride] = loss;
            }
            if recording {
                self.write_record(cfg, lay, ri, loss, rec);
                ri += 1;
            }
            if stop {
                rec[slot::STOP] = t as f64;
                rec[slot::STATUS] = if converged { 1.0 } else { 0.0 };
                rec[slot::LOSS] = loss;
                // A stopped network keeps its parameters: later records and loss points hold its state.
                for c in t / cfg.stride + 1..lay.curve_len {
                    rec[lay.curve + c] = loss;
                }
                while ri < r {
                    self.write_record(cfg, lay, ri, loss, rec);
                    ri += 1;
                }
                if cfg.k > 0 {
                    let (a, b) = (lay.ntk1, lay.len);
                    self.ntk(cfg, &mut rec[a..b]);
                }
                return;
            }
            self.step(cfg);
            t += 1;
        }
    }
}

/// W ← W − c·g with g_ij = Σ_α u_αi v_αj (α = 0 … k−1 in increasing order, from 0), for W (m × n),
/// u (k × m), v (k × n), all dense row-major: the weight gradient Δᵀ A applied without storing it.
/// Every element's sum runs over α in order from 0 and is then applied as w − c·g, in the SIMD tiles
/// (two rows × eight columns, eight f64x2 accumulators) and the scalar edges alike.
pub fn update(m: usize, n: usize, k: usize, u: &[f64], v: &[f64], c: f64, w: &mut [f64]) {
    assert!(u.len() >= k * m && v.len() >= k * n && w.len() >= m * n);
    let mut i = 0;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    while i + 2 <= m {
        let mut j = 0;
        while j + 8 <= n {
            unsafe { update_tile(i, j, m, n, k, u.as_ptr(), v.as_ptr(), c, w.as_mut_ptr()) };
            j += 8;
        }
        for r in i..i + 2 {
            update_edge(r, j, m, n, k, u, v, c, w);
        }
        i += 2;
    }
    while i < m {
        update_edge(i, 0, m, n, k, u, v, c, w);
        i += 1;
    }
}

/// Row `i`, columns j0 … n−1 of [`update`], one element at a time.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn update_edge(i: usize, j0: usize, m: usize, n: usize, k: usize, u: &[f64], v: &[f64], c: f64, w: &mut [f64]) {
    for j in j0..n {
        let mut g = 0.0;
        for a in 0..k {
            g += u[a * m + i] * v[a * n + j];
        }
        w[i * n + j] -= c * g;
    }
}

/// Rows i, i+1 × columns j … j+7 of [`update`].
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn update_tile(i: usize, j: usize, m: usize, n: usize, k: usize, u: *const f64, v: *const f64, c: f64, w: *mut f64) {
    use core::arch::wasm32::*;
    let z = f64x2_splat(0.0);
    let (mut a0, mut a1, mut a2, mut a3, mut b0, mut b1, mut b2, mut b3) = (z, z, z, z, z, z, z, z);
    for a in 0..k {
        let vr = v.add(a * n + j);
        let (y0, y1, y2, y3) = (v128_load(vr as *const v128), v128_load(vr.add(2) as *const v128), v128_load(vr.add(4) as *const v128), v128_load(vr.add(6) as *const v128));
        let x = f64x2_splat(*u.add(a * m + i));
        a0 = f64x2_add(a0, f64x2_mul(x, y0));
        a1 = f64x2_add(a1, f64x2_mul(x, y1));
        a2 = f64x2_add(a2, f64x2_mul(x, y2));
        a3 = f64x2_add(a3, f64x2_mul(x, y3));
        let x = f64x2_splat(*u.add(a * m + i + 1));
        b0 = f64x2_add(b0, f64x2_mul(x, y0));
        b1 = f64x2_add(b1, f64x2_mul(x, y1));
        b2 = f64x2_add(b2, f64x2_mul(x, y2));
        b3 = f64x2_add(b3, f64x2_mul(x, y3));
    }
    let cc = f64x2_splat(c);
    for (r, acc) in [(i, [a0, a1, a2, a3]), (i + 1, [b0, b1, b2, b3])] {
        let wr = w.add(r * n + j);
        for (q, g) in acc.iter().enumerate() {
            let p = wr.add(2 * q) as *mut v128;
            v128_store(p, f64x2_sub(v128_load(p), f64x2_mul(cc, *g)));
        }
    }
}

thread_local! {
    static WORK: RefCell<Option<Work>> = const { RefCell::new(None) };
}

/// Safe core of `wf_train_chunk` (`ffi::exports`): trains networks first … first+count−1 and writes their records
/// one after the other into `out`.
pub fn train_chunk(cfg: &[f64], first: f64, count: u32, out: &mut [f64]) -> Result<(), Status> {
    let cfg = TrainConfig::parse(cfg)?;
    let lay = cfg.layout().ok_or(Status::Alloc)?;
    const LIMIT: u64 = 1 << 53;
    if !(first >= 0.0 && first <= LIMIT as f64 && first.fract() == 0.0) || first as u64 + count as u64 > LIMIT {
        return Err(Status::Range);
    }
    if (out.len() as u128) < lay.len as u128 * count as u128 {
        return Err(Status::Length);
    }
    let first = first as u64;
    WORK.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.fits(&cfg)) {
            *slot = None;
            *slot = Some(Work::new(&cfg)?);
        }
        let work = slot.as_mut().unwrap();
        for i in 0..count as usize {
            let rec = &mut out[i * lay.len..(i + 1) * lay.len];
            rec.fill(0.0);
            work.train(&cfg, &lay, first + i as u64, rec);
        }
        Ok(())
    })
}

/// Drops the cached workspace of `wf_train_chunk` (its memory returns to the allocator).
pub fn release_workspace() {
    WORK.with(|cell| *cell.borrow_mut() = None);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config buffer: L from `widths`, tanh-like `kind`, N training and M test inputs.
    #[allow(clippy::too_many_arguments)]
    fn pack(widths: &[usize], kind: u32, n: usize, m: usize, steps: usize, eta: f64, record: &[usize], k: usize) -> Vec<f64> {
        let l = widths.len() - 1;
        let mut c = vec![l as f64];
        c.extend(widths.iter().map(|&w| w as f64));
        for i in 0..l {
            c.extend_from_slice(&[0.1 + 0.05 * i as f64, 1.3, 0.7 + 0.1 * i as f64, 1.1]);
        }
        c.extend_from_slice(&[kind as f64, 0.0, 12345.0, 7.0]);
        c.extend_from_slice(&[n as f64, m as f64, steps as f64, eta, 0.0, 1e6, record.len() as f64, 1.0, k as f64]);
        c.extend(record.iter().map(|&r| r as f64));
        let (n0, nl) = (widths[0], widths[l]);
        let mut s = 0.37f64;
        let mut next = || {
            s = (s * 9301.0 + 49297.0) % 233280.0;
            s / 233280.0 * 2.0 - 1.0
        };
        for _ in 0..n * n0 + n * nl + m * n0 {
            c.push(next());
        }
        c
    }

    fn tanh_kind() -> u32 {
        (0..64).find(|&k| Activation::from_raw(k, 0.0).is_some_and(|a| (a.eval(0.5)[0] - 0.5f64.tanh()).abs() < 1e-15)).unwrap()
    }
    use crate::numerics::activation::Activation;

    /// The loss at the current parameters (forward over the training rows).
    fn loss(w: &mut Work, cfg: &TrainConfig) -> f64 {
        w.forward(cfg, 0, cfg.n_train);
        w.residual(cfg)
    }

    #[test]
    fn gradient_step_equals_central_finite_differences() {
        let widths = [3, 5, 4, 2];
        let c = pack(&widths, tanh_kind(), 3, 0, 1, 1.0, &[0], 0);
        let cfg = TrainConfig::parse(&c).unwrap();
        let mut w = Work::new(&cfg).unwrap();
        w.draw(&cfg, 3);
        w.a[0].copy_from_slice(&cfg.x);
        let (w0, b0) = (w.w.clone(), w.b.clone());
        // one step with η = 1 moves θ by −λ ∂𝓛/∂θ: recover the gradient from the update
        loss(&mut w, &cfg);
        w.step(&cfg);
        let h = 1e-5;
        for m in 1..=3 {
            let mu = cfg.lambda_w[m - 1] / widths[m - 1] as f64;
            for idx in 0..w0[m].len() {
                let g = (w0[m][idx] - w.w[m][idx]) / mu;
                let mut v = Work::new(&cfg).unwrap();
                v.w = w0.clone();
                v.b = b0.clone();
                v.a[0].copy_from_slice(&cfg.x);
                v.w[m][idx] += h;
                let lp = loss(&mut v, &cfg);
                v.w[m][idx] -= 2.0 * h;
                let lm = loss(&mut v, &cfg);
                let fd = (lp - lm) / (2.0 * h);
                assert!((g - fd).abs() < 1e-7 * (1.0 + fd.abs()), "W{m}[{idx}]: {g} vs {fd}");
            }
            for idx in 0..b0[m].len() {
                let g = (b0[m][idx] - w.b[m][idx]) / cfg.lambda_b[m - 1];
                let mut v = Work::new(&cfg).unwrap();
                v.w = w0.clone();
                v.b = b0.clone();
                v.a[0].copy_from_slice(&cfg.x);
                v.b[m][idx] += h;
                let lp = loss(&mut v, &cfg);
                v.b[m][idx] -= 2.0 * h;
                let lm = loss(&mut v, &cfg);
                let fd = (lp - lm) / (2.0 * h);
                assert!((g - fd).abs() < 1e-7 * (1.0 + fd.abs()), "b{m}[{idx}]: {g} vs {fd}");
            }
        }
    }

    #[test]
    fn initial_outputs_are_the_ensemble_networks() {
        // The trainer's step-0 outputs on one input equal the z of wf_ensemble_chunk's network i:
        // mean_a z_a² over all n_L outputs, bit for bit.
        let widths = [3, 6, 5, 4];
        let kind = tanh_kind();
        let c = pack(&widths, kind, 1, 0, 0, 0.1, &[0], 0);
        let cfg = TrainConfig::parse(&c).unwrap();
        let lay = cfg.layout().unwrap();
        let mut ens = vec![3.0, 3.0, 6.0, 5.0, 4.0];
        for i in 0..3 {
            ens.extend_from_slice(&[cfg.cb[i], cfg.cw[i], cfg.lambda_b[i], cfg.lambda_w[i]]);
        }
        ens.extend_from_slice(&[kind as f64, 0.0, 0.0, 12345.0, 7.0, 2.0, 2.0, 4.0]);
        ens.extend_from_slice(&cfg.x[..3]);
        for index in [0u64, 5, 17] {
            let mut out = vec![0.0; lay.len];
            train_chunk(&c, index as f64, 1, &mut out).unwrap();
            let z = &out[lay.z_train..lay.z_train + 4];
            let mut s = 0.0;
            for &v in z {
                s += v * v;
            }
            let mut e = vec![0.0; 3 * crate::sampling::network::NQ];
            crate::sampling::network::ensemble_chunk(&ens, index as f64, 1, &mut e).unwrap();
            assert_eq!((s / 4.0).to_bits(), e[2 * crate::sampling::network::NQ].to_bits(), "network {index}");
        }
    }

    #[test]
    fn ntk_equals_the_jacobian_gram_by_finite_differences() {
        let widths = [2, 4, 3, 2];
        let c = pack(&widths, tanh_kind(), 2, 1, 0, 0.1, &[0], 2);
        let cfg = TrainConfig::parse(&c).unwrap();
        let lay = cfg.layout().unwrap();
        let mut out = vec![0.0; lay.len];
        train_chunk(&c, 9.0, 1, &mut out).unwrap();
        let mut w = Work::new(&cfg).unwrap();
        w.draw(&cfg, 9);
        w.a[0].copy_from_slice(&cfg.x);
        let p = 3;
        let kp = 2 * p;
        // J[(i δ)][μ]·√λ_μ by central differences
        let h = 1e-6;
        let mut jac: Vec<Vec<f64>> = vec![vec![]; kp];
        let outs = |w: &mut Work| {
            w.forward(&cfg, 0, p);
            let z = &w.z[3];
            let mut v = vec![0.0; kp];
            for i in 0..2 {
                for d in 0..p {
                    v[i * p + d] = z[d * 2 + i];
                }
            }
            v
        };
        for m in 1..=3 {
            let sl = (cfg.lambda_w[m - 1] / widths[m - 1] as f64).sqrt();
            for idx in 0..w.w[m].len() {
                w.w[m][idx] += h;
                let a = outs(&mut w);
                w.w[m][idx] -= 2.0 * h;
                let b = outs(&mut w);
                w.w[m][idx] += h;
                for u in 0..kp {
                    jac[u].push(sl * (a[u] - b[u]) / (2.0 * h));
                }
            }
            let sb = cfg.lambda_b[m - 1].sqrt();
            for idx in 0..w.b[m].len() {
                w.b[m][idx] += h;
                let a = outs(&mut w);
                w.b[m][idx] -= 2.0 * h;
                let b = outs(&mut w);
                w.b[m][idx] += h;
                for u in 0..kp {
                    jac[u].push(sb * (a[u] - b[u]) / (2.0 * h));
                }
            }
        }
        for u in 0..kp {
            for v in 0..kp {
                let fd: f64 = jac[u].iter().zip(&jac[v]).map(|(x, y)| x * y).sum();
                let got = out[lay.ntk0 + u * kp + v];
                assert!((got - fd).abs() < 1e-7 * (1.0 + fd.abs()), "Θ[{u},{v}] {got} vs {fd}");
                // step 0 with T = 0: the final NTK is the initial one
                assert_eq!(got, out[lay.ntk1 + u * kp + v]);
            }
        }
    }

    #[test]
    fn malformed_configs_are_refused_with_codes() {
        let good = pack(&[2, 3, 1], tanh_kind(), 2, 1, 5, 0.1, &[0, 5], 1);
        assert!(TrainConfig::parse(&good).is_ok());
        let ot = 2 + 5 * 2 + 4;
        let mut c = good.clone();
        c[ot + 3] = 0.0; // η = 0
        assert_eq!(TrainConfig::parse(&c).err(), Some(Status::Train));
        let mut c = good.clone();
        c[ot + 9 + 1] = 0.0; // record steps not increasing
        assert_eq!(TrainConfig::parse(&c).err(), Some(Status::Train));
        let mut c = good.clone();
        let last = c.len() - 1;
        c[last] = f64::NAN;
        assert_eq!(TrainConfig::parse(&c).err(), Some(Status::Input));
        let mut c = good.clone();
        c.pop();
        assert_eq!(TrainConfig::parse(&c).err(), Some(Status::Length));
        let mut out = vec![0.0; 3];
        assert_eq!(train_chunk(&good, 0.0, 1, &mut out), Err(Status::Length));
    }
}
