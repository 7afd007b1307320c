//! Checked decoding of the f64 config buffers the exports receive, and the limits they enforce.
//! Every integer travels as an f64 and is accepted only when it is exactly an integer inside its
//! range (no truncation: −1 is not "linear", 3.7 is not "tanh"); every real is checked finite.
//! The TS layer validates the same parameters first and names them in its errors; these checks make
//! the boundary safe on its own (a bad buffer gets a `Status`, never a trap or a silent clamp).
use super::status::Status;
use crate::numerics::activation::Activation;
use crate::theory::recursion::LayerHyper;

// The limits are named once, in schema/layout.json (their reasons are documented there and in
// ffi/layout.rs), because the TS layer checks the same bounds first.
pub use super::layout::{MAX_ENSEMBLE_DEPTH, MAX_THEORY_DEPTH, MAX_WIDTH};
use super::layout::{self, kernel_config as kc, theory_config as tc};

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
    use layout::hyper::{CB, CW, LAMBDA_B, LAMBDA_W};
    let (cb, cw, lambda_b, lambda_w) = (h[CB], h[CW], h[LAMBDA_B], h[LAMBDA_W]);
    if !(cb >= 0.0 && cb.is_finite() && cw >= 0.0 && cw.is_finite() && lambda_b.is_finite() && lambda_w.is_finite()) {
        return Err(Status::Hyper);
    }
    Ok(LayerHyper { cb, cw, lambda_b, lambda_w })
}

/// Record `i` of the `hyper` records starting at `start` (layout `hyper`, LEN values each).
pub fn hyper_record(cfg: &[f64], start: usize, i: usize) -> &[f64] {
    &cfg[start + i * layout::hyper::LEN..start + (i + 1) * layout::hyper::LEN]
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

/// Decodes a `theoryConfig` buffer (schema/layout.json): [L, n₀ … n_{L−1}, (C_b, C_W, λ_b, λ_W) × L, kind, a, x²].
pub fn theory_config(cfg: &[f64]) -> Result<TheoryConfig, Status> {
    let depth = int(*cfg.get(tc::DEPTH).ok_or(Status::Length)?, 1, MAX_THEORY_DEPTH).ok_or(Status::Length)?;
    if cfg.len() != tc::len(depth) {
        return Err(Status::Length);
    }
    let widths = &cfg[tc::WIDTHS..tc::WIDTHS + depth];
    if widths.iter().any(|&w| int(w, 1, MAX_WIDTH).is_none()) {
        return Err(Status::Width);
    }
    let hyper = (0..depth).map(|l| layer_hyper(hyper_record(cfg, tc::hyper(depth), l))).collect::<Result<Vec<_>, _>>()?;
    let act = activation(cfg[tc::kind(depth)], cfg[tc::a(depth)])?;
    let x2 = cfg[tc::x2(depth)];
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

/// Decodes a `kernelConfig` buffer (schema/layout.json): [L, N, n₀, (C_b, C_W, λ_b, λ_W) × L, kind, a].
pub fn kernel_config(cfg: &[f64]) -> Result<KernelConfig, Status> {
    if cfg.len() < kc::HYPER {
        return Err(Status::Length);
    }
    let depth = int(cfg[kc::DEPTH], 1, MAX_THEORY_DEPTH).ok_or(Status::Length)?;
    let n = int(cfg[kc::INPUTS], 1, MAX_WIDTH).ok_or(Status::Length)?;
    let n0 = int(cfg[kc::INPUT_WIDTH], 1, MAX_WIDTH).ok_or(Status::Width)?;
    if cfg.len() != kc::len(depth) {
        return Err(Status::Length);
    }
    let hyper = (0..depth).map(|l| layer_hyper(hyper_record(cfg, kc::HYPER, l))).collect::<Result<Vec<_>, _>>()?;
    let act = activation(cfg[kc::kind(depth)], cfg[kc::a(depth)])?;
    Ok(KernelConfig { depth, n, n0, hyper, act })
}

/// The decoded config of `wf_theory_multi`.
#[derive(Clone, Debug)]
pub struct MultiConfig {
    pub depth: usize,
    /// number of inputs N (1 … `theory::multi::MAX_N`)
    pub n: usize,
    /// input width n₀
    pub n0: usize,
    /// n₀ … n_{L−1}
    pub widths: Vec<f64>,
    pub hyper: Vec<LayerHyper>,
    pub act: Activation,
}

/// Decodes `cfg` = [L, N, n₀, n₀ … n_{L−1}, (C_b, C_W, λ_b, λ_W) × L, kind, a]. N above
/// `theory::multi::MAX_N` is refused (Length) here, before anything of size N⁴ is allocated.
pub fn multi_config(cfg: &[f64]) -> Result<MultiConfig, Status> {
    use layout::multi_config as mc;
    if cfg.len() < mc::WIDTHS {
        return Err(Status::Length);
    }
    let depth = int(cfg[mc::DEPTH], 1, MAX_THEORY_DEPTH).ok_or(Status::Length)?;
    let n = int(cfg[mc::INPUTS], 1, crate::theory::multi::MAX_N).ok_or(Status::Length)?;
    let n0 = int(cfg[mc::INPUT_WIDTH], 1, MAX_WIDTH).ok_or(Status::Width)?;
    if cfg.len() != mc::len(depth) {
        return Err(Status::Length);
    }
    let widths = &cfg[mc::WIDTHS..mc::WIDTHS + depth];
    if widths.iter().any(|&w| int(w, 1, MAX_WIDTH).is_none()) {
        return Err(Status::Width);
    }
    let hyper = (0..depth).map(|l| layer_hyper(hyper_record(cfg, mc::hyper(depth), l))).collect::<Result<Vec<_>, _>>()?;
    let act = activation(cfg[mc::kind(depth)], cfg[mc::a(depth)])?;
    Ok(MultiConfig { depth, n, n0, widths: widths.to_vec(), hyper, act })
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
