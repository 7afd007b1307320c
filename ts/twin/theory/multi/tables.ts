/**
 * Gaussian data of one layer: four-point tables and pair data — the twin of
 * `crates/core/src/theory/multi/tables.rs` (docs/theory/multi.md §3).
 */
import { cholesky, closedIndex, type MultiRule } from './rules.js';
import { idx4 } from './packing.js';
import { K_MIN, type Moments } from '../moments.js';
import { Kind, type Activation } from '../../numerics/activation.js';

// ------------------------------------------------------------------------------------------------
// Four-point tables S0 = ⟨σσσσ⟩, S2 = ⟨σ′σ′σσ⟩ (primes on the first two slots), S4 = ⟨σ′σ′σ′σ′⟩.

interface Plan {
  /** monomial exponents: monos[i][2j] = power of σ_j, monos[i][2j+1] = power of σ′_j */
  monos: number[][];
  entries: Array<[number[], number, number]>;
}

const plans = new Map<number, Plan>();

function plan(size: number): Plan {
  const cached = plans.get(size);
  if (cached) return cached;
  const monos: number[][] = [];
  const entries: Array<[number[], number, number]> = [];
  const masks = [0, 0b0011, 0b1111];
  for (let code = 0; code < size ** 4; code++) {
    const t = [Math.floor(code / size ** 3) % size, Math.floor(code / size ** 2) % size, Math.floor(code / size) % size, code % size];
    let covers = true;
    for (let j = 0; j < size; j++) if (!t.includes(j)) covers = false;
    if (!covers) continue;
    masks.forEach((mask, ti) => {
      const e = [0, 0, 0, 0, 0, 0, 0, 0];
      t.forEach((j, slot) => {
        if ((mask >> slot) & 1) e[2 * j + 1]++;
        else e[2 * j]++;
      });
      let idx = monos.findIndex((m) => m.every((v, i) => v === e[i]));
      if (idx < 0) {
        monos.push(e);
        idx = monos.length - 1;
      }
      entries.push([t, ti, idx]);
    });
  }
  const p = { monos, entries };
  plans.set(size, p);
  return p;
}

/** All increasing `size`-tuples of 0 … n−1, lexicographic. */
export function combinations(n: number, size: number): number[][] {
  const out: number[][] = [];
  if (size > n) return out;
  const c = Array.from({ length: size }, (_, i) => i);
  for (;;) {
    out.push(c.slice());
    let i = size;
    while (i > 0 && c[i - 1] === n - size + i - 1) i--;
    if (i === 0) return out;
    c[i - 1]++;
    for (let j = i; j < size; j++) c[j] = c[j - 1] + 1;
  }
}

/**
 * S0, S2, S4 from every subset of size 2…4 and, with `curv` = [X1, X2, X3], the curvature tables from the
 * same nodes (separate accumulators: S0, S2, S4 do not depend on it; see the Rust twin).
 */
