/** The public search: susceptibilities, fixed points, critical(), criticalSpec(). (Module overview: ts/api/critical.ts.) */
import { type ActivationSpec } from '../activation.js';
import { type Backend } from '../backend.js';
import { InvalidParameterError } from '../errors.js';
import { quadrature } from '../../twin/numerics/quadrature/expect.js';
import { computeMoments } from '../../twin/theory/moments.js';
import { theory } from '../theory.js';
import type { NetworkSpec } from '../spec.js';
import { scaleInvariance, taylor, zeroCandidate } from './classes.js';
import { checkFinite, chis, context } from './context.js';
import type { Ctx } from './context.js';
import { ROOT_TOLERANCE, brackets, brent, logGrid } from './roots.js';
import type { CriticalOptions, CriticalResult } from './types.js';

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * χ∥(K) = C_W⟨σ²(z² − K)⟩_K/(2K²) (Stein form: (C_W/2)⟨(σ²)″⟩_K plus the kink term) and
 * χ⊥(K) = C_W⟨σ′²⟩_K (PDLT §5.1). K = 0 gives the K → 0⁺ limits. `CW` defaults to 1.
 */
export function susceptibilities(
  activation: ActivationSpec,
  K: number,
  options: { CW?: number; degree?: number; backend?: Backend } = {},
): { K: number; CW: number; chiParallel: number; chiPerp: number } {
  const ctx = context(activation, options, 'susceptibilities()');
  checkFinite('K', K, 0, false);
  const CW = options.CW === undefined ? 1 : checkFinite('CW', options.CW, 0, true);
  const [chiParallel, chiPerp] = chis(ctx, K, CW);
  return { K, CW, chiParallel, chiPerp };
}

export interface FixedPoint {
  /** K* with C_b + C_W⟨σ²⟩_{K*} = K*. */
  K: number;
  /** χ∥(K*) = dK′/dK: the linear stability (|χ∥| < 1 stable). */
  chiParallel: number;
  chiPerp: number;
  stability: 'stable' | 'unstable' | 'marginal';
}

export interface FixedPointsResult {
  Cb: number;
  CW: number;
  points: FixedPoint[];
  /** True when K⁽ℓ⁾ → ∞ for every K⁽¹⁾ above `escapeAbove` (no fixed point beyond it in the range searched). */
  escapes: boolean;
  escapeAbove: number | null;
  /** 'line' for a scale-invariant σ at C_W·A₂ = 1, C_b = 0 (every K is fixed). */
  kind: 'points' | 'line' | 'none';
  /** Why there is no fixed point (kind = 'none'). */
  reason: string | null;
  searched: [number, number];
}

/**
 * The fixed points K* of K′ = C_b + C_W⟨σ²⟩_K (PDLT §5.1) on [0, Kmax] (default 1e3), each with
 * its stability χ∥(K*), bracketed to ROOT_TOLERANCE; and whether K escapes to infinity.
 */
export function fixedPoints(
  activation: ActivationSpec,
  options: { Cb: number; CW: number; Kmax?: number; degree?: number; backend?: Backend },
): FixedPointsResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object { Cb, CW }');
  const ctx = context(activation, options, 'fixedPoints()');
  const Cb = checkFinite('Cb', options.Cb, 0, false);
  const CW = checkFinite('CW', options.CW, 0, true);
  const Kmax = options.Kmax === undefined ? 1e3 : checkFinite('Kmax', options.Kmax, 0, true);
  const si = scaleInvariance(ctx.act);
  const stab = (chi: number): FixedPoint['stability'] => (Math.abs(chi - 1) <= 1e-9 ? 'marginal' : Math.abs(chi) < 1 ? 'stable' : 'unstable');
  const res: FixedPointsResult = { Cb, CW, points: [], escapes: false, escapeAbove: null, kind: 'points', reason: null, searched: [0, Kmax] };
  if (si) {
    // K′ = C_b + C_W·A₂·K exactly
    const g = (CW * (si[0] ** 2 + si[1] ** 2)) / 2;
    if (Math.abs(g - 1) <= 1e-15 && Cb === 0) {
      res.kind = 'line';
      return res;
    }
    if (g < 1) {
      const K = Cb / (1 - g);
      res.points.push({ K, chiParallel: g, chiPerp: g, stability: 'stable' });
      return res;
    }
    res.kind = 'none';
    res.escapes = true;
    res.escapeAbove = Cb === 0 ? 0 : null;
    res.reason =
      Cb === 0
        ? `C_W(a₊² + a₋²)/2 = ${g} > 1: K = 0 is the only fixed point and every K > 0 grows geometrically`
        : `C_W(a₊² + a₋²)/2 = ${g} ≥ 1 with C_b > 0: K′ = C_b + ${g}K > K, K → ∞`;
    if (Cb === 0) {
      res.kind = 'points';
      res.points.push({ K: 0, chiParallel: g, chiPerp: g, stability: 'unstable' });
    }
    return res;
  }
  const F = (K: number) => Cb + CW * ctx.probe(K).s2 - K;
  const t = taylor(ctx.act);
  const grid = [0, ...logGrid(Math.min(1e-6, Kmax / 10), Kmax, 12)];
  const F0 = Cb + CW * t.sigma0 * t.sigma0;
  const Fg = (K: number) => (K === 0 ? F0 : F(K));
  for (const [a, b, fa, fb] of brackets(Fg, grid, true)) {
    const K = a === b ? a : brent(Fg, a, b, fa, fb);
    const [cp, cq] = chis(ctx, K, CW);
    res.points.push({ K, chiParallel: cp, chiPerp: cq, stability: stab(cp) });
  }
  if (Fg(Kmax) > 0) {
    res.escapes = true;
    res.escapeAbove = res.points.length ? res.points[res.points.length - 1].K : 0;
  }
  if (!res.points.length) {
    res.kind = 'none';
    res.reason = res.escapes
      ? `C_b + C_W⟨σ²⟩_K > K for every K in [0, ${Kmax}]: K⁽ℓ⁾ grows without bound`
      : `no fixed point in [0, ${Kmax}] (C_b + C_W⟨σ²⟩_K < K on the whole range: a fixed point, if any, lies below the grid's resolution)`;
  }
  return res;
}

