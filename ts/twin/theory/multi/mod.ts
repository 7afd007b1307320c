/**
 * Many inputs at O(1/n): K, Θ, K^{1} (G1), Θ^{1} (H1), V, A, B, D, F, P, Q, R, S, T, U with sample indices — the
 * pure-TypeScript twin of `crates/core/src/theory/multi/mod.rs` (same rules, same order of operations;
 * derivation, rules and measured accuracy in docs/theory/multi.md).
 *
 * Every Gaussian expectation has an integrand over at most four samples: the source terms are
 * ≤ 4-dimensional integrals of products of σ and σ′; the statistics-side derivatives (χ, ω, ψ, φ,
 * fourth derivatives) are 2-dimensional pair integrals in Stein form with the pseudo-inverse of the pair's
 * Cholesky factor. The all-equal entries come from the single-input `nextLayer` itself.
 */
import type { Activation } from '../../numerics/activation.js';
import type { Quadrature } from '../../numerics/quadrature/expect.js';
import { K_MIN } from '../moments.js';
import type { LayerHyper } from '../recursion.js';
import { MultiRule } from './rules.js';
import { clone, firstMulti, layerData, nextMulti, MATRIX_KEYS, TENSOR_KEYS } from './step.js';
import { layerStride, orbitIndex, SYM_B, SYM_D, SYM_F, SYM_P, SYM_Q, SYM_R, SYM_STU, SYM_VA } from './packing.js';

export * from './rules.js';
export * from './tables.js';
export * from './step.js';
export * from './packing.js';
export * from './dntk.js';

export const MAX_N = 32;

export const FLAG_OVERFLOW = 1;
export const FLAG_K_UNDERFLOW = 2;

function saturateVec(cur: Float64Array, prev: Float64Array): boolean {
  let bad = false;
  for (let i = 0; i < cur.length; i++) {
    const c = cur[i];
    const p = prev[i];
    if (!Number.isFinite(c) || (!Number.isFinite(p) && !Number.isNaN(p))) {
      bad = true;
      const sign = Number.isNaN(c) || c === 0 ? (p < 0 ? -1 : 1) : Math.sign(c);
      cur[i] = sign * Infinity;
    }
  }
  return bad;
}

/** The whole recursion for N inputs (x: N × n₀ row-major); writes `layerStride(N)` values per layer. */
export function runMulti(q: Quadrature, act: Activation, widths: ArrayLike<number>, hyper: readonly LayerHyper[], x: ArrayLike<number>, n: number, n0: number, out: Float64Array): void {
  const rule = new MultiRule(q, act);
  const depth = hyper.length;
  const stride = layerStride(n);
  const maps = [SYM_VA, SYM_B, SYM_D, SYM_F, SYM_P, SYM_Q, SYM_R, SYM_STU].map((g) => orbitIndex(n, g));
  let cur = firstMulti(hyper[0], x, n, n0);
  let overflowed = false;
  const n2 = n * n;
  for (let l = 0; l < depth; l++) {
    let flags = 0;
    for (let a = 0; a < n; a++) {
      const k = cur.K[a * n + a];
      if (k < K_MIN && Number.isFinite(k)) {
        flags += FLAG_K_UNDERFLOW;
        break;
      }
    }
    const finite = cur.K.every(Number.isFinite);
    const ld = l + 1 < depth && finite ? layerData(rule, cur) : null;
    if (overflowed) flags += FLAG_OVERFLOW;
    const o = l * stride;
    out.fill(0, o, o + stride);
    out.set(cur.K, o);
    out.set(cur.Theta, o + n2);
    out.set(cur.G1, o + 2 * n2);
    out.set(cur.H1, o + 3 * n2);
    let off = o + 4 * n2;
    const tensors: Array<[Float64Array, number]> = [
      [cur.V, 0],
      [cur.A, 0],
      [cur.B, 1],
      [cur.D, 2],
      [cur.F, 3],
      [cur.P, 4],
      [cur.Q, 5],
      [cur.R, 6],
      [cur.S, 7],
      [cur.T, 7],
      [cur.U, 7],
    ];
    for (const [t, mi] of tensors) {
      const { map, count } = maps[mi];
      for (let code = 0; code < map.length; code++) out[off + map[code]] = t[code];
      off += count;
    }
    out[o + stride - 1] = flags;
    if (l + 1 < depth) {
      const ratio = widths[l + 1] / widths[l];
      const nxt = ld ? nextMulti(ld, cur, hyper[l + 1], ratio) : clone(cur);
      let bad = false;
      for (const key of [...MATRIX_KEYS, ...TENSOR_KEYS]) bad = saturateVec(nxt[key], cur[key]) || bad;
      overflowed = overflowed || bad;
      cur = nxt;
    }
  }
}

