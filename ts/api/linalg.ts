/**
 * Dense symmetric linear algebra in float64 for the infinite-width predictions (`predict()`):
 * the eigendecomposition A = V diag(λ) Vᵀ of a real symmetric matrix, and the few products built
 * on it. Internal (not exported from the package). Pure TypeScript with no Rust original — hence here
 * and not in ts/twin/, whose files all mirror crates/core/src: the matrices are N_train × N_train, no
 * hot loop, and every spectral function the predictions need — e^{−tΘ}, (1 − ηΘ)^T, Θ⁺ — is then a
 * scalar function of λ.
 *
 * Two algorithms (Golub & Van Loan, Matrix Computations, 4th ed.):
 *  - N ≤ JACOBI_MAX: the cyclic Jacobi method with threshold (§8.5). Each rotation zeroes one
 *    off-diagonal pair; sweeps repeat until no pair exceeds ε·√|a_pp a_qq|. For positive
 *    (semi)definite matrices such as K and Θ it finds the small eigenvalues to high RELATIVE accuracy
 *    (Demmel & Veselić 1992) — the ones that set Θ⁻¹ and e^{−tΘ} at large t. Cost ≈ 4N³ per sweep,
 *    6–10 sweeps, with strided column access: fine for the small training sets of the theory checks.
 *  - larger N: Householder reduction to tridiagonal form (§8.3.1) and the implicit symmetric QR
 *    iteration with Wilkinson shift (§8.3.3), eigenvectors accumulated — O(N³) with a small
 *    constant and row-contiguous access, eigenvalues accurate to ~N·ε‖A‖ (absolute, as LAPACK's).
 */

/** Up to this N, {@link symmetricEigen} uses Jacobi (relative accuracy); above, tridiagonal QR (speed). */
export const JACOBI_MAX = 64;

/** A = V diag(values) Vᵀ. */
export interface SymmetricEigen {
  /** N. */
  n: number;
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Orthonormal eigenvectors, N × N row-major, one per COLUMN: V[i·N + k] = (v_k)_i, paired with values[k]. */
  vectors: Float64Array;
}

const EPS = 2.220446049250313e-16;
const MAX_SWEEPS = 60;

/**
 * Eigendecomposition of the symmetric N × N matrix `a` (row-major; only symmetry is assumed, the
 * strict lower triangle is read as the mirror of the upper). Throws if `a` has a non-finite entry.
 * Residual ‖AV − VΛ‖ ≲ N·ε‖A‖, orthogonality ‖VᵀV − 1‖ ≲ N·ε.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, method: 'auto' | 'jacobi' | 'tridiagonal' = 'auto'): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n) throw new RangeError(`symmetricEigen: a has ${a.length} entries, not ${n}²`);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = a[i * n + j];
      if (!Number.isFinite(v)) throw new RangeError(`symmetricEigen: entry (${i}, ${j}) is ${v}`);
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
  const useJacobi = method === 'jacobi' || (method === 'auto' && n <= JACOBI_MAX);
  return useJacobi ? jacobi(A, n) : tridiagonalQR(A, n);
}

/** Cyclic Jacobi on A (overwritten). */
function jacobi(A: Float64Array, n: number): SymmetricEigen {
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let converged = n < 2;
  for (let sweep = 0; sweep < MAX_SWEEPS && !converged; sweep++) {
    let rotations = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const app = A[p * n + p], aqq = A[q * n + q];
        // Relative threshold: leaves |a_pq| ≤ ε√|a_pp a_qq|, below the rounding of the 2 × 2 block,
        // which is what gives PSD matrices their relative accuracy; the absolute floor stops a
        // pair with a zero diagonal from rotating forever on underflow.
        if (Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app * aqq)) || Math.abs(apq) < 1e-300) continue;
        rotations++;
        // The rotation angle with |θ| ≤ π/4 (the small root t of t² + 2τt − 1 = 0).
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← Jᵀ A J on rows/columns p, q; the 2 × 2 block is set from the closed form, whose
        // diagonal a_pp − t a_pq, a_qq + t a_pq is more accurate than the rotated products.
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = A[k * n + p], akq = A[k * n + q];
          const np = c * akp - s * akq, nq = s * akp + c * akq;
          A[k * n + p] = np;
          A[p * n + k] = np;
          A[k * n + q] = nq;
          A[q * n + k] = nq;
        }
        A[p * n + p] = app - t * apq;
        A[q * n + q] = aqq + t * apq;
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
    if (rotations === 0) converged = true;
  }
  if (!converged) throw new Error(`symmetricEigen: no convergence in ${MAX_SWEEPS} Jacobi sweeps (N = ${n})`);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = A[i * n + i];
  return sorted(d, V, n);
}

/** Eigenpairs sorted by ascending eigenvalue (V: one vector per column, or per row if `transposed`). */
function sorted(d: Float64Array, V: Float64Array, n: number, transposed = false): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = d[src];
    for (let i = 0; i < n; i++) vectors[i * n + k] = transposed ? V[src * n + i] : V[i * n + src];
  });
  return { n, values, vectors };
}

/**
 * Householder tridiagonalization Qᵀ A Q = T, then implicit symmetric QR steps with Wilkinson shift
 * on T, each step a chase of one bulge by Givens rotations G = [[c, s], [−s, c]] (T ← GᵀTG),
 * accumulated into V = Q G₁ G₂ ….
 */
