/**
 * `predict(spec, problem)`: what gradient descent makes of an INFINITELY wide MLP, averaged over the
 * random initialization (PDLT ch. 10; the Bayesian counterpart, ch. 6). The O(1/n) corrections are
 * a separate, later piece (issue 13 item 3).
 *
 * Conventions (docs/theory/training.md derives them and maps them onto neural-tangents):
 *  - Loss (PDLT §7.1): L = ½ Σ_{α̃ ∈ train} Σ_i (z_{i;α̃} − y_{i;α̃})²  — a SUM over the N training
 *    inputs and the n_out outputs (`loss: 'sum'`, the default). With `loss: 'mean'`,
 *    L = ½·mean = L_sum / (N·n_out), neural-tangents' convention; it rescales every step/time by
 *    1/(N·n_out) in the dynamics below (and multiplies η_max by N·n_out).
 *  - Update: θ_μ ← θ_μ − η λ_μν ∂L/∂θ_ν with the learning-rate tensor of `kernels()` (λ_b on biases,
 *    λ_W/n_{ℓ−1} on weights), so that the NTK is Θ_δ₁δ₂ = Σ_μν λ_μν ∂_μz_δ₁ ∂_νz_δ₂ (PDLT §7.1, §8.0;
 *    docs/theory/conventions.md).
 *    Gradient flow is the limit η → 0 with t = η·T fixed.
 *  - K, Θ are the layer-L kernels of `kernels()` over the inputs [train; test].
 *
 * At infinite width Θ is deterministic and frozen and the network is linear in its parameters
 * (PDLT §10.1), so for every input δ, with Θ̃ the N × N training block:
 *
 *   z_δ(T) = z_δ(0) − Θ_δα̃ [Θ̃⁻¹ (1 − g(Θ̃))]^{α̃β̃} (z_β̃(0) − y_β̃),
 *   g(λ) = (1 − ηλ)^T        (T steps of full-batch gradient descent at step η),
 *   g(λ) = e^{−λt}            (gradient flow to time t),
 *   g(λ) = 0                  (t = ∞: the z* of PDLT §10.2).
 *
 * Since z(0) ~ N(0, K ⊗ δ_ij) over train + test (PDLT §4.1), with A = Θ_td Θ̃⁻¹(1 − g(Θ̃)):
 *
 *   mean       m_δ;i = A_δα̃ y_α̃;i,
 *   covariance Σ_δ₁δ₂ = K_δ₁δ₂ − A K_α̃δ₂ − K_δ₁α̃ Aᵀ + A K̃ Aᵀ      (same for every output i; the
 *              outputs are independent: Cov[z_i;δ₁, z_j;δ₂] = δ_ij Σ_δ₁δ₂) — PDLT §10.2.4.
 *
 * `kernel: 'nngp'` puts K in place of Θ in the dynamics (training only the readout layer when
 * λ⁽ᴸ⁾ = C⁽ᴸ⁾, neural-tangents' `get='nngp'`); then Σ = K_tt − K_td K̃⁻¹(1 − g(K̃)²) K_dt, and at
 * t = ∞ this is the Bayesian posterior of the NNGP (PDLT §6.4) with noise variance `ridge`.
 *
 * Spectral functions are evaluated on the eigendecomposition of Θ̃ (+ ridge·1), exactly:
 * (1 − g(λ))/λ as −expm1(−λt)/λ or −expm1(T·log1p(−ηλ))/λ (no cancellation at small λ).
 * A singular Θ̃ (duplicate training inputs): eigenvalues below 10·N·ε·λ_max are dropped — the
 * Moore–Penrose pseudo-inverse. This is exact, not an approximation, when the joint kernel over
 * train + test is positive semidefinite: then Θ_td v = 0 for every null vector v of Θ̃, so those
 * modes never reach the test outputs. The result reports it (`nullModes`, a warning). Eigenvalues
 * down to −1e-9·λ_max (rounding/quadrature) are null modes too; below, the kernel is refused.
 */
import { kernels, type KernelInputs, type KernelsOptions, type KernelsSpec } from './kernels.js';
import { InvalidParameterError } from './errors.js';
import { matmul, matmulT, symmetricEigen, symmetrize } from './linalg.js';

/** The network: as for `kernels()`, without the inputs (they come from the problem). */
export interface PredictSpec extends Omit<KernelsSpec, 'inputs'> {
  /** n₀, if given: every input row must have this many entries. */
  inputWidth?: number;
}

