/**
 * Property-based fuzzing of the public API (fast-check, fixed seed, bounded runs).
 *
 * Claims, for random specs and options, valid and invalid:
 *  - every failure is a WideflowError (never a raw TypeError / RangeError / wasm trap);
 *  - no call hangs (each one is timed against a bound);
 *  - no NaN reaches the user unannounced: every number is finite, or non-finite with a flag/warning;
 *  - valid input gives the same result on both backends;
 *  - merging shards gives exactly the unsharded statistics.
 * `npm run fuzz` runs the same properties with many more cases (FUZZ_RUNS, FUZZ_SEED).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import * as wf from '../ts/node.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const opts = (runs = RUNS) => ({ numRuns: runs, seed: SEED, endOnFailure: true });

beforeAll(async () => {
  await wf.init();
});

/** A value that is sometimes right and sometimes garbage. */
const maybeBad = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: good },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -1, 0, 1e300, -1e-300, 2.5, '3', null, undefined, [], {}, [1, 2], 2 ** 53, 0x10),
    },
  );

const activations = fc.oneof(
  fc.constantFrom('linear', 'relu', 'tanh', 'erf', 'sigmoid', 'softplus', 'gelu', 'swish', 'sin', 'elu', 'scaled_tanh', 'leaky_relu'),
  fc.record({ name: fc.constant('leaky_relu'), slope: fc.double({ min: -2, max: 2, noNaN: true }) }),
  fc.record({ name: fc.constant('monomial'), power: fc.integer({ min: 1, max: 4 }) }),
  fc.constantFrom<unknown>('nope', 42, null, { name: 'elu', alpha: NaN }),
);

const perLayer = (depth: number, gen: fc.Arbitrary<number>) => fc.oneof(gen, fc.array(gen, { minLength: depth, maxLength: depth }));

const specArb = fc
  .integer({ min: 1, max: 6 })
  .chain((depth) =>
    fc.record({
      activation: activations,
      depth: maybeBad(fc.constant(depth)),
      width: maybeBad(fc.integer({ min: 1, max: 64 })),
      inputWidth: maybeBad(fc.integer({ min: 1, max: 8 })),
      Cb: maybeBad(perLayer(depth, fc.double({ min: 0, max: 2, noNaN: true }))),
      CW: maybeBad(perLayer(depth, fc.double({ min: 0.05, max: 3, noNaN: true }))),
      lambdaB: maybeBad(perLayer(depth, fc.double({ min: 0, max: 2, noNaN: true }))),
      lambdaW: maybeBad(perLayer(depth, fc.double({ min: 0, max: 2, noNaN: true }))),
      input: maybeBad(fc.oneof(fc.record({ x2: fc.double({ min: 0, max: 4, noNaN: true }) }), fc.constant({ x2: 1 }))),
    }),
  );

