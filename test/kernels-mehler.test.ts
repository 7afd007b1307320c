/**
 * kernels()'s Mehler series (tanh, sigmoid, softplus, swish: σ without a closed form) against an outside
 * reference: ⟨σσ⟩ and ⟨σ′σ′⟩ by mpmath's tanh-sinh 2-D quadrature at 25 digits
 * (bench/reference/kernel_pairs_smooth.py → test/fixtures/kernel-pairs-smooth.json; no series there), at
 * variances 0.05 … 6 and cosines −0.99999 … 0.99999 (where the series converges slowest), both backends.
 * And the switch to the 2-D rule where an input's series would need more than M_CAP orders.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { init, kernels } from '../ts/node.js';
import { fromRaw } from '../ts/twin/numerics/activation.js';
import { MehlerRule, M_CAP } from '../ts/twin/theory/mehler.js';

beforeAll(async () => {
  await init();
});

interface Case { act: 'tanh' | 'sigmoid' | 'softplus' | 'swish'; k11: string; c: string; k22: string; S: string; D: string }
const ref = JSON.parse(readFileSync(new URL('./fixtures/kernel-pairs-smooth.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** Layer 1 K⁽¹⁾ = x·x/2 = (k11, c√(k11k22), k22) (to rounding), Θ⁽¹⁾ = 1; layer 2: K⁽²⁾ = S, Θ⁽²⁾ = D. */
function layer2(c: Case, backend: 'wasm' | 'js') {
  const [k11, cos, k22] = [Number(c.k11), Number(c.c), Number(c.k22)];
  const x1 = [Math.sqrt(2 * k11), 0];
  const x2 = [Math.sqrt(2 * k22) * cos, Math.sqrt(2 * k22) * Math.sqrt((1 - cos) * (1 + cos))];
  const r = kernels({ activation: c.act, depth: 2, Cb: 0, CW: 1, lambdaB: [1, 0], lambdaW: [0, 0], inputs: [x1, x2] }, { backend });
  return { S: r.layers[1].K[1], D: r.layers[1].Theta[1], K12: r.layers[0].K[1] };
}

describe('kernels(): Mehler series vs 25-digit mpmath 2-D quadrature', () => {
  for (const backend of ['wasm', 'js'] as const) {
    test(`${backend}: ${ref.cases.length} pairs of tanh, sigmoid, softplus, swish within 1e-13 relative`, () => {
      let worst = 0;
      for (const c of ref.cases) {
        const got = layer2(c, backend);
        // The inputs carry K₁₂ to rounding: S moves by |∂S/∂K₁₂|·δK₁₂ = D·δK₁₂, allowed on top.
        const k12 = Number(c.c) * Math.sqrt(Number(c.k11)) * Math.sqrt(Number(c.k22));
        const slack = Math.abs(Number(c.D) * (got.K12 - k12));
        const eS = (Math.abs(got.S - Number(c.S)) - slack) / Math.abs(Number(c.S));
        const eD = Math.abs(got.D - Number(c.D)) / Math.abs(Number(c.D));
        worst = Math.max(worst, eS, eD);
        expect(eS, `${c.act} (${c.k11}, ${c.c}, ${c.k22}) S ${got.S} vs ${c.S}`).toBeLessThan(1e-13);
        expect(eD, `${c.act} (${c.k11}, ${c.c}, ${c.k22}) D ${got.D} vs ${c.D}`).toBeLessThan(1e-13);
      }
      console.log(`Mehler series (${backend}) vs mpmath: worst ${worst.toExponential(2)}`);
    });
  }

  test('sensitivity: a series cut at 1e-5 instead of 1e-9 fails the 1e-13 bound at the slow pairs', () => {
    // The same coefficients summed only while |a_k|√(k+1) ≥ 1e-5·‖a‖: the reference must see the difference.
    const rule = new MehlerRule(1.25, true);
    const act = fromRaw(3, 0)!;
    let worst = 0;
    for (const c of ref.cases.filter((c) => c.act === 'tanh')) {
      const sa = rule.series(act, Number(c.k11)), sb = rule.series(act, Number(c.k22));
      if (!sa || !sb) continue; // K = 6: no series (the 2-D rule's case)
      const cut = (s: NonNullable<typeof sa>) => {
        const n = Math.hypot(...s.a);
        let m = 0;
        s.a.forEach((v, j) => { if (Math.abs(v) * Math.sqrt(2 * j + 2) > 1e-5 * n) m = 2 * j + 2; });
        return { ...s, m };
      };
      const [S] = rule.pair(cut(sa), cut(sb), Number(c.c));
      worst = Math.max(worst, Math.abs(S - Number(c.S)) / Math.abs(Number(c.S)));
    }
    // Measured: 3.8e-12, 38× the bound of the test above.
    expect(worst).toBeGreaterThan(1e-13);
  });

  test(`inputs whose series would need more than ${M_CAP} orders take the 2-D rule (same values to 1e-12)`, () => {
    const rule = new MehlerRule(1.25, true);
    const act = fromRaw(3, 0)!;
    expect(rule.series(act, 50)).toBeNull();
    expect(rule.series(act, 1)).not.toBeNull();
    // tanh with one input at K⁽¹⁾ = 20 (2-D rule for its pairs) among inputs with series: both backends agree.
    const X = [[1, 0.5], [0.3, -1.2], [4.4, 4.6]];
    const spec = { activation: 'tanh' as const, depth: 3, Cb: 0.1, CW: 1.5, lambdaB: 0.1, lambdaW: 1, inputs: X };
    const w = kernels(spec, { backend: 'wasm' }), j = kernels(spec, { backend: 'js' });
    expect(w.layers[0].K[8]).toBeGreaterThan(M_CAP / 210);
    for (let l = 0; l < 3; l++) for (let i = 0; i < 9; i++) expect(Math.abs(w.layers[l].K[i] - j.layers[l].K[i])).toBeLessThan(1e-12 * Math.abs(j.layers[l].K[i]));
  });
});
