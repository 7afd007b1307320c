/**
 * The public API of Gaussian expectations (ts/api/gauss.ts) and `wideflow gauss`: both backends, closed
 * forms, error estimates, and typed errors for every bad input (never a NaN).
 */
import { beforeAll, describe, expect, test, vi } from 'vitest';
import * as wf from '../ts/node.js';
import { command } from '../ts/cli/commands/gauss.js';
import { BUILTINS } from './fixtures/activations.js';

const { gaussianExpectations, InvalidParameterError, MOMENT_NAMES } = wf;

beforeAll(async () => {
  await wf.init();
});

describe('both backends', () => {
  test('the default backend is wasm after init(); degree and error are reported', () => {
    const r = gaussianExpectations({ activation: 'tanh', K: 1.5 });
    expect(r.backend).toBe('wasm');
    expect(r.degree).toBe(64);
    expect(r.error).toBeGreaterThanOrEqual(0);
    expect(r.error).toBeLessThan(1e-13);
    expect(Object.keys(r.errors)).toEqual([...MOMENT_NAMES]);
  });
});

describe('closed forms (wasm backend)', () => {
  const close = (v: number, e: number, tol = 1e-13) => expect(Math.abs(v - e)).toBeLessThanOrEqual(tol * Math.max(Math.abs(e), 1e-300) + 1e-300);

  test('relu: ⟨σσ⟩ = K/2, ⟨σ′σ′⟩ = ½, ⟨σ⁴⟩ = 3K²/2, ⟨zσσ′⟩ = K/2, ⟨σ²(z²−K)⟩ = K², ⟨σ²He₄⟩ = 0, pointwise σ″ = 0', () => {
    for (const K of [1e-3, 0.5, 2, 10]) {
      const r = gaussianExpectations({ activation: 'relu', K });
      close(r.sigma2, K / 2);
      close(r.dsigma2, 0.5);
      close(r.dsigma4, 0.5);
      close(r.sigma4, 1.5 * K * K);
      close(r.zsigmadsigma, K / 2);
      close(r.sigma2He2, K * K);
      expect(Math.abs(r.sigma2He4)).toBeLessThan(1e-14 * K ** 3);
      expect(Math.abs(r.dsigma2He2)).toBeLessThan(1e-14 * K);
      close(r.sigma, Math.sqrt(K / (2 * Math.PI)));
      expect(r.sigmadsigma2ddsigma).toBe(0);
      expect(r.dsigma2ddsigma2).toBe(0);
    }
  });

  test('leaky relu (slope a): ⟨σσ⟩ = K(1+a²)/2, ⟨σ′σ′⟩ = (1+a²)/2', () => {
    const r = gaussianExpectations({ activation: { name: 'leaky_relu', slope: 0.3 }, K: 1.7 });
    close(r.sigma2, (1.7 * 1.09) / 2);
    close(r.dsigma2, 1.09 / 2);
  });

  test('linear and z⁴ are exact: ⟨z²⟩ = K, ⟨z⁴⟩ = 3K², ⟨σ²(z²−K)⟩ = 2K²; (z⁴)²: 105K⁴, (4z³)²: 16·15K³', () => {
    const K = 2.5;
    const l = gaussianExpectations({ activation: 'linear', K });
    close(l.sigma2, K);
    close(l.sigma4, 3 * K * K);
    close(l.sigma2He2, 2 * K * K);
    const m = gaussianExpectations({ activation: { name: 'monomial', p: 4 }, K });
    close(m.sigma2, 105 * K ** 4);
    close(m.dsigma2, 16 * 15 * K ** 3);
  });

  test('erf: ⟨σσ⟩ = (2/π)asin(2K/(1+2K)), ⟨σ′σ′⟩ = 4/(π√(1+4K)); sin: ⟨σσ⟩ = (1−e^{−2K})/2, ⟨σ′σ′⟩ = (1+e^{−2K})/2', () => {
    for (const K of [1e-3, 0.3, 1, 4, 10]) {
      const e = gaussianExpectations({ activation: 'erf', K });
      close(e.sigma2, (2 / Math.PI) * Math.asin((2 * K) / (1 + 2 * K)));
      close(e.dsigma2, 4 / Math.PI / Math.sqrt(1 + 4 * K));
      const s = gaussianExpectations({ activation: 'sin', K });
      close(s.sigma2, -Math.expm1(-2 * K) / 2);
      close(s.dsigma2, (1 + Math.exp(-2 * K)) / 2);
    }
  });

  test('integration by parts holds to 1e-13: ⟨σ²(z²−K)⟩ = 2K⟨zσσ′⟩ for every builtin', () => {
    for (const activation of BUILTINS) {
      for (const K of [0.2, 1, 5]) {
        const r = gaussianExpectations({ activation, K });
        expect(Math.abs(r.sigma2He2 - 2 * K * r.zsigmadsigma)).toBeLessThan(1e-13 * Math.max(Math.abs(r.sigma2He2), K * r.sigma2));
      }
    }
  });
});

