/** Large-depth laws at criticality (PDLT §5.3, §9.3) and the equal-NTK learning rates (§9.4). (Module overview: ts/api/critical.ts.) */
import { type ActivationSpec } from '../activation.js';
import { InvalidParameterError } from '../errors.js';
import { theory, type TheoryResult } from '../theory.js';
import type { NetworkSpec } from '../spec.js';
import { checkFinite, context } from './context.js';
import { criticalSpec, fourth } from './point.js';
import type { CriticalNetworkOptions } from './point.js';
import type { CriticalOptions, CriticalPoint } from './types.js';

/** One asymptotic law: what the recursion gives at large depth vs the class's closed form. */
export interface AsymptoticCheck {
  /** e.g. 'K·ℓ^pK', 'ℓ(1 − χ⊥)', 'd(V/K²)/dℓ' … */
  quantity: string;
  measured: number;
  /** Closed form of the class (null when none is derived). */
  predicted: number | null;
  /** |measured − predicted|/|predicted|. */
  relError: number | null;
}

export interface AsymptoticsResult {
  activation: string;
  kind: CriticalPoint['kind'];
  depth: number;
  point: CriticalPoint;
  checks: AsymptoticCheck[];
  /** The run behind the numbers (width 1 per layer: every 1/n quantity is per unit 1/n). */
  theory: TheoryResult;
}

/**
 * Runs the recursions at the critical point to `depth` (default 10⁴) and compares the large-depth
 * behaviour with the class's closed forms (PDLT §5.3–5.4, §9.3): K ≈ κ/ℓ^{pK}, χ⊥ ≈ 1 − p⊥/ℓ,
 * V/(nK²) ≈ νℓ/n, Θ (per layer), and the growth of A/(nΘ²), B/(nΘ²). Local quantities are taken
 * from layers depth/2 and depth (slopes, exponents). Equal widths, so every 1/n tensor is per unit 1/n.
 */
