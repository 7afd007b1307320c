import { test } from 'vitest';
import { init } from '../ts/node.js';
import { multiChunkRunner } from '../ts/api/ensemble-multi.js';
import { packMultiConfig } from '../ts/twin/sampling/multi/mod.js';
import { chunkRunner } from '../ts/api/network.js';
import { packConfig } from '../ts/twin/sampling/network/mod.js';

test('cost', async () => {
  await init();
  const base = { widths: [8, 64, 64, 64], Cb: [0.1, 0.1, 0.1], CW: [1.5, 1.5, 1.5], lambdaB: [1, 1, 1], lambdaW: [1, 1, 1], kind: 3, a: 0, seed: 1, neurons: [2, 2, 2] };
  for (const order of [0, 1, 2, 3]) {
    const run = chunkRunner(packConfig({ ...base, order, x: Array.from({ length: 8 }, (_, i) => Math.sin(i)) }), 'wasm');
    run({ chunk: 0, first: 0, count: 4 });
    const cnt = 400;
    const t0 = performance.now();
    run({ chunk: 0, first: 0, count: cnt });
    console.log(`single-input order=${order}: ${((performance.now() - t0) / cnt).toFixed(4)} ms/network`);
    run.free();
  }
  for (const N of [1, 2, 4, 8]) {
    const X = Array.from({ length: N * 8 }, (_, i) => Math.sin(1.3 * Math.floor(i / 8) + (i % 8)));
    for (const order of [0, 1, 2, 3]) {
      const run = multiChunkRunner(packMultiConfig({ ...base, order, inputs: N, X }), 'wasm');
      run({ chunk: 0, first: 0, count: 1 });
      const cnt = N <= 2 ? 200 : N === 4 ? 40 : 6;
      const t0 = performance.now();
      run({ chunk: 0, first: 0, count: cnt });
      console.log(`N=${N} order=${order}: ${((performance.now() - t0) / cnt).toFixed(4)} ms/network`);
      run.free();
    }
  }
}, 600_000);