describe('user functions (js)', () => {
  test('expect: E z⁶ = 15K³ exactly, E cos z = e^{−K/2}; K = 0 evaluates f(0)', () => {
    expect(Math.abs(wf.expect((z) => z ** 6, 2) - 120) / 120).toBeLessThan(1e-14);
    expect(Math.abs(wf.expect(Math.cos, 0.7) - Math.exp(-0.35))).toBeLessThan(1e-15);
    expect(wf.expect((z) => z + 3, 0)).toBe(3);
  });

  test('expect2: E z₁z₂ = K12, E z₁²z₂² = K11K22 + 2K12², E cos(z₁ − z₂) = e^{−(K11 − 2K12 + K22)/2}', () => {
    const cov = { K11: 1.2, K12: -0.5, K22: 0.8 };
    expect(Math.abs(wf.expect2((a, b) => a * b, cov) + 0.5)).toBeLessThan(1e-14);
    expect(Math.abs(wf.expect2((a, b) => a * a * b * b, cov) - (1.2 * 0.8 + 2 * 0.25))).toBeLessThan(1e-14);
    expect(Math.abs(wf.expect2((a, b) => Math.cos(a - b), cov) - Math.exp(-(1.2 + 1 + 0.8) / 2))).toBeLessThan(1e-14);
  });

  test('hermiteRule returns copies of the probabilists’ rule', () => {
    const r = wf.hermiteRule(3);
    expect([...r.nodes].map((x) => Math.round(x * 1e12) / 1e12)).toEqual([-1.732050807569, 0, 1.732050807569]);
    r.weights[0] = 99;
    expect(wf.hermiteRule(3).weights[0]).toBeCloseTo(1 / 6, 15);
  });

  test('a custom activation runs on js (default) and equals the builtin it copies to 1e-12', () => {
    const c = gaussianExpectations({ activation: { name: 'custom', f: Math.tanh, df: (x) => 1 / Math.cosh(x) ** 2 }, K: 0.8 });
    const b = gaussianExpectations({ activation: 'tanh', K: 0.8 });
    expect(c.backend).toBe('js');
    for (const m of ['sigma2', 'dsigma2', 'sigma4', 'zsigmadsigma'] as const) expect(Math.abs(c[m] - b[m])).toBeLessThan(1e-12);
  });
});

