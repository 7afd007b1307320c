/**
 * kernels({ workers }): each layer's rows are shared among threads; the result must be the
 * single-thread result bit for bit, for any worker count and both backends (issue 9 item 6).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { init, kernels, AbortError, InvalidParameterError, type KernelsSpec } from '../ts/node.js';
import { kernelsThreadingForTests } from '../ts/api/kernels.js';

beforeAll(async () => {
  await init();
  // tanh and sigmoid (Mehler series) go to the workers only from N = 1024 on; these 23 inputs must too.
  kernelsThreadingForTests({ seriesThreads: 1 });
});

afterAll(() => kernelsThreadingForTests());

/** 23 inputs in R^5 (deterministic, mixed norms and signs): enough rows for uneven blocks. */
const X = Array.from({ length: 23 }, (_, a) => Array.from({ length: 5 }, (_, i) => Math.sin(1.3 * a + 0.7 * i * i + 0.2) * (0.4 + (a % 4) * 0.3)));
const spec = (activation: KernelsSpec['activation']): KernelsSpec => ({ activation, depth: 4, Cb: 0.1, CW: 1.4, lambdaB: 0.2, lambdaW: 0.9, inputs: X });

const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('kernels({ workers }): identical to the single-thread result', () => {
  for (const backend of ['wasm', 'js'] as const) {
    for (const activation of ['tanh', 'relu', 'sigmoid', { name: 'elu', alpha: 1.3 }] as const) {
      const name = typeof activation === 'string' ? activation : activation.name;
      test(`${name} (${backend}): workers 1, 2, 3 give the same bits as no workers`, async () => {
        const ref = kernels(spec(activation), { backend, degree: 24 });
        for (const workers of [1, 2, 3]) {
          const r = await kernels(spec(activation), { backend, degree: 24, workers });
          expect(r.layers.length).toBe(ref.layers.length);
          r.layers.forEach((l, i) => {
            expect(same(l.K, ref.layers[i].K)).toBe(true);
            expect(same(l.Theta, ref.layers[i].Theta)).toBe(true);
          });
        }
      });
    }
  }

  test('without shared memory (a page that is not cross-origin isolated): the same bits, both backends', async () => {
    kernelsThreadingForTests({ shared: false, seriesThreads: 1 });
    try {
      for (const backend of ['wasm', 'js'] as const) {
        const ref = kernels(spec('tanh'), { backend, degree: 24 });
        for (const workers of [2, 3]) {
          const r = await kernels(spec('tanh'), { backend, degree: 24, workers });
          r.layers.forEach((l, i) => {
            expect(same(l.K, ref.layers[i].K)).toBe(true);
            expect(same(l.Theta, ref.layers[i].Theta)).toBe(true);
          });
        }
      }
    } finally {
      kernelsThreadingForTests({ seriesThreads: 1 });
    }
  });

  test('sensitivity: a different degree is not the same bits (the comparison can fail)', async () => {
    const a = kernels(spec('tanh'), { degree: 24 });
    const b = await kernels(spec('tanh'), { degree: 25, workers: 2 });
    expect(same(a.layers[3].K, b.layers[3].K)).toBe(false);
  });
});

describe('kernels({ workers }): bad input and cancellation', () => {
  test('workers outside 1 … 256 reject with InvalidParameterError naming workers', async () => {
    for (const workers of [0, 1.5, 300]) {
      await expect(kernels(spec('tanh'), { workers })).rejects.toThrow(InvalidParameterError);
      await expect(kernels(spec('tanh'), { workers })).rejects.toThrow(/workers/);
    }
  });

  test('a custom activation cannot go to workers (InvalidParameterError); workers: 1 runs it', async () => {
    const custom = { name: 'custom', f: (z: number) => Math.tanh(z), df: (z: number) => 1 - Math.tanh(z) ** 2 };
    await expect(kernels(spec(custom as never), { workers: 2, backend: 'js' })).rejects.toThrow(InvalidParameterError);
  });

  test('an aborted signal rejects with AbortError', async () => {
    const ac = new AbortController();
    const p = kernels({ ...spec('tanh'), depth: 30 }, { workers: 2, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toThrow(AbortError);
  });
});
