/**
 * The pair expectations of `kernels()` for smooth σ as Mehler (Hermite) series — the pure-TS twin of
 * `crates/core/src/theory/mehler.rs` (same constants, same order of operations; the module doc there and
 * docs/theory/kernels.md §4 give the derivation, the truncation and the quadrature of the coefficients):
 *
 *   ⟨σ(z_α)σ(z_β)⟩ = Σ_k a_k(α) a_k(β) c^k,     a_k(α) = E[σ(√K_αα u) He_k(u)]/√k!,
 *   ⟨σ′(z_α)σ′(z_β)⟩ = Σ_k d_k(α) d_k(β) c^k,   d_k(α) = a_{k+1}(α)√(k+1)/√K_αα.
 */
import type { Activation } from '../numerics/activation.js';

/** Relative size (times √(k+1)) below which a coefficient is neglected. */
export const EPS = 1e-9;
/** Most coefficients an input may need; beyond it its pairs take the 2-D rule. */
export const M_CAP = 2048;
const U_MAX = 13.5;
const C_EXP = 40;

/** One input's Mehler coefficients (compressed to the odd a_k and even d_k for odd σ). */
export interface Series {
  a: Float64Array;
  d: Float64Array;
  /** Raw orders the input needs. */
  m: number;
}

/** 1 + the last k with |x_k|√(k+1) > EPS·‖x‖. */
function cut(x: Float64Array): number {
  let n2 = 0;
  for (let k = 0; k < x.length; k++) n2 += x[k] * x[k];
  const lim = EPS * Math.sqrt(n2);
  let last = 0;
  for (let k = 0; k < x.length; k++) if (Math.abs(x[k]) * Math.sqrt(k + 1) > lim) last = k + 1;
  return last;
}

/** The rule of one activation (the twin of `MehlerRule`). */
export class MehlerRule {
  private readonly sq: Float64Array;
  private readonly isq: Float64Array;
  private readonly ev = new Float64Array(4);
  /** cCut[m] = e^{−C_EXP/m}: below it, |c|^k truncates a sum of m orders earlier. */
  private readonly cCut: Float64Array;

  /** `rho`: the singularity distance the rule may assume; `odd`: σ(−z) = −σ(z). */
  constructor(private readonly rho: number, private readonly odd: boolean) {
    this.sq = new Float64Array(M_CAP + 3);
    this.isq = new Float64Array(M_CAP + 3);
    for (let k = 0; k < M_CAP + 3; k++) {
      this.sq[k] = Math.sqrt(k);
      this.isq[k] = k === 0 ? 0 : 1 / Math.sqrt(k);
    }
    this.cCut = new Float64Array(M_CAP + 1);
    for (let m = 1; m <= M_CAP; m++) this.cCut[m] = Math.exp(-C_EXP / m);
  }

  /** The coefficients at variance k, or null when the series would need more than M_CAP orders. */
  series(act: Activation, k: number): Series | null {
    if (!(Number.isFinite(k) && k > 1e-300)) return null;
    // ~1.6× the measured need (tanh: M ≈ 280·K), so that one pass usually passes the 25 % check (as mehler.rs).
    const guess = (700 * k) / (this.rho * this.rho) + 40;
    let mTry = guess > M_CAP ? M_CAP : Math.ceil(guess);
    for (;;) {
      const [a, d] = this.raw(act, k, mTry);
      const need = Math.max(cut(a), cut(d) + 1);
      if (5 * need <= 4 * mTry) return this.pack(a, d, need);
      if (mTry >= M_CAP) return null;
      mTry = Math.min(2 * mTry, M_CAP);
    }
  }

