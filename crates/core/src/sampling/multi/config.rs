//! The decoded multi-input ensemble config (the buffer `wf_ensemble_multi_chunk` receives), checked
//! field by field; layout `ensembleMultiConfig` of schema/layout.json.
use crate::ffi::decode::{activation, hyper_record, int, layer_hyper, MAX_ENSEMBLE_DEPTH, MAX_WIDTH};
use crate::ffi::layout::ensemble_multi_config as ec;
use crate::ffi::layout::MAX_ENSEMBLE_INPUTS;
use crate::ffi::status::Status;
use crate::numerics::activation::Activation;

/// A decoded `ensembleMultiConfig` buffer:
/// ```text
/// depth L | inputs N | widths n₀ … n_L | hyper × L | kind, a, order, seedLo, seedHi | neurons k_ℓ × L | X (N·n₀, row-major)
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    pub widths: Vec<usize>,
    pub cb: Vec<f64>,
    pub cw: Vec<f64>,
    pub lambda_b: Vec<f64>,
    pub lambda_w: Vec<f64>,
    pub act: Activation,
    pub order: u32,
    pub seed: u64,
    pub neurons: Vec<usize>,
    /// N
    pub inputs: usize,
    /// N·n₀ values, row α = input x_α
    pub x: Vec<f64>,
}

impl Config {
    /// Decodes and validates a config buffer (every integer exact, every real finite).
    pub fn parse(cfg: &[f64]) -> Result<Config, Status> {
        if cfg.len() < ec::WIDTHS + 1 {
            return Err(Status::Length);
        }
        let l = int(cfg[ec::DEPTH], 1, MAX_ENSEMBLE_DEPTH).ok_or(Status::Length)?;
        let n = int(cfg[ec::INPUTS], 1, MAX_ENSEMBLE_INPUTS).ok_or(Status::Length)?;
        let n0 = int(cfg[ec::WIDTHS], 1, MAX_WIDTH).ok_or(Status::Width)?;
        if cfg.len() != ec::len(l, n0, n) {
            return Err(Status::Length);
        }
        let mut widths = vec![n0];
        for i in 1..=l {
            widths.push(int(cfg[ec::WIDTHS + i], 1, MAX_WIDTH).ok_or(Status::Width)?);
        }
        let (mut cb, mut cw, mut lambda_b, mut lambda_w) = (vec![], vec![], vec![], vec![]);
        for i in 0..l {
            let h = layer_hyper(hyper_record(cfg, ec::hyper(l), i))?;
            cb.push(h.cb);
            cw.push(h.cw);
            lambda_b.push(h.lambda_b);
            lambda_w.push(h.lambda_w);
        }
        let act = activation(cfg[ec::kind(l)], cfg[ec::a(l)])?;
        let order = int(cfg[ec::order(l)], 0, 3).ok_or(Status::Order)? as u32;
        let lo = int(cfg[ec::seed_lo(l)], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
        let hi = int(cfg[ec::seed_hi(l)], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
        let mut neurons = vec![];
        for i in 0..l {
            neurons.push(int(cfg[ec::neurons(l) + i], 2, widths[i + 1]).ok_or(Status::Neurons)?);
        }
        let x = cfg[ec::x(l)..ec::x(l) + n * n0].to_vec();
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Status::Input);
        }
        Ok(Config { widths, cb, cw, lambda_b, lambda_w, act, order, seed: lo | (hi << 32), neurons, inputs: n, x })
    }

    /// L
    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }
}
