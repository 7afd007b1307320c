/**
 * The boundary schema (schema/layout.json) and its two generated mirrors: the committed files must be
 * exactly what the generator makes of the schema now, and the schema must describe the buffers the
 * code actually exchanges (checked against the hand-written packers and key lists it replaces).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generate, generateTs, root, SCHEMA } from '../scripts/gen-layout.mjs';
import * as layout from '../bindings/layout.js';
import { keysOf, lengthOf, offsetOf, pack, unpack } from '../bindings/pack.js';
import { packConfig } from '../ts/twin/sampling/network/config.js';
import { NQ, Q } from '../ts/twin/sampling/network/stats.js';
import { MOMENTS } from '../ts/stats/estimator.js';
import { STAT_KEYS } from '../ts/twin/theory/recursion.js';
import { MOMENT_NAMES } from '../ts/twin/theory/moments.js';

const schema = () => JSON.parse(readFileSync(join(root, SCHEMA), 'utf8'));

describe('generated files', () => {
  test('crates/core/src/ffi/layout.rs and bindings/layout.ts equal a fresh generation from schema/layout.json', () => {
    const files = generate();
    expect(Object.keys(files).sort()).toEqual(['bindings/layout.ts', 'crates/core/src/ffi/layout.rs']);
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(root, path), 'utf8'), `${path} is stale: run node scripts/gen-layout.mjs`).toBe(text);
    }
  });

  test('the staleness check can fail: moving one field changes the generated TS', () => {
    const s = schema();
    const f = s.layouts.networkStats.fields;
    [f[0], f[1]] = [f[1], f[0]];
    expect(generateTs(s)).not.toBe(generate()['bindings/layout.ts']);
  });

  test('a count naming an unknown dim is rejected', () => {
    const s = schema();
    s.layouts.hyper.fields[0].count = 'M';
    expect(() => generateTs(s)).toThrow(/'M'.*neither an integer nor a dim/);
  });
});

const netConfig = {
  widths: [3, 5, 4],
  Cb: [0.1, 0.2],
  CW: [1.5, 2],
  lambdaB: [0.3, 0.4],
  lambdaW: [1, 0.5],
  kind: 3,
  a: 0.25,
  order: 3,
  seed: 2 ** 40 + 12345,
  neurons: [2, 3],
  x: [0.5, -1, 2],
};

describe('the schema describes the buffers the code exchanges', () => {
  test('ensembleConfig packs exactly what packConfig packs, and unpacks it by name', () => {
    const c = netConfig;
    const values = {
      depth: 2,
      widths: c.widths,
      hyper: c.Cb.map((Cb, i) => ({ Cb, CW: c.CW[i], lambdaB: c.lambdaB[i], lambdaW: c.lambdaW[i] })),
      kind: c.kind,
      a: c.a,
      order: c.order,
      seedLo: c.seed % 2 ** 32,
      seedHi: Math.floor(c.seed / 2 ** 32),
      neurons: c.neurons,
      x: c.x,
    };
    const buf = pack(layout.ensembleConfig, values);
    expect(buf).toEqual(packConfig(c));
    // the layout the Rust decoder has always read: [L, n₀ … n_L, (C_b, C_W, λ_b, λ_W) × L, kind, a, order, seed_lo, seed_hi, k × L, x]
    expect(Array.from(buf)).toEqual([2, 3, 5, 4, 0.1, 1.5, 0.3, 1, 0.2, 2, 0.4, 0.5, 3, 0.25, 3, 12345, 256, 2, 3, 0.5, -1, 2]);
    const u = unpack(layout.ensembleConfig, buf);
    expect(u.hyper[1]).toEqual(values.hyper[1]);
    expect(Array.from(u.x)).toEqual(c.x);
    expect(u.seedHi).toBe(256);
    expect(lengthOf(layout.ensembleConfig, { L: 2, n0: 3 })).toBe(buf.length);
    expect(offsetOf(layout.ensembleConfig, 'neurons', { L: 2 })).toBe(buf.length - 3 - 2);
  });

  test('a vector of the wrong length is refused', () => {
    expect(() => pack(layout.hyper, { Cb: 1, CW: 1, lambdaB: 1, lambdaW: 1 })).not.toThrow();
    expect(() => pack(layout.kernelLayer, { K: [1, 2, 3], Theta: [1, 2, 3, 4] }, { N: 2 })).toThrow(/K has 3 values, the layout 4/);
  });

  test('networkStats are the per-network keys of network.ts (Q, NQ) and estimator.ts (MOMENTS), in order', () => {
    expect(keysOf(layout.networkStats)).toEqual([...MOMENTS]);
    expect(layout.networkStats.len).toBe(NQ);
    expect(Q).toBe(layout.networkStats.at);
    // the order the Rust kernel and the estimators have always used
    expect(Object.entries(Q).map(([k, i]) => `${i}:${k}`).join(' ')).toBe('0:zz 1:zzzz 2:h 3:hh 4:hzz 5:hab2 6:hzzab 7:P 8:Q 9:R 10:S 11:T 12:U 13:Qnull 14:zzc 15:zzc2 16:hzzc 17:g2 18:gcv 19:hc1 20:h2 21:hcv');
  });

  test('theoryLayer holds STAT_KEYS, then χ∥, χ⊥ and the flags (stride 18)', () => {
    expect(keysOf(layout.theoryLayer)).toEqual([...STAT_KEYS, 'chiParallel', 'chiPerp', 'flags']);
    expect(layout.theoryLayer.len).toBe(18);
    expect(layout.theoryFlags).toEqual({ overflow: 1, kUnderflow: 2 });
  });

  test('gaussMoments are the 14 moments of gaussianExpectations, and gaussOutput is values then errors', () => {
    expect(keysOf(layout.gaussMoments)).toEqual([...MOMENT_NAMES]);
    expect(layout.gaussOutput.at).toEqual({ values: 0, errors: 14 });
    expect(layout.gaussOutput.len).toBe(28);
  });

  test('theoryConfig, kernelConfig, multiConfig: [L, widths, hyper × L, kind, a, x²], [L, N, n₀, hyper × L, kind, a], [L, N, n₀, widths, hyper × L, kind, a]', () => {
    const hyper = [{ Cb: 0.1, CW: 2, lambdaB: 1, lambdaW: 3 }, { Cb: 0, CW: 1, lambdaB: 0.5, lambdaW: 1 }];
    const t = pack(layout.theoryConfig, { depth: 2, widths: [8, 16], hyper, kind: 1, a: 0, x2: 1.5 });
    expect(Array.from(t)).toEqual([2, 8, 16, 0.1, 2, 1, 3, 0, 1, 0.5, 1, 1, 0, 1.5]);
    const k = pack(layout.kernelConfig, { depth: 2, inputs: 3, inputWidth: 4, hyper, kind: 1, a: 0 });
    expect(Array.from(k)).toEqual([2, 3, 4, 0.1, 2, 1, 3, 0, 1, 0.5, 1, 1, 0]);
    expect(lengthOf(layout.kernelOutput, { L: 2, N: 3 })).toBe(2 * 2 * 9);
    const m = pack(layout.multiConfig, { depth: 2, inputs: 3, inputWidth: 4, widths: [4, 16], hyper, kind: 1, a: 0 });
    expect(Array.from(m)).toEqual([2, 3, 4, 4, 16, 0.1, 2, 1, 3, 0, 1, 0.5, 1, 1, 0]);
    expect(offsetOf(layout.kernelLayer, 'Theta', { N: 3 })).toBe(9);
  });
});