/**
 * The critical point(s) of σ and its universality class (PDLT §5.2–5.3): scale-invariant σ (the
 * critical line C_W = 2/(a₊² + a₋²) with C_b = 0), the K* = 0 class (C_b = 0, C_W = 1/σ₁², needs
 * σ(0) = 0, σ′(0) ≠ 0 and an attractive approach a₁ < 0), and K* > 0 points (χ∥ = χ⊥ = 1 at a
 * fixed point with C_b ≥ 0, found by a log-grid scan of χ∥ − χ⊥ on [Kmin, Kmax] and Brent's method
 * to ROOT_TOLERANCE; these are half-stable). Activations without any give `kind: 'none'` and the
 * reason. Custom σ must be C² (checked; InvalidParameterError otherwise).
 */
export function critical(activation: ActivationSpec, options: CriticalOptions = {}): CriticalResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object');
  const ctx = context(activation, options, 'critical()');
  const Kmin = options.Kmin === undefined ? 1e-3 : checkFinite('Kmin', options.Kmin, 0, true);
  const Kmax = options.Kmax === undefined ? 1e3 : checkFinite('Kmax', options.Kmax, Kmin, true);
  const conditions = options.conditions ?? 'both';
  if (conditions !== 'both' && conditions !== 'parallel' && conditions !== 'perp') {
    throw new InvalidParameterError('conditions', conditions, "'both', 'parallel' or 'perp'");
  }
  const fixedCb = options.Cb === undefined ? 0 : checkFinite('Cb', options.Cb, 0, false);
  const res: CriticalResult = {
    activation: ctx.act.name,
    kind: 'none',
    Cb: null,
    CW: null,
    Kstar: null,
    point: null,
    points: [],
    rejected: [],
    reason: null,
    searched: [Kmin, Kmax],
    tolerance: ROOT_TOLERANCE,
    degree: ctx.degree,
    backend: ctx.backend,
  };
  const reasons: string[] = [];
  if (!ctx.customSI && ctx.probe(1).s2 === 0 && ctx.probe(1).d2 === 0) {
    res.reason = 'σ ≡ 0 (⟨σ²⟩ = ⟨σ′²⟩ = 0): no signal propagates';
    return res;
  }
  const si = conditions === 'both' ? scaleInvariance(ctx.act) : null;
  if (si) {
    const [ap, am] = si;
    const A2 = (ap * ap + am * am) / 2;
    if (A2 === 0) {
      res.reason = 'σ ≡ 0: no signal propagates';
      return res;
    }
    const A4 = (ap ** 4 + am ** 4) / 2;
    res.points.push({
      kind: 'scale-invariant',
      Cb: 0,
      CW: 1 / A2,
      Kstar: null,
      aPlus: ap,
      aMinus: am,
      nu: (3 * A4) / (A2 * A2) - 1,
      stability: 'marginal',
      note: 'χ∥ = χ⊥ = C_W(a₊² + a₋²)/2 for every K: critical for C_W = 2/(a₊² + a₋²), and C_b = 0 is needed (C_b > 0 gives K′ = C_b + K, growing linearly)',
    });
  } else {
    if (conditions === 'both') {
      const z = zeroCandidate(taylor(ctx.act));
      if (z.point) res.points.push(z.point);
      if (z.rejected) res.rejected.push(z.rejected);
      if (z.reason) reasons.push(z.reason);
    }
    searchPositive(ctx, Kmin, Kmax, conditions, fixedCb, res, reasons);
  }
  const best = res.points.find((p) => p.kind !== 'K*>0') ?? res.points[0] ?? null;
  if (best) {
    res.point = best;
    res.kind = best.kind;
    res.Cb = best.Cb;
    res.CW = best.CW;
    res.Kstar = best.Kstar;
  } else {
    res.reason = [...reasons, ...res.rejected.map((r) => `${r.kind} candidate rejected: ${r.reason}`)].join('; ');
  }
  return res;
}

