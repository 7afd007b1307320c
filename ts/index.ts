/**
 * wideflow — finite-width statistics of deep MLPs at initialization.
 * The public API, shared by the Node and browser entry points.
 */
export { init, info } from './backend.js';
export type { Backend, BackendInfo, InitOptions } from './backend.js';
export * from './errors.js';
export { theory, normalized } from './theory.js';
export type { TheoryLayer, TheoryResult, TheoryOptions } from './theory.js';
export type { NetworkSpec, InputSpec, PerLayer } from './spec.js';
export { ensemble, mergeEnsembles, ensembleSpec } from './ensemble.js';
export type { EnsembleOptions, EnsembleResult, EnsembleLayer, EnsembleState, EnsembleOrder } from './ensemble.js';
export type { Estimate } from './estimator.js';
export { compare, extrapolate } from './compare.js';
export type { CompareResult, CompareRow, ComparePoint, CompareOptions } from './compare.js';
export { kernels } from './kernels.js';
export type { KernelsSpec, KernelsOptions, KernelsResult, KernelLayer, KernelInputs } from './kernels.js';
export { gaussianExpectations, expect, expect2, hermiteRule, DEFAULT_DEGREE, MAX_DEGREE, MOMENT_NAMES } from './gauss.js';
export type { GaussianExpectations, GaussianExpectationsOptions, ExpectOptions, Covariance2, MomentName } from './gauss.js';
export { ACTIVATIONS, parseActivation, erf, erfc } from './activation.js';
export type { ActivationSpec, CustomActivationSpec, ActivationInfo } from './activation.js';
export { Rng } from './rng.js';
export { train, mergeTrainings, MemoryBudgetError, trainChunkSize } from './api/train.js';
export type { TrainSpec, TrainOptions, TrainResult, TrainedNetwork, TrainSummary, TrainStepSummary, TrainState, ArrayEstimate, Matrix } from './api/train.js';