export function fourPointTables(rule: MultiRule, kmat: Float64Array, n: number, mom: Moments[], s0: Float64Array, s2: Float64Array, s4: Float64Array, curv: [Float64Array, Float64Array, Float64Array] | null = null): void {
  for (let a = 0; a < n; a++) {
    const i = idx4(n, a, a, a, a);
    s0[i] = mom[a].s4;
    s2[i] = mom[a].s2d2;
    s4[i] = mom[a].d4;
    if (curv) {
      curv[0][i] = mom[a].sd2dd;
      curv[1][i] = mom[a].d2dd2;
      curv[2][i] = mom[a].d3ddd;
    }
  }
  const k = new Float64Array(16);
  const ps = new Float64Array(20);
  const pd = new Float64Array(20);
  for (let size = 2; size <= Math.min(4, n); size++) {
    const pl = plan(size);
    const cpl = curv ? curvPlan(size) : null;
    const m0 = pl.monos.length;
    const acc = new Float64Array(m0 + (cpl ? cpl.monos.length : 0));
    for (const set of combinations(n, size)) {
      k.fill(0);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) k[i * 4 + j] = kmat[set[i] * n + set[j]];
      const sub = cholesky(k, size);
      rule.steps(sub);
      const closed = sub.r === size && size >= 3;
      const monos = pl.monos;
      rule.integrate(sub, !closed ? 0 : cpl ? 2 : 1, rule.odd, acc, (v, _x, cj, g5, o) => {
        for (let j = 0; j < size; j++) {
          ps[j * 5] = 1;
          pd[j * 5] = 1;
          if (j === cj) continue;
          for (let e = 1; e < 5; e++) {
            ps[j * 5 + e] = ps[j * 5 + e - 1] * v[4 * j];
            pd[j * 5 + e] = pd[j * 5 + e - 1] * v[4 * j + 1];
          }
        }
        for (let mi = 0; mi < monos.length; mi++) {
          const mo = monos[mi];
          let p = 1;
          for (let j = 0; j < size; j++) {
            const a = mo[2 * j];
            const b = mo[2 * j + 1];
            if (j === cj) {
              p *= a === 1 && b === 0 ? g5[0] : a === 0 && b === 1 ? g5[1] : a === 2 && b === 0 ? g5[2] : a === 1 && b === 1 ? g5[3] : g5[4];
            } else {
              p *= ps[j * 5 + a] * pd[j * 5 + b];
            }
          }
          o[mi] = p;
        }
        if (cpl) {
          const factors = cpl.factors;
          const gi = cpl.closedIdx;
          for (let mi = 0; mi < factors.length; mi++) {
            const f = factors[mi];
            let p = 1;
            for (let q = 0; q < 8; q += 2) if (f[q] !== cj) p *= v[4 * f[q] + f[q + 1]];
            if (cj >= 0) p *= g5[gi[mi][cj]];
            o[m0 + mi] = p;
          }
        }
      });
      for (const [t, table, mi] of pl.entries) {
        const i = idx4(n, set[t[0]], set[t[1]], set[t[2]], set[t[3]]);
        if (table === 0) s0[i] = acc[mi];
        else if (table === 1) s2[i] = acc[mi];
        else s4[i] = acc[mi];
      }
      if (cpl && curv) {
        for (const [t, table, mi] of cpl.entries) {
          const i = idx4(n, set[t[0]], set[t[1]], set[t[2]], set[t[3]]);
          curv[table][i] = acc[m0 + mi];
        }
      }
    }
  }
}

/** σ″ ≡ 0 pointwise (per network): the relu family and linear σ have no curvature tables. */
export function flat(act: Activation): boolean {
  return act.kind === Kind.Linear || act.kind === Kind.Relu || act.kind === Kind.LeakyRelu || (act.kind === Kind.Monomial && act.a === 1);
}

/** Derivative order per slot of X1 = ⟨σ″σ′σ′σ⟩, X2 = ⟨σ″σ″σ′σ′⟩, X3 = ⟨σ‴σ′σ′σ′⟩. */
const ORDERS = [
  [2, 1, 1, 0],
  [2, 2, 1, 1],
  [3, 1, 1, 1],
];

interface CurvPlan {
  /** monos[i][4j + order] = power of the order-th derivative of σ at sample j */
  monos: number[][];
  entries: Array<[number[], number, number]>;
  /** closedIdx[i][j]: index in `closedProducts` of sample j's factor of monomial i (multiplicity ≤ 2) */
  closedIdx: number[][];
  /** the four (sample, order) factors of each monomial, by sample then order: [j0, o0, j1, o1, …] */
  factors: number[][];
}

const curvPlans = new Map<number, CurvPlan>();

