/**
 * The per-network values of one layer that the ensemble estimators average — the TypeScript twin of
 * `crates/core/src/sampling/network/stats.rs`. {@link Q} is their index table, generated from
 * schema/layout.json (`ts/stats/estimator.ts` reads it by name).
 */
import type { Config } from './config.js';
import { backPropagate } from './forward.js';
import { ddII } from './hvp.js';
import { forwardJets } from './jets.js';
import type { Workspace } from './workspace.js';
import { networkStats } from '../../../../bindings/layout.js';

/**
 * Indices of the per-network values of one layer: means over the first k_ℓ neurons a of layer ℓ, or
 * over the k(k−1) ordered pairs a ≠ b of them. Defined (and documented per key) once, as
 * `networkStats` in schema/layout.json; a new statistic is added there (schema/README.md).
 */
export const Q = networkStats.at;

/** Number of per-network values per layer (`NQ` in Rust). */
export const NQ = networkStats.len;

/** The NQ values of layer `l` of the current network into `v`. */
export function layer(ws: Workspace, cfg: Config, l: number, v: Float64Array): void {
  const k = cfg.neurons[l - 1];
  const order = cfg.order;
  v.fill(0);
  zValues(ws, l, k, v);
  // computed for every layer at once by `conditional` (zero for the Ĥ ones at order 0)
  const c = ws.cond.out[l];
  v[Q.g2] = c[0];
  v[Q.gcv] = c[1];
  v[Q.hc1] = c[2];
  v[Q.h2] = c[3];
  v[Q.hcv] = c[4];
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
