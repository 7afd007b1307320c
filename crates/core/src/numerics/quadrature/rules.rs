//! Gauss rules of probability measures (Hermite, generalized Laguerre, Legendre) from their
//! three-term recurrences: Jacobi-matrix eigenvalues (implicit QL) polished by Newton, weights by
//! Christoffel–Darboux. Accuracy: nodes and weights to a few ulps relative (tests below: Hermite
//! moments to 1e-14·(1+k) up to degree 1000, Laguerre moments to 1e-13·(1+j)).
use super::{QuadError, Rule, MAX_DEGREE};

// Gauss rules from the three-term recurrence x pₖ = bₖ₊₁ pₖ₊₁ + aₖ pₖ + bₖ pₖ₋₁ of the orthonormal
// polynomials of a probability measure: eigenvalues of the Jacobi matrix (implicit QL) as starting
// points, Newton on p_n to polish each node to full relative accuracy, and weights from the
// Christoffel–Darboux form 1/Σₖ<ₙ pₖ(x)² = 1/(b_n (p_n′ p_{n−1} − p_{n−1}′ p_n)), which keeps relative
// accuracy even for weights far below the largest one (eigenvector components would not).

/// √(a² + b²) without overflow or destructive underflow.
#[inline]
fn pythag(a: f64, b: f64) -> f64 {
    let (a, b) = (a.abs(), b.abs());
    if a > b {
        let r = b / a;
        a * (1.0 + r * r).sqrt()
    } else if b == 0.0 {
        0.0
    } else {
        let r = a / b;
        b * (1.0 + r * r).sqrt()
    }
}

