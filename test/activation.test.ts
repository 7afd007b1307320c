/**
 * Activations of ts/twin/numerics/activation.ts: Cody's erf/erfc against 30-digit values, exact derivatives against
 * finite differences, tails without cancellation, the wasm twin, custom activations and parse errors.
 */
import { describe, expect, test } from 'vitest';
import { ACTIVATIONS, Branch, erf, erfc, parseActivation } from '../ts/api/activation.js';
import { InvalidParameterError } from '../ts/node.js';

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('erf and erfc (W. J. Cody’s rational approximations)', () => {
  // [x, erf x, erfc x] from mpmath at 30 digits, rounded to double
  const table: Array<[number, number, number]> = [
    [1e-10, 1.1283791670955126e-10, 0.999999999887162],
    [0.3, 0.32862675945912745, 0.6713732405408726],
    [0.46875, 0.49261347321793797, 0.507386526782062],
    [0.5, 0.5204998778130465, 0.4795001221869535],
    [1.5, 0.9661051464753108, 0.033894853524689274],
    [3.9, 0.9999999652077514, 3.4792248597231745e-8],
    [4.5, 0.9999999998033839, 1.9661604415428876e-10],
    [10, 1, 2.088487583762545e-45],
    [26, 1, 5.663192408856143e-296],
  ];
  test('match 30-digit values to 1e-15 relative on both sides of every branch point, erfc deep into the tail', () => {
    for (const [x, e, c] of table) {
      expect(rel(erf(x), e)).toBeLessThan(1e-15);
      expect(rel(erfc(x), c)).toBeLessThan(1e-15);
      expect(rel(erf(-x), -e)).toBeLessThan(1e-15);
      expect(rel(erfc(-x), 2 - c)).toBeLessThan(1e-15);
    }
    expect(erfc(27)).toBe(0);
  });
});

describe('builtin activations', () => {
  const params: Record<string, number | undefined> = { leaky_relu: 0.1, elu: 1.3, scaled_tanh: 0.7, monomial: 5 };
  const specFor = (name: string) => {
    const info = ACTIVATIONS[name];
    return info.parameter ? { name, [info.parameter]: params[name] } : name;
  };

  test('σ′, σ″, σ‴ agree with central differences of σ, σ′, σ″ (all thirteen builtins)', () => {
    const h = 1e-4;
    const d = new Float64Array(4),
      p = new Float64Array(4),
      m = new Float64Array(4);
    for (const name of Object.keys(ACTIVATIONS)) {
      const act = parseActivation(specFor(name));
      for (const x of [-2.3, -0.7, 0.4, 1.9]) {
        act.eval(x, d);
        act.eval(x + h, p);
        act.eval(x - h, m);
        for (let k = 0; k < 3; k++) {
          const fd = (p[k] - m[k]) / (2 * h);
          expect(Math.abs(fd - d[k + 1]), `${name} x=${x} order ${k + 1}`).toBeLessThan(1e-6 * (1 + Math.abs(d[k + 1])));
        }
      }
    }
  });

  test('tails keep relative accuracy: sech²(20), sigmoid(−40), softplus(−40), gelu(−10)', () => {
    const d = new Float64Array(4);
    parseActivation('tanh').eval(20, d);
    expect(rel(d[1], 4 * Math.exp(-40))).toBeLessThan(1e-14);
    parseActivation('sigmoid').eval(-40, d);
    expect(rel(d[0], Math.exp(-40))).toBeLessThan(1e-14);
    parseActivation('softplus').eval(-40, d);
    expect(rel(d[0], Math.exp(-40))).toBeLessThan(1e-14);
    parseActivation('softplus').eval(800, d);
    expect(d[0]).toBe(800);
    parseActivation('gelu').eval(-10, d);
    expect(rel(d[0], -7.619853024160526e-23)).toBeLessThan(1e-13);
  });

  test('kinked family: pointwise takes the sign of x (0 → right), Right/Left continue each branch analytically', () => {
    const d = new Float64Array(4);
    const relu = parseActivation('relu');
    relu.eval(0, d);
    expect([...d]).toEqual([0, 1, 0, 0]);
    relu.evalBranch(-1, Branch.Right, d);
    expect([...d]).toEqual([-1, 1, 0, 0]);
    relu.eval(-1, d);
    expect([...d]).toEqual([0, 0, 0, 0]);
    const leaky = parseActivation({ name: 'leaky_relu', slope: 0.2 });
    leaky.evalBranch(2, Branch.Left, d);
    expect([...d]).toEqual([0.4, 0.2, 0, 0]);
    const elu = parseActivation({ name: 'elu', alpha: 1.5 });
    elu.evalBranch(1, Branch.Left, d);
    expect(rel(d[0], 1.5 * (Math.E - 1))).toBeLessThan(1e-15);
    expect(rel(d[3], 1.5 * Math.E)).toBeLessThan(1e-15);
    expect(relu.hasKink && elu.hasKink && !parseActivation('tanh').hasKink).toBe(true);
  });

  test('defaults: leaky slope 0.01, elu α 1, scaled tanh a 1, monomial p 3', () => {
    expect(parseActivation('leaky_relu').a).toBe(0.01);
    expect(parseActivation('elu').a).toBe(1);
    expect(parseActivation('scaled_tanh').a).toBe(1);
    expect(parseActivation('monomial').a).toBe(3);
    expect(parseActivation({ name: 'monomial', p: 2 }).a).toBe(2);
  });
});

