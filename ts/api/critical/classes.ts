/** Classification helpers: Taylor data at 0, scale invariance, the K* = 0 candidate. (Module overview: ts/api/critical.ts.) */
import { Branch, type Activation } from '../activation.js';
import type { RejectedCandidate, TaylorAtZero, ZeroPoint } from './types.js';

// ---------------------------------------------------------------------------------------------
// Classification helpers

/** σ(0) and the one-sided σ′, σ″, σ‴ at 0. */
export function taylor(act: Activation): TaylorAtZero {
  const r = new Float64Array(4);
  const l = new Float64Array(4);
  if (act.custom) {
    act.eval(0, r);
    l.set(r);
  } else {
    act.evalBranch(0, Branch.Right, r);
    act.evalBranch(0, Branch.Left, l);
  }
  return { sigma0: r[0], right: [r[1], r[2], r[3]], left: [l[1], l[2], l[3]] };
}

/** a₊, a₋ if σ(λz) = λσ(z) for λ > 0 (relu family, linear; custom σ tested to 1e-12), else null. */
export function scaleInvariance(act: Activation): [number, number] | null {
  if (!act.custom) {
    if (act.kind === 0) return [1, 1];
    if (act.kind === 1) return [1, 0];
    if (act.kind === 2) return [1, act.a];
    if (act.kind === 12 && act.a === 1) return [1, 1];
    if (act.kind === 10 && act.a === 0) return [1, 0]; // elu with α = 0 is relu
    return null;
  }
  const v = new Float64Array(4);
  const at = (x: number) => (act.eval(x, v), v[0]);
  if (at(0) !== 0) return null;
  const ap = at(1);
  const am = -at(-1);
  for (const x of [0.37, 1.9, 2.9, 7.5]) {
    for (const [s, a] of [
      [1, ap],
      [-1, am],
    ]) {
      const want = s * a * x;
      if (Math.abs(at(s * x) - want) > 1e-12 * Math.max(1, Math.abs(want))) return null;
    }
  }
  return [ap, am];
}

const PHI0 = 1 / Math.sqrt(2 * Math.PI);

export function zeroCandidate(t: TaylorAtZero): { point: ZeroPoint | null; rejected: RejectedCandidate | null; reason: string | null } {
  const [p1, p2, p3] = t.right;
  const [m1, m2, m3] = t.left;
  if (t.sigma0 !== 0) return { point: null, rejected: null, reason: `σ(0) = ${t.sigma0} ≠ 0, so K = 0 is not a fixed point (K′ = C_b + C_W⟨σ²⟩ ≥ C_Wσ(0)² > 0)` };
  const A2 = (p1 * p1 + m1 * m1) / 2;
  if (A2 === 0) return { point: null, rejected: null, reason: "σ′(0) = 0, so χ⊥(K → 0) = 0 for every finite C_W (no K* = 0 point)" };
  const CW = 1 / A2;
  const A4 = (p1 ** 4 + m1 ** 4) / 2;
  const c = 2 * PHI0 * CW * (p1 * p2 - m1 * m2);
  const a1 = CW * ((3 / 8) * (p2 * p2 + m2 * m2) + (p1 * p3 + m1 * m3) / 2);
  const b1 = (CW / 2) * (p2 * p2 + p1 * p3 + m2 * m2 + m1 * m3);
  const nu = (3 * A4) / (A2 * A2) / 3 - 1 / 3;
  const base = { kind: 'K*=0' as const, Cb: 0 as const, CW, Kstar: 0 as const, taylor: t, c, a1, b1, nu, stability: 'stable' as const };
  const rel = Math.abs(c) <= 1e-14 * (1 + Math.abs(CW * p1 * p2));
  if (!rel) {
    if (c > 0) return { point: null, rejected: { kind: 'K*=0', Cb: 0, CW, Kstar: 0, reason: `C_W⟨σ²⟩ = K + cK^{3/2} + … with c = ${c} > 0: K flows away from 0 (unstable)` }, reason: null };
    return {
      point: { ...base, pK: 2, kappa: 4 / (c * c), pPerp: 2, pParallel: 3, note: 'σ″ jumps at 0: K ≈ 4/(c²ℓ²), χ⊥ ≈ 1 − 2/ℓ, χ∥ ≈ 1 − 3/ℓ' },
      rejected: null,
      reason: null,
    };
  }
  if (a1 >= 0) {
    return {
      point: null,
      rejected: {
        kind: 'K*=0',
        Cb: 0,
        CW,
        Kstar: 0,
        reason: a1 > 0 ? `a₁ = ${a1} > 0: K′ = K + a₁K² grows, K* = 0 repels (unstable)` : 'a₁ = 0: the approach to K* = 0 is set by higher orders (not classified)',
      },
      reason: null,
    };
  }
  return {
    point: { ...base, c: 0, pK: 1, kappa: -1 / a1, pPerp: b1 / a1, pParallel: 2, note: 'K ≈ 1/(−a₁ℓ), χ⊥ ≈ 1 − (b₁/a₁)/ℓ, χ∥ ≈ 1 − 2/ℓ (PDLT §5.3.3)' },
    rejected: null,
    reason: null,
  };
}
