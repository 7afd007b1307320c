//! Infinite- and finite-width theory (PDLT): the Gaussian-moment bundle, the single-input
//! recursions, and the kernel matrices over many inputs (docs/theory/recursions.md).
pub mod kernel_matrix;
pub mod mehler;
pub mod moments;
pub mod recursion;
pub mod multi;