function curvPlan(size: number): CurvPlan {
  const cached = curvPlans.get(size);
  if (cached) return cached;
  const monos: number[][] = [];
  const entries: Array<[number[], number, number]> = [];
  for (let code = 0; code < size ** 4; code++) {
    const t = [Math.floor(code / size ** 3) % size, Math.floor(code / size ** 2) % size, Math.floor(code / size) % size, code % size];
    let all = true;
    for (let j = 0; j < size; j++) if (!t.includes(j)) all = false;
    if (!all) continue;
    ORDERS.forEach((ord, ti) => {
      const e = new Array(16).fill(0);
      t.forEach((j, slot) => {
        e[4 * j + ord[slot]]++;
      });
      let idx = monos.findIndex((m) => m.every((v, i) => v === e[i]));
      if (idx < 0) {
        monos.push(e);
        idx = monos.length - 1;
      }
      entries.push([t, ti, idx]);
    });
  }
  const closedIdx = monos.map((m) => Array.from({ length: 4 }, (_, j) => (m[4 * j] + m[4 * j + 1] + m[4 * j + 2] + m[4 * j + 3] <= 2 ? closedIndex(m, 4 * j) : 0)));
  const factors = monos.map((m) => {
    const f: number[] = [];
    for (let j = 0; j < 4; j++) for (let ord = 0; ord < 4; ord++) for (let c = 0; c < m[4 * j + ord]; c++) f.push(j, ord);
    return f;
  });
  const pl = { monos, entries, closedIdx, factors };
  curvPlans.set(size, pl);
  return pl;
}

// ------------------------------------------------------------------------------------------------
// Pair data.

/** Derivative moments of one unordered pair (samples s[0..m]), local indices (see the Rust twin). */
export interface PairData {
  s: [number, number];
  m: number;
  ess: number;
  edd: number;
  /** ⟨∂_p∂_q(σσ)⟩, ⟨∂_p∂_q(σ′σ′)⟩ at [2p + q] */
  dss: Float64Array;
  ddd: Float64Array;
  dds: Float64Array;
  dsd: Float64Array;
  qss: Float64Array;
  qdd: Float64Array;
  /** network-side σ″, σ‴: ⟨σ″_{s0}σ_{s1}⟩, ⟨σ_{s0}σ″_{s1}⟩; ⟨σ‴_{s0}σ′_{s1}⟩, ⟨σ′_{s0}σ‴_{s1}⟩; ⟨σ″σ″⟩ */
  e2s: Float64Array;
  e3d: Float64Array;
  e22: number;
  /** ⟨∂_p(σ″_{s0}σ′_{s1})⟩, ⟨∂_p(σ′_{s0}σ″_{s1})⟩ */
  d2d: Float64Array;
  dd2: Float64Array;
}

function emptyPair(a: number, b: number, m: number): PairData {
  return { s: [a, b], m, ess: 0, edd: 0, dss: new Float64Array(4), ddd: new Float64Array(4), dds: new Float64Array(2), dsd: new Float64Array(2), qss: new Float64Array(16), qdd: new Float64Array(16), e2s: new Float64Array(2), e3d: new Float64Array(2), e22: 0, d2d: new Float64Array(2), dd2: new Float64Array(2) };
}

const MONO2: Array<[number, number]> = [
  [0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2], [3, 0], [2, 1], [1, 2], [0, 3], [4, 0], [3, 1], [2, 2], [1, 3], [0, 4],
];

function mono2Index(i: number, j: number): number {
  return MONO2.findIndex(([a, b]) => a === i && b === j);
}

function xmom(mm: Float64Array, off: number, ix: number[]): number {
  let c1 = 0;
  for (const i of ix) if (i === 1) c1++;
  return mm[off + mono2Index(ix.length - c1, c1)];
}

function he2(mm: Float64Array, off: number, i: number, j: number): number {
  return xmom(mm, off, [i, j]) - (i === j ? mm[off] : 0);
}

