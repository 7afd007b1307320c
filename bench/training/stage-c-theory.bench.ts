/**
 * Stage (b)/(c) of the O(1/n) training statistics with the dNTK/ddNTK moments computed by theory()
 * (P … U with sample indices; no measured moments) against really trained ensembles at 4 widths,
 * extrapolated in 1/n (docs/theory/training-finite.md §5). Writes bench/validation-training-theory.md.
 *   npx vitest run --config bench/training/vitest.config.ts stage-c-theory
 *
 * Estimator (control variate): per network, n·(z_T − z_T^Θ(z_0)) on every input and n·(z_T² − z_T^Θ(z_0)²) on
 * the test inputs, where z_T^Θ(z_0) is the infinite-width (frozen Θ) map applied to the network's own initial
 * outputs. The map is linear in z_0 and E[z_0] = 0 exactly, so E[z_T^Θ] = mean0 at every width and the
 * mean estimator targets mean1 (every part); E[(z_T^Θ)²] carries the G1 part of cov1 exactly, so the
 * second-moment estimator targets cov1 − cov1[G1] + 2·mean0·mean1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, test } from 'vitest';
import { init } from '../../ts/api/backend.js';
import '../../ts/node.js';
import { train } from '../../ts/api/train.js';
import { theory } from '../../ts/api/theory.js';
import { predict } from '../../ts/api/predict.js';
import { extrapolate, type ComparePoint } from '../../ts/api/compare.js';
import { evolveNetwork } from '../../ts/api/finite-dynamics.js';
import { finiteStatistics, momentsFromTheory, type FiniteStatistics } from '../../ts/api/finite-statistics.js';
import type { TheoryMultiResult } from '../../ts/api/multi.js';

beforeAll(async () => {
  await init();
});

const XS = [[0.9, -0.4, 0.3], [-0.2, 0.8, 0.6], [0.5, 0.5, -0.7], [-0.7, -0.3, 0.4], [0.1, -0.6, -0.9], [0.6, 0.2, 0.8]];
const YS = [0.6, -0.5, 0.3, -0.2];

export interface Cfg { activation: string; depth: number; N: number; M: number; etaFrac: number; T: number }

const est = (n: number, v: number[]): ComparePoint => {
  const m = v.reduce((a, b) => a + b) / v.length;
  return { n, value: m, stderr: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length) };
};

/** The targets of the estimators (module doc) for one set of statistics: E[z] on every input, then E[z²] on the tests. */
function targets(st: FiniteStatistics, N: number, M: number, drop: string[] = []): number[] {
  const P = N + M;
  const part = (k: string) => st.parts[k as keyof typeof st.parts];
  const m1 = Array.from(st.mean1, (v, d) => v - drop.reduce((s, k) => s + part(k).mean[d], 0));
  const out = [...m1];
  for (let j = 0; j < M; j++) {
    const d = N + j;
    const c1 = st.cov1[d * P + d] - st.parts.G1.cov[d * P + d] - drop.reduce((s, k) => s + part(k).cov[d * P + d], 0);
    out.push(c1 + 2 * st.mean0[d] * m1[d]);
  }
  return out;
}

/** Targets of the split estimator n·(z_T − z_T^Ĥ(z_0)): the named parts only (mean, then cov + 2·mean0·mean on the tests). */
function partTargets(st: FiniteStatistics, N: number, M: number, keys: string[]): number[] {
  const P = N + M;
  const part = (k: string) => st.parts[k as keyof typeof st.parts];
  const m = Array.from({ length: P }, (_, d) => keys.reduce((s, k) => s + part(k).mean[d], 0));
  const out = [...m];
  for (let j = 0; j < M; j++) {
    const d = N + j;
    out.push(keys.reduce((s, k) => s + part(k).cov[d * P + d], 0) + 2 * st.mean0[d] * m[d]);
  }
  return out;
}