function searchPositive(ctx: Ctx, Kmin: number, Kmax: number, conditions: 'both' | 'parallel' | 'perp', fixedCb: number, res: CriticalResult, reasons: string[]): void {
  // 'both': χ∥ = χ⊥ is independent of C_W, so K* is a root of (χ∥ − χ⊥)/C_W = ⟨σσ″⟩ (+ kink term).
  // 'parallel' / 'perp' (deliberately incomplete): C_W from the one condition, C_b held fixed, K* a fixed point.
  const g =
    conditions === 'both'
      ? (K: number) => {
          const [a, b] = chis(ctx, K, 1);
          return a - b;
        }
      : (K: number) => {
          const [a, b] = chis(ctx, K, 1);
          const CW = 1 / (conditions === 'parallel' ? a : b);
          return fixedCb + CW * ctx.probe(K).s2 - K;
        };
  // χ∥ − χ⊥ within rounding of zero (≤ 1e-13 of the susceptibilities) is not a sign: a σ with χ∥ ≈ χ⊥ at every K
  // (near-scale-invariant) would otherwise produce a root at every grid step
  const noise = (K: number) => {
    const [a, b] = chis(ctx, K, 1);
    return 1e-13 * (Math.abs(a) + Math.abs(b)) + 1e-300;
  };
  const gq = (K: number) => {
    const v = g(K);
    return conditions === 'both' && Math.abs(v) <= noise(K) ? 0 : v;
  };
  const grid = logGrid(Kmin, Kmax, 16);
  if (conditions === 'both' && grid.every((K) => gq(K) === 0)) {
    reasons.push(`χ∥ = χ⊥ to rounding at every K in [${Kmin}, ${Kmax}] (σ is numerically scale-invariant there): no isolated K* > 0`);
    return;
  }
  const found = brackets(gq, grid, false);
  if (!found.length) {
    const g1 = g(Kmin);
    reasons.push(
      conditions === 'both'
        ? `χ∥ − χ⊥ = C_W⟨σσ″⟩ is ${g1 > 0 ? 'positive' : 'negative'} for every K in [${Kmin}, ${Kmax}] (χ∥ ${g1 > 0 ? '>' : '<'} χ⊥), so no K* > 0 has χ∥ = χ⊥ = 1`
        : `no K in [${Kmin}, ${Kmax}] satisfies the fixed point with χ${conditions === 'parallel' ? '∥' : '⊥'} = 1 at C_b = ${fixedCb}`,
    );
  }
  for (const [a, b] of found) {
    const K = brent(g, a, b);
    const p = ctx.probe(K);
    const [cp1, cq1] = chis(ctx, K, 1);
    const CW = conditions === 'parallel' ? 1 / cp1 : 1 / cq1;
    if (!(Number.isFinite(CW) && CW > 0)) {
      res.rejected.push({ kind: 'K*>0', Cb: 0, CW: Number.isFinite(CW) ? CW : Infinity, Kstar: K, reason: `χ = 1 at K = ${K} would need C_W = ${CW}` });
      continue;
    }
    const Cb = conditions === 'both' ? K - CW * p.s2 : fixedCb;
    if (!(Cb >= -1e-14 * K)) {
      res.rejected.push({ kind: 'K*>0', Cb, CW, Kstar: K, reason: `χ∥ = χ⊥ = 1 at K* = ${K} needs C_b = ${Cb} < 0` });
      continue;
    }
    // b = ½dχ∥/dK: central differences at h and h/2, Richardson-extrapolated (O(h⁴) truncation;
    // rounding ~1e-16/h): ~1e-9 absolute
    const h = 0.02 * K;
    const D = (hh: number) => (chis(ctx, K + hh, CW)[0] - chis(ctx, K - hh, CW)[0]) / (2 * hh);
    const b2 = ((4 * D(h / 2) - D(h)) / 3) / 2;
    // c₃ = ⅙ d²χ∥/dK² (extrapolated second differences): the cubic term of the same map
    const chi0 = chis(ctx, K, CW)[0];
    const D2 = (hh: number) => (chis(ctx, K + hh, CW)[0] - 2 * chi0 + chis(ctx, K - hh, CW)[0]) / (hh * hh);
    const c3 = ((4 * D2(h / 2) - D2(h)) / 3) / 6;
    const Dp = (hh: number) => (chis(ctx, K + hh, CW)[1] - chis(ctx, K - hh, CW)[1]) / (2 * hh);
    const dChiPerp = (4 * Dp(h / 2) - Dp(h)) / 3;
    const [cp, cq] = chis(ctx, K, CW);
    const [m4] = fourth(ctx, K);
    const nu = (CW * CW * (m4 - p.s2 * p.s2)) / (K * K);
    const halfStable = Math.abs(b2) > 1e-12;
    res.points.push({
      kind: 'K*>0',
      Cb: Math.max(Cb, 0),
      CW,
      Kstar: K,
      b: b2,
      c3,
      dChiPerp,
      quadraticRange: c3 === 0 ? Infinity : Math.abs(b2 / c3),
      attractedFrom: !halfStable ? 'both' : b2 < 0 ? 'above' : 'below',
      stability: halfStable ? 'half-stable' : 'marginal',
      nu,
      residual: Math.max(Math.abs(cp - 1), Math.abs(cq - 1)),
      note: halfStable
        ? `half-stable (PDLT §5.3.4): ΔK′ = ΔK + bΔK² + c₃ΔK³, so for |ΔK| ≪ |b/c₃| = ${Math.abs(b2 / c3).toPrecision(3)} K⁽ℓ⁾ → K* (ΔK ≈ −1/(bℓ)) only from ${b2 < 0 ? 'above' : 'below'} K*; from ${b2 < 0 ? 'below' : 'above'} it drifts away`
        : 'marginal to second order',
    });
  }
}

