//! Gaussian quadrature: the Gauss rules ([`rules`]) and the expectation machinery ([`expect`]) that
//! turns them into ⟨f(z)⟩_K for a bundle of integrands, one or two dimensional. The moment bundle the
//! recursions and `gaussianExpectations` use is built on top, in `theory::moments`.
pub mod expect;
pub mod rules;

pub use expect::{ladder_step, Quadrature, CUSTOM_HALFWIDTH, X_MAX};
pub use rules::{hermite_rule, laguerre_rule, legendre_rule};

/// Largest user-visible degree (the refined rule used for error estimates goes to twice this).
pub const MAX_DEGREE: usize = 1000;
/// Degree used when the caller does not choose one.
pub const DEFAULT_DEGREE: usize = 64;

/// Why a quadrature request was refused (the output is then filled with zeros, never NaN). The
/// exports map it to `ffi::status::Status`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum QuadError {
    /// Degree outside 1…MAX_DEGREE.
    Degree,
    /// A variance is negative or not finite, or a 2×2 covariance is not positive semidefinite.
    Variance,
    /// The eigenvalue iteration did not converge (not observed; guards a pathological input).
    NoConvergence,
}

/// Nodes and weights of a rule; weights are normalized to total mass 1 (Σ wᵢ f(xᵢ) ≈ E f(X)).
#[derive(Clone, Debug)]
pub struct Rule {
    pub nodes: Vec<f64>,
    pub weights: Vec<f64>,
}
