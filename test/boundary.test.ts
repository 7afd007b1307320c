/**
 * The wasm-bindgen boundary: the two artifacts share one glue (same imports, same exports), each
 * instance gets its own copy of the glue, and every export the artifacts carry is wrapped by it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EXPORT_METHODS, instantiate, WasmCore } from '../bindings/core.js';
import { GLUE_EXPORTS } from '../bindings/glue.js';

const bytes = (name: string) => readFileSync(new URL(`../wasm/${name}`, import.meta.url)) as unknown as Uint8Array<ArrayBuffer>;
const modules = { simd: new WebAssembly.Module(bytes('wideflow.simd.wasm')), scalar: new WebAssembly.Module(bytes('wideflow.wasm')) };
const names = (d: { module?: string; name: string; kind: string }[]) => d.map((x) => `${x.module ?? ''}:${x.name}:${x.kind}`).sort();

describe('one glue for both artifacts', () => {
  test('the SIMD and the scalar artifact import exactly the same names', () => {
    const simd = names(WebAssembly.Module.imports(modules.simd));
    expect(simd.length).toBeGreaterThan(0); // the glue's externref table initializer at least
    expect(names(WebAssembly.Module.imports(modules.scalar))).toEqual(simd);
  });

  test('… and export exactly the same names', () => {
    expect(names(WebAssembly.Module.exports(modules.scalar))).toEqual(names(WebAssembly.Module.exports(modules.simd)));
  });

  test('every wf_* export of the artifacts is wrapped by the glue (no export outside wasm-bindgen)', () => {
    const raw = WebAssembly.Module.exports(modules.simd).map((e) => e.name).filter((n) => n.startsWith('wf_')).sort();
    expect([...GLUE_EXPORTS].sort()).toEqual(raw);
    expect(raw).toHaveLength(21); // + wf_ensemble_multi_chunk/_release (many inputs) and wf_kernel_rows (kernels({ workers }))
  });

  test('… and every glue export has exactly one typed method of WasmCore (callers never pass a name)', () => {
    expect(Object.keys(EXPORT_METHODS).sort()).toEqual([...GLUE_EXPORTS].sort());
    const methods = Object.values(EXPORT_METHODS);
    expect(new Set(methods).size).toBe(methods.length);
    for (const m of methods) expect(typeof WasmCore.prototype[m], m).toBe('function');
  });
});

describe('the committed glue belongs to the committed artifacts', () => {
  const glue = readFileSync(new URL('../bindings/glue.ts', import.meta.url), 'utf8');

  test("InitOutput in bindings/glue.ts declares only the artifacts' exports, and every wf_* export", () => {
    const declared = [...(glue.match(/export interface InitOutput \{([\s\S]*?)\n\}/)?.[1] ?? '').matchAll(/readonly (\w+):/g)].map((m) => m[1]);
    const exported = WebAssembly.Module.exports(modules.simd).map((e) => e.name);
    expect(declared.length).toBeGreaterThan(14);
    for (const d of declared) expect(exported).toContain(d);
    for (const e of exported.filter((n) => n.startsWith('wf_'))) expect(declared).toContain(e);
  });

  test('the glue provides every import the artifacts need', () => {
    for (const imp of WebAssembly.Module.imports(modules.simd)) {
      expect(glue).toContain(`"${imp.module}"`);
      expect(glue).toContain(`${imp.name}:`);
    }
  });
});

describe('instances', () => {
  test('the SIMD and the scalar instance live side by side, each with its own memory and glue', async () => {
    const simd = await instantiate(modules.simd);
    const scalar = await instantiate(bytes('wideflow.wasm'));
    expect(simd.simd).toBe(true);
    expect(scalar.simd).toBe(false);
    expect(simd.exports.memory).not.toBe(scalar.exports.memory);
    const a = simd.allocF64([1, 2, 3]);
    const b = scalar.allocF64([4, 5, 6]);
    expect(Array.from(simd.readF64(a, 3))).toEqual([1, 2, 3]);
    expect(Array.from(scalar.readF64(b, 3))).toEqual([4, 5, 6]);
    simd.free(a);
    scalar.free(b);
  });

  test('an instance made from a compiled module (as workers receive it) works like one made from bytes', async () => {
    const c = await instantiate(modules.scalar);
    expect(c.module).toBe(modules.scalar);
    expect(c.simd).toBe(false);
  });
});
