//! Gaussian data of one layer: the four-point tables (every subset of ≤ 4 samples) and the pair data
//! (statistics-side derivatives over one pair), docs/theory/multi.md §3. Twin: `ts/twin/theory/multi/tables.ts`.
use super::{cholesky, closed_index, idx4, MultiRule};
use crate::numerics::activation::{Activation, Kind};
use crate::theory::moments::{Moments, K_MIN};

// ------------------------------------------------------------------------------------------------
// Four-point tables: for every distinct subset S (|S| = 2…4) the monomials ∏_j σ_j^{m_j} σ′_j^{n_j}
// (Σ m + n = 4, each sample at least once) that fill
//   S0[abcd] = ⟨σ_aσ_bσ_cσ_d⟩,  S2[abcd] = ⟨σ′_aσ′_bσ_cσ_d⟩,  S4[abcd] = ⟨σ′_aσ′_bσ′_cσ′_d⟩.

struct Plan {
    monos: Vec<[(u8, u8); 4]>,
    /// (local tuple, table 0/1/2, monomial)
    entries: Vec<([u8; 4], u8, usize)>,
}

fn plan(size: usize) -> Plan {
    let mut monos: Vec<[(u8, u8); 4]> = Vec::new();
    let mut entries = Vec::new();
    let masks = [0u8, 0b0011, 0b1111];
    for code in 0..size.pow(4) {
        let t = [(code / size.pow(3)) % size, (code / size.pow(2)) % size, (code / size) % size, code % size];
        if (0..size).any(|j| !t.contains(&j)) {
            continue;
        }
        for (ti, &mask) in masks.iter().enumerate() {
            let mut e = [(0u8, 0u8); 4];
            for (slot, &j) in t.iter().enumerate() {
                if (mask >> slot) & 1 == 1 {
                    e[j].1 += 1;
                } else {
                    e[j].0 += 1;
                }
            }
            let idx = match monos.iter().position(|m| *m == e) {
                Some(i) => i,
                None => {
                    monos.push(e);
                    monos.len() - 1
                }
            };
            entries.push(([t[0] as u8, t[1] as u8, t[2] as u8, t[3] as u8], ti as u8, idx));
        }
    }
    Plan { monos, entries }
}

/// All increasing `size`-tuples of 0 … n−1, lexicographic.
pub fn combinations(n: usize, size: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut c: Vec<usize> = (0..size).collect();
    if size > n {
        return out;
    }
    loop {
        out.push(c.clone());
        let mut i = size;
        while i > 0 && c[i - 1] == n - size + i - 1 {
            i -= 1;
        }
        if i == 0 {
            return out;
        }
        c[i - 1] += 1;
        for j in i..size {
            c[j] = c[j - 1] + 1;
        }
    }
}

/// The curvature tables X1, X2, X3 that [`four_point_tables`] fills in the same walk when given.
pub type CurvTables<'a> = (&'a mut [f64], &'a mut [f64], &'a mut [f64]);

