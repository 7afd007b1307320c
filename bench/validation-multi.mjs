// Validation of the many-input theory (theory(spec with input { X })) against many-input ensembles
// (issue 9 item 5): every component of G1, H1, V, A, B, D, F, P, Q, R, S, T, U at layers 2, 3, 4, for
// tanh, relu, gelu and N = 2 (a correlated pair, cosine ≈ 0.97), N = 3 (containing the pair), N = 4.
//
// Usage: npm run build:ts && node bench/validation-multi.mjs [--budget seconds] [--out bench/validation-multi]
//   writes <out>.md and <out>.json. Default budget 1300 s of ensemble time (2 workers).
//
// Design (why):
// - One depth-4 network per (activation, N, width): the statistics of layer ℓ depend only on the parameters of
//   layers ≤ ℓ, so its layers 2, 3, 4 are exactly depth-2, -3, -4 networks (same k neurons per layer).
// - Four widths n (all hidden widths equal, so every r = n_ℓ/n_{ℓ−1} = 1) and the 1/n extrapolation of
//   compare(): linear per component; where the linear fit is poor for a tensor at a layer (mean χ²/dof of
//   its components > 1.5, i.e. the O(1/n²) terms are visible), that tensor at that layer is refitted
//   quadratically; the table says which.
// - Samples per ensemble from a time budget (cost model ms/network ≈ (N/4)^2.5 (4 + 0.85 n), corrected by the
//   measured time of every finished ensemble), so the run fits the budget whatever the load of the machine.
// - Wrong variants: the same extrapolated ensemble values against deliberately wrong theory values
//   (swapped sample-index pairings, T ↔ U, and the last layer without its inherited terms: the theory on
//   widths with n_1 = … = n_{L−2} = 2^20, where r = n_{L−1}/n_{L−2} ≈ 1e-5 multiplies the inherited terms
//   while the normalization 1/n_{L−1} of layer L is unchanged; and a diagonal inverse kernel: K⁻¹ → diag(K)⁻¹ in
//   the Stein forms of the derivative terms, computed by the pure-TS twin with its internal validation hook,
//   ts/twin/theory/multi/tables.ts). Each is reported by its max |z| over components.
// - The per-width points of every component go to <out>-points.json (the format of bench/validation-multi-points.mjs),
//   so other fits and variants can be evaluated offline (bench/validation-multi-refit.mjs).
import { writeFileSync } from 'node:fs';
import { init, ensemble, theory, compare } from '../dist/ts/node.js';
import { validationHook } from '../dist/ts/twin/theory/multi/tables.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
};
const BUDGET = Number(arg('--budget', '1300'));
const OUT = arg('--out', new URL('./validation-multi', import.meta.url).pathname);
const ACTS = (arg('--acts', 'tanh,relu,gelu')).split(',');
const NS = arg('--n', '2,3,4').split(',').map(Number);
const WIDTHS = arg('--widths', '8,12,16,24').split(',').map(Number);
const K = Number(arg('--neurons', '4'));
const DEPTH = 4;
// x0, x1: cosine 0.965; x2, x3 far from both
const XS = [[1.0, 0.2, -0.4], [0.9, 0.45, -0.3], [-0.2, 0.9, 0.5], [0.3, -0.6, 0.8]];
const HYPER = { tanh: { Cb: 0.1, CW: 1.5 }, relu: { Cb: 0, CW: 2 }, gelu: { Cb: 0.1, CW: 1.6 } };
const spec = (act, N, widths, outputWidth, depth = DEPTH) => ({
  activation: act, depth, widths, outputWidth, ...HYPER[act], lambdaB: 0.5, lambdaW: 1.2, input: { X: XS.slice(0, N) },
});
const hidden = (n, depth = DEPTH) => [3, ...Array(depth - 2).fill(n), n];
const specAt = (act, N, n) => spec(act, N, hidden(n).slice(0, DEPTH), n);

