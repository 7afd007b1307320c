/**
 * THE Gaussian-moment bundle in Stein form — the pure-TypeScript twin of
 * `crates/core/src/theory/moments.rs` (same slots, same integrand expressions, same order of
 * operations). One bundle serves the recursions (`recursion.ts`), the diagonal of the kernel matrices
 * (`kernel_matrix.ts`) and the public `gaussianExpectations` (its 14 values, {@link publicMoments}).
 *
 * With he2 = z²/K − 1 and he4 = (z⁴ − 6Kz² + 3K²)/K² (normalized so that no K² or K⁴ is ever formed):
 * the he2 moments are O(K) while |f·he2| is O(1), so they come from Stein's identity
 * ⟨f(z²−K)⟩ = K²⟨f″⟩ (f″ pointwise, plus φ_K(0)·[f′]₀ at a kink: {@link kinkJumps}), i.e.
 * ⟨f·he2⟩ = K(⟨f″⟩ + φ_K(0)[f′]₀), rather than from an integral that cancels catastrophically below
 * K ≈ 1e−14. For relu, leaky relu and elu σ″ and σ‴ are the pointwise ones (0 for relu), as a sampled
 * network sees them.
 */
import { Branch, type Activation } from '../numerics/activation.js';
import type { Quadrature } from '../numerics/quadrature/expect.js';

/** Below this K the expectations are taken at K_MIN (the small-K limit) and a flag is raised. */
export const K_MIN = 1e-280;
/** Slots of the bundle. */
export const N_MOMENTS = 18;

/**
 * The bundle at one K, slot order (`Moments` in Rust): ⟨σ⟩, ⟨σ²⟩, ⟨σ⁴⟩, ⟨σ′²⟩, ⟨σ′⁴⟩, ⟨σ²σ′²⟩, ⟨zσσ′⟩,
 * ⟨zσ′σ″⟩, ⟨σ²he2⟩, ⟨σ′²he2⟩, ⟨σ²he4⟩, ⟨σσ′²σ″⟩, ⟨σ′³σ‴⟩, ⟨σ′²σ″²⟩, ⟨σ′²he4⟩, ⟨σσ″⟩, ⟨σ′σ‴⟩, ⟨σ″²⟩.
 */
export interface Moments {
  s: number; s2: number; s4: number; d2: number; d4: number; s2d2: number; zsd: number; zdd: number;
  s2he2: number; d2he2: number; s2he4: number; sd2dd: number; d3ddd: number; d2dd2: number; d2he4: number;
  sdd: number; dddd: number; dd2: number;
}

/** The field of each slot (index = slot). */
export const MOMENT_FIELDS = [
  's', 's2', 's4', 'd2', 'd4', 's2d2', 'zsd', 'zdd', 's2he2', 'd2he2', 's2he4', 'sd2dd', 'd3ddd', 'd2dd2', 'd2he4', 'sdd', 'dddd', 'dd2',
] as const satisfies ReadonlyArray<keyof Moments>;

/** The slots in order (`Moments::to_array`). */
export function momentsToArray(m: Moments): Float64Array {
  return Float64Array.from(MOMENT_FIELDS, (f) => m[f]);
}

/** The bundle from its slots (`Moments::from_array`). */
export function momentsFromArray(o: ArrayLike<number>): Moments {
  const m = {} as Moments;
  MOMENT_FIELDS.forEach((f, i) => (m[f] = o[i]));
  return m;
}

/**
 * The N_MOMENTS integrands at z (`moment_integrands`); d = [σ, σ′, σ″, σ‴](z), k the (clamped)
 * variance. Slots 8 and 9 are (σ²)″ and (σ′²)″: {@link computeMoments} turns them into ⟨·he2⟩.
 */
export function momentIntegrands(k: number, z: number, d: Float64Array, out: Float64Array): void {
  const s = d[0], s1 = d[1], s2 = d[2], s3 = d[3];
  const x2 = (z * z) / k;
  const he4 = x2 * x2 - 6 * x2 + 3;
  const ss = s * s;
  const dd = s1 * s1;
  out[0] = s;
  out[1] = ss;
  out[2] = ss * ss;
  out[3] = dd;
  out[4] = dd * dd;
  out[5] = ss * dd;
  out[6] = z * s * s1;
  out[7] = z * s1 * s2;
  out[8] = 2 * (dd + s * s2); // (σ²)″
  out[9] = 2 * (s2 * s2 + s1 * s3); // (σ′²)″
  out[10] = ss * he4;
  out[11] = s * dd * s2;
  out[12] = dd * s1 * s3;
  out[13] = dd * s2 * s2;
  out[14] = dd * he4;
  out[15] = s * s2;
  out[16] = s1 * s3;
  out[17] = s2 * s2;
}

