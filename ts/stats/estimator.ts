/**
 * Estimators of every O(1/n) coefficient from ensembles of sampled networks, with jackknife errors.
 *
 * Each sampled network contributes, per layer, NQ pair-averaged moments over the probed neurons
 * S (ordered pairs a ≠ b; see `ts/twin/sampling/network/stats.ts`). Averaging over index assignments isolates each
 * coefficient of the tensor decompositions (docs/theory/recursions.md §0), with n = n_{ℓ−1}:
 *   G = E[z_a²]                         (→ K + G1/n)
 *   H = E[Ĥ_aa]                         (→ Θ + H1/n)
 * G and H average the per-network conditional estimators with telescoping control variates (gcv,
 * hcv: sampling/network/conditional.rs, docs/theory/ensembles.md §2.1) — the same expectations with a
 * per-network variance O(1/n²) instead of O(1/n), so that G1 and H1 are measurable; Gdirect (zzc) and
 * Hdirect (mean_a Ĥ_aa) are the previous estimators of the same two expectations.
 *   V = n (E[z_a² z_b²] − E[z_a²]²)      A = n (E[Ĥ_aa Ĥ_bb] − E[Ĥ_aa]²)
 *   D = n (E[Ĥ_aa z_b²] − E[Ĥ_aa]E[z_b²])  B = n E[Ĥ_ab²]     F = n E[Ĥ_ab z_a z_b]
 * with the z moments Rao–Blackwellized: given the layers below, the rows of W⁽ℓ⁾, b⁽ℓ⁾ are independent
 * Gaussians, so z_a² can be replaced by its conditional mean zzc = C_b + C_W|σ(z⁽ℓ⁻¹⁾)|²/n_{ℓ−1} in
 * E[z_a²], E[z_a² z_b²] = E[zzc²] and E[Ĥ_aa z_b²] = E[Ĥ_aa zzc] (a ≠ b): the same expectations with
 * a much smaller variance (V = n Var(zzc); the plain fourth-moment estimator is heavy-tailed).
 *   P = n E[dĤ_abb z_a]   Q = n E[dĤ_aab z_b]   R = n E[dd_IĤ_aabb]
 *   S = n E[dd_IIĤ_aabb]  T = n E[dd_IIĤ_abab]  U = n E[dd_IIĤ_abba]
 *   Qnull = n E[dĤ_aab z_a]  (zero in expectation: a null test of the whole pipeline)
 * Independent networks are the unit of error: they are dealt into G groups and the estimate and its
 * standard error come from the delete-one-group jackknife, which also removes the O(1/N) bias of the
 * products of means in V, A and D.
 */

import { NQ, Q } from '../twin/sampling/network/stats.js';

export { NQ } from '../twin/sampling/network/stats.js';

/** Per-network moments per layer, in the order the kernels write them (the names of the table {@link Q}). */
export const MOMENTS = (Object.keys(Q) as Array<keyof typeof Q>).sort((a, b) => Q[a] - Q[b]);

/** The statistics an ensemble reports per layer. */
export const ENSEMBLE_KEYS = ['G', 'H', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U', 'Qnull', 'Gdirect', 'Hdirect'] as const;
export type EnsembleKey = (typeof ENSEMBLE_KEYS)[number];

/** Lowest kernel order (0 z, 1 Ĥ, 2 dĤ, 3 ddĤ) at which each statistic is measured. */
export const KEY_ORDER: Record<EnsembleKey, number> = { G: 0, V: 0, H: 1, A: 1, B: 1, D: 1, F: 1, P: 2, Q: 2, Qnull: 2, R: 3, S: 3, T: 3, U: 3, Gdirect: 0, Hdirect: 1 };

export interface Estimate {
  /** Jackknife bias-corrected estimate. */
  mean: number;
  /** Jackknife standard error (independent networks are the unit). */
  stderr: number;
}

/** Statistic values from the per-layer means m (length NQ) of one (sub)ensemble; n = n_{ℓ−1}. */
export function statistics(m: ArrayLike<number>, n: number): Record<EnsembleKey, number> {
  return {
    G: m[Q.gcv],
    H: m[Q.hcv],
    Gdirect: m[Q.zzc],
    Hdirect: m[Q.h],
    V: n * (m[Q.zzc2] - m[Q.zzc] * m[Q.zzc]),
    A: n * (m[Q.hh] - m[Q.h] * m[Q.h]),
    D: n * (m[Q.hzzc] - m[Q.h] * m[Q.zzc]),
    B: n * m[Q.hab2],
    F: n * m[Q.hzzab],
    P: n * m[Q.P],
    Q: n * m[Q.Q],
    R: n * m[Q.R],
    S: n * m[Q.S],
    T: n * m[Q.T],
    U: n * m[Q.U],
    Qnull: n * m[Q.Qnull],
  };
}

/**
 * Delete-one-group jackknife of {@link statistics} for one layer.
 * @param sums group sums, `sums[g*NQ + q]` = Σ over the networks of group g of moment q
 * @param counts networks per group
 */
export function jackknife(sums: Float64Array, counts: ArrayLike<number>, n: number, keys: readonly EnsembleKey[]): Record<string, Estimate> {
  const groups = counts.length;
  const total = new Float64Array(NQ);
  let N = 0;
  for (let g = 0; g < groups; g++) {
    N += counts[g];
    for (let q = 0; q < NQ; q++) total[q] += sums[g * NQ + q];
  }
  const full = statistics(total.map((v) => v / N), n);
  const out: Record<string, Estimate> = {};
  const used = [];
  for (let g = 0; g < groups; g++) if (counts[g] > 0) used.push(g);
  const G = used.length;
  if (G < 2) {
    for (const k of keys) out[k] = { mean: full[k], stderr: NaN };
    return out;
  }
  const loo = used.map((g) => {
    const m = new Float64Array(NQ);
    for (let q = 0; q < NQ; q++) m[q] = (total[q] - sums[g * NQ + q]) / (N - counts[g]);
    return statistics(m, n);
  });
  for (const k of keys) {
    let avg = 0;
    for (const s of loo) avg += s[k];
    avg /= G;
    let ss = 0;
    for (const s of loo) ss += (s[k] - avg) ** 2;
    out[k] = { mean: G * full[k] - (G - 1) * avg, stderr: Math.sqrt(((G - 1) / G) * ss) };
  }
  return out;
}