/**
 * Labels y: N numbers (one output) or N rows of n_out numbers, or `{ data, n }` with data the
 * N·n_out values row-major.
 */
export type PredictLabels = ArrayLike<number> | ReadonlyArray<ArrayLike<number>> | { data: ArrayLike<number>; n: number };

export interface PredictProblem {
  /** The training set: N inputs x_α̃ ∈ R^{n₀} and their labels. */
  train: { X: KernelInputs; y: PredictLabels };
  /** The M test inputs x_δ̇ ∈ R^{n₀}. */
  test: { X: KernelInputs };
  /** Gradient-flow time t ≥ 0 (t = η·T of gradient descent; `Infinity` allowed). Excludes `steps`/`eta`. */
  t?: number;
  /** T ≥ 0, the number of full-batch gradient-descent steps (an integer). Needs `eta`. */
  steps?: number;
  /** η > 0, the global step of gradient descent (with `steps`). */
  eta?: number;
  /** Added to the diagonal of the training kernel, Θ̃ → Θ̃ + ridge·1 (≥ 0, default 0). For 'nngp' at t = ∞, the noise variance. */
  ridge?: number;
  /** The kernel that drives the dynamics: 'ntk' (Θ, default: all layers trained) or 'nngp' (K). */
  kernel?: 'ntk' | 'nngp';
  /** Loss normalization: 'sum' (default, PDLT: ½Σ) or 'mean' (½·mean over N·n_out, as neural-tangents). */
  loss?: 'sum' | 'mean';
}

export interface PredictResult {
  /** What was computed: 'flow' (time t), 'gd' (T steps at η), 'converged' (t = ∞). */
  dynamics: 'flow' | 'gd' | 'converged';
  kernel: 'ntk' | 'nngp';
  loss: 'sum' | 'mean';
  /** Flow time (flow, converged: Infinity), or η·T for gd (the flow time it approximates). */
  t: number;
  steps: number | null;
  eta: number | null;
  ridge: number;
  /** N, M, n_out. */
  nTrain: number;
  nTest: number;
  outputs: number;
  /**
   * E[z_δ̇;i], M × n_out row-major (mean[δ̇·n_out + i]). `null` only when gradient descent diverges
   * so far that the values overflow (see `diverges`).
   */
  mean: Float64Array | null;
  /** Σ_δ̇₁δ̇₂ = Cov[z_δ̇₁;i, z_δ̇₂;i] for each output i, M × M row-major (null as for `mean`). */
  covariance: Float64Array | null;
  /**
   * E[L] over the initialization at the end of training, in the chosen loss normalization: with the
   * training residual z̃ − y = g(Θ̃)(z̃(0) − y), E[L_sum] = ½ Σ_i ‖g(Θ̃) y_i‖² + ½ n_out tr(g(Θ̃) K̃ g(Θ̃))
   * (null modes keep g = 1: they are not trained). The theory for a trainer's loss curve. Null when
   * it overflows (divergence).
   */
  trainLoss: number | null;
  /**
   * η_max = 2/λ_max of the training kernel that drives the dynamics (Θ̃ or K̃, + ridge), times N·n_out
   * for `loss: 'mean'`: gradient descent converges for η < η_max and diverges for η > η_max.
   */
  etaMax: number;
  /** True when gd runs at η > η_max: the largest mode grows like |1 − ηλ_max|^T. */
  diverges: boolean;
  /** Eigenvalues of the training kernel that drives the dynamics (+ ridge), ascending. */
  spectrum: Float64Array;
  /** Modes dropped by the pseudo-inverse (eigenvalues ≤ 10·N·ε·λ_max); 0 when Θ̃ is invertible. */
  nullModes: number;
  /** K and Θ of layer L over [train; test], (N+M) × (N+M) row-major (the inputs of the formulas). */
  K: Float64Array;
  Theta: Float64Array;
  warnings: string[];
}

/** Kernels over [train; test] and the labels, for {@link predictFromKernels}. */
export interface JointKernels {
  /** N, M. */
  nTrain: number;
  nTest: number;
  /** K over [train; test], (N+M)² row-major. */
  K: ArrayLike<number>;
  /** Θ over [train; test], (N+M)² row-major (unused, may be omitted, for kernel 'nngp'). */
  Theta?: ArrayLike<number>;
}

