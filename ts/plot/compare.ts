/**
 * Theory against ensembles: for each (layer, quantity) of `compare()`, the per-width estimates with
 * their standard errors against 1/n, the weighted fit X∞ + c/n (+ d/n²) extrapolated to 1/n = 0, the
 * extrapolated X∞ ± stderr, the theory value and the z-score.
 */
import * as Plot from '@observablehq/plot';
import { InvalidParameterError, type CompareResult, type CompareRow } from '../index.js';
import { compose, exact, formatNumber, PALETTE, resolveDocument, type FigureOptions, type LegendEntry, type Panel } from './figure.js';
import { SYMBOLS } from './labels.js';

export interface ComparePlotOptions extends FigureOptions {
  /** Layers to show (default: the last layer). */
  layers?: readonly number[];
  /** Quantities to show (default: every quantity compared). */
  quantities?: ReadonlyArray<CompareRow['quantity']>;
  /**
   * For rows without `fit` (results built by hand or by an older `compare()`): the fit to draw (default
   * 'linear'); 'quadratic' draws X∞ + c/n + d/n². Each row's own `fit` takes precedence.
   */
  fit?: 'linear' | 'quadratic';
}

const C_POINT = PALETTE[0];
const C_THEORY = '#1b1e23';
const C_FIT = PALETTE[2];

/**
 * d of the quadratic fit, recovered from X∞ and c: at the joint weighted-least-squares optimum the
 * residual is orthogonal to 1/n², so d = Σ w r u / Σ w u² with u = 1/n², r = X − X∞ − c/n, w = 1/σ².
 */
function curvature(row: CompareRow): number {
  let num = 0;
  let den = 0;
  for (const p of row.points) {
    const u = 1 / (p.n * p.n);
    // A point without an error (stderr 0, e.g. an exact layer) weighs like any other rather than infinitely.
    const w = p.stderr > 0 ? 1 / (p.stderr * p.stderr) : 1;
    num += w * u * (p.value - row.extrapolated - row.slope / p.n);
    den += w * u * u;
  }
  return den > 0 ? num / den : 0;
}

/** The rows `comparePlot` shows with these options. */
export function compareRows(c: CompareResult, options: Pick<ComparePlotOptions, 'layers' | 'quantities'> = {}): CompareRow[] {
  if (!c || !Array.isArray(c.rows)) throw new InvalidParameterError('compare', c, 'a compare() result');
  const last = Math.max(...c.rows.map((r) => r.layer));
  const layers = options.layers ?? [last];
  return c.rows.filter((r) => layers.includes(r.layer) && (!options.quantities || options.quantities.includes(r.quantity)) && r.points.length > 0);
}

/**
 * Theory vs ensembles as a standalone SVG document (string): one panel per (layer, quantity).
 * Dots carry `<title>`s with n, the value and its standard error.
 */
