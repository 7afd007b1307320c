//! Cross-check of the two halves of the crate: at layer 2 the recursions are exact at any width
//! (layer-1 preactivations are i.i.d. Gaussian and Ĥ⁽¹⁾ is deterministic), so ensemble averages of
//! the kernel's per-network values must match `recursion::run_recursion` within their statistical error.
use wideflow_core::numerics::activation::Activation;
use wideflow_core::numerics::quadrature::{Quadrature, DEFAULT_DEGREE};
use wideflow_core::sampling::network::{ensemble_chunk, NQ};
use wideflow_core::theory::recursion::{run_recursion, LayerHyper, THEORY_STRIDE};


/// Returns the quantities that disagree with theory, and the number of quantities for which a
/// theory value 10 % off would have been rejected (the test's power).
fn check(kind: u32, h: LayerHyper, n1: usize, samples: usize) -> (Vec<String>, usize) {
    let n0 = 3usize;
    let x = [1.0f64, -0.5, 0.8];
    let x2 = x.iter().map(|v| v * v).sum::<f64>() / n0 as f64;
    // cfg: [L, n0, n1, n2, (Cb,CW,λb,λW)×2, kind, a, order, seed_lo, seed_hi, k1, k2, x…]
    let mut cfg = vec![2.0, n0 as f64, n1 as f64, n1 as f64];
    for _ in 0..2 {
        cfg.extend_from_slice(&[h.cb, h.cw, h.lambda_b, h.lambda_w]);
    }
    cfg.extend_from_slice(&[kind as f64, 0.0, 3.0, 12345.0, 0.0, n1 as f64, n1 as f64]);
    cfg.extend_from_slice(&x);
    // Batch means over 50 batches: each batch's layer-2 moment means, then the statistic per batch.
    let batches = 50;
    let per = samples / batches;
    let mut stats: Vec<[f64; 13]> = Vec::new();
    let mut out = vec![0.0; 2 * NQ];
    for b in 0..batches {
        ensemble_chunk(&cfg, (b * per) as f64, per as u32, &mut out).unwrap();
        let m: Vec<f64> = out[NQ..].iter().map(|v| v / per as f64).collect();
        let n = n1 as f64; // n_{ℓ−1} = n₁ at layer 2
        stats.push([
            // G, V, D from the Rao–Blackwellized moments (zzc, zzc², h·zzc), as ts/estimator.ts does.
            m[14], m[2], n * (m[15] - m[14] * m[14]), n * (m[3] - m[2] * m[2]), n * m[5], n * (m[16] - m[2] * m[14]), n * m[6],
            n * m[7], n * m[8], n * m[9], n * m[10], n * m[11], n * m[12],
        ]);
    }
    let q = Quadrature::new(DEFAULT_DEGREE).unwrap();
    let act = Activation::from_raw(kind, 0.0).unwrap();
    let mut th = vec![0.0; 2 * THEORY_STRIDE];
    run_recursion(&q, &act, &[n0 as f64, n1 as f64], &[h, h], x2, &mut th);
    let t = &th[THEORY_STRIDE..];
    // theory in the same order: K, Θ, V, A, B, D, F, P, Q, R, S, T, U
    let expect = [t[0], t[1], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14]];
    let names = ["G", "H", "V", "A", "B", "D", "F", "P", "Q", "R", "S", "T", "U"];
    let mut bad = Vec::new();
    let mut sensitive = 0;
    for i in 0..13 {
        let mean = stats.iter().map(|s| s[i]).sum::<f64>() / batches as f64;
        let var = stats.iter().map(|s| (s[i] - mean).powi(2)).sum::<f64>() / (batches - 1) as f64;
        let se = (var / batches as f64).sqrt();
        let diff = (mean - expect[i]).abs();
        // The batch statistics of V, A, D carry an O(1/per) bias: negligible at per = samples/50.
        if diff > 4.0 * se + 1e-10 * expect[i].abs().max(1e-12) {
            bad.push(format!("{}: ensemble {:.6e} ± {:.2e}, theory {:.6e}", names[i], mean, se, expect[i]));
        }
        if expect[i] != 0.0 && (mean - 1.1 * expect[i]).abs() > 4.0 * se {
            sensitive += 1;
        }
    }
    (bad, sensitive)
}

#[test]
fn layer2_tanh_matches_theory_at_width_6() {
    let (bad, sensitive) = check(3, LayerHyper { cb: 0.1, cw: 1.5, lambda_b: 0.5, lambda_w: 1.5 }, 6, 400_000);
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(sensitive, 13, "every quantity must be measured well enough to reject a 10 % error");
}

#[test]
fn layer2_relu_matches_theory_at_width_6() {
    let (bad, sensitive) = check(1, LayerHyper { cb: 0.1, cw: 1.8, lambda_b: 0.5, lambda_w: 1.5 }, 6, 100_000);
    assert!(bad.is_empty(), "{bad:#?}");
    // P = R = U = 0 for relu (σ″ = σ‴ = 0 pointwise): the other 10 must be sensitive.
    assert_eq!(sensitive, 10);
}

#[test]
fn layer2_gelu_matches_theory_at_width_6() {
    let (bad, sensitive) = check(7, LayerHyper { cb: 0.1, cw: 1.6, lambda_b: 0.5, lambda_w: 1.5 }, 6, 100_000);
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(sensitive, 13);
}