/// Fills the three N⁴ tables from every subset of size 2…4 (size-1 entries come from `Moments`), and with
/// `curv` the curvature tables X1 = ⟨σ″σ′σ′σ⟩, X2 = ⟨σ″σ″σ′σ′⟩, X3 = ⟨σ‴σ′σ′σ′⟩ (slot order; σ″, σ‴ pointwise:
/// the network-side derivatives of the P … U sources, docs/theory/multi.md §7.6) from the same nodes. The
/// S0, S2, S4 sums do not depend on whether X is computed (separate accumulators, same nodes and order).
pub fn four_point_tables(rule: &MultiRule, kmat: &[f64], n: usize, mom: &[Moments], s0: &mut [f64], s2: &mut [f64], s4: &mut [f64], mut curv: Option<CurvTables>) {
    for a in 0..n {
        let i = idx4(n, a, a, a, a);
        s0[i] = mom[a].s4;
        s2[i] = mom[a].s2d2;
        s4[i] = mom[a].d4;
        if let Some((x1, x2, x3)) = curv.as_mut() {
            x1[i] = mom[a].sd2dd;
            x2[i] = mom[a].d2dd2;
            x3[i] = mom[a].d3ddd;
        }
    }
    for size in 2..=4usize.min(n) {
        let pl = plan(size);
        let cpl = if curv.is_some() { Some(curv_plan(size)) } else { None };
        let m0 = pl.monos.len();
        let mut acc = vec![0.0; m0 + cpl.as_ref().map_or(0, |c| c.monos.len())];
        let mut set = [0usize; 4];
        for combo in combinations(n, size) {
            set[..size].copy_from_slice(&combo);
            let mut k = [[0.0; 4]; 4];
            for i in 0..size {
                for j in 0..size {
                    k[i][j] = kmat[set[i] * n + set[j]];
                }
            }
            let mut sub = cholesky(&k, size);
            rule.steps(&mut sub);
            // with ≥ 3 distinct full-rank samples the last one has multiplicity ≤ 2 in every monomial:
            // its conditional moments E[σ^m σ′^n | outer] (m + n ≤ 2) replace the innermost level
            let closed = sub.r == size && size >= 3;
            let monos = &pl.monos;
            let cplr = cpl.as_ref();
            let mode = if !closed { 0 } else if cplr.is_some() { 2 } else { 1 };
            rule.integrate(&sub, mode, rule.odd, &mut acc, |v, _x, cj, g5, o| {
                let (o, oc) = o.split_at_mut(m0);
                let mut ps = [[1.0f64; 5]; 4];
                let mut pd = [[1.0f64; 5]; 4];
                for j in 0..size {
                    if j == cj {
                        continue;
                    }
                    for e in 1..5 {
                        ps[j][e] = ps[j][e - 1] * v[j][0];
                        pd[j][e] = pd[j][e - 1] * v[j][1];
                    }
                }
                for (oi, m) in o.iter_mut().zip(monos.iter()) {
                    let mut p = 1.0;
                    for j in 0..size {
                        if j == cj {
                            p *= match m[j] {
                                (1, 0) => g5[0],
                                (0, 1) => g5[1],
                                (2, 0) => g5[2],
                                (1, 1) => g5[3],
                                _ => g5[4],
                            };
                        } else {
                            p *= ps[j][m[j].0 as usize] * pd[j][m[j].1 as usize];
                        }
                    }
                    *oi = p;
                }
                if let Some(c) = cplr {
                    for (mi, oi) in oc.iter_mut().enumerate() {
                        let mut p = 1.0;
                        for &(j, ord) in &c.factors[mi] {
                            if j != cj {
                                p *= v[j][ord];
                            }
                        }
                        if cj < 4 {
                            p *= g5[c.cidx[mi][cj]];
                        }
                        *oi = p;
                    }
                }
            });
            for &(t, table, mi) in &pl.entries {
                let i = idx4(n, set[t[0] as usize], set[t[1] as usize], set[t[2] as usize], set[t[3] as usize]);
                match table {
                    0 => s0[i] = acc[mi],
                    1 => s2[i] = acc[mi],
                    _ => s4[i] = acc[mi],
                }
            }
            if let (Some(c), Some((x1, x2, x3))) = (cpl.as_ref(), curv.as_mut()) {
                for &(t, table, mi) in &c.entries {
                    let i = idx4(n, set[t[0] as usize], set[t[1] as usize], set[t[2] as usize], set[t[3] as usize]);
                    match table {
                        0 => x1[i] = acc[m0 + mi],
                        1 => x2[i] = acc[m0 + mi],
                        _ => x3[i] = acc[m0 + mi],
                    }
                }
            }
        }
    }
}

/// σ″ ≡ 0 pointwise (per network): the relu family and linear σ have no curvature tables.
pub fn flat(act: &Activation) -> bool {
    matches!(act.kind, Kind::Linear | Kind::Relu | Kind::LeakyRelu) || (act.kind == Kind::Monomial && act.a == 1.0)
}