export async function stageCTheory(c: Cfg, S: number, widths: number[], seed = 41) {
  const hyper = { Cb: 0.1, CW: c.activation === 'relu' ? 2 : 1.5, lambdaB: 1, lambdaW: 1 };
  const X = [...XS.slice(0, c.N), ...XS.slice(4, 4 + c.M)];
  const Y = YS.slice(0, c.N);
  const P = c.N + c.M;
  const pr = predict({ activation: c.activation, depth: c.depth, inputWidth: 3, ...hyper }, { train: { X: X.slice(0, c.N), y: Y }, test: { X: X.slice(c.N) }, steps: c.T, eta: 0.01 });
  const eta = c.etaFrac * pr.etaMax;
  const th = theory({ activation: c.activation, depth: c.depth, width: 64, inputWidth: 3, ...hyper, input: { X } }) as TheoryMultiResult;
  const mom = momentsFromTheory(th.layers[c.depth - 1]);
  const full = finiteStatistics(mom, Y, eta, c.T, 'full');
  const variants: Record<string, number[]> = {
    full: targets(full, c.N, c.M),
    dntk: targets(finiteStatistics(mom, Y, eta, c.T, 'dntk'), c.N, c.M),
    frozen: targets(finiteStatistics(mom, Y, eta, c.T, 'frozen'), c.N, c.M),
    'no dH': targets(full, c.N, c.M, ['dH']),
  };
  const split: Record<string, number[]> = {
    full: partTargets(full, c.N, c.M, ['dH', 'dd']),
    dntk: partTargets(full, c.N, c.M, ['dH']),
    frozen: partTargets(full, c.N, c.M, []),
    'no dH': partTargets(full, c.N, c.M, ['dd']),
  };
  const E = P + c.M;
  const pts: ComparePoint[][] = Array.from({ length: E }, () => []);
  const spts: ComparePoint[][] = Array.from({ length: E }, () => []);
  let diverged = 0;
  for (const n of widths) {
    const tr = await train({ activation: c.activation, depth: c.depth, width: n, inputWidth: 3, outputWidth: 1, ...hyper },
      { train: { X: X.slice(0, c.N), y: Y }, test: { X: X.slice(c.N) }, steps: c.T, eta, samples: S, seed });
    const rows: number[][] = [], srows: number[][] = [];
    for (const nw of tr.networks) {
      if (nw.status === 'diverged') {
        diverged++;
        continue;
      }
      const z0 = [...nw.zTrain[0], ...nw.zTest[0]];
      const zt = [...nw.zTrain[1], ...nw.zTest[1]];
      const m0 = evolveNetwork({ z: z0, H: mom.Theta }, Y, eta, c.T, 'frozen')[0];
      const r = zt.map((v, d) => n * (v - m0[d]));
      for (let j = 0; j < c.M; j++) r.push(n * (zt[c.N + j] ** 2 - m0[c.N + j] ** 2));
      rows.push(r);
      const mH = evolveNetwork({ z: z0, H: nw.ntkInitial! }, Y, eta, c.T, 'frozen')[0];
      const q = zt.map((v, d) => n * (v - mH[d]));
      for (let j = 0; j < c.M; j++) q.push(n * (zt[c.N + j] ** 2 - mH[c.N + j] ** 2));
      srows.push(q);
    }
    for (let k = 0; k < E; k++) pts[k].push(est(n, rows.map((r) => r[k])));
    for (let k = 0; k < E; k++) spts[k].push(est(n, srows.map((r) => r[k])));
  }
  const ex = pts.map((p) => extrapolate(p));
  const z: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(variants)) z[k] = ex.map((e, i) => (e.value - t[i]) / e.stderr);
  const sex = spts.map((p) => extrapolate(p));
  const sz: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(split)) sz[k] = sex.map((e, i) => (e.value - t[i]) / e.stderr);
  const max = (a: number[]) => Math.max(...a.map(Math.abs));
  const names = [...Array.from({ length: P }, (_, d) => `E[z${d}]`), ...Array.from({ length: c.M }, (_, j) => `E[z${c.N + j}²]`)];
  const entries = names.map((nm, i) => `${nm} ${variants.full[i].toFixed(3)} vs ${ex[i].value.toFixed(3)}±${ex[i].stderr.toFixed(3)} (${z.full[i].toFixed(1)})`);
  const sentries = names.map((nm, i) => `${nm} ${split.full[i].toFixed(3)} vs ${sex[i].value.toFixed(3)}±${sex[i].stderr.toFixed(3)} (${sz.full[i].toFixed(1)})`);
  return { spts, split, eta, etaMax: pr.etaMax, maxZ: Object.fromEntries(Object.entries(z).map(([k, v]) => [k, max(v)])), maxZs: Object.fromEntries(Object.entries(sz).map(([k, v]) => [k, max(v)])), entries, sentries, diverged, ex, variants, pts };
}

const MARK = '## Stages (b), (c) with theory-computed P … U: really trained ensembles, extrapolated in 1/n';

