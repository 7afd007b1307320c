/** The depth-to-width ratio r = Σ 1/n_ℓ and when the 1/n expansion stops being trustworthy (§3.4, §5.4). (Module overview: ts/api/critical.ts.) */
import { InvalidParameterError } from '../errors.js';
import { normalized, type TheoryResult } from '../theory.js';
import { checkFinite } from './context.js';

export interface DepthToWidthLayer {
  layer: number;
  /** r_ℓ = Σ_{ℓ′=2}^{ℓ} 1/n_{ℓ′−1} (layer 1 has no 1/n terms; = (ℓ − 1)/n at constant width): the aspect ratio so far. */
  r: number;
  /** V/(nK²), A/(nΘ²), B/(nΘ²) (n = n_{ℓ−1}): the relative 1/n corrections (PDLT §5.4, §9); null where the scale vanishes (see `normalized`). */
  V: number | null;
  A: number | null;
  B: number | null;
}

export interface DepthToWidthResult {
  /** r = Σ_{ℓ=2}^{L} 1/n_{ℓ−1} (= (L − 1)/n for equal widths): the depth-to-width ratio of the whole network. */
  ratio: number;
  layers: DepthToWidthLayer[];
  /** Largest |V/(nK²)|, |A/(nΘ²)|, |B/(nΘ²)| and where. */
  max: { quantity: 'V' | 'A' | 'B'; value: number; layer: number };
  /** 'ok' (< warnAt), 'caution' (≥ warnAt), 'unreliable' (≥ failAt). */
  level: 'ok' | 'caution' | 'unreliable';
  warnings: string[];
}

/**
 * Depth-to-width diagnostics of a theory() run (PDLT §5.4, §9.3): the aspect ratio r = Σ 1/n, the
 * normalized 1/n tensors per layer, and warnings when the 1/n expansion is unreliable — the largest
 * of V/(nK²), A/(nΘ²), B/(nΘ²) at or above `warnAt` (default 0.1: neglected O(1/n²) terms ~ its
 * square) or `failAt` (default 0.5: the expansion is meaningless at order one).
 */
export function depthToWidth(result: TheoryResult, options: { warnAt?: number; failAt?: number } = {}): DepthToWidthResult {
  if (!result || !Array.isArray(result.layers)) throw new InvalidParameterError('result', result, 'a theory() result');
  const warnAt = options.warnAt === undefined ? 0.1 : checkFinite('warnAt', options.warnAt, 0, true);
  const failAt = options.failAt === undefined ? 0.5 : checkFinite('failAt', options.failAt, warnAt, false);
  const norm = normalized(result);
  const layers: DepthToWidthLayer[] = [];
  let r = 0;
  let max: DepthToWidthResult['max'] = { quantity: 'V', value: 0, layer: 1 };
  result.layers.forEach((l, i) => {
    if (i > 0) r += 1 / l.n;
    const row = { layer: l.layer, r, V: norm[i].V, A: norm[i].A, B: norm[i].B };
    layers.push(row);
    for (const q of ['V', 'A', 'B'] as const) {
      const x = row[q];
      if (x === null) continue;
      const v = Math.abs(x);
      if (Number.isFinite(v) ? v > max.value : !Number.isNaN(v)) max = { quantity: q, value: v, layer: row.layer };
    }
  });
  const warnings: string[] = [];
  const label = { V: 'V/(nK²)', A: 'A/(nΘ²)', B: 'B/(nΘ²)' }[max.quantity];
  const level = max.value >= failAt ? 'unreliable' : max.value >= warnAt ? 'caution' : 'ok';
  if (level !== 'ok') {
    warnings.push(
      level === 'unreliable'
        ? `${label} = ${max.value.toPrecision(3)} at layer ${max.layer} is of order one (≥ ${failAt}): the network is too deep for its width (r = L/n = ${r.toPrecision(3)}); the 1/n expansion is unreliable there`
        : `${label} = ${max.value.toPrecision(3)} at layer ${max.layer} (≥ ${warnAt}): neglected O(1/n²) terms are ~${(max.value * max.value).toPrecision(2)} relative (r = L/n = ${r.toPrecision(3)})`,
    );
  }
  return { ratio: r, layers, max, level, warnings };
}
