/**
 * The backend contract of ts/api/backend.ts, on the Node entry: one idempotent `init()`, a feature probe
 * that picks the SIMD artifact, a scalar artifact that gives the same answers, and typed errors when a
 * wasm function is used too early or a backend name is wrong.
 *
 * Each test that needs a pristine (not yet initialized) library imports a fresh module instance
 * through `vi.resetModules()`, because `init()` caches its promise for the life of the module.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, test, vi } from 'vitest';
import { instantiate, simdSupported } from '../bindings/core.js';

type Wideflow = typeof import('../ts/node.js');
type BackendModule = typeof import('../ts/api/backend.js');

/** A fresh, uninitialized copy of the library (node entry + its backend module, same instance). */
async function fresh(): Promise<{ wf: Wideflow; backend: BackendModule }> {
  vi.resetModules();
  const wf = await import('../ts/node.js');
  const backend = await import('../ts/api/backend.js');
  return { wf, backend };
}

const wasmFile = (name: string) => new URL(`../wasm/${name}`, import.meta.url);

describe('init()', () => {
  test('is idempotent: repeated and concurrent calls share one promise and one result', async () => {
    const { wf } = await fresh();
    const a = wf.init();
    const b = wf.init();
    const c = wf.init({ simd: false }); // options after the first call do not start a second load
    expect(b).toBe(a);
    expect(c).toBe(a);
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(rb).toBe(ra);
    expect(rc).toBe(ra);
    expect(wf.init()).toBe(a); // and still the same promise once it has resolved
    expect(wf.info()).toEqual(ra);
  });

  test('picks the SIMD artifact when the engine validates simd128 (Node 20 does), and info() says so', async () => {
    const { wf } = await fresh();
    expect(wf.info()).toEqual({ wasm: false, simd: false, defaultBackend: 'js' });
    expect(simdSupported()).toBe(true);
    const result = await wf.init();
    expect(result).toEqual({ wasm: true, simd: true, defaultBackend: 'wasm' });
    expect(wf.info()).toEqual(result);
  });

  test('init({ simd: false }) loads the scalar artifact', async () => {
    const { wf } = await fresh();
    expect(await wf.init({ simd: false })).toEqual({ wasm: true, simd: false, defaultBackend: 'wasm' });
  });

  test('init({ wasm: bytes }) instantiates caller-provided bytes instead of the registered loader', async () => {
    const { wf } = await fresh();
    const bytes = new Uint8Array(await readFile(wasmFile('wideflow.wasm')));
    expect((await wf.init({ wasm: bytes })).simd).toBe(false);
  });
});

describe('both artifacts', () => {
  test('each file is built as its name says: wideflow.simd.wasm with simd128, wideflow.wasm without', async () => {
    const simd = await instantiate(new Uint8Array(await readFile(wasmFile('wideflow.simd.wasm'))));
    const scalar = await instantiate(new Uint8Array(await readFile(wasmFile('wideflow.wasm'))));
    expect(simd.simd).toBe(true);
    expect(scalar.simd).toBe(false);
  });

  test('the SIMD and the scalar build give the same ⟨relu(z)²⟩ at K = 2 (= 1)', async () => {
    const answers: number[] = [];
    for (const simd of [true, false]) {
      const { wf } = await fresh();
      expect((await wf.init({ simd })).simd).toBe(simd);
      answers.push(wf.gaussianExpectations({ activation: 'relu', K: 2, backend: 'wasm' }).sigma2);
    }
    for (const a of answers) expect(Math.abs(a - 1)).toBeLessThan(1e-12);
    // The two builds may round differently (auto-vectorized sums), but only in the last bits.
    expect(Math.abs(answers[0] - answers[1])).toBeLessThan(1e-13);
  });
});

describe('typed errors before init()', () => {
  test('a wasm-backed function called before init() throws NotInitializedError that says "await init()"', async () => {
    const { wf } = await fresh();
    let thrown: unknown;
    try {
      wf.gaussianExpectations({ activation: 'relu', K: 2 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(wf.NotInitializedError);
    expect(thrown).toBeInstanceOf(wf.WideflowError);
    expect((thrown as Error).message).toMatch(/await init\(\)/);
    expect((thrown as Error).message).toMatch(/backend: 'js'/);
  });

  test("resolveBackend: 'wasm' or the default before init() is NotInitializedError naming the caller; 'js' works", async () => {
    const { wf, backend } = await fresh();
    expect(() => backend.resolveBackend('wasm', 'theory()')).toThrow(wf.NotInitializedError);
    expect(() => backend.resolveBackend(undefined, 'theory()')).toThrow(/theory\(\) needs the wasm backend; await init\(\) first/);
    expect(() => backend.wasmCore('ensemble()')).toThrow(wf.NotInitializedError);
    expect(backend.resolveBackend('js', 'theory()')).toBe('js');
  });

  test('resolveBackend: an unknown backend name is InvalidParameterError naming the parameter, the choices and the value', async () => {
    const { wf, backend } = await fresh();
    let thrown: unknown;
    try {
      backend.resolveBackend('gpu', 'theory()');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(wf.InvalidParameterError);
    expect(thrown).toMatchObject({ parameter: 'backend', value: 'gpu' });
    expect((thrown as Error).message).toBe(`wideflow: backend must be 'wasm' or 'js' (got "gpu")`);
  });

  test('after init() the default backend is wasm', async () => {
    const { backend, wf } = await fresh();
    await wf.init();
    expect(backend.resolveBackend(undefined, 'theory()')).toBe('wasm');
  });
});
