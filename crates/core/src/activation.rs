//! Activations σ with exact σ′, σ″, σ‴ (STUB: the numerics helper replaces the body; the API is fixed).
//!
//! Kind codes are shared with `ts/activation.ts` (ACTIVATION_KINDS) and cross the wasm boundary as u32.

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Linear = 0,
    Relu = 1,
    LeakyRelu = 2, // a = negative-side slope
    Tanh = 3,
    Erf = 4,
    Sigmoid = 5,
    Softplus = 6,
    Gelu = 7,      // x·Φ(x), exact
    Swish = 8,     // x·sigmoid(x)
    Sin = 9,
    Elu = 10,      // a = α
    ScaledTanh = 11, // tanh(a·x)
    Monomial = 12, // x^p, a = p (integer ≥ 1)
}

#[derive(Clone, Copy, Debug)]
pub struct Activation {
    pub kind: Kind,
    pub a: f64,
}

/// Which analytic branch of a piecewise activation to evaluate (for kink-split quadrature).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Branch {
    /// By the sign of x, as a sampled network sees it (the kink itself takes the right branch).
    Pointwise,
    /// The x > 0 formula, analytically continued to any x.
    Right,
    /// The x < 0 formula, analytically continued to any x.
    Left,
}

impl Activation {
    /// Decodes the (kind, parameter) pair sent from TS; None for an unknown kind.
    pub fn from_raw(kind: u32, a: f64) -> Option<Activation> {
        let k = match kind {
            0 => Kind::Linear, 1 => Kind::Relu, 2 => Kind::LeakyRelu, 3 => Kind::Tanh, 4 => Kind::Erf,
            5 => Kind::Sigmoid, 6 => Kind::Softplus, 7 => Kind::Gelu, 8 => Kind::Swish, 9 => Kind::Sin,
            10 => Kind::Elu, 11 => Kind::ScaledTanh, 12 => Kind::Monomial, _ => return None,
        };
        Some(Activation { kind: k, a })
    }

    /// True for the piecewise-smooth family (kink at 0): relu, leaky relu, elu.
    pub fn has_kink(&self) -> bool {
        matches!(self.kind, Kind::Relu | Kind::LeakyRelu | Kind::Elu)
    }

    /// [σ, σ′, σ″, σ‴] at x, pointwise (σ″ = σ‴ = 0 away from the kink for relu/leaky relu).
    #[inline]
    pub fn eval(&self, x: f64) -> [f64; 4] {
        self.eval_branch(x, Branch::Pointwise)
    }

    /// [σ, σ′, σ″, σ‴] at x using the given branch.
    pub fn eval_branch(&self, x: f64, branch: Branch) -> [f64; 4] {
        let right = match branch { Branch::Pointwise => x >= 0.0, Branch::Right => true, Branch::Left => false };
        match self.kind {
            Kind::Linear => [x, 1.0, 0.0, 0.0],
            Kind::Relu => if right { [x, 1.0, 0.0, 0.0] } else { [0.0; 4] },
            Kind::Tanh => {
                let t = x.tanh();
                let d = 1.0 - t * t;
                [t, d, -2.0 * t * d, d * (6.0 * t * t - 2.0)]
            }
            _ => unimplemented!("activation stub"),
        }
    }
}
