/**
 * `predictFinite(spec, problem, options)`: the mean and covariance of the test outputs of an ensemble of
 * width-n networks trained by T steps of gradient descent, to O(1/n) (PDLT ch. ∞; derivation and checks in
 * docs/theory/training-finite.md). One output neuron (n_L = 1).
 *
 *   E[z_δ̇(T)]               = mean0 + mean1/n,
 *   Cov[z_δ̇₁(T), z_δ̇₂(T)]   = covariance0 + covariance1/n,      n = n_{L−1},
 *
 * where mean0, covariance0 are predict()'s infinite-width results. The stage picks the physics kept at
 * O(1/n): 'frozen' — the fluctuating but frozen NTK (G1, H1, A, B, D, F from `theory()`); 'dntk' — plus the
 * dNTK; 'full' — plus the ddNTKs. The last two use the dNTK/ddNTK tensors with sample indices P, Q, R, S, T, U
 * from `theory()` (docs/theory/multi.md §7), or the caller's `moments` when given (e.g. measured on an ensemble).
 * Validated against really trained ensembles at four widths for smooth σ (bench/validation-training.md);
 * for a σ with a kink (relu family) the trained networks leave the O(1/n) theory (kink crossings; only stage
 * 'frozen', the linearized model, holds): `kinked` flags it.
 */
import { InvalidParameterError } from './errors.js';
import { parseActivation } from './activation.js';
import type { KernelsOptions } from './kernels.js';
import { predict, type PredictProblem, type PredictSpec } from './predict.js';
import { theory } from './theory.js';
import type { TheoryMultiResult } from './multi.js';
import type { FiniteStage } from './finite-dynamics.js';
import { finiteStatistics, momentsFromTheory, type FiniteMoments } from './finite-statistics.js';

/** Most inputs N + M (the moment tensors are (N + M)⁴; the cost grows like (N + M)⁵·N·T). */
export const MAX_FINITE_INPUTS = 8;

export interface PredictFiniteSpec extends PredictSpec {
  /** n = n_{L−1}: the hidden width (all hidden layers), whose inverse the corrections multiply. */
  width: number;
  /** n_L; only 1 is supported at O(1/n). */
  outputWidth?: number;
}

export interface PredictFiniteOptions extends KernelsOptions {
  /** 'full' (default: the stage validated against trained networks), 'dntk' or 'frozen' (docs/theory/training-finite.md §3). */
  stage?: FiniteStage;
  /**
   * For 'dntk' and 'full': over the P = N + M inputs (training first), P⁴ arrays, row-major in slot order —
   * dHz = n·E[dĤ_{δ0δ1δ2} z_δ3] (= P_{0123} + Q_{0123} + Q_{0213}), ddI = n·E[dd_IĤ_{δ0δ1δ2δ3}],
   * ddII = n·E[dd_IIĤ_{δ1δ2δ3δ4}] (PDLT §11.2–11.3; conventions in training-finite.md §1).
   */
  moments?: Pick<FiniteMoments, 'dHz' | 'ddI' | 'ddII'>;
}

export interface PredictFiniteResult {
  stage: FiniteStage;
  /** n = n_{L−1}. */
  n: number;
  nTrain: number;
  nTest: number;
  steps: number;
  eta: number;
  /** η_max = 2/λ_max(Θ̃) of the infinite-width training kernel (as predict()). */
  etaMax: number;
  /** Infinite-width E[z_δ̇(T)] (M), = predict().mean. */
  mean0: Float64Array;
  /** Its 1/n coefficient (M). */
  mean1: Float64Array;
  /** mean0 + mean1/n. */
  mean: Float64Array;
  /** Infinite-width Cov (M × M), = predict().covariance. */
  covariance0: Float64Array;
  /** Its 1/n coefficient (M × M). */
  covariance1: Float64Array;
  /** covariance0 + covariance1/n. */
  covariance: Float64Array;
  /** mean1 and covariance1 by source: G1 (kernel correction), H1 (NTK mean), covH (A, B), cumHzz (D, F), dH, dd. */
  parts: Record<string, { mean1: Float64Array; covariance1: Float64Array }>;
  /**
   * σ has a kink (relu, leaky relu, …). Then stages 'dntk' and 'full' are not a description of trained
   * networks: the Taylor map of the training dynamics around initialization is not analytic when
   * preactivations cross the kink during training (bench/validation-training.md; training-finite.md §5).
   */
  kinked: boolean;
  warnings: string[];
}