/// Monomials ∏_j σ_j^{c0} σ′_j^{c1} σ″_j^{c2} σ‴_j^{c3} of one subset for the curvature tables
/// X1[abcd] = ⟨σ″_aσ′_bσ′_cσ_d⟩, X2[abcd] = ⟨σ″_aσ″_bσ′_cσ′_d⟩, X3[abcd] = ⟨σ‴_aσ′_bσ′_cσ′_d⟩
/// (derivative order per slot in `ORDERS`), and the (local tuple, table, monomial) of every entry.
struct CurvPlan {
    monos: Vec<[[u8; 4]; 4]>,
    entries: Vec<([u8; 4], u8, usize)>,
    /// the four (sample, order) factors of each monomial, by sample then order
    factors: Vec<[(usize, usize); 4]>,
    /// index in `closed_products` of each sample's factor of each monomial (used for the closed sample)
    cidx: Vec<[usize; 4]>,
}

const ORDERS: [[usize; 4]; 3] = [[2, 1, 1, 0], [2, 2, 1, 1], [3, 1, 1, 1]];

fn curv_plan(size: usize) -> CurvPlan {
    let mut monos: Vec<[[u8; 4]; 4]> = Vec::new();
    let mut entries = Vec::new();
    for code in 0..size.pow(4) {
        let t = [(code / size.pow(3)) % size, (code / size.pow(2)) % size, (code / size) % size, code % size];
        if (0..size).any(|j| !t.contains(&j)) {
            continue;
        }
        for (ti, ord) in ORDERS.iter().enumerate() {
            let mut e = [[0u8; 4]; 4];
            for (slot, &j) in t.iter().enumerate() {
                e[j][ord[slot]] += 1;
            }
            let idx = match monos.iter().position(|m| *m == e) {
                Some(i) => i,
                None => {
                    monos.push(e);
                    monos.len() - 1
                }
            };
            entries.push(([t[0] as u8, t[1] as u8, t[2] as u8, t[3] as u8], ti as u8, idx));
        }
    }
    let factors = monos
        .iter()
        .map(|m| {
            let mut f = [(0usize, 0usize); 4];
            let mut k = 0;
            for j in 0..4 {
                for ord in 0..4 {
                    for _ in 0..m[j][ord] {
                        f[k] = (j, ord);
                        k += 1;
                    }
                }
            }
            f
        })
        .collect();
    // (only samples of multiplicity ≤ 2 can be the closed one)
    let cidx = monos.iter().map(|m| [0, 1, 2, 3].map(|j| if m[j].iter().sum::<u8>() <= 2 { closed_index(&m[j]) } else { 0 })).collect();
    CurvPlan { monos, entries, factors, cidx }
}

// ------------------------------------------------------------------------------------------------
// Pair data: the statistics-side derivatives of f(z_a, z_b) ∈ {σσ, σ′σ′, σ′σ, σσ′} over one pair.

/// Derivative moments of one unordered pair (samples s[0..m], m = 1 for a = b), local indices.
#[derive(Clone, Copy, Debug, Default)]
pub struct PairData {
    pub s: [usize; 2],
    pub m: usize,
    /// ⟨σ_aσ_b⟩, ⟨σ′_aσ′_b⟩
    pub ess: f64,
    pub edd: f64,
    /// ⟨∂_p∂_q(σ_aσ_b)⟩, ⟨∂_p∂_q(σ′_aσ′_b)⟩
    pub dss: [[f64; 2]; 2],
    pub ddd: [[f64; 2]; 2],
    /// ⟨∂_p(σ′_{s0}σ_{s1})⟩, ⟨∂_p(σ_{s0}σ′_{s1})⟩
    pub dds: [f64; 2],
    pub dsd: [f64; 2],
    /// ⟨∂⁴_{p1p2p3p4}(σσ)⟩, ⟨∂⁴(σ′σ′)⟩, local index ((p1·2+p2)·2+p3)·2+p4
    pub qss: [f64; 16],
    pub qdd: [f64; 16],
    /// Network-side σ″, σ‴ (pointwise; P … U, docs/theory/multi.md §7): ⟨σ″_{s0}σ_{s1}⟩, ⟨σ_{s0}σ″_{s1}⟩;
    /// ⟨σ‴_{s0}σ′_{s1}⟩, ⟨σ′_{s0}σ‴_{s1}⟩; ⟨σ″_{s0}σ″_{s1}⟩
    pub e2s: [f64; 2],
    pub e3d: [f64; 2],
    pub e22: f64,
    /// ⟨∂_p(σ″_{s0}σ′_{s1})⟩, ⟨∂_p(σ′_{s0}σ″_{s1})⟩ (statistics-side derivative of a network-side product)
    pub d2d: [f64; 2],
    pub dd2: [f64; 2],
}