describe('custom activations', () => {
  test('missing derivatives by 6th-order differences: ≤ 1e-13 (σ′), 1e-11 (σ″), 3e-9 (σ‴) absolute on tanh', () => {
    const custom = parseActivation({ name: 'custom', f: Math.tanh });
    const exact = parseActivation('tanh');
    const c = new Float64Array(4),
      e = new Float64Array(4);
    const worst = [0, 0, 0, 0];
    for (let x = -4; x <= 4; x += 0.37) {
      custom.eval(x, c);
      exact.eval(x, e);
      for (let k = 0; k < 4; k++) worst[k] = Math.max(worst[k], Math.abs(c[k] - e[k]));
    }
    expect(worst[0]).toBeLessThan(1e-15);
    expect(worst[1]).toBeLessThan(1e-13);
    expect(worst[2]).toBeLessThan(1e-11);
    expect(worst[3]).toBeLessThan(3e-9);
  });

  test('a supplied derivative is used as is, and the next ones are differenced from it', () => {
    const custom = parseActivation({ name: 'custom', f: Math.sin, df: Math.cos });
    const c = new Float64Array(4);
    custom.eval(0.8, c);
    expect(c[1]).toBe(Math.cos(0.8));
    expect(Math.abs(c[2] + Math.sin(0.8))).toBeLessThan(1e-12);
    expect(Math.abs(c[3] + Math.cos(0.8))).toBeLessThan(1e-10);
  });
});

describe('parse errors name `activation` and list what is allowed', () => {
  test.each([
    ['unknown name', 'relu6', /activation must be one of 'linear', 'relu'/],
    ['not a spec', 42, /activation must be one of/],
    ['monomial power 9', { name: 'monomial', p: 9 }, /activation monomial p must be an integer in 1…8 \(got 9\)/],
    ['monomial power 2.5', { name: 'monomial', p: 2.5 }, /integer in 1…8/],
    ['leaky slope NaN', { name: 'leaky_relu', slope: NaN }, /activation leaky_relu slope must be a finite number/],
    ['custom without f', { name: 'custom' }, /activation.f must be a function/],
  ])('%s', (_label, spec, message) => {
    expect(() => parseActivation(spec as never)).toThrow(InvalidParameterError);
    expect(() => parseActivation(spec as never)).toThrow(message);
  });
});