/** Either a WideflowError or a value; anything else (TypeError, RangeError, RuntimeError) fails. */
function attempt<T>(f: () => T, boundMs = 5000): { ok: true; value: T } | { ok: false; error: wf.WideflowError } {
  const t0 = performance.now();
  try {
    const value = f();
    expect(performance.now() - t0).toBeLessThan(boundMs);
    return { ok: true, value };
  } catch (e) {
    expect(performance.now() - t0).toBeLessThan(boundMs);
    if (!(e instanceof wf.WideflowError)) throw new Error(`not a WideflowError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    return { ok: false, error: e };
  }
}

/** Every number in a theory result is finite, or the result says why it is not. */
function checkTheoryNumbers(r: wf.TheoryResult) {
  for (const l of r.layers) {
    for (const [k, v] of Object.entries(l)) {
      if (typeof v !== 'number') continue;
      expect(Number.isNaN(v), `NaN in layer ${l.layer} ${k}`).toBe(false);
      if (!Number.isFinite(v)) expect(r.warnings.length, `unflagged ${v} in layer ${l.layer} ${k}`).toBeGreaterThan(0);
    }
  }
}

describe('fuzz: theory()', () => {
  test('random specs: a result without unflagged NaN, or a WideflowError', () => {
    fc.assert(
      fc.property(specArb, fc.constantFrom<wf.Backend>('wasm', 'js'), (spec, backend) => {
        const r = attempt(() => wf.theory(spec as wf.NetworkSpec, { backend }));
        if (r.ok) checkTheoryNumbers(r.value);
      }),
      opts(),
    );
  });

  test('valid specs: wasm and js agree to 1e-12 relative (or both flag the same overflow)', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const a = attempt(() => wf.theory(spec as wf.NetworkSpec, { backend: 'wasm' }));
        const b = attempt(() => wf.theory(spec as wf.NetworkSpec, { backend: 'js' }));
        expect(a.ok).toBe(b.ok);
        if (!a.ok || !b.ok) return;
        a.value.layers.forEach((la, i) => {
          const lb = b.value.layers[i] as unknown as Record<string, number>;
          for (const [k, v] of Object.entries(la)) {
            if (typeof v !== 'number') continue;
            const w = lb[k];
            if (!Number.isFinite(v) || !Number.isFinite(w)) expect(w).toBe(v);
            else expect(Math.abs(v - w)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(v), Math.abs(w)) + 1e-300);
          }
        });
      }),
      opts(),
    );
  });
});

describe('fuzz: gaussianExpectations(), expect(), kernels()', () => {
  test('any K: finite moments or a flagged result or a WideflowError', () => {
    const K = fc.oneof(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), fc.constantFrom<unknown>(0, -1, NaN, Infinity, 1e-320, '1'));
    fc.assert(
      fc.property(activations, K, fc.constantFrom<wf.Backend>('wasm', 'js'), (activation, k, backend) => {
        const r = attempt(() => wf.gaussianExpectations({ activation: activation as wf.ActivationSpec, K: k as number, backend }));
        if (!r.ok) return;
        const rec = r.value as unknown as Record<string, unknown>;
        const flagged = Array.isArray(rec.warnings) && (rec.warnings as unknown[]).length > 0;
        expect(wf.MOMENT_NAMES.length).toBe(14);
        for (const name of wf.MOMENT_NAMES) {
          const v = rec[name];
          expect(typeof v).toBe('number');
          if (!Number.isFinite(v as number)) expect(flagged, `unflagged ${v} for ${name} at K = ${k}`).toBe(true);
          const e = r.value.errors[name];
          if (!Number.isFinite(e)) expect(flagged, `unflagged error estimate ${e} for ${name} at K = ${k}`).toBe(true);
        }
      }),
      opts(),
    );
  });

  test('kernels(): random inputs give matrices without unflagged NaN, or a WideflowError', () => {
    const inputs = fc.oneof(
      fc.integer({ min: 1, max: 4 }).chain((n0) => fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n0, maxLength: n0 }), { minLength: 1, maxLength: 5 })),
      fc.constantFrom<unknown>([], [[]], [[1, 2], [3]], [[NaN]], null, 'x', [[1e300, 1]]),
    );
    fc.assert(
      fc.property(activations, inputs, fc.integer({ min: 1, max: 5 }), (activation, xs, depth) => {
        const r = attempt(() =>
          wf.kernels({ activation: activation as wf.ActivationSpec, depth, Cb: 0.1, CW: 1.2, lambdaB: 0.5, lambdaW: 1, inputs: xs as number[][] }),
        );
        if (!r.ok) return;
        const rec = r.value as unknown as { warnings?: string[] };
        for (const l of r.value.layers) for (const v of [...l.K, ...l.Theta]) if (!Number.isFinite(v)) expect((rec.warnings ?? []).length).toBeGreaterThan(0);
      }),
      opts(),
    );
  });
});

describe('fuzz: ensemble(), mergeEnsembles(), compare()', () => {
  const small = fc.record({
    activation: fc.constantFrom('tanh', 'relu', 'gelu'),
    depth: fc.integer({ min: 1, max: 3 }),
    width: fc.integer({ min: 2, max: 6 }),
    inputWidth: fc.integer({ min: 1, max: 3 }),
    Cb: fc.double({ min: 0, max: 1, noNaN: true }),
    CW: fc.double({ min: 0.5, max: 2, noNaN: true }),
    lambdaB: fc.double({ min: 0, max: 1, noNaN: true }),
    lambdaW: fc.double({ min: 0, max: 1, noNaN: true }),
    input: fc.constant({ x2: 1 }),
  });

  test('merge(shards) equals the unsharded run exactly', async () => {
    await fc.assert(
      fc.asyncProperty(small, fc.integer({ min: 64, max: 400 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 1000 }), async (spec, samples, shards, seed) => {
        const o = { samples, seed, order: 'ntk' as const, workers: 1 };
        const whole = await wf.ensemble(spec, o);
        const parts = [];
        for (let i = 1; i <= shards; i++) parts.push((await wf.ensemble(spec, { ...o, shard: { index: i, count: shards } })).state);
        const merged = wf.mergeEnsembles(parts);
        expect(JSON.stringify(merged.layers)).toBe(JSON.stringify(whole.layers));
      }),
      opts(Math.max(4, Math.floor(RUNS / 10))),
    );
  });

  test('garbage options and arguments give WideflowErrors', async () => {
    const garbage = fc.constantFrom<unknown>(null, undefined, 42, 'x', NaN, -1, 1e12, [], {}, { samples: 1e12 }, { onProgress: 42 }, { signal: 42 }, { workers: 0 }, { seed: -1 });
    await fc.assert(
      fc.asyncProperty(garbage, garbage, async (a, b) => {
        const spec = { activation: 'tanh', depth: 2, width: 4, inputWidth: 2, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } };
        for (const f of [
          // A valid but huge run (samples: 1e12) must be cancellable: every such call gets a deadline.
          () => wf.ensemble(spec, (a && typeof a === 'object' && !Array.isArray(a) && !('signal' in a) ? { ...a, signal: AbortSignal.timeout(200) } : a) as wf.EnsembleOptions),
          () => wf.ensemble(b as wf.NetworkSpec, { samples: 64 }),
          async () => wf.compare(a as wf.TheoryResult, b as wf.EnsembleResult[]),
          async () => wf.mergeEnsembles(a as wf.EnsembleState[]),
        ]) {
          const t0 = performance.now();
          try {
            await f();
          } catch (e) {
            if (!(e instanceof wf.WideflowError)) throw new Error(`not a WideflowError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
          }
          expect(performance.now() - t0).toBeLessThan(10_000);
        }
      }),
      opts(Math.max(20, RUNS)),
    );
  });
});

