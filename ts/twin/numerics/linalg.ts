/**
 * Dense symmetric linear algebra in float64 for the infinite-width predictions (`predict()`):
 * the eigendecomposition A = V diag(λ) Vᵀ of a real symmetric matrix, and the few products built
 * on it. Pure TypeScript (no wasm twin: the matrices are N_train × N_train, and every spectral
 * function the predictions need — e^{−tΘ}, (1 − ηΘ)^T, Θ⁺ — is then a scalar function of λ).
 *
 * Algorithm: the cyclic Jacobi method with threshold (Golub & Van Loan, Matrix Computations, 4th
 * ed., §8.5): each rotation zeroes one off-diagonal pair; sweeps repeat until no pair is larger than
 * ε·√|a_pp a_qq|. Why Jacobi and not Householder + QL: it is short, unconditionally convergent, and
 * for positive (semi)definite matrices such as K and Θ it computes the small eigenvalues to high
 * *relative* accuracy (Demmel & Veselić 1992) — the ones that set Θ⁻¹ and e^{−tΘ} at large t.
 * Cost ≈ 4N³ flops per sweep, 6–10 sweeps: ~1 s at N = 400 in V8.
 */

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
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
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
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i] - A[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = A[src * n + src];
    for (let i = 0; i < n; i++) vectors[i * n + k] = V[i * n + src];
  });
  return { n, values, vectors };
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
