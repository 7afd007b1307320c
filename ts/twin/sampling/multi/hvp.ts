/**
 * Step 3: Hessian–vector products g_{e[d]} = Hess(z_e)·v_d for every e = (a, α), d = (b, β), and their
 * λ-Frobenius products, the per-network dd_IIĤ with sample indices — the TypeScript twin of
 * `crates/core/src/sampling/multi/hvp.rs` (derivation in the Rust module docs of `sampling::multi`).
 */
import { dot, gemmNT } from '../../numerics/gemm.js';
import type { MultiConfig } from './config.js';
import type { Workspace } from './workspace.js';

/**
 * Adds Σ over ordered pairs i ≠ j of dd_IĤ_{iijj}, dd_IIĤ_{iijj}, dd_IIĤ_{ijij}, dd_IIĤ_{ijji} (sample
 * indices δ0 … δ3 in slot order, N⁴ row-major each) to out[oR…], out[oS…], out[oT…], out[oU…].
 */
export function ddII(ws: Workspace, cfg: MultiConfig, l: number, k: number, out: Float64Array, oR: number, oS: number, oT: number, oU: number): void {
  const wd = ws.widths;
  const N = ws.N;
  const D = k * N;
  const N2 = N * N, N3 = N2 * N;
  // layer ℓ: δ̇⁽ℓ⁾ = 0 and δ⁽ℓ⁾_e = e_a, so only μ_ℓ [a = a′] G⁽ℓ⁻¹⁾ survives (in S alone)
  const E = D * N;
  const gg = ws.gg, ed = ws.ed, gath = ws.gath, gr = ws.gr;
  // G⁽ᵐ⁾[r, r′] = u̇_r·u̇_r′ over all jet rows r = (d, α) of layer m (symmetric)
  const gram = (m: number) => {
    const ud = ws.ud[m], n = wd[m];
    for (let r = 0; r < E; r++) {
      for (let r2 = r; r2 < E; r2++) {
        const g = dot(ud, r * n, ud, r2 * n, n);
        gg[r * E + r2] = g;
        gg[r2 * E + r] = g;
      }
    }
  };
  if (l >= 2) {
    gram(l - 1);
    const mu = ws.mu[l];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
          const g = gg[((j * N + c) * N + a) * E + (j * N + d) * N + b];
          out[oS + a * N3 + b * N2 + c * N + d] += mu * g;
        }
      }
    }
  }
  let cur = ws.dd0, prev = ws.dd1;
  for (let m = l - 1; m >= 1; m--) {
    const n = wd[m];
    const top = m + 1 === l;
    if (!top) {
      const nn = wd[m + 1];
      gemmNT(D * D, n, nn, prev, 0, nn, ws.wt[m + 1], 0, nn, ws.rhod, 0, n);
    }
    const s0 = ws.s0[m], s1 = ws.s1[m], s2 = ws.s2[m], rho = ws.rho[m], zd = ws.zd[m], rhod = ws.rhod;
    const mun = ws.mu[m + 1];
    for (let e = 0; e < D; e++) {
      const a = e % N, ia = (e - a) / N;
      for (let d = 0; d < D; d++) {
        const b = d % N, ib = (d - b) / N;
        const q = (e * D + d) * n;
        const coef = mun * (top ? (ia === ib ? 1 : 0) : ws.gam[m + 1][e * D + d]);
        const rz = (d * N + a) * n;
        for (let j = 0; j < n; j++) {
          const r = top ? 0 : rhod[q + j];
          cur[q + j] = s2[a * n + j] * zd[rz + j] * rho[e * n + j] + s1[a * n + j] * (r + coef * s0[b * n + j]);
        }
      }
    }
    const mu = ws.mu[m], lb = cfg.lambdaB[m - 1], ssg = ws.ssg[m - 1], delta = ws.delta[m], gam = ws.gam[m];
    const sig = m >= 2 ? ws.sig[m - 1] : null;
    if (m >= 2) gram(m - 1);
    // ed[q·D + e′] = δ̇_q·δ_e′ (D³ dots instead of two per product below)
    for (let q = 0; q < D * D; q++) for (let e2 = 0; e2 < D; e2++) ed[q * D + e2] = dot(cur, q * n, delta, e2 * n, n);
    ddILayer(ws, m, l, k, out, oR);
    // ⟨g_{e[d]}, g_{e′[d′]}⟩ at layer m (α, α′ the inputs of e, e′)
    const frob = (e: number, d: number, e2: number, d2: number, a: number, a2: number, dd: number): number => {
      const q1 = e * D + d, q2 = e2 * D + d2;
      const c = lb + mu * ssg[a * N + a2];
      const e1 = ed[q1 * D + e2];
      const e3 = ed[q2 * D + e];
      let s1v = 0, s2v = 0, g = 0;
      if (sig) {
        s1v = sig[(d2 * N + a2) * N + a];
        s2v = sig[(d * N + a) * N + a2];
        g = gg[(d * N + a) * E + d2 * N + a2];
      }
      return c * dd + mu * (e1 * s1v + e3 * s2v + gam[e * D + e2] * g);
    };
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        // the δ̇·δ̇ dots of S, T, U as three N² × N² Gram blocks: rows (i,a;j,c), (j,a;i,c), (i,a;i,c), (j,a;j,c)
        const blk = N2 * n, G2 = N2 * N2;
        const pairs = [[i, j], [j, i], [i, i], [j, j]];
        for (let x = 0; x < 4; x++) {
          const [p, r] = pairs[x];
          for (let a = 0; a < N; a++) for (let c = 0; c < N; c++) {
            const q = (p * N + a) * D + r * N + c;
            gath.set(cur.subarray(q * n, (q + 1) * n), x * blk + (a * N + c) * n);
          }
        }
        gemmNT(N2, N2, n, gath, 0, n, gath, 0, n, gr, 0, N2);
        gemmNT(N2, N2, n, gath, 2 * blk, n, gath, 3 * blk, n, gr, G2, N2);
        gemmNT(N2, N2, n, gath, 0, n, gath, blk, n, gr, 2 * G2, N2);
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
          const o = a * N3 + b * N2 + c * N + d;
          const g = (a * N + c) * N2 + b * N + d;
          out[oS + o] += frob(i * N + a, j * N + c, i * N + b, j * N + d, a, b, gr[g]);
          out[oT + o] += frob(i * N + a, i * N + c, j * N + b, j * N + d, a, b, gr[G2 + g]);
          out[oU + o] += frob(i * N + a, j * N + c, j * N + b, i * N + d, a, b, gr[2 * G2 + g]);
        }
      }
    }
    const t = cur;
    cur = prev;
    prev = t;
  }
}

