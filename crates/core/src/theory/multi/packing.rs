//! Packing of the 4-index output tensors by symmetry orbit (docs/theory/multi.md §1). Twin:
//! `ts/twin/theory/multi/packing.ts`.
/// Row-major position of (a, b, c, d) in an N⁴ tensor.
#[inline]
pub fn idx4(n: usize, a: usize, b: usize, c: usize, d: usize) -> usize {
    ((a * n + b) * n + c) * n + d
}

// ------------------------------------------------------------------------------------------------
// Packing: each 4-index tensor is stored once per orbit of its symmetry group; orbits are ordered by
// their lexicographically smallest member (a, b, c, d).

/// Symmetry groups as slot permutations: member t' = (t[p0], t[p1], t[p2], t[p3]).
pub const SYM_VA: [[usize; 4]; 8] = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 0, 1], [2, 3, 1, 0], [3, 2, 1, 0]];
pub const SYM_D: [[usize; 4]; 4] = [[0, 1, 2, 3], [1, 0, 2, 3], [0, 1, 3, 2], [1, 0, 3, 2]];
pub const SYM_B: [[usize; 4]; 4] = [[0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2], [3, 2, 1, 0]];
pub const SYM_F: [[usize; 4]; 2] = [[0, 1, 2, 3], [2, 3, 0, 1]];

/// Slot of every (a, b, c, d) (row-major N⁴) and the number of slots.
pub fn orbit_index(n: usize, group: &[[usize; 4]]) -> (Vec<u32>, usize) {
    let n4 = n * n * n * n;
    let mut map = vec![u32::MAX; n4];
    let mut count = 0usize;
    for code in 0..n4 {
        if map[code] != u32::MAX {
            continue;
        }
        let t = [code / (n * n * n), (code / (n * n)) % n, (code / n) % n, code % n];
        for p in group {
            map[idx4(n, t[p[0]], t[p[1]], t[p[2]], t[p[3]])] = count as u32;
        }
        count += 1;
    }
    (map, count)
}

/// P_{0123} = P_{0213} (dĤ is symmetric in its two direction slots), R_{0123} = R_{0132} (the two
/// directions on the same neuron), S, T, U each equal their (01)(23) swap (the two Hessians exchanged);
/// Q has no symmetry (COMMON conventions, docs/theory/multi.md §7).
pub const SYM_P: [[usize; 4]; 2] = [[0, 1, 2, 3], [0, 2, 1, 3]];
pub const SYM_Q: [[usize; 4]; 1] = [[0, 1, 2, 3]];
pub const SYM_R: [[usize; 4]; 2] = [[0, 1, 2, 3], [0, 1, 3, 2]];
pub const SYM_STU: [[usize; 4]; 2] = [[0, 1, 2, 3], [1, 0, 3, 2]];

/// Packed sizes (V/A, B, D, F, P, Q, R, S/T/U) for N inputs: orbit counts of the groups above.
pub fn packed_sizes(n: usize) -> [usize; 8] {
    [
        orbit_index(n, &SYM_VA).1,
        orbit_index(n, &SYM_B).1,
        orbit_index(n, &SYM_D).1,
        orbit_index(n, &SYM_F).1,
        orbit_index(n, &SYM_P).1,
        orbit_index(n, &SYM_Q).1,
        orbit_index(n, &SYM_R).1,
        orbit_index(n, &SYM_STU).1,
    ]
}

/// Values per layer in the output: K, Θ, G1, H1 (N² each, row-major), V, A (packed VA), B, D, F, P, Q, R,
/// S, T, U (packed by their groups), flags.
pub fn layer_stride(n: usize) -> usize {
    let [va, b, d, f, p, q, r, stu] = packed_sizes(n);
    4 * n * n + 2 * va + b + d + f + p + q + r + 3 * stu + 1
}
