/**
 * Sampled networks: the per-network values of z, Ĥ, dĤ, dd_IĤ, dd_IIĤ that the ensemble estimators
 * average — the pure-TypeScript twin of `crates/core/src/sampling/network/` (this file: `mod.rs`) (same algorithm, same
 * floating-point operations in the same order, so the two agree bit for bit whenever σ and the RNG
 * do; the derivation is in the Rust module docs).
 *
 * Network (single input x ∈ R^{n₀}): z⁽¹⁾ = b⁽¹⁾ + W⁽¹⁾x, z⁽ᵐ⁺¹⁾ = b⁽ᵐ⁺¹⁾ + W⁽ᵐ⁺¹⁾σ(z⁽ᵐ⁾),
 * W⁽ᵐ⁾ ~ N(0, C_W⁽ᵐ⁾/n_{m−1}), b⁽ᵐ⁾ ~ N(0, C_b⁽ᵐ⁾). Metric λ: λ_b⁽ᵐ⁾ on b⁽ᵐ⁾, μ_m ≡ λ_W⁽ᵐ⁾/n_{m−1} on W⁽ᵐ⁾.
 * With v_i ≡ λ∇z_i and Dᵏz[u₁,…] the k-th directional derivative in parameter space:
 *   Ĥ_ab = Dz_a[v_b],  dĤ_abc = D²z_a[v_b, v_c],  dd_IĤ_abcd = D³z_a[v_b, v_c, v_d],
 *   dd_IIĤ_abcd = ⟨Hess(z_a)v_c, Hess(z_b)v_d⟩_λ (placement A, docs/theory/recursions.md §1.3).
 *
 * Files (as in Rust): config (the buffer), workspace (the buffers), forward (draw, forward pass,
 * back-propagation), jets (forward jets), hvp (dd_IIĤ), stats (the per-network values, {@link Q}),
 * conditional (the Rao–Blackwellized G and H with control variates over all neurons below).
 *
 * Cost per network: for every layer ℓ, O(k_ℓ²·ℓ·n²) — each matrix of layers below ℓ is applied to
 * k + k(k+1)/2 + k(k−1) stacked forward directions and to k + k² backward rows at order 3.
 */

import { InvalidParameterError } from '../../../api/errors.js';
import { isInt, parseConfig, TWO32, type Config } from './config.js';
import { conditional } from './conditional.js';
import { draw, forward } from './forward.js';
import { layer, NQ } from './stats.js';
import { Workspace } from './workspace.js';
import type { Activation } from '../../numerics/activation.js';

export { MAX_DEPTH, packConfig, parseConfig, type Config, type NetworkConfig } from './config.js';
export { NQ, Q } from './stats.js';

const LIMIT = 9007199254740992; // 2^53: network indices stay exact in an f64

// One cached workspace, as the Rust side keeps one per thread.
let cached: Workspace | null = null;

/** Samples network `index` and adds its NQ values per layer to `out` (`Workspace::network`). */
export function network(ws: Workspace, cfg: Config, index: number, out: Float64Array, v: Float64Array): void {
  const L = cfg.widths.length - 1;
  draw(ws, cfg, index);
  forward(ws, cfg);
  conditional(ws, cfg);
  for (let t = 1; t <= L; t++) {
    layer(ws, cfg, t, v);
    for (let i = 0; i < NQ; i++) out[(t - 1) * NQ + i] += v[i];
  }
}

/**
 * Samples networks first … first+count−1 (network i uses `new Rng(seed, i)`) and WRITES
 * out[(ℓ−1)·NQ + q] = Σ over those networks of per-network value q (see {@link Q}) of layer ℓ,
 * summed in index order from 0 — the twin of the wasm export `wf_ensemble_chunk`.
 *
 * @param cfg a config from {@link packConfig}
 * @param activation overrides the config's (kind, a): e.g. a custom σ (the config's kind may then be
 *   any number, conventionally negative), which only this JS twin can evaluate
 * @throws InvalidParameterError for a malformed config or chunk range
 */
export function ensembleChunk(cfg: Float64Array, first: number, count: number, out: Float64Array, activation?: Activation): void {
  const d = parseConfig(cfg, activation);
  const L = d.widths.length - 1;
  if (!isInt(first, 0, LIMIT)) throw new InvalidParameterError('first', first, 'an integer in 0 … 2^53');
  if (!isInt(count, 0, TWO32 - 1) || first + count > LIMIT) {
    throw new InvalidParameterError('count', count, 'an integer ≥ 0 with first + count ≤ 2^53');
  }
  if (!(out instanceof Float64Array) || out.length < L * NQ) throw new InvalidParameterError('out', out, `a Float64Array of at least ${L * NQ} values`);
  if (!cached || !cached.fits(d)) {
    cached = null; // let the old workspace go before allocating the new one
    cached = new Workspace(d);
  }
  const ws = cached;
  ws.cond.prepare(d);
  out.fill(0, 0, L * NQ);
  const v = new Float64Array(NQ);
  for (let i = 0; i < count; i++) network(ws, d, first + i, out, v);
}

/**
 * Drops the cached workspace of the TS twin, e.g. after a run with many probed neurons, whose
 * workspace grows like k_ℓ²·n (`release_workspace`; the wasm side: `releaseNetworkWorkspace` in
 * ts/api/network.ts).
 */
export function releaseWorkspace(): void {
  cached = null;
}
