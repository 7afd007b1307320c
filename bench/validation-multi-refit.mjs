// Offline refits of the many-input validation from its per-width points (bench/validation-multi-points.json,
// written by bench/validation-multi-points.mjs from the same networks as bench/validation-multi.json): no new
// ensembles, a few seconds.
//
// 1. Which 1/n fit: every component extrapolated linearly, quadratically, with compare()'s default 'auto', and
//    with data-driven rules that were considered for 'auto' and rejected (quadratic only where the 1/n² term
//    is significant, per component or pooled over a tensor at a layer): fraction beyond 3σ, max |z|, error cost.
// 2. The "diagonal inverse kernel" wrong variant: the theory with K⁻¹ replaced by diag(K)⁻¹ in the Stein forms
//    of the derivative terms (ts/twin/theory/multi/tables.ts, validationHook; docs/theory/multi.md §3), against
//    the same extrapolated values as the other wrong variants of validation-multi.md (its mixed linear/quadratic
//    rule) and against the 'auto' ones: max |z| per configuration and layer.
//
// Usage: npm run build:ts && node bench/validation-multi-refit.mjs   → prints and writes bench/validation-multi-refit.md
import { readFileSync, writeFileSync } from 'node:fs';
import { init, theory, extrapolate } from '../dist/ts/node.js';
import { validationHook } from '../dist/ts/twin/theory/multi/tables.js';
import { chi2Tail } from '../dist/ts/stats/chi2.js';

const here = (f) => new URL(f, import.meta.url).pathname;
const run = JSON.parse(readFileSync(here('./validation-multi.json'), 'utf8'));
const data = JSON.parse(readFileSync(here('./validation-multi-points.json'), 'utf8'));
await init();

const spec = (act, N) => ({
  activation: act, depth: run.depth, widths: [3, ...Array(run.depth - 2).fill(run.widths[0]), run.widths[0]], outputWidth: run.widths[0],
  ...run.hyper[act], lambdaB: run.lambdaB, lambdaW: run.lambdaW, input: { X: run.inputs.slice(0, N) },
});
const valueOf = (th, N, r) => {
  const L = th.layers[r.layer - 1];
  return r.quantity === 'G1' || r.quantity === 'H1' ? L[r.quantity][r.index[0] * N + r.index[1]] : L[r.quantity].get(...r.index);
};
const diagonalTheory = (s) => {
  validationHook.inverseKernel = 'diagonal';
  try {
    return theory(s, { backend: 'js' });
  } finally {
    validationHook.inverseKernel = null;
  }
};

const rows = [];
let exactRows = 0;
for (const c of data.configs) {
  const s = spec(c.act, c.N);
  const th = theory(s);
  const wrong = diagonalTheory(s);
  for (const r of c.rows) {
    const p = r.points.map(([n, value, stderr]) => ({ n, value, stderr }));
    const lin = extrapolate(p, 'linear');
    const quad = extrapolate(p, 'quadratic');
    // exact rows (zero error: relu's P, R, U at layer 2 vanish in every network) carry no z-score
    if (!(lin.stderr > 0)) {
      exactRows++;
      continue;
    }
    // a_lin − a_quad = β·d exactly for nested weighted fits, with variance σ_q² − σ_l²: t = d/σ_d
    const t = (lin.value - quad.value) / Math.sqrt(Math.max(quad.stderr ** 2 - lin.stderr ** 2, 1e-300));
    rows.push({ act: c.act, N: c.N, layer: r.layer, quantity: r.quantity, index: r.index, lin, quad, t, theory: valueOf(th, c.N, r), diagonal: valueOf(wrong, c.N, r) });
  }
}
const group = (r) => `${r.act}|${r.N}|${r.layer}|${r.quantity}`;
const groups = new Map();
for (const r of rows) {
  if (!groups.has(group(r))) groups.set(group(r), []);
  groups.get(group(r)).push(r);
}
for (const g of groups.values()) {
  const S = g.reduce((s, r) => s + r.t * r.t, 0);
  const chiLin = g.reduce((s, r) => s + r.lin.chi2dof, 0) / g.length;
  for (const r of g) {
    r.groupP = chi2Tail(S, g.length);
    r.groupChi2Lin = chiLin;
  }
}
const z = (f, value) => (f.value - value) / f.stderr;
const RULES = [
  ['linear', () => 'lin'],
  ['quadratic', () => 'quad'],
  ["auto (compare()'s default: quadratic with ≥ 4 widths)", () => 'quad'],
  ['validation-multi.md mixed rule (quadratic where a tensor\'s mean linear χ²/dof > 1.5 at that layer)', (r) => (r.groupChi2Lin > 1.5 ? 'quad' : 'lin')],
  ['quadratic where |d|/σ_d > 2 (significant curvature), else linear', (r) => (Math.abs(r.t) > 2 ? 'quad' : 'lin')],
  ['quadratic where |d|/σ_d > 1 (AIC-like: smaller estimated MSE), else linear', (r) => (Math.abs(r.t) > 1 ? 'quad' : 'lin')],
  ['quadratic where |d|/σ_d > 1 or the linear χ² p < 0.05 or the tensor\'s pooled Σ(d/σ_d)² has p < 0.05', (r) => (Math.abs(r.t) > 1 || r.groupP < 0.05 || chi2Tail(2 * r.lin.chi2dof, 2) < 0.05 ? 'quad' : 'lin')],
];
const f2 = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const stats = (sel) => {
  const zs = rows.map((r) => z(r[sel(r)], r.theory));
  const beyond = zs.filter((v) => Math.abs(v) > 3).length;
  const ratio = rows.reduce((s, r) => s + r[sel(r)].stderr / r.lin.stderr, 0) / rows.length;
  const quad = rows.filter((r) => sel(r) === 'quad').length;
  return { beyond, frac: beyond / rows.length, max: Math.max(...zs.map(Math.abs)), ratio, quad };
};