/// Eigenvalues of the symmetric tridiagonal matrix (diag `d`, off-diagonal `e[i]` between i and i+1),
/// by the implicit QL method with Wilkinson shifts; `d` is overwritten with them (unsorted).
fn tridiagonal_eigenvalues(d: &mut [f64], e: &mut [f64]) -> Result<(), QuadError> {
    let n = d.len();
    for l in 0..n {
        let mut iter = 0;
        loop {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            iter += 1;
            if iter > 60 {
                return Err(QuadError::NoConvergence);
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = pythag(g, 1.0);
            g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r } else { -r });
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut i = m;
            let mut deflated = false;
            while i > l {
                i -= 1;
                let f = s * e[i];
                let b = c * e[i];
                r = pythag(f, g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    Ok(())
}

/// Values at x of p_n, p_n′, p_{n−1}, p_{n−1}′ (orthonormal recurrence), all scaled by the same power
/// of two when they would overflow; returns them with that power (p = value · 2^{scale}).
#[inline]
fn orth_eval(x: f64, n: usize, a: &[f64], b: &[f64]) -> ([f64; 4], i32) {
    // b[k] couples p_{k−1} and p_k (b[0] unused).
    let (mut p0, mut p1) = (0.0, 1.0);
    let (mut d0, mut d1) = (0.0, 0.0);
    let mut scale = 0i32;
    for k in 0..n {
        let bk = if k == 0 { 0.0 } else { b[k] };
        let p2 = ((x - a[k]) * p1 - bk * p0) / b[k + 1];
        let d2 = ((x - a[k]) * d1 + p1 - bk * d0) / b[k + 1];
        p0 = p1;
        p1 = p2;
        d0 = d1;
        d1 = d2;
        if p1.abs() > 1e120 || d1.abs() > 1e120 {
            // exact rescaling by 2^-450 (the ratios used by Newton and the weights are unchanged); the
            // threshold keeps the products in the Christoffel–Darboux kernel below overflow
            const S: f64 = 1.0 / 2.9073548971824276e135;
            p0 *= S;
            p1 *= S;
            d0 *= S;
            d1 *= S;
            scale += 450;
        }
    }
    ([p1, d1, p0, d0], scale)
}

/// 2^e for integer e, exactly (0 on underflow).
pub(crate) fn pow2(e: i32) -> f64 {
    let mut r = 1.0;
    let mut e = e;
    while e > 900 {
        r *= 8.452712498170644e270;
        e -= 900;
    }
    while e < -900 {
        r /= 8.452712498170644e270;
        e += 900;
    }
    r * 2f64.powi(e)
}

/// Gauss rule of the probability measure with recurrence coefficients a[0..n], b[1..=n].
fn gauss_rule(n: usize, a: &[f64], b: &[f64]) -> Result<Rule, QuadError> {
    let mut d = a[..n].to_vec();
    let mut e: Vec<f64> = (0..n).map(|i| if i + 1 < n { b[i + 1] } else { 0.0 }).collect();
    tridiagonal_eigenvalues(&mut d, &mut e)?;
    d.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let mut weights = vec![0.0; n];
    for i in 0..n {
        let mut x = d[i];
        for _ in 0..8 {
            let (v, _) = orth_eval(x, n, a, b);
            if v[1] == 0.0 {
                break;
            }
            let dx = v[0] / v[1];
            x -= dx;
            if dx.abs() <= 4.0 * f64::EPSILON * x.abs().max(f64::MIN_POSITIVE) {
                break;
            }
        }
        let (v, s) = orth_eval(x, n, a, b);
        let kernel = b[n] * (v[1] * v[2] - v[3] * v[0]);
        d[i] = x;
        weights[i] = pow2(-2 * s) / kernel;
    }
    // The exact weights sum to 1 (the measure's mass); the recurrence leaves a drift of up to ~m·ε in
    // the weights of the smallest Laguerre nodes, which this normalization removes from the mass.
    let mut sorted = weights.clone();
    sorted.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let mass: f64 = sorted.iter().sum();
    for w in weights.iter_mut() {
        *w /= mass;
    }
    Ok(Rule { nodes: d, weights })
}

/// Makes a rule of a symmetric measure exactly symmetric (x₋ᵢ = −xᵢ, equal weights, middle node 0).
fn symmetrize(r: &mut Rule) {
    let n = r.nodes.len();
    for i in 0..n / 2 {
        let j = n - 1 - i;
        let x = 0.5 * (r.nodes[j] - r.nodes[i]);
        let w = 0.5 * (r.weights[i] + r.weights[j]);
        r.nodes[i] = -x;
        r.nodes[j] = x;
        r.weights[i] = w;
        r.weights[j] = w;
    }
    if n % 2 == 1 {
        r.nodes[n / 2] = 0.0;
    }
}

/// Gauss–Hermite rule of degree n for the standard normal (probabilists'): Σ wᵢ f(xᵢ) = E f(X),
/// X ~ N(0, 1), exact for polynomials of degree ≤ 2n − 1. Recurrence aₖ = 0, bₖ = √k.
pub fn hermite_rule(n: usize) -> Result<Rule, QuadError> {
    if n == 0 || n > 2 * MAX_DEGREE {
        return Err(QuadError::Degree);
    }
    let a = vec![0.0; n];
    let b: Vec<f64> = (0..=n).map(|k| (k as f64).sqrt()).collect();
    let mut r = gauss_rule(n, &a, &b)?;
    symmetrize(&mut r);
    Ok(r)
}

/// Generalized Gauss–Laguerre rule for the probability density t^α e^{−t}/Γ(α+1) on (0, ∞), α > −1.
/// Recurrence aₖ = 2k + α + 1, bₖ = √(k(k+α)).
pub fn laguerre_rule(n: usize, alpha: f64) -> Result<Rule, QuadError> {
    if n == 0 || n > 2 * MAX_DEGREE {
        return Err(QuadError::Degree);
    }
    let a: Vec<f64> = (0..n).map(|k| 2.0 * k as f64 + alpha + 1.0).collect();
    let b: Vec<f64> = (0..=n).map(|k| (k as f64 * (k as f64 + alpha)).sqrt()).collect();
    gauss_rule(n, &a, &b)
}

/// Gauss–Legendre rule for the uniform probability density on [−1, 1]. Recurrence bₖ = k/√(4k² − 1).
pub fn legendre_rule(n: usize) -> Result<Rule, QuadError> {
    if n == 0 || n > 2 * MAX_DEGREE {
        return Err(QuadError::Degree);
    }
    let a = vec![0.0; n];
    let b: Vec<f64> = (0..=n).map(|k| { let k = k as f64; k / (4.0 * k * k - 1.0).sqrt() }).collect();
    let mut r = gauss_rule(n, &a, &b)?;
    symmetrize(&mut r);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hermite_matches_tabulated_rules() {
        // degree 3: nodes 0, ±√3, weights 2/3, 1/6; degree 4: ±√(3 ∓ √6), weights (3 ± √6)/12 … (inner uses −)
        let r = hermite_rule(3).unwrap();
        assert!((r.nodes[2] - 3f64.sqrt()).abs() < 1e-15 && r.nodes[1] == 0.0);
        assert!((r.weights[1] - 2.0 / 3.0).abs() < 1e-15 && (r.weights[0] - 1.0 / 6.0).abs() < 1e-15);
        let r = hermite_rule(4).unwrap();
        let s6 = 6f64.sqrt();
        assert!((r.nodes[2] - (3.0 - s6).sqrt()).abs() < 1e-15 && (r.nodes[3] - (3.0 + s6).sqrt()).abs() < 1e-15);
        assert!((r.weights[2] - (3.0 + s6) / 12.0).abs() < 1e-15 && (r.weights[3] - (3.0 - s6) / 12.0).abs() < 1e-15);
    }

    #[test]
    fn hermite_integrates_even_moments_exactly_up_to_degree_2n_minus_1() {
        for &n in &[1usize, 2, 5, 10, 20, 50, 100, 200, 500, 1000] {
            let r = hermite_rule(n).unwrap();
            let sum: f64 = r.weights.iter().sum();
            assert!((sum - 1.0).abs() < 2e-15, "n {n} mass {sum}");
            // E X^{2k} = (2k−1)!! for 2k ≤ 2n − 1. x^{2k} overflows a double beyond k ≈ 150, so the test
            // tracks tᵢ(k) = wᵢ xᵢ^{2k}/(2k−1)!! = tᵢ(k−1)·xᵢ²/(2k−1), whose sum is 1. Limit k ≤ 520: the
            // moment's integrand peaks at x = √(2k), and weights beyond x ≈ 37.7 are below the smallest
            // double (correctly 0 in absolute terms); from k ≈ 530 on those missing tails exceed 1e-14.
            let mut t = r.weights.clone();
            let mut worst = 0.0f64;
            for k in 1..n.min(521) {
                let c = 1.0 / (2 * k - 1) as f64;
                let mut sum = 0.0;
                for (ti, x) in t.iter_mut().zip(&r.nodes) {
                    *ti *= x * x * c;
                    sum += *ti;
                }
                worst = worst.max((sum - 1.0).abs() / (1.0 + k as f64));
                // x^{2k} turns a relative node error δ into 2kδ: the tolerance grows with k
                assert!((sum - 1.0).abs() < 1e-14 * (1.0 + k as f64), "n {n} k {k}: moment ratio {sum}");
            }
            eprintln!("hermite n {n}: max |moment/(2k−1)!! − 1|/(1+k) = {worst:e}");
        }
    }

    #[test]
    fn laguerre_rules_integrate_gamma_moments() {
        // E t^j for density t^α e^{−t}/Γ(α+1) is (α+1)(α+2)…(α+j)
        for &alpha in &[-0.5, 0.0] {
            for &n in &[1usize, 4, 16, 64, 250] {
                let r = laguerre_rule(n, alpha).unwrap();
                for j in 0..(2 * n).min(40) {
                    let exact: f64 = (1..=j).map(|i| alpha + i as f64).product();
                    let m: f64 = r.nodes.iter().zip(&r.weights).map(|(t, w)| w * t.powi(j as i32)).sum();
                    assert!(((m - exact) / exact).abs() < 1e-13 * (1.0 + j as f64), "α {alpha} n {n} j {j}: {m} vs {exact}");
                }
            }
        }
    }

}