/**
 * Layer m's share of dd_IĤ_{iijj} (e = (i, α), d₁ = (i, β₁), d₂ = (j, β₂), d₃ = (j, β₃)) from the HVP
 * rows: ρ̇⁽ᵐ⁾ = W⁽ᵐ⁺¹⁾ᵀδ̇⁽ᵐ⁺¹⁾ (ws.rhod) and ws.ed = δ̇⁽ᵐ⁾·δ⁽ᵐ⁾ (Rust module docs, "dd_IĤ"):
 *   ρ_e·(s‴ż₁ż₂ż₃) + Σ_cyc κ_{e,d₁}·(s″ż₂ż₃) + [m ≥ 2] μ_m Σ_cyc δ̇_{e[d₁]}·(δ_{d₂}σ_{α,β₂}[d₃] + δ_{d₃}σ_{α,β₃}[d₂]),
 *   κ⁽ᵐ⁾_{e,d} = ρ̇⁽ᵐ⁾_{e[d]} + μ_{m+1} γ⁽ᵐ⁺¹⁾_{e,d} s⁽ᵐ⁾_β.
 * The n-sums for all (β₁, β₂, β₃) of one (i, j, α) are one product
 * [ρs‴ż₁ + s″κ₁ | s″ż₁]·[ż₂ż₃ | ż₃κ₂ + ż₂κ₃]ᵀ (N × 2n times 2n × N²).
 */