let md = `# Refits of the many-input validation: which 1/n fit, and the diagonal-inverse-kernel variant\n\n`;
md += `Generated by \`node bench/validation-multi-refit.mjs\` (${new Date().toISOString().slice(0, 10)}) from bench/validation-multi-points.json: `;
md += `the per-width points (n, mean, jackknife σ) of ${data.configs.map((c) => `${c.act} N = ${c.N}`).join(', ')} — the configurations of bench/validation-multi.json re-sampled `;
md += `by bench/validation-multi-points.mjs with that run's seeds and sample counts (${data.configs.map((c) => `${c.act} N = ${c.N}: seeds ${c.seeds.join(', ')}; ${c.samples.join('/')} networks; ${f2(c.seconds, 0)} s`).join('; ')}), `;
md += `so the same networks: the linear max |z| per tensor and layer reproduce validation-multi.md's table. Widths n = ${data.widths.join(', ')}, layers 2–4, ${rows.length} components with a statistical error (and ${exactRows} exact ones, zero in every network, left out).\n\n`;
md += `## 1. Which 1/n fit\n\n| rule | beyond 3σ | max \\|z\\| | quadratic rows | mean σ / σ_linear |\n|---|---|---|---|---|\n`;
for (const [name, sel] of RULES) {
  const s = stats(sel);
  md += `| ${name} | ${s.beyond} (${f2(100 * s.frac)} %) | ${f2(s.max)} | ${f2((100 * s.quad) / rows.length, 0)} % | ${f2(s.ratio)} |\n`;
}
const big = rows.filter((r) => Math.abs(z(r.lin, r.theory)) > 3.5).sort((a, b) => Math.abs(z(b.lin, b.theory)) - Math.abs(z(a.lin, a.theory)));
md += `\nThe components whose linear fit is furthest from the theory (|z| > 3.5), with the evidence a data-driven rule would have for the 1/n² term:\n\n`;
md += `| act | N | layer | component | z linear | z quadratic | d/σ_d | linear χ²/dof | pooled p (tensor, layer) |\n|---|---|---|---|---|---|---|---|---|\n`;
for (const r of big.slice(0, 12)) md += `| ${r.act} | ${r.N} | ${r.layer} | ${r.quantity}[${r.index.join(',')}] | ${f2(z(r.lin, r.theory))} | ${f2(z(r.quad, r.theory))} | ${f2(r.t)} | ${f2(r.lin.chi2dof)} | ${r.groupP.toPrecision(2)} |\n`;
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
md += `\nMedian σ_quadratic/σ_linear: ${f2(med(rows.map((r) => r.quad.stderr / r.lin.stderr)))}. `;
md += `For nested weighted fits the difference of the intercepts is exactly β·d (β: the linear fit's intercept for data 1/n²), independent of the linear intercept, with variance σ_q² − σ_l²; `;
md += `so a linear bias of k σ_l shows up as |d|/σ_d ≈ k σ_l/√(σ_q² − σ_l²) ≈ k/${f2(Math.sqrt(med(rows.map((r) => (r.quad.stderr / r.lin.stderr) ** 2)) - 1))}: `;
md += `biases of 3–6 σ_l are 1–2 σ_d, which no significance test on d (or χ²) detects, and pooling over a tensor's components does not help because they are strongly correlated (one ensemble).\n\n`;

// ---- 2. the diagonal inverse kernel
md += `## 2. "Diagonal inverse kernel" (K⁻¹ → diag(K)⁻¹ in the Stein forms of the derivative terms)\n\n`;
md += `max |z| over the components of each configuration and layer of the wrong theory against the extrapolated ensemble values; `;
md += `"mixed" = validation-multi.md's rule (the values its other wrong variants are measured against), "auto" = quadratic everywhere. In brackets: the tensor where it is largest. `;
md += `Layer 2 has no derivative terms (every O(1/n) tensor of layer 1 vanishes), so the variant equals the theory there.\n\n`;
md += `| act | N | layer | mixed | auto | per tensor (auto) |\n|---|---|---|---|---|---|\n`;
const variantRows = [];
for (const c of data.configs) {
  for (let layer = 2; layer <= run.depth; layer++) {
    const rs = rows.filter((r) => r.act === c.act && r.N === c.N && r.layer === layer);
    const worst = (sel) => {
      let m = 0, at = '';
      for (const r of rs) {
        const f = r[sel(r)];
        const v = Math.abs((f.value - r.diagonal) / f.stderr);
        if (v > m) { m = v; at = r.quantity; }
      }
      return { m, at };
    };
    const mixed = worst(RULES[3][1]);
    const auto = worst(RULES[2][1]);
    const per = [...new Set(rs.map((r) => r.quantity))].map((q) => `${q} ${f2(Math.max(...rs.filter((r) => r.quantity === q).map((r) => Math.abs((r.quad.value - r.diagonal) / r.quad.stderr))), 1)}`).join(', ');
    variantRows.push({ act: c.act, N: c.N, layer, mixed: mixed.m, mixedAt: mixed.at, auto: auto.m, autoAt: auto.at });
    md += `| ${c.act} | ${c.N} | ${layer} | ${f2(mixed.m, 1)} (${mixed.at || '—'}) | ${f2(auto.m, 1)} (${auto.at || '—'}) | ${per} |\n`;
  }
}
writeFileSync(here('./validation-multi-refit.md'), md);
writeFileSync(here('./validation-multi-refit.json'), JSON.stringify({ rules: RULES.map(([name, sel]) => ({ name, ...stats(sel) })), diagonalInverseKernel: variantRows }, null, 1));
console.log(md);
