/**
 * The layer-to-layer recursions of the Principle of Sparsity (PDLT §4, §8, §11.2, §∞.3) — the
 * pure-TypeScript twin of `crates/core/src/theory/recursion.rs`, line for line.
 *
 * At layer ℓ the "n" of every 1/n is n_{ℓ−1}; r = n_ℓ/n_{ℓ−1} carries inherited terms across a
 * change of width. The step ℓ → ℓ+1 uses the hyperparameters of layer ℓ+1.
 */
import type { Activation } from '../numerics/activation.js';
import type { Quadrature } from '../numerics/quadrature/expect.js';
import { computeMoments, K_MIN, type Moments } from './moments.js';

export { K_MIN } from './moments.js';

/**
 * Hyperparameters of one layer (`LayerHyper` in Rust): C_b, C_W, λ_b, λ_W (PDLT §2.3, §7.2). The
 * public spec spells them `Cb, CW, lambdaB, lambdaW` (`ts/api/spec.ts`).
 */
export interface LayerHyper {
  cb: number;
  cw: number;
  lambdaB: number;
  lambdaW: number;
}

export const THEORY_STRIDE = 18;
export const FLAG_OVERFLOW = 1;
export const FLAG_K_UNDERFLOW = 2;

/** Every statistic of one layer, book symbols (G1 ≡ K^{1}, H1 ≡ Θ^{1}). */
export interface LayerStats {
  K: number; Theta: number; G1: number; H1: number; V: number; A: number; B: number; D: number; F: number;
  P: number; Q: number; R: number; S: number; T: number; U: number;
}