function he4(mm: Float64Array, off: number, i: number, j: number, k: number, l: number): number {
  const d = (a: number, b: number): number => (a === b ? 1 : 0);
  return (
    xmom(mm, off, [i, j, k, l]) -
    d(i, j) * xmom(mm, off, [k, l]) -
    d(i, k) * xmom(mm, off, [j, l]) -
    d(i, l) * xmom(mm, off, [j, k]) -
    d(j, k) * xmom(mm, off, [i, l]) -
    d(j, l) * xmom(mm, off, [i, k]) -
    d(k, l) * xmom(mm, off, [i, j]) +
    (d(i, j) * d(k, l) + d(i, k) * d(j, l) + d(i, l) * d(j, k)) * mm[off]
  );
}

/**
 * Validation hook, internal (not part of the public API, not in the Rust core): a deliberately wrong variant of
 * the theory for bench/validation-multi.mjs and test/validation-multi.test.ts, which must be rejected by the
 * ensembles. `inverseKernel`:
 * - null (default): the pair's Stein derivatives with its exact (pseudo-)inverse kernel — identical to Rust;
 * - 'diagonal': K⁻¹ replaced by diag(K)⁻¹ in the Stein forms, ẑ^p = z_p/K_pp and K^{pq} → δ_pq/K_pp, i.e.
 *   ⟨∂_p f⟩ → ⟨f z_p⟩/K_pp, ⟨∂_p∂_q f⟩ → ⟨f(z_pz_q/(K_ppK_qq) − δ_pq/K_pp)⟩, and the fourth-order Hermite form
 *   likewise (docs/theory/multi.md §3). Exact for a single sample, wrong for every pair of distinct samples;
 * - 'full': the same generic polynomial forms with the exact inverse (ẑ = K⁻¹z) — equal to the default to
 *   rounding; it exists so that a test can check the code path of 'diagonal' with the right inverse.
 * Set it, run `theory(…, { backend: 'js' })`, and reset it (it is module state).
 */
export const validationHook: { inverseKernel: null | 'diagonal' | 'full' } = { inverseKernel: null };

/**
 * The Stein derivatives of `pairData` from the moments ⟨f xⁱ⟩ (z = L x) with ẑ_p = Σ_i m[i][p] x_i and the
 * contraction matrix lam in place of K^{pq}: m = L⁺, lam = K⁻¹ is the exact form; m[i][p] = L_pi/K_pp,
 * lam = diag(1/K_pp) is the diagonal-inverse mistake.
 */
function steinWith(acc: Float64Array, r: number, m: number[][], lam: number[][], pd: PairData): void {
  const z1 = (off: number, p: number) => {
    let s = 0;
    for (let i = 0; i < r; i++) s += m[i][p] * xmom(acc, off, [i]);
    return s;
  };
  const z2 = (off: number, p: number, q: number) => {
    let s = 0;
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) s += m[i][p] * m[j][q] * xmom(acc, off, [i, j]);
    return s;
  };
  const z4 = (off: number, p: number[]) => {
    let s = 0;
    for (let c = 0; c < 16; c++) {
      const ix = [(c >> 3) & 1, (c >> 2) & 1, (c >> 1) & 1, c & 1];
      if (ix.some((i) => i >= r)) continue;
      s += m[ix[0]][p[0]] * m[ix[1]][p[1]] * m[ix[2]][p[2]] * m[ix[3]][p[3]] * xmom(acc, off, ix);
    }
    return s;
  };
  for (let p = 0; p < 2; p++) {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < r; i++) s1 += m[i][p] * acc[76 + i];
    for (let i = 0; i < r; i++) s2 += m[i][p] * acc[79 + i];
    pd.d2d[p] = s1;
    pd.dd2[p] = s2;
    pd.dds[p] = z1(30, p);
    pd.dsd[p] = z1(45, p);
    for (let q = 0; q < 2; q++) {
      pd.dss[2 * p + q] = z2(0, p, q) - lam[p][q] * acc[0];
      pd.ddd[2 * p + q] = z2(15, p, q) - lam[p][q] * acc[15];
    }
  }
  // H_pqrs(ẑ) = ẑẑẑẑ − Σ₆ λ_pq ẑ_rẑ_s + Σ₃ λ_pqλ_rs
  const pairings: Array<[number, number, number, number]> = [[0, 1, 2, 3], [0, 2, 1, 3], [0, 3, 1, 2], [1, 2, 0, 3], [1, 3, 0, 2], [2, 3, 0, 1]];
  for (let pc = 0; pc < 16; pc++) {
    const q = [(pc >> 3) & 1, (pc >> 2) & 1, (pc >> 1) & 1, pc & 1];
    for (const [off, out] of [[0, pd.qss], [15, pd.qdd]] as const) {
      let h = z4(off, q);
      for (const [a, b, c, d] of pairings) h -= lam[q[a]][q[b]] * z2(off, q[c], q[d]);
      h += (lam[q[0]][q[1]] * lam[q[2]][q[3]] + lam[q[0]][q[2]] * lam[q[1]][q[3]] + lam[q[0]][q[3]] * lam[q[1]][q[2]]) * acc[off];
      out[pc] = h;
    }
  }
}

