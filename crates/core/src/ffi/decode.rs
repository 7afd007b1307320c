//! Checked decoding of the f64 config buffers the exports receive, and the limits they enforce.
//! Every integer travels as an f64 and is accepted only when it is exactly an integer inside its
//! range (no truncation: −1 is not "linear", 3.7 is not "tanh"); every real is checked finite.
//! The TS layer validates the same parameters first and names them in its errors; these checks make
//! the boundary safe on its own (a bad buffer gets a `Status`, never a trap or a silent clamp).
use super::status::Status;
use crate::numerics::activation::Activation;
use crate::theory::recursion::LayerHyper;

/// Deepest single-input theory / kernel recursion (`wf_theory`, `wf_kernel_matrix`). The cost is
/// linear in L (one moment bundle, i.e. one quadrature sweep, per layer) and the output is
/// THEORY_STRIDE·L values (1.8e6, 14 MB, at the limit); far deeper nets add nothing, because K has
/// long reached its fixed point, or saturated (then flagged). The TS `spec.ts` limit (MAX_DEPTH) is
/// the same.
pub const MAX_THEORY_DEPTH: usize = 100_000;

/// Deepest sampled network (`wf_ensemble_chunk`). The statistics of every layer ℓ back-propagate
/// through all layers below it, so one network costs O(L²·k²·n²): at L = 4096 that is already
/// ~8·10⁶ layer sweeps per network, beyond any ensemble one would run; the bound also keeps the
/// per-layer workspace vectors (O(L) of them) small. The TS ensemble code uses the same value.
pub const MAX_ENSEMBLE_DEPTH: usize = 4096;

/// Largest width n_ℓ (and number of inputs N of `wf_kernel_matrix`): 2²⁴, so that every n·n product
/// of the workspace accounting stays exact in f64 and below 2⁵³.
pub const MAX_WIDTH: usize = 1 << 24;

/// Exactly an integer in [lo, hi], or None (non-finite, fractional, out of range).
pub fn int(v: f64, lo: usize, hi: usize) -> Option<usize> {
    if v.is_finite() && v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 {
        Some(v as usize)
    } else {
        None
    }
}

/// An activation from (kind, parameter): kind exactly an integer naming a builtin, parameter finite
/// and allowed for the kind.
pub fn activation(kind: f64, a: f64) -> Result<Activation, Status> {
    let kind = int(kind, 0, u32::MAX as usize).ok_or(Status::Activation)?;
    if !a.is_finite() {
        return Err(Status::Activation);
    }
    Activation::from_raw(kind as u32, a).ok_or(Status::Activation)
}

/// One layer's (C_b, C_W, λ_b, λ_W): variances ≥ 0 and finite, learning rates finite.
pub fn layer_hyper(h: &[f64]) -> Result<LayerHyper, Status> {
    if !(h[0] >= 0.0 && h[0].is_finite() && h[1] >= 0.0 && h[1].is_finite() && h[2].is_finite() && h[3].is_finite()) {
        return Err(Status::Hyper);
    }
    Ok(LayerHyper { cb: h[0], cw: h[1], lambda_b: h[2], lambda_w: h[3] })
}

/// A count times a count, or Length when it overflows (usize is 32 bits on wasm32).
pub fn mul(a: usize, b: usize) -> Result<usize, Status> {
    a.checked_mul(b).ok_or(Status::Length)
}

/// The decoded config of `wf_theory`.
#[derive(Clone, Debug)]
pub struct TheoryConfig {
    /// n₀ … n_{L−1} (integers, as f64: the recursion only uses their ratios)
    pub widths: Vec<f64>,
    /// layer 1 … L
    pub hyper: Vec<LayerHyper>,
    pub act: Activation,
    /// x² = |x|²/n₀
    pub x2: f64,
}

/// Decodes `cfg` = [L, n₀ … n_{L−1}, (C_b, C_W, λ_b, λ_W) × L, kind, a, x²].
pub fn theory_config(cfg: &[f64]) -> Result<TheoryConfig, Status> {
    let depth = int(*cfg.first().ok_or(Status::Length)?, 1, MAX_THEORY_DEPTH).ok_or(Status::Length)?;
    if cfg.len() != 1 + 5 * depth + 3 {
        return Err(Status::Length);
    }
    let widths = &cfg[1..1 + depth];
    if widths.iter().any(|&w| int(w, 1, MAX_WIDTH).is_none()) {
        return Err(Status::Width);
    }
    let hyper = (0..depth).map(|l| layer_hyper(&cfg[1 + depth + 4 * l..1 + depth + 4 * l + 4])).collect::<Result<Vec<_>, _>>()?;
    let tail = &cfg[1 + 5 * depth..];
    let act = activation(tail[0], tail[1])?;
    let x2 = tail[2];
    if !(x2 >= 0.0 && x2.is_finite()) {
        return Err(Status::Input);
    }
    Ok(TheoryConfig { widths: widths.to_vec(), hyper, act, x2 })
}