const EPS = 2.220446049250313e-16;
/** Relative eigenvalue cut of the pseudo-inverse, times N (as LAPACK's rank decisions). */
const RCOND = 10 * EPS;
/**
 * Negative eigenvalues down to −NEG_TOL·λ_max are rounding or quadrature error of a PSD kernel (nearly
 * equal inputs) and become null modes; below that the kernel is refused as indefinite.
 */
const NEG_TOL = 1e-9;
/** Above this condition number of the kept spectrum we warn (digits lost in Θ̃⁻¹ ≈ log10 κ). */
const COND_WARN = 1e10;
/** Most training inputs (the eigensolver is O(N³): ~1 s at N = 400, ~8 s at 800). */
export const MAX_TRAIN = 2000;
const PROBLEM_KEYS = new Set(['train', 'test', 't', 'steps', 'eta', 'ridge', 'kernel', 'loss']);

/**
 * Mean and covariance of the test outputs of the infinite ensemble of infinitely wide networks
 * trained on (train.X, train.y) — by gradient flow to time `t`, by `steps` gradient-descent steps at
 * step `eta`, or to convergence (neither given, or t = Infinity) — and, with `kernel: 'nngp'`, the
 * Bayesian NNGP posterior. Formulas, conventions and PDLT sections: the module comment above.
 *
 * @example
 * const r = predict(
 *   { activation: 'erf', depth: 3, Cb: 0.1, CW: 1, lambdaB: 0.1, lambdaW: 1 },
 *   { train: { X: [[1, 0], [0, 1]], y: [1, -1] }, test: { X: [[0.6, 0.8]] }, steps: 100, eta: 0.5 },
 * );
 * r.mean[0], r.covariance[0], r.etaMax
 */
export function predict(spec: PredictSpec, problem: PredictProblem, options: KernelsOptions = {}): PredictResult {
  if (typeof spec !== 'object' || spec === null) throw new InvalidParameterError('spec', spec, 'an object');
  if (typeof problem !== 'object' || problem === null) throw new InvalidParameterError('problem', problem, 'an object { train: { X, y }, test: { X }, … }');
  if (typeof problem.train !== 'object' || problem.train === null) throw new InvalidParameterError('train', problem.train, 'an object { X, y }');
  if (typeof problem.test !== 'object' || problem.test === null) throw new InvalidParameterError('test', problem.test, 'an object { X }');
  const xTrain = readInputs('train.X', problem.train.X);
  const xTest = readInputs('test.X', problem.test.X);
  const n0 = spec.inputWidth ?? xTrain.n0;
  if (spec.inputWidth !== undefined && (!Number.isInteger(spec.inputWidth) || spec.inputWidth < 1)) {
    throw new InvalidParameterError('inputWidth', spec.inputWidth, 'an integer ≥ 1');
  }
  if (xTrain.n0 !== n0) throw new InvalidParameterError('train.X', `rows of ${xTrain.n0} numbers`, `rows of n₀ = ${n0} numbers (spec.inputWidth)`);
  if (xTest.n0 !== n0) throw new InvalidParameterError('test.X', `rows of ${xTest.n0} numbers`, `rows of n₀ = ${n0} numbers (the width of train.X${spec.inputWidth !== undefined ? ' and spec.inputWidth' : ''})`);
  const labels = readLabels(problem.train.y, xTrain.n);
  const { train: _train, test: _test, ...settings } = problem;
  readSettings(settings); // bad settings fail before the kernels are computed
  const N = xTrain.n, M = xTest.n;
  const data = new Float64Array((N + M) * n0);
  data.set(xTrain.x, 0);
  data.set(xTest.x, N * n0);
  const km = kernels({ ...specWithoutWidth(spec), inputs: { data, n: N + M } }, options);
  const last = km.layers[km.layers.length - 1];
  const r = predictFromKernels({ nTrain: N, nTest: M, K: last.K, Theta: last.Theta }, labels, settings);
  r.warnings.unshift(...km.warnings);
  return r;
}

/**
 * The formulas of {@link predict} on given kernels (for kernels from elsewhere, or a custom
 * recursion). `y` is N × n_out row-major (`outputs` columns). `settings` as in {@link PredictProblem}
 * (without train/test). Θ and K must be symmetric positive semidefinite over [train; test].
 */