export function pairData(rule: MultiRule, k11: number, k12: number, k22: number, a: number, b: number): PairData {
  const k = new Float64Array(16);
  k[0] = k11;
  k[1] = k12;
  k[4] = k12;
  k[5] = k22;
  const sub = cholesky(k, 2);
  rule.steps(sub);
  const r = sub.r;
  // 60 = the four functions × 15 monomials; then 7 network-side σ″/σ‴ products × (1, x₁, x₂)
  const acc = new Float64Array(81);
  const p1 = new Float64Array(5);
  const p2 = new Float64Array(5);
  rule.integrate(sub, 0, false, acc, (v, x, _cj, _g5, o) => {
    const f0 = v[0] * v[4];
    const f1 = v[1] * v[5];
    const f2 = v[1] * v[4];
    const f3 = v[0] * v[5];
    p1[0] = 1;
    p2[0] = 1;
    for (let e = 1; e < 5; e++) {
      p1[e] = p1[e - 1] * x[0];
      p2[e] = p2[e - 1] * (r === 2 ? x[1] : 0);
    }
    for (let mi = 0; mi < 15; mi++) {
      const xm = p1[MONO2[mi][0]] * p2[MONO2[mi][1]];
      o[mi] = f0 * xm;
      o[15 + mi] = f1 * xm;
      o[30 + mi] = f2 * xm;
      o[45 + mi] = f3 * xm;
    }
    const g = [v[2] * v[4], v[0] * v[6], v[3] * v[5], v[1] * v[7], v[2] * v[6], v[2] * v[5], v[1] * v[6]];
    for (let gi = 0; gi < 7; gi++) {
      o[60 + 3 * gi] = g[gi];
      o[61 + 3 * gi] = g[gi] * p1[1];
      o[62 + 3 * gi] = g[gi] * p2[1];
    }
  });
  const pinv = [
    [0, 0],
    [0, 0],
  ];
  if (r === 2) {
    const l00 = sub.l[0];
    const l10 = sub.l[4];
    const l11 = sub.l[5];
    pinv[0][0] = 1 / l00;
    pinv[1][0] = -l10 / (l00 * l11);
    pinv[1][1] = 1 / l11;
  } else if (r === 1) {
    const la = sub.l[0];
    const lb = sub.l[4];
    const nn = la * la + lb * lb;
    if (nn > 0) {
      pinv[0][0] = la / nn;
      pinv[0][1] = lb / nn;
    }
  }
  const pd = emptyPair(a, b, 2);
  pd.ess = acc[0];
  pd.edd = acc[15];
  pd.e2s[0] = acc[60];
  pd.e2s[1] = acc[63];
  pd.e3d[0] = acc[66];
  pd.e3d[1] = acc[69];
  pd.e22 = acc[72];
  for (let p = 0; p < 2; p++) {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < r; i++) s1 += pinv[i][p] * acc[76 + i];
    for (let i = 0; i < r; i++) s2 += pinv[i][p] * acc[79 + i];
    pd.d2d[p] = s1;
    pd.dd2[p] = s2;
  }
  for (let p = 0; p < 2; p++) {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < r; i++) s1 += pinv[i][p] * xmom(acc, 30, [i]);
    for (let i = 0; i < r; i++) s2 += pinv[i][p] * xmom(acc, 45, [i]);
    pd.dds[p] = s1;
    pd.dsd[p] = s2;
    for (let q = 0; q < 2; q++) {
      let s = 0;
      let dd = 0;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < r; j++) {
          const c = pinv[i][p] * pinv[j][q];
          s += c * he2(acc, 0, i, j);
          dd += c * he2(acc, 15, i, j);
        }
      }
      pd.dss[2 * p + q] = s;
      pd.ddd[2 * p + q] = dd;
    }
  }
  const g4s = new Float64Array(16);
  const g4d = new Float64Array(16);
  for (let c = 0; c < 16; c++) {
    const i = (c >> 3) & 1, j = (c >> 2) & 1, k2 = (c >> 1) & 1, l = c & 1;
    if (i < r && j < r && k2 < r && l < r) {
      g4s[c] = he4(acc, 0, i, j, k2, l);
      g4d[c] = he4(acc, 15, i, j, k2, l);
    }
  }
  for (let pc = 0; pc < 16; pc++) {
    const q1 = (pc >> 3) & 1, q2 = (pc >> 2) & 1, q3 = (pc >> 1) & 1, q4 = pc & 1;
    let s = 0;
    let dd = 0;
    for (let c = 0; c < 16; c++) {
      const i = (c >> 3) & 1, j = (c >> 2) & 1, k2 = (c >> 1) & 1, l = c & 1;
      const w = pinv[i][q1] * pinv[j][q2] * pinv[k2][q3] * pinv[l][q4];
      if (w !== 0) {
        s += w * g4s[c];
        dd += w * g4d[c];
      }
    }
    pd.qss[pc] = s;
    pd.qdd[pc] = dd;
  }
  if (validationHook.inverseKernel !== null) {
    const l = [
      [sub.l[0], sub.l[1]],
      [sub.l[4], sub.l[5]],
    ];
    const kk = [k11, k22];
    if (validationHook.inverseKernel === 'diagonal') {
      steinWith(acc, r, [0, 1].map((i) => [0, 1].map((p) => l[p][i] / kk[p])), [[1 / k11, 0], [0, 1 / k22]], pd);
    } else {
      const lam = [0, 1].map((p) => [0, 1].map((q) => pinv[0][p] * pinv[0][q] + pinv[1][p] * pinv[1][q]));
      steinWith(acc, r, pinv, lam, pd);
    }
  }
  return pd;
}

export function singlePair(m: Moments, K: number, a: number): PairData {
  const k = Math.max(K, K_MIN);
  const pd = emptyPair(a, a, 1);
  pd.ess = m.s2;
  pd.edd = m.d2;
  pd.dss[0] = m.s2he2 / k;
  pd.ddd[0] = m.d2he2 / k;
  pd.dds[0] = m.s2he2 / (2 * k);
  pd.dsd[0] = pd.dds[0];
  pd.qss[0] = m.s2he4 / k / k;
  pd.qdd[0] = m.d2he4 / k / k;
  pd.e2s.fill(m.sdd);
  pd.e3d.fill(m.dddd);
  pd.e22 = m.dd2;
  // ⟨∂(σ″σ′)⟩ = ½⟨(σ′²)″⟩ in Stein form, with the same kink jumps as the single-input ω
  pd.d2d[0] = m.d2he2 / (2 * k);
  pd.dd2[0] = pd.d2d[0];
  return pd;
}

