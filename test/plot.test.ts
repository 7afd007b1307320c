/**
 * wideflow/plot: the SVG figures checked structurally (a standalone SVG document, one panel per
 * quantity, axes with ticks and the book's labels, one line per series) and numerically: every dot
 * is read back twice — its <title> must state the plotted number exactly, and its pixel position,
 * mapped back through the axis ticks that Plot printed, must equal that number. The expected numbers
 * come from the core API and closed forms computed here, never from the plot module itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOMParser } from 'linkedom';
import { beforeAll, describe, expect, test } from 'vitest';
import * as wf from '../ts/node.js';
import { comparePlot, distributionPlot, flowsPlot, kernelsPlot, susceptibilityPlot } from '../ts/plot/node.js';
import type { CompareResult } from '../ts/index.js';
import { requireBuilt, root } from './fixtures/browser/built.js';

beforeAll(async () => {
  await wf.init();
});

// ---------------------------------------------------------------- reading an SVG back

function parse(svg: string): Document {
  // An XML parse: a figure that is not well-formed XML (e.g. an HTML-only entity) fails here.
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml') as unknown as Document;
  expect(doc.documentElement.tagName.toLowerCase()).toBe('svg');
  return doc;
}

function translate(el: Element): [number, number] {
  const m = /translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(el.getAttribute('transform') ?? '');
  if (!m) throw new Error(`no translate() on ${el.outerHTML.slice(0, 80)}`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * The data → pixel map of one axis, reconstructed from the tick labels Plot printed and where it
 * printed them: linear, or logarithmic when the ticks only line up in log space.
 */
function axisMap(panel: Element, axis: 'x' | 'y'): { type: 'linear' | 'log'; map: (v: number) => number } {
  const ticks = [...panel.querySelectorAll(`[aria-label="${axis}-axis tick label"] text`)]
    .filter((t) => (t.textContent ?? '').trim() !== '')
    .map((t) => [Number(t.textContent), translate(t)[axis === 'x' ? 0 : 1]] as const)
    .filter(([v]) => Number.isFinite(v));
  expect(ticks.length, `${axis} ticks`).toBeGreaterThanOrEqual(2);
  const fit = (f: (v: number) => number) => {
    const [a, b] = [ticks[0], ticks[ticks.length - 1]];
    const k = (b[1] - a[1]) / (f(b[0]) - f(a[0]));
    const map = (v: number) => a[1] + k * (f(v) - f(a[0]));
    const worst = Math.max(...ticks.map(([v, p]) => Math.abs(map(v) - p)));
    return { map, worst };
  };
  const lin = fit((v) => v);
  if (lin.worst < 1e-6 * (1 + Math.abs(ticks[0][1]))) return { type: 'linear', map: lin.map };
  const log = fit(Math.log10);
  // Tick labels are printed with 3 significant digits: on a log axis that is ≤ 0.05 % of a decade.
  expect(log.worst, `${axis} ticks neither linear nor logarithmic`).toBeLessThan(0.05);
  return { type: 'log', map: log.map };
}

/** Checks that every dot of `panel` is at (x, y) of its datum; returns the data read from the titles. */
function checkDots(panel: Element, selector: string, expected: Array<{ x: number; y: number; title: RegExp }>, tolPx = 0.02): void {
  const dots = [...panel.querySelectorAll(`${selector} circle`)];
  expect(dots.length).toBe(expected.length);
  const X = axisMap(panel, 'x');
  const Y = axisMap(panel, 'y');
  dots.forEach((c, i) => {
    const e = expected[i];
    expect(c.querySelector('title')?.textContent).toMatch(e.title);
    expect(Math.abs(Number(c.getAttribute('cx')) - X.map(e.x)), `dot ${i} x`).toBeLessThan(tolPx);
    expect(Math.abs(Number(c.getAttribute('cy')) - Y.map(e.y)), `dot ${i} y`).toBeLessThan(tolPx);
  });
}

/** The number after the last "= " of a <title>. */
function titleValue(t: string): number {
  return Number(/= (\S+)$/.exec(t)![1]);
}

const tanh = { activation: 'tanh', depth: 6, width: 32, inputWidth: 8, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } } as const;

// ---------------------------------------------------------------- flows

