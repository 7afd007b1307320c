/**
 * kernels()'s closed forms (relu, leaky relu, erf, exact gelu, sin) on every entry against an outside
 * reference: 40-digit mpmath values from bench/reference/kernel_pairs.py (test/fixtures/kernel-pairs.json),
 * whose gelu closed form is itself checked there against 2-D mpmath quadrature. Cosines from −1 to 1,
 * including −0.99999999, −0.99992, ±0.9999 (issue 9 item 6: the old relu form lost 1.8e-9 relative at
 * −0.99992). The inputs sit on a dyadic grid, so the Gram matrix K⁽¹⁾ is exact and the error measured
 * is the pair rule's alone.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, kernels } from '../ts/node.js';
import { leakyReluPair } from '../ts/twin/theory/kernel_matrix.js';

beforeAll(async () => {
  await init();
});

interface Case { x1: number[]; x2: number[]; k11: number; k12: number; k22: number; cosine: string; [act: string]: unknown }
const ref = JSON.parse(readFileSync(new URL('./fixtures/kernel-pairs.json', import.meta.url), 'utf8')) as { cases: Case[] };

const ACTS = [
  ['relu', 'relu'],
  ['leaky_relu_0.1', { name: 'leaky_relu', slope: 0.1 }],
  ['erf', 'erf'],
  ['gelu', 'gelu'],
  ['sin', 'sin'],
] as const;

/** Relative error; an exact zero of the reference (relu at c = −1) must come out as exactly 0. */
const rel = (got: number, want: number) => (want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want));

describe('kernels(): closed forms on every entry ≤ 1e-13 relative (vs 40-digit mpmath)', () => {
  for (const [key, activation] of ACTS) {
    for (const backend of ['wasm', 'js'] as const) {
      test(`${key} (${backend}): ${ref.cases.length} pairs, cosines −1 … 1`, () => {
        let worstOff = 0, worstDiag = 0;
        for (const c of ref.cases) {
          // Layer 1: K⁽¹⁾ = x·x/2 (exact), Θ⁽¹⁾ = 1; layer 2: K⁽²⁾ = ⟨σσ⟩, Θ⁽²⁾ = Θ⁽¹⁾⟨σ′σ′⟩ = ⟨σ′σ′⟩.
          const r = kernels(
            { activation, depth: 2, Cb: 0, CW: 1, lambdaB: [1, 0], lambdaW: [0, 0], inputs: [c.x1, c.x2] },
            { backend },
          );
          const [K, T] = [r.layers[1].K, r.layers[1].Theta];
          const want = (c[key] as string[]).map(Number);
          worstOff = Math.max(worstOff, rel(K[1], want[0]), rel(T[1], want[1]), rel(K[2], want[0]), rel(T[2], want[1]));
          worstDiag = Math.max(worstDiag, rel(K[0], want[2]), rel(T[0], want[3]), rel(K[3], want[4]), rel(T[3], want[5]));
        }
        // Measured: ≤ 5.3e-15 off the diagonal (leaky relu; ≤ 9.4e-16 for the others), both backends (bench/RESULTS.md).
        expect(worstOff).toBeLessThan(1e-13);
        // The diagonal: the closed form at c = 1 (measured ≤ 1.2e-15).
        expect(worstDiag).toBeLessThan(1e-12);
      });
    }
  }

  test('sensitivity: the old relu form (π − acos c) fails the same bound at the antiparallel pairs', () => {
    const old = (k11: number, k12: number, k22: number) => {
      const norm = Math.sqrt(k11) * Math.sqrt(k22);
      const c = Math.min(1, Math.max(-1, k12 / norm));
      const t = Math.acos(c);
      return (norm * (Math.sqrt(1 - c * c) + (Math.PI - t) * c)) / (2 * Math.PI);
    };
    let worstOld = 0, worstNew = 0;
    for (const c of ref.cases) {
      const want = Number((c.relu as string[])[0]);
      if (want === 0) continue;
      worstOld = Math.max(worstOld, rel(old(c.k11, c.k12, c.k22), want));
      worstNew = Math.max(worstNew, rel(leakyReluPair(0, c.k11, c.k12, c.k22)[0], want));
    }
    expect(worstOld).toBeGreaterThan(1e-11);
    expect(worstNew).toBeLessThan(1e-13);
  });
});