describe('typed errors, never NaN', () => {
  test.each([
    ['negative K', { activation: 'tanh', K: -1 }, /K must be a finite number ≥ 0 \(got -1\)/],
    ['NaN K', { activation: 'tanh', K: NaN }, /K must be a finite number ≥ 0/],
    ['infinite K', { activation: 'tanh', K: Infinity }, /K must be/],
    ['K as a string', { activation: 'tanh', K: '1' }, /K must be/],
    ['degree 0', { activation: 'tanh', K: 1, degree: 0 }, /degree must be an integer in 1…1000 \(got 0\)/],
    ['degree 1001', { activation: 'tanh', K: 1, degree: 1001 }, /degree must be an integer in 1…1000/],
    ['degree 2.5', { activation: 'tanh', K: 1, degree: 2.5 }, /degree/],
    ['unknown activation', { activation: 'mish', K: 1 }, /activation must be one of/],
    ['monomial p = 0', { activation: { name: 'monomial', p: 0 }, K: 1 }, /integer in 1…8/],
    ['unknown backend', { activation: 'tanh', K: 1, backend: 'gpu' }, /backend must be 'wasm' or 'js'/],
    ['custom on wasm', { activation: { name: 'custom', f: Math.sin }, K: 1, backend: 'wasm' }, /backend must be 'js' for a custom activation/],
  ])('%s → InvalidParameterError', (_label, options, message) => {
    expect(() => gaussianExpectations(options as never)).toThrow(InvalidParameterError);
    expect(() => gaussianExpectations(options as never)).toThrow(message);
  });

  test('expect/expect2 validate K, the covariance and the degree', () => {
    expect(() => wf.expect(Math.sin, -1)).toThrow(InvalidParameterError);
    expect(() => wf.expect(Math.sin, 1, { degree: 0 })).toThrow(/degree/);
    expect(() => wf.expect2((a, b) => a + b, { K11: 1, K12: 2, K22: 1 })).toThrow(/K12 must be \|K12\| ≤ √\(K11·K22\)/);
    expect(() => wf.hermiteRule(1001)).toThrow(InvalidParameterError);
  });

  test('the wasm backend before init() throws NotInitializedError ("await init()")', async () => {
    vi.resetModules();
    const fresh = await import('../ts/node.js');
    expect(() => fresh.gaussianExpectations({ activation: 'tanh', K: 1, backend: 'wasm' })).toThrow(fresh.NotInitializedError);
    expect(() => fresh.gaussianExpectations({ activation: 'tanh', K: 1, backend: 'wasm' })).toThrow(/await init\(\)/);
    expect(fresh.gaussianExpectations({ activation: 'tanh', K: 1, backend: 'js' }).backend).toBe('js');
  });
});

describe('wideflow gauss', () => {
  async function run(argv: string[]) {
    const out: string[] = [],
      err: string[] = [];
    const code = await command.run(argv, { out: (s) => void out.push(s), err: (s) => void err.push(s), isTTY: false });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  test('prints a table with every moment and its error estimate', async () => {
    const r = await run(['--activation', 'tanh', '--K', '1.5']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/activation tanh\s+K = 1.5\s+degree 64\s+backend wasm/);
    expect(r.out).toMatch(/⟨σσ⟩\s+0\.46828821053061\d+/);
    expect(r.out.split('\n')).toHaveLength(2 + MOMENT_NAMES.length);
  });

  test('--json --backend js --slope gives the bundle as JSON', async () => {
    const r = await run(['--activation', 'leaky_relu', '--slope', '0.3', '--K', '2', '--backend', 'js', '--json']);
    const j = JSON.parse(r.out);
    expect(j.backend).toBe('js');
    expect(Math.abs(j.sigma2 - 1.09)).toBeLessThan(1e-14);
  });

  test('bad input throws the typed error (the CLI frame prints its message and exits 1)', async () => {
    await expect(run(['--activation', 'tanh', '--K', '-2'])).rejects.toThrow(/K must be a finite number ≥ 0 \(got -2\)/);
    await expect(run(['--activation', 'nope', '--K', '1'])).rejects.toThrow(InvalidParameterError);
    await expect(run(['--K', '1'])).rejects.toThrow(/--activation must be given/);
    await expect(run(['--activation', 'tanh', '--K', '1', '--backend', 'cuda'])).rejects.toThrow(/--backend must be 'wasm' or 'js'/);
  });
});
