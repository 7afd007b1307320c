/** The depth-to-width diagnostics printed next to `wideflow theory` output (PDLT §5.4, §9.3). */
import type { DepthToWidthResult } from '../api/critical.js';

export function depthToWidthLines(d: DepthToWidthResult): string[] {
  const m = d.max;
  const label = { V: 'V/(nK²)', A: 'A/(nΘ²)', B: 'B/(nΘ²)' }[m.quantity];
  return [
    `depth-to-width: r = Σ 1/n = ${d.ratio.toPrecision(4)}; largest relative 1/n correction ${label} = ${m.value.toPrecision(4)} at layer ${m.layer} (${d.level})`,
  ];
}