describe('flowsPlot', () => {
  test('one panel per quantity, axes with book labels, one line per series, dots at the theory values', () => {
    const a = wf.theory(tanh);
    const b = wf.theory({ ...tanh, activation: 'relu', CW: 2 });
    const svg = flowsPlot([{ label: 'tanh', result: a }, { label: 'relu', result: b }], { quantities: ['K', 'Theta', 'norm.V'] });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const doc = parse(svg);
    expect(doc.documentElement.getAttribute('data-figure')).toBe('flows');
    const panels = [...doc.querySelectorAll('g.wf-panel')];
    expect(panels.map((p) => p.getAttribute('data-panel'))).toEqual(['K', 'Theta', 'norm.V']);
    // Legend: both series named.
    expect([...doc.querySelectorAll('.wf-legend-item')].map((e) => e.getAttribute('data-label'))).toEqual(['tanh', 'relu']);
    for (const p of panels) {
      expect(p.querySelectorAll('[aria-label="x-axis tick"] path').length).toBeGreaterThan(1);
      expect(p.querySelectorAll('[aria-label="y-axis tick"] path').length).toBeGreaterThan(1);
      expect(p.querySelector('[aria-label="x-axis label"]')?.textContent).toMatch(/layer ℓ/);
      // Two series: two line paths, 2 × 6 dots.
      expect(p.querySelectorAll('g.wf-series-line path').length).toBe(2);
    }
    expect(panels[0].querySelector('[aria-label="y-axis label"]')?.textContent).toMatch(/K/);
    expect(panels[1].querySelector('[aria-label="y-axis label"]')?.textContent).toMatch(/Θ/);
    expect(panels[2].querySelector('[aria-label="y-axis label"]')?.textContent).toMatch(/V\/\(nK²\)/);
    // The numbers: K, Θ from theory(); V/(nK²) computed here from V, K and n = n_{ℓ−1} (8 for ℓ = 1, else 32).
    const exp = (r: wf.TheoryResult, f: (l: wf.TheoryLayer) => number) => r.layers.map((l) => ({ x: l.layer, y: f(l), title: new RegExp(`= ${String(f(l)).replace(/[.+]/g, '\\$&')}$`) }));
    checkDots(panels[0], 'g.wf-series-dot', [...exp(a, (l) => l.K), ...exp(b, (l) => l.K)]);
    checkDots(panels[1], 'g.wf-series-dot', [...exp(a, (l) => l.Theta), ...exp(b, (l) => l.Theta)]);
    const nv = (l: wf.TheoryLayer) => l.V / ((l.layer === 1 ? 8 : 32) * l.K * l.K);
    checkDots(panels[2], 'g.wf-series-dot', [...exp(a, nv), ...exp(b, nv)]);
    // relu at criticality: K⁽ℓ⁾ = C_W·x²·… = 2·(1/2)^0 … stays exactly 2 for ℓ ≥ 2 (K⁽¹⁾ = x²·C_W = 2); Θ grows linearly.
    b.layers.forEach((l) => expect(l.K).toBeCloseTo(2, 12));
  });

  test('the reading of the plot can fail: a wrong value, or a dot moved by a pixel, is detected', () => {
    const r = wf.theory(tanh);
    const panel = parse(flowsPlot(r, { quantities: ['K'] })).querySelector('g.wf-panel')!;
    const right = r.layers.map((l) => ({ x: l.layer, y: l.K, title: /K = / }));
    checkDots(panel, 'g.wf-series-dot', right);
    const wrong = right.map((d, i) => (i === 3 ? { ...d, y: d.y * 1.02 } : d));
    expect(() => checkDots(panel, 'g.wf-series-dot', wrong)).toThrow();
    const moved = panel.querySelectorAll('g.wf-series-dot circle')[2];
    moved.setAttribute('cy', String(Number(moved.getAttribute('cy')) + 1));
    expect(() => checkDots(panel, 'g.wf-series-dot', right)).toThrow();
  });

  test('a quantity spanning decades gets a log axis; the dots still sit at their values', () => {
    // gelu at C_W = 1 (not critical): K decays fast, many decades over 12 layers.
    const r = wf.theory({ ...tanh, activation: 'gelu', depth: 12 });
    const Ks = r.layers.map((l) => l.K);
    expect(Math.max(...Ks) / Math.min(...Ks)).toBeGreaterThan(100);
    const panel = parse(flowsPlot(r, { quantities: ['K'] })).querySelector('g.wf-panel')!;
    expect(axisMap(panel, 'y').type).toBe('log');
    checkDots(panel, 'g.wf-series-dot', r.layers.map((l) => ({ x: l.layer, y: l.K, title: /K = / })));
    // …and every title states the number exactly (String(v) round-trips a double).
    const titles = [...panel.querySelectorAll('g.wf-series-dot title')].map((t) => titleValue(t.textContent!));
    expect(titles).toEqual(Ks);
  });

  test('bad input: a typed error naming the parameter', () => {
    const r = wf.theory(tanh);
    expect(() => flowsPlot(r, { quantities: ['nope' as 'K'] })).toThrow(wf.InvalidParameterError);
    expect(() => flowsPlot(r, { quantities: ['nope' as 'K'] })).toThrow(/quantities/);
    expect(() => flowsPlot({} as wf.TheoryResult)).toThrow(/flows/);
  });
});

