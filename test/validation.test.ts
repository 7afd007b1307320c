/**
 * The test that matters: real sampled networks at several widths, extrapolated in 1/n, agree with
 * every recursion within 4σ — and a theory value 10 % off is rejected, so the comparison can fail.
 * (Layer 2, exact at any width, is tested without extrapolation in ensemble.test.ts.)
 * Larger runs: bench/validation.mjs → bench/validation.md.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { init, theory, ensemble, compare, type NetworkSpec } from '../ts/node.js';

beforeAll(async () => {
  await init();
});

const H: Record<string, [number, number]> = { tanh: [0.1, 1.5], relu: [0.1, 1.8], gelu: [0.1, 1.6] };

// Depth 3: a straight line in 1/n over widths 16–64 suffices. Depth 4: the O(1/n²) terms are large
// (validation.md: up to 70 % at n = 16), so five widths and a quadratic fit.
const cases: Array<[string, number, number[], number, 'linear' | 'quadratic']> = [];
for (const act of ['tanh', 'relu', 'gelu']) cases.push([act, 3, [16, 32, 64], 8000, 'linear']);
for (const act of ['tanh', 'relu', 'gelu']) cases.push([act, 4, [16, 24, 32, 48, 64], 6000, 'quadratic']);

describe('ensembles extrapolated in 1/n agree with theory within 4σ', () => {
  test.each(cases)('%s, depth %i, widths %j, %i networks each (%s fit)', async (act, depth, widths, samples, fit) => {
    const spec: NetworkSpec = { activation: act, depth, inputWidth: 4, outputWidth: 4, Cb: H[act][0], CW: H[act][1], lambdaB: 0.5, lambdaW: 1.5, input: { x2: 1 } };
    const ens = [];
    for (const w of widths) ens.push(await ensemble({ ...spec, width: w }, { samples, seed: 100 + w, workers: 2 }));
    const th = theory({ ...spec, width: widths[0] });
    const rows = compare(th, ens, { fit }).rows.filter((r) => r.layer >= 2);
    const bad = rows.filter((r) => !(Math.abs(r.z) < 4)).map((r) => `layer ${r.layer} ${r.quantity}: theory ${r.theory}, extrapolated ${r.extrapolated} ± ${r.stderr} (z = ${r.z.toFixed(2)})`);
    expect(bad).toEqual([]);

    // Power: perturb every well-measured theory value by 10 % and require rejection.
    const perturbed = theory({ ...spec, width: widths[0] });
    const precise = rows.filter((r) => r.stderr < Math.abs(r.theory) / 65);
    for (const r of precise) (perturbed.layers[r.layer - 1] as unknown as Record<string, number>)[r.quantity] *= 1.1;
    const again = compare(perturbed, ens, { fit }).rows;
    for (const r of precise) {
      const z = again.find((x) => x.layer === r.layer && x.quantity === r.quantity)!.z;
      expect(Math.abs(z), `${r.quantity} at layer ${r.layer} must reject a 10 % error`).toBeGreaterThan(4);
    }
    expect(precise.length).toBeGreaterThanOrEqual(depth === 3 ? 6 : 3);
  }, 240_000);
});
