/**
 * The O(1/n) gradient-descent dynamics of one network (one output neuron, n_L = 1), closed on its
 * initial values on the training and test inputs (PDLT ch. ∞; the derivation is
 * docs/theory/training-finite.md §1–2):
 *
 *   ε_α = z_α − y_α (training inputs α),
 *   z_δ   ← z_δ − η Σ_α H_{δα} ε_α + (η²/2) Σ_{αβ} dH_{δαβ} ε_α ε_β − (η³/6) Σ_{αβγ} ddI_{δαβγ} ε_α ε_β ε_γ,
 *   H_{δ1δ2} ← H_{δ1δ2} − η Σ_α ε_α (dH_{δ1δ2α} + dH_{δ2δ1α})
 *              + η² Σ_{αβ} ε_α ε_β (½ ddI_{δ1δ2αβ} + ½ ddI_{δ2δ1αβ} + ddII_{δ1δ2αβ}),
 *   dH_{δ0δ1δ2} ← dH_{δ0δ1δ2} − η Σ_α ε_α (ddI_{δ0δ1δ2α} + ddII_{δ0δ1δ2α} + ddII_{δ0δ2δ1α}),
 *
 * all right-hand sides at the current step; ddI and ddII stay at their initial values. This is the
 * Taylor expansion of one step θ ← θ − ηλ∇𝓛 with every term of the tower kept whose size is ≥ 1/n
 * (H − Θ ~ n^{-1/2}, dH ~ n^{-1/2}, ddI, ddII ~ 1/n); dropped: D⁴z and the drift of ddI, ddII (≥ n^{-3/2}).
 *
 * Stages: 'frozen' keeps H fixed (dH = dd = 0: the linear model with the network's own NTK), 'dntk'
 * drops ddI and ddII, 'full' keeps everything above.
 */
import { InvalidParameterError } from './errors.js';

/** Per-network initial values on P inputs (training first), n_L = 1; conventions of docs/theory/training-finite.md §1. */
export interface NetworkInit {
  /** z_δ at initialization (P). */
  z: ArrayLike<number>;
  /** The NTK Ĥ_{δ1δ2} (P × P row-major). */
  H: ArrayLike<number>;
  /** dĤ_{δ0δ1δ2} = D²z_δ0[v_δ1, v_δ2] (P³, index (δ0·P + δ1)·P + δ2); needed by 'dntk' and 'full'. */
  dH?: ArrayLike<number>;
  /** dd_IĤ_{δ0δ1δ2δ3} = D³z_δ0[v_δ1, v_δ2, v_δ3] (P⁴); needed by 'full'. */
  ddI?: ArrayLike<number>;
  /** dd_IIĤ_{δ1δ2δ3δ4} = ⟨Hess z_δ1 v_δ3, Hess z_δ2 v_δ4⟩_λ (P⁴); needed by 'full'. */
  ddII?: ArrayLike<number>;
}

export type FiniteStage = 'frozen' | 'dntk' | 'full';

/**
 * Iterates the truncated per-network map for `steps` steps at step `eta`; returns z on all P inputs
 * at every step in `record` (default [steps]). `y` holds the N training targets (N = y.length < P allowed:
 * inputs N … P−1 are test inputs).
 */