/// Monomials x₁^i x₂^j, i + j ≤ 4, in this order.
const MONO2: [(usize, usize); 15] = [
    (0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2), (3, 0), (2, 1), (1, 2), (0, 3), (4, 0), (3, 1), (2, 2), (1, 3), (0, 4),
];

fn mono2_index(i: usize, j: usize) -> usize {
    MONO2.iter().position(|&(a, b)| a == i && b == j).expect("degree ≤ 4")
}

/// ⟨f · x^α⟩ for the multiset of coordinate indices `ix` (length ≤ 4) from the monomial moments.
fn xmom(mm: &[f64; 15], ix: &[usize]) -> f64 {
    let c1 = ix.iter().filter(|&&i| i == 1).count();
    mm[mono2_index(ix.len() - c1, c1)]
}

/// ⟨f (x_i x_j − δ_ij)⟩
fn he2(mm: &[f64; 15], i: usize, j: usize) -> f64 {
    xmom(mm, &[i, j]) - if i == j { mm[0] } else { 0.0 }
}

/// ⟨f He_ijkl(x)⟩, He_ijkl = x_ix_jx_kx_l − Σ₆ δ x x + Σ₃ δδ
fn he4(mm: &[f64; 15], i: usize, j: usize, k: usize, l: usize) -> f64 {
    let d = |a: usize, b: usize| if a == b { 1.0 } else { 0.0 };
    xmom(mm, &[i, j, k, l]) - d(i, j) * xmom(mm, &[k, l]) - d(i, k) * xmom(mm, &[j, l]) - d(i, l) * xmom(mm, &[j, k])
        - d(j, k) * xmom(mm, &[i, l])
        - d(j, l) * xmom(mm, &[i, k])
        - d(k, l) * xmom(mm, &[i, j])
        + (d(i, j) * d(k, l) + d(i, k) * d(j, l) + d(i, l) * d(j, k)) * mm[0]
}

