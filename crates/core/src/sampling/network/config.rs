//! The decoded ensemble config (the buffer `wf_ensemble_chunk` receives), checked field by field.
use crate::ffi::decode::{activation, hyper_record, int, layer_hyper, MAX_ENSEMBLE_DEPTH, MAX_WIDTH};
use crate::ffi::layout::ensemble_config as ec;
use crate::ffi::status::Status;
use crate::numerics::activation::Activation;

/// A decoded `ensembleConfig` buffer (schema/layout.json, offsets in `ffi::layout::ensemble_config`):
/// ```text
/// depth L | widths n₀ … n_L | hyper (C_b, C_W, λ_b, λ_W) × L | kind, a, order (0 z | 1 +Ĥ | 2 +dĤ | 3 +ddĤ),
/// seedLo, seedHi | neurons k_ℓ × L (2 ≤ k_ℓ ≤ n_ℓ) | x (n₀ values)
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

/// Offsets of the network fields in a config buffer: the single- and the many-input layouts
/// (`ensembleConfig`, `ensembleMultiConfig`) share them in the same order, so one decoder serves both.
pub(crate) struct NetworkOffsets {
    pub widths: usize,
    pub hyper: usize,
    pub kind: usize,
    pub a: usize,
    pub order: usize,
    pub seed_lo: usize,
    pub seed_hi: usize,
    pub neurons: usize,
}

/// The network part of a config buffer (everything but the input).
pub(crate) struct NetworkFields {
    pub widths: Vec<usize>,
    pub cb: Vec<f64>,
    pub cw: Vec<f64>,
    pub lambda_b: Vec<f64>,
    pub lambda_w: Vec<f64>,
    pub act: Activation,
    pub order: u32,
    pub seed: u64,
    pub neurons: Vec<usize>,
}

/// Decodes and validates the network fields of a buffer whose depth L and n₀ are already checked
/// (and its length): widths n₁ … n_L, hyperparameters, σ, order, seed, neurons k_ℓ (2 ≤ k_ℓ ≤ n_ℓ).
pub(crate) fn decode_network(cfg: &[f64], l: usize, n0: usize, at: &NetworkOffsets) -> Result<NetworkFields, Status> {
    let mut widths = vec![n0];
    for i in 1..=l {
        widths.push(int(cfg[at.widths + i], 1, MAX_WIDTH).ok_or(Status::Width)?);
    }
    let (mut cb, mut cw, mut lambda_b, mut lambda_w) = (vec![], vec![], vec![], vec![]);
    for i in 0..l {
        let h = layer_hyper(hyper_record(cfg, at.hyper, i))?;
        cb.push(h.cb);
        cw.push(h.cw);
        lambda_b.push(h.lambda_b);
        lambda_w.push(h.lambda_w);
    }
    let act = activation(cfg[at.kind], cfg[at.a])?;
    let order = int(cfg[at.order], 0, 3).ok_or(Status::Order)? as u32;
    let lo = int(cfg[at.seed_lo], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
    let hi = int(cfg[at.seed_hi], 0, u32::MAX as usize).ok_or(Status::Seed)? as u64;
    let mut neurons = vec![];
    for i in 0..l {
        neurons.push(int(cfg[at.neurons + i], 2, widths[i + 1]).ok_or(Status::Neurons)?);
    }
    Ok(NetworkFields { widths, cb, cw, lambda_b, lambda_w, act, order, seed: lo | (hi << 32), neurons })
}

impl Config {
    /// Decodes and validates a config buffer (every integer exact, every real finite).
    pub fn parse(cfg: &[f64]) -> Result<Config, Status> {
        if cfg.len() < ec::WIDTHS + 1 {
            return Err(Status::Length);
        }
        let l = int(cfg[ec::DEPTH], 1, MAX_ENSEMBLE_DEPTH).ok_or(Status::Length)?;
        let n0 = int(cfg[ec::WIDTHS], 1, MAX_WIDTH).ok_or(Status::Width)?;
        if cfg.len() != ec::len(l, n0) {
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
        let x = cfg[ec::x(l)..ec::x(l) + n0].to_vec();
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Status::Input);
        }
        Ok(Config { widths: f.widths, cb: f.cb, cw: f.cw, lambda_b: f.lambda_b, lambda_w: f.lambda_w, act: f.act, order: f.order, seed: f.seed, neurons: f.neurons, x })
    }

    /// L
    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }
}
