/**
 * Packing of the 4-index output tensors by symmetry orbit — the twin of
 * `crates/core/src/theory/multi/packing.rs` (docs/theory/multi.md §1).
 */

/** Row-major position of (a, b, c, d) in an N⁴ tensor. */
export const idx4 = (n: number, a: number, b: number, c: number, d: number): number => ((a * n + b) * n + c) * n + d;

// ------------------------------------------------------------------------------------------------
// Packing (identical to the Rust twin): one slot per orbit of the tensor's symmetry group, orbits in
// the order of their lexicographically smallest member (a, b, c, d).

export const SYM_VA = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 0, 1], [2, 3, 1, 0], [3, 2, 1, 0]];
export const SYM_D = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2]];
export const SYM_B = [[0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2], [3, 2, 1, 0]];
export const SYM_F = [[0, 1, 2, 3], [2, 3, 0, 1]];

export function orbitIndex(n: number, group: number[][]): { map: Uint32Array; count: number } {
  const n4 = n * n * n * n;
  const map = new Uint32Array(n4).fill(0xffffffff);
  let count = 0;
  const t = [0, 0, 0, 0];
  for (let code = 0; code < n4; code++) {
    if (map[code] !== 0xffffffff) continue;
    t[0] = Math.floor(code / (n * n * n));
    t[1] = Math.floor(code / (n * n)) % n;
    t[2] = Math.floor(code / n) % n;
    t[3] = code % n;
    for (const p of group) map[idx4(n, t[p[0]], t[p[1]], t[p[2]], t[p[3]])] = count;
    count++;
  }
  return { map, count };
}

/** P = its (12) swap, R = its (23) swap, S, T, U = their (01)(23) swap; Q none (docs/theory/multi.md §7). */
export const SYM_P = [[0, 1, 2, 3], [0, 2, 1, 3]];
export const SYM_Q = [[0, 1, 2, 3]];
export const SYM_R = [[0, 1, 2, 3], [0, 1, 3, 2]];
export const SYM_STU = [[0, 1, 2, 3], [1, 0, 3, 2]];

/** Packed sizes (V/A, B, D, F, P, Q, R, S/T/U). */
export function packedSizes(n: number): number[] {
  return [SYM_VA, SYM_B, SYM_D, SYM_F, SYM_P, SYM_Q, SYM_R, SYM_STU].map((g) => orbitIndex(n, g).count);
}

export function layerStride(n: number): number {
  const [va, b, d, f, p, q, r, stu] = packedSizes(n);
  return 4 * n * n + 2 * va + b + d + f + p + q + r + 3 * stu + 1;
}