/** [⟨σ⁴⟩_K, ⟨σ′⁴⟩_K]: from the moment bundle (js) or the sources of V and B at layer 2 (wasm). */
export function fourth(ctx: Ctx, K: number): [number, number] {
  if (ctx.backend === 'js') {
    const m = computeMoments(quadrature(ctx.degree), ctx.act, K);
    return [m.s4, m.d4];
  }
  // V⁽²⁾ = C_W²(⟨σ⁴⟩ − ⟨σ²⟩²) and B⁽²⁾ = C_W²Θ⁽¹⁾²⟨σ′⁴⟩ with C_W = 1, Θ⁽¹⁾ = λ_b = 1, V⁽¹⁾ = B⁽¹⁾ = 0
  const r = theory(
    { activation: ctx.act as unknown as ActivationSpec, depth: 2, widths: [1, 1], Cb: [K, 0], CW: [1, 1], lambdaB: 1, lambdaW: 0, input: { x2: 0 } },
    { degree: ctx.degree, backend: 'wasm' },
  );
  return [r.layers[1].V + r.layers[1].K ** 2, r.layers[1].B];
}

// ---------------------------------------------------------------------------------------------
// Networks at criticality

export interface CriticalNetworkOptions extends CriticalOptions {
  /** λ_b, λ_W (layer-independent; default 1, 1). */
  lambdaB?: number;
  lambdaW?: number;
  /** x² of the input (default: 1, or (K* − C_b)/C_W for a K* > 0 point so that K⁽¹⁾ = K*). */
  x2?: number;
}

/**
 * A NetworkSpec at the critical point of σ (throws InvalidParameterError if σ has none), for
 * `theory()` / `ensemble()`: C_b, C_W from {@link critical}; x² chosen so that K⁽¹⁾ = K* for a K* > 0
 * point unless given.
 */
export function criticalSpec(
  activation: ActivationSpec,
  net: { depth: number; width?: number; inputWidth?: number; widths?: number[] },
  options: CriticalNetworkOptions = {},
): { spec: NetworkSpec; critical: CriticalResult } {
  const c = critical(activation, options);
  if (c.kind === 'none' || c.CW === null || c.Cb === null) {
    throw new InvalidParameterError('activation', c.activation, `an activation with a critical point (${c.reason})`);
  }
  const x2 = options.x2 ?? (c.kind === 'K*>0' ? (c.Kstar! - c.Cb) / c.CW : 1);
  const spec: NetworkSpec = {
    activation,
    depth: net.depth,
    ...(net.widths ? { widths: net.widths } : { width: net.width ?? 1, inputWidth: net.inputWidth ?? 1 }),
    Cb: c.Cb,
    CW: c.CW,
    lambdaB: options.lambdaB ?? 1,
    lambdaW: options.lambdaW ?? 1,
    input: { x2 },
  };
  return { spec, critical: c };
}
