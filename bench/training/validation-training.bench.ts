/**
 * The O(1/n) training statistics (docs/theory/training-finite.md) against ensembles, over a grid of
 * configurations; writes bench/validation-training.md. Run (≈ 10–20 min on 2 shared cores):
 *   npx vitest run --config bench/training/vitest.config.ts
 * Same estimators as test/finite-statistics.test.ts (§5 of the note): stage (a) against per-network frozen
 * maps of real networks (control variate, 4 widths, extrapolated in 1/n); stage (c) against really trained
 * networks with the dNTK/ddNTK moments measured on the same networks (paired over 16 groups, pooled over widths).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, test } from 'vitest';
import { init } from '../../ts/api/backend.js';
import '../../ts/node.js';
import { train } from '../../ts/api/train.js';
import { theory } from '../../ts/api/theory.js';
import { predict } from '../../ts/api/predict.js';
import { extrapolate, type ComparePoint } from '../../ts/api/compare.js';
import { evolveNetwork } from '../../ts/api/finite-dynamics.js';
import { finiteStatistics, momentsFromTheory } from '../../ts/api/finite-statistics.js';
import type { TheoryMultiResult } from '../../ts/api/multi.js';
import { drawJetNetwork, networkJets, type JetSpec } from '../../test/fixtures/network-jets.js';

beforeAll(async () => {
  await init();
});

const XS = [[0.9, -0.4, 0.3], [-0.2, 0.8, 0.6], [0.5, 0.5, -0.7], [-0.7, -0.3, 0.4], [0.1, -0.6, -0.9], [0.6, 0.2, 0.8]];
const YS = [0.6, -0.5, 0.3, -0.2];

interface Cfg { activation: string; depth: number; N: number; M: number; etaFrac: number; T: number }

const est = (n: number, v: number[]): ComparePoint => {
  const m = v.reduce((a, b) => a + b) / v.length;
  return { n, value: m, stderr: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length) };
};

function setup(c: Cfg) {
  const hyper = { Cb: 0.1, CW: c.activation === 'relu' ? 2 : 1.5, lambdaB: 1, lambdaW: 1 };
  const X = [...XS.slice(0, c.N), ...XS.slice(4, 4 + c.M)];
  const Y = YS.slice(0, c.N);
  const pr = predict({ activation: c.activation, depth: c.depth, inputWidth: 3, ...hyper }, { train: { X: X.slice(0, c.N), y: Y }, test: { X: X.slice(c.N) }, steps: c.T, eta: 0.01 });
  const eta = c.etaFrac * pr.etaMax;
  const th = theory({ activation: c.activation, depth: c.depth, width: 64, inputWidth: 3, ...hyper, input: { X } }) as TheoryMultiResult;
  return { hyper, X, Y, eta, mom: momentsFromTheory(th.layers[c.depth - 1]), P: c.N + c.M };
}

async function stageA(c: Cfg, S: number) {
  const { hyper, X, Y, eta, mom, P } = setup(c);
  const st = finiteStatistics(mom, Y, eta, c.T, 'frozen');
  const keys = ['H1', 'covH', 'cumHzz'] as const;
  const m2part = (k: (typeof keys)[number], d: number, e: number) => st.parts[k].cov[d * P + e] + st.mean0[d] * st.parts[k].mean[e] + st.parts[k].mean[d] * st.mean0[e];
  const targets: { name: string; theory: number; noC: number; f: (z: Float64Array) => number }[] = [];
  for (let d = 0; d < P; d++) {
    const t = keys.reduce((s, k) => s + st.parts[k].mean[d], 0);
    targets.push({ name: `E[z${d}]`, theory: t, noC: t - st.parts.covH.mean[d], f: (z) => z[d] });
  }
  for (let d = c.N; d < P; d++) {
    const t = keys.reduce((s, k) => s + m2part(k, d, d), 0);
    targets.push({ name: `E[z${d}²]`, theory: t, noC: t - m2part('covH', d, d), f: (z) => z[d] * z[d] });
  }
  const pts: ComparePoint[][] = targets.map(() => []);
  let diverged = 0;
  for (const n of [32, 64, 128, 256]) {
    const tr = await train({ activation: c.activation, depth: c.depth, width: n, inputWidth: 3, outputWidth: 1, ...hyper },
      { train: { X: X.slice(0, c.N), y: Y }, test: { X: X.slice(c.N) }, steps: 0, eta, samples: S, seed: 21 });
    const zH: Float64Array[] = [], zT: Float64Array[] = [];
    for (const nw of tr.networks) {
      const z0 = [...nw.zTrain[0], ...nw.zTest[0]];
      zH.push(evolveNetwork({ z: z0, H: nw.ntkInitial! }, Y, eta, c.T, 'frozen')[0]);
      zT.push(evolveNetwork({ z: z0, H: mom.Theta }, Y, eta, c.T, 'frozen')[0]);
      if (nw.etaMax !== null && eta > nw.etaMax) diverged++;
    }
    targets.forEach((t, k) => pts[k].push(est(n, zH.map((z, i) => n * (t.f(z) - t.f(zT[i]))))));
  }
  let maxZ = 0, maxNoC = 0;
  const rows = targets.map((t, k) => {
    const e = extrapolate(pts[k]);
    const z = (e.value - t.theory) / e.stderr;
    maxZ = Math.max(maxZ, Math.abs(z));
    maxNoC = Math.max(maxNoC, Math.abs((e.value - t.noC) / e.stderr));
    return `${t.name} ${t.theory.toFixed(3)} vs ${e.value.toFixed(3)}±${e.stderr.toFixed(3)} (${z.toFixed(1)})`;
  });
  return { eta, maxZ, maxNoC, rows, unstable: diverged };
}

async function stageC(c: Cfg, S: number, widths: number[]) {
  const { hyper, X, Y, eta, mom, P } = setup(c);
  const P4 = P ** 4, G = 16, seed = 31;
  const acc = { full: [] as ComparePoint[][], dntk: [] as ComparePoint[][], frozen: [] as ComparePoint[][] };
  // entries: E[z_T] on every input, then E[z_T²] on the test inputs
  const E = P + c.M;
  for (const k of Object.keys(acc) as (keyof typeof acc)[]) acc[k] = Array.from({ length: E }, () => []);
  let diverged = 0;
  for (const n of widths) {
    const spec: JetSpec = { activation: c.activation, widths: [3, ...new Array(c.depth - 1).fill(n)], ...hyper };
    const tr = await train({ activation: c.activation, depth: c.depth, width: n, inputWidth: 3, outputWidth: 1, ...hyper },
      { train: { X: X.slice(0, c.N), y: Y }, test: { X: X.slice(c.N) }, steps: c.T, eta, samples: S, seed });
    const grp = Array.from({ length: G }, () => ({ D: new Float64Array(E), dHz: new Float64Array(P4), ddI: new Float64Array(P4), ddII: new Float64Array(P4), c: 0 }));
    tr.networks.forEach((nw, i) => {
      if (nw.status === 'diverged') {
        diverged++;
        return;
      }
      const g = grp[i % G];
      const J = networkJets(drawJetNetwork(spec, seed, i), X);
      const z0 = [...nw.zTrain[0], ...nw.zTest[0]];
      const fr = evolveNetwork({ z: z0, H: nw.ntkInitial! }, Y, eta, c.T, 'frozen')[0];
      const zt = [...nw.zTrain[1], ...nw.zTest[1]];
      for (let d = 0; d < P; d++) g.D[d] += n * (zt[d] - fr[d]);
      for (let j = 0; j < c.M; j++) g.D[P + j] += n * (zt[c.N + j] ** 2 - fr[c.N + j] ** 2);
      for (let abc = 0; abc < P ** 3; abc++) for (let d = 0; d < P; d++) g.dHz[abc * P + d] += n * J.dH[abc] * J.z[d];
      for (let k = 0; k < P4; k++) {
        g.ddI[k] += n * J.ddI[k];
        g.ddII[k] += n * J.ddII[k];
      }
      g.c++;
    });
    const q = { full: [] as number[][], dntk: [] as number[][], frozen: [] as number[][] };
    for (const g of grp) {
      const sc = (a: Float64Array) => a.map((v) => v / g.c);
      const st = finiteStatistics({ ...mom, dHz: sc(g.dHz), ddI: sc(g.ddI), ddII: sc(g.ddII) }, Y, eta, c.T, 'full');
      // theory of each entry from a part: the mean, or the second-moment contribution cov + 2·mean0·mean
      const th = (part: { mean: Float64Array; cov: Float64Array }) => Array.from({ length: E }, (_, k) => {
        if (k < P) return part.mean[k];
        const d = c.N + k - P;
        return part.cov[d * P + d] + 2 * st.mean0[d] * part.mean[d];
      });
      const tdH = th(st.parts.dH), tdd = th(st.parts.dd);
      const D = Array.from(sc(g.D));
      q.full.push(D.map((v, k) => v - tdH[k] - tdd[k]));
      q.dntk.push(D.map((v, k) => v - tdH[k]));
      q.frozen.push(D);
    }
    for (const k of Object.keys(acc) as (keyof typeof acc)[]) for (let d = 0; d < E; d++) acc[k][d].push(est(n, q[k].map((r) => r[d])));
  }
  const pooled = (pts: ComparePoint[]) => {
    const w = pts.map((p) => 1 / p.stderr ** 2), W = w.reduce((a, b) => a + b);
    return { value: pts.reduce((s, p, i) => s + w[i] * p.value, 0) / W, stderr: 1 / Math.sqrt(W) };
  };
  const zs = (k: keyof typeof acc) => acc[k].map((pts) => pooled(pts)).map((e) => e.value / e.stderr);
  const mx = (a: number[]) => Math.max(...a.map(Math.abs));
  return { eta, full: mx(zs('full')), dntk: mx(zs('dntk')), frozen: mx(zs('frozen')), zfull: zs('full'), diverged };
}

// the section written by stage-c-theory.bench.ts (theory P … U) is kept at the end of the file
const THEORY_MARK = '## Stages (b), (c) with theory-computed P … U';
const previous = existsSync('bench/validation-training.md') ? readFileSync('bench/validation-training.md', 'utf8') : '';
const kept = previous.includes(THEORY_MARK) ? '\n' + previous.slice(previous.indexOf(THEORY_MARK)) : '';

test('validation table', async () => {
  const out: string[] = [];
  const t0 = Date.now();
  out.push('# O(1/n) training statistics: validation table', '',
    'Generated by `npx vitest run --config bench/training/vitest.config.ts` (bench/training/validation-training.bench.ts);',
    'method and conventions: docs/theory/training-finite.md §5. C_b = 0.1, C_W = 1.5 (relu: 2), λ_b = λ_W = 1; inputs in R³',
    '(training inputs first); η given as a fraction of the infinite-width η_max = 2/λ_max(Θ̃).', '',
    '## Stage (a): fluctuating frozen NTK vs per-network frozen maps of real networks', '',
    '8000 networks per width, n = 32, 64, 128, 256, extrapolated in 1/n. Compared: the H1 + C + κ parts of E[z_T] on every input and of E[z_T²] on the test inputs.',
    '"w/o C": the largest |z| when the NTK-variance term is dropped (should be large). "η > η̂_max": networks whose own initial NTK makes the step unstable (summed over widths).', '',
    '| σ | L | N | M | η/η_max | T | max |z| | w/o C | η > η̂_max | entries (theory vs ensemble ± σ (z)) |', '|---|---|---|---|---|---|---|---|---|---|');
  const A: Cfg[] = [
    { activation: 'tanh', depth: 2, N: 3, M: 1, etaFrac: 0.3, T: 10 },
    { activation: 'tanh', depth: 2, N: 2, M: 2, etaFrac: 0.5, T: 20 },
    { activation: 'tanh', depth: 3, N: 3, M: 1, etaFrac: 0.4, T: 10 },
    { activation: 'tanh', depth: 3, N: 4, M: 1, etaFrac: 0.5, T: 20 },
    { activation: 'gelu', depth: 2, N: 2, M: 2, etaFrac: 0.5, T: 20 },
    { activation: 'gelu', depth: 3, N: 3, M: 1, etaFrac: 0.25, T: 40 },
    { activation: 'relu', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 },
    { activation: 'relu', depth: 3, N: 2, M: 2, etaFrac: 0.5, T: 10 },
  ];
  for (const c of A) {
    const r = await stageA(c, 8000);
    out.push(`| ${c.activation} | ${c.depth} | ${c.N} | ${c.M} | ${c.etaFrac} | ${c.T} | ${r.maxZ.toFixed(2)} | ${r.maxNoC.toFixed(1)} | ${r.unstable} | ${r.rows.join('; ')} |`);
    console.log(out[out.length - 1], ((Date.now() - t0) / 1000).toFixed(0), 's');
    writeFileSync('bench/validation-training.md', out.join('\n') + '\n' + kept);
  }
  out.push('', '## Stages (b), (c): really trained networks, dNTK/ddNTK moments measured on the same networks', '',
    'Estimators n·(z_T(train()) − z_T(frozen map of the network\'s own z, Ĥ)) on every input and n·(z_T² − z_T,frozen²) on the test inputs (the dH + dd parts of the',
    'mean and of the second moment), paired with the theory over 16 groups, pooled over the widths; "z (full)" lists the means, then the second moments.',
    'Columns: max |z| of the full theory (stage c), of the dNTK-only theory (stage b) and of the frozen theory (stage a, which predicts 0 here).', '',
    '| σ | L | N | M | η/η_max | T | widths | networks/width | full | dNTK only | frozen | z (full) per entry | diverged |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const C: [Cfg, number, number[]][] = [
    [{ activation: 'tanh', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 }, 512, [128, 256, 512]],
    [{ activation: 'tanh', depth: 2, N: 2, M: 2, etaFrac: 0.3, T: 40 }, 512, [128, 256, 512]],
    [{ activation: 'gelu', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 }, 512, [128, 256, 512]],
    [{ activation: 'relu', depth: 2, N: 3, M: 1, etaFrac: 0.5, T: 20 }, 512, [128, 256, 512]],
    [{ activation: 'tanh', depth: 3, N: 3, M: 1, etaFrac: 0.5, T: 20 }, 256, [64, 128, 256]],
  ];
  for (const [c, S, widths] of C) {
    const r = await stageC(c, S, widths);
    out.push(`| ${c.activation} | ${c.depth} | ${c.N} | ${c.M} | ${c.etaFrac} | ${c.T} | ${widths.join(', ')} | ${S} | ${r.full.toFixed(2)} | ${r.dntk.toFixed(1)} | ${r.frozen.toFixed(1)} | ${r.zfull.map((v) => v.toFixed(2)).join(' ')} | ${r.diverged} |`);
    console.log(out[out.length - 1], ((Date.now() - t0) / 1000).toFixed(0), 's');
    writeFileSync('bench/validation-training.md', out.join('\n') + '\n' + kept);
  }
  out.push('', `Run time ${((Date.now() - t0) / 60000).toFixed(1)} min (${new Date().toISOString().slice(0, 10)}).`);
  writeFileSync('bench/validation-training.md', out.join('\n') + '\n' + kept);
});