test('validation table, theory P … U', async () => {
  const t0 = Date.now();
  const C: [Cfg, number][] = [
    [{ activation: 'tanh', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 }, 16000],
    [{ activation: 'tanh', depth: 2, N: 2, M: 2, etaFrac: 0.3, T: 40 }, 16000],
    [{ activation: 'tanh', depth: 3, N: 3, M: 1, etaFrac: 0.4, T: 10 }, 16000],
    [{ activation: 'tanh', depth: 3, N: 4, M: 1, etaFrac: 0.5, T: 20 }, 16000],
    [{ activation: 'gelu', depth: 2, N: 2, M: 2, etaFrac: 0.5, T: 20 }, 16000],
    [{ activation: 'gelu', depth: 3, N: 3, M: 1, etaFrac: 0.25, T: 40 }, 16000],
    [{ activation: 'relu', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 }, 16000],
    [{ activation: 'relu', depth: 3, N: 2, M: 2, etaFrac: 0.5, T: 10 }, 16000],
  ];
  const widths = (process.env.WIDTHS ?? '32,64,128,256').split(',').map(Number);
  const only = process.env.ONLY;
  const out = [MARK, '',
    'Generated by `npx vitest run --config bench/training/vitest.config.ts stage-c-theory` (bench/training/stage-c-theory.bench.ts).',
    `No measured moments: every tensor (K, Θ, G1, H1, A, B, D, F, P, Q, R, S, T, U) from theory() on the N + M inputs. Widths ${widths.join(', ')};`,
    'per network the control variate n·(z_T − z_T^Θ(z_0)) (z_T^Θ: the infinite-width map applied to the network\'s own z_0, so its mean is mean0 at every width)',
    'on every input and n·(z_T² − z_T^Θ(z_0)²) on the test inputs, extrapolated in 1/n like compare(); targets mean1 and cov1 − cov1[G1] + 2·mean0·mean1.',
    'Columns "whole": max |z| of stage (c) (full), stage (b) (dNTK only), stage (a) (frozen NTK) and of stage (c) with the dNTK part dropped ("no dH").',
    'Columns "moving NTK": the same networks, split estimator n·(z_T − z_T^Ĥ(z_0)) (the frozen map with the network\'s own initial NTK Ĥ from train()), whose',
    'expectation is only the dH + dd parts (the parts P … U enter; stage (a) predicts 0 for it): smaller noise, sharper rejection of the wrong variants.', '',
    '| σ | L | N | M | η/η_max | T | networks/width | whole: full (c) | (b) | (a) | no dH | moving NTK: full (c) | (b) | (a) | no dH | entries, whole (theory (c) vs ensemble ± σ (z)) | entries, moving NTK | diverged |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const [c, S] of C) {
    if (only && !only.split(',').includes(`${c.activation}${c.depth}`)) continue;
    const r = await stageCTheory(c, S, widths);
    const f = (k: string) => r.maxZ[k].toFixed(2), g = (k: string) => r.maxZs[k].toFixed(2);
    out.push(`| ${c.activation} | ${c.depth} | ${c.N} | ${c.M} | ${c.etaFrac} | ${c.T} | ${S} | ${f('full')} | ${f('dntk')} | ${f('frozen')} | ${f('no dH')} | ${g('full')} | ${g('dntk')} | ${g('frozen')} | ${g('no dH')} | ${r.entries.join('; ')} | ${r.sentries.join('; ')} | ${r.diverged} |`);
    console.log(out[out.length - 1], ((Date.now() - t0) / 1000).toFixed(0), 's');
  }
  out.push('', `Run time ${((Date.now() - t0) / 60000).toFixed(1)} min on 2 shared cores (${new Date().toISOString().slice(0, 10)}).`);
  const file = process.env.OUT ?? 'bench/validation-training.md';
  let prev = '';
  try {
    prev = readFileSync(file, 'utf8');
  } catch {
    prev = '';
  }
  const cut = prev.indexOf(MARK);
  writeFileSync(file, (cut >= 0 ? prev.slice(0, cut) : prev + '\n') + out.join('\n') + '\n');
});

/** relu beyond stage (a): per width, the estimators against the theory (RELU=1 to run; prints only). */
test.skipIf(!process.env.RELU)('relu per width', async () => {
  const widths = (process.env.WIDTHS ?? '32,64,128,256,512').split(',').map(Number);
  const r = await stageCTheory({ activation: 'relu', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 }, Number(process.env.S ?? 8000), widths);
  const fmt = (p: ComparePoint) => `${p.n}: ${p.value.toFixed(3)}±${p.stderr.toFixed(3)}`;
  r.pts.forEach((p, k) => console.log(`whole  entry ${k}: theory (c) ${r.variants.full[k].toFixed(3)}, (a) ${r.variants.frozen[k].toFixed(3)} | ${p.map(fmt).join('; ')}`));
  r.spts.forEach((p, k) => console.log(`moving entry ${k}: theory (c) ${r.split.full[k].toFixed(3)}, (a) 0 | ${p.map(fmt).join('; ')}`));
}, 3_600_000);
