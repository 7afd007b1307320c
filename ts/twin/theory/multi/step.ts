/**
 * The state of one layer and one step ℓ → ℓ+1 of the multi-input recursions — the twin of
 * `crates/core/src/theory/multi/step.rs` (docs/theory/multi.md §2).
 */
import { computeMoments, momentsFromArray, N_MOMENTS, type Moments } from '../moments.js';
import { firstLayer, nextLayer, saturate, type LayerHyper, type LayerStats } from '../recursion.js';
import type { MultiRule } from './rules.js';
import { flat, fourPointTables, pairData, singlePair, type PairData } from './tables.js';
import { nextDntk } from './dntk.js';
import { idx4 } from './packing.js';

// ------------------------------------------------------------------------------------------------
// Layer state and step.

export interface MultiLayer {
  n: number;
  K: Float64Array;
  Theta: Float64Array;
  G1: Float64Array;
  H1: Float64Array;
  V: Float64Array;
  A: Float64Array;
  B: Float64Array;
  D: Float64Array;
  F: Float64Array;
  /** dNTK and ddNTK means with sample indices (docs/theory/multi.md §7) */
  P: Float64Array;
  Q: Float64Array;
  R: Float64Array;
  S: Float64Array;
  T: Float64Array;
  U: Float64Array;
}

export const MATRIX_KEYS = ['K', 'Theta', 'G1', 'H1'] as const;
export const TENSOR_KEYS = ['V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'] as const;

export function zeros(n: number): MultiLayer {
  const n2 = n * n;
  const n4 = n2 * n2;
  const s = { n, K: new Float64Array(n2), Theta: new Float64Array(n2), G1: new Float64Array(n2), H1: new Float64Array(n2) } as MultiLayer;
  for (const key of TENSOR_KEYS) s[key] = new Float64Array(n4);
  return s;
}

export function clone(s: MultiLayer): MultiLayer {
  const c = { n: s.n } as MultiLayer;
  for (const key of [...MATRIX_KEYS, ...TENSOR_KEYS]) c[key] = s[key].slice();
  return c;
}

export function firstMulti(h: LayerHyper, x: ArrayLike<number>, n: number, n0: number): MultiLayer {
  const s = zeros(n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let g = 0;
      for (let i = 0; i < n0; i++) g += x[a * n0 + i] * x[b * n0 + i];
      g = g / n0;
      let kv: number;
      let tv: number;
      if (a === b) {
        const fl = firstLayer(h, g);
        kv = fl.K;
        tv = fl.Theta;
      } else {
        kv = h.cb + h.cw * g;
        tv = h.lambdaB + h.lambdaW * g;
      }
      s.K[a * n + b] = kv;
      s.K[b * n + a] = kv;
      s.Theta[a * n + b] = tv;
      s.Theta[b * n + a] = tv;
    }
  }
  return s;
}

function diag(s: MultiLayer, a: number): LayerStats {
  const n = s.n;
  const i = idx4(n, a, a, a, a);
  return { K: s.K[a * n + a], Theta: s.Theta[a * n + a], G1: s.G1[a * n + a], H1: s.H1[a * n + a], V: s.V[i], A: s.A[i], B: s.B[i], D: s.D[i], F: s.F[i], P: s.P[i], Q: s.Q[i], R: s.R[i], S: s.S[i], T: s.T[i], U: s.U[i] };
}

function setDiag(s: MultiLayer, a: number, v: LayerStats): void {
  const n = s.n;
  const i = idx4(n, a, a, a, a);
  s.K[a * n + a] = v.K;
  s.Theta[a * n + a] = v.Theta;
  s.G1[a * n + a] = v.G1;
  s.H1[a * n + a] = v.H1;
  s.V[i] = v.V;
  s.A[i] = v.A;
  s.B[i] = v.B;
  s.D[i] = v.D;
  s.F[i] = v.F;
  s.P[i] = v.P;
  s.Q[i] = v.Q;
  s.R[i] = v.R;
  s.S[i] = v.S;
  s.T[i] = v.T;
  s.U[i] = v.U;
}

export interface Coef {
  s: [number, number];
  m: number;
  ess: number;
  edd: number;
  chi: Float64Array;
  omega: Float64Array;
  psi: Float64Array;
  phi: Float64Array;
  chiPerp: number;
  y: number;
  qy: Float64Array;
  qs: Float64Array;
  /** ω̃_ab^p = λ_W⟨∂_p(σ′_aσ_b)⟩ + C_WΘ_ab⟨∂_p(σ″_aσ′_b)⟩ (σ″ network side) */
  wt: Float64Array;
  /** ⟨σ″_aσ_b⟩, ⟨σ‴_aσ′_b⟩, ⟨σ″_aσ″_b⟩ */
  sdd: number;
  tdd: number;
  dd2: number;
}