  private raw(act: Activation, k: number, m: number): [Float64Array, Float64Array] {
    const sk = Math.sqrt(k);
    const tau = this.rho / sk;
    const xi0 = Math.sqrt(m + 1) + Math.max(C_EXP / tau, 9);
    const h = (2 * Math.PI) / xi0;
    const nodes = Math.trunc(U_MAX / h);
    const norm = h / Math.sqrt(2 * Math.PI);
    const top = m + 2;
    const a = new Float64Array(top);
    const { sq, isq, ev } = this;
    // Blocks of four nodes side by side, the last padded with zero-weight nodes at u = 0 (as in mehler.rs).
    const first = this.odd ? 1 : -nodes;
    const count = nodes - first + 1;
    const u = new Float64Array(4), f = new Float64Array(4);
    let j = first;
    for (let blk = 0; blk < Math.ceil(count / 4); blk++) {
      for (let l = 0; l < 4; l++) {
        u[l] = 0;
        f[l] = 0;
        if (j <= nodes) {
          u[l] = j * h;
          const w = norm * Math.exp(-0.5 * u[l] * u[l]);
          act.eval(sk * u[l], ev);
          f[l] = this.odd ? 2 * w * ev[0] : w * ev[0];
        }
        j++;
      }
      const u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3], f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3];
      let m0 = 0, m1 = 0, m2 = 0, m3 = 0, h0 = 1, h1 = 1, h2 = 1, h3 = 1;
      a[0] += (f0 + f1) + (f2 + f3);
      for (let kk = 0; kk < top - 1; kk++) {
        const s = sq[kk], r = isq[kk + 1];
        const n0 = (u0 * h0 - s * m0) * r, n1 = (u1 * h1 - s * m1) * r, n2 = (u2 * h2 - s * m2) * r, n3 = (u3 * h3 - s * m3) * r;
        m0 = h0; m1 = h1; m2 = h2; m3 = h3;
        h0 = n0; h1 = n1; h2 = n2; h3 = n3;
        a[kk + 1] += (f0 * h0 + f1 * h1) + (f2 * h2 + f3 * h3);
      }
    }
    if (this.odd) for (let kk = 0; kk < top; kk += 2) a[kk] = 0;
    const d = new Float64Array(m + 1);
    for (let kk = 0; kk <= m; kk++) d[kk] = (a[kk + 1] * sq[kk + 1]) / sk;
    return [a, d];
  }

  private pack(a: Float64Array, d: Float64Array, m: number): Series {
    if (!this.odd) return { a, d, m };
    const aa = new Float64Array(Math.trunc(a.length / 2));
    for (let j = 0; j < aa.length; j++) aa[j] = a[2 * j + 1];
    const dd = new Float64Array(Math.ceil(d.length / 2));
    for (let j = 0; j < dd.length; j++) dd[j] = d[2 * j];
    return { a: aa, d: dd, m };
  }

  /** (⟨σσ⟩, ⟨σ′σ′⟩) of a pair of inputs at correlation c ∈ [−1, 1] (as `MehlerRule::pair`). */
  pair(sa: Series, sb: Series, c: number): [number, number] {
    let m = Math.max(sa.m, sb.m);
    const ac = Math.abs(c);
    if (ac < this.cCut[Math.min(m, M_CAP)]) {
      // −ln x ≥ 2(1−x)/(1+x): a k at least as large, without a logarithm (as mehler.rs).
      const kc = (0.5 * C_EXP * (1 + ac)) / (1 - ac);
      if (kc < m) m = Math.ceil(kc);
    }
    const x = this.odd ? c * c : c;
    const terms = Math.min(this.odd ? Math.ceil(m / 2) : m, sa.d.length, sb.d.length);
    const a = sa.a, b = sb.a, d = sa.d, e = sb.d;
    const x2 = x * x;
    let p0 = 1, p1 = x, s0 = 0, s1 = 0, t0 = 0, t1 = 0;
    const pairs = Math.trunc(terms / 2);
    for (let i = 0; i < pairs; i++) {
      const j = 2 * i;
      s0 += a[j] * b[j] * p0;
      t0 += d[j] * e[j] * p0;
      s1 += a[j + 1] * b[j + 1] * p1;
      t1 += d[j + 1] * e[j + 1] * p1;
      p0 *= x2;
      p1 *= x2;
    }
    if (terms % 2 === 1) {
      const j = terms - 1;
      s0 += a[j] * b[j] * p0;
      t0 += d[j] * e[j] * p0;
    }
    const s = s0 + s1, t = t0 + t1;
    return [this.odd ? s * c : s, t];
  }
}
