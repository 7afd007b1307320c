/**
 * The buffers of the sampled-network kernel — the TypeScript twin of
 * `crates/core/src/sampling/network/workspace.rs`. One workspace per config shape; the phases that
 * fill it are in forward.ts (draw, forward, back-propagation), jets.ts (forward jets), hvp.ts
 * (dd_IIĤ) and stats.ts (per-network values).
 */
import { Cond } from './conditional.js';
import type { Config } from './config.js';

/** The number of stacked direction rows for k neurons at `order`. */
export const rows = (k: number, order: number) => k + (order >= 2 ? (k * (k + 1)) / 2 : 0) + (order >= 3 ? k * (k - 1) : 0);

export const f64 = (n: number) => new Float64Array(n);

/** All buffers of one config shape (reused while the shape does not change); `Workspace` in Rust. */
export class Workspace {
  readonly key: string;
  /** n₀ … n_L of the shape. */
  readonly widths: number[];
  readonly w: Float64Array[] = [f64(0)];
  readonly wt: Float64Array[] = [f64(0)]; // W⁽ᵐ⁾ᵀ for 2 ≤ m ≤ L−1
  readonly bias: Float64Array[] = [f64(0)];
  readonly z: Float64Array[] = [f64(0)];
  readonly s0: Float64Array[]; // σ, σ′, σ″, σ‴ at layer m < L (s0[0] = x)
  readonly s1: Float64Array[] = [f64(0)];
  readonly s2: Float64Array[] = [f64(0)];
  readonly s3: Float64Array[] = [f64(0)];
  readonly c: Float64Array; // c_m = λ_b⁽ᵐ⁾ + μ_m |s⁽ᵐ⁻¹⁾|²
  readonly mu: Float64Array; // μ_m = λ_W⁽ᵐ⁾ / n_{m−1}
  readonly zzc: Float64Array; // E[z_a² | layers < m] = C_b⁽ᵐ⁾ + C_W⁽ᵐ⁾|s⁽ᵐ⁻¹⁾|²/n_{m−1}
  readonly rho: Float64Array[] = [f64(0)];
  readonly delta: Float64Array[] = [f64(0)];
  readonly zd: Float64Array[] = [f64(0)];
  readonly gamma: Float64Array[];
  readonly sig: Float64Array[];
  readonly gram: Float64Array[];
  readonly stk: Float64Array;
  readonly xs: Float64Array;
  readonly tau: Float64Array;
  readonly eye: Float64Array;
  dd0: Float64Array;
  dd1: Float64Array;
  readonly rhod: Float64Array;
  readonly pidx: Int32Array;
  readonly tidx: Int32Array;
  readonly acc: Float64Array;
  readonly d4 = f64(4);
  readonly cond: Cond; // the conditional estimators (conditional.ts)

  constructor(cfg: Config) {
    const { widths: w, order, neurons } = cfg;
    this.widths = w;
    const L = w.length - 1;
    this.key = shapeKey(cfg);
    const kmax = Math.max(...neurons);
    let nh = 0;
    for (let m = 0; m < L; m++) nh = Math.max(nh, w[m]);
    const r = rows(kmax, order);
    this.s0 = [f64(w[0])];
    this.c = f64(L + 1);
    this.mu = f64(L + 1);
    this.zzc = f64(L + 1);
    this.gamma = [f64(kmax * kmax)];
    this.sig = [f64(kmax)];
    this.gram = [f64(kmax * kmax)];
    for (let m = 1; m <= L; m++) {
      const n = w[m], np = w[m - 1];
      this.w.push(f64(n * np));
      this.wt.push(f64(order >= 1 && m >= 2 && m < L ? n * np : 0));
      this.bias.push(f64(n));
      this.z.push(f64(n));
      const hidden = m < L ? n : 0;
      this.s0.push(f64(hidden));
      this.s1.push(f64(hidden));
      this.s2.push(f64(hidden));
      this.s3.push(f64(hidden));
      const kn = m < L && order >= 1 ? kmax * n : 0;
      this.rho.push(f64(kn));
      this.delta.push(f64(kn));
      this.zd.push(f64(kn));
      this.gamma.push(f64(kmax * kmax));
      this.sig.push(f64(kmax));
      this.gram.push(f64(kmax * kmax));
    }
    this.stk = f64(r * nh);
    this.xs = f64(r * Math.max(nh, kmax));
    this.tau = f64((kmax * (kmax + 1)) / 2);
    this.eye = f64(kmax * kmax);
    const kkn = order >= 3 ? kmax * kmax * nh : 0;
    this.dd0 = f64(kkn);
    this.dd1 = f64(kkn);
    this.rhod = f64(kkn);
    this.pidx = new Int32Array(kmax * kmax);
    this.tidx = new Int32Array(kmax * kmax);
    this.acc = f64(3 * kmax * kmax);
    this.cond = new Cond(cfg);
  }

  /** True when this workspace has the shape of `cfg` (widths, neurons, order). */
  fits(cfg: Config): boolean {
    return this.key === shapeKey(cfg);
  }
}

function shapeKey(c: Config): string {
  return `${c.widths.join(',')}|${c.neurons.join(',')}|${c.order}`;
}