function contract2(n: number, cx: Coef, x: Float64Array, cy: Coef, y: Float64Array, t: Float64Array): number {
  let s = 0;
  for (let i = 0; i < cx.m; i++)
    for (let j = 0; j < cx.m; j++)
      for (let k = 0; k < cy.m; k++)
        for (let l = 0; l < cy.m; l++) s += x[2 * i + j] * y[2 * k + l] * t[idx4(n, cx.s[i], cx.s[j], cy.s[k], cy.s[l])];
  return s;
}

function contract1(n: number, a: number, b: number, cy: Coef, y: Float64Array, t: Float64Array): number {
  let s = 0;
  for (let k = 0; k < cy.m; k++) for (let l = 0; l < cy.m; l++) s += y[2 * k + l] * t[idx4(n, a, b, cy.s[k], cy.s[l])];
  return s;
}

function contract4(n: number, c: Coef, q: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let pc = 0; pc < 16; pc++) {
    const i = (pc >> 3) & 1, j = (pc >> 2) & 1, k = (pc >> 1) & 1, l = pc & 1;
    if (i < c.m && j < c.m && k < c.m && l < c.m) s += q[pc] * v[idx4(n, c.s[i], c.s[j], c.s[k], c.s[l])];
  }
  return s;
}

export interface LayerData {
  mom: Moments[];
  pairs: PairData[];
  s0: Float64Array;
  s2: Float64Array;
  s4: Float64Array;
  /** X1 = ⟨σ″σ′σ′σ⟩, X2 = ⟨σ″σ″σ′σ′⟩, X3 = ⟨σ‴σ′σ′σ′⟩ (slot order; `fourPointTables`) */
  x1: Float64Array;
  x2: Float64Array;
  x3: Float64Array;
}

export function layerData(rule: MultiRule, cur: MultiLayer): LayerData {
  const n = cur.n;
  const mom: Moments[] = [];
  for (let a = 0; a < n; a++) {
    const k = cur.K[a * n + a];
    mom.push(Number.isFinite(k) ? computeMoments(rule.q, rule.act, k) : momentsFromArray(new Float64Array(N_MOMENTS)));
  }
  const pairs: PairData[] = new Array(n * n);
  for (let a = 0; a < n; a++) {
    pairs[a * n + a] = singlePair(mom[a], cur.K[a * n + a], a);
    for (let b = a + 1; b < n; b++) {
      const pd = pairData(rule, cur.K[a * n + a], cur.K[a * n + b], cur.K[b * n + b], a, b);
      pairs[a * n + b] = pd;
      pairs[b * n + a] = pd;
    }
  }
  const n4 = n * n * n * n;
  const s0 = new Float64Array(n4);
  const s2 = new Float64Array(n4);
  const s4 = new Float64Array(n4);
  const x1 = new Float64Array(n4);
  const x2 = new Float64Array(n4);
  const x3 = new Float64Array(n4);
  // σ″ ≡ 0 (relu family, linear): X1 = X2 = X3 = 0, no curvature monomials in the walk
  fourPointTables(rule, cur.K, n, mom, s0, s2, s4, flat(rule.act) ? null : [x1, x2, x3]);
  return { mom, pairs, s0, s2, s4, x1, x2, x3 };
}

