/**
 * The answers to bad and extreme input that issue 10 found wrong, each now a typed error or an
 * explicit flag. Every test names the claim it checks; each one failed before the fix.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as wf from '../ts/node.js';
import { wasmCore } from '../ts/api/backend.js';

beforeAll(async () => {
  await wf.init();
});

const spec = (over: Partial<wf.NetworkSpec> = {}): wf.NetworkSpec => ({
  activation: 'tanh',
  depth: 3,
  width: 6,
  inputWidth: 2,
  Cb: 0.1,
  CW: 1.2,
  lambdaB: 0.5,
  lambdaW: 1,
  input: { x2: 1 },
  ...over,
});

const rejects = async (p: Promise<unknown> | (() => unknown), cls: new (...a: never[]) => Error, re?: RegExp) => {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a rejection').toBeInstanceOf(cls);
  if (re) expect((err as Error).message).toMatch(re);
  expect((err as Error).message.length).toBeLessThan(600);
  return err as Error;
};

describe('planning is O(1) in the number of samples', () => {
  test('2^40 samples: a far shard runs at once, and an unsharded run aborts within a second', async () => {
    const t0 = performance.now();
    const r = await wf.ensemble(spec(), { samples: 2 ** 40, shard: { index: 7, count: 2 ** 34 }, order: 'z', backend: 'wasm' });
    expect(r.samples).toBe(64); // one chunk of 64 networks
    expect(performance.now() - t0).toBeLessThan(5000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t1 = performance.now();
    await rejects(wf.ensemble(spec(), { samples: 2 ** 40, order: 'z', signal: ac.signal }), wf.AbortError);
    expect(performance.now() - t1).toBeLessThan(3000);
  });
});

describe('shards: versioned, checksummed, every field checked', () => {
  const o = { samples: 300, seed: 5, order: 'ntk' as const };

  test('a shard file carries its format, config hash and checksum; an edit is refused by field', async () => {
    const a = await wf.ensemble(spec(), { ...o, shard: { index: 1, count: 2 } });
    const b = await wf.ensemble(spec(), { ...o, shard: { index: 2, count: 2 } });
    expect(a.state.format).toBe('wideflow-ensemble/3');
    expect(a.state.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.state.checksum).toMatch(/^[0-9a-f]{16}$/);
    const whole = await wf.ensemble(spec(), o);
    expect(JSON.stringify(wf.mergeEnsembles([a.state, b.state]).layers)).toBe(JSON.stringify(whole.layers));
    const copy = () => JSON.parse(JSON.stringify(b.state)) as wf.EnsembleState;
    const shortened = copy();
    shortened.sums.pop();
    await rejects(() => wf.mergeEnsembles([a.state, shortened]), wf.InvalidParameterError, /checksum/);
    // Without the checksum (a version-1 file), the same corruptions are caught by their fields.
    const v1 = (s: wf.EnsembleState) => ({ ...s, format: 'wideflow-ensemble/1' as const, checksum: undefined, configHash: undefined });
    const short1 = v1(copy());
    short1.sums = short1.sums.slice(0, -1);
    await rejects(() => wf.mergeEnsembles([v1(a.state), short1]), wf.InvalidParameterError, /sums\.length/);
    const inflated = v1(copy());
    inflated.counts[0] += 10;
    await rejects(() => wf.mergeEnsembles([v1(a.state), inflated]), wf.InvalidParameterError, /counts\[0\]/);
    const text = v1(copy()) as unknown as { counts: unknown[] };
    text.counts[1] = 'many';
    await rejects(() => wf.mergeEnsembles([v1(a.state), text as unknown as wf.EnsembleState]), wf.InvalidParameterError, /counts\[1\]/);
    expect(JSON.stringify(wf.mergeEnsembles([v1(a.state), v1(b.state)]).layers)).toBe(JSON.stringify(whole.layers));
  });

  test('shards of a custom-σ ensemble still merge exactly (the file cannot carry the function)', async () => {
    const custom = spec({ activation: { name: 'custom', f: Math.tanh, df: (z: number) => 1 / Math.cosh(z) ** 2 } });
    const opt = { samples: 300, seed: 2, order: 'ntk' as const, backend: 'js' as const };
    const a = await wf.ensemble(custom, { ...opt, shard: { index: 1, count: 2 } });
    const b = await wf.ensemble(custom, { ...opt, shard: { index: 2, count: 2 } });
    const whole = await wf.ensemble(custom, opt);
    expect(JSON.stringify(wf.mergeEnsembles([a.state, b.state]).layers)).toBe(JSON.stringify(whole.layers));
  });

  test('shards of another run are refused with the first difference', async () => {
    const a = await wf.ensemble(spec(), { ...o, shard: { index: 1, count: 2 } });
    const b = await wf.ensemble(spec({ CW: 1.3 }), { ...o, shard: { index: 2, count: 2 } });
    await rejects(() => wf.mergeEnsembles([a.state, b.state]), wf.MismatchError, /configHash/);
    const c = await wf.ensemble(spec(), { ...o, seed: 6, shard: { index: 2, count: 2 } });
    await rejects(() => wf.mergeEnsembles([a.state, c.state]), wf.MismatchError, /seed/);
  });

  test('an empty shard is legal: zero networks, no statistics, a warning; it merges as nothing', async () => {
    const small = { samples: 10, seed: 1, order: 'z' as const };
    const parts = [];
    for (let i = 1; i <= 20; i++) parts.push(await wf.ensemble(spec(), { ...small, shard: { index: i, count: 20 } }));
    const empty = parts[14];
    expect(empty.samples).toBe(0);
    expect(empty.warnings.join(' ')).toMatch(/no statistics/);
    for (const l of empty.layers) expect(Object.keys(l).sort()).toEqual(['layer', 'n', 'neurons', 'width']);
    const merged = wf.mergeEnsembles(parts);
    const whole = await wf.ensemble(spec(), small);
    expect(JSON.stringify(merged.layers)).toBe(JSON.stringify(whole.layers));
  });
});

describe('compare refuses what does not match', () => {
  test('tanh theory vs a relu ensemble, or C_W = 1.2 vs 1.3: a MismatchError naming the field', async () => {
    const th = wf.theory(spec());
    const relu = await wf.ensemble(spec({ activation: 'relu' }), { samples: 200, order: 'ntk' });
    await rejects(() => wf.compare(th, [relu]), wf.MismatchError, /activation/);
    const cw = await wf.ensemble(spec({ CW: 1.3 }), { samples: 200, order: 'ntk' });
    await rejects(() => wf.compare(th, [cw]), wf.MismatchError, /CW of layer 1/);
    await rejects(() => wf.compare(null as unknown as wf.TheoryResult, [cw]), wf.InvalidParameterError, /theory/);
  });

  test("layer 1 is exact: its round-off is not a z-score, and a z = ∞ row is not skipped by maxAbsZ", async () => {
    const th = wf.theory(spec());
    const es: wf.EnsembleResult[] = [];
    for (const w of [6, 12]) es.push(await wf.ensemble(spec({ width: w }), { samples: 2000, seed: w, order: 'ntk' }));
    const c = wf.compare(th, es);
    for (const r of c.rows.filter((r) => r.layer === 1)) {
      expect(r.exact).toBe(true);
      expect(r.z).toBe(0);
    }
    expect(c.maxAbsZ).toBeLessThan(6);
    // A deliberately wrong theory at layer 1 is reported as an infinite disagreement, and counted.
    const wrong = { ...th, layers: th.layers.map((l, i) => (i === 0 ? { ...l, K: l.K * 1.01 } : l)) };
    const cw = wf.compare(wrong, es);
    expect(cw.maxAbsZ).toBe(Infinity);
    expect(cw.warnings.join(' ')).toMatch(/beyond round-off/);
  });

  test("fit: 'quadratic' with fewer than 4 widths is refused, not silently linear", async () => {
    const th = wf.theory(spec());
    const es: wf.EnsembleResult[] = [];
    for (const w of [6, 12, 24]) es.push(await wf.ensemble(spec({ width: w }), { samples: 200, seed: w, order: 'ntk' }));
    await rejects(() => wf.compare(th, es, { fit: 'quadratic' }), wf.InvalidParameterError, /≥ 4/);
  });
});

describe('memory is planned before it is allocated', () => {
  test('width 16000 on wasm: a ResourceLimitError stating the memory needed and the limit', async () => {
    const e = (await rejects(wf.ensemble(spec({ width: 16000 }), { samples: 100 }), wf.ResourceLimitError, /GB.*limit/)) as wf.ResourceLimitError;
    expect(e.needed).toBeGreaterThan(e.limit);
    expect(e.parameter).toBe('widths');
  });
  test('width 10^5 on the js backend: the same error, not a raw RangeError', async () => {
    await rejects(wf.ensemble(spec({ width: 100_000 }), { samples: 100, backend: 'js' }), wf.ResourceLimitError, /limit/);
  });
  test('ensemble depth 5000 blames depth, in a short message', async () => {
    await rejects(wf.ensemble(spec({ depth: 5000 }), { samples: 100 }), wf.InvalidParameterError, /^wideflow: depth must be/);
  });
  test('memory stays flat over 10⁴ theory() and gaussianExpectations() calls', () => {
    const core = wasmCore('test');
    const round = (i: number) => {
      wf.theory(spec({ CW: 1 + (i % 7) / 10 }));
      wf.gaussianExpectations({ activation: 'gelu', K: 0.5 + (i % 5) });
    };
    // Warm-up: the first calls build the cached quadrature rules (one page of wasm memory).
    for (let i = 0; i < 100; i++) round(i);
    const before = core.exports.memory.buffer.byteLength;
    for (let i = 0; i < 10_000; i++) round(i);
    expect(core.exports.memory.buffer.byteLength).toBe(before);
  });
});

describe('options that would be ignored are refused', () => {
  test('onProgress: 42, signal: 42 and garbage options give InvalidParameterErrors', async () => {
    await rejects(wf.ensemble(spec(), { samples: 100, onProgress: 42 as unknown as () => void }), wf.InvalidParameterError, /onProgress/);
    await rejects(wf.ensemble(spec(), { samples: 100, signal: 42 as unknown as AbortSignal }), wf.InvalidParameterError, /signal/);
    await rejects(wf.ensemble(spec(), null as unknown as wf.EnsembleOptions), wf.InvalidParameterError, /options/);
  });
});

describe('no NaN reaches the user unannounced', () => {
  test('gaussianExpectations at K = 1e300: finite values, or a typed error naming the moment', () => {
    for (const activation of ['tanh', 'relu', 'gelu', 'softplus', 'monomial'] as const) {
      try {
        const r = wf.gaussianExpectations({ activation, K: 1e300 });
        for (const name of wf.MOMENT_NAMES) {
          expect(Number.isNaN(r[name]), `${activation} ${name}`).toBe(false);
          if (!Number.isFinite(r[name])) expect(r.warnings.length).toBeGreaterThan(0);
        }
      } catch (e) {
        expect(e).toBeInstanceOf(wf.InvalidParameterError);
        expect((e as Error).message).toMatch(/K must be/);
      }
    }
  });

  test('K beyond the resolution of the smooth-σ rule is flagged (tanh at K = 1e7 was 1.3 % off, silently)', () => {
    const ok = wf.gaussianExpectations({ activation: 'tanh', K: 1e4 });
    expect(ok.warnings).toEqual([]);
    const far = wf.gaussianExpectations({ activation: 'tanh', K: 1e7 });
    expect(far.warnings.join(' ')).toMatch(/accuracy/);
    const th = wf.theory(spec({ activation: 'softplus', CW: 1e9, depth: 3 }));
    expect(th.warnings.join(' ')).toMatch(/accuracy: layer/);
  });

  test('ensembles that overflow (C_W = 1e300) say so; no NaN statistic', async () => {
    const r = await wf.ensemble(spec({ CW: 1e300, activation: 'relu' }), { samples: 200, order: 'ntk' });
    expect(r.warnings.length).toBeGreaterThan(0);
    for (const l of r.layers) for (const [k, v] of Object.entries(l)) if (typeof v === 'object') expect(Number.isNaN((v as wf.Estimate).mean), `${l.layer} ${k}`).toBe(false);
  });

  test('normalized() after a K underflow at depth 1000, or with λ = 0 (Θ = 0): null where undefined, never NaN', () => {
    for (const r of [
      wf.theory(spec({ depth: 1000, Cb: 0, CW: 0.5, width: 64 })),
      wf.theory(spec({ lambdaB: 0, lambdaW: 0 })),
      wf.theory(spec({ Cb: 0, input: { x2: 0 } })),
    ]) {
      for (const row of wf.normalized(r)) for (const [k, v] of Object.entries(row)) expect(Number.isNaN(v), `layer ${row.layer} ${k}`).toBe(false);
    }
    const zeroTheta = wf.normalized(wf.theory(spec({ lambdaB: 0, lambdaW: 0 })));
    expect(zeroTheta[2].A).toBeNull();
    expect(zeroTheta[2].V).not.toBeNull();
  });

  test('a custom σ that returns NaN is reported with the z where it did, not as "overflow"', () => {
    const bad = { name: 'custom' as const, f: (z: number) => (z > 2 ? NaN : Math.tanh(z)) };
    const e = (() => {
      try {
        wf.theory(spec({ activation: bad }), { backend: 'js' });
      } catch (err) {
        return err as wf.ActivationValueError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(wf.ActivationValueError);
    expect(e!.z).toBeGreaterThan(2);
    expect(e!.message).toMatch(/returned NaN at z = /);
  });
});
