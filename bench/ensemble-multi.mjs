// Ensembles on N inputs (docs/theory/ensembles.md §5): the kernel's cost per network and the gain of the
// conditional estimator of E[z_{i;a} z_{i;b}] for G1 with sample indices.
// Usage: npm run build && node bench/ensemble-multi.mjs [cost|g1] [n] (both by default; n = hidden width of cost, 64).
//   cost: ms per network of wf_ensemble_multi_chunk (wasm, one thread), tanh, n₀ = 8, n = 64 (or [n]), L = 3, k = 2,
//         N = 1, 2, 4, 8 at every order, next to the single-input kernel.
//   g1:   G1_{ab} from the linear 1/n fit of two widths (16, 32; 100 000 networks each, depth 3, N = 2),
//         with the conditional estimator (G = E[K̂]) and the plain one (Graw = E[z z]); "ratio" is the
//         factor of networks the plain estimator needs for the same error.
import { init, ensemble, theory, extrapolate } from '../dist/ts/node.js';
import { multiChunkRunner } from '../dist/ts/api/ensemble-multi.js';
import { chunkRunner } from '../dist/ts/api/network.js';
import { packMultiConfig } from '../dist/ts/twin/sampling/multi/mod.js';
import { packConfig } from '../dist/ts/twin/sampling/network/mod.js';

await init();
const what = process.argv[2];

if (!what || what === 'cost') {
  const w = Number(process.argv[3] ?? 64);
  const base = { widths: [8, w, w, w], Cb: [0.1, 0.1, 0.1], CW: [1.5, 1.5, 1.5], lambdaB: [1, 1, 1], lambdaW: [1, 1, 1], kind: 3, a: 0, seed: 1, neurons: [2, 2, 2] };
  const time = (run, count) => {
    run({ chunk: 0, first: 0, count: 2 });
    const t0 = performance.now();
    run({ chunk: 0, first: 0, count });
    return (performance.now() - t0) / count;
  };
  const row = [];
  for (const order of [0, 1, 2, 3]) {
    const run = chunkRunner(packConfig({ ...base, order, x: Array.from({ length: 8 }, (_, i) => Math.sin(i)) }), 'wasm');
    row.push(time(run, 400).toFixed(3));
    run.free();
  }
  console.log(`single input: ms/network for z, +Ĥ, +dĤ, +ddĤ: ${row.join(' | ')}`);
  for (const N of [1, 2, 4, 8]) {
    const X = Array.from({ length: N * 8 }, (_, i) => Math.sin(1.3 * Math.floor(i / 8) + (i % 8)));
    const r = [];
    for (const order of [0, 1, 2, 3]) {
      const run = multiChunkRunner(packMultiConfig({ ...base, order, inputs: N, X }), 'wasm');
      r.push(time(run, N <= 2 ? 200 : N === 4 ? 40 : 8).toFixed(3));
      run.free();
    }
    console.log(`N = ${N}: ms/network for z, +Ĥ, +dĤ, +ddĤ: ${r.join(' | ')}`);
  }
}

if (!what || what === 'g1') {
  const X = [[1.0, 0.3, -0.5], [0.2, 0.9, 0.4]];
  for (const act of ['tanh', 'relu']) {
    const spec = (w) => ({ activation: act, depth: 3, widths: [3, w, w], outputWidth: w, Cb: 0.1, CW: act === 'relu' ? 2 : 1.5, lambdaB: 1, lambdaW: 1, input: { X } });
    const th = theory(spec(16));
    const es = [];
    for (const w of [16, 32]) es.push(await ensemble(spec(w), { samples: 100000, seed: 3, neurons: 8, order: 'z', workers: 2 }));
    for (const l of [1, 2]) {
      for (const [a, b] of [[0, 0], [0, 1], [1, 1]]) {
        const K = th.layers[l].K[a * 2 + b];
        const fit = (key) => extrapolate(es.map((e) => ({ n: e.layers[l].n, value: e.layers[l].n * (e.layers[l][key].value[a * 2 + b] - K), stderr: e.layers[l].n * e.layers[l][key].stderr[a * 2 + b] })));
        const c = fit('G'), r = fit('Graw');
        console.log(`${act} layer ${l + 1} G1_${a}${b}: theory ${th.layers[l].G1[a * 2 + b].toFixed(4)} | conditional ${c.value.toFixed(4)} ± ${c.stderr.toFixed(4)} | plain ${r.value.toFixed(4)} ± ${r.stderr.toFixed(4)} | ratio ${((r.stderr / c.stderr) ** 2).toFixed(1)}`);
      }
    }
  }
}
