/**
 * `wideflow/plot`: SVG figures of wideflow's results, drawn with Observable Plot. Every function takes
 * a result of the core API (`theory()`, `compare()`, `kernels()`, …) and returns a standalone SVG
 * document as a string, the same in Node and in browsers. Axis labels use the book's symbols (PDLT).
 *
 * This entry is separate from the core so that users who never plot load nothing of it: its
 * dependencies (Observable Plot, and linkedom as the DOM in Node) are bundled into its own build.
 */
export { flowsPlot, flowsData, describeSpec, DEFAULT_FLOW_QUANTITIES } from './flows.js';
export type { FlowSeries, FlowsPlotOptions, FlowPoint } from './flows.js';
export { comparePlot, compareRows } from './compare.js';
export type { ComparePlotOptions } from './compare.js';
export { kernelsPlot, kernelsData } from './kernels.js';
export type { KernelsPlotOptions, KernelCell } from './kernels.js';
export { susceptibilityPlot } from './susceptibility.js';
export type { SusceptibilityCurve, SusceptibilityPlotOptions } from './susceptibility.js';
export { distributionPlot } from './distribution.js';
export type { PredictedGaussian, DistributionPlotOptions } from './distribution.js';
export { setDocument, formatNumber } from './figure.js';
export type { FigureOptions } from './figure.js';
export { FLOW_QUANTITIES, SYMBOLS, NORMALIZED_LABELS, label as quantityLabel } from './labels.js';
export type { FlowQuantity, RawQuantity, NormalizedQuantity } from './labels.js';
