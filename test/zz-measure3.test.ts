import { test } from 'vitest';
import { init } from '../ts/node.js';
import { ensemble, theory, compare } from '../ts/index.js';

test('layer2 + depth3', async () => {
  await init();
  const X3 = [[1.0, 0.2, -0.4], [0.95, 0.35, -0.3], [-0.2, 0.9, 0.5]];
  for (const act of ['tanh', 'relu']) {
    const spec3 = { activation: act as 'tanh', depth: 2, widths: [3, 12], outputWidth: 4, Cb: 0.1, CW: 1.5, lambdaB: 0.5, lambdaW: 1.2, input: { X: X3 } };
    const th = theory(spec3);
    const e = await ensemble(spec3, { samples: 6000, seed: 17, neurons: 4, order: 'ntk', workers: 2 });
    const c = compare(th, [e]);
    const l2 = c.rows.filter((r) => r.layer === 2);
    const byQ: Record<string, number> = {};
    for (const r of l2) byQ[r.quantity] = Math.max(byQ[r.quantity] ?? 0, Math.abs(r.z));
    const B = e.layers[1].B!;
    let worst = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let cc = 0; cc < 3; cc++) for (let d = 0; d < 3; d++) worst = Math.max(worst, Math.abs(B.value.get(a, b, cc, d) - th.layers[1].B.get(b, a, cc, d)) / B.stderr.get(a, b, cc, d));
    console.log(`L2 ${act}: rows ${l2.length}, max|z| ${Math.max(...l2.map((r) => Math.abs(r.z))).toFixed(2)} per quantity ${JSON.stringify(Object.fromEntries(Object.entries(byQ).map(([k, v]) => [k, +v.toFixed(2)])))}; swapped B max|z| ${worst.toFixed(1)}; missing ${c.missing}`);
  }
  // depth 3, two widths, N = 2, tanh: extrapolated in 1/n
  const X2 = [[1.0, 0.3, -0.5], [0.2, 0.9, 0.4]];
  for (const act of ['tanh']) {
    const spec = (w: number) => ({ activation: act as 'tanh', depth: 3, widths: [3, w, w], outputWidth: w, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1, input: { X: X2 } });
    const t0 = performance.now();
    const es = [];
    for (const w of [16, 32]) es.push(await ensemble(spec(w), { samples: 20000, seed: 4, neurons: 4, order: 'ntk', workers: 2 }));
    const c = compare(theory(spec(16)), es);
    const l3 = c.rows.filter((r) => r.layer === 3);
    const byQ: Record<string, number> = {};
    for (const r of l3) byQ[r.quantity] = Math.max(byQ[r.quantity] ?? 0, Math.abs(r.z));
    const frac = l3.filter((r) => Math.abs(r.z) < 2).length / l3.length;
    console.log(`L3 ${act} (${((performance.now() - t0) / 1000).toFixed(0)} s): rows ${l3.length}, |z|<2: ${(100 * frac).toFixed(0)}%, max|z| per quantity ${JSON.stringify(Object.fromEntries(Object.entries(byQ).map(([k, v]) => [k, +v.toFixed(2)])))}`);
  }
}, 900_000);