export function comparePlot(c: CompareResult, options: ComparePlotOptions = {}): string {
  const rows = compareRows(c, options);
  if (rows.length === 0) throw new InvalidParameterError('layers', options.layers, 'layers and quantities present in the compare() result');
  const document = resolveDocument(options.document);
  const columns = options.columns ?? Math.min(4, rows.length);
  const width = options.width ?? 1040;
  const panelWidth = Math.floor((width - 32) / columns);
  const panelHeight = Math.round(Math.min(240, Math.max(170, panelWidth * 0.72)));
  const fitOf = (row: CompareRow) => (row.fit === 'quadratic' || row.fit === 'linear' ? row.fit : row.fit === 'mean' ? 'linear' : options.fit ?? 'linear');
  const fits = new Set(rows.map(fitOf));
  const panels: Panel[] = rows.map((row) => {
    const pts = row.points.map((p) => ({ ...p, inv: 1 / p.n }));
    const xmax = Math.max(...pts.map((p) => p.inv)) * 1.08;
    const d = fitOf(row) === 'quadratic' ? curvature(row) : 0;
    const curve = Array.from({ length: 41 }, (_, i) => {
      const x = (xmax * i) / 40;
      return { x, y: row.extrapolated + row.slope * x + d * x * x };
    });
    const sym = SYMBOLS[row.quantity];
    const finite = Number.isFinite(row.extrapolated) && Number.isFinite(row.stderr);
    const z = Number.isFinite(row.z) ? row.z.toFixed(2) : '—';
    const svg = Plot.plot({
      document,
      width: panelWidth,
      height: panelHeight,
      marginLeft: 62,
      marginRight: 12,
      marginTop: 20,
      style: { fontSize: '11px' },
      x: { label: '1/n', domain: [0, xmax], tickFormat: (v: number) => formatNumber(v, 3), ticks: 4 },
      y: { label: `${sym}(n)`, grid: true, nice: true, tickFormat: (v: number) => formatNumber(v, 3) },
      marks: [
        Plot.ruleY([row.theory], { stroke: C_THEORY, strokeDasharray: '5,4', strokeWidth: 1.2, className: 'wf-theory' }),
        ...(finite ? [Plot.line(curve, { x: 'x', y: 'y', stroke: C_FIT, strokeWidth: 1.5, className: 'wf-fit' })] : []),
        ...(finite
          ? [
              Plot.ruleX([{ x: 0, y1: row.extrapolated - row.stderr, y2: row.extrapolated + row.stderr }], {
                x: 'x', y1: 'y1', y2: 'y2', stroke: C_FIT, strokeWidth: 3, className: 'wf-extrapolated-errorbar',
              }),
              Plot.dot([{ x: 0, y: row.extrapolated }], {
                x: 'x', y: 'y', fill: C_FIT, r: 4, symbol: 'diamond',
                title: () => `extrapolated ${sym}∞ = ${exact(row.extrapolated)} ± ${exact(row.stderr)}; theory ${exact(row.theory)}; z = ${z}`,
                className: 'wf-extrapolated',
              }),
            ]
          : []),
        Plot.ruleX(pts, { x: 'inv', y1: (p) => p.value - p.stderr, y2: (p) => p.value + p.stderr, stroke: C_POINT, strokeWidth: 1.5, className: 'wf-errorbar' }),
        Plot.dot(pts, {
          x: 'inv',
          y: 'value',
          fill: C_POINT,
          r: 3.5,
          title: (p: (typeof pts)[number]) => `n = ${p.n} · ${sym} = ${exact(p.value)} ± ${exact(p.stderr)}`,
          className: 'wf-ensemble',
        }),
      ],
    }) as unknown as Element;
    return { svg, caption: `${sym}⁽${row.layer}⁾   z = ${z}`, key: `${row.layer}:${row.quantity}` };
  });
  const legend: LegendEntry[] = [
    { label: 'ensemble at width n (± 1 s.e.)', color: C_POINT, kind: 'errorbar' },
    { label: fits.size > 1 ? 'fit X∞ + c/n (+ d/n²)' : fits.has('quadratic') ? 'fit X∞ + c/n + d/n²' : 'fit X∞ + c/n', color: C_FIT },
    { label: 'extrapolated X∞ ± s.e.', color: C_FIT, kind: 'diamond' },
    { label: 'theory (n = ∞ recursion)', color: C_THEORY, kind: 'dash' },
  ];
  return compose('compare', panels, legend, {
    ...options,
    title: options.title ?? `Theory vs sampled networks, extrapolated in 1/n (max |z| = ${formatNumber(maxAbsZ(rows), 3)})`,
    subtitle: options.subtitle ?? 'Each panel: the estimate of one 1/n coefficient at every width n = n_{ℓ−1}, its fit in 1/n, and the recursion at n = ∞.',
    columns,
    panelWidth,
    panelHeight,
  });
}

function maxAbsZ(rows: CompareRow[]): number {
  const z = rows.map((r) => Math.abs(r.z)).filter(Number.isFinite);
  return z.length ? Math.max(...z) : NaN;
}
