//! Seeded, splittable random numbers: xoshiro256++ seeded by splitmix64 from (seed, stream), one
//! independent stream per network index, so an ensemble is the same whatever the number of workers or
//! shards. Normals come from a 256-layer ziggurat (Marsaglia & Tsang 2000, with the layer index and
//! the sign taken from the low bits of the same 64-bit draw whose top 53 bits give the abscissa).
//!
//! `ts/rng.ts` produces bit-identical streams: the ziggurat tables are computed at startup in both
//! languages from two literal constants with `exp`/`ln` written here from +, −, ×, ÷ only (IEEE
//! operations are correctly rounded everywhere, while the platforms' libm `exp`/`ln` may differ in the
//! last bit), and the slow paths (wedge and tail) use the same functions.

use std::sync::OnceLock;

pub struct Rng {
    s: [u64; 4],
    zig: &'static Ziggurat,
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E3779B97F4A7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The generator of stream `stream` (e.g. a network index) under `seed`.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut x = seed ^ stream.wrapping_mul(0xD1B54A32D192ED03);
        let s = [splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x)];
        Rng { s, zig: ziggurat() }
    }
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = (s[0].wrapping_add(s[3])).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * TWO_M53
    }
    /// One standard normal (ziggurat; ~98.8 % of draws take the one-draw fast path).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        let z = self.zig;
        loop {
            let r = self.next_u64();
            let i = (r & 0xff) as usize;
            let neg = r & 0x100 != 0;
            let x = (r >> 11) as f64 * TWO_M53 * z.x[i];
            if x < z.x[i + 1] {
                return if neg { -x } else { x };
            }
            if let Some(v) = self.normal_slow(i, x) {
                return if neg { -v } else { v };
            }
        }
    }
    /// Base strip beyond R (tail) or wedge of layer i; None = rejected, draw again.
    #[cold]
    fn normal_slow(&mut self, i: usize, x: f64) -> Option<f64> {
        let z = self.zig;
        if i == 0 {
            // Marsaglia's tail method: R + a with a ~ Exp(R) accepted with probability e^{−a²/2}
            loop {
                let a = -det_ln(1.0 - self.uniform()) / ZIG_R;
                let b = -det_ln(1.0 - self.uniform());
                if b + b > a * a {
                    return Some(ZIG_R + a);
                }
            }
        }
        let y = z.f[i] + self.uniform() * (z.f[i + 1] - z.f[i]);
        if y < det_exp(-0.5 * x * x) { Some(x) } else { None }
    }
    /// Fills `out` with independent N(0, scale²) draws (scale × the standard normal, in order).
    pub fn fill_normal(&mut self, out: &mut [f64], scale: f64) {
        for v in out.iter_mut() {
            *v = scale * self.normal();
        }
    }
}

const TWO_M53: f64 = 1.0 / 9007199254740992.0;
/// Right edge of the base strip of the 256-layer ziggurat for e^{−x²/2}, and the common layer area
/// V = R e^{−R²/2} + √(π/2) erfc(R/√2) (50-digit values rounded to double; with them the recursion
/// below closes at the top, f(x₂₅₅) + V/x₂₅₅ = 1, to 6e-16).
const ZIG_R: f64 = 3.654152885361009;
const ZIG_V: f64 = 0.004928673233974655;

/// Layer edges x[0] = V/f(R) (virtual width of the base strip), x[1] = R, …, x[256] = 0, and
/// f[i] = e^{−x[i]²/2}.
pub struct Ziggurat {
    pub x: [f64; 257],
    pub f: [f64; 257],
}

fn ziggurat() -> &'static Ziggurat {
    static Z: OnceLock<Ziggurat> = OnceLock::new();
    Z.get_or_init(|| {
        let mut x = [0.0; 257];
        let mut f = [0.0; 257];
        let fr = det_exp(-0.5 * ZIG_R * ZIG_R);
        x[0] = ZIG_V / fr;
        f[0] = det_exp(-0.5 * x[0] * x[0]);
        x[1] = ZIG_R;
        f[1] = fr;
        for i in 1..255 {
            x[i + 1] = (-2.0 * det_ln(ZIG_V / x[i] + f[i])).sqrt();
            f[i + 1] = det_exp(-0.5 * x[i + 1] * x[i + 1]);
        }
        x[256] = 0.0;
        f[256] = 1.0;
        Ziggurat { x, f }
    })
}

