/**
 * The buffers of the multi-input ensemble kernel — the TypeScript twin of
 * `crates/core/src/sampling/multi/workspace.rs`. One workspace per config shape (widths, k_ℓ, N,
 * order); the phases that fill it are in forward.ts, jets.ts, hvp.ts and stats.ts.
 *
 * Index conventions (target layer ℓ, k = k_ℓ, N inputs): a direction d = b·N + β is v_{b;β} = λ∇z_{b;β}
 * (D = kN of them); a jet row r = d·N + α is a direction evaluated at input α (E = D·N rows); there
 * are no second-order rows (dĤ and dd_IĤ are reverse accumulations); an HVP row q = e·D + d is g_{e[d]} = Hess(z_e)·v_d with e = (a, α) read as a direction index.
 */
import { multiNetworkStats } from '../../../../bindings/layout.js';
import { condDoubles, MultiCond } from './conditional.js';
import type { MultiConfig } from './config.js';

export const f64 = (n: number) => new Float64Array(n);

/** Doubles the workspace of a shape needs (the Rust side refuses above 2²⁹); planning uses it before allocating. */
export function multiWorkspaceDoubles(widths: readonly number[], neurons: readonly number[], N: number, order: number): number {
  const L = widths.length - 1;
  const k = Math.max(...neurons);
  const D = k * N, E = D * N;
  let nh = 1;
  let total = 4 * (L + 1) + 8 * N * N + 13 * N ** 4 + 3 * N * N;
  for (let m = 1; m <= L; m++) {
    const n = widths[m], np = widths[m - 1];
    total += n * np * (m >= 2 && m < L ? 2 : 1) + n + N * n + N * N;
    const nm = m < L ? n : k;
    if (m < L) {
      nh = Math.max(nh, n);
      total += 4 * N * n;
      if (order >= 1) total += 2 * D * n + 2 * E * n + E * N + D * D;
    }
    if (order >= 1) total += E * nm;
  }
  total += widths[0] * N + k * k + condDoubles(widths, N, order);
  if (order >= 3) total += 3 * D * D * nh + E * E + D * D * D + (3 * N + 2 * N * N) * nh + N * N * N + 4 * N * N * nh + 3 * N ** 4;
  return total;
}

/** All buffers of one shape; `Workspace` in Rust. Per-layer arrays are indexed by m = 0 … L. */
export class Workspace {
  readonly key: string;
  readonly widths: number[];
  readonly N: number;
  readonly w: Float64Array[] = [f64(0)];
  readonly wt: Float64Array[] = [f64(0)]; // W⁽ᵐ⁾ᵀ for 2 ≤ m ≤ L−1
  readonly bias: Float64Array[] = [f64(0)];
  readonly z: Float64Array[] = [f64(0)]; // N × n_m (row α)
  readonly s0: Float64Array[]; // σ … σ‴ at m < L, N × n_m; s0[0] = X
  readonly s1: Float64Array[] = [f64(0)];
  readonly s2: Float64Array[] = [f64(0)];
  readonly s3: Float64Array[] = [f64(0)];
  readonly ssg: Float64Array[] = []; // N × N Gram s⁽ᵐ⁾_α·s⁽ᵐ⁾_β, m = 0 … L−1
  readonly mu: Float64Array; // μ_m = λ_W⁽ᵐ⁾/n_{m−1}
  readonly rho: Float64Array[] = [f64(0)]; // D × n_m
  readonly delta: Float64Array[] = [f64(0)];
  readonly gam: Float64Array[] = [f64(0)]; // D × D Gram of δ⁽ᵐ⁾
  readonly zd: Float64Array[] = [f64(0)]; // E × n_m (E × k at the top layer)
  readonly ud: Float64Array[] = [f64(0)]; // u̇ = σ′ ⊙ ż, E × n_m
  readonly sig: Float64Array[] = [f64(0)]; // σ⁽ᵐ⁾[r, β′] = s⁽ᵐ⁾_β′·u̇⁽ᵐ⁾_r, E × N (zero at m = 0)
  readonly dd0: Float64Array; // δ̇ rows (D² × n)
  readonly dd1: Float64Array;
  readonly rhod: Float64Array;
  readonly gg: Float64Array; // Gram of the u̇ rows of one layer (E × E)
  readonly ed: Float64Array; // δ̇_q·δ_e′ (D² × D)
  // dd_IĤ per (i, j, α): rows [ρs‴ż₁ + s″κ₁ | s″ż₁] (N × 2n), [ż₂ż₃ | ż₃κ₂ + ż₂κ₃] (N² × 2n), κ (N × n), products N³
  readonly xa: Float64Array;
  readonly xb: Float64Array;
  readonly kb: Float64Array;
  readonly res: Float64Array;
  // dd_IIĤ: four N² × n blocks of HVP rows and their three N² × N² Gram blocks
  readonly gath: Float64Array;
  readonly gr: Float64Array;
  readonly eye: Float64Array; // k × k identity: the δ⁽ℓ⁾ rows
  readonly v: Float64Array; // the per-network values of one layer
  readonly cond: MultiCond; // the conditional estimators of G and H (conditional.ts)

