/**
 * Composition of Observable Plot panels into one standalone SVG document: a title, a legend row and a
 * grid of panels, each panel a nested `<svg>` rendered by Plot (axes, ticks, grids and marks are all
 * Plot's). The result is a string, identical in Node (linkedom DOM) and browsers, that is a valid
 * `.svg` file on its own (explicit xmlns, no HTML wrapper such as Plot's `<figure>` legends).
 */
import { WideflowError } from '../index.js';

let defaultDocument: Document | undefined;

/** Sets the DOM that Plot renders into when a call passes no `document` (the Node entry sets linkedom's). */
export function setDocument(doc: Document | undefined): void {
  defaultDocument = doc;
}

/** The DOM to render into: the option, the registered one, or the browser's. */
export function resolveDocument(doc?: Document): Document {
  const d = doc ?? defaultDocument ?? (globalThis as { document?: Document }).document;
  if (!d) {
    throw new WideflowError(
      "wideflow/plot: no DOM to render into. In Node import 'wideflow/plot' (its Node build brings linkedom), or pass { document }",
    );
  }
  return d;
}

/** Options every figure takes. */
export interface FigureOptions {
  /** Title printed above the panels (default: a description of the data). */
  title?: string;
  /** A second, smaller line under the title (default: the network's hyperparameters when known). */
  subtitle?: string;
  /** Width of the whole figure in px (default depends on the figure, ~ 960). */
  width?: number;
  /** Panels per row (default depends on the figure). */
  columns?: number;
  /** The DOM Plot renders into (default: the one of the entry point, or `globalThis.document`). */
  document?: Document;
}

/** One entry of the legend row: a colour (line + dot) or a marker drawn in a given style. */
export interface LegendEntry {
  label: string;
  color: string;
  /** 'line' (default): a line with a dot; 'dot': a dot only; 'dash': a dashed line; 'diamond': a filled diamond. */
  kind?: 'line' | 'dot' | 'dash' | 'diamond' | 'errorbar';
}

/** A rendered panel: Plot's SVG element plus a caption printed above it. */
export interface Panel {
  svg: Element;
  caption?: string;
  /** Machine-readable key of the panel (data-panel attribute), e.g. the quantity. */
  key: string;
}

/** Plot's default categorical palette ("observable10"), fixed here so legends and marks agree. */
export const PALETTE = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** XML text escaping (titles and labels are user data). */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Serializes Plot's element as XML. outerHTML uses the HTML serializer, whose named entities other
 * than the five of XML (e.g. &nbsp;) would make the .svg file invalid: rewrite them numerically.
 */
function serialize(el: Element): string {
  return el.outerHTML.replace(/&nbsp;/g, '&#160;');
}

/**
 * Lays out `panels` in a grid under a title and a legend, and returns the standalone SVG text.
 * `kind` is written to `data-figure` so that programs (and tests) can find what a file shows.
 */
