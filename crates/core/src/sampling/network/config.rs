//! The decoded ensemble config (the buffer `wf_ensemble_chunk` receives), checked field by field.
use crate::ffi::decode::{activation, int, layer_hyper, MAX_ENSEMBLE_DEPTH, MAX_WIDTH};
use crate::ffi::status::Status;
use crate::numerics::activation::Activation;

/// A decoded config buffer:
/// ```text
/// [0] L   [1] n0   [2 .. 2+L) n_1 … n_L
/// [oh = 2+L]  for ℓ = 1..L: Cb, CW, lambdaB, lambdaW
/// [oa = 2+5L] activation kind, activation parameter a, order (0 z | 1 +Ĥ | 2 +dĤ | 3 +ddĤ), seed_lo, seed_hi
/// [ok = oa+5] k_ℓ for ℓ = 1..L (2 ≤ k_ℓ ≤ n_ℓ)
/// [ox = ok+L] x (n0 values)
/// ```
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

impl Config {
    /// Decodes and validates a config buffer (every integer exact, every real finite).
    pub fn parse(cfg: &[f64]) -> Result<Config, Status> {
        if cfg.len() < 2 {
            return Err(Status::Length);
        }
        let l = int(cfg[0], 1, MAX_ENSEMBLE_DEPTH).ok_or(Status::Length)?;
        let n0 = int(cfg[1], 1, MAX_WIDTH).ok_or(Status::Width)?;
        if cfg.len() != 7 + 6 * l + n0 {
            return Err(Status::Length);
        }
        let mut widths = vec![n0];
        for i in 0..l {
            widths.push(int(cfg[2 + i], 1, MAX_WIDTH).ok_or(Status::Width)?);
        }
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
        let order = int(cfg[oa + 2], 0, 3).ok_or(Status::Order)? as u32;
        let lo = int(cfg[oa + 3], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
        let hi = int(cfg[oa + 4], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
        let ok = oa + 5;
        let mut neurons = vec![];
        for i in 0..l {
            neurons.push(int(cfg[ok + i], 2, widths[i + 1]).ok_or(Status::Neurons)?);
        }
        let x = cfg[ok + l..].to_vec();
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Status::Input);
        }
        Ok(Config { widths, cb, cw, lambda_b, lambda_w, act, order, seed: lo | (hi << 32), neurons, x })
    }

    /// L
    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }
}