export function predictFromKernels(
  kern: JointKernels,
  labels: { y: ArrayLike<number>; outputs: number },
  settings: Omit<PredictProblem, 'train' | 'test'> = {},
): PredictResult {
  const { nTrain: N, nTest: M } = kern;
  if (!Number.isInteger(N) || N < 1 || N > MAX_TRAIN) throw new InvalidParameterError('nTrain', N, `an integer in [1, ${MAX_TRAIN}]`);
  if (!Number.isInteger(M) || M < 1) throw new InvalidParameterError('nTest', M, 'an integer ≥ 1');
  const s = readSettings(settings);
  const P = N + M;
  const K = checkMatrix('K', kern.K, P);
  const Theta = s.kernel === 'ntk' ? checkMatrix('Theta', kern.Theta, P) : kern.Theta ? checkMatrix('Theta', kern.Theta, P) : new Float64Array(0);
  const k = labels.outputs;
  if (!Number.isInteger(k) || k < 1 || labels.y.length !== N * k) {
    throw new InvalidParameterError('y', `${labels.y.length} values`, `N·n_out = ${N}·${k} values`);
  }
  for (let i = 0; i < labels.y.length; i++) {
    if (!Number.isFinite(labels.y[i])) throw new InvalidParameterError(`y[${Math.floor(i / k)}]${k > 1 ? `[${i % k}]` : ''}`, labels.y[i], 'a finite number');
  }
  const warnings: string[] = [];
  const D = s.kernel === 'ntk' ? Theta : K; // the kernel of the dynamics
  const block = (m: Float64Array, r0: number, nr: number, c0: number, nc: number) => {
    const o = new Float64Array(nr * nc);
    for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) o[i * nc + j] = m[(r0 + i) * P + c0 + j];
    return o;
  };
  const Dtrain = block(D, 0, N, 0, N);
  for (let i = 0; i < N; i++) Dtrain[i * N + i] += s.ridge;
  const eig = symmetricEigen(Dtrain, N);
  const lam = eig.values;
  const lmax = Math.max(Math.abs(lam[0]), Math.abs(lam[N - 1]));
  const cut = RCOND * N * lmax;
  const name = s.kernel === 'ntk' ? 'Θ̃' : 'K̃';
  if (lam[0] < -NEG_TOL * lmax) {
    throw new InvalidParameterError(s.kernel === 'ntk' ? 'Theta' : 'K', `smallest training-block eigenvalue ${lam[0]}`, `positive semidefinite (eigenvalues ≥ −${NEG_TOL}·λ_max = −${(NEG_TOL * lmax).toExponential(2)})`);
  }
  if (lam[0] < -cut) {
    warnings.push(`the training kernel ${name} is slightly indefinite (λ_min = ${lam[0].toExponential(2)}, λ_max = ${lmax.toExponential(2)}; quadrature error of nearly equal inputs?): negative eigenvalues are treated as null modes`);
  }
  // The dynamics sees λ/norm: the 'mean' loss divides the gradient by N·n_out.
  const norm = s.loss === 'mean' ? N * k : 1;
  const lmaxPos = lam[N - 1];
  const etaMax = lmaxPos > 0 ? (2 * norm) / lmaxPos : Infinity;
  const diverges = s.dynamics === 'gd' && (s.eta as number) > etaMax;
  if (diverges) {
    warnings.push(`eta = ${s.eta} > etaMax = ${etaMax}: gradient descent diverges (the top mode of ${name} grows like |1 − ηλ_max|^T = ${Math.abs(1 - ((s.eta as number) * lmaxPos) / norm).toPrecision(4)}^T)`);
  }
  // f(λ) = (1 − g(λ))/λ and f₂(λ) = (1 − g(λ)²)/λ, exactly; dropped null modes get 0 (pseudo-inverse).
  const f = new Float64Array(N), f2 = new Float64Array(N);
  let nullModes = 0, kept = Infinity;
  for (let a = 0; a < N; a++) {
    const l = lam[a];
    if (l <= cut) {
      // Includes the (slightly) negative eigenvalues tolerated above.
      nullModes++;
      continue;
    }
    kept = Math.min(kept, l);
    const c = l / norm;
    f[a] = oneMinusG(s, c, 1) / l;
    f2[a] = oneMinusG(s, c, 2) / l;
  }
  if (nullModes > 0) {
    warnings.push(`the training ${s.kernel === 'ntk' ? 'NTK' : 'NNGP kernel'} ${name} is singular (${nullModes} of ${N} eigenvalues ≤ ${cut.toExponential(2)}, e.g. duplicate inputs): pseudo-inverse, those modes are left out (exact for a PSD joint kernel)`);
  } else if (lmaxPos / kept > COND_WARN) {
    warnings.push(`the training kernel ${name} is ill-conditioned (κ = ${(lmaxPos / kept).toExponential(2)}): about ${Math.round(Math.log10(lmaxPos / kept))} digits of the t = ∞ result are lost; a ridge helps`);
  }
  // F = V diag(f) Vᵀ and A = D_td F (M × N).
  const V = eig.vectors;
  const scaled = (w: Float64Array) => {
    const o = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let a = 0; a < N; a++) o[i * N + a] = V[i * N + a] * w[a];
    return matmulT(o, V, N, N, N);
  };
  const F = scaled(f);
  const Dtd = block(D, N, M, 0, N);
  const A = matmul(Dtd, F, M, N, N);
  let mean: Float64Array | null = matmul(A, labels.y, M, N, k);
  const Ktt = block(K, N, M, N, M);
  const Ktd = block(K, N, M, 0, N);
  let cov: Float64Array | null;
  if (s.kernel === 'nngp') {
    // Σ = K_tt − K_td f₂(K̃) K_dt: for ridge = 0 the same as the general form below, and at t = ∞
    // with ridge > 0 the Bayesian posterior with noise variance ridge.
    const B = matmul(Ktd, scaled(f2), M, N, N);
    const KtdF2Kdt = matmulT(B, Ktd, M, N, M);
    cov = Ktt.map((v, i) => v - KtdF2Kdt[i]);
  } else {
    const Kdd = block(K, 0, N, 0, N);
    const AKdt = matmulT(A, Ktd, M, N, M); // A K_dt (M × M)
    const AKddAt = matmulT(matmul(A, Kdd, M, N, N), A, M, N, M);
    cov = new Float64Array(M * M);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < M; j++) cov[i * M + j] = Ktt[i * M + j] - AKdt[i * M + j] - AKdt[j * M + i] + AKddAt[i * M + j];
    }
  }
  symmetrize(cov, M);
  // Training residual map G = g(D̃) (null modes: g = 1), for E[L].
  const gv = new Float64Array(N);
  for (let a = 0; a < N; a++) gv[a] = lam[a] <= cut ? 1 : residualG(s, lam[a] / norm);
  const G = scaled(gv);
  const GY = matmul(G, labels.y, N, N, k);
  const GKG = matmul(matmul(G, block(K, 0, N, 0, N), N, N, N), G, N, N, N);
  let loss2 = 0;
  for (let i = 0; i < GY.length; i++) loss2 += GY[i] * GY[i];
  for (let a = 0; a < N; a++) loss2 += k * GKG[a * N + a];
  let trainLoss: number | null = (0.5 * loss2) / norm;
  if (!Number.isFinite(trainLoss)) trainLoss = null;
  if (!mean.every(Number.isFinite) || !cov.every(Number.isFinite)) {
    warnings.push(diverges ? 'the diverging modes overflow float64 at this T: mean and covariance are null' : 'non-finite mean or covariance (overflowing kernels?)');
    mean = null;
    cov = null;
  }
  return {
    dynamics: s.dynamics, kernel: s.kernel, loss: s.loss,
    t: s.dynamics === 'gd' ? (s.eta as number) * (s.steps as number) : s.t,
    steps: s.steps, eta: s.eta, ridge: s.ridge,
    nTrain: N, nTest: M, outputs: k,
    mean, covariance: cov, trainLoss, etaMax, diverges, spectrum: lam, nullModes,
    K: Float64Array.from(K), Theta: Float64Array.from(Theta), warnings,
  };
}