  constructor(cfg: MultiConfig) {
    const w = cfg.widths;
    const L = w.length - 1;
    const N = cfg.inputs;
    const order = cfg.order;
    const k = Math.max(...cfg.neurons);
    const D = k * N, E = D * N;
    this.key = key(cfg);
    this.widths = w.slice();
    this.N = N;
    this.s0 = [cfg.X.slice()];
    this.mu = f64(L + 1);
    let nh = 1;
    for (let m = 0; m < L; m++) this.ssg.push(f64(N * N));
    for (let m = 1; m <= L; m++) {
      const n = w[m], np = w[m - 1];
      const hidden = m < L;
      this.w.push(f64(n * np));
      this.wt.push(f64(m >= 2 && hidden ? n * np : 0));
      this.bias.push(f64(n));
      this.z.push(f64(N * n));
      this.s0.push(f64(hidden ? N * n : 0));
      this.s1.push(f64(hidden ? N * n : 0));
      this.s2.push(f64(hidden ? N * n : 0));
      this.s3.push(f64(hidden ? N * n : 0));
      const o1 = order >= 1;
      const nm = hidden ? n : k;
      if (hidden) nh = Math.max(nh, n);
      this.rho.push(f64(hidden && o1 ? D * n : 0));
      this.delta.push(f64(hidden && o1 ? D * n : 0));
      this.gam.push(f64(hidden && o1 ? D * D : 0));
      this.zd.push(f64(o1 ? E * nm : 0));
      this.ud.push(f64(hidden && o1 ? E * n : 0));
      this.sig.push(f64(hidden && o1 ? E * N : 0));
    }
    this.dd0 = f64(order >= 3 ? D * D * nh : 0);
    this.dd1 = f64(order >= 3 ? D * D * nh : 0);
    this.rhod = f64(order >= 3 ? D * D * nh : 0);
    this.gg = f64(order >= 3 ? E * E : 0);
    this.ed = f64(order >= 3 ? D * D * D : 0);
    this.xa = f64(order >= 3 ? 2 * N * nh : 0);
    this.xb = f64(order >= 3 ? 2 * N * N * nh : 0);
    this.kb = f64(order >= 3 ? N * nh : 0);
    this.res = f64(order >= 3 ? N * N * N : 0);
    this.gath = f64(order >= 3 ? 4 * N * N * nh : 0);
    this.gr = f64(order >= 3 ? 3 * N ** 4 : 0);
    this.eye = f64(k * k);
    this.v = f64(multiNetworkStats.len({ N }));
    this.cond = new MultiCond(cfg);
  }

  /** True when `cfg` has the shape this workspace was built for. */
  fits(cfg: MultiConfig): boolean {
    return this.key === key(cfg);
  }
}

const key = (cfg: MultiConfig) => `${cfg.widths.join(',')}|${cfg.neurons.join(',')}|${cfg.inputs}|${cfg.order}`;
