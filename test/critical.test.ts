/**
 * Criticality (issue 11). Reference values: closed forms (relu, leaky relu, linear, the K* = 0 Taylor
 * data of tanh, erf, sin, scaled tanh) and test/fixtures/critical_ref.json, produced by the independent
 * 40-digit mpmath script bench/reference/critical_ref.py (its own quadrature, its own σ derivatives, the
 * cancelling He₂ form of χ∥ and the ⟨σσ″⟩ = 0 form of the K* > 0 condition — no code shared with the
 * library). Re-run the script to regenerate the fixture.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, theory, erf, InvalidParameterError, ACTIVATIONS, type ActivationSpec } from '../ts/node.js';
import {
  critical,
  criticalAsymptotics,
  depthToWidth,
  fixedPoints,
  learningRates,
  susceptibilities,
  type ZeroPoint,
  type PositivePoint,
  type ScaleInvariantPoint,
} from '../ts/api/critical.js';

const ref = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/critical_ref.json', import.meta.url)), 'utf8'));
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const backends = ['wasm', 'js'] as const;

beforeAll(async () => {
  await init();
});

/** Every number in a (JSON-able) value, recursively. */
function numbers(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => numbers(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => numbers(x, out));
  return out;
}

describe('critical points against closed forms', () => {
  test('scale-invariant: relu C_W = 2, leaky relu C_W = 2/(1 + a²), linear C_W = 1, C_b = 0, ν = 3A₄/A₂² − 1', () => {
    for (const [spec, CW, nu] of [
      ['relu', 2, 5],
      ['linear', 1, 2],
      [{ name: 'leaky_relu', slope: 0.1 }, 2 / 1.01, (6 * (1 + 1e-4)) / 1.01 ** 2 - 1],
      [{ name: 'leaky_relu', slope: -0.5 }, 2 / 1.25, (6 * (1 + 0.0625)) / 1.25 ** 2 - 1],
      [{ name: 'monomial', p: 1 }, 1, 2],
    ] as const) {
      const c = critical(spec);
      expect(c.kind).toBe('scale-invariant');
      expect(c.Cb).toBe(0);
      expect(rel(c.CW!, CW)).toBeLessThan(1e-15);
      expect(c.Kstar).toBeNull();
      expect(rel((c.point as ScaleInvariantPoint).nu, nu)).toBeLessThan(1e-14);
    }
  });

  test('K* = 0 class: C_b = 0, C_W = 1/σ₁², a₁ = σ₃/σ₁ + ¾(σ₂/σ₁)²', () => {
    for (const [spec, CW, a1] of [
      ['tanh', 1, -2],
      ['sin', 1, -1],
      ['erf', Math.PI / 4, -2], // σ = erf x: σ₁ = 2/√π, σ₃ = −4/√π
      [{ name: 'scaled_tanh', a: 2 }, 1 / 4, -8],
    ] as const) {
      for (const backend of backends) {
        const c = critical(spec, { backend });
        expect(c.kind).toBe('K*=0');
        expect(c.Cb).toBe(0);
        expect(c.Kstar).toBe(0);
        expect(rel(c.CW!, CW)).toBeLessThan(1e-15);
        const p = c.point as ZeroPoint;
        expect(rel(p.a1, a1)).toBeLessThan(1e-14);
        expect(p.pK).toBe(1);
        expect(rel(p.kappa, -1 / a1)).toBeLessThan(1e-14);
        expect(p.nu).toBeCloseTo(2 / 3, 14);
        // none of them has a K* > 0 point: χ∥ < χ⊥ for every K > 0
        expect(c.points).toHaveLength(1);
      }
    }
  });

  test('gelu, swish: K* > 0 points against the 40-digit mpmath reference (≤ 1e-12; observed ≤ 3e-14)', () => {
    for (const name of ['gelu', 'swish']) {
      const r = ref.critical[name];
      for (const backend of backends) {
        const c = critical(name, { backend });
        expect(c.kind).toBe('K*>0');
        const p = c.point as PositivePoint;
        expect(rel(p.Kstar, Number(r.Kstar))).toBeLessThan(1e-12);
        expect(rel(p.CW, Number(r.CW))).toBeLessThan(1e-12);
        expect(rel(p.Cb, Number(r.Cb))).toBeLessThan(1e-11);
        expect(p.residual).toBeLessThan(1e-13);
        // b = ½dχ∥/dK by extrapolated central differences: ~1e-9 absolute (swish's b ≈ 3e-6 is itself tiny)
        expect(Math.abs(p.b - Number(r.b))).toBeLessThan(1e-9);
        expect(Math.abs(p.c3 - Number(r.c3))).toBeLessThan(1e-9);
        expect(p.stability).toBe('half-stable');
        expect(p.attractedFrom).toBe(Number(r.b) < 0 ? 'above' : 'below');
      }
      // the K* = 0 candidate (σ₀ = 0, σ₁ = ½, C_W = 4) is rejected: a₁ > 0 repels
      const c = critical(name);
      expect(c.rejected.map((x) => x.kind)).toContain('K*=0');
      expect(c.rejected[0].CW).toBe(4);
    }
  });

  test('half-stability through the K recursion itself: one step from K* + δ moves by bδ² + c₃δ³ + O(δ⁴)', () => {
    for (const name of ['gelu', 'swish']) {
      const c = critical(name);
      const p = c.point as PositivePoint;
      for (const frac of [-0.05, 0.05]) {
        const d = frac * p.quadraticRange;
        const r = theory({ activation: name, depth: 2, width: 1, inputWidth: 1, Cb: p.Cb, CW: p.CW, lambdaB: 0, lambdaW: 0, input: { x2: (p.Kstar + d - p.Cb) / p.CW } });
        const step = r.layers[1].K - r.layers[0].K;
        const cubic = p.c3 * d ** 3;
        // b is verified to 10% of the cubic term, i.e. to ~0.5% of bδ² (a 1% error in b fails)
        expect(Math.abs(step - (p.b * d * d + cubic)), `${name} δ=${d}`).toBeLessThan(0.1 * Math.abs(cubic));
        expect(Math.abs(step - (1.01 * p.b * d * d + cubic))).toBeGreaterThan(0.1 * Math.abs(cubic));
        // the side of attraction: |ΔK| shrinks on one side only (for |δ| ≪ |b/c₃|)
        expect(Math.sign(step) === -Math.sign(d)).toBe(p.attractedFrom === (d > 0 ? 'above' : 'below'));
      }
    }
  });

  test('sensitivity: imposing only χ∥ = 1 or only χ⊥ = 1 gives different points, each violating the other condition', () => {
    const both = critical('gelu');
    const par = critical('gelu', { conditions: 'parallel', Cb: 0.1 });
    const perp = critical('gelu', { conditions: 'perp', Cb: 0.1 });
    expect(par.kind).toBe('K*>0');
    expect(perp.kind).toBe('K*>0');
    expect(rel(par.Kstar!, perp.Kstar!)).toBeGreaterThan(1e-2);
    expect(rel(par.Kstar!, both.Kstar!)).toBeGreaterThan(1e-2);
    expect(rel(perp.Kstar!, both.Kstar!)).toBeGreaterThan(1e-2);
    const sp = susceptibilities('gelu', par.Kstar!, { CW: par.CW! });
    const sq = susceptibilities('gelu', perp.Kstar!, { CW: perp.CW! });
    expect(Math.abs(sp.chiParallel - 1)).toBeLessThan(1e-12);
    expect(Math.abs(sp.chiPerp - 1)).toBeGreaterThan(1e-3);
    expect(Math.abs(sq.chiPerp - 1)).toBeLessThan(1e-12);
    expect(Math.abs(sq.chiParallel - 1)).toBeGreaterThan(1e-3);
    const sb = susceptibilities('gelu', both.Kstar!, { CW: both.CW! });
    expect(Math.abs(sb.chiParallel - 1)).toBeLessThan(1e-13);
    expect(Math.abs(sb.chiPerp - 1)).toBeLessThan(1e-13);
  });

  test('no critical point: sigmoid, softplus, monomials p ≥ 2 → kind none with a reason, never NaN', () => {
    for (const spec of ['sigmoid', 'softplus', { name: 'monomial', p: 2 }, { name: 'monomial', p: 3 }, { name: 'scaled_tanh', a: 0 }] as const) {
      for (const backend of backends) {
        const c = critical(spec, { backend });
        expect(c.kind).toBe('none');
        expect(c.point).toBeNull();
        expect(c.CW).toBeNull();
        expect(typeof c.reason).toBe('string');
        expect(c.reason!.length).toBeGreaterThan(20);
        expect(numbers(c).every((x) => !Number.isNaN(x))).toBe(true);
      }
    }
    expect(critical('sigmoid').reason).toMatch(/σ\(0\) = 0\.5 ≠ 0/);
    expect(critical({ name: 'monomial', p: 3 }).reason).toMatch(/σ′\(0\) = 0/);
  });

  test('near-scale-invariant σ: no spurious roots from rounding (elu α = 0 is relu; α = 1e-9 has χ∥ − χ⊥ ~ 1e-18)', () => {
    const relu = critical({ name: 'elu', alpha: 0 });
    expect(relu.kind).toBe('scale-invariant');
    expect(relu.CW).toBe(2);
    const tiny = critical({ name: 'elu', alpha: 1e-9 });
    expect(tiny.points.filter((p) => p.kind === 'K*>0')).toHaveLength(0);
    expect(tiny.reason ?? '').toMatch(/to rounding/);
  });

  test('every builtin gives a result on both backends, and the backends agree to 1e-12', () => {
    for (const name of Object.keys(ACTIVATIONS)) {
      const a = critical(name, { backend: 'wasm' });
      const b = critical(name, { backend: 'js' });
      expect(a.kind, name).toBe(b.kind);
      for (const k of ['Cb', 'CW', 'Kstar'] as const) {
        if (a[k] === null) expect(b[k]).toBeNull();
        else expect(Math.abs(a[k]! - b[k]!), `${name} ${k}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[k]!)));
      }
    }
  });
});

describe('susceptibilities and fixed points', () => {
  test('χ∥, χ⊥ against mpmath (He₂ form at 40 digits) to 1e-13 (observed 2e-15), including K = 1e-8 where the He₂ form cancels in float64', () => {
    for (const row of ref.susceptibilities) {
      for (const backend of backends) {
        const s = susceptibilities(row.activation, Number(row.K), { CW: Number(row.CW), backend });
        expect(rel(s.chiParallel, Number(row.chiParallel)), `${row.activation} K=${row.K} ${backend}`).toBeLessThan(1e-13);
        expect(rel(s.chiPerp, Number(row.chiPerp)), `${row.activation} K=${row.K} ${backend}`).toBeLessThan(1e-13);
      }
    }
  });

  test('K = 0 limits and the relu family: χ∥ = χ⊥ = C_W(a₊² + a₋²)/2 at every K', () => {
    expect(susceptibilities('tanh', 0).chiParallel).toBe(1);
    expect(susceptibilities('gelu', 0, { CW: 4 }).chiPerp).toBe(1);
    for (const K of [1e-9, 0.3, 40]) {
      const s = susceptibilities({ name: 'leaky_relu', slope: 0.2 }, K, { CW: 1.5 });
      expect(rel(s.chiParallel, 1.5 * 0.52)).toBeLessThan(1e-13);
      expect(rel(s.chiPerp, 1.5 * 0.52)).toBeLessThan(1e-13);
    }
  });

  test('fixed points of K′ = C_b + C_W⟨σ²⟩ against mpmath to 1e-12, with their stability', () => {
    for (const row of ref.fixedPoints) {
      for (const backend of backends) {
        const f = fixedPoints(row.activation, { Cb: Number(row.Cb), CW: Number(row.CW), backend });
        const p = f.points.find((x) => x.K > 0)!;
        expect(p, row.activation).toBeDefined();
        expect(rel(p.K, Number(row.K))).toBeLessThan(1e-12);
        expect(rel(p.chiParallel, Number(row.chiParallel))).toBeLessThan(1e-11);
        expect(p.stability).toBe(Math.abs(Number(row.chiParallel)) < 1 ? 'stable' : 'unstable');
      }
    }
    // tanh at C_b = 0, C_W = 2: K = 0 is fixed but unstable (χ∥ = 2), the K > 0 one is stable
    const t = fixedPoints('tanh', { Cb: 0, CW: 2 });
    expect(t.points.map((p) => p.stability)).toEqual(['unstable', 'stable']);
    expect(t.points[0].K).toBe(0);
    expect(t.escapes).toBe(false);
  });

  test('escape to infinity and lines of fixed points are explicit, never NaN', () => {
    const r = fixedPoints('relu', { Cb: 0.1, CW: 2 });
    expect(r.kind).toBe('none');
    expect(r.escapes).toBe(true);
    expect(r.reason).toMatch(/K → ∞/);
    expect(fixedPoints('relu', { Cb: 0, CW: 2 }).kind).toBe('line');
    expect(fixedPoints('relu', { Cb: 0.5, CW: 1 }).points[0].K).toBeCloseTo(1, 15);
    const m = fixedPoints({ name: 'monomial', p: 3 }, { Cb: 0.05, CW: 1 });
    expect(m.escapes).toBe(true);
    expect(m.points.length).toBeGreaterThan(0);
    const s = fixedPoints('softplus', { Cb: 1, CW: 3 });
    expect(s.escapes).toBe(true);
    expect(s.kind).toBe('none');
    for (const x of [r, m, s]) expect(numbers(x).every((v) => !Number.isNaN(v))).toBe(true);
  });

  test('bad input: typed errors naming the parameter', () => {
    expect(() => susceptibilities('tanh', -1)).toThrow(InvalidParameterError);
    expect(() => susceptibilities('tanh', 1, { CW: 0 })).toThrow(/CW must be/);
    expect(() => fixedPoints('tanh', { Cb: -1, CW: 1 })).toThrow(/Cb must be/);
    expect(() => critical('nope')).toThrow(/activation/);
    expect(() => critical('gelu', { conditions: 'one' as never })).toThrow(/conditions/);
    expect(() => critical('gelu', { Kmax: Infinity })).toThrow(/Kmax/);
    // custom σ: wasm refused; non-differentiable or non-finite σ refused
    const tanhC = { name: 'custom' as const, f: Math.tanh };
    expect(() => critical(tanhC, { backend: 'wasm' })).toThrow(/backend/);
    expect(() => critical({ name: 'custom', f: (x: number) => Math.tanh(x) + 0.3 * Math.abs(x - 0.5) })).toThrow(/C²|twice-differentiable/);
    expect(() => critical({ name: 'custom', f: (x: number) => Math.tanh(x) + 0.3 * Math.max(0, x - 1) ** 1.5 })).toThrow(/C²|twice-differentiable/);
    expect(() => critical({ name: 'custom', f: (x: number) => (x > 3 ? NaN : Math.tanh(x)) })).toThrow(/finite/);
    expect(() => learningRates('sigmoid', { depth: 10 })).toThrow(/critical point/);
  });

  test('custom σ (js, through the custom-activation path): tanh and gelu given as functions reproduce the builtins', () => {
    const t = critical({ name: 'custom', f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 });
    expect(t.kind).toBe('K*=0');
    expect(Math.abs(t.CW! - 1)).toBeLessThan(1e-12);
    expect(Math.abs((t.point as ZeroPoint).a1 + 2)).toBeLessThan(1e-6); // σ‴ by finite differences
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const gelu = critical({
      name: 'custom',
      f: (x) => x * 0.5 * (1 + erf(x / Math.SQRT2)),
      df: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + x * phi(x),
      d2f: (x) => phi(x) * (2 - x * x),
    });
    expect(gelu.kind).toBe('K*>0');
    expect(rel(gelu.Kstar!, Number(ref.critical.gelu.Kstar))).toBeLessThan(1e-10);
    // a custom relu-like scale-invariant σ is recognised as such
    const abs = critical({ name: 'custom', f: Math.abs });
    expect(abs.kind).toBe('scale-invariant');
    expect(abs.CW).toBe(1);
  });
});

describe('large-depth asymptotics at criticality (recursions to depth 10⁴ vs closed forms)', () => {
  // tolerances: K* = 0 class converges like log ℓ/ℓ (~1e-3 at 10⁴); scale-invariant and K* > 0 runs
  // sit exactly at the fixed point (1/ℓ corrections of the slopes only: ~1e-8); the ℓ³ exponent of
  // A/Θ² at K* > 0 converges like 1/ℓ from layers 5000–10000 (~5e-3).
  const cases: Array<[ActivationSpec, number]> = [
    ['tanh', 5e-3],
    ['sin', 5e-3],
    ['erf', 5e-3],
    ['elu', 5e-3],
    [{ name: 'elu', alpha: 0.5 }, 1e-2], // σ′ and σ″ jump at 0: slowest convergence (~ℓ^{-1/2})
    ['relu', 1e-7],
    [{ name: 'leaky_relu', slope: 0.2 }, 1e-7],
    ['linear', 1e-7],
    ['gelu', 1e-2],
    ['swish', 1e-2],
  ];
  for (const [spec, tol] of cases) {
    test(`${JSON.stringify(spec)}: every derived law within ${tol}`, () => {
      for (const lambdaB of [1, 0]) {
        const r = criticalAsymptotics(spec, { depth: 10_000, lambdaB, lambdaW: 1 });
        const checked = r.checks.filter((c) => c.predicted !== null);
        expect(checked.length).toBeGreaterThanOrEqual(4);
        for (const c of checked) expect(c.relError!, `${c.quantity}: ${c.measured} vs ${c.predicted}`).toBeLessThan(tol);
      }
    });
  }

  test('sensitivity: the K* = 0 exponents are resolved well enough to reject neighbouring laws', () => {
    const r = criticalAsymptotics('tanh', { depth: 10_000 });
    const get = (q: string) => r.checks.find((c) => c.quantity.startsWith(q))!.measured;
    expect(Math.abs(get('K decay exponent') - 1)).toBeLessThan(2e-3);
    expect(Math.abs(get('K decay exponent') - 1.05)).toBeGreaterThan(2e-2);
    expect(Math.abs(get('d(V/K²)/dℓ') - 2 / 3)).toBeLessThan(1e-3);
    expect(Math.abs(get('d(V/K²)/dℓ') - 0.7)).toBeGreaterThan(1e-2);
    // elu's kink in σ″ changes the class's exponents (K ∝ ℓ⁻², χ⊥ ≈ 1 − 2/ℓ): the analytic law is rejected
    const e = criticalAsymptotics('elu', { depth: 10_000 });
    expect(Math.abs(e.checks[0].measured - 1)).toBeGreaterThan(0.5);
  });
});

describe('learning-rate equivalence (PDLT §9.4) against theory()', () => {
  test("mode 'exact': Θ⁽ᴸ⁾ = λ̃_b + λ̃_W·c to 1e-12 at every depth", () => {
    for (const name of ['tanh', 'relu', 'gelu', 'elu']) {
      for (const depth of [5, 50, 500]) {
        const lr = learningRates(name, { depth, lambdaB: 0.7, lambdaW: 1.3, mode: 'exact' });
        const th = theory(lr.spec).layers[depth - 1].Theta;
        expect(rel(th, lr.ThetaL), `${name} L=${depth}`).toBeLessThan(1e-12);
      }
    }
  });

  test("mode 'power-law' (the book's scaling): Θ⁽ᴸ⁾ → λ̃_b + λ̃_W·c as L grows, while constant rates make Θ grow ∝ L", () => {
    for (const name of ['tanh', 'sin', 'relu', 'gelu', 'swish']) {
      const err = [10, 100, 1000].map((depth) => {
        const lr = learningRates(name, { depth, lambdaB: 1, lambdaW: 1 });
        return rel(theory(lr.spec).layers[depth - 1].Theta, lr.ThetaL);
      });
      expect(err[2], name).toBeLessThan(2e-2);
      expect(err[2], name).toBeLessThanOrEqual(err[0] + 1e-12);
      const c = critical(name);
      const base = learningRates(name, { depth: 10 }).spec;
      const grow = [100, 1000].map((depth) => theory({ ...base, depth, lambdaB: 1, lambdaW: 1, Cb: c.Cb!, CW: c.CW! }).layers[depth - 1].Theta);
      expect(grow[1] / grow[0], name).toBeGreaterThan(5);
    }
  });
});

describe('depth-to-width diagnostics', () => {
  const relu = (depth: number, width: number) =>
    theory({ activation: 'relu', depth, width, inputWidth: 4, Cb: 0, CW: 2, lambdaB: 0, lambdaW: 1, input: { x2: 1 } });
  test('relu: V/(nK²) = 5(ℓ−1)/n exactly; r = (L−1)/n; levels and warnings at 0.1 and 0.5', () => {
    const ok = depthToWidth(relu(3, 1000));
    expect(ok.level).toBe('ok');
    expect(ok.warnings).toEqual([]);
    expect(rel(ok.ratio, 2 / 1000)).toBeLessThan(1e-15);
    const mid = depthToWidth(relu(5, 100));
    expect(mid.level).toBe('caution');
    expect(rel(mid.layers[4].V as number, 0.2)).toBeLessThan(1e-12);
    const bad = depthToWidth(relu(30, 100));
    expect(bad.level).toBe('unreliable');
    expect(bad.warnings[0]).toMatch(/too deep for its width/);
    expect(bad.max.value).toBeGreaterThan(1);
  });
});

describe('CLI', () => {
  const cli = fileURLToPath(new URL('../dist/ts/cli.js', import.meta.url));
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  test('wideflow critical --activation gelu [--json]', () => {
    const j = JSON.parse(run('critical', '--activation', 'gelu', '--json').out);
    expect(j.kind).toBe('K*>0');
    expect(rel(j.Kstar, Number(ref.critical.gelu.Kstar))).toBeLessThan(1e-12);
    const t = run('critical', '--activation', 'gelu');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/half-stable/);
    const s = run('critical', '--activation', 'sigmoid');
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/no critical point/);
    const l = JSON.parse(run('critical', '--activation', 'leaky_relu', '--slope', '0.3', '--json').out);
    expect(rel(l.CW, 2 / 1.09)).toBeLessThan(1e-15);
    const all = run('critical', '--all');
    expect(all.code).toBe(0);
    expect(all.out.trim().split('\n')).toHaveLength(1 + Object.keys(ACTIVATIONS).length);
    expect(all.out).toMatch(/gelu\s+K\*>0/);
    const e = run('critical');
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/--activation/);
  });
  test('the README criticality table is the output of the library (scripts/criticality-table.mjs --check)', () => {
    const script = fileURLToPath(new URL('../scripts/criticality-table.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
  test('wideflow theory --critical runs at the critical point and reports depth-to-width diagnostics', () => {
    const j = JSON.parse(run('theory', '--activation', 'relu', '--critical', '--depth', '30', '--width', '100', '--input-width', '4', '--json').out);
    expect(j.CW).toBe(2);
    expect(j.Cb).toBe(0);
    expect(j.depthToWidth.level).toBe('unreliable');
    const g = JSON.parse(run('theory', '--activation', 'gelu', '--critical', '--depth', '4', '--width', '1000', '--input-width', '4', '--json').out);
    expect(rel(g.layers[3].K, Number(ref.critical.gelu.Kstar))).toBeLessThan(1e-12);
    const t = run('theory', '--activation', 'tanh', '--critical', '--depth', '4', '--width', '1000', '--input-width', '4');
    expect(t.out).toMatch(/depth-to-width: r = /);
    expect(run('theory', '--activation', 'tanh', '--critical', '--cw', '2', '--depth', '4', '--width', '10', '--input-width', '4').code).toBe(1);
  });
});
