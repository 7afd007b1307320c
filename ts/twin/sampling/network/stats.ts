/**
 * The per-network values of one layer that the ensemble estimators average — the TypeScript twin of
 * `crates/core/src/sampling/network/stats.rs`. {@link Q} is the one table of their indices in TS
 * (`ts/stats/estimator.ts` reads it by name).
 */
import type { Config } from './config.js';
import { backPropagate } from './forward.js';
import { ddII } from './hvp.js';
import { forwardJets } from './jets.js';
import type { Workspace } from './workspace.js';

/**
 * Indices of the per-network values of one layer: means over the first k_ℓ neurons a of layer ℓ, or
 * over the k(k−1) ordered pairs a ≠ b of them.
 */
export const Q = {
  /** mean_a z_a² */
  zz: 0,
  /** mean_{a≠b} z_a² z_b² */
  zzzz: 1,
  /** mean_a Ĥ_aa */
  h: 2,
  /** mean_{a≠b} Ĥ_aa Ĥ_bb */
  hh: 3,
  /** mean_{a≠b} Ĥ_aa z_b² */
  hzz: 4,
  /** mean_{a≠b} Ĥ_ab² */
  hab2: 5,
  /** mean_{a≠b} Ĥ_ab z_a z_b */
  hzzab: 6,
  /** mean_{a≠b} dĤ_abb z_a */
  P: 7,
  /** mean_{a≠b} dĤ_aab z_b */
  Q: 8,
  /** mean_{a≠b} dd_IĤ_aabb */
  R: 9,
  /** mean_{a≠b} dd_IIĤ_aabb */
  S: 10,
  /** mean_{a≠b} dd_IIĤ_abab */
  T: 11,
  /** mean_{a≠b} dd_IIĤ_abba */
  U: 12,
  /** mean_{a≠b} dĤ_aab z_a (expectation 0: a null test) */
  Qnull: 13,
  /** E[z_a² | layers < ℓ] = C_b + C_W|σ(z⁽ℓ⁻¹⁾)|²/n_{ℓ−1}: Rao–Blackwellized z moments (see network.rs) */
  zzc: 14,
  /** zzc² */
  zzc2: 15,
  /** (mean_a Ĥ_aa)·zzc */
  hzzc: 16,
} as const;

/** Number of per-network values per layer (17, `NQ` in Rust). */
export const NQ = Object.keys(Q).length;

/** The NQ values of layer `l` of the current network into `v`. */
export function layer(ws: Workspace, cfg: Config, l: number, v: Float64Array): void {
  const k = cfg.neurons[l - 1];
  const order = cfg.order;
  v.fill(0);
  zValues(ws, l, k, v);
  if (order === 0) return;
  backPropagate(ws, l, k, order);
  forwardJets(ws, l, k, order);
  jetValues(ws, l, k, order, v);
}

/** mean z², mean z_a²z_b² and the Rao–Blackwellized zzc, zzc² of layer l. */
export function zValues(ws: Workspace, l: number, k: number, v: Float64Array): void {
  const np = k * (k - 1);
  const z = ws.z[l];
  let s = 0;
  for (let a = 0; a < k; a++) s += z[a] * z[a];
  v[Q.zz] = s / k;
  s = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) if (a !== b) s += z[a] * z[a] * (z[b] * z[b]);
  }
  v[Q.zzzz] = s / np;
  v[Q.zzc] = ws.zzc[l];
  v[Q.zzc2] = ws.zzc[l] * ws.zzc[l];
}

/** Statistics of Ĥ, dĤ, dd_IĤ (the jets hold k components each; Ĥ_ab = xs[b·k + a]) and dd_IIĤ. */
export function jetValues(ws: Workspace, l: number, k: number, order: number, v: Float64Array): void {
  const np = k * (k - 1);
  const p2 = order >= 2 ? (k * (k + 1)) / 2 : 0;
  const { xs, pidx, tidx } = ws;
  const z = ws.z[l];
  let s = 0;
  for (let a = 0; a < k; a++) s += xs[a * k + a];
  v[Q.h] = s / k;
  v[Q.hzzc] = v[Q.h] * ws.zzc[l];
  let shh = 0, shzz = 0, shab2 = 0, shzzab = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      if (a === b) continue;
      const haa = xs[a * k + a], hbb = xs[b * k + b], hab = xs[b * k + a];
      shh += haa * hbb;
      shzz += haa * (z[b] * z[b]);
      shab2 += hab * hab;
      shzzab += hab * z[a] * z[b];
    }
  }
  v[Q.hh] = shh / np;
  v[Q.hzz] = shzz / np;
  v[Q.hab2] = shab2 / np;
  v[Q.hzzab] = shzzab / np;
  if (order >= 2) {
    let sp = 0, sq = 0, sn = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        if (a === b) continue;
        const dabb = xs[(k + pidx[b * k + b]) * k + a]; // dĤ_abb
        const daab = xs[(k + pidx[a * k + b]) * k + a]; // dĤ_aab
        sp += dabb * z[a];
        sq += daab * z[b];
        sn += daab * z[a];
      }
    }
    v[Q.P] = sp / np;
    v[Q.Q] = sq / np;
    v[Q.Qnull] = sn / np;
  }
  if (order >= 3) {
    let sr = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) if (a !== b) sr += xs[(k + p2 + tidx[a * k + b]) * k + a];
    }
    v[Q.R] = sr / np;
    const [sS, sT, sU] = ddII(ws, l, k);
    v[Q.S] = sS / np;
    v[Q.T] = sT / np;
    v[Q.U] = sU / np;
  }
}
