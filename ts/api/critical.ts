/**
 * Criticality (PDLT ch. 5, §9.2–9.4): where the critical point of an activation is, which
 * universality class it belongs to, how K, Θ and the 1/n tensors flow with depth there, which
 * learning rates keep the NTK of order one at every depth, and when a network is too deep for its
 * width.
 *
 * Definitions (single input, ⟨f⟩_K = E f(z), z ~ N(0, K); recursions.md §0):
 *   K⁽ℓ⁺¹⁾ = C_b + C_W⟨σ²⟩_{K⁽ℓ⁾}                                  (§4.1)
 *   χ∥(K) = C_W d⟨σ²⟩_K/dK = C_W⟨σ²(z² − K)⟩_K/(2K²) = (C_W/2)⟨(σ²)″⟩_K  (§5.1, Stein form)
 *   χ⊥(K) = C_W⟨σ′σ′⟩_K                                             (§5.1)
 * A critical point is (C_b, C_W, K*) with K* a fixed point and χ∥(K*) = χ⊥(K*) = 1.
 *
 * Every Gaussian expectation comes from the library's one moment bundle (the js twin
 * `computeMoments`, or the wasm core through `theory()`), so χ∥ is always in Stein form (no
 * cancelling ⟨σ²(z² − K)⟩ integral; relu-type kinks contribute their φ_K(0)·[(σ²)′]₀ term).
 */
export type { CriticalOptions, TaylorAtZero, ScaleInvariantPoint, ZeroPoint, PositivePoint, CriticalPoint, RejectedCandidate, CriticalResult } from './critical/types.js';
export { ROOT_TOLERANCE, brent } from './critical/roots.js';
export { taylor } from './critical/classes.js';
export { susceptibilities, fixedPoints, critical, criticalSpec } from './critical/point.js';
export type { FixedPoint, FixedPointsResult, CriticalNetworkOptions } from './critical/point.js';
export { criticalAsymptotics, learningRates } from './critical/asymptotics.js';
export type { AsymptoticCheck, AsymptoticsResult, LearningRatesResult } from './critical/asymptotics.js';
export { depthToWidth } from './critical/depth-to-width.js';
export type { DepthToWidthLayer, DepthToWidthResult } from './critical/depth-to-width.js';