// ---------------------------------------------------------------- compare

describe('comparePlot', () => {
  // Points exactly on X∞ + c/n + d/n²: a weighted least-squares fit returns X∞, c and d exactly, so
  // the drawn curve is known in closed form (independent of compare()).
  const X = 0.5;
  const c = -3;
  const d = 20;
  const widths = [8, 16, 32, 64];
  const row = (quantity: 'V' | 'A', fit: 'linear' | 'quadratic') => ({
    layer: 3,
    quantity,
    theory: 0.48,
    extrapolated: X,
    stderr: 0.01,
    z: (X - 0.48) / 0.01,
    slope: c,
    chi2dof: 0,
    fit,
    curvature: NaN,
    curvatureStderr: NaN,
    points: widths.map((n, i) => ({ n, value: X + c / n + (fit === 'quadratic' ? d / (n * n) : 0), stderr: 0.01 * (1 + i) })),
  });

  test('per-width points with error bars at 1/n, the fit through them, X∞ ± s.e. and the theory line', () => {
    const cmp: CompareResult = { rows: [row('V', 'quadratic'), row('A', 'quadratic'), { ...row('V', 'quadratic'), layer: 2 }], maxAbsZ: 2, warnings: [] };
    const doc = parse(comparePlot(cmp, { fit: 'quadratic' }));
    expect(doc.documentElement.getAttribute('data-figure')).toBe('compare');
    // Default: the last layer only.
    const panels = [...doc.querySelectorAll('g.wf-panel')];
    expect(panels.map((p) => p.getAttribute('data-panel'))).toEqual(['3:V', '3:A']);
    const p = panels[0];
    expect(p.querySelector('.wf-caption')?.textContent).toMatch(/V⁽3⁾\s+z = 2\.00/);
    expect(p.querySelector('[aria-label="x-axis label"]')?.textContent).toMatch(/1\/n/);
    const Xm = axisMap(p, 'x');
    const Ym = axisMap(p, 'y');
    const pts = cmp.rows[0].points;
    checkDots(p, 'g.wf-ensemble', pts.map((q) => ({ x: 1 / q.n, y: q.value, title: new RegExp(`n = ${q.n} `) })));
    // Error bars: value ± stderr, at x = 1/n.
    const bars = [...p.querySelectorAll('g.wf-errorbar line')];
    expect(bars).toHaveLength(widths.length);
    bars.forEach((l, i) => {
      const ys = [Number(l.getAttribute('y1')), Number(l.getAttribute('y2'))].sort((a, b) => a - b);
      const want = [Ym.map(pts[i].value + pts[i].stderr), Ym.map(pts[i].value - pts[i].stderr)].sort((a, b) => a - b);
      expect(Math.abs(ys[0] - want[0]) + Math.abs(ys[1] - want[1])).toBeLessThan(0.02);
      expect(Math.abs(Number(l.getAttribute('x1')) - Xm.map(1 / pts[i].n))).toBeLessThan(0.02);
    });
    // Theory: a horizontal rule at 0.48.
    const th = p.querySelector('g.wf-theory line')!;
    expect(Math.abs(Number(th.getAttribute('y1')) - Ym.map(0.48))).toBeLessThan(0.02);
    // The fit curve passes through X∞ at 1/n = 0 and through every (noise-free) point: d was recovered.
    const path = p.querySelector('g.wf-fit path')!.getAttribute('d')!;
    const vertices = [...path.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(vertices.length).toBe(41);
    for (const [px, py] of vertices) {
      // Invert the linear x map, then compare y with the closed form.
      const x = (px - Xm.map(0)) / (Xm.map(1) - Xm.map(0));
      expect(Math.abs(py - Ym.map(X + c * x + d * x * x))).toBeLessThan(0.02);
    }
  });

  test('a linear fit draws a straight line X∞ + c/n; other layers on request; bad layers are a typed error', () => {
    const cmp: CompareResult = { rows: [row('V', 'linear'), { ...row('A', 'linear'), layer: 2 }], maxAbsZ: 2, warnings: [] };
    const doc = parse(comparePlot(cmp, { layers: [2, 3] }));
    expect([...doc.querySelectorAll('g.wf-panel')].map((p) => p.getAttribute('data-panel'))).toEqual(['3:V', '2:A']);
    const p = doc.querySelector('g.wf-panel')!;
    const Ym = axisMap(p, 'y');
    const Xm = axisMap(p, 'x');
    const v = [...p.querySelector('g.wf-fit path')!.getAttribute('d')!.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    for (const [px, py] of v) {
      const x = (px - Xm.map(0)) / (Xm.map(1) - Xm.map(0));
      expect(Math.abs(py - Ym.map(X + c * x))).toBeLessThan(0.02);
    }
    expect(() => comparePlot(cmp, { layers: [7] })).toThrow(wf.InvalidParameterError);
  });

  test('with real ensembles: each point is the ensemble estimate at its width', async () => {
    const spec = { activation: 'tanh', depth: 2, inputWidth: 4, width: 8, outputWidth: 4, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: 1 } } as const;
    const ens = [];
    for (const w of [6, 12]) ens.push(await wf.ensemble({ ...spec, width: w }, { samples: 300, seed: 3 }));
    const cmp = wf.compare(wf.theory(spec), ens);
    const doc = parse(comparePlot(cmp, { quantities: ['V'] }));
    const p = doc.querySelector('g.wf-panel')!;
    checkDots(p, 'g.wf-ensemble', ens.map((e) => ({ x: 1 / e.layers[1].n, y: e.layers[1].V!.mean, title: new RegExp(`= ${String(e.layers[1].V!.mean).replace(/[.+]/g, '\\$&')} ±`) })));
  });
});

// ---------------------------------------------------------------- kernels, susceptibilities, distributions

describe('kernelsPlot', () => {
  test('an N×N grid of cells per layer whose titles are the matrix entries', () => {
    // relu: closed form (arc-cosine kernel) checked by the kernels tests; here only that the figure carries it.
    const inputs = [[1, 0], [0.6, 0.8], [0, 1], [-1, 0.2], [0.3, -0.7]];
    const k = wf.kernels({ activation: 'relu', depth: 5, Cb: 0.1, CW: 2, lambdaB: 1, lambdaW: 1, inputs });
    const doc = parse(kernelsPlot(k, { layers: [1, 5] }));
    expect(doc.documentElement.getAttribute('data-figure')).toBe('kernels');
    const panels = [...doc.querySelectorAll('g.wf-panel')].filter((p) => p.getAttribute('data-panel') !== 'color-legend');
    expect(panels.map((p) => p.getAttribute('data-panel'))).toEqual(['1', '5']);
    panels.forEach((p, i) => {
      const layer = [1, 5][i];
      const cells = [...p.querySelectorAll('g.wf-kernel-cell rect')];
      expect(cells).toHaveLength(25);
      const vals = cells.map((c) => titleValue(c.querySelector('title')!.textContent!));
      expect(vals).toEqual([...k.layers[layer - 1].K]);
      expect(p.querySelector('[aria-label="x-axis label"]')?.textContent).toMatch(/β/);
      expect(p.querySelector('[aria-label="y-axis label"]')?.textContent).toMatch(/α/);
    });
    // Layer 1 by hand: K⁽¹⁾_αβ = C_b + C_W x_α·x_β/n₀.
    const K1 = inputs.flatMap((a) => inputs.map((b) => 0.1 + (2 * (a[0] * b[0] + a[1] * b[1])) / 2));
    k.layers[0].K.forEach((v, i) => expect(v).toBeCloseTo(K1[i], 14));
    expect(doc.querySelector('[data-panel="color-legend"]')).not.toBeNull();
  });

  test('correlation view: 1 on the diagonal', () => {
    const k = wf.kernels({ activation: 'erf', depth: 3, Cb: 0.1, CW: 1.5, lambdaB: 1, lambdaW: 1, inputs: [[1, 0], [0, 1], [1, 1]] });
    const doc = parse(kernelsPlot(k, { layers: [3], normalize: 'correlation' }));
    const vals = [...doc.querySelectorAll('g.wf-panel[data-panel="3"] g.wf-kernel-cell title')].map((t) => titleValue(t.textContent!));
    [0, 4, 8].forEach((i) => expect(vals[i]).toBeCloseTo(1, 14));
    expect(() => kernelsPlot(k, { layers: [4] })).toThrow(/layers/);
  });
});

describe('susceptibilityPlot and distributionPlot', () => {
  test('χ∥, χ⊥ curves against K with the criticality line; iterates on the curves', () => {
    // χ⊥ of relu is C_W/2 for every K (closed form), χ∥ too: both flat at C_W/2 = 1 at criticality.
    const Ks = [0.05, 0.3, 1, 3, 10];
    const pts = Ks.map((K) => wf.theory({ activation: 'relu', depth: 1, width: 1, inputWidth: 1, Cb: 0, CW: 2, lambdaB: 1, lambdaW: 1, input: { x2: K / 2 } }).layers[0]);
    pts.forEach((p, i) => {
      expect(p.K).toBeCloseTo(Ks[i], 14);
      expect(p.chiPerp).toBeCloseTo(1, 12);
      expect(p.chiParallel).toBeCloseTo(1, 12);
    });
    // Curves of tanh at C_W = 1 (χ from 1 at K → 0 down to ~0 at large K), with the flow's iterates on them.
    const tk = (K: number) => wf.theory({ activation: 'tanh', depth: 1, width: 1, inputWidth: 1, Cb: 0, CW: 1, lambdaB: 1, lambdaW: 1, input: { x2: K } }).layers[0];
    const grid = Array.from({ length: 30 }, (_, i) => 0.01 * Math.pow(1000, i / 29)).map(tk);
    const flow = wf.theory({ ...tanh, depth: 4 }).layers;
    const doc = parse(susceptibilityPlot({ K: grid.map((g) => g.K), chiParallel: grid.map((g) => g.chiParallel), chiPerp: grid.map((g) => g.chiPerp) }, { iterates: flow }));
    const p = doc.querySelector('g.wf-panel')!;
    expect(p.querySelectorAll('g.wf-series-line path')).toHaveLength(2);
    expect(axisMap(p, 'x').type).toBe('log');
    const Y = axisMap(p, 'y');
    expect(Math.abs(Number(p.querySelector('g.wf-criticality line')!.getAttribute('y1')) - Y.map(1))).toBeLessThan(0.02);
    checkDots(p, 'g.wf-iterates', flow.flatMap((l) => [
      { x: l.K, y: l.chiParallel, title: new RegExp(`ℓ = ${l.layer} .*χ∥`) },
      { x: l.K, y: l.chiPerp, title: new RegExp(`ℓ = ${l.layer} .*χ⊥`) },
    ]));
  });

  test('histogram normalized to a density, with the predicted Gaussians', () => {
    const rng = new wf.Rng(5, 0);
    const xs = Array.from({ length: 4000 }, () => 0.5 + 2 * rng.normal());
    const doc = parse(distributionPlot(xs, [{ label: 'n = ∞', mean: 0.5, variance: 4 }], { bins: 40 }));
    const bars = [...doc.querySelectorAll('g.wf-histogram rect')];
    expect(bars).toHaveLength(40);
    const counts = bars.map((b) => Number(/: (\d+)$/.exec(b.querySelector('title')!.textContent!)![1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4000);
    expect(doc.querySelectorAll('g.wf-series-line path')).toHaveLength(1);
    expect(() => distributionPlot([1], [])).toThrow(wf.InvalidParameterError);
  });
});

// ---------------------------------------------------------------- built artifacts and the CLI

describe('built entry and CLI --plot', () => {
  const cli = fileURLToPath(new URL('../dist/ts/cli.js', import.meta.url));
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const dir = mkdtempSync(join(tmpdir(), 'wideflow-plot-'));

  test('the core stays free of the plotting code; the plot bundles carry it', () => {
    requireBuilt(['dist/browser/wideflow.js', 'dist/plot/node.js', 'dist/plot/browser.js']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.exports['./plot']).toMatchObject({ node: './dist/plot/node.js', browser: './dist/plot/browser.js' });
    const core = readFileSync(join(root, 'dist/browser/wideflow.js'), 'utf8');
    expect(/observablehq|linkedom|htmlparser2/i.test(core)).toBe(false);
    // The plot bundles import the core by its package name (one shared instance), never a copy of it.
    for (const f of ['dist/plot/node.js', 'dist/plot/browser.js']) {
      const s = readFileSync(join(root, f), 'utf8');
      expect(/from\s*"wideflow"/.test(s)).toBe(true);
      expect(/wf_theory|wf_gauss_moments/.test(s)).toBe(false);
    }
    // The browser build renders into the page's DOM: linkedom's parser stays out of it (booleans, not
    // toMatch, so that a failure does not print a minified bundle).
    expect(/DOMParser/.test(readFileSync(join(root, 'dist/plot/browser.js'), 'utf8'))).toBe(false);
    expect(/DOMParser/.test(readFileSync(join(root, 'dist/plot/node.js'), 'utf8'))).toBe(true);
  });

  test('theory --plot writes the flows figure whose numbers equal theory --json', () => {
    const net = ['--activation', 'tanh', '--depth', '5', '--width', '32', '--input-width', '8', '--cb', '0', '--cw', '1', '--x2', '1'];
    const file = join(dir, 'flows.svg');
    const r = run('theory', ...net, '--json', '--plot', file);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(new RegExp(`plot: wrote ${file.replace(/[.]/g, '\\.')}`));
    const layers = JSON.parse(r.out).layers as Array<{ K: number; Theta: number }>;
    const doc = parse(readFileSync(file, 'utf8'));
    const panels = [...doc.querySelectorAll('g.wf-panel')];
    expect(panels).toHaveLength(6);
    checkDots(panels[0], 'g.wf-series-dot', layers.map((l, i) => ({ x: i + 1, y: l.K, title: /K = / })));
    checkDots(panels[1], 'g.wf-series-dot', layers.map((l, i) => ({ x: i + 1, y: l.Theta, title: /Θ = / })));
    expect(doc.querySelector('.wf-subtitle')?.textContent).toMatch(/tanh · L = 5 · n = 32 · C_b = 0, C_W = 1/);
    expect(run('theory', ...net, '--plot', join(dir, 'x.png')).err).toMatch(/--plot must be a file name ending in \.svg/);
    const f2 = join(dir, 'chi.svg');
    expect(run('theory', ...net, '--plot', f2, '--plot-quantities', 'K,chiPerp,norm.T').code).toBe(0);
    expect([...parse(readFileSync(f2, 'utf8')).querySelectorAll('g.wf-panel')].map((p) => p.getAttribute('data-panel'))).toEqual(['K', 'chiPerp', 'norm.T']);
    expect(run('theory', ...net, '--plot', f2, '--plot-quantities', 'K,nope').err).toMatch(/--plot-quantities .*\(got "nope"\)/);
  });

  test("report --plot (npm start's job) writes both figures next to its table and says where", () => {
    const file = join(dir, 'sub', 'report.svg');
    const r = run('report', '--samples', '300', '--workers', '1', '--plot', file);
    expect(r.code, r.err).toBe(0);
    const flows = join(dir, 'sub', 'report-flows.svg');
    expect(r.out.trimEnd().split('\n').slice(-2)).toEqual([`plot: wrote ${file}`, `plot: wrote ${flows}`]);
    const cmp = parse(readFileSync(file, 'utf8'));
    expect(cmp.documentElement.getAttribute('data-figure')).toBe('compare');
    // Layer 3 of the report's depth-3 network: one panel per compared quantity.
    expect([...cmp.querySelectorAll('g.wf-panel')].map((p) => p.getAttribute('data-panel'))).toEqual(
      ['G1', 'H1', 'V', 'A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U'].map((q) => `3:${q}`),
    );
    expect(parse(readFileSync(flows, 'utf8')).documentElement.getAttribute('data-figure')).toBe('flows');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toMatch(/report --plot \S+\.svg/);
  });

  test('theory --plot-overlay draws more networks in the same figure, each at its own theory values', () => {
    const file = join(dir, 'overlay.svg');
    const net = ['--activation', 'tanh', '--depth', '6', '--width', '32', '--input-width', '8', '--cb', '0', '--cw', '1', '--x2', '1'];
    const r = run('theory', ...net, '--plot', file, '--plot-overlay', 'cw=0.8; activation=relu cw=2', '--plot-quantities', 'K,norm.V');
    expect(r.code, r.err).toBe(0);
    const doc = parse(readFileSync(file, 'utf8'));
    expect([...doc.querySelectorAll('.wf-legend-item')].map((e) => e.getAttribute('data-label'))).toEqual(['tanh, C_W = 1', 'tanh, C_W = 0.8', 'relu, C_W = 2']);
    const panel = doc.querySelector('g.wf-panel[data-panel="K"]')!;
    expect(panel.querySelectorAll('g.wf-series-line path')).toHaveLength(3);
    const base = { depth: 6, width: 32, inputWidth: 8, Cb: 0, lambdaB: 1, lambdaW: 1, input: { x2: 1 } };
    const nets = [wf.theory({ ...base, activation: 'tanh', CW: 1 }), wf.theory({ ...base, activation: 'tanh', CW: 0.8 }), wf.theory({ ...base, activation: 'relu', CW: 2 })];
    checkDots(panel, 'g.wf-series-dot', nets.flatMap((t) => t.layers.map((l) => ({ x: l.layer, y: l.K, title: /K = / }))));
    expect(run('theory', ...net, '--plot', file, '--plot-overlay', 'cw=0.8; colour=red').err).toMatch(/--plot-overlay .*colour=red/);
  });

  test('critical --plot: χ∥(K), χ⊥(K) at the critical C_W, both through 1 at K* (gelu)', () => {
    const file = join(dir, 'crit.svg');
    const r = run('critical', '--activation', 'gelu', '--json', '--plot', file);
    expect(r.code, r.err).toBe(0);
    const c = JSON.parse(r.out) as { points: Array<{ CW: number; Kstar: number }> };
    const doc = parse(readFileSync(file, 'utf8'));
    expect(doc.documentElement.getAttribute('data-figure')).toBe('susceptibility');
    expect(doc.querySelectorAll('g.wf-series-line path').length).toBe(2);
    // The figure's curves are χ's of the critical point: both equal 1 at its K* (to the root tolerance).
    const at = wf.susceptibilities('gelu', c.points[0].Kstar, { CW: c.points[0].CW });
    expect(Math.abs(at.chiParallel - 1)).toBeLessThan(1e-10);
    expect(Math.abs(at.chiPerp - 1)).toBeLessThan(1e-10);
    expect(run('critical', '--all', '--plot', file).code).not.toBe(0);
  });

  test('compare --plot and kernels --plot', () => {
    const file = join(dir, 'cmp.svg');
    const r = run('compare', '--activation', 'tanh', '--depth', '2', '--input-width', '4', '--output-width', '4', '--hidden-widths', '6,12', '--samples', '300', '--seed', '2', '--json', '--plot', file);
    expect(r.code, r.err).toBe(0);
    const c = JSON.parse(r.out) as CompareResult;
    const doc = parse(readFileSync(file, 'utf8'));
    const rows = c.rows.filter((x) => x.layer === 2);
    expect(doc.querySelectorAll('g.wf-panel')).toHaveLength(rows.length);
    const v = rows.find((x) => x.quantity === 'V')!;
    const p = doc.querySelector('g.wf-panel[data-panel="2:V"]')!;
    checkDots(p, 'g.wf-ensemble', v.points.map((q) => ({ x: 1 / q.n, y: q.value, title: /n = / })));
    const inputs = join(dir, 'inputs.csv');
    writeFileSync(inputs, '1,0\n0.6,0.8\n0,1\n');
    const kf = join(dir, 'k.svg');
    const k = run('kernels', '--activation', 'erf', '--depth', '3', '--cb', '0.1', '--cw', '1.5', '--inputs', inputs, '--json', '--plot', kf);
    expect(k.code, k.err).toBe(0);
    const K3 = JSON.parse(k.out).layers[2].K as number[];
    const cells = [...parse(readFileSync(kf, 'utf8')).querySelectorAll('g.wf-panel[data-panel="3"] g.wf-kernel-cell title')].map((t) => titleValue(t.textContent!));
    expect(cells).toEqual(K3);
  });
});
