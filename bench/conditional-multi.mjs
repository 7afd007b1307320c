#!/usr/bin/env node
// Gain of the conditional estimators of G and H WITH SAMPLE INDICES (docs/theory/ensembles.md §5): the
// standard errors of every component G1_ab, H1_ab (a ≤ b) from the fit in 1/n with the new estimators (G, H:
// gcv, hcv) and with the previous ones (Gdirect = E[K̂], Hdirect = mean_i Ĥ_ii;ab), on the SAME networks;
// gain = (σ_direct/σ_conditional)² is the factor of networks saved. Also max |z| against theory({ input: { X } }).
// Writes bench/conditional-multi.md and bench/conditional-multi.json.
// Usage: node bench/conditional-multi.mjs [--samples S] [--workers 1] [--acts tanh,relu,gelu] [--depths 3,4]
//          [--widths 16,32,64] [--neurons 4] [--sets N2,N3]
//        node bench/conditional-multi.mjs jacobian [--samples S]   (diagonal vs full Jacobian coefficients, js twin)
// Needs the built package (npm run build).
import { writeFile } from 'node:fs/promises';
import { execSync } from 'node:child_process';
import os from 'node:os';
import * as wf from '../dist/ts/node.js';
import { extrapolate } from '../dist/ts/api/compare.js';

const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const samples = Number(arg('samples', 20000));
const workers = Number(arg('workers', 1));
const acts = arg('acts', 'tanh,relu,gelu').split(',');
const depths = arg('depths', '3,4').split(',').map(Number);
const widths = arg('widths', '16,32,64').split(',').map(Number);
const neurons = Number(arg('neurons', 4));
const fit = arg('fit', 'linear');
const tag = arg('tag', '');
const HYPER = { tanh: [0.1, 1.5], relu: [0.1, 1.8], gelu: [0.1, 1.6] };
// N = 2 at cosine ≈ 0.3; N = 3 with inputs 0, 1 at cosine 0.97 and input 2 apart
const SETS = {
  N2: [[1.0, 0.3, -0.5, 0.2], [0.3, 0.9, 0.2, -0.4]],
  N3: [[1.0, 0.2, -0.4, 0.6], [0.9, 0.45, -0.3, 0.5], [-0.3, 0.8, 0.6, -0.2]],
};
const cosine = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0) / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
const sets = arg('sets', 'N2,N3').split(',');

await wf.init();

if (argv[0] === 'jacobian') {
  // per-network variance of gcv, hcv at the top layer with diagonal vs full Jacobian coefficients (same networks, js twin)
  const { ensembleMultiChunk, multiStatsLen, packMultiConfig, statOffsets } = await import('../dist/ts/twin/sampling/multi/mod.js');
  const { conditionalSwitches } = await import('../dist/ts/twin/sampling/multi/conditional.js');
  const S = Number(arg('samples', 2000));
  const out = [];
  for (const act of acts) {
    for (const L of depths) {
      for (const set of sets) {
        const X = SETS[set];
        const N = X.length;
        const kind = { tanh: 3, relu: 1, gelu: 7 }[act];
        for (const n of [16, 32]) {
          const c = { widths: [4, ...Array(L - 1).fill(n), 3], Cb: Array(L).fill(HYPER[act][0]), CW: Array(L).fill(HYPER[act][1]), lambdaB: Array(L).fill(0.5), lambdaW: Array(L).fill(1.5), kind, a: 0, order: 1, seed: 3, neurons: Array(L).fill(2), inputs: N, X: X.flat() };
          const cfg = packMultiConfig(c);
          const len = multiStatsLen(N), o = statOffsets(N);
          const variance = (diag) => {
            conditionalSwitches.jacobianDiagonal = diag;
            const s1 = new Float64Array(2 * N * N), s2 = new Float64Array(2 * N * N);
            const buf = new Float64Array(L * len);
            const chunk = 100;
            for (let i = 0; i < S; i += chunk) {
              // chunks of one network each would re-prepare per network; sums of squares need per-network values
              for (let j = i; j < Math.min(S, i + chunk); j++) {
                ensembleMultiChunk(cfg, j, 1, buf);
                const base = (L - 1) * len;
                for (let e = 0; e < N * N; e++) {
                  for (const [t, key] of [[0, 'gcv'], [1, 'hcv']]) {
                    const v = buf[base + o[key] + e];
                    s1[t * N * N + e] += v;
                    s2[t * N * N + e] += v * v;
                  }
                }
              }
            }
            conditionalSwitches.jacobianDiagonal = false;
            return s1.map((v, q) => s2[q] / S - (v / S) ** 2);
          };
          const vd = variance(true), vf = variance(false);
          for (let a = 0; a < N; a++) {
            for (let b = a; b < N; b++) {
              if (a === b) continue; // the diagonal rows are the same in both variants
              const e = a * N + b;
              out.push(`| ${act} | ${L} | ${set} | ${n} | ${a}${b} | ${(vd[e] / vf[e]).toFixed(2)} | ${(vd[N * N + e] / vf[N * N + e]).toFixed(2)} |`);
              console.log(out[out.length - 1]);
            }
          }
        }
      }
    }
  }
  console.log(`\n| σ | L | inputs | n | ab | Var(gcv) diag/full | Var(hcv) diag/full |\n|---|---|---|---|---|---|---|\n${out.join('\n')}`);
  process.exit(0);
}

