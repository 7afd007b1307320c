/**
 * Width sweeps: the same network sampled at several hidden widths, the data `compare()` extrapolates
 * in 1/n (PDLT §4.3: every finite-width statistic is a 1/n series, so one width is not a test).
 */
import { ensemble, type EnsembleOptions, type EnsembleResult } from './ensemble.js';
import type { NetworkSpec } from './spec.js';

/** The ensemble options of a sweep: those of {@link ensemble} that do not depend on the width. */
export type SweepOptions = Pick<EnsembleOptions, 'samples' | 'seed' | 'workers' | 'backend' | 'onProgress' | 'order'> & {
  neurons?: number | number[] | 'all';
};

/**
 * Runs ensembles of `spec` at several hidden widths n₁ = … = n_{L−1} (input and output widths fixed),
 * one after the other with the same options (so the same seed), and returns them in the order of
 * `hiddenWidths`.
 *
 * @example
 * const ens = await runWidths(spec, [16, 32, 64], { samples: 4000, seed: 1 });
 * compare(theory(spec), ens); // 3 widths: fit 'auto' is X∞ + c/n (≥ 4 widths: + d/n²)
 */
export async function runWidths(spec: NetworkSpec, hiddenWidths: number[], o: SweepOptions): Promise<EnsembleResult[]> {
  const out: EnsembleResult[] = [];
  for (const w of hiddenWidths) {
    const s: NetworkSpec = { ...spec, widths: undefined, width: w, inputWidth: spec.inputWidth ?? spec.widths?.[0] };
    out.push(await ensemble(s, { ...o }));
  }
  return out;
}
