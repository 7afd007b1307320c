/**
 * Susceptibilities χ∥(K) and χ⊥(K) (PDLT §5.1) against K, the criticality line χ = 1, and optionally
 * the critical point and the kernel's iterates K⁽ℓ⁾ of a flow. The curves come from the caller (e.g.
 * `theory()` at depth 1 over a grid of x², or a `critical()` result): this module only draws.
 */
import * as Plot from '@observablehq/plot';
import { InvalidParameterError } from '../index.js';
import { autoScale, compose, exact, formatNumber, PALETTE, resolveDocument, type FigureOptions, type LegendEntry } from './figure.js';

export interface SusceptibilityCurve {
  /** Kernel values K (> 0, increasing). */
  K: readonly number[];
  chiParallel: readonly number[];
  chiPerp: readonly number[];
}

export interface SusceptibilityPlotOptions extends FigureOptions {
  /** Marks (K⁽ℓ⁾, χ∥, χ⊥) of a flow's layers on the curves. */
  iterates?: ReadonlyArray<{ layer: number; K: number; chiParallel: number; chiPerp: number }>;
  /** A critical point to mark (C_b, C_W and the fixed point K*). */
  critical?: { Cb: number; CW: number; K: number };
  /** x scale (default 'auto'). */
  scale?: 'auto' | 'log' | 'linear';
}

/**
 * χ∥(K) and χ⊥(K) against K as a standalone SVG document (string), with the line χ = 1; criticality is
 * both susceptibilities equal to 1 at the fixed point K* (PDLT §5.1). `iterates` marks the K⁽ℓ⁾ of a
 * flow on both curves (e.g. `theory(spec).layers`), each with a `<title>` stating its values.
 *
 * @example
 * const pts = Ks.map((K) => theory({ activation: 'tanh', depth: 1, width: 1, inputWidth: 1, Cb: 0, CW: 1,
 *   lambdaB: 1, lambdaW: 1, input: { x2: K } }).layers[0]);   // K⁽¹⁾ = C_W·x² = K
 * susceptibilityPlot({ K: Ks, chiParallel: pts.map((p) => p.chiParallel), chiPerp: pts.map((p) => p.chiPerp) });
 */
export function susceptibilityPlot(curve: SusceptibilityCurve, options: SusceptibilityPlotOptions = {}): string {
  const n = curve?.K?.length ?? 0;
  if (n < 2 || curve.chiParallel.length !== n || curve.chiPerp.length !== n) {
    throw new InvalidParameterError('curve', n, 'arrays K, chiParallel, chiPerp of equal length ≥ 2');
  }
  const document = resolveDocument(options.document);
  const rows = [
    ...curve.K.map((K, i) => ({ K, chi: curve.chiParallel[i], which: 'χ∥' })),
    ...curve.K.map((K, i) => ({ K, chi: curve.chiPerp[i], which: 'χ⊥' })),
  ].filter((r) => Number.isFinite(r.chi) && Number.isFinite(r.K));
  const width = options.width ?? 640;
  const height = Math.round(Math.min(420, width * 0.5));
  const xType = options.scale && options.scale !== 'auto' ? options.scale : autoScale([...curve.K]);
  const colors = { domain: ['χ∥', 'χ⊥'], range: [PALETTE[0], PALETTE[2]] };
  const it = options.iterates ?? [];
  const svg = Plot.plot({
    document,
    width: width - 32,
    height,
    marginLeft: 56,
    marginTop: 20,
    style: { fontSize: '11px' },
    x: { type: xType, label: 'K', tickFormat: (v: number) => formatNumber(v, 3) },
    y: { label: 'χ(K)', grid: true, nice: true, tickFormat: (v: number) => formatNumber(v, 3) },
    color: colors,
    marks: [
      Plot.ruleY([1], { stroke: '#1b1e23', strokeDasharray: '5,4', className: 'wf-criticality' }),
      Plot.line(rows, { x: 'K', y: 'chi', z: 'which', stroke: 'which', strokeWidth: 2, className: 'wf-series-line' }),
      ...(it.length
        ? [
            Plot.dot(
              it.flatMap((p) => [
                { K: p.K, chi: p.chiParallel, which: 'χ∥', layer: p.layer },
                { K: p.K, chi: p.chiPerp, which: 'χ⊥', layer: p.layer },
              ]),
              { x: 'K', y: 'chi', stroke: 'which', fill: 'white', r: 3.5, title: (d: { layer: number; K: number; chi: number; which: string }) => `ℓ = ${d.layer} · K = ${exact(d.K)} · ${d.which} = ${exact(d.chi)}`, className: 'wf-iterates' },
            ),
          ]
        : []),
      ...(options.critical ? [Plot.ruleX([options.critical.K], { stroke: '#9498a0', className: 'wf-critical-k' })] : []),
    ],
  }) as unknown as Element;
  const legend: LegendEntry[] = [
    { label: 'χ∥(K) = C_W⟨σ²(z²−K)⟩/(2K²)', color: PALETTE[0] },
    { label: 'χ⊥(K) = C_W⟨σ′σ′⟩', color: PALETTE[2] },
    { label: 'χ = 1 (criticality)', color: '#1b1e23', kind: 'dash' },
    ...(it.length ? [{ label: 'K⁽ℓ⁾ of the flow', color: '#5b616b', kind: 'dot' as const }] : []),
  ];
  return compose('susceptibility', [{ svg, key: 'chi' }], legend, {
    ...options,
    title: options.title ?? 'Susceptibilities (PDLT §5.1)',
    columns: 1,
    panelWidth: width - 32,
    panelHeight: height,
  });
}
