/**
 * A distribution of sampled outputs (e.g. trained networks' outputs over an ensemble) as a density
 * histogram, with predicted Gaussians overlaid (e.g. infinite width and with its O(1/n) correction).
 * Generic in its data, so that `train()`/`predict()` results plug in once they exist.
 */
import * as Plot from '@observablehq/plot';
import { InvalidParameterError } from '../index.js';
import { compose, exact, formatNumber, PALETTE, resolveDocument, type FigureOptions, type LegendEntry } from './figure.js';

export interface PredictedGaussian {
  label: string;
  mean: number;
  variance: number;
}

export interface DistributionPlotOptions extends FigureOptions {
  /** Number of histogram bins (default √N, at most 60). */
  bins?: number;
  /** Label of the x axis (default 'z'). */
  xLabel?: string;
}

/**
 * A density histogram of `samples` (each bar's `<title>` gives its range and count) with the densities
 * of `gaussians` overlaid, as a standalone SVG document (string). Bins: `options.bins` equal widths
 * over [min, max] of the samples (default √N, between 8 and 60).
 */
export function distributionPlot(samples: ArrayLike<number>, gaussians: readonly PredictedGaussian[] = [], options: DistributionPlotOptions = {}): string {
  const xs = Array.from(samples ?? []).filter(Number.isFinite);
  if (xs.length < 2) throw new InvalidParameterError('samples', samples?.length, 'at least 2 finite numbers');
  for (const g of gaussians) {
    if (!(g.variance > 0) || !Number.isFinite(g.mean)) throw new InvalidParameterError('gaussians.variance', g.variance, 'a finite mean and a variance > 0');
  }
  const document = resolveDocument(options.document);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const bins = options.bins ?? Math.min(60, Math.max(8, Math.round(Math.sqrt(xs.length))));
  const h = (hi - lo) / bins || 1;
  const counts = new Array(bins).fill(0);
  for (const x of xs) counts[Math.min(bins - 1, Math.floor((x - lo) / h))]++;
  const hist = counts.map((c, i) => ({ x1: lo + i * h, x2: lo + (i + 1) * h, density: c / (xs.length * h), count: c }));
  const curves = gaussians.flatMap((g) =>
    Array.from({ length: 161 }, (_, i) => {
      const x = lo - h + ((hi - lo + 2 * h) * i) / 160;
      return { label: g.label, x, y: Math.exp(-((x - g.mean) ** 2) / (2 * g.variance)) / Math.sqrt(2 * Math.PI * g.variance) };
    }),
  );
  const width = options.width ?? 720;
  const height = Math.round(width * 0.5);
  const colors = gaussians.map((_, i) => PALETTE[(i + 2) % PALETTE.length]);
  const svg = Plot.plot({
    document,
    width: width - 32,
    height,
    marginLeft: 56,
    marginTop: 20,
    style: { fontSize: '11px' },
    x: { label: options.xLabel ?? 'z', tickFormat: (v: number) => formatNumber(v, 3) },
    y: { label: 'density', grid: true, tickFormat: (v: number) => formatNumber(v, 3) },
    color: { domain: gaussians.map((g) => g.label), range: colors },
    marks: [
      Plot.rectY(hist, { x1: 'x1', x2: 'x2', y: 'density', fill: '#c9d3ea', inset: 0.5, title: (b: (typeof hist)[number]) => `[${exact(b.x1)}, ${exact(b.x2)}): ${b.count}`, className: 'wf-histogram' }),
      Plot.ruleY([0]),
      Plot.line(curves, { x: 'x', y: 'y', z: 'label', stroke: 'label', strokeWidth: 2, className: 'wf-series-line' }),
    ],
  }) as unknown as Element;
  const legend: LegendEntry[] = [
    { label: `ensemble (${xs.length} samples)`, color: '#c9d3ea', kind: 'diamond' },
    ...gaussians.map((g, i) => ({ label: `${g.label}: N(${formatNumber(g.mean, 3)}, ${formatNumber(g.variance, 3)})`, color: colors[i] })),
  ];
  return compose('distribution', [{ svg, key: 'distribution' }], legend, {
    ...options,
    title: options.title ?? 'Distribution of outputs',
    columns: 1,
    panelWidth: width - 32,
    panelHeight: height,
  });
}