/**
 * O(1/n) statistics of trained networks (one output). See the module doc; the problem is predict()'s with
 * `steps` and `eta` (gradient descent), kernel 'ntk', no ridge.
 *
 * @example
 * const r = predictFinite(
 *   { activation: 'tanh', depth: 2, width: 128, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 },
 *   { train: { X: [[1, 0], [0, 1]], y: [1, -1] }, test: { X: [[0.6, 0.8]] }, steps: 20, eta: 0.1 },
 * );
 * r.mean[0], r.mean1[0], r.covariance[0]
 */
export function predictFinite(spec: PredictFiniteSpec, problem: PredictProblem, options: PredictFiniteOptions = {}): PredictFiniteResult {
  if (typeof spec !== 'object' || spec === null) throw new InvalidParameterError('spec', spec, 'an object');
  if (typeof problem !== 'object' || problem === null) throw new InvalidParameterError('problem', problem, 'an object { train: { X, y }, test: { X }, steps, eta }');
  const { stage = 'full', moments, ...kopt } = options;
  if (!['frozen', 'dntk', 'full'].includes(stage)) throw new InvalidParameterError('stage', stage, "'frozen', 'dntk' or 'full'");
  if (!Number.isInteger(spec.width) || spec.width < 1) throw new InvalidParameterError('width', spec.width, 'an integer ≥ 1 (n = n_{L−1}, the hidden width)');
  if (spec.outputWidth !== undefined && spec.outputWidth !== 1) throw new InvalidParameterError('outputWidth', spec.outputWidth, '1 (the O(1/n) training statistics are for one output neuron)');
  if (problem.t !== undefined) throw new InvalidParameterError('t', problem.t, 'not given: the O(1/n) statistics are for gradient descent (steps and eta)');
  if (problem.steps === undefined || problem.eta === undefined) throw new InvalidParameterError('steps/eta', `steps = ${problem.steps}, eta = ${problem.eta}`, 'both given (T steps of gradient descent at step η)');
  if ((problem.kernel ?? 'ntk') !== 'ntk') throw new InvalidParameterError('kernel', problem.kernel, "'ntk' (all layers trained)");
  if ((problem.ridge ?? 0) !== 0) throw new InvalidParameterError('ridge', problem.ridge, '0 (no ridge at O(1/n))');
  const { width, outputWidth: _o, ...pspec } = spec;
  const inf = predict(pspec, problem, kopt);
  if (inf.outputs !== 1) throw new InvalidParameterError('train.y', `${inf.outputs} outputs`, 'one output (N numbers): n_L = 1 at O(1/n)');
  const N = inf.nTrain, M = inf.nTest, P = N + M;
  if (P > MAX_FINITE_INPUTS) throw new InvalidParameterError('inputs', P, `N + M ≤ ${MAX_FINITE_INPUTS}`);
  // the joint inputs [train; test] as predict() read them: take them back from the problem
  const rows = (X: unknown, name: string): number[][] => {
    if (Array.isArray(X)) return X.map((r: ArrayLike<number>) => Array.from(r));
    const o = X as { data: ArrayLike<number>; n: number };
    const n0 = o.data.length / o.n;
    if (!Number.isInteger(n0)) throw new InvalidParameterError(name, X, 'rows or { data, n }');
    return Array.from({ length: o.n }, (_, i) => Array.from(o.data).slice(i * n0, (i + 1) * n0));
  };
  const X = [...rows(problem.train.X, 'train.X'), ...rows(problem.test.X, 'test.X')];
  const th = theory({ ...pspec, width, inputWidth: X[0].length, input: { X } }, kopt) as TheoryMultiResult;
  const layer = th.layers[th.layers.length - 1];
  const fromTheory = momentsFromTheory(layer);
  if (stage !== 'frozen' && !moments && fromTheory.dHz && (stage === 'dntk' || fromTheory.ddI)) {
    // theory() carries the dNTK/ddNTK tensors with sample indices: use them
  } else if (stage !== 'frozen') {
    const need = stage === 'full' ? (['dHz', 'ddI', 'ddII'] as const) : (['dHz'] as const);
    for (const k of need) {
      const a = moments?.[k];
      if (!a || a.length !== P ** 4) throw new InvalidParameterError(`moments.${k}`, a?.length, `${P ** 4} numbers (P⁴, P = N + M = ${P}) for stage '${stage}': theory() has no dNTK/ddNTK tensors with sample indices yet`);
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new InvalidParameterError(`moments.${k}[${i}]`, a[i], 'a finite number');
    }
  }
  const mom: FiniteMoments = { ...fromTheory, ...(stage === 'frozen' || !moments ? {} : moments) };
  // 'mean' loss = 'sum' loss at step η/(N·n_out) (training.md §1)
  const etaSum = (problem.loss ?? 'sum') === 'mean' ? problem.eta / N : problem.eta;
  const y = Float64Array.from(Array.isArray(problem.train.y) && typeof problem.train.y[0] !== 'number'
    ? (problem.train.y as ArrayLike<number>[]).map((r) => r[0])
    : (problem.train.y as { data?: ArrayLike<number> }).data ?? (problem.train.y as ArrayLike<number>));
  const st = finiteStatistics(mom, y, etaSum, problem.steps, stage);
  const test = (v: Float64Array) => v.slice(N);
  const testCov = (c: Float64Array) => {
    const out = new Float64Array(M * M);
    for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) out[i * M + j] = c[(N + i) * P + N + j];
    return out;
  };
  const n = layer.n;
  const mean0 = test(st.mean0), mean1 = test(st.mean1), cov0 = testCov(st.cov0), cov1 = testCov(st.cov1);
  const parts: PredictFiniteResult['parts'] = {};
  for (const [k, p] of Object.entries(st.parts)) {
    if ((k === 'dH' && stage === 'frozen') || (k === 'dd' && stage !== 'full')) continue;
    parts[k] = { mean1: test(p.mean), covariance1: testCov(p.cov) };
  }
  const warnings = [...inf.warnings];
  if (problem.eta > 0.5 * inf.etaMax) warnings.push(`η = ${problem.eta} exceeds η_max/2 = ${0.5 * inf.etaMax}: finite-width NTK fluctuations push some networks near the unstable region, where the 1/n expansion of the mean converges slowly (training-finite.md §5)`);
  if (stage !== 'frozen' && moments) warnings.push('dNTK/ddNTK moments supplied by the caller');
  const kinked = parseActivation(spec.activation).hasKink;
  if (kinked && stage !== 'frozen') warnings.push(`σ has a kink: stage '${stage}' does not describe trained networks (preactivations crossing the kink during training make the dynamics non-analytic; against trained relu ensembles stages 'dntk'/'full' miss by 40–75σ and the trained-minus-frozen-NTK output falls slower than 1/n, bench/validation-training.md, training-finite.md §5); only stage 'frozen' is validated for kinked σ`);
  return {
    stage, n, nTrain: N, nTest: M, steps: problem.steps, eta: problem.eta, etaMax: inf.etaMax,
    mean0, mean1, mean: mean0.map((v, i) => v + mean1[i] / n),
    covariance0: cov0, covariance1: cov1, covariance: cov0.map((v, i) => v + cov1[i] / n),
    parts, kinked, warnings,
  };
}