interface Settings {
  dynamics: 'flow' | 'gd' | 'converged';
  t: number;
  steps: number | null;
  eta: number | null;
  ridge: number;
  kernel: 'ntk' | 'nngp';
  loss: 'sum' | 'mean';
}

/** 1 − g(c)^p for the dynamics (p = 1, 2), c = λ/norm > 0, without cancellation at small c. */
function oneMinusG(s: Settings, c: number, p: number): number {
  if (s.dynamics === 'converged') return 1;
  if (s.dynamics === 'flow') return -Math.expm1(-p * c * s.t);
  const x = (s.eta as number) * c;
  const T = p * (s.steps as number);
  // (1 − x)^T = e^{T log1p(−x)} keeps its digits when x is tiny (T large, η small).
  return x < 1 ? -Math.expm1(T * Math.log1p(-x)) : 1 - Math.pow(1 - x, T);
}

/** g(c) itself (not 1 − g: keeps its relative digits when the residual is small). */
function residualG(s: Settings, c: number): number {
  if (s.dynamics === 'converged') return 0;
  if (s.dynamics === 'flow') return Math.exp(-c * s.t);
  const x = (s.eta as number) * c;
  return x < 1 ? Math.exp((s.steps as number) * Math.log1p(-x)) : Math.pow(1 - x, s.steps as number);
}

