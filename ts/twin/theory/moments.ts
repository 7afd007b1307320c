/**
 * THE Gaussian-moment bundle in Stein form — the pure-TypeScript twin of
 * `crates/core/src/theory/moments.rs`. It serves the recursions (`recursion.ts`), the diagonal of the
 * kernel matrices (`kernel_matrix.ts`) and the public `gaussianExpectations`.
 */
import { Branch, type Activation } from '../numerics/activation.js';
import type { Quadrature } from '../numerics/quadrature/expect.js';

/** Below this K the expectations are taken at K_MIN (the small-K limit) and a flag is raised. */
export const K_MIN = 1e-280;
export const N_MOMENTS = 15;

/**
 * Gaussian expectations at one K used by the recursions, with he2 = z²/K − 1 and
 * he4 = (z⁴ − 6Kz² + 3K²)/K² (normalized so that no K² or K⁴ is ever formed). The he2 moments are
 * O(K) while |f·he2| is O(1), so they come from Stein's identity ⟨f(z²−K)⟩ = K²⟨f″⟩ (pointwise f″
 * plus φ_K(0)·[f′]₀ at a kink) rather than from a cancelling integral (see the Rust twin `crates/core/src/theory/moments.rs`):
 * [⟨σ²⟩, ⟨σ⁴⟩, ⟨σ′²⟩, ⟨σ′⁴⟩, ⟨σ²he2⟩, ⟨σ′²he2⟩, ⟨σ²he4⟩, ⟨σ′²he4⟩, ⟨σ²σ′²⟩, ⟨σσ′²σ″⟩, ⟨σσ″⟩,
 *  ⟨σ′³σ‴⟩, ⟨σ′σ‴⟩, ⟨σ″²⟩, ⟨σ′²σ″²⟩].
 */
export interface Moments {
  s2: number; s4: number; d2: number; d4: number; s2he2: number; d2he2: number; s2he4: number; d2he4: number;
  s2d2: number; sd2dd: number; sdd: number; d3ddd: number; dddd: number; dd2: number; d2dd2: number;
}

/** The bundle at variance K (`Moments::compute` in Rust); K below K_MIN is taken at K_MIN. */
function compute(q: Quadrature, act: Activation, K: number): Moments {
  const k = Math.max(K, K_MIN);
  const o = new Float64Array(N_MOMENTS);
  q.expectMany(act, k, o, (z, d, out) => {
    const s = d[0], s1 = d[1], s2 = d[2], s3 = d[3];
    const x2 = (z * z) / k;
    const he4 = x2 * x2 - 6 * x2 + 3;
    const ss = s * s;
    const dd = s1 * s1;
    out[0] = ss;
    out[1] = ss * ss;
    out[2] = dd;
    out[3] = dd * dd;
    out[4] = 2 * (dd + s * s2); // (σ²)″
    out[5] = 2 * (s2 * s2 + s1 * s3); // (σ′²)″
    out[6] = ss * he4;
    out[7] = dd * he4;
    out[8] = ss * dd;
    out[9] = s * dd * s2;
    out[10] = s * s2;
    out[11] = dd * s1 * s3;
    out[12] = s1 * s3;
    out[13] = s2 * s2;
    out[14] = dd * s2 * s2;
  });
  let jumpS2 = 0;
  let jumpD2 = 0;
  if (act.hasKink) {
    const r = new Float64Array(4);
    const l = new Float64Array(4);
    act.evalBranch(0, Branch.Right, r);
    act.evalBranch(0, Branch.Left, l);
    const phi0 = 1 / Math.sqrt(2 * Math.PI * k);
    jumpS2 = phi0 * 2 * (r[0] * r[1] - l[0] * l[1]);
    jumpD2 = phi0 * 2 * (r[1] * r[2] - l[1] * l[2]);
  }
  o[4] = k * (o[4] + jumpS2);
  o[5] = k * (o[5] + jumpD2);
  return {
    s2: o[0], s4: o[1], d2: o[2], d4: o[3], s2he2: o[4], d2he2: o[5], s2he4: o[6], d2he4: o[7],
    s2d2: o[8], sd2dd: o[9], sdd: o[10], d3ddd: o[11], dddd: o[12], dd2: o[13], d2dd2: o[14],
  };
}

export const Moments = { compute };

/** Names of the moment bundle, in the order of `wf_gauss_moments` (quadrature.rs `moment_integrands`). */
export const MOMENT_NAMES = [
  'sigma',
  'sigma2',
  'sigma4',
  'dsigma2',
  'dsigma4',
  'sigma2dsigma2',
  'zsigmadsigma',
  'zdsigmaddsigma',
  'sigma2He2',
  'dsigma2He2',
  'sigma2He4',
  'sigmadsigma2ddsigma',
  'dsigma3dddsigma',
  'dsigma2ddsigma2',
] as const;
export const MOMENT_COUNT = MOMENT_NAMES.length;

/** The bundle's integrands at z (same order and arithmetic as Rust's `moment_integrands`). */
export function momentIntegrands(k: number, z: number, d: Float64Array, v: Float64Array): void {
  const s = d[0],
    s1 = d[1],
    s2 = d[2],
    s3 = d[3];
  const z2 = z * z;
  const ss = s * s;
  const dd = s1 * s1;
  const he2 = z2 - k;
  v[0] = s;
  v[1] = ss;
  v[2] = ss * ss;
  v[3] = dd;
  v[4] = dd * dd;
  v[5] = ss * dd;
  v[6] = z * s * s1;
  v[7] = z * s1 * s2;
  v[8] = ss * he2;
  v[9] = dd * he2;
  v[10] = ss * (z2 * (z2 - 6 * k) + 3 * k * k);
  v[11] = s * dd * s2;
  v[12] = dd * s1 * s3;
  v[13] = dd * s2 * s2;
}