const LN2_HI: f64 = 0.6931471803691238; // 32 significant bits: k·LN2_HI is exact for |k| < 2^20
const LN2_LO: f64 = 1.9082149292705877e-10;
const INV_LN2: f64 = std::f64::consts::LOG2_E;

/// e^x from +, −, ×, ÷ only (bit-identical in Rust and JS): x = k ln 2 + r with |r| ≤ ln2/2 (Cody–Waite
/// split of ln 2), e^r by its Taylor series to r¹⁴/14! (< 2e-17 for |r| ≤ 0.347), times 2^k.
/// ≤ 2 ulp for |x| < 700; used for the ziggurat tables and slow paths, not as a general exp.
pub fn det_exp(x: f64) -> f64 {
    if x < -745.0 {
        return 0.0;
    }
    if x > 709.0 {
        return f64::INFINITY;
    }
    let k = (x * INV_LN2 + 0.5).floor();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Horner in the form 1 + r(1 + r/2(1 + r/3(… (1 + r/14)))); every step is one correctly rounded
    // × and ÷, so both languages round identically.
    let mut q = 1.0;
    let mut j = 14.0;
    while j >= 1.0 {
        q = 1.0 + r * q / j;
        j -= 1.0;
    }
    let k = k as i32;
    // 2^k in two halves so that results near the subnormal range are not flushed by an overflowing 2^k
    let h = k / 2;
    q * pow2(h) * pow2(k - h)
}

/// 2^k for |k| ≤ 1023 exactly, built from its IEEE bits.
#[inline]
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// ln x for normal x > 0 from +, −, ×, ÷ only (bit-identical in Rust and JS): x = m·2^e with
/// m ∈ [√½, √2), ln m = 2 atanh(s), s = (m−1)/(m+1), by its series to s²³ (|s| ≤ 0.172: < 1e-18).
pub fn det_ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if e == -1023 {
        // subnormal: renormalize (not reached by the samplers)
        return det_ln(x * 18014398509481984.0) - 54.0 * (LN2_HI + LN2_LO);
    }
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut t = 1.0 / 23.0;
    let mut j = 21.0;
    while j >= 1.0 {
        t = 1.0 / j + s2 * t;
        j -= 2.0;
    }
    let ef = e as f64;
    ef * LN2_HI + (ef * LN2_LO + 2.0 * s * t)
}

/// Fills out[0..n] with N(0, 1) draws of stream `stream` under the seed (seed_lo + 2³² seed_hi), the
/// same numbers as `new Rng(seed, stream).fillNormal(out)` in `ts/rng.ts`. `stream` is an integer-valued
/// f64 in [0, 2⁵³). Returns 0, or −1 for an invalid stream.
#[allow(clippy::not_unsafe_ptr_arg_deref)] // C ABI boundary: caller-owned wf_alloc blocks
#[no_mangle]
pub extern "C" fn wf_rng_fill_normal(seed_lo: u32, seed_hi: u32, stream: f64, out: *mut f64, n: u32) -> i32 {
    let Some(stream) = stream_index(stream) else { return -1 };
    let out = unsafe { crate::memory::slice_mut(out, n as usize) };
    Rng::new(((seed_hi as u64) << 32) | seed_lo as u64, stream).fill_normal(out, 1.0);
    0
}

/// Fills out[0..2n] with n raw 64-bit draws as (low 32 bits, high 32 bits) pairs (cross-language tests).
#[allow(clippy::not_unsafe_ptr_arg_deref)] // C ABI boundary: caller-owned wf_alloc blocks
#[no_mangle]
pub extern "C" fn wf_rng_fill_u64(seed_lo: u32, seed_hi: u32, stream: f64, out: *mut u32, n: u32) -> i32 {
    let Some(stream) = stream_index(stream) else { return -1 };
    let out = unsafe { crate::memory::slice_mut(out, 2 * n as usize) };
    let mut r = Rng::new(((seed_hi as u64) << 32) | seed_lo as u64, stream);
    for pair in out.chunks_exact_mut(2) {
        let v = r.next_u64();
        pair[0] = v as u32;
        pair[1] = (v >> 32) as u32;
    }
    0
}