describe('fuzz: many inputs (theory, ensemble) and predictFinite()', () => {
  // Rows meant for n₀ = 2, sometimes of another width, ragged, empty, non-finite or not rows at all.
  const rows = fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>([], [[]], [[1, 2], [3]], [[NaN, 1]], [[Infinity, 0]], null, 'x', [[1e300, 1]], new Float64Array(3)) },
  );
  const net = { depth: 2, width: 4, inputWidth: 2, Cb: 0.1, CW: 1.2, lambdaB: 0.5, lambdaW: 1 };

  test('theory() and ensemble() with random X: finite tensors (or flagged), or a WideflowError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('tanh', 'relu', 'gelu', 'nope'), rows, async (activation, X) => {
        const spec = { ...net, activation, input: { X } } as unknown as wf.MultiInputNetworkSpec;
        const r = attempt(() => wf.theory(spec), 20_000);
        if (r.ok) {
          for (const l of r.value.layers) {
            const values = [...l.K, ...l.Theta, ...l.G1, ...l.H1, ...(['V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const).flatMap((k) => [...l[k].data])];
            if (values.some((v) => !Number.isFinite(v))) expect(r.value.warnings.length).toBeGreaterThan(0);
          }
        }
        const t0 = performance.now();
        try {
          const e = await wf.ensemble(spec as unknown as wf.NetworkSpec, { samples: 8, neurons: 2 });
          expect(e).toBeTruthy();
        } catch (e) {
          if (!(e instanceof wf.WideflowError)) throw new Error(`not a WideflowError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
        expect(performance.now() - t0).toBeLessThan(10_000);
      }),
      opts(Math.max(10, Math.floor(RUNS / 3))),
    );
  });

  test('predictFinite() with random data, steps and η: finite mean and covariance (or flagged), or a WideflowError', () => {
    fc.assert(
      fc.property(rows, maybeBad(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 })), maybeBad(fc.integer({ min: 1, max: 30 })), maybeBad(fc.double({ min: 0.01, max: 0.5, noNaN: true })), (X, y, steps, eta) => {
        const r = attempt(
          () => wf.predictFinite({ ...net, activation: 'tanh', width: 32 }, { train: { X, y }, test: { X: [[0.3, -0.2]] }, steps, eta } as unknown as wf.PredictProblem),
          20_000,
        );
        if (r.ok && [...r.value.mean, ...r.value.covariance].some((v) => !Number.isFinite(v))) expect(r.value.warnings.length).toBeGreaterThan(0);
      }),
      opts(Math.max(10, Math.floor(RUNS / 3))),
    );
  });
});

describe('fuzz: the CLI argument parser and the theory/gauss commands', () => {
  const token = fc.oneof(
    fc.constantFrom('--activation', '--depth', '--width', '--input-width', '--widths', '--cb', '--cw', '--lambda-b', '--lambda-w', '--x2', '--x', '--json', '--normalized', '--slope', '--alpha', '--degree', '--backend', '--K', '--nope'),
    fc.constantFrom('tanh', 'relu', 'leaky_relu', 'gelu', '3', '0', '-1', '1,2,3', '1,,2', '0x10', '1e', 'NaN', 'Infinity', '', ' 1', '1e300', 'js', 'wasm', 'stray', '--json=maybe'),
  );
  test('random argv: exit 0, or a WideflowError (the CLI prints its message), never a raw error', async () => {
    const { command: theoryCmd } = await import('../ts/cli/commands/theory.js');
    const { command: gaussCmd } = await import('../ts/cli/commands/gauss.js');
    const io = { out: () => {}, err: () => {}, isTTY: false };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(theoryCmd, gaussCmd), fc.array(token, { maxLength: 14 }), async (cmd, argv) => {
        const t0 = performance.now();
        try {
          const code = await cmd.run(argv, io);
          expect(code).toBe(0);
        } catch (e) {
          if (!(e instanceof wf.WideflowError)) throw new Error(`argv ${JSON.stringify(argv)}: not a WideflowError: ${(e as Error)?.name}: ${(e as Error)?.message}`);
          expect((e as Error).message.length).toBeLessThan(600);
        }
        expect(performance.now() - t0).toBeLessThan(10_000);
      }),
      opts(Math.max(100, RUNS * 2)),
    );
  });

  test('strictness: values the parser used to reinterpret are refused', async () => {
    const { command: theoryCmd } = await import('../ts/cli/commands/theory.js');
    const io = { out: () => {}, err: () => {}, isTTY: false };
    const base = ['--activation', 'tanh', '--depth', '3', '--width', '8', '--input-width', '2'];
    for (const extra of [['--cw', '1,,2,3'], ['--depth', '0x10'], ['--slope', '0.1'], ['--x2', '1', '--x', '1,1'], ['--widths', '2,8,8'], ['stray'], ['--json=maybe']]) {
      await expect(theoryCmd.run([...base, ...extra], io), JSON.stringify(extra)).rejects.toBeInstanceOf(wf.WideflowError);
    }
    await expect(theoryCmd.run(base, io)).resolves.toBe(0);
  });
});
