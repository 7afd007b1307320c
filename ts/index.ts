/**
 * wideflow — finite-width statistics of deep MLPs at initialization.
 * The public API, shared by the Node and browser entry points.
 */
export { init, info } from './api/backend.js';
export type { Backend, BackendInfo, InitOptions } from './api/backend.js';
export * from './api/errors.js';
export { theory, normalized } from './api/theory.js';
export type { TheoryLayer, TheoryResult, TheoryOptions, MultiInputNetworkSpec } from './api/theory.js';
export { SampleTensor } from './api/multi.js';
export type { MultiInputSpec, TheoryMultiLayer, TheoryMultiResult, TensorSymmetry } from './api/multi.js';
export type { NetworkSpec, InputSpec, PerLayer } from './api/spec.js';
export { ensemble, mergeEnsembles, ensembleSpec } from './api/ensemble.js';
export type { EnsembleOptions, EnsembleResult, EnsembleLayer, EnsembleState, EnsembleOrder } from './api/ensemble.js';
export type { EnsembleMultiResult, EnsembleMultiLayer, EnsembleMultiState, MatrixEstimate, TensorEstimate, MultiTensorKey } from './api/ensemble-multi.js';
export type { Estimate } from './stats/estimator.js';
export { compare, extrapolate } from './api/compare.js';
export type { CompareResult, CompareRow, ComparePoint, CompareOptions, CompareFit, FitUsed, Extrapolation } from './api/compare.js';
export { compareMulti } from './api/compare-multi.js';
export type { CompareMultiResult, CompareMultiRow } from './api/compare-multi.js';
export { kernels } from './api/kernels.js';
export type { KernelsSpec, KernelsOptions, KernelsParallelOptions, KernelsResult, KernelLayer, KernelInputs } from './api/kernels.js';
export { gaussianExpectations, expect, expect2, hermiteRule, DEFAULT_DEGREE, MAX_DEGREE, MOMENT_NAMES } from './api/gauss.js';
export type { GaussianExpectations, GaussianExpectationsOptions, ExpectOptions, Covariance2, MomentName } from './api/gauss.js';
export { ACTIVATIONS, parseActivation, erf, erfc } from './api/activation.js';
export type { ActivationSpec, CustomActivationSpec, ActivationInfo } from './api/activation.js';
export { Rng } from './twin/numerics/rng.js';
export { critical, susceptibilities, fixedPoints, criticalAsymptotics, criticalSpec, learningRates, depthToWidth } from './api/critical.js';
export type {
  CriticalOptions,
  CriticalResult,
  CriticalPoint,
  ScaleInvariantPoint,
  ZeroPoint,
  PositivePoint,
  RejectedCandidate,
  TaylorAtZero,
  FixedPoint,
  FixedPointsResult,
  AsymptoticCheck,
  AsymptoticsResult,
  CriticalNetworkOptions,
  LearningRatesResult,
  DepthToWidthResult,
  DepthToWidthLayer,
} from './api/critical.js';
export { predict, predictFromKernels, MAX_TRAIN } from './api/predict.js';
export type { PredictSpec, PredictProblem, PredictResult, PredictLabels, JointKernels } from './api/predict.js';
export { predictFinite, MAX_FINITE_INPUTS } from './api/predict-finite.js';
export type { PredictFiniteSpec, PredictFiniteOptions, PredictFiniteResult } from './api/predict-finite.js';
export { finiteStatistics, momentsFromTheory } from './api/finite-statistics.js';
export type { FiniteMoments, FiniteStatistics } from './api/finite-statistics.js';
export { evolveNetwork } from './api/finite-dynamics.js';
export type { NetworkInit, FiniteStage } from './api/finite-dynamics.js';
export { train, mergeTrainings, MemoryBudgetError, trainChunkSize } from './api/train.js';
export type { TrainSpec, TrainOptions, TrainResult, TrainedNetwork, TrainSummary, TrainStepSummary, TrainState, ArrayEstimate, Matrix } from './api/train.js';
