/**
 * The per-network values of one layer on N inputs (`multiNetworkStats` of schema/layout.json) — the
 * TypeScript twin of `crates/core/src/sampling/multi/stats.rs`.
 */
import { multiNetworkStats as ms } from '../../../../bindings/layout.js';
import type { MultiConfig } from './config.js';
import { backPropagate } from './forward.js';
import { ddII } from './hvp.js';
import { dh, forwardJets } from './jets.js';
import type { Workspace } from './workspace.js';

/** Values per layer for N inputs: 8N² + 13N⁴. */
export const multiStatsLen = (N: number) => ms.len({ N });

/** Offsets of the blocks of `multiNetworkStats` for N inputs. */
export function statOffsets(N: number): Record<keyof typeof ms.at, number> {
  const d = { N };
  const out = {} as Record<keyof typeof ms.at, number>;
  for (const [name, v] of Object.entries(ms.at)) out[name as keyof typeof ms.at] = typeof v === 'number' ? v : (v as (d: { N: number }) => number)(d);
  return out;
}

/** The values of layer `l` of the current network (after draw and forward), WRITTEN to ws.v. */
export function layer(ws: Workspace, cfg: MultiConfig, l: number): void {
  const k = cfg.neurons[l - 1];
  const N = ws.N;
  const order = cfg.order;
  const v = ws.v;
  const o = statOffsets(N);
  v.fill(0);
  const N2 = N * N, N3 = N2 * N;
  // g2, gcv, hc1, h2, hcv: consecutive N² blocks, computed for the whole network by `conditionalMulti`
  v.set(ws.cond.out.subarray(l * 5 * N2, (l + 1) * 5 * N2), o.g2);
  const n = ws.widths[l];
  const np = k * (k - 1);
  const z = ws.z[l];
  const zz = (i: number, a: number) => z[a * n + i];
  // K̂_ab = C_b + C_W s_a·s_b / n_{ℓ−1}: E[z_{i;a} z_{i;b} | layers < ℓ]
  const nb = ws.widths[l - 1], ssg = ws.ssg[l - 1];
  for (let a = 0; a < N; a++) {
    for (let b = 0; b < N; b++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += zz(i, a) * zz(i, b);
      v[o.zz + a * N + b] = s / k;
      v[o.zzc + a * N + b] = cfg.cb[l - 1] + (cfg.cw[l - 1] * ssg[a * N + b]) / nb;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (j === i) continue;
      for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
        v[o.zzzz + a * N3 + b * N2 + c * N + d] += zz(i, a) * zz(i, b) * (zz(j, c) * zz(j, d));
      }
    }
  }
  for (let x = 0; x < N2; x++) for (let y = 0; y < N2; y++) {
    v[o.zzzz + x * N2 + y] /= np;
    v[o.zzc2 + x * N2 + y] = v[o.zzc + x] * v[o.zzc + y];
  }
  if (order === 0) return;
  backPropagate(ws, l, k, order);
  forwardJets(ws, cfg, l, k);
  const top = ws.zd[l];
  // Ĥ_{ij;ab} = Dz_{i;a}[v_{j;b}] = ż⁽ℓ⁾ row ((j, b), a), column i
  const H = (i: number, j: number, a: number, b: number) => top[((j * N + b) * N + a) * k + i];
  for (let a = 0; a < N; a++) {
    for (let b = 0; b < N; b++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += H(i, i, a, b);
      v[o.h + a * N + b] = s / k;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (j === i) continue;
      for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
        const x = a * N3 + b * N2 + c * N + d;
        v[o.hh + x] += H(i, i, a, b) * H(j, j, c, d);
        v[o.hzz + x] += H(i, i, a, b) * (zz(j, c) * zz(j, d));
        v[o.hab2 + x] += H(i, j, a, c) * H(i, j, b, d);
        v[o.hzzab + x] += H(i, j, a, c) * zz(i, b) * zz(j, d);
      }
    }
  }
  if (order >= 2) {
    // dĤ_{ijj} and dĤ_{iij} once per sample triple (O(ℓn) each), then times z of the fourth slot
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) {
          const dp = dh(ws, l, k, i * N + a, j * N + b, j * N + c);
          const dq = dh(ws, l, k, i * N + a, i * N + b, j * N + c);
          for (let d = 0; d < N; d++) {
            const x = a * N3 + b * N2 + c * N + d;
            v[o.P + x] += dp * zz(i, d);
            v[o.Q + x] += dq * zz(j, d);
          }
        }
      }
    }
  }
  if (order >= 3) ddII(ws, cfg, l, k, v, o.R, o.S, o.T, o.U);
  const blocks = ['hh', 'hzz', 'hab2', 'hzzab', ...(order >= 2 ? ['P', 'Q'] : []), ...(order >= 3 ? ['R', 'S', 'T', 'U'] : [])] as const;
  for (const name of blocks) {
    const b0 = o[name as keyof typeof o];
    for (let x = 0; x < N2 * N2; x++) v[b0 + x] /= np;
  }
  for (let x = 0; x < N2; x++) for (let y = 0; y < N2; y++) v[o.hzzc + x * N2 + y] = v[o.h + x] * v[o.zzc + y];
}
