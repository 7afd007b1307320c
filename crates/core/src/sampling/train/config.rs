//! The training config buffer of `wf_train_chunk` and the layout of the per-network records it
//! writes (decoded with the checks of `ffi::decode`; the TS twin is
//! `ts/twin/sampling/train/config.ts`).
//!
//! ```text
//! [0] L   [1] n0   [2 .. 2+L) n_1 … n_L
//! [oh = 2+L]  for ℓ = 1..L: Cb, CW, lambdaB, lambdaW
//! [oa = 2+5L] activation kind, activation parameter a, seed_lo, seed_hi
//! [ot = oa+4] N_train, N_test, steps T, eta, tol, blowup, R, loss stride, k (NTK output neurons)
//! [or = ot+9] R record steps, strictly increasing in 0 … T
//! [ox = or+R] X_train (N·n0), Y (N·n_L), X_test (M·n0), row-major
//! ```
use crate::ffi::decode::{activation, int, layer_hyper, MAX_ENSEMBLE_DEPTH, MAX_WIDTH};
use crate::ffi::status::Status;
use crate::numerics::activation::Activation;

/// Largest number of training or test inputs, and of steps.
pub const MAX_COUNT: usize = 1 << 30;

/// Fixed slots at the start of every per-network record.
pub mod slot {
    /// The step t at which training stopped (T, or the first step whose loss met tol or diverged).
    pub const STOP: usize = 0;
    /// 0 = ran all T steps without meeting tol, 1 = loss < tol at STOP, 2 = diverged at STOP.
    pub const STATUS: usize = 1;
    /// 𝓛 at STOP (for a diverged network, the offending value).
    pub const LOSS: usize = 2;
    /// Number of fixed slots.
    pub const HEAD: usize = 3;
}

/// A decoded training config (layout documented on [`wf_train_chunk`]).
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// n₀ … n_L
    pub widths: Vec<usize>,
    pub cb: Vec<f64>,
    pub cw: Vec<f64>,
    pub lambda_b: Vec<f64>,
    pub lambda_w: Vec<f64>,
    pub act: Activation,
    pub seed: u64,
    pub n_train: usize,
    pub n_test: usize,
    pub steps: usize,
    pub eta: f64,
    pub tol: f64,
    pub blowup: f64,
    pub record: Vec<usize>,
    pub stride: usize,
    /// Output neurons 0 … k−1 whose NTK blocks are recorded (0: none).
    pub k: usize,
    /// (N + M) × n₀: training inputs, then test inputs.
    pub x: Vec<f64>,
    /// N × n_L targets.
    pub y: Vec<f64>,
}

/// Offsets of the parts of one per-network record.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// loss at the recorded steps
    pub loss_rec: usize,
    /// loss every `stride` steps: t = 0, s, 2s, … ≤ T
    pub curve: usize,
    pub curve_len: usize,
    /// z⁽ᴸ⁾ on the training inputs at the recorded steps: R × N × n_L
    pub z_train: usize,
    /// z⁽ᴸ⁾ on the test inputs at the recorded steps: R × M × n_L
    pub z_test: usize,
    /// Θ̂ at step 0, (kP)² with P = N + M, index (i·P + δ)·kP + (j·P + δ')
    pub ntk0: usize,
    /// Θ̂ at the stop step
    pub ntk1: usize,
    /// total length
    pub len: usize,
}