export const STAT_KEYS = ['K', 'Theta', 'G1', 'H1', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const;

/** Layer 1 (PDLT §4.1): K⁽¹⁾ = C_b + C_W x², Θ⁽¹⁾ = λ_b + λ_W x², every finite-width tensor 0. */
export function firstLayer(h: LayerHyper, x2: number): LayerStats {
  return { K: h.cb + h.cw * x2, Theta: h.lambdaB + h.lambdaW * x2, G1: 0, H1: 0, V: 0, A: 0, B: 0, D: 0, F: 0, P: 0, Q: 0, R: 0, S: 0, T: 0, U: 0 };
}

/** χ∥ = C_W⟨σ²(z²−K)⟩/(2K²) and χ⊥ = C_W⟨σ′²⟩ at layer ℓ, with C_W of layer ℓ+1 (PDLT §5.1). */
export function susceptibilities(m: Moments, cw: number, K: number): [number, number] {
  const k = Math.max(K, K_MIN);
  return [(cw * m.s2he2) / (2 * k), cw * m.d2];
}

/**
 * One step ℓ → ℓ+1 of every recursion (docs/theory/recursions.md §3; formulas in the Rust twin's doc), with `h`
 * the hyperparameters of layer ℓ+1, `m` the expectations at K⁽ℓ⁾ and `ratio` = n_ℓ/n_{ℓ−1}.
 *   K' = C_b + C_W⟨σ²⟩,  Θ' = λ_b + λ_W⟨σ²⟩ + C_WΘ⟨σ′²⟩,  V' = C_W²(⟨σ⁴⟩−⟨σ²⟩²) + rχ∥²V, …
 */
export function nextLayer(m: Moments, prev: LayerStats, h: LayerHyper, ratio: number): LayerStats {
  const { cb, cw, lambdaB: lb, lambdaW: lw } = h;
  const k = Math.max(prev.K, K_MIN);
  const th = prev.Theta;
  const [chiPar, chiPerp] = susceptibilities(m, cw, k);
  const yMean = lw * m.s2 + cw * th * m.d2;
  const ySq = lw * lw * m.s4 + 2 * lw * cw * th * m.s2d2 + cw * cw * th * th * m.d4;
  const yS2 = lw * m.s4 + cw * th * m.s2d2;
  const omega = (lw * m.s2he2 + cw * th * m.d2he2) / (2 * k);
  const vOverK = prev.V / k;
  const he4V = (fHe4: number) => (fHe4 / (8 * k)) * vOverK;
  const r = ratio;
  const cw2 = cw * cw;
  const th2 = th * th;
  const th3 = th2 * th;
  return {
    K: cb + cw * m.s2,
    Theta: lb + lw * m.s2 + cw * th * m.d2,
    V: cw2 * (m.s4 - m.s2 * m.s2) + r * chiPar * chiPar * prev.V,
    G1: r * (chiPar * prev.G1 + he4V(cw * m.s2he4)),
    H1: r * (chiPerp * prev.H1 + omega * prev.G1 + he4V(lw * m.s2he4 + cw * th * m.d2he4) + ((cw * m.d2he2) / (2 * k)) * (prev.D + 2 * prev.F)),
    A: ySq - yMean * yMean + r * (chiPerp * chiPerp * prev.A + 2 * chiPerp * omega * prev.D + omega * omega * prev.V),
    B: cw2 * th2 * m.d4 + r * chiPerp * chiPerp * prev.B,
    D: cw * (yS2 - yMean * m.s2) + r * (chiPar * chiPerp * prev.D + chiPar * omega * prev.V),
    F: cw2 * th * m.s2d2 + r * chiPar * chiPar * prev.F,
    P: cw2 * th2 * m.sd2dd + r * (chiPar * chiPerp * prev.P + cw * m.sdd * chiPerp * prev.B),
    Q: lw * cw * th * m.s2d2 + cw2 * th2 * m.sd2dd + r * (chiPar * chiPerp * prev.Q + chiPar * omega * prev.F),
    R:
      lw * cw * th2 * m.sd2dd +
      cw2 * th3 * m.d3ddd +
      r * (chiPerp * chiPerp * prev.R + chiPerp * (lw * m.sdd + cw * th * m.dddd) * prev.B + chiPerp * omega * prev.P),
    S: lw * cw * th2 * m.d4 + cw2 * th3 * m.d2dd2 + r * (chiPerp * chiPerp * prev.S + chiPerp * (lw * m.d2 + cw * th * m.dd2) * prev.B),
    T:
      th * (lw * lw * m.s2d2 + 2 * lw * cw * th * m.sd2dd + cw2 * th2 * m.d2dd2) +
      r * (chiPerp * chiPerp * prev.T + 2 * chiPerp * omega * prev.Q + omega * omega * prev.F),
    U: cw2 * th3 * m.d2dd2 + r * chiPerp * chiPerp * prev.U,
  };
}

/**
 * Keeps non-finite results out: an overflowed quantity becomes ±∞ with the sign of its last value
 * (NaN from ∞ − ∞ included) and stays there. Returns true if anything was not finite.
 */
export function saturate(cur: LayerStats, prev: LayerStats): boolean {
  let bad = false;
  for (const key of STAT_KEYS) {
    const a = cur[key];
    const p = prev[key];
    if (!Number.isFinite(a) || (!Number.isFinite(p) && !Number.isNaN(p))) {
      bad = true;
      const sign = Number.isNaN(a) || a === 0 ? (p < 0 ? -1 : 1) : Math.sign(a);
      cur[key] = sign * Infinity;
    }
  }
  return bad;
}

/**
 * Runs the whole recursion; `widths` = n₀ … n_{L−1}, `hyper` one entry per layer. Writes
 * THEORY_STRIDE values per layer to `out`: K, Θ, G1, H1, V, A, B, D, F, P, Q, R, S, T, U, χ∥, χ⊥, flags.
 */
export function runRecursion(q: Quadrature, act: Activation, widths: ArrayLike<number>, hyper: readonly LayerHyper[], x2: number, out: Float64Array): void {
  const depth = hyper.length;
  let cur = firstLayer(hyper[0], x2);
  let overflowed = false;
  for (let l = 0; l < depth; l++) {
    const nextH = hyper[Math.min(l + 1, depth - 1)];
    let flags = 0;
    if (cur.K < K_MIN && Number.isFinite(cur.K)) flags += FLAG_K_UNDERFLOW;
    const finiteK = Number.isFinite(cur.K);
    const m = finiteK ? computeMoments(q, act, cur.K) : null;
    let [chiPar, chiPerp] = m ? susceptibilities(m, nextH.cw, cur.K) : [Infinity, Infinity];
    // Moments can overflow while K is still finite (e.g. σ = z³): ∞/∞ must not leak out as NaN.
    if (Number.isNaN(chiPar) || Number.isNaN(chiPerp)) {
      overflowed = true;
      if (Number.isNaN(chiPar)) chiPar = Infinity;
      if (Number.isNaN(chiPerp)) chiPerp = Infinity;
    }
    if (overflowed) flags += FLAG_OVERFLOW;
    const o = l * THEORY_STRIDE;
    STAT_KEYS.forEach((key, i) => (out[o + i] = cur[key]));
    out[o + 15] = chiPar;
    out[o + 16] = chiPerp;
    out[o + 17] = flags;
    if (l + 1 < depth) {
      const ratio = widths[l + 1] / widths[l];
      const nxt = m ? nextLayer(m, cur, hyper[l + 1], ratio) : { ...cur };
      overflowed = saturate(nxt, cur) || overflowed;
      cur = nxt;
    }
  }
}