function readSettings(p: Omit<PredictProblem, 'train' | 'test'> & Partial<Pick<PredictProblem, 'train' | 'test'>>): Settings {
  for (const key of Object.keys(p)) {
    if (!PROBLEM_KEYS.has(key)) throw new InvalidParameterError(key, (p as Record<string, unknown>)[key], `not given (unknown option; known: ${[...PROBLEM_KEYS].join(', ')})`);
  }
  const kernel = p.kernel ?? 'ntk';
  if (kernel !== 'ntk' && kernel !== 'nngp') throw new InvalidParameterError('kernel', kernel, "'ntk' or 'nngp'");
  const loss = p.loss ?? 'sum';
  if (loss !== 'sum' && loss !== 'mean') throw new InvalidParameterError('loss', loss, "'sum' (½Σ, PDLT) or 'mean' (½·mean, neural-tangents)");
  const ridge = p.ridge ?? 0;
  if (typeof ridge !== 'number' || !Number.isFinite(ridge) || ridge < 0) throw new InvalidParameterError('ridge', ridge, 'a finite number ≥ 0');
  const base = { ridge, kernel, loss } as const;
  if (p.t !== undefined) {
    if (p.steps !== undefined) throw new InvalidParameterError('steps', p.steps, 'absent when t is given (t is gradient flow; steps and eta are gradient descent)');
    if (p.eta !== undefined) throw new InvalidParameterError('eta', p.eta, 'absent when t is given (the flow time t already contains the step: t = η·T)');
    if (typeof p.t !== 'number' || Number.isNaN(p.t) || p.t < 0) throw new InvalidParameterError('t', p.t, 'a number ≥ 0 (Infinity allowed)');
    return { ...base, dynamics: p.t === Infinity ? 'converged' : 'flow', t: p.t, steps: null, eta: null };
  }
  if (p.steps !== undefined || p.eta !== undefined) {
    if (typeof p.steps !== 'number' || !Number.isSafeInteger(p.steps) || p.steps < 0) {
      throw new InvalidParameterError('steps', p.steps, 'an integer ≥ 0 (the number of gradient-descent steps T, with eta)');
    }
    if (typeof p.eta !== 'number' || !Number.isFinite(p.eta) || p.eta <= 0) throw new InvalidParameterError('eta', p.eta, 'a finite number > 0 (the step η, with steps)');
    return { ...base, dynamics: 'gd', t: p.eta * p.steps, steps: p.steps, eta: p.eta };
  }
  return { ...base, dynamics: 'converged', t: Infinity, steps: null, eta: null };
}

