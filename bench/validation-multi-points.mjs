// Per-width points of bench/validation-multi.mjs, for offline refits (bench/validation-multi-refit.mjs).
//
// validation-multi.json keeps only the summaries (max |z| per tensor), not the per-width ensemble values, so a
// different 1/n fit or a new wrong variant cannot be evaluated from it. This script re-samples chosen
// configurations of that run with exactly its seeds and sample counts (read from validation-multi.json: the seed
// of ensemble k in the loop act × N × width is 100 + k), so the networks and every statistic are the same as
// in the report (the ensembles are deterministic whatever the workers), and writes, per component, the points
// (n, mean, jackknife σ) at the four widths.
//
// Usage: npm run build:ts && node bench/validation-multi-points.mjs [--configs gelu:2,tanh:2] [--workers 1]
//   ≈ 3 min of one core per configuration (each took ≈ 12.7 min / 9 on 2 workers in the full run).
//   Writes bench/validation-multi-points.json (merged with what is there).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { init, ensemble, theory, compare } from '../dist/ts/node.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const here = (f) => new URL(f, import.meta.url).pathname;
const run = JSON.parse(readFileSync(here('./validation-multi.json'), 'utf8'));
const OUT = here('./validation-multi-points.json');
const WORKERS = Number(arg('--workers', '1'));
const ACTS = ['tanh', 'relu', 'gelu'];
const NS = [2, 3, 4];
const WIDTHS = run.widths;
const XS = run.inputs;
const spec = (act, N, n) => ({
  activation: act, depth: run.depth, widths: [3, ...Array(run.depth - 2).fill(n), n], outputWidth: n, ...run.hyper[act],
  lambdaB: run.lambdaB, lambdaW: run.lambdaW, input: { X: XS.slice(0, N) },
});

await init();
const out = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : { source: 'bench/validation-multi.json', widths: WIDTHS, configs: [] };
for (const c of arg('--configs', 'gelu:2,tanh:2').split(',')) {
  const [act, Ns] = c.split(':');
  const N = Number(Ns);
  const k = ACTS.indexOf(act) * NS.length + NS.indexOf(N);
  if (k < 0 || !Number.isInteger(k)) throw new Error(`unknown configuration ${c}`);
  const samples = run.summary.find((s) => s.act === act && s.N === N).samples;
  const seeds = WIDTHS.map((_, i) => 100 + k * WIDTHS.length + i);
  const t0 = performance.now();
  const ens = [];
  for (let i = 0; i < WIDTHS.length; i++) {
    ens.push(await ensemble(spec(act, N, WIDTHS[i]), { samples: samples[i], seed: seeds[i], neurons: run.neurons, order: 'ddntk', workers: WORKERS }));
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = compare(theory(spec(act, N, WIDTHS[0])), ens, { fit: 'linear' }).rows
    .filter((r) => r.layer >= 2)
    .map((r) => ({ layer: r.layer, quantity: r.quantity, index: r.index, points: r.points.map((p) => [p.n, p.value, p.stderr]) }));
  out.configs = out.configs.filter((x) => !(x.act === act && x.N === N));
  out.configs.push({ act, N, seeds, samples, seconds, rows });
  writeFileSync(OUT, JSON.stringify(out));
  console.error(`${act} N=${N}: ${samples.join('/')} networks, seeds ${seeds.join(',')}, ${seconds.toFixed(0)} s, ${rows.length} components`);
}