const t0 = performance.now();
const rows = [];
const timing = [];
for (const act of acts) {
  for (const depth of depths) {
    for (const set of sets) {
      const X = SETS[set];
      const N = X.length;
      const spec = (w) => ({ activation: act, depth, widths: [4, ...Array(depth - 1).fill(w)], outputWidth: 3, Cb: HYPER[act][0], CW: HYPER[act][1], lambdaB: 0.5, lambdaW: 1.5, input: { X } });
      const th = wf.theory(spec(widths[0]));
      const ens = [];
      const t1 = performance.now();
      for (const w of widths) ens.push(await wf.ensemble(spec(w), { samples, seed: 9000 + 100 * depth + w, workers, order: 'ntk', neurons }));
      const seconds = (performance.now() - t1) / 1000;
      timing.push({ act, depth, set, seconds, msPerNetwork: (1000 * seconds) / (samples * widths.length) });
      for (let l = 2; l < depth; l++) {
        for (let a = 0; a < N; a++) {
          for (let b = a; b < N; b++) {
            const e = a * N + b;
            const fitOf = (key, base) => extrapolate(ens.map((x) => ({ n: x.layers[l].n, value: x.layers[l].n * (x.layers[l][key].value[e] - base[e]), stderr: x.layers[l].n * x.layers[l][key].stderr[e] })), fit);
            const g = fitOf('G', th.layers[l].K), gd = fitOf('Gdirect', th.layers[l].K), gr = fitOf('Graw', th.layers[l].K);
            const h = fitOf('H', th.layers[l].Theta), hd = fitOf('Hdirect', th.layers[l].Theta);
            const G1 = th.layers[l].G1[e], H1 = th.layers[l].H1[e];
            // constant per network (relu diagonal): the jackknife error is round-off, as compare() treats it
            const exactG = !(g.stderr > 1e-9 * Math.abs(th.layers[l].K[e]) * ens[ens.length - 1].layers[l].n);
            const exactH = !(h.stderr > 1e-9 * Math.abs(th.layers[l].Theta[e]) * ens[ens.length - 1].layers[l].n);
            const row = {
              act, depth, set, layer: l + 1, ab: `${a}${b}`, cos: a === b ? 1 : cosine(X[a], X[b]),
              G1, g: [g.value, g.stderr], gd: [gd.value, gd.stderr], gr: [gr.value, gr.stderr], gainG: exactG ? Infinity : (gd.stderr / g.stderr) ** 2, gainGraw: exactG ? Infinity : (gr.stderr / g.stderr) ** 2, zG: exactG ? NaN : (g.value - G1) / g.stderr,
              H1, h: [h.value, h.stderr], hd: [hd.value, hd.stderr], gainH: exactH ? Infinity : (hd.stderr / h.stderr) ** 2, zH: exactH ? NaN : (h.value - H1) / h.stderr,
            };
            rows.push(row);
            console.log(`${act} L=${depth} ${set} layer ${l + 1} [${a}${b}] G1 ${G1.toFixed(4)}: ${g.value.toFixed(4)} ± ${g.stderr.toFixed(4)} (direct ± ${gd.stderr.toFixed(4)}, gain ${row.gainG.toFixed(0)}) | H1 ${H1.toFixed(4)}: ${h.value.toFixed(4)} ± ${h.stderr.toFixed(4)} (direct ± ${hd.stderr.toFixed(4)}, gain ${row.gainH.toFixed(0)})`);
          }
        }
      }
      console.log(`${act} L=${depth} ${set}: ${seconds.toFixed(1)} s`);
    }
  }
}
const total = (performance.now() - t0) / 1000;
const f = (v, d = 4) => (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(d));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD').toString().trim();
  } catch {
    return '?';
  }
})();
let md = `# Conditional estimators of G and H with sample indices: measured gain\n\n`;
md += `\`node bench/conditional-multi.mjs ${argv.join(' ')}\` (commit ${commit}, ${os.cpus()[0]?.model ?? '?'}, ${total.toFixed(0)} s).\n`;
md += `${samples} networks per width, widths ${widths.join('/')}, order 'ntk', k = ${neurons} neurons per layer, n₀ = 4, C_b, C_W = ${JSON.stringify(HYPER)}, λ_b = 0.5, λ_W = 1.5.\n`;
md += `Inputs: N2 = two inputs at cosine ${cosine(SETS.N2[0], SETS.N2[1]).toFixed(2)}; N3 = three inputs, 0 and 1 at cosine ${cosine(SETS.N3[0], SETS.N3[1]).toFixed(3)}, input 2 at ${cosine(SETS.N3[0], SETS.N3[2]).toFixed(2)} and ${cosine(SETS.N3[1], SETS.N3[2]).toFixed(2)}.\n`;
md += `G1_ab, H1_ab from the ${fit} fit n·(estimate − K) = G1 + c/n${fit === 'quadratic' ? ' + d/n²' : ''} over the widths (compare()'s fit); σ its standard error (32-group jackknife per width);\n`;
md += `gain = (σ_direct/σ_conditional)² on the same networks (direct: Gdirect = E[K̂_ab], the previous G; Hdirect = mean_i Ĥ_{ii;ab}, the previous H; Graw = mean_i z_{i;a}z_{i;b}). Layer 2 is exact for the conditional estimators (not listed).\n\n`;
md += `| σ | L | inputs | layer | ab | cos | G1 theory | G1 conditional | G1 direct | gain | gain vs Graw | z | H1 theory | H1 conditional | H1 direct | gain | z |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
const gain = (v) => (Number.isFinite(v) ? v.toFixed(0) : 'exact');
const zs = (v) => (Number.isFinite(v) ? v.toFixed(2) : '—');
for (const r of rows) {
  md += `| ${r.act} | ${r.depth} | ${r.set} | ${r.layer} | ${r.ab} | ${r.cos.toFixed(2)} | ${f(r.G1)} | ${f(r.g[0])} ± ${f(r.g[1])} | ${f(r.gd[0])} ± ${f(r.gd[1])} | ${gain(r.gainG)} | ${gain(r.gainGraw)} | ${zs(r.zG)} | ${f(r.H1)} | ${f(r.h[0])} ± ${f(r.h[1])} | ${f(r.hd[0])} ± ${f(r.hd[1])} | ${gain(r.gainH)} | ${zs(r.zH)} |\n`;
}
const fin = (a) => a.filter((v) => Number.isFinite(v));
const diagRows = rows.filter((r) => r.ab[0] === r.ab[1] && r.act !== 'relu'), offRows = rows.filter((r) => r.ab[0] !== r.ab[1]);
md += `\nMedian gain, G1: diagonal components ${median(fin(diagRows.map((r) => r.gainG))).toFixed(0)}, off-diagonal ${median(fin(offRows.map((r) => r.gainG))).toFixed(0)}; `;
md += `H1: diagonal ${median(fin(diagRows.map((r) => r.gainH))).toFixed(0)}, off-diagonal ${median(fin(offRows.map((r) => r.gainH))).toFixed(0)} (relu diagonals are exact: gain ∞, left out).\n`;
md += `Max |z| against theory, conditional estimators: G1 ${Math.max(...fin(rows.map((r) => Math.abs(r.zG)))).toFixed(2)}, H1 ${Math.max(...fin(rows.map((r) => Math.abs(r.zH)))).toFixed(2)} (${rows.length} components each; the exact rows, relu diagonals, excluded: there the estimate equals the theory to ${Math.max(0, ...rows.filter((r) => !Number.isFinite(r.zG)).map((r) => Math.abs(r.g[0] - r.G1))).toExponential(1)} in G1 and ${Math.max(0, ...rows.filter((r) => !Number.isFinite(r.zH)).map((r) => Math.abs(r.h[0] - r.H1))).toExponential(1)} in H1).\nMax |z| by activation (G1, H1): ${acts.map((a) => `${a} ${Math.max(0, ...fin(rows.filter((r) => r.act === a).map((r) => Math.abs(r.zG)))).toFixed(2)}, ${Math.max(0, ...fin(rows.filter((r) => r.act === a).map((r) => Math.abs(r.zH)))).toFixed(2)}`).join('; ')}.\n\n\n`;
md += `Time per configuration (all widths, one thread, wasm): ${timing.map((t) => `${t.act} L=${t.depth} ${t.set} ${t.seconds.toFixed(0)} s (${t.msPerNetwork.toFixed(2)} ms/network)`).join('; ')}.\n`;
await writeFile(new URL(`./conditional-multi${tag ? '-' + tag : ''}.md`, import.meta.url), md);
await writeFile(new URL(`./conditional-multi${tag ? '-' + tag : ''}.json`, import.meta.url), JSON.stringify({ samples, widths, neurons, total, rows, timing }, null, 1));
console.log(md);