/**
 * The kink terms of Stein's identity for (σ²)″ and (σ′²)″: φ_K(0)·[f′]₀ with f = σ², σ′² (jump of f′
 * across z = 0 between the right and the left branch); (0, 0) for σ without a kink.
 */
export function kinkJumps(act: Activation, k: number): [number, number] {
  if (!act.hasKink) return [0, 0];
  const r = new Float64Array(4);
  const l = new Float64Array(4);
  act.evalBranch(0, Branch.Right, r);
  act.evalBranch(0, Branch.Left, l);
  const phi0 = 1 / Math.sqrt(2 * Math.PI * k);
  return [phi0 * 2 * (r[0] * r[1] - l[0] * l[1]), phi0 * 2 * (r[1] * r[2] - l[1] * l[2])];
}

/** The bundle at variance K (`compute_moments`); K below K_MIN is taken at K_MIN. */
export function computeMoments(q: Quadrature, act: Activation, K: number): Moments {
  const k = Math.max(K, K_MIN);
  const o = new Float64Array(N_MOMENTS);
  q.expectMany(act, k, o, (z, d, out) => momentIntegrands(k, z, d, out));
  const [jumpS2, jumpD2] = kinkJumps(act, k);
  o[8] = k * (o[8] + jumpS2);
  o[9] = k * (o[9] + jumpD2);
  return momentsFromArray(o);
}

/**
 * The bundle of the point mass at z = 0 (K = 0, the K → 0 limit): every plain slot is its integrand
 * at z = 0, every he2/he4 slot (8, 9, 10, 14) is 0. Only the public bundle uses it; the recursion
 * takes K = 0 at K_MIN.
 */
export function pointMassMoments(act: Activation): Moments {
  const o = new Float64Array(N_MOMENTS);
  const d = new Float64Array(4);
  act.eval(0, d);
  momentIntegrands(1, 0, d, o);
  for (const j of [8, 9, 10, 14]) o[j] = 0;
  return momentsFromArray(o);
}

/** Names of the public values, in the order of `wf_gauss_moments` and `gaussianExpectations`. */
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
export const GAUSS_EXPECTATION_COUNT = MOMENT_NAMES.length;

/**
 * The public values from the bundle (`public_moments`): ⟨σ²(z²−K)⟩ = K·⟨σ²he2⟩, ⟨σ′²(z²−K)⟩ =
 * K·⟨σ′²he2⟩, ⟨σ²He₄⟩ = K·(K·⟨σ²he4⟩) with K the caller's (unclamped) variance.
 */
export function publicMoments(m: Moments, K: number): Float64Array {
  const k = K;
  return Float64Array.from([
    m.s, m.s2, m.s4, m.d2, m.d4, m.s2d2, m.zsd, m.zdd,
    k * m.s2he2,
    k * m.d2he2,
    k * (k * m.s2he4),
    m.sd2dd, m.d3ddd, m.d2dd2,
  ]);
}

/**
 * The public values and their error estimates into `out` (2·GAUSS_EXPECTATION_COUNT: the values, then
 * |values(refined) − values| when `refined` is given, else 0) — `gaussian_expectations`. Returns false
 * (out zero-filled) for K negative or not finite.
 */
export function gaussianExpectationsInto(q: Quadrature, refined: Quadrature | null, act: Activation, K: number, out: Float64Array): boolean {
  out.fill(0);
  if (!(K >= 0 && Number.isFinite(K))) return false;
  // K = 0 is the point mass at 0 (exact); 0 < K < K_MIN is taken at K_MIN.
  const bundle = (rule: Quadrature) => (K === 0 ? pointMassMoments(act) : computeMoments(rule, act, K));
  const v = publicMoments(bundle(q), K);
  out.set(v);
  if (refined) {
    const r = publicMoments(bundle(refined), K);
    for (let j = 0; j < GAUSS_EXPECTATION_COUNT; j++) out[GAUSS_EXPECTATION_COUNT + j] = Math.abs(r[j] - v[j]);
  }
  return true;
}
