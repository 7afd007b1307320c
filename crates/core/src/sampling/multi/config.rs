//! The decoded multi-input ensemble config (the buffer `wf_ensemble_multi_chunk` receives), checked
//! field by field; layout `ensembleMultiConfig` of schema/layout.json. The network fields are decoded by
//! the single-input decoder (`sampling::network::config::decode_network`): the layouts differ only by N
//! and the inputs.
use crate::ffi::decode::{int, MAX_ENSEMBLE_DEPTH, MAX_WIDTH};
use crate::ffi::layout::ensemble_multi_config as ec;
use crate::ffi::layout::MAX_ENSEMBLE_INPUTS;
use crate::ffi::status::Status;
use crate::numerics::activation::Activation;
use crate::sampling::network::config::{decode_network, NetworkOffsets};

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
        let at = NetworkOffsets {
            widths: ec::WIDTHS,
            hyper: ec::hyper(l),
            kind: ec::kind(l),
            a: ec::a(l),
            order: ec::order(l),
            seed_lo: ec::seed_lo(l),
            seed_hi: ec::seed_hi(l),
            neurons: ec::neurons(l),
        };
        let f = decode_network(cfg, l, n0, &at)?;
        let x = cfg[ec::x(l)..ec::x(l) + n * n0].to_vec();
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Status::Input);
        }
        Ok(Config { widths: f.widths, cb: f.cb, cw: f.cw, lambda_b: f.lambda_b, lambda_w: f.lambda_w, act: f.act, order: f.order, seed: f.seed, neurons: f.neurons, inputs: n, x })
    }

    /// L
    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }
}
