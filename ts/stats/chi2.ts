/**
 * χ² tail probabilities for the goodness-of-fit and curvature tests of `compare()`'s 1/n fit
 * (ts/api/compare.ts). P(χ²_k > x) = Q(k/2, x/2), the regularized upper incomplete gamma function:
 * power series of P(a, x) for x < a + 1, Lentz continued fraction of Q otherwise, ln Γ by the
 * Lanczos approximation (g = 7, 9 terms). Accuracy, measured in test/compare.test.ts: ≤ 1e-12 relative
 * against the closed forms k = 2 (e^{−x/2}) and k = 4, 10 (Poisson sums) for 0.01 ≤ x ≤ 120, ≤ 1e-12
 * absolute for k = 1 (two-sided normal tails at x = 1, 4, 9), ln Γ(n) ≤ 1e-12 relative for n ≤ 30. The
 * p-value thresholds it serves (0.05) need a few digits.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x), x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const y = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Q(a, x) = Γ(a, x)/Γ(a), a > 0, x ≥ 0. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const lead = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    // P(a, x) = e^{−x} x^a Σ x^n / Γ(a + n + 1)
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  // Q(a, x) = e^{−x} x^a · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …)), modified Lentz
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(χ²_k > x): the p-value of a χ² statistic x with k degrees of freedom (NaN for k < 1). */
export function chi2Tail(x: number, k: number): number {
  if (!(k >= 1)) return NaN;
  return gammaQ(k / 2, Math.max(x, 0) / 2);
}
