/** Moments through either backend (χ∥ in Stein form, χ⊥) and the checks of a custom σ. (Module overview: ts/api/critical.ts.) */
import { parseActivation, type Activation, type ActivationSpec } from '../activation.js';
import { resolveBackend, type Backend } from '../backend.js';
import { InvalidParameterError } from '../errors.js';
import { quadrature } from '../../twin/numerics/quadrature/expect.js';
import { computeMoments } from '../../twin/theory/moments.js';
import { theory } from '../theory.js';
import { checkDegree } from '../gauss.js';
import { scaleInvariance, taylor } from './classes.js';

// ---------------------------------------------------------------------------------------------
// Moments through either backend

/** ⟨σ²⟩_K, ⟨σ′²⟩_K and ⟨σ²(z²/K − 1)⟩_K in Stein form (= K⟨(σ²)″⟩_K + kink term; recursion.ts `s2he2`). */
interface Probe {
  s2: number;
  d2: number;
  s2he2: number;
}

export interface Ctx {
  act: Activation;
  /** [a₊, a₋] for a custom scale-invariant σ (closed forms instead of quadrature across its kink). */
  customSI: [number, number] | null;
  degree: number;
  backend: Backend;
  probe: (K: number) => Probe;
}

export function context(activation: ActivationSpec | Activation, options: { degree?: number; backend?: Backend }, what: string): Ctx {
  const act = parseActivation(activation);
  const degree = checkDegree(options.degree);
  let backend: Backend;
  let customSI: [number, number] | null = null;
  if (act.custom) {
    if (options.backend === 'wasm') throw new InvalidParameterError('backend', 'wasm', "'js' for a custom activation (the wasm core runs builtins only)");
    if (options.backend !== undefined && options.backend !== 'js') resolveBackend(options.backend, what);
    backend = 'js';
    customSI = scaleInvariance(act);
    if (!customSI) checkCustom(act);
  } else backend = resolveBackend(options.backend, what);
  const cache = new Map<number, Probe>();
  const probe = (K: number): Probe => {
    let p = cache.get(K);
    if (p) return p;
    if (backend === 'js') {
      const m = computeMoments(quadrature(degree), act, K);
      p = { s2: m.s2, d2: m.d2, s2he2: m.s2he2 };
    } else {
      // Layer 1 at K⁽¹⁾ = C_b = K reports χ∥ = K⟨(σ²)″⟩/(2K) and χ⊥ = ⟨σ′²⟩ with C_W = 1 (of
      // layer 2), and K⁽²⁾ = ⟨σ²⟩_K: the wasm core's Stein-form bundle, through the public API.
      const r = theory(
        { activation: act as unknown as ActivationSpec, depth: 2, widths: [1, 1], Cb: [K, 0], CW: [1, 1], lambdaB: 0, lambdaW: 0, input: { x2: 0 } },
        { degree, backend: 'wasm' },
      );
      const l1 = r.layers[0];
      p = { s2: r.layers[1].K, d2: l1.chiPerp, s2he2: 2 * K * l1.chiParallel };
    }
    cache.set(K, p);
    return p;
  };
  return { act, customSI, degree, backend, probe };
}

/** χ∥ and χ⊥ at K with C_W, K = 0 by its limit from the Taylor data (one-sided at a kink). */
export function chis(ctx: Ctx, K: number, CW: number): [number, number] {
  if (ctx.customSI) {
    const g = (CW * (ctx.customSI[0] ** 2 + ctx.customSI[1] ** 2)) / 2;
    return [g, g];
  }
  if (K === 0) {
    const t = taylor(ctx.act);
    const [r1, r2] = t.right;
    const [l1, l2] = t.left;
    // (σ²)″/2 = σ′² + σσ″; a jump of σσ′ at 0 makes χ∥ diverge like K^{-1/2}
    const jump = t.sigma0 * (r1 - l1);
    if (jump !== 0) return [Math.sign(jump) * Infinity, (CW * (r1 * r1 + l1 * l1)) / 2];
    return [(CW * (r1 * r1 + t.sigma0 * r2 + l1 * l1 + t.sigma0 * l2)) / 2, (CW * (r1 * r1 + l1 * l1)) / 2];
  }
  const p = ctx.probe(K);
  return [(CW * p.s2he2) / (2 * K), CW * p.d2];
}

// ---------------------------------------------------------------------------------------------
// Validation

export function checkFinite(name: string, v: unknown, min: number, strict: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    throw new InvalidParameterError(name, v, `a finite number ${strict ? '>' : '≥'} ${min}`);
  }
  return v;
}

const checkedCustom = new WeakSet<Activation>();
/**
 * Criticality needs σ′ and σ″ (χ∥ in Stein form is an integral of (σ²)″): a custom σ must be finite
 * and C² on the range the expectations see. Checked on [−16, 16] at spacing 1/64: the change of σ′
 * over each step must match σ″·step (midpoint rule) to 2e-3·(1 + |Δσ′| + step·|σ″|). A kink in σ or σ′
 * fails this by O(1).
 */
function checkCustom(act: Activation): void {
  if (checkedCustom.has(act)) return;
  const step = 1 / 64;
  const d = new Float64Array(4);
  const prev = new Float64Array(4);
  const mid = new Float64Array(4);
  act.eval(-16, prev);
  for (let i = 1; i <= 2048; i++) {
    const x = -16 + i * step;
    act.eval(x, d);
    act.eval(x - step / 2, mid);
    for (const v of [d[0], d[1], d[2], mid[1], mid[2]]) {
      if (!Number.isFinite(v)) {
        throw new InvalidParameterError('activation', act.name, `a custom σ with finite σ, σ′, σ″ on [−16, 16] (got ${v} near x = ${x})`);
      }
    }
    const dd = d[1] - prev[1];
    const ds = d[0] - prev[0];
    const tol = 2e-3 * (1 + Math.abs(dd) + step * Math.abs(mid[2]));
    const tolS = 2e-3 * (step * (1 + Math.abs(mid[1])) + Math.abs(ds));
    if (Math.abs(dd - step * mid[2]) > tol || Math.abs(ds - step * mid[1]) > tolS) {
      throw new InvalidParameterError(
        'activation',
        act.name,
        `a twice-differentiable custom σ (criticality needs σ′ and σ″; supply df, d2f if finite differences fail): σ is not C² between x = ${x - step} and ${x}`,
      );
    }
    prev.set(d);
  }
  checkedCustom.add(act);
}