await init();
const TENSORS = ['G1', 'H1', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'];
const nEns = ACTS.length * NS.length * WIDTHS.length;
const share = BUDGET / nEns; // seconds per ensemble
const model = (N, n) => (N / 4) ** 2.5 * (4 + 0.85 * n) * 1e-3; // seconds per network (rough, measured on 2 loaded cores)
const corr = new Map(); // per N: measured / modelled time per network (the last ensemble's)
const t0 = performance.now();
const configs = [];
const seedsOf = [];
let seed = 100;
for (const act of ACTS) {
  for (const N of NS) {
    const th = theory(specAt(act, N, WIDTHS[0]));
    const ens = [];
    seedsOf.push(WIDTHS.map((_, i) => seed + i));
    for (const n of WIDTHS) {
      const samples = Math.max(256, Math.round(share / (model(N, n) * (corr.get(N) ?? 1))));
      const s = performance.now();
      const e = await ensemble(specAt(act, N, n), { samples, seed: seed++, neurons: K, order: 'ddntk', workers: 2 });
      const dt = (performance.now() - s) / 1000;
      corr.set(N, (dt / samples) / model(N, n));
      ens.push(e);
      console.error(`${act} N=${N} n=${n}: ${samples} networks in ${dt.toFixed(1)} s (elapsed ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    configs.push({ act, N, th, ens, samples: ens.map((e) => e.samples) });
  }
}
const elapsed = (performance.now() - t0) / 1000;

// --- the comparison: linear, and quadratic for the (layer, tensor) groups whose linear fit is poor
const summary = [];
const worst = [];
const wrong = [];
let g1Relu = [];
const quadAll = []; // every component with the quadratic fit (the O(1/n²) terms are large at n = 8)
for (const { act, N, th, ens, samples } of configs) {
  const lin = compare(th, ens, { fit: 'linear' });
  const quad = compare(th, ens, { fit: 'quadratic' });
  validationHook.inverseKernel = 'diagonal';
  let diag;
  try {
    diag = theory(specAt(act, N, WIDTHS[0]), { backend: 'js' });
  } finally {
    validationHook.inverseKernel = null;
  }
  const key = (r) => `${r.layer}|${r.quantity}|${r.index.join(',')}`;
  const qmap = new Map(quad.rows.map((r) => [key(r), r]));
  const chosen = [];
  for (let layer = 2; layer <= DEPTH; layer++) {
    const row = { act, N, layer, samples, tensors: {} };
    for (const q of TENSORS) {
      const rs = lin.rows.filter((r) => r.layer === layer && r.quantity === q);
      if (rs.length === 0) continue;
      const chi = rs.reduce((s, r) => s + (Number.isFinite(r.chi2dof) ? r.chi2dof : 0), 0) / rs.length;
      const fit = chi > 1.5 ? 'quadratic' : 'linear';
      const use = fit === 'linear' ? rs : rs.map((r) => qmap.get(key(r)));
      const az = use.map((r) => Math.abs(r.z));
      row.tensors[q] = { count: use.length, maxAbsZ: Math.max(...az), beyond3: az.filter((z) => z > 3).length, fit, chi2dofLinear: chi };
      for (const r of use) chosen.push({ ...r, fit });
    }
    summary.push(row);
  }
  for (const r of quad.rows) if (r.layer >= 2) quadAll.push({ act, N, layer: r.layer, quantity: r.quantity, z: r.z });
  const sorted = chosen.slice().sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  for (const r of sorted.slice(0, 3)) worst.push({ act, N, layer: r.layer, quantity: r.quantity, index: r.index, theory: r.theory, ensemble: r.extrapolated, stderr: r.stderr, z: r.z, fit: r.fit });

  // --- wrong variants, against the same extrapolated values
  const get = (layer, q) => chosen.filter((r) => r.layer === layer && r.quantity === q);
  const zmax = (rows, value) => {
    let m = 0, at = null;
    for (const r of rows) {
      const z = (r.extrapolated - value(r)) / r.stderr;
      if (Math.abs(z) > Math.abs(m)) { m = z; at = r.index; }
    }
    return { z: m, at };
  };
  for (let layer = 2; layer <= DEPTH; layer++) {
    const T = th.layers[layer - 1];
    const v = [
      ['B_{bacd}', 'B', ([a, b, c, d]) => T.B.get(b, a, c, d)],
      ['F_{adcb}', 'F', ([a, b, c, d]) => T.F.get(a, d, c, b)],
      ['F_{cbad}', 'F', ([a, b, c, d]) => T.F.get(c, b, a, d)],
      // F_{adcb} = F_{cbad} (F_{abcd} = F_{cdab}) equals F_{abcd} exactly at layer 2; NTK and preactivation samples exchanged is the sharp test
      ['F_{bacd}', 'F', ([a, b, c, d]) => T.F.get(b, a, c, d)],
      ['Q slots 1,2 exchanged', 'Q', ([a, b, c, d]) => T.Q.get(a, c, b, d)],
      ['T ↔ U (T vs U)', 'T', ([a, b, c, d]) => T.U.get(a, b, c, d)],
      ['T ↔ U (U vs T)', 'U', ([a, b, c, d]) => T.T.get(a, b, c, d)],
    ];
    for (const [name, q, f] of v) wrong.push({ act, N, layer, variant: name, ...zmax(get(layer, q), (r) => f(r.index)) });
    {
      // every component of the layer against the theory with a diagonal inverse kernel (= the theory at layer 2)
      const D = diag.layers[layer - 1];
      const val = (r) => (r.quantity === 'G1' || r.quantity === 'H1' ? D[r.quantity][r.index[0] * N + r.index[1]] : D[r.quantity].get(...r.index));
      let m = 0, at = null;
      // exact rows (error at round-off: the conditional G, H at layer 2) would only divide two round-offs
      for (const r of chosen.filter((x) => x.layer === layer && !x.exact)) {
        const z = (r.extrapolated - val(r)) / r.stderr;
        if (Math.abs(z) > Math.abs(m)) { m = z; at = `${r.quantity}[${r.index}]`; }
      }
      wrong.push({ act, N, layer, variant: 'diagonal inverse kernel', z: m, at });
    }
    if (layer >= 3) {
      // the last layer of a depth-`layer` network without its inherited terms
      const widths = [3, ...Array(layer - 2).fill(2 ** 20), WIDTHS[0]];
      const drop = theory(spec(act, N, widths, WIDTHS[0], layer)).layers[layer - 1];
      for (const q of TENSORS) {
        const rows = get(layer, q);
        if (!rows.length) continue;
        const val = (r) => (q === 'G1' || q === 'H1' ? drop[q][r.index[0] * N + r.index[1]] : drop[q].get(...r.index));
        wrong.push({ act, N, layer, variant: `${q} without inherited terms`, ...zmax(rows, val) });
      }
    }
  }
  if (act === 'relu') {
    for (let layer = 3; layer <= DEPTH; layer++) {
      for (const r of chosen.filter((r) => r.layer === layer && r.quantity === 'G1' && r.index[0] !== r.index[1])) {
        g1Relu.push({ N, layer, index: r.index, theory: r.theory, ensemble: r.extrapolated, stderr: r.stderr, zFromZero: r.extrapolated / r.stderr, z: r.z });
      }
    }
  }
}

// --- headline: per tensor over everything
const head = {};
for (const q of TENSORS) {
  let count = 0, beyond = 0, m = 0;
  for (const s of summary) if (s.tensors[q]) { count += s.tensors[q].count; beyond += s.tensors[q].beyond3; m = Math.max(m, s.tensors[q].maxAbsZ); }
  head[q] = { count, beyond3: beyond, fraction: beyond / count, maxAbsZ: m };
}
const headQ = {};
for (const q of TENSORS) {
  const az = quadAll.filter((r) => r.quantity === q).map((r) => Math.abs(r.z));
  headQ[q] = { count: az.length, beyond3: az.filter((z) => z > 3).length, maxAbsZ: Math.max(...az) };
}
const totalCount = Object.values(head).reduce((s, h) => s + h.count, 0);
const totalBeyond = Object.values(head).reduce((s, h) => s + h.beyond3, 0);
const wrongBest = {};
for (const w of wrong) {
  const k = w.variant.includes('without inherited') ? `${w.variant.split(' ')[0]} without inherited terms` : w.variant;
  const cur = wrongBest[k];
  if (!cur || Math.abs(w.z) > Math.abs(cur.z)) wrongBest[k] = w;
}
writeFileSync(`${OUT}-points.json`, JSON.stringify({
  source: `${OUT.split('/').pop()}.json`, widths: WIDTHS,
  configs: configs.map((c, k) => ({
    act: c.act, N: c.N, seeds: seedsOf[k], samples: c.samples, seconds: null,
    rows: compare(c.th, c.ens, { fit: 'linear' }).rows.filter((r) => r.layer >= 2).map((r) => ({ layer: r.layer, quantity: r.quantity, index: r.index, points: r.points.map((p) => [p.n, p.value, p.stderr]) })),
  })),
}));
const json = { budget: BUDGET, elapsedSeconds: elapsed, widths: WIDTHS, neurons: K, depth: DEPTH, inputs: XS, hyper: HYPER, lambdaB: 0.5, lambdaW: 1.2,
  headline: head, headlineQuadratic: headQ, totalCount, totalBeyond3: totalBeyond, summary, worst, wrong, g1Relu };
writeFileSync(`${OUT}.json`, JSON.stringify(json, null, 1));

// --- markdown
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
let md = `# Validation of the many-input theory against many-input ensembles\n\n`;
md += `Generated by \`node bench/validation-multi.mjs\` (${new Date().toISOString().slice(0, 10)}; ${f(elapsed / 60, 1)} min of ensembles on 2 workers; data in validation-multi.json).\n\n`;
md += `Networks: depth 4 (its layers 2, 3, 4 are the depth-2, -3, -4 networks), n₀ = 3, hidden widths all n ∈ {${WIDTHS.join(', ')}}, `;
md += `${ACTS.map((a) => `${a}: C_b = ${HYPER[a].Cb}, C_W = ${HYPER[a].CW}`).join('; ')}; λ_b = 0.5, λ_W = 1.2, k = ${K} neurons per layer (ordered pairs i ≠ j), order 'ddntk'. `;
md += `Inputs x₀ = (1, 0.2, −0.4), x₁ = (0.9, 0.45, −0.3) (cosine 0.965), x₂ = (−0.2, 0.9, 0.5), x₃ = (0.3, −0.6, 0.8); N = 2, 3, 4 are the first N. `;
md += `Each component is extrapolated in 1/n as compare() does (weighted least squares over the four widths, jackknife errors with 32 groups); `;
md += `linear, or quadratic for a tensor at a layer whose linear fits are poor (mean χ²/dof > 1.5) — marked "q" below. `;
md += `z = (extrapolated − theory)/σ. With 32 jackknife groups the z are roughly Student-t with 31 dof: P(|z| > 3) ≈ 0.5 % (0.27 % Gaussian).\n\n`;
md += `## Headline (all activations, N and layers 2–4)\n\n| tensor | components | max \\|z\\| | beyond 3σ |\n|---|---|---|---|\n`;
for (const q of TENSORS) md += `| ${q} | ${head[q].count} | ${f(head[q].maxAbsZ)} | ${head[q].beyond3} (${f(100 * head[q].fraction, 2)} %) |\n`;
md += `| all | ${totalCount} | ${f(Math.max(...TENSORS.map((q) => head[q].maxAbsZ)))} | ${totalBeyond} (${f(100 * totalBeyond / totalCount, 2)} %) |\n\n`;
md += `Every component with the quadratic fit (X∞ + c/n + d/n², 4 widths): `;
md += TENSORS.map((q) => `${q} ${f(headQ[q].maxAbsZ)} (${headQ[q].beyond3}/${headQ[q].count})`).join(', ');
const qb = TENSORS.reduce((s, q) => s + headQ[q].beyond3, 0), qc = TENSORS.reduce((s, q) => s + headQ[q].count, 0);
md += ` — max |z| (beyond 3σ / components); all: ${qb}/${qc} = ${f(100 * qb / qc, 2)} % beyond 3σ.\n\n`;
md += `Components are counted once per orbit of the tensor's symmetry (the packing), at each layer; components of one ensemble are correlated.\n\n`;
md += `## Max |z| per tensor (count of components; q = quadratic fit)\n\n| act | N | layer | networks per width | ${TENSORS.join(' | ')} |\n|---|---|---|---|${TENSORS.map(() => '---').join('|')}|\n`;
for (const s of summary) {
  md += `| ${s.act} | ${s.N} | ${s.layer} | ${s.samples.join('/')} | ${TENSORS.map((q) => (s.tensors[q] ? `${f(s.tensors[q].maxAbsZ, 1)}${s.tensors[q].fit === 'quadratic' ? 'q' : ''} (${s.tensors[q].count})` : '—')).join(' | ')} |\n`;
}
md += `\n## Largest |z| per configuration\n\n| act | N | layer | component | theory | ensemble ± σ | z | fit |\n|---|---|---|---|---|---|---|---|\n`;
for (const w of worst) md += `| ${w.act} | ${w.N} | ${w.layer} | ${w.quantity}[${w.index.join(',')}] | ${w.theory.toPrecision(5)} | ${w.ensemble.toPrecision(5)} ± ${w.stderr.toPrecision(2)} | ${f(w.z)} | ${w.fit} |\n`;
md += `\n## Deliberately wrong sample-index structures (max |z| over components; the largest over all configurations)\n\n| variant | max \\|z\\| | where |\n|---|---|---|\n`;
for (const [k, w] of Object.entries(wrongBest)) md += `| ${k} | ${f(Math.abs(w.z), 1)} | ${w.act}, N = ${w.N}, layer ${w.layer}, at ${typeof w.at === 'string' ? w.at : `[${w.at}]`} |\n`;
md += `\nPer configuration (max |z| of each wrong variant):\n\n| act | N | layer | ${[...new Set(wrong.map((w) => w.variant))].join(' | ')} |\n|---|---|---|${[...new Set(wrong.map((w) => w.variant))].map(() => '---').join('|')}|\n`;
for (const c of configs) {
  for (let layer = 2; layer <= DEPTH; layer++) {
    const byV = new Map(wrong.filter((w) => w.act === c.act && w.N === c.N && w.layer === layer).map((w) => [w.variant, w]));
    md += `| ${c.act} | ${c.N} | ${layer} | ${[...new Set(wrong.map((w) => w.variant))].map((v) => (byV.has(v) ? f(Math.abs(byV.get(v).z), 1) : '—')).join(' | ')} |\n`;
  }
}
md += `\n"Without inherited terms": the theory of the depth-ℓ network on widths (3, 2^20, …, 2^20, n), whose last layer keeps its own (local) contributions and the normalization 1/n_{ℓ−1} but multiplies the inherited ones by r = n/2^20. `;
md += `"Diagonal inverse kernel": the theory with K⁻¹ replaced by diag(K)⁻¹ in the Stein forms of the derivative terms (ẑ^p = z_p/K_pp, K^{pq} → δ_pq/K_pp; docs/theory/multi.md §3), from the pure-TS twin with its internal validation hook; max |z| over every component of the layer. Exact for a single sample, and at layer 2 it equals the theory (no O(1/n) tensor feeds a derivative term yet), so there it only repeats the theory's own max |z|.\n\n`;
md += `## relu: G1 off the diagonal\n\n| N | layer | index | theory | ensemble ± σ | ensemble/σ | z vs theory |\n|---|---|---|---|---|---|---|\n`;
for (const g of g1Relu) md += `| ${g.N} | ${g.layer} | ${g.index.join(',')} | ${g.theory.toPrecision(4)} | ${g.ensemble.toPrecision(4)} ± ${g.stderr.toPrecision(2)} | ${f(g.zFromZero, 1)} | ${f(g.z)} |\n`;
writeFileSync(`${OUT}.md`, md);
console.log(md);
