//! Sampled networks: the per-network values that the ensemble estimators average
//! (docs/theory/ensembles.md), and the same networks trained by gradient descent ([`train`],
//! docs/theory/trainer.md).
pub mod multi;
pub mod network;
pub mod train;