export function compose(kind: string, panels: Panel[], legend: LegendEntry[], o: FigureOptions & { panelWidth: number; panelHeight: number }): string {
  const columns = Math.max(1, Math.min(o.columns ?? panels.length, panels.length));
  const pad = 16;
  const titleH = o.title ? 26 : 0;
  const subH = o.subtitle ? 18 : 0;
  const legendRows = layoutLegend(legend, columns * o.panelWidth);
  const legendH = legendRows.length ? legendRows.length * 18 + 6 : 0;
  const captionH = panels.some((p) => p.caption) ? 18 : 0;
  const rows = Math.ceil(panels.length / columns);
  const width = pad * 2 + columns * o.panelWidth;
  const top = pad + titleH + subH + legendH;
  const height = top + rows * (captionH + o.panelHeight) + pad - 4;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family='${FONT}' font-size="12" data-figure="${esc(kind)}">`,
  );
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  let y = pad;
  if (o.title) {
    out.push(`<text class="wf-title" x="${pad}" y="${y + 16}" font-size="16" font-weight="600" fill="#1b1e23">${esc(o.title)}</text>`);
    y += titleH;
  }
  if (o.subtitle) {
    out.push(`<text class="wf-subtitle" x="${pad}" y="${y + 12}" font-size="12" fill="#5b616b">${esc(o.subtitle)}</text>`);
    y += subH;
  }
  if (legendRows.length) {
    out.push(`<g class="wf-legend" aria-label="legend">`);
    legendRows.forEach((row, r) => {
      for (const { entry, x } of row) out.push(legendItem(entry, pad + x, y + 10 + r * 18));
    });
    out.push('</g>');
    y += legendH;
  }
  panels.forEach((p, i) => {
    const px = pad + (i % columns) * o.panelWidth;
    const py = top + Math.floor(i / columns) * (captionH + o.panelHeight);
    out.push(`<g class="wf-panel" data-panel="${esc(p.key)}" transform="translate(${px},${py})">`);
    if (p.caption) out.push(`<text class="wf-caption" x="8" y="13" font-size="12.5" font-weight="600" fill="#1b1e23">${esc(p.caption)}</text>`);
    const inner = serialize(p.svg).replace(/^<svg /, `<svg x="0" y="${captionH}" `);
    out.push(inner, '</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

function layoutLegend(entries: LegendEntry[], width: number): Array<Array<{ entry: LegendEntry; x: number }>> {
  const rows: Array<Array<{ entry: LegendEntry; x: number }>> = [];
  let row: Array<{ entry: LegendEntry; x: number }> = [];
  let x = 0;
  for (const e of entries) {
    // Width estimate of a label: ~6.6 px per character at 12 px, plus the swatch.
    const w = 34 + 6.6 * [...e.label].length + 18;
    if (row.length && x + w > width) {
      rows.push(row);
      row = [];
      x = 0;
    }
    row.push({ entry: e, x });
    x += w;
  }
  if (row.length) rows.push(row);
  return rows;
}

function legendItem(e: LegendEntry, x: number, y: number): string {
  const c = esc(e.color);
  let sw: string;
  switch (e.kind ?? 'line') {
    case 'dot':
      sw = `<circle cx="${x + 12}" cy="${y}" r="3.5" fill="${c}"/>`;
      break;
    case 'dash':
      sw = `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="1.5" stroke-dasharray="4,3"/>`;
      break;
    case 'diamond':
      sw = `<path d="M${x + 12},${y - 5}L${x + 17},${y}L${x + 12},${y + 5}L${x + 7},${y}Z" fill="${c}"/>`;
      break;
    case 'errorbar':
      sw = `<line x1="${x + 12}" x2="${x + 12}" y1="${y - 6}" y2="${y + 6}" stroke="${c}" stroke-width="1.5"/><circle cx="${x + 12}" cy="${y}" r="3.5" fill="${c}"/>`;
      break;
    default:
      sw = `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="2"/><circle cx="${x + 12}" cy="${y}" r="3" fill="${c}"/>`;
  }
  return `<g class="wf-legend-item" data-label="${esc(e.label)}">${sw}<text x="${x + 30}" y="${y + 4}" fill="#1b1e23">${esc(e.label)}</text></g>`;
}

/**
 * Tick and tooltip numbers: plain decimals in 1e-4 … 1e5, otherwise mantissa·10^k written as "2.5e-6"
 * (Plot's default SI prefixes such as "900m" or "20µ" read badly for dimensionless statistics).
 */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e5) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 1).split('e');
  return `${String(Number(m))}e${Number(e)}`;
}

/** Full precision for tooltips (<title>), so that a reader (or a test) can recover the plotted number. */
export function exact(v: number): string {
  return String(v);
}

/** 'log' when every value is > 0 and they span more than two decades, else 'linear'. */
export function autoScale(values: number[]): 'log' | 'linear' {
  const f = values.filter(Number.isFinite);
  if (f.length < 2 || f.some((v) => v <= 0)) return 'linear';
  return Math.max(...f) / Math.min(...f) > 100 ? 'log' : 'linear';
}

/**
 * Tick values of a log axis over [lo, hi]: 1-2-5 steps when it spans fewer than three decades (so a
 * short log axis still gets a few labels), else powers of ten, thinned to at most about six.
 */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const out: number[] = [];
  if (b - a < 3) {
    for (let e = a; e <= b; e++) for (const m of [1, 2, 5]) out.push(m * 10 ** e);
  } else {
    const step = Math.ceil((b - a) / 6);
    for (let e = a; e <= b; e += step) out.push(10 ** e);
  }
  return out.filter((t) => t >= lo * (1 - 1e-12) && t <= hi * (1 + 1e-12)).map((t) => Number(t.toPrecision(12)));
}
