/**
 * Kernel matrices K⁽ℓ⁾_αβ (and Θ⁽ℓ⁾_αβ) of `kernels()` as heatmaps, one panel per layer, with a
 * shared colour ramp (Plot's own continuous legend, itself an SVG).
 */
import * as Plot from '@observablehq/plot';
import { InvalidParameterError, type KernelsResult } from '../index.js';
import { compose, esc, exact, formatNumber, resolveDocument, type FigureOptions, type Panel } from './figure.js';

export interface KernelsPlotOptions extends FigureOptions {
  /** Layers to show (default: up to four, evenly spread from 1 to L). */
  layers?: readonly number[];
  /** 'K' (default) or 'Theta'. */
  which?: 'K' | 'Theta';
  /** 'raw' (default) or 'correlation': K_αβ/√(K_αα K_ββ), which shows how inputs align with depth. */
  normalize?: 'raw' | 'correlation';
}

/** One cell of a heatmap. */
export interface KernelCell {
  layer: number;
  alpha: number;
  beta: number;
  value: number;
}

function defaultLayers(L: number): number[] {
  if (L <= 4) return Array.from({ length: L }, (_, i) => i + 1);
  return [...new Set([1, Math.round(1 + (L - 1) / 3), Math.round(1 + (2 * (L - 1)) / 3), L])];
}

/** The numbers `kernelsPlot` draws. */
export function kernelsData(k: KernelsResult, options: Pick<KernelsPlotOptions, 'layers' | 'which' | 'normalize'> = {}): KernelCell[] {
  if (!k || !Array.isArray(k.layers)) throw new InvalidParameterError('kernels', k, 'a kernels() result');
  const which = options.which ?? 'K';
  if (which !== 'K' && which !== 'Theta') throw new InvalidParameterError('which', which, "'K' or 'Theta'");
  const layers = options.layers ?? defaultLayers(k.layers.length);
  const N = k.n;
  const out: KernelCell[] = [];
  for (const l of layers) {
    const layer = k.layers[l - 1];
    if (!layer) throw new InvalidParameterError('layers', l, `layers 1 … ${k.layers.length}`);
    const m = layer[which];
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < N; b++) {
        const v = m[a * N + b];
        out.push({ layer: l, alpha: a + 1, beta: b + 1, value: options.normalize === 'correlation' ? v / Math.sqrt(m[a * N + a] * m[b * N + b]) : v });
      }
    }
  }
  return out;
}

/** Kernel matrices as heatmaps: a standalone SVG document (string). Cells carry `<title>`s with their values. */
export function kernelsPlot(k: KernelsResult, options: KernelsPlotOptions = {}): string {
  const cells = kernelsData(k, options);
  const document = resolveDocument(options.document);
  const layers = [...new Set(cells.map((c) => c.layer))];
  const which = options.which ?? 'K';
  const sym = which === 'K' ? 'K' : 'Θ';
  const corr = options.normalize === 'correlation';
  const columns = options.columns ?? Math.min(4, layers.length);
  const width = options.width ?? Math.min(1040, 32 + columns * 260);
  const panelWidth = Math.floor((width - 32) / columns);
  const panelHeight = panelWidth;
  const finite = cells.map((c) => c.value).filter(Number.isFinite);
  const domain: [number, number] = [Math.min(...finite), Math.max(...finite)];
  const color = { type: 'linear' as const, scheme: 'viridis' as const, domain, label: corr ? `${sym}_αβ/√(${sym}_αα ${sym}_ββ)` : `${sym}⁽ℓ⁾_αβ`, tickFormat: (v: number) => formatNumber(v, 3) };
  const N = k.n;
  const ticks = N <= 10 ? Array.from({ length: N }, (_, i) => i + 1) : Array.from({ length: 6 }, (_, i) => Math.round(1 + (i * (N - 1)) / 5));
  const panels: Panel[] = layers.map((l) => {
    const rows = cells.filter((c) => c.layer === l);
    const svg = Plot.plot({
      document,
      width: panelWidth,
      height: panelHeight,
      marginLeft: 40,
      marginBottom: 36,
      marginTop: 10,
      marginRight: 10,
      style: { fontSize: '11px' },
      x: { label: 'β', ticks, tickFormat: (v: number) => (ticks.includes(v) ? String(v) : '') },
      y: { label: 'α', ticks, tickFormat: (v: number) => (ticks.includes(v) ? String(v) : '') },
      color,
      marks: [
        Plot.cell(rows, {
          x: 'beta',
          y: 'alpha',
          fill: 'value',
          inset: N > 40 ? 0 : 0.5,
          title: (c: KernelCell) => `ℓ = ${c.layer} · ${sym}_${c.alpha},${c.beta} = ${exact(c.value)}`,
          className: 'wf-kernel-cell',
        }),
      ],
    }) as unknown as Element;
    return { svg, caption: `${sym}⁽${l}⁾`, key: String(l) };
  });
  // The colour ramp as a small Plot of its own: Plot.legend() paints continuous ramps on a <canvas>,
  // which neither a standalone .svg file nor linkedom has.
  const steps = Array.from({ length: 96 }, (_, i) => {
    const x1 = domain[0] + ((domain[1] - domain[0]) * i) / 96;
    const x2 = domain[0] + ((domain[1] - domain[0]) * (i + 1)) / 96;
    return { x1, x2, mid: (x1 + x2) / 2 };
  });
  const ramp = Plot.plot({
    document,
    width: 340,
    height: 50,
    marginLeft: 10,
    marginRight: 20,
    marginTop: 4,
    marginBottom: 20,
    style: { fontSize: '11px' },
    x: { domain, label: null, ticks: 5, tickFormat: color.tickFormat },
    y: { axis: null },
    color,
    marks: [Plot.rectY(steps, { x1: 'x1', x2: 'x2', y: 1, fill: 'mid', className: 'wf-color-ramp' })],
  }) as unknown as Element;
  panels.push({ svg: ramp, key: 'legend' });
  const html = compose('kernels', panels.slice(0, -1), [], {
    ...options,
    title: options.title ?? `Kernel matrices ${sym}⁽ℓ⁾_αβ over ${N} inputs at infinite width (PDLT §4.1${which === 'Theta' ? ', §8.1' : ''})`,
    subtitle: options.subtitle ?? (corr ? 'Correlations: 1 on the diagonal; off-diagonal entries show how the inputs align with depth.' : undefined),
    columns,
    panelWidth,
    panelHeight: panelHeight + 4,
  });
  // The colour ramp goes under the panels: grow the canvas by its height.
  const rampSvg = ramp.outerHTML.replace(/^<svg /, '<svg ');
  const m = /^<svg [^>]*width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"/.exec(html);
  if (!m) return html;
  const w = Number(m[1]);
  const h = Number(m[2]);
  const h2 = h + 60;
  return html
    .replace(`width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"`, `width="${w}" height="${h2}" viewBox="0 0 ${w} ${h2}"`)
    .replace(/<\/svg>$/, `<g class="wf-panel" data-panel="color-legend" transform="translate(16,${h - 6})"><text class="wf-caption" x="10" y="4" font-size="12" fill="#1b1e23">${esc(color.label)}</text><svg x="0" y="10" ${rampSvg.slice(5).replace(/&nbsp;/g, '&#160;')}</g>\n</svg>`);
}