function readInputs(name: string, X: unknown): { x: Float64Array; n: number; n0: number } {
  const allowed = 'an array of ≥ 1 rows of n₀ ≥ 1 finite numbers, or { data: N·n₀ numbers, n: N }';
  if (Array.isArray(X)) {
    const first = X[0] as ArrayLike<number> | undefined;
    if (X.length < 1 || !first || typeof first !== 'object' || typeof first.length !== 'number' || first.length < 1) throw new InvalidParameterError(name, X, allowed);
    const n = X.length, n0 = first.length;
    const x = new Float64Array(n * n0);
    X.forEach((row: ArrayLike<number>, a) => {
      if (!row || typeof row !== 'object' || row.length !== n0) throw new InvalidParameterError(`${name}[${a}]`, row, `a row of n₀ = ${n0} finite numbers (the length of ${name}[0])`);
      for (let i = 0; i < n0; i++) {
        if (typeof row[i] !== 'number' || !Number.isFinite(row[i])) throw new InvalidParameterError(`${name}[${a}][${i}]`, row[i], 'a finite number');
        x[a * n0 + i] = row[i];
      }
    });
    return { x, n, n0 };
  }
  const o = X as { data?: ArrayLike<number>; n?: unknown } | null;
  if (typeof o === 'object' && o !== null && o.data && typeof o.data.length === 'number') {
    const n = o.n, len = o.data.length;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || len < n || len % n !== 0) throw new InvalidParameterError(name, { n, 'data.length': len }, allowed);
    const x = Float64Array.from(o.data);
    for (let i = 0; i < len; i++) if (!Number.isFinite(x[i])) throw new InvalidParameterError(`${name}.data[${i}]`, o.data[i], 'a finite number');
    return { x, n, n0: len / n };
  }
  throw new InvalidParameterError(name, X, allowed);
}

/** y as N × n_out row-major, from N numbers, N rows, or { data, n }. */
function readLabels(y: unknown, N: number): { y: Float64Array; outputs: number } {
  const allowed = `N = ${N} numbers (one per training input), N rows of n_out numbers, or { data: N·n_out numbers, n: N }`;
  const num = (v: unknown, where: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidParameterError(where, v, 'a finite number');
    return v;
  };
  if (typeof y !== 'object' || y === null) throw new InvalidParameterError('train.y', y, allowed);
  const o = y as { data?: ArrayLike<number>; n?: unknown; length?: number };
  if (!(Array.isArray(y) || ArrayBuffer.isView(y)) && o.data && typeof o.data.length === 'number') {
    if (o.n !== N || o.data.length % N !== 0 || o.data.length === 0) throw new InvalidParameterError('train.y', { n: o.n, 'data.length': o.data.length }, allowed);
    const out = new Float64Array(o.data.length);
    for (let i = 0; i < out.length; i++) out[i] = num(o.data[i], `train.y.data[${i}]`);
    return { y: out, outputs: o.data.length / N };
  }
  const arr = y as ArrayLike<unknown>;
  if (typeof arr.length !== 'number' || arr.length !== N) throw new InvalidParameterError('train.y', `${arr.length} rows`, allowed + ` (train.X has ${N} rows)`);
  const first = arr[0];
  if (typeof first === 'object' && first !== null && typeof (first as ArrayLike<number>).length === 'number') {
    const k = (first as ArrayLike<number>).length;
    if (k < 1) throw new InvalidParameterError('train.y[0]', first, 'a row of n_out ≥ 1 numbers');
    const out = new Float64Array(N * k);
    for (let a = 0; a < N; a++) {
      const row = arr[a] as ArrayLike<number> | null;
      if (!row || typeof row !== 'object' || row.length !== k) throw new InvalidParameterError(`train.y[${a}]`, row, `a row of n_out = ${k} numbers (the length of train.y[0])`);
      for (let i = 0; i < k; i++) out[a * k + i] = num(row[i], `train.y[${a}][${i}]`);
    }
    return { y: out, outputs: k };
  }
  const out = new Float64Array(N);
  for (let a = 0; a < N; a++) out[a] = num(arr[a], `train.y[${a}]`);
  return { y: out, outputs: 1 };
}

function checkMatrix(name: string, m: ArrayLike<number> | undefined, P: number): Float64Array {
  if (!m || typeof m.length !== 'number' || m.length !== P * P) throw new InvalidParameterError(name, m ? `${m.length} values` : m, `(N+M)² = ${P * P} values`);
  const out = Float64Array.from(m);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j < P; j++) {
      const v = out[i * P + j];
      if (!Number.isFinite(v)) throw new InvalidParameterError(`${name}[${i}·${P} + ${j}]`, v, 'a finite number (the kernel overflowed? reduce C_W or the depth)');
      if (j > i && Math.abs(v - out[j * P + i]) > 1e-12 * (Math.abs(v) + Math.abs(out[j * P + i]))) throw new InvalidParameterError(name, `entries (${i}, ${j}) ≠ (${j}, ${i})`, 'symmetric');
    }
  }
  return out;
}

function specWithoutWidth(spec: PredictSpec): Omit<KernelsSpec, 'inputs'> {
  const { inputWidth: _unused, ...rest } = spec;
  return rest;
}