impl TrainConfig {
    /// Decodes and validates a config buffer; Err carries an [`err`] code.
    pub fn parse(cfg: &[f64]) -> Result<TrainConfig, Status> {
        if cfg.len() < 2 {
            return Err(Status::Length);
        }
        let l = int(cfg[0], 1, MAX_ENSEMBLE_DEPTH).ok_or(Status::Length)?;
        let n0 = int(cfg[1], 1, MAX_WIDTH).ok_or(Status::Width)?;
        let ot = 2 + 5 * l + 4;
        if cfg.len() < ot + 9 {
            return Err(Status::Length);
        }
        let mut widths = vec![n0];
        for i in 0..l {
            widths.push(int(cfg[2 + i], 1, MAX_WIDTH).ok_or(Status::Width)?);
        }
        let nl = widths[l];
        let oh = 2 + l;
        let (mut cb, mut cw, mut lambda_b, mut lambda_w) = (vec![], vec![], vec![], vec![]);
        for i in 0..l {
            let h = layer_hyper(&cfg[oh + 4 * i..oh + 4 * i + 4])?;
            cb.push(h.cb);
            cw.push(h.cw);
            lambda_b.push(h.lambda_b);
            lambda_w.push(h.lambda_w);
        }
        let oa = 2 + 5 * l;
        let act = activation(cfg[oa], cfg[oa + 1])?;
        let lo = int(cfg[oa + 2], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
        let hi = int(cfg[oa + 3], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
        let t = &cfg[ot..ot + 9];
        let n_train = int(t[0], 1, MAX_COUNT).ok_or(Status::Train)?;
        let n_test = int(t[1], 0, MAX_COUNT).ok_or(Status::Train)?;
        let steps = int(t[2], 0, MAX_COUNT).ok_or(Status::Train)?;
        let (eta, tol, blowup) = (t[3], t[4], t[5]);
        if !(eta.is_finite() && eta > 0.0 && tol.is_finite() && tol >= 0.0 && blowup > 0.0 && !blowup.is_nan()) {
            return Err(Status::Train);
        }
        let r = int(t[6], 1, steps + 1).ok_or(Status::Train)?;
        let stride = int(t[7], 1, steps.max(1)).ok_or(Status::Train)?;
        let k = int(t[8], 0, nl).ok_or(Status::Train)?;
        let or = ot + 9;
        let p = n_train + n_test;
        let need = or as u128 + r as u128 + p as u128 * n0 as u128 + n_train as u128 * nl as u128;
        if cfg.len() as u128 != need {
            return Err(Status::Length);
        }
        let mut record = Vec::with_capacity(r);
        for i in 0..r {
            let s = int(cfg[or + i], 0, steps).ok_or(Status::Train)?;
            if i > 0 && s <= record[i - 1] {
                return Err(Status::Train);
            }
            record.push(s);
        }
        let ox = or + r;
        let (xt, rest) = cfg[ox..].split_at(n_train * n0);
        let (y, xs) = rest.split_at(n_train * nl);
        if xt.iter().chain(y.iter()).chain(xs.iter()).any(|v| !v.is_finite()) {
            return Err(Status::Input);
        }
        let mut x = Vec::with_capacity(p * n0);
        x.extend_from_slice(xt);
        x.extend_from_slice(xs);
        Ok(TrainConfig {
            widths, cb, cw, lambda_b, lambda_w, act, seed: lo | (hi << 32), n_train, n_test, steps, eta, tol, blowup, record, stride, k, x,
            y: y.to_vec(),
        })
    }

    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }

    /// The per-network record layout; None when it would not fit in a usize.
    pub fn layout(&self) -> Option<Layout> {
        let nl = self.widths[self.depth()] as u128;
        let r = self.record.len() as u128;
        let (n, m) = (self.n_train as u128, self.n_test as u128);
        let kp = self.k as u128 * (n + m);
        let curve_len = self.steps as u128 / self.stride as u128 + 1;
        let loss_rec = slot::HEAD as u128;
        let curve = loss_rec + r;
        let z_train = curve + curve_len;
        let z_test = z_train + r * n * nl;
        let ntk0 = z_test + r * m * nl;
        let ntk1 = ntk0 + kp * kp;
        let len = ntk1 + kp * kp;
        if len > (u32::MAX as u128) {
            return None;
        }
        let u = |v: u128| v as usize;
        Some(Layout {
            loss_rec: u(loss_rec), curve: u(curve), curve_len: u(curve_len), z_train: u(z_train), z_test: u(z_test), ntk0: u(ntk0), ntk1: u(ntk1),
            len: u(len),
        })
    }
}