export function evolveNetwork(
  init: NetworkInit, y: ArrayLike<number>, eta: number, steps: number, stage: FiniteStage, record?: readonly number[],
): Float64Array[] {
  const P = init.z.length, N = y.length;
  if (!(N >= 1 && N <= P)) throw new InvalidParameterError('y', N, `1 … ${P} training targets`);
  if (init.H.length !== P * P) throw new InvalidParameterError('init.H', init.H.length, `P² = ${P * P} values`);
  if (!Number.isFinite(eta) || eta <= 0) throw new InvalidParameterError('eta', eta, 'a finite number > 0');
  if (!Number.isInteger(steps) || steps < 0) throw new InvalidParameterError('steps', steps, 'an integer ≥ 0');
  if (!['frozen', 'dntk', 'full'].includes(stage)) throw new InvalidParameterError('stage', stage, "'frozen', 'dntk' or 'full'");
  const useD = stage !== 'frozen', useDD = stage === 'full';
  if (useD && init.dH?.length !== P ** 3) throw new InvalidParameterError('init.dH', init.dH?.length, `P³ = ${P ** 3} values`);
  if (useDD && (init.ddI?.length !== P ** 4 || init.ddII?.length !== P ** 4)) throw new InvalidParameterError('init.ddI/ddII', init.ddI?.length, `P⁴ = ${P ** 4} values each`);
  const rec = record ?? [steps];
  const z = Float64Array.from(init.z);
  const H = Float64Array.from(init.H);
  const dH = useD ? Float64Array.from(init.dH!) : new Float64Array(0);
  const ddI = useDD ? init.ddI! : new Float64Array(0);
  const ddII = useDD ? init.ddII! : new Float64Array(0);
  const e = new Float64Array(N), dz = new Float64Array(P), dHH = new Float64Array(P * P), ddH = new Float64Array(useDD ? P ** 3 : 0);
  // ee_{αβ} = ε_α ε_β, the contraction with every pair of training slots
  const ee = new Float64Array(N * N);
  const out: Float64Array[] = [];
  let r = 0;
  for (let t = 0; ; t++) {
    while (r < rec.length && rec[r] === t) {
      out.push(Float64Array.from(z));
      r++;
    }
    if (t === steps) break;
    for (let a = 0; a < N; a++) e[a] = z[a] - y[a];
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) ee[a * N + b] = e[a] * e[b];
    for (let d = 0; d < P; d++) {
      let s1 = 0;
      for (let a = 0; a < N; a++) s1 += H[d * P + a] * e[a];
      let s = -eta * s1;
      if (useD) {
        let s2 = 0;
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) s2 += dH[(d * P + a) * P + b] * ee[a * N + b];
        s += 0.5 * eta * eta * s2;
      }
      if (useDD) {
        let s3 = 0;
        for (let a = 0; a < N; a++) {
          for (let b = 0; b < N; b++) {
            let u = 0;
            for (let c = 0; c < N; c++) u += ddI[((d * P + a) * P + b) * P + c] * e[c];
            s3 += u * ee[a * N + b];
          }
        }
        s -= (eta ** 3 / 6) * s3;
      }
      dz[d] = s;
    }
    if (useD) {
      for (let d1 = 0; d1 < P; d1++) {
        for (let d2 = 0; d2 < P; d2++) {
          let s1 = 0;
          for (let a = 0; a < N; a++) s1 += (dH[(d1 * P + d2) * P + a] + dH[(d2 * P + d1) * P + a]) * e[a];
          let s = -eta * s1;
          if (useDD) {
            let s2 = 0;
            for (let a = 0; a < N; a++) {
              for (let b = 0; b < N; b++) {
                const i12 = ((d1 * P + d2) * P + a) * P + b, i21 = ((d2 * P + d1) * P + a) * P + b;
                s2 += (0.5 * ddI[i12] + 0.5 * ddI[i21] + ddII[i12]) * ee[a * N + b];
              }
            }
            s += eta * eta * s2;
          }
          dHH[d1 * P + d2] = s;
        }
      }
      if (useDD) {
        for (let d0 = 0; d0 < P; d0++) {
          for (let d1 = 0; d1 < P; d1++) {
            for (let d2 = 0; d2 < P; d2++) {
              let s = 0;
              for (let a = 0; a < N; a++) s += (ddI[((d0 * P + d1) * P + d2) * P + a] + ddII[((d0 * P + d1) * P + d2) * P + a] + ddII[((d0 * P + d2) * P + d1) * P + a]) * e[a];
              ddH[(d0 * P + d1) * P + d2] = -eta * s;
            }
          }
        }
        for (let i = 0; i < ddH.length; i++) dH[i] += ddH[i];
      }
      for (let i = 0; i < P * P; i++) H[i] += dHH[i];
    }
    for (let d = 0; d < P; d++) z[d] += dz[d];
  }
  return out;
}