function ddILayer(ws: Workspace, m: number, l: number, k: number, out: Float64Array, off: number): void {
  const N = ws.N;
  const D = k * N, NN = N * N;
  const n = ws.widths[m], n2 = 2 * n;
  const top = m + 1 === l;
  const s0 = ws.s0[m], s2 = ws.s2[m], s3 = ws.s3[m], rho = ws.rho[m], zd = ws.zd[m], rhod = ws.rhod, ed = ws.ed;
  const xa = ws.xa, xb = ws.xb, kb = ws.kb, res = ws.res;
  const mun = ws.mu[m + 1];
  const coef = (e: number, d: number) => mun * (top ? ((e - (e % N)) / N === (d - (d % N)) / N ? 1 : 0) : ws.gam[m + 1][e * D + d]);
  // κ_{e,d} row into kb at o
  const kappa = (e: number, d: number, o: number) => {
    const c = coef(e, d), b = d % N, q = (e * D + d) * n;
    for (let j = 0; j < n; j++) kb[o + j] = top ? c * s0[b * n + j] : c * s0[b * n + j] + rhod[q + j];
  };
  for (let i = 0; i < k; i++) {
    for (let jn = 0; jn < k; jn++) {
      if (jn === i) continue;
      for (let a = 0; a < N; a++) {
        const e = i * N + a;
        const re = e * n, sa = a * n;
        for (let b1 = 0; b1 < N; b1++) {
          const d1 = i * N + b1;
          kappa(e, d1, 0);
          const r1 = (d1 * N + a) * n, row = b1 * n2;
          for (let j = 0; j < n; j++) {
            const z1 = zd[r1 + j];
            xa[row + j] = rho[re + j] * s3[sa + j] * z1 + s2[sa + j] * kb[j];
            xa[row + n + j] = s2[sa + j] * z1;
          }
        }
        for (let b = 0; b < N; b++) kappa(e, jn * N + b, b * n);
        for (let b2 = 0; b2 < N; b2++) {
          const r2 = ((jn * N + b2) * N + a) * n;
          for (let b3 = 0; b3 < N; b3++) {
            const r3 = ((jn * N + b3) * N + a) * n;
            const row = (b2 * N + b3) * n2;
            for (let j = 0; j < n; j++) {
              const z2 = zd[r2 + j], z3 = zd[r3 + j];
              xb[row + j] = z2 * z3;
              xb[row + n + j] = z3 * kb[b2 * n + j] + z2 * kb[b3 * n + j];
            }
          }
        }
        gemmNT(N, NN, n2, xa, 0, n2, xb, 0, n2, res, 0, NN);
        for (let b1 = 0; b1 < N; b1++) {
          const d1 = i * N + b1;
          for (let b2 = 0; b2 < N; b2++) {
            const d2 = jn * N + b2;
            for (let b3 = 0; b3 < N; b3++) {
              const d3 = jn * N + b3;
              let acc = res[b1 * NN + b2 * N + b3];
              if (m >= 2) {
                const sig = ws.sig[m - 1];
                const sg = (d: number, b: number) => sig[(d * N + a) * N + b];
                const x1 = (e * D + d1) * D, x2 = (e * D + d2) * D, x3 = (e * D + d3) * D;
                acc += ws.mu[m] * (ed[x1 + d2] * sg(d3, b2) + ed[x1 + d3] * sg(d2, b3) + ed[x2 + d1] * sg(d3, b1) + ed[x2 + d3] * sg(d1, b3) + ed[x3 + d1] * sg(d2, b1) + ed[x3 + d2] * sg(d1, b2));
              }
              out[off + ((a * N + b1) * N + b2) * N + b3] += acc;
            }
          }
        }
      }
    }
  }
}