/// Pair data of a ≠ b.
pub fn pair_data(rule: &MultiRule, k11: f64, k12: f64, k22: f64, a: usize, b: usize) -> PairData {
    let mut k = [[0.0; 4]; 4];
    k[0][0] = k11;
    k[0][1] = k12;
    k[1][0] = k12;
    k[1][1] = k22;
    let mut sub = cholesky(&k, 2);
    rule.steps(&mut sub);
    let r = sub.r;
    // moments of the four functions times x₁^i x₂^j
    // 60 = the four functions × 15 monomials; then 7 network-side σ″/σ‴ products × (1, x₁, x₂)
    let mut acc = [0.0; 81];
    rule.integrate(&sub, 0, false, &mut acc, |v, x, _, _, o| {
        let f = [v[0][0] * v[1][0], v[0][1] * v[1][1], v[0][1] * v[1][0], v[0][0] * v[1][1]];
        let mut p1 = [1.0; 5];
        let mut p2 = [1.0; 5];
        for e in 1..5 {
            p1[e] = p1[e - 1] * x[0];
            p2[e] = p2[e - 1] * if r == 2 { x[1] } else { 0.0 };
        }
        for (mi, &(i, j)) in MONO2.iter().enumerate() {
            let xm = p1[i] * p2[j];
            for fi in 0..4 {
                o[fi * 15 + mi] = f[fi] * xm;
            }
        }
        let g = [
            v[0][2] * v[1][0],
            v[0][0] * v[1][2],
            v[0][3] * v[1][1],
            v[0][1] * v[1][3],
            v[0][2] * v[1][2],
            v[0][2] * v[1][1],
            v[0][1] * v[1][2],
        ];
        for gi in 0..7 {
            o[60 + 3 * gi] = g[gi];
            o[61 + 3 * gi] = g[gi] * p1[1];
            o[62 + 3 * gi] = g[gi] * p2[1];
        }
    });
    let mut mm = [[0.0; 15]; 4];
    for fi in 0..4 {
        mm[fi].copy_from_slice(&acc[fi * 15..fi * 15 + 15]);
    }
    // pseudo-inverse of L (r × 2): ∂_{z_p} = Σ_i P[i][p] ∂_{x_i}
    let mut pinv = [[0.0; 2]; 2];
    if r == 2 {
        let (l00, l10, l11) = (sub.l[0][0], sub.l[1][0], sub.l[1][1]);
        pinv[0][0] = 1.0 / l00;
        pinv[1][0] = -l10 / (l00 * l11);
        pinv[1][1] = 1.0 / l11;
    } else if r == 1 {
        let (la, lb) = (sub.l[0][0], sub.l[1][0]);
        let nn = la * la + lb * lb;
        if nn > 0.0 {
            pinv[0][0] = la / nn;
            pinv[0][1] = lb / nn;
        }
    }
    let mut pd = PairData { s: [a, b], m: 2, ess: mm[0][0], edd: mm[1][0], ..Default::default() };
    pd.e2s = [acc[60], acc[63]];
    pd.e3d = [acc[66], acc[69]];
    pd.e22 = acc[72];
    for p in 0..2 {
        pd.d2d[p] = (0..r).map(|i| pinv[i][p] * acc[76 + i]).sum();
        pd.dd2[p] = (0..r).map(|i| pinv[i][p] * acc[79 + i]).sum();
    }
    for p in 0..2 {
        pd.dds[p] = (0..r).map(|i| pinv[i][p] * xmom(&mm[2], &[i])).sum();
        pd.dsd[p] = (0..r).map(|i| pinv[i][p] * xmom(&mm[3], &[i])).sum();
        for q in 0..2 {
            let (mut s, mut dd) = (0.0, 0.0);
            for i in 0..r {
                for j in 0..r {
                    let c = pinv[i][p] * pinv[j][q];
                    s += c * he2(&mm[0], i, j);
                    dd += c * he2(&mm[1], i, j);
                }
            }
            pd.dss[p][q] = s;
            pd.ddd[p][q] = dd;
        }
    }
    // fourth derivatives: transform He₄ moments (r^4 components) with P on every index
    let mut g4s = [0.0; 16];
    let mut g4d = [0.0; 16];
    for c in 0..16 {
        let (i, j, k2, l) = (c >> 3 & 1, c >> 2 & 1, c >> 1 & 1, c & 1);
        if i < r && j < r && k2 < r && l < r {
            g4s[c] = he4(&mm[0], i, j, k2, l);
            g4d[c] = he4(&mm[1], i, j, k2, l);
        }
    }
    for pc in 0..16 {
        let (p1, p2, p3, p4) = (pc >> 3 & 1, pc >> 2 & 1, pc >> 1 & 1, pc & 1);
        let (mut s, mut dd) = (0.0, 0.0);
        for c in 0..16 {
            let (i, j, k2, l) = (c >> 3 & 1, c >> 2 & 1, c >> 1 & 1, c & 1);
            let w = pinv[i][p1] * pinv[j][p2] * pinv[k2][p3] * pinv[l][p4];
            if w != 0.0 {
                s += w * g4s[c];
                dd += w * g4d[c];
            }
        }
        pd.qss[pc] = s;
        pd.qdd[pc] = dd;
    }
    pd
}

/// Pair data of a = a from the single-input moments (Stein forms of recursion.rs).
pub fn single_pair(m: &Moments, k: f64, a: usize) -> PairData {
    let k = k.max(K_MIN);
    let mut pd = PairData { s: [a, a], m: 1, ess: m.s2, edd: m.d2, ..Default::default() };
    pd.dss[0][0] = m.s2he2 / k;
    pd.ddd[0][0] = m.d2he2 / k;
    pd.dds[0] = m.s2he2 / (2.0 * k);
    pd.dsd[0] = pd.dds[0];
    pd.qss[0] = m.s2he4 / k / k;
    pd.qdd[0] = m.d2he4 / k / k;
    pd.e2s = [m.sdd; 2];
    pd.e3d = [m.dddd; 2];
    pd.e22 = m.dd2;
    // ⟨∂(σ″σ′)⟩ = ½⟨(σ′²)″⟩ in Stein form, with the same kink jumps as the single-input ω
    pd.d2d[0] = m.d2he2 / (2.0 * k);
    pd.dd2[0] = pd.d2d[0];
    pd
}

