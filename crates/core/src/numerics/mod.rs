//! Numerical building blocks, independent of deep-learning theory: σ and its derivatives, dense
//! kernels with fixed summation orders, the RNG, Gauss rules and Gaussian expectations.
pub mod activation;
pub mod gemm;
pub mod quadrature;
pub mod rng;
