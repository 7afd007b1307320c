import { test } from 'vitest';
import { init } from '../ts/node.js';
import { ensemble, theory, extrapolate } from '../ts/index.js';

test('G1 gain', async () => {
  await init();
  const X = [[1.0, 0.3, -0.5], [0.2, 0.9, 0.4]];
  for (const act of ['tanh', 'relu'] as const) {
    const spec = (w: number) => ({ activation: act, depth: 3, widths: [3, w, w], outputWidth: w, Cb: 0.1, CW: act === 'relu' ? 2 : 1.5, lambdaB: 1, lambdaW: 1, input: { X } });
    const th = theory(spec(16));
    const es = [];
    const t0 = performance.now();
    for (const w of [16, 32]) es.push(await ensemble(spec(w), { samples: 100000, seed: 3, neurons: 8, order: 'z', workers: 2 }));
    console.log(`${act}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const l of [1, 2]) {
      for (const [a, b] of [[0, 0], [0, 1], [1, 1]]) {
        const K = th.layers[l].K[a * 2 + b];
        const fit = (key: 'G' | 'Graw') => extrapolate(es.map((e) => { const n = e.layers[l].n; const m = e.layers[l][key]!; return { n, value: n * (m.value[a * 2 + b] - K), stderr: n * m.stderr[a * 2 + b] }; }));
        const c = fit('G'), r = fit('Graw');
        console.log(`${act} layer ${l + 1} G1[${a}${b}] theory ${th.layers[l].G1[a * 2 + b].toFixed(4)} | conditional ${c.value.toFixed(4)} ± ${c.stderr.toFixed(4)} | plain ${r.value.toFixed(4)} ± ${r.stderr.toFixed(4)} | networks ratio ${((r.stderr / c.stderr) ** 2).toFixed(1)}`);
      }
    }
  }
}, 900_000);
