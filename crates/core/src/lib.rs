//! wideflow-core: the numeric core of wideflow.
//!
//! Flat and numeric on purpose: every `wf_*` export (in the module that owns the concept) does a
//! whole job on caller-owned buffers in linear memory; validation, defaults and errors live in the
//! TypeScript layer (`ts/`). Exports return a status code (0 = ok, negative = error) instead of
//! panicking, because a trap would poison the wasm instance.
pub mod activation;
pub mod quadrature;
pub mod rng;
pub mod gemm;
pub mod recursion;
pub mod network;
pub mod memory;
pub mod kernel_matrix;
pub mod train;