/// The decoded config of `wf_kernel_matrix`.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    pub depth: usize,
    /// number of inputs N
    pub n: usize,
    /// input width n₀
    pub n0: usize,
    pub hyper: Vec<LayerHyper>,
    pub act: Activation,
}

/// Decodes `cfg` = [L, N, n₀, (C_b, C_W, λ_b, λ_W) × L, kind, a].
pub fn kernel_config(cfg: &[f64]) -> Result<KernelConfig, Status> {
    if cfg.len() < 3 {
        return Err(Status::Length);
    }
    let depth = int(cfg[0], 1, MAX_THEORY_DEPTH).ok_or(Status::Length)?;
    let n = int(cfg[1], 1, MAX_WIDTH).ok_or(Status::Length)?;
    let n0 = int(cfg[2], 1, MAX_WIDTH).ok_or(Status::Width)?;
    if cfg.len() != 3 + 4 * depth + 2 {
        return Err(Status::Length);
    }
    let hyper = (0..depth).map(|l| layer_hyper(&cfg[3 + 4 * l..3 + 4 * l + 4])).collect::<Result<Vec<_>, _>>()?;
    let tail = &cfg[3 + 4 * depth..];
    let act = activation(tail[0], tail[1])?;
    Ok(KernelConfig { depth, n, n0, hyper, act })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_decoded_exactly() {
        assert_eq!(int(3.0, 1, 5), Some(3));
        for v in [3.5, -1.0, 0.0, 6.0, f64::NAN, f64::INFINITY, -0.5] {
            assert_eq!(int(v, 1, 5), None, "{v}");
        }
    }

    #[test]
    fn activation_kinds_minus_one_and_3_7_are_rejected() {
        // `as u32` used to turn −1 into 0 (linear) and 3.7 into 3 (tanh)
        for kind in [-1.0, 3.7, 13.0, f64::NAN, 0.5] {
            assert_eq!(activation(kind, 0.0).err(), Some(Status::Activation), "kind {kind}");
        }
        assert!(activation(3.0, 0.0).is_ok() && activation(0.0, 0.0).is_ok());
        assert_eq!(activation(3.0, f64::NAN).err(), Some(Status::Activation));
    }

    fn theory_cfg(kind: f64) -> Vec<f64> {
        vec![2.0, 4.0, 8.0, 0.1, 1.5, 1.0, 1.0, 0.1, 1.5, 1.0, 1.0, kind, 0.0, 1.0]
    }

    #[test]
    fn theory_config_rejects_bad_kinds_and_values() {
        assert!(theory_config(&theory_cfg(3.0)).is_ok());
        assert_eq!(theory_config(&theory_cfg(-1.0)).err(), Some(Status::Activation));
        assert_eq!(theory_config(&theory_cfg(3.7)).err(), Some(Status::Activation));
        let mut c = theory_cfg(3.0);
        c[2] = 8.5;
        assert_eq!(theory_config(&c).err(), Some(Status::Width));
        let mut c = theory_cfg(3.0);
        c[3] = -0.1;
        assert_eq!(theory_config(&c).err(), Some(Status::Hyper));
        let mut c = theory_cfg(3.0);
        c[13] = f64::NAN;
        assert_eq!(theory_config(&c).err(), Some(Status::Input));
        let mut c = theory_cfg(3.0);
        c[0] = 2.5;
        assert_eq!(theory_config(&c).err(), Some(Status::Length));
        assert_eq!(theory_config(&[]).err(), Some(Status::Length));
        assert_eq!(theory_config(&c[..5]).err(), Some(Status::Length));
        let mut deep = vec![(MAX_THEORY_DEPTH + 1) as f64];
        deep.resize(1 + 5 * (MAX_THEORY_DEPTH + 1) + 3, 1.0);
        assert_eq!(theory_config(&deep).err(), Some(Status::Length));
    }

    #[test]
    fn kernel_config_rejects_bad_kinds_and_values() {
        let good = [1.0, 2.0, 3.0, 0.0, 1.0, 1.0, 1.0, 3.0, 0.0];
        assert!(kernel_config(&good).is_ok());
        assert_eq!(kernel_config(&[1.0, 2.0]).err(), Some(Status::Length));
        assert_eq!(kernel_config(&[1.0, 2.0, 3.0, 0.0, 1.0, 1.0, 1.0, 99.0, 0.0]).err(), Some(Status::Activation));
        for kind in [-1.0, 3.7] {
            let mut c = good;
            c[7] = kind;
            assert_eq!(kernel_config(&c).err(), Some(Status::Activation), "kind {kind}");
        }
        let mut c = good;
        c[1] = 2.5;
        assert_eq!(kernel_config(&c).err(), Some(Status::Length));
        let mut c = good;
        c[2] = 0.0;
        assert_eq!(kernel_config(&c).err(), Some(Status::Width));
    }
}