fn stream_index(stream: f64) -> Option<u64> {
    if (0.0..9007199254740992.0).contains(&stream) && stream == stream.trunc() { Some(stream as u64) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_exp_and_ln_are_within_two_ulp_of_libm() {
        let mut worst_e = 0.0f64;
        let mut worst_l = 0.0f64;
        let mut r = Rng::new(1, 2);
        for _ in 0..200_000 {
            let x = (r.uniform() - 0.5) * 1400.0;
            let (a, b) = (det_exp(x), x.exp());
            worst_e = worst_e.max(((a - b) / b).abs());
            let y = (r.uniform() * 600.0 - 300.0).exp();
            let (a, b) = (det_ln(y), y.ln());
            worst_l = worst_l.max(((a - b) / b.abs().max(1e-300)).abs().min((a - b).abs() / 1.1e-16));
        }
        assert!(worst_e < 4.5e-16, "exp {worst_e:e}");
        assert!(worst_l < 4.5e-16, "ln {worst_l:e}");
        assert_eq!(det_exp(0.0), 1.0);
        assert_eq!(det_ln(1.0), 0.0);
    }

    #[test]
    fn ziggurat_layers_have_equal_area_and_close_at_the_top() {
        let z = ziggurat();
        for i in 1..255 {
            let area = z.x[i] * (z.f[i + 1] - z.f[i]);
            assert!((area - ZIG_V).abs() < 1e-15, "layer {i}: {area}");
        }
        assert!((z.x[255] * (1.0 - z.f[255]) - ZIG_V).abs() < 1e-14);
        assert!((z.x[0] * z.f[1] - ZIG_V).abs() < 1e-18);
    }

    #[test]
    fn normal_moments_and_tails_on_four_million_draws() {
        let n = 4_000_000usize;
        let mut r = Rng::new(42, 7);
        let (mut m1, mut m2, mut m4, mut t2, mut t3, mut t4) = (0.0, 0.0, 0.0, 0usize, 0usize, 0usize);
        for _ in 0..n {
            let v = r.normal();
            let v2 = v * v;
            m1 += v;
            m2 += v2;
            m4 += v2 * v2;
            t2 += (v.abs() > 2.0) as usize;
            t3 += (v.abs() > 3.0) as usize;
            t4 += (v.abs() > 4.0) as usize;
        }
        let nf = n as f64;
        // 5σ bounds from the sampling variances: Var v = 1, Var v² = 2, Var v⁴ = 96
        assert!((m1 / nf).abs() < 5.0 / nf.sqrt());
        assert!((m2 / nf - 1.0).abs() < 5.0 * 2f64.sqrt() / nf.sqrt());
        assert!((m4 / nf - 3.0).abs() < 5.0 * 96f64.sqrt() / nf.sqrt());
        for (count, p) in [(t2, 0.04550026389635842), (t3, 0.0026997960632601866), (t4, 6.334248366623996e-05)] {
            let e = nf * p;
            assert!((count as f64 - e).abs() < 5.0 * e.sqrt(), "{count} vs {e}");
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<f64> = { let mut r = Rng::new(5, 1); (0..100).map(|_| r.normal()).collect() };
        let b: Vec<f64> = { let mut r = Rng::new(5, 1); (0..100).map(|_| r.normal()).collect() };
        let c: Vec<f64> = { let mut r = Rng::new(5, 2); (0..100).map(|_| r.normal()).collect() };
        assert_eq!(a, b);
        assert_ne!(a, c);
        // the first output under (0, 0) is fixed forever: changing it changes every ensemble (ts/rng.ts
        // pins the same number)
        assert_eq!(Rng::new(0, 0).next_u64(), 5987356902031041503);
    }

    #[test]
    fn invalid_streams_are_refused() {
        let mut out = [0.0; 2];
        assert_eq!(wf_rng_fill_normal(0, 0, -1.0, out.as_mut_ptr(), 2), -1);
        assert_eq!(wf_rng_fill_normal(0, 0, 0.5, out.as_mut_ptr(), 2), -1);
        assert_eq!(wf_rng_fill_normal(0, 0, f64::NAN, out.as_mut_ptr(), 2), -1);
        assert_eq!(wf_rng_fill_normal(1, 0, 3.0, out.as_mut_ptr(), 2), 0);
        let mut r = Rng::new(1, 3);
        assert_eq!(out, [r.normal(), r.normal()]);
    }
}
