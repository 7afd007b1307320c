/**
 * Flows with depth: K⁽ℓ⁾, Θ⁽ℓ⁾ and any 1/n tensor (raw or normalized) against the layer ℓ, one panel per
 * quantity, several networks overlaid (e.g. activations, or C_W values).
 */
import * as Plot from '@observablehq/plot';
import { normalized, type TheoryResult } from '../index.js';
import { autoScale, compose, logTicks, exact, formatNumber, PALETTE, resolveDocument, type FigureOptions, type LegendEntry, type Panel } from './figure.js';
import { caption, FLOW_QUANTITIES, isNormalized, label, type FlowQuantity } from './labels.js';
import { InvalidParameterError } from '../index.js';

/** One network's flow: its theory and the name shown in the legend. */
export interface FlowSeries {
  label: string;
  result: TheoryResult;
}

export interface FlowsPlotOptions extends FigureOptions {
  /** The panels, in order (default: K, Θ, V/(nK²), A/(nΘ²), B/(nΘ²), D/(nKΘ)). */
  quantities?: readonly FlowQuantity[];
  /** y scale of every panel: 'auto' (default: log when all values > 0 span more than two decades), 'log', 'linear'. */
  scale?: 'auto' | 'log' | 'linear';
}

/** One plotted value: what `flowsData` returns and what the `<title>` of each dot says. */
export interface FlowPoint {
  series: string;
  quantity: FlowQuantity;
  layer: number;
  value: number;
}

export const DEFAULT_FLOW_QUANTITIES: readonly FlowQuantity[] = ['K', 'Theta', 'norm.V', 'norm.A', 'norm.B', 'norm.D'];

/** Describes a network in one line: activation, depth, widths, C_b, C_W, λ_b, λ_W, x². */
export function describeSpec(spec: TheoryResult['spec']): string {
  const h = spec.hyper;
  const one = (k: 'Cb' | 'CW' | 'lambdaB' | 'lambdaW') => {
    const v = h.map((x) => x[k]);
    return v.every((x) => x === v[0]) ? formatNumber(v[0]) : `[${v.map((x) => formatNumber(x)).join(', ')}]`;
  };
  const act = spec.activation;
  const name = act.a && !act.custom ? `${act.name}(${formatNumber(act.a)})` : act.name;
  const hidden = spec.widths.slice(1, spec.depth);
  const widths = hidden.length === 0 ? '' : hidden.every((w) => w === hidden[0]) ? ` · n = ${hidden[0]}` : ` · n = ${hidden.join('/')}`;
  return `${name} · L = ${spec.depth}${widths} · C_b = ${one('Cb')}, C_W = ${one('CW')}, λ_b = ${one('lambdaB')}, λ_W = ${one('lambdaW')} · x² = ${formatNumber(spec.x2)}`;
}

function seriesOf(input: TheoryResult | readonly FlowSeries[]): FlowSeries[] {
  if (Array.isArray(input)) return input as FlowSeries[];
  const r = input as TheoryResult;
  if (!r || !Array.isArray(r.layers)) throw new InvalidParameterError('flows', input, 'a theory() result or an array of { label, result }');
  return [{ label: r.spec?.activation?.name ?? 'theory', result: r }];
}

/** The numbers `flowsPlot` draws, one row per (series, quantity, layer). Non-finite values are left out. */
export function flowsData(input: TheoryResult | readonly FlowSeries[], quantities: readonly FlowQuantity[] = DEFAULT_FLOW_QUANTITIES): FlowPoint[] {
  for (const q of quantities) {
    if (!FLOW_QUANTITIES.includes(q)) throw new InvalidParameterError('quantities', q, `one of ${FLOW_QUANTITIES.join(', ')}`);
  }
  const out: FlowPoint[] = [];
  for (const s of seriesOf(input)) {
    const norm = normalized(s.result);
    for (const q of quantities) {
      s.result.layers.forEach((l, i) => {
        const value = isNormalized(q) ? norm[i][q.slice(5) as keyof (typeof norm)[number]] : l[q];
        if (value !== null && Number.isFinite(value)) out.push({ series: s.label, quantity: q, layer: l.layer, value });
      });
    }
  }
  return out;
}

/**
 * Flows with depth as a standalone SVG document (string): one panel per quantity, x = layer ℓ,
 * one coloured line per series. Every dot carries a `<title>` with its exact value.
 *
 * @example
 * const svg = flowsPlot([{ label: 'tanh', result: theory(tanhSpec) }, { label: 'relu', result: theory(reluSpec) }]);
 */
export function flowsPlot(input: TheoryResult | readonly FlowSeries[], options: FlowsPlotOptions = {}): string {
  const series = seriesOf(input);
  const quantities = options.quantities ?? DEFAULT_FLOW_QUANTITIES;
  const data = flowsData(series, quantities);
  const document = resolveDocument(options.document);
  const columns = options.columns ?? Math.min(3, quantities.length);
  const width = options.width ?? 960;
  const panelWidth = Math.floor((width - 32) / columns);
  const panelHeight = Math.round(Math.min(260, Math.max(180, panelWidth * 0.68)));
  const colors = series.map((_, i) => PALETTE[i % PALETTE.length]);
  const color = { domain: series.map((s) => s.label), range: colors };
  const depth = Math.max(...series.map((s) => s.result.layers.length));
  const panels: Panel[] = quantities.map((q) => {
    const rows = data.filter((d) => d.quantity === q);
    const type = options.scale && options.scale !== 'auto' ? options.scale : autoScale(rows.map((d) => d.value));
    const svg = Plot.plot({
      document,
      width: panelWidth,
      height: panelHeight,
      marginLeft: 62,
      marginRight: 14,
      marginTop: 22,
      style: { fontSize: '11px' },
      x: { label: 'layer ℓ', domain: [1, Math.max(depth, 2)], ticks: Math.min(depth, 8), tickFormat: (v: number) => (Number.isInteger(v) ? String(v) : '') },
      y: { type, label: label(q), grid: true, nice: type === 'linear', ticks: type === 'log' ? logTicks(Math.min(...rows.map((d) => d.value)), Math.max(...rows.map((d) => d.value))) : 5, tickFormat: (v: number) => formatNumber(v, 3) },
      color,
      marks: [
        ...(type === 'linear' && rows.some((d) => d.value < 0) ? [Plot.ruleY([0], { stroke: '#9498a0' })] : []),
        Plot.line(rows, { x: 'layer', y: 'value', z: 'series', stroke: 'series', strokeWidth: 2, className: 'wf-series-line' }),
        Plot.dot(rows, {
          x: 'layer',
          y: 'value',
          fill: 'series',
          r: depth > 30 ? 1.5 : 3,
          title: (d: FlowPoint) => `${d.series} · ℓ = ${d.layer} · ${label(q)} = ${exact(d.value)}`,
          className: 'wf-series-dot',
        }),
      ],
    }) as unknown as Element;
    return { svg, caption: caption(q), key: q };
  });
  const legend: LegendEntry[] = series.length > 1 ? series.map((s, i) => ({ label: s.label, color: colors[i] })) : [];
  const subtitle = options.subtitle ?? (series.length === 1 ? describeSpec(series[0].result.spec) : undefined);
  return compose('flows', panels, legend, {
    ...options,
    title: options.title ?? 'Flows with depth (PDLT §4–§5, §8, §11, §∞)',
    subtitle,
    columns,
    panelWidth,
    panelHeight,
  });
}