export function criticalAsymptotics(activation: ActivationSpec, options: CriticalNetworkOptions & { depth?: number } = {}): AsymptoticsResult {
  const depth = options.depth ?? 10_000;
  if (!Number.isInteger(depth) || depth < 8 || depth > 100_000) throw new InvalidParameterError('depth', depth, 'an integer in 8 … 100000');
  const lb = options.lambdaB ?? 1;
  const lw = options.lambdaW ?? 1;
  const { spec, critical: c } = criticalSpec(activation, { depth, width: 1, inputWidth: 1 }, options);
  const r = theory(spec, { degree: c.degree, backend: c.backend });
  const L = r.layers;
  const l2 = depth;
  const l1 = depth / 2;
  const at = (l: number) => L[Math.round(l) - 1];
  const A = at(l1),
    B = at(l2);
  const checks: AsymptoticCheck[] = [];
  const add = (quantity: string, measured: number, predicted: number | null) =>
    checks.push({ quantity, measured, predicted, relError: predicted === null ? null : Math.abs(measured - predicted) / Math.abs(predicted) });
  const slope = (f: (x: typeof A) => number) => (f(B) - f(A)) / (l2 - l1);
  const expo = (f: (x: typeof A) => number) => Math.log(Math.abs(f(B) / f(A))) / Math.log(l2 / l1);
  const vk = (x: typeof A) => x.V / (x.K * x.K);
  const at2 = (x: typeof A) => x.A / (x.Theta * x.Theta);
  const bt2 = (x: typeof A) => x.B / (x.Theta * x.Theta);
  const p = c.point!;
  if (p.kind === 'K*=0') {
    add('K decay exponent pK (K ∝ ℓ^−pK)', -expo((x) => x.K), p.pK);
    add('K·ℓ^pK → κ', B.K * Math.pow(l2, p.pK), p.kappa);
    add('ℓ(1 − χ⊥) → p⊥', l2 * (1 - B.chiPerp), p.pPerp);
    add('ℓ(1 − χ∥) → pK + 1', l2 * (1 - B.chiParallel), p.pParallel);
    add('d(V/K²)/dℓ → ν', slope(vk), p.nu);
    // Θ′ = χ⊥Θ + λ_b + λ_W⟨σ²⟩ with χ⊥ ≈ 1 − p⊥/ℓ, ⟨σ²⟩ ≈ κ/(C_Wℓ^pK):
    // Θ ≈ λ_bℓ/(1 + p⊥) (λ_b > 0), else Θ ≈ Dℓ^{1−pK}, D = λ_Wκ/(C_W(1 − pK + p⊥)) (docs/theory/criticality.md)
    if (lb > 0) add('dΘ/dℓ → λ_b/(1 + p⊥)', slope((x) => x.Theta), lb / (1 + p.pPerp));
    else if (1 - p.pK + p.pPerp > 0) add('Θ·ℓ^(pK−1) → λ_Wκ/(C_W(1 − pK + p⊥))', B.Theta * Math.pow(l2, p.pK - 1), (lw * p.kappa) / (p.CW * (1 - p.pK + p.pPerp)));
    // B′ = C_W²Θ²⟨σ′⁴⟩ + χ⊥²B, C_W²⟨σ′⁴⟩ → A₄/A₂² = ν + ⅓ (1 unless σ′ jumps at 0): with Θ ∝ ℓ^q,
    // B/Θ² ≈ (ν + ⅓)ℓ/(2q + 1 + 2p⊥)
    const q = lb > 0 ? 1 : 1 - p.pK;
    add('d(B/Θ²)/dℓ → (ν + ⅓)/(2q + 1 + 2p⊥)', slope(bt2), (p.nu + 1 / 3) / (2 * q + 1 + 2 * p.pPerp));
    if (lb > 0) {
      // λ_b > 0: A grows through 2ωD with ω ≈ Θ·dχ⊥/dK (docs/theory/criticality.md §2):
      // analytic: (4/3)p⊥²/((3 + p⊥)(3 + 2p⊥)); σ″ jump at 0: (ν − 2/5)/7
      const aSlope = p.pK === 1 ? ((4 / 3) * p.pPerp * p.pPerp) / ((3 + p.pPerp) * (3 + 2 * p.pPerp)) : (p.nu - 2 / 5) / 7;
      add('d(A/Θ²)/dℓ (λ_b > 0)', slope(at2), aSlope);
    } else {
      // λ_b = 0: Θ → λ_Wκ/(C_W p⊥) makes the leading source of A cancel; no closed form derived
      add('A/Θ² local exponent (λ_b = 0)', expo(at2), null);
    }
  } else if (p.kind === 'scale-invariant') {
    const K = B.K;
    add('K constant (K⁽ᴸ⁾/K⁽¹⁾)', B.K / L[0].K, 1);
    add('χ∥ = χ⊥ = 1', B.chiPerp, 1);
    add('d(V/K²)/dℓ → ν', slope(vk), p.nu);
    const A2 = (p.aPlus ** 2 + p.aMinus ** 2) / 2;
    const theta = lb + lw * A2 * K;
    const w = (lw * A2 * K) / theta;
    add('dΘ/dℓ = λ_b + λ_W A₂K*', slope((x) => x.Theta), theta);
    // derived in docs/theory/criticality.md: A/Θ² ≈ ℓ[(ν−2)(1 + w)/3 + νw²]/3, B/Θ² ≈ (ν+1)ℓ/9, w = λ_W A₂K/θ
    add('d(A/Θ²)/dℓ', slope(at2), (((p.nu - 2) * (1 + w)) / 3 + p.nu * w * w) / 3);
    add('d(B/Θ²)/dℓ', slope(bt2), (p.nu + 1) / 9);
  } else {
    add('K⁽ᴸ⁾/K* (starting at K*)', B.K / p.Kstar, 1);
    add('χ∥ at depth', B.chiParallel, 1);
    add('χ⊥ at depth', B.chiPerp, 1);
    add('d(V/K²)/dℓ → ν', slope(vk), p.nu);
    add('dΘ/dℓ = λ_b + λ_W⟨σ²⟩_K*', slope((x) => x.Theta), lb + (lw * (p.Kstar - p.Cb)) / p.CW);
    // χ⊥ depends on K (dχ⊥/dK ≠ 0 at K*), and K's fluctuations random-walk at χ∥ = 1: A/Θ² ∝ ℓ³ with
    // A/Θ² ≈ (2/15)(dχ⊥/dK)²νK*²ℓ³ (docs/theory/criticality.md §3); the 1/ℓ correction is removed by
    // extrapolating from layers L/2 and L: f∞ ≈ 2f(L) − f(L/2)
    add('A/Θ² growth exponent', expo(at2), 3);
    const a3 = (x: typeof A, l: number) => at2(x) / (l * l * l);
    add('A/(Θ²ℓ³) → (2/15)(dχ⊥/dK)²νK*² (extrapolated)', 2 * a3(B, l2) - a3(A, l1), (2 / 15) * p.dChiPerp ** 2 * p.nu * p.Kstar ** 2);
    // B′ = C_W²Θ²⟨σ′⁴⟩ + B with Θ ≈ θℓ: B/Θ² ≈ C_W²⟨σ′⁴⟩ℓ/3
    const [, d4] = fourth(context(activation, { degree: c.degree, backend: c.backend }, 'criticalAsymptotics()'), p.Kstar);
    add('d(B/Θ²)/dℓ → C_W²⟨σ′⁴⟩/3', slope(bt2), (p.CW * p.CW * d4) / 3);
  }
  return { activation: c.activation, kind: p.kind, depth, point: p, checks, theory: r };
}

