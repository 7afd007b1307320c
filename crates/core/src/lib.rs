//! wideflow-core: the numeric core of wideflow.
//!
//! Flat and numeric on purpose: every `wf_*` export (all in [`ffi::exports`]) does a whole job on
//! caller-owned buffers in linear memory; validation, defaults and errors live in the TypeScript layer
//! (`ts/`). Exports return a [`ffi::status::Status`] code (0 = ok, negative = refused) instead of
//! panicking, because a trap would poison the wasm instance.
//!
//! * [`numerics`]: activations, dense kernels, RNG, Gauss rules and Gaussian expectations
//! * [`theory`]: the one Gaussian-moment bundle, the single-input recursions, kernel matrices
//! * [`sampling`]: sampled networks and their per-network statistics (the ensembles)
//! * [`ffi`]: the wasm boundary (memory, status codes, checked decoding, every export)
//!
//! Derivations: docs/theory/recursions.md (single input) and docs/theory/ensembles.md (estimators).
pub mod ffi;
pub mod numerics;
pub mod sampling;
pub mod theory;
