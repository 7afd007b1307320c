//! Sampled networks: the per-network values that the ensemble estimators average
//! (docs/theory/ensembles.md).
pub mod network;
