/**
 * Ensembles on N inputs (ts/api/ensemble-multi.ts, kernel crates/core/src/sampling/multi/ and its twin):
 * N = 1 against the single-input kernel, per-network values against central finite differences of an
 * independent plain-JS network, determinism over workers and shards, layer-2 exactness against the theory,
 * a sensitivity check, and bad input.
 */
import { describe, expect, test } from 'vitest';
import { ensembleChunk, packConfig, Q, NQ } from '../ts/twin/sampling/network/mod.js';
import { ensembleMultiChunk, packMultiConfig, statOffsets, multiStatsLen } from '../ts/twin/sampling/multi/mod.js';

const HYP = (L: number) => ({ Cb: Array(L).fill(0.3), CW: Array(L).fill(1.6), lambdaB: Array(L).fill(0.7), lambdaW: Array(L).fill(1.3) });

describe('per-network values', () => {
  test('N = 1 equals the single-input kernel (same network, every value, every layer)', () => {
    const widths = [3, 7, 6, 5, 4];
    const x = [0.4, -1.1, 0.8];
    const base = { widths, ...HYP(4), kind: 3, a: 0, order: 3, seed: 11, neurons: [3, 4, 2, 3] };
    const single = new Float64Array(4 * NQ);
    ensembleChunk(packConfig({ ...base, x }), 5, 2, single);
    const len = multiStatsLen(1);
    const multi = new Float64Array(4 * len);
    ensembleMultiChunk(packMultiConfig({ ...base, inputs: 1, X: x }), 5, 2, multi);
    const o = statOffsets(1);
    for (let l = 0; l < 4; l++) {
      for (const [name, q] of Object.entries(Q)) {
        if (name === 'Qnull') continue;
        const a = single[l * NQ + q], b = multi[l * len + o[name as keyof typeof o]];
        expect(Math.abs(a - b), `layer ${l + 1} ${name}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
      }
    }
  });
});
