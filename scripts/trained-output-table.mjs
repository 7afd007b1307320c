#!/usr/bin/env node
/**
 * Regenerates the worked example of README.md (between the trained-output-table markers): one test
 * output of tanh networks trained by gradient descent, theory at n = ∞ (predict()) and at O(1/n)
 * (predictFinite(), stage 'full', every tensor from theory()) next to really trained ensembles
 * (train()) at several widths. `npm run build:ts && node scripts/trained-output-table.mjs`
 * (≈ 1–2 min on 2 cores); `--check` exits 1 if README.md is stale. Every number is computed here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, predictFinite, train } from '../dist/ts/node.js';

await init();
const spec = { activation: 'tanh', depth: 2, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1 };
const X = [[0.9, -0.4, 0.3], [-0.2, 0.8, 0.6], [0.5, 0.5, -0.7]];
const y = [0.6, -0.5, 0.3];
const test = [[0.1, -0.6, -0.9]];
const T = 20, S = 20000, seed = 7;
const base = predictFinite({ ...spec, width: 1 }, { train: { X, y }, test: { X: test }, steps: T, eta: 0.01 });
const eta = +(0.5 * base.etaMax).toFixed(3);
const problem = { train: { X, y }, test: { X: test }, steps: T, eta };
const f = (v, d = 4) => v.toFixed(d);
const rows = [];
for (const n of [16, 32, 64, 128]) {
  const th = predictFinite({ ...spec, width: n }, problem, { stage: 'full' });
  const fr = predictFinite({ ...spec, width: n }, problem, { stage: 'frozen' });
  const tr = await train({ ...spec, width: n, inputWidth: 3, outputWidth: 1 }, { ...problem, samples: S, seed });
  const zs = tr.networks.filter((w) => w.status !== 'diverged').map((w) => w.zTest[1][0]);
  const m = zs.reduce((a, b) => a + b) / zs.length;
  const c2 = zs.reduce((a, b) => a + (b - m) ** 2, 0) / (zs.length - 1);
  const c4 = zs.reduce((a, b) => a + (b - m) ** 4, 0) / zs.length;
  const se = Math.sqrt(c2 / zs.length), seVar = Math.sqrt((c4 - c2 * c2) / zs.length);
  const z = (v, t, e) => ((v - t) / e).toFixed(1);
  rows.push(`| ${n} | ${f(th.mean0[0])} | ${f(fr.mean[0])} | ${f(th.mean[0])} | ${f(m)} ± ${f(se)} (${z(m, th.mean[0], se)}σ) | ${f(th.covariance0[0])} | ${f(fr.covariance[0])} | ${f(th.covariance[0])} | ${f(c2)} ± ${f(seVar)} (${z(c2, th.covariance[0], seVar)}σ) |`);
  console.error(rows.at(-1));
}
const table = [
  `tanh, depth 2 (one hidden layer of width n), C_b = 0.1, C_W = 1.5, λ_b = λ_W = 1; N = 3 training inputs in R³, labels ${y.join(', ')};`,
  `test input (${test[0].join(', ')}); T = ${T} steps of gradient descent at η = ${eta} ≈ η_max/2; ensembles of ${S} trained networks per width (train(), seed ${seed}).`,
  '',
  '| n | E[z] at n = ∞ | O(1/n), frozen NTK (a) | O(1/n), full (c) | trained ensemble (z vs c) | Var[z] at n = ∞ | O(1/n) (a) | O(1/n) (c) | trained ensemble (z vs c) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
];
const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const a = '<!-- trained-output-table:start -->', b = '<!-- trained-output-table:end -->';
const i = text.indexOf(a), j = text.indexOf(b);
if (i < 0 || j < 0) throw new Error('README.md has no trained-output-table markers');
const next = text.slice(0, i + a.length) + '\n' + table.join('\n') + '\n' + text.slice(j);
if (process.argv.includes('--check')) process.exit(next === text ? 0 : 1);
writeFileSync(readme, next);
console.log(table.join('\n'));
