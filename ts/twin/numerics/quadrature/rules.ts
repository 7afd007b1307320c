/**
 * Gauss rules for the expectations — the TypeScript twin of `crates/core/src/numerics/quadrature/rules.rs`:
 * nodes and weights from the eigenvalues of the Jacobi matrix (implicit QL), polished by Newton on the
 * orthonormal recurrence, weights by Christoffel–Darboux (relative accuracy also for tiny weights).
 * Hermite (probabilists'), generalized Laguerre and Legendre, each normalized to total mass 1.
 */

/** Largest user-visible degree (the refined rule behind error estimates goes to twice this). */
export const MAX_DEGREE = 1000;

/** Nodes and weights of a rule; weights have total mass 1 (Σ wᵢ f(xᵢ) ≈ E f(X)). */
export interface Rule {
  nodes: Float64Array;
  weights: Float64Array;
}

function pythag(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  if (a > b) {
    const r = b / a;
    return a * Math.sqrt(1 + r * r);
  }
  if (b === 0) return 0;
  const r = a / b;
  return b * Math.sqrt(1 + r * r);
}

const EPS = 2.220446049250313e-16;

function tridiagonalEigenvalues(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      while (m + 1 < n) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
        m++;
      }
      if (m === l) break;
      if (++iter > 60) throw new RangeError('wideflow: Gauss rule eigenvalues did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = pythag(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1,
        c = 1,
        p = 0;
      let i = m;
      let deflated = false;
      while (i > l) {
        i--;
        const f = s * e[i];
        const b = c * e[i];
        r = pythag(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (deflated) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

const ORTH = new Float64Array(4);
/** ORTH = [p_n, p_n′, p_{n−1}, p_{n−1}′](x), scaled by 2^{−returned}. */
function orthEval(x: number, n: number, a: Float64Array, b: Float64Array): number {
  let p0 = 0,
    p1 = 1,
    d0 = 0,
    d1 = 0,
    scale = 0;
  const S = 1 / 2.9073548971824276e135; // 2^-450
  for (let k = 0; k < n; k++) {
    const bk = k === 0 ? 0 : b[k];
    const p2 = ((x - a[k]) * p1 - bk * p0) / b[k + 1];
    const d2 = ((x - a[k]) * d1 + p1 - bk * d0) / b[k + 1];
    p0 = p1;
    p1 = p2;
    d0 = d1;
    d1 = d2;
    if (Math.abs(p1) > 1e120 || Math.abs(d1) > 1e120) {
      p0 *= S;
      p1 *= S;
      d0 *= S;
      d1 *= S;
      scale += 450;
    }
  }
  ORTH[0] = p1;
  ORTH[1] = d1;
  ORTH[2] = p0;
  ORTH[3] = d0;
  return scale;
}

/** 2^e exactly (0 on underflow), as Rust's `pow2` in rules.rs. */
export function pow2(e: number): number {
  let r = 1;
  while (e > 900) {
    r *= 8.452712498170644e270;
    e -= 900;
  }
  while (e < -900) {
    r /= 8.452712498170644e270;
    e += 900;
  }
  return r * 2 ** e;
}

function gaussRule(n: number, a: Float64Array, b: Float64Array): Rule {
  const d = a.slice(0, n);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = b[i + 1];
  tridiagonalEigenvalues(d, e);
  d.sort();
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = d[i];
    for (let it = 0; it < 8; it++) {
      orthEval(x, n, a, b);
      if (ORTH[1] === 0) break;
      const dx = ORTH[0] / ORTH[1];
      x -= dx;
      if (Math.abs(dx) <= 4 * EPS * Math.max(Math.abs(x), 2.2250738585072014e-308)) break;
    }
    const s = orthEval(x, n, a, b);
    const kernel = b[n] * (ORTH[1] * ORTH[2] - ORTH[3] * ORTH[0]);
    d[i] = x;
    w[i] = pow2(-2 * s) / kernel;
  }
  // exact weights sum to 1; normalizing removes the recurrence's drift from the mass (as in Rust)
  const sorted = w.slice().sort();
  let mass = 0;
  for (let i = 0; i < n; i++) mass += sorted[i];
  for (let i = 0; i < n; i++) w[i] /= mass;
  return { nodes: d, weights: w };
}

function symmetrize(r: Rule): void {
  const n = r.nodes.length;
  for (let i = 0; i < n >> 1; i++) {
    const j = n - 1 - i;
    const x = 0.5 * (r.nodes[j] - r.nodes[i]);
    const w = 0.5 * (r.weights[i] + r.weights[j]);
    r.nodes[i] = -x;
    r.nodes[j] = x;
    r.weights[i] = w;
    r.weights[j] = w;
  }
  if (n % 2 === 1) r.nodes[n >> 1] = 0;
}

function checkSize(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 2 * MAX_DEGREE) throw new RangeError(`wideflow: rule size ${n} outside 1…${2 * MAX_DEGREE}`);
}

/**
 * Gauss–Hermite rule of degree n for the standard normal (probabilists'): Σ wᵢ f(xᵢ) = E f(X),
 * X ~ N(0, 1), exact for polynomials of degree ≤ 2n − 1 (recurrence aₖ = 0, bₖ = √k).
 * Nodes are accurate to ~1e-16 relative, weights to ~1e-14 (n = 1000); weights below 1e-308 are 0.
 */
export function hermiteRule(n: number): Rule {
  checkSize(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) b[k] = Math.sqrt(k);
  const r = gaussRule(n, a, b);
  symmetrize(r);
  return r;
}

/** Generalized Gauss–Laguerre rule for the density t^α e^{−t}/Γ(α+1) on (0, ∞): aₖ = 2k+α+1, bₖ = √(k(k+α)). */
export function laguerreRule(n: number, alpha: number): Rule {
  checkSize(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) a[k] = 2 * k + alpha + 1;
  for (let k = 0; k <= n; k++) b[k] = Math.sqrt(k * (k + alpha));
  return gaussRule(n, a, b);
}

/** Gauss–Legendre rule for the uniform density on [−1, 1]: bₖ = k/√(4k² − 1). */
export function legendreRule(n: number): Rule {
  checkSize(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) b[k] = k / Math.sqrt(4 * k * k - 1);
  const r = gaussRule(n, a, b);
  symmetrize(r);
  return r;
}