/** One step ℓ → ℓ+1 (docs/theory/multi.md §2), `h` the hyperparameters of layer ℓ+1. */
export function nextMulti(ld: LayerData, prev: MultiLayer, h: LayerHyper, ratio: number): MultiLayer {
  const n = prev.n;
  const { cb, cw, lambdaB: lb, lambdaW: lw } = h;
  const r = ratio;
  const out = zeros(n);
  const coef: Coef[] = new Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const pd = ld.pairs[a * n + b];
      const th = prev.Theta[a * n + b];
      const c: Coef = { s: pd.s, m: pd.m, ess: pd.ess, edd: pd.edd, chi: new Float64Array(4), omega: new Float64Array(4), psi: new Float64Array(4), phi: new Float64Array(2), chiPerp: 0, y: 0, qy: new Float64Array(16), qs: new Float64Array(16), wt: new Float64Array(2), sdd: 0, tdd: 0, dd2: 0 };
      for (let p = 0; p < 2; p++) {
        for (let q = 0; q < 2; q++) {
          const i = 2 * p + q;
          c.chi[i] = 0.5 * cw * pd.dss[i];
          c.omega[i] = 0.5 * (lw * pd.dss[i] + cw * th * pd.ddd[i]);
          c.psi[i] = 0.5 * cw * pd.ddd[i];
        }
        c.phi[p] = cw * (pd.s[0] === a ? pd.dds[p] : pd.dsd[p]);
      }
      for (let i = 0; i < 16; i++) {
        c.qs[i] = pd.qss[i];
        c.qy[i] = lw * pd.qss[i] + cw * th * pd.qdd[i];
      }
      c.chiPerp = cw * pd.edd;
      c.y = lw * pd.ess + cw * th * pd.edd;
      // network-side σ″, σ‴ products, ordered (a, b): slot 0 when a is the pair's first sample
      const o = pd.s[0] === a ? 0 : 1;
      for (let p = 0; p < 2; p++) c.wt[p] = lw * (o === 0 ? pd.dds[p] : pd.dsd[p]) + cw * th * (o === 0 ? pd.d2d[p] : pd.dd2[p]);
      c.sdd = pd.e2s[o];
      c.tdd = pd.e3d[o];
      c.dd2 = pd.e22;
      coef[a * n + b] = c;
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const c = coef[a * n + b];
      const i = a * n + b;
      out.K[i] = cb + cw * c.ess;
      out.Theta[i] = lb + lw * c.ess + cw * prev.Theta[i] * c.edd;
      let g1 = 0;
      let h1w = 0;
      let psiDf = 0;
      for (let p = 0; p < c.m; p++) {
        for (let q = 0; q < c.m; q++) {
          const k1 = prev.G1[c.s[p] * n + c.s[q]];
          g1 += c.chi[2 * p + q] * k1;
          h1w += c.omega[2 * p + q] * k1;
          psiDf += c.psi[2 * p + q] * (prev.D[idx4(n, a, b, c.s[p], c.s[q])] + 2 * prev.F[idx4(n, a, c.s[p], b, c.s[q])]);
        }
      }
      out.G1[i] = r * (g1 + (cw / 8) * contract4(n, c, c.qs, prev.V));
      out.H1[i] = r * (c.chiPerp * prev.H1[i] + h1w + contract4(n, c, c.qy, prev.V) / 8 + psiDf);
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const cab = coef[a * n + b];
      const thAb = prev.Theta[a * n + b];
      for (let c = 0; c < n; c++) {
        for (let d = 0; d < n; d++) {
          const ccd = coef[c * n + d];
          const thCd = prev.Theta[c * n + d];
          const i = idx4(n, a, b, c, d);
          const s0 = ld.s0[i];
          const s2Ab = ld.s2[i];
          const s2Cd = ld.s2[idx4(n, c, d, a, b)];
          const s4 = ld.s4[i];
          out.V[i] = cw * cw * (s0 - cab.ess * ccd.ess) + r * contract2(n, cab, cab.chi, ccd, ccd.chi, prev.V);
          const yy = lw * lw * s0 + lw * cw * thCd * s2Cd + lw * cw * thAb * s2Ab + cw * cw * thAb * thCd * s4;
          out.A[i] =
            yy -
            cab.y * ccd.y +
            r *
              (contract2(n, cab, cab.omega, ccd, ccd.omega, prev.V) +
                ccd.chiPerp * contract1(n, c, d, cab, cab.omega, prev.D) +
                cab.chiPerp * contract1(n, a, b, ccd, ccd.omega, prev.D) +
                cab.chiPerp * ccd.chiPerp * prev.A[i]);
          out.B[i] = cw * cw * prev.Theta[a * n + c] * prev.Theta[b * n + d] * s4 + r * cab.chiPerp * ccd.chiPerp * prev.B[i];
          const ys = lw * s0 + cw * thAb * s2Ab;
          out.D[i] = cw * (ys - cab.y * ccd.ess) + r * (contract2(n, cab, cab.omega, ccd, ccd.chi, prev.V) + cab.chiPerp * contract1(n, a, b, ccd, ccd.chi, prev.D));
          let fi = 0;
          for (let p = 0; p < cab.m; p++) for (let q = 0; q < ccd.m; q++) fi += cab.phi[p] * ccd.phi[q] * prev.F[idx4(n, a, cab.s[p], c, ccd.s[q])];
          out.F[i] = cw * cw * prev.Theta[a * n + c] * ld.s2[idx4(n, a, c, b, d)] + r * fi;
        }
      }
    }
  }
  nextDntk(ld, prev, coef, h, r, out);
  for (let a = 0; a < n; a++) {
    const p = diag(prev, a);
    const s = nextLayer(ld.mom[a], p, h, ratio);
    saturate(s, p);
    setDiag(out, a, s);
  }
  return out;
}

