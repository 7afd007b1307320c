/**
 * The dNTK and ddNTK means with sample indices, P, Q, R, S, T, U: one step ℓ → ℓ+1 of their
 * recursions — the twin of `crates/core/src/theory/multi/dntk.rs` (formulas there and in
 * docs/theory/multi.md §7; same order of operations).
 */
import type { LayerHyper } from '../recursion.js';
import { idx4 } from './packing.js';
import type { Coef, LayerData, MultiLayer } from './step.js';

/** Fills out.P … out.U (every entry; the caller then overwrites the all-equal ones with the single-input recursion). */
export function nextDntk(ld: LayerData, prev: MultiLayer, coef: Coef[], h: LayerHyper, r: number, out: MultiLayer): void {
  const n = prev.n;
  const cw = h.cw;
  const lw = h.lambdaW;
  const cw2 = cw * cw;
  const th = prev.Theta;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const cab = coef[a * n + b];
      const thAb = th[a * n + b];
      for (let c = 0; c < n; c++) {
        const cac = coef[a * n + c];
        const cbc = coef[b * n + c];
        const thAc = th[a * n + c];
        for (let d = 0; d < n; d++) {
          const i = idx4(n, a, b, c, d);
          const ccd = coef[c * n + d];
          const cad = coef[a * n + d];
          const cbd = coef[b * n + d];
          const thBd = th[b * n + d];
          const x1 = ld.x1[i];
          const x2 = ld.x2[i];
          const th3 = thAb * thAc * thBd;

          let pr = 0;
          for (let k = 0; k < cad.m; k++) pr += cad.phi[k] * prev.P[idx4(n, a, b, c, cad.s[k])];
          out.P[i] = cw2 * thAb * thAc * x1 + r * cbc.chiPerp * (cw * cad.sdd * prev.B[idx4(n, a, a, b, c)] + pr);

          let qq = 0;
          for (let k = 0; k < ccd.m; k++) qq += ccd.phi[k] * prev.Q[idx4(n, a, b, c, ccd.s[k])];
          let qf = 0;
          for (let k = 0; k < cab.m; k++) for (let l = 0; l < ccd.m; l++) qf += cab.wt[k] * ccd.phi[l] * prev.F[idx4(n, a, cab.s[k], c, ccd.s[l])];
          out.Q[i] = lw * cw * thAc * ld.s2[idx4(n, a, c, b, d)] + cw2 * thAb * thAc * x1 + r * (cab.chiPerp * qq + qf);

          let rp = 0;
          for (let k = 0; k < cab.m; k++) rp += cab.wt[k] * prev.P[idx4(n, a, c, d, cab.s[k])];
          const thAd = th[a * n + d];
          out.R[i] =
            lw * cw * thAc * thAd * ld.x1[idx4(n, a, c, d, b)] +
            cw2 * thAb * thAc * thAd * ld.x3[i] +
            r * (cab.chiPerp * ccd.chiPerp * prev.R[i] + ccd.chiPerp * ((lw * cab.sdd + cw * thAb * cab.tdd) * prev.B[idx4(n, a, a, c, d)] + rp));

          out.S[i] = lw * cw * thAc * thBd * ld.s4[i] + cw2 * th3 * x2 + r * (ccd.chiPerp * (lw * cab.edd + cw * thAb * cab.dd2) * prev.B[i] + cab.chiPerp * ccd.chiPerp * prev.S[i]);

          let tf = 0;
          for (let k = 0; k < cac.m; k++) for (let l = 0; l < cbd.m; l++) tf += cac.wt[k] * cbd.wt[l] * prev.F[idx4(n, a, cac.s[k], b, cbd.s[l])];
          let tq1 = 0;
          for (let k = 0; k < cac.m; k++) tq1 += cac.wt[k] * prev.Q[idx4(n, b, d, a, cac.s[k])];
          let tq2 = 0;
          for (let k = 0; k < cbd.m; k++) tq2 += cbd.wt[k] * prev.Q[idx4(n, a, c, b, cbd.s[k])];
          out.T[i] =
            lw * lw * thAb * ld.s2[i] +
            lw * cw * thAb * thBd * ld.x1[idx4(n, b, a, d, c)] +
            lw * cw * thAb * thAc * x1 +
            cw2 * th3 * x2 +
            r * (tf + cbd.chiPerp * tq1 + cac.chiPerp * tq2 + cac.chiPerp * cbd.chiPerp * prev.T[i]);

          out.U[i] = cw2 * th3 * x2 + r * cad.chiPerp * cbc.chiPerp * prev.U[i];
        }
      }
    }
  }
}
