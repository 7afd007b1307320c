/**
 * Sampled networks on N inputs: the per-network values of z, Ĥ, dĤ, dd_IĤ, dd_IIĤ with sample indices
 * that the multi-input ensemble estimators average — the pure-TypeScript twin of
 * `crates/core/src/sampling/multi/` (this file: `mod.rs`; the derivation and the cost are in the Rust
 * module docs). Same algorithm, same floating-point operations in the same order.
 *
 * Files (as in Rust): config (the buffer), workspace (the buffers), forward (draw, forward pass of
 * every input, back-propagation), jets (ż forward; dĤ by reverse accumulation), hvp (dd_IIĤ, and dd_IĤ from the same HVP rows),
 * stats (the per-network values, `multiNetworkStats`), conditional (the conditional estimators of G and H
 * with control variates, over all neurons of the layers below).
 */
import { InvalidParameterError } from '../../../api/errors.js';
import type { Activation } from '../../numerics/activation.js';
import { conditionalMulti } from './conditional.js';
import { parseMultiConfig, TWO32, type MultiConfig } from './config.js';
import { draw, forward } from './forward.js';
import { layer, multiStatsLen } from './stats.js';
import { Workspace } from './workspace.js';

export { packMultiConfig, parseMultiConfig, MAX_ENSEMBLE_INPUTS, type MultiConfig, type MultiNetworkConfig } from './config.js';
export { multiStatsLen, statOffsets } from './stats.js';
export { multiWorkspaceDoubles } from './workspace.js';

const LIMIT = 9007199254740992;
let cached: Workspace | null = null;

/** Samples network `index` and adds its per-layer values to `out` (`Workspace::network`). */
export function networkMulti(ws: Workspace, cfg: MultiConfig, index: number, out: Float64Array): void {
  const L = cfg.widths.length - 1;
  const len = multiStatsLen(cfg.inputs);
  draw(ws, cfg, index);
  forward(ws, cfg);
  conditionalMulti(ws, cfg);
  for (let t = 1; t <= L; t++) {
    layer(ws, cfg, t);
    for (let i = 0; i < len; i++) out[(t - 1) * len + i] += ws.v[i];
  }
}

/**
 * Samples networks first … first+count−1 and WRITES out[(ℓ−1)·len + q] = Σ over them of value q of
 * layer ℓ (len = 8N² + 13N⁴) — the twin of the wasm export `wf_ensemble_multi_chunk`.
 * @throws InvalidParameterError for a malformed config or chunk range
 */
export function ensembleMultiChunk(cfg: Float64Array, first: number, count: number, out: Float64Array, activation?: Activation): void {
  const d = parseMultiConfig(cfg, activation);
  const L = d.widths.length - 1;
  const len = multiStatsLen(d.inputs);
  if (!(Number.isInteger(first) && first >= 0 && first <= LIMIT)) throw new InvalidParameterError('first', first, 'an integer in 0 … 2^53');
  if (!(Number.isInteger(count) && count >= 0 && count < TWO32) || first + count > LIMIT) throw new InvalidParameterError('count', count, 'an integer ≥ 0 with first + count ≤ 2^53');
  if (!(out instanceof Float64Array) || out.length < L * len) throw new InvalidParameterError('out', out, `a Float64Array of at least ${L * len} values`);
  if (!cached || !cached.fits(d)) {
    cached = null;
    cached = new Workspace(d);
  }
  cached.cond.prepare(d);
  out.fill(0, 0, L * len);
  for (let i = 0; i < count; i++) networkMulti(cached, d, first + i, out);
}

/** Drops the cached workspace. */
export function releaseMultiWorkspace(): void {
  cached = null;
}