export interface LearningRatesResult {
  activation: string;
  kind: CriticalPoint['kind'];
  depth: number;
  /** λ_b⁽ℓ⁾, λ_W⁽ℓ⁾ for ℓ = 1 … L (feed to theory() / ensemble() as per-layer arrays). */
  lambdaB: number[];
  lambdaW: number[];
  /** The NTK of the last layer these rates give: Θ⁽ᴸ⁾ = λ̃_b + λ̃_W·c (exact for mode 'exact', large-L limit for 'power-law'). */
  ThetaL: number;
  /** c = the weight scale: A₂K* (scale-invariant), ⟨σ²⟩_{K*} (K* > 0), κ/C_W = σ₁²/(−a₁) (K* = 0). */
  weightScale: number;
  mode: 'power-law' | 'exact';
  spec: NetworkSpec;
}

/**
 * Learning rates equivalent across depth (PDLT §9.4): each layer contributes equally to the NTK
 * of the output, so Θ⁽ᴸ⁾ stays of order one at any depth. Power law (the book's scaling):
 * scale-invariant and K* > 0: λ_b = λ̃_b/L, λ_W = λ̃_W/L; K* = 0:
 * λ_b⁽ℓ⁾ = λ̃_b L^{p⊥−1}/ℓ^{p⊥}, λ_W⁽ℓ⁾ = λ̃_W L^{p⊥−1} ℓ^{pK−p⊥}. Mode 'exact' instead equalizes the
 * contributions (λ_b⁽ℓ⁾ + λ_W⁽ℓ⁾⟨σ²⟩_{ℓ−1})·Π_{ℓ′≥ℓ}χ⊥⁽ℓ′⁾ using the infinite-width recursion itself, so
 * that Θ⁽ᴸ⁾ = λ̃_b + λ̃_W·c exactly. Check either against `theory(result.spec)` (width/inputWidth only enter
 * its 1/n statistics; default 1).
 */
export function learningRates(
  activation: ActivationSpec,
  options: CriticalOptions & { depth: number; width?: number; inputWidth?: number; lambdaB?: number; lambdaW?: number; x2?: number; mode?: 'power-law' | 'exact' },
): LearningRatesResult {
  if (options === null || typeof options !== 'object') throw new InvalidParameterError('options', options, 'an object { depth, … }');
  const depth = options.depth;
  if (!Number.isInteger(depth) || depth < 1 || depth > 100_000) throw new InvalidParameterError('depth', depth, 'an integer in 1 … 100000');
  const mode = options.mode ?? 'power-law';
  if (mode !== 'power-law' && mode !== 'exact') throw new InvalidParameterError('mode', mode, "'power-law' or 'exact'");
  const lbT = options.lambdaB === undefined ? 1 : checkFinite('lambdaB', options.lambdaB, 0, false);
  const lwT = options.lambdaW === undefined ? 1 : checkFinite('lambdaW', options.lambdaW, 0, false);
  const { spec, critical: c } = criticalSpec(activation, { depth, width: options.width ?? 1, inputWidth: options.inputWidth ?? 1 }, { ...options, lambdaB: 1, lambdaW: 1 });
  const p = c.point!;
  const x2 = (spec.input as { x2: number }).x2;
  const weightScale = p.kind === 'scale-invariant' ? x2 : p.kind === 'K*>0' ? (p.Kstar - p.Cb) / p.CW : p.kappa / p.CW;
  const lambdaB: number[] = [];
  const lambdaW: number[] = [];
  if (mode === 'power-law') {
    for (let l = 1; l <= depth; l++) {
      if (p.kind === 'K*=0') {
        lambdaB.push((lbT * Math.pow(depth, p.pPerp - 1)) / Math.pow(l, p.pPerp));
        lambdaW.push(lwT * Math.pow(depth, p.pPerp - 1) * Math.pow(l, p.pK - p.pPerp));
      } else {
        lambdaB.push(lbT / depth);
        lambdaW.push(lwT / depth);
      }
    }
  } else {
    // contributions from one infinite-width run: ⟨σ²⟩_{ℓ−1} = (K⁽ℓ⁾ − C_b)/C_W (x² for ℓ = 1), and the
    // product of χ⊥ over the layers after ℓ
    const r = theory(spec, { degree: c.degree, backend: c.backend });
    const s2 = r.layers.map((l) => (l.K - c.Cb!) / c.CW!);
    const prod = new Array(depth).fill(1);
    for (let l = depth - 2; l >= 0; l--) prod[l] = prod[l + 1] * r.layers[l].chiPerp;
    for (let l = 0; l < depth; l++) {
      lambdaB.push(lbT / (depth * prod[l]));
      lambdaW.push(s2[l] > 0 ? (lwT * weightScale) / (depth * prod[l] * s2[l]) : 0);
    }
  }
  const ThetaL = lbT + lwT * weightScale;
  return { activation: c.activation, kind: p.kind, depth, lambdaB, lambdaW, ThetaL, weightScale, mode, spec: { ...spec, lambdaB, lambdaW } };
}