function tridiagonalQR(A: Float64Array, n: number): SymmetricEigen {
  const W = new Float64Array(n * n); // Vᵀ: row k is eigenvector k
  for (let i = 0; i < n; i++) W[i * n + i] = 1;
  const v = new Float64Array(n), p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // H = 1 − βvvᵀ on coordinates k+1 … n−1 maps row k's tail x to αe₁ (α = −sign(x₀)‖x‖: no cancellation in v₀).
    const m = n - k - 1, o = k + 1;
    let xx = 0;
    for (let j = 0; j < m; j++) xx += A[k * n + o + j] ** 2;
    if (xx === 0) continue;
    const x0 = A[k * n + o];
    const alpha = -(x0 >= 0 ? 1 : -1) * Math.sqrt(xx);
    for (let j = 0; j < m; j++) v[j] = A[k * n + o + j];
    v[0] -= alpha;
    const vv = xx - x0 * x0 + v[0] * v[0];
    const beta = 2 / vv;
    A[k * n + o] = A[o * n + k] = alpha;
    for (let j = 1; j < m; j++) A[k * n + o + j] = A[(o + j) * n + k] = 0;
    // S ← HSH = S − v wᵀ − w vᵀ with p = βSv, w = p − (β pᵀv / 2) v.
    let pv = 0;
    for (let i = 0; i < m; i++) {
      let t = 0;
      const row = (o + i) * n + o;
      for (let j = 0; j < m; j++) t += A[row + j] * v[j];
      p[i] = beta * t;
      pv += p[i] * v[i];
    }
    const half = (beta * pv) / 2;
    for (let i = 0; i < m; i++) p[i] -= half * v[i];
    for (let i = 0; i < m; i++) {
      const row = (o + i) * n + o, vi = v[i], wi = p[i];
      for (let j = 0; j < m; j++) A[row + j] -= vi * p[j] + wi * v[j];
    }
    // V ← V H on columns k+1 … n−1, i.e. W = Vᵀ ← H W on rows k+1 … n−1 (W is stored, so that
    // every update below runs along contiguous rows).
    p.fill(0);
    for (let j = 0; j < m; j++) {
      const row = (o + j) * n, vj = v[j];
      if (vj !== 0) for (let i = 0; i < n; i++) p[i] += vj * W[row + i];
    }
    for (let j = 0; j < m; j++) {
      const row = (o + j) * n, bv = beta * v[j];
      if (bv !== 0) for (let i = 0; i < n; i++) W[row + i] -= bv * p[i];
    }
  }
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n; i++) d[i] = A[i * n + i];
  for (let i = 0; i < n - 1; i++) e[i] = A[(i + 1) * n + i];
  const small = (i: number) => Math.abs(e[i]) <= EPS * (Math.abs(d[i]) + Math.abs(d[i + 1])) || Math.abs(e[i]) < 1e-300;
  let hi = n - 1, iterations = 0;
  while (hi > 0) {
    if (small(hi - 1)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !small(lo - 1)) lo--;
    if (lo > 0) e[lo - 1] = 0;
    if (++iterations > 50 * n) throw new Error(`symmetricEigen: no convergence of the QR iteration (N = ${n})`);
    // Wilkinson shift: the eigenvalue of the trailing 2 × 2 block nearer to d[hi].
    const delta = (d[hi - 1] - d[hi]) / 2, eh = e[hi - 1];
    const mu = d[hi] - (eh * eh) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, eh));
    let x = d[lo] - mu, z = e[lo];
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r, s = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r; // the bulge at (k−1, k+1) is rotated into e[k−1]
      const a = d[k], b = e[k], dd = d[k + 1];
      d[k] = c * c * a - 2 * c * s * b + s * s * dd;
      d[k + 1] = s * s * a + 2 * c * s * b + c * c * dd;
      e[k] = c * s * (a - dd) + (c * c - s * s) * b;
      if (k < hi - 1) {
        x = e[k];
        z = -s * e[k + 1];
        e[k + 1] *= c;
      }
      const rk = k * n, rk1 = rk + n;
      for (let i = 0; i < n; i++) {
        const wk = W[rk + i], wk1 = W[rk1 + i];
        W[rk + i] = c * wk - s * wk1;
        W[rk1 + i] = s * wk + c * wk1;
      }
    }
  }
  return sorted(d, W, n, true);
}

/**
 * f(A) = V diag(f(λ)) Vᵀ, given the decomposition and the N values f(λ_k) (row-major N × N,
 * symmetric by construction).
 */
export function spectralFunction(e: SymmetricEigen, f: ArrayLike<number>): Float64Array {
  const { n, vectors: V } = e;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += V[i * n + k] * f[k] * V[j * n + k];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** C = A B with A (m × k) and B (k × n), row-major. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l];
      if (ail === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += ail * b[l * n + j];
    }
  }
  return c;
}

/** C = A Bᵀ with A (m × k) and B (n × k), row-major. */
export function matmulT(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l] * b[j * k + l];
      c[i * n + j] = s;
    }
  }
  return c;
}

/** (S + Sᵀ)/2 in place (S square, n × n): removes the rounding asymmetry of a product such as A B Aᵀ. */
export function symmetrize(s: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (s[i * n + j] + s[j * n + i]);
      s[i * n + j] = v;
      s[j * n + i] = v;
    }
  }
  return s;
}
