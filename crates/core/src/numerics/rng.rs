//! Seeded, splittable random numbers: xoshiro256++ seeded by splitmix64 from (seed, stream), one
//! independent stream per network index, so an ensemble is the same whatever the number of workers or
//! shards. Normals come from a 256-layer ziggurat (Marsaglia & Tsang 2000, with the layer index and
//! the sign taken from the low bits of the same 64-bit draw whose top 53 bits give the abscissa).
//!
//! `ts/twin/numerics/rng.ts` produces bit-identical streams: the ziggurat tables are computed at startup in both
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

/// The xoshiro256++ state as four locals: the hot loops copy it out of `Rng`, so that it lives in
/// registers (wasm locals) instead of linear memory; the rare slow path takes and returns it by value.
#[derive(Clone, Copy)]
struct Xo(u64, u64, u64, u64);

impl Xo {
    #[inline(always)]
    fn next(&mut self) -> u64 {
        let result = (self.0.wrapping_add(self.3)).rotate_left(23).wrapping_add(self.0);
        let t = self.1 << 17;
        self.2 ^= self.0;
        self.3 ^= self.1;
        self.1 ^= self.2;
        self.0 ^= self.3;
        self.2 ^= t;
        self.3 = self.3.rotate_left(45);
        result
    }
    #[inline(always)]
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 * TWO_M53
    }
}

/// x with its sign flipped when bit 8 of r is set (exactly −x), by an integer xor of the sign bit: V8
/// compiles the float `select` of `if … { −x } else { x }` to a branch, mispredicted half the time.
#[inline(always)]
fn with_sign(x: f64, r: u64) -> f64 {
    f64::from_bits(x.to_bits() ^ ((r & 0x100) << 55))
}

/// One ziggurat attempt from the draw `r`: Ok(normal) on the fast path (~98.8 %), else Err((layer, x)).
#[inline(always)]
fn zig_fast(z: &Ziggurat, r: u64) -> Result<f64, (usize, f64)> {
    let i = (r & 0xff) as usize;
    let x = (r >> 11) as f64 * TWO_M53 * z.x[i];
    if x < z.x[i + 1] {
        Ok(with_sign(x, r))
    } else {
        Err((i, x))
    }
}

/// Completes a normal whose first draw `r` (layer i, abscissa x) missed the fast path: the base strip
/// beyond R (tail) or the wedge of layer i, and on rejection fresh draws until one is accepted. The
/// state comes in and goes out by value, so the callers' loops keep theirs in locals.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)] // the state as 4 scalars: a by-reference struct would pin the callers' state in memory
fn normal_slow(z: &Ziggurat, s0: u64, s1: u64, s2: u64, s3: u64, mut r: u64, mut i: usize, mut x: f64) -> (Xo, f64) {
    let mut g = Xo(s0, s1, s2, s3);
    loop {
        let v = if i == 0 {
            // Marsaglia's tail method: R + a with a ~ Exp(R) accepted with probability e^{−a²/2}
            loop {
                let a = -det_ln(1.0 - g.uniform()) / ZIG_R;
                let b = -det_ln(1.0 - g.uniform());
                if b + b > a * a {
                    break Some(ZIG_R + a);
                }
            }
        } else {
            let y = z.f[i] + g.uniform() * (z.f[i + 1] - z.f[i]);
            if y < det_exp(-0.5 * x * x) { Some(x) } else { None }
        };
        if let Some(v) = v {
            return (g, with_sign(v, r));
        }
        r = g.next();
        match zig_fast(z, r) {
            Ok(v) => return (g, v),
            Err((i2, x2)) => {
                i = i2;
                x = x2;
            }
        }
    }
}

impl Rng {
    /// The generator of stream `stream` (e.g. a network index) under `seed`.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut x = seed ^ stream.wrapping_mul(0xD1B54A32D192ED03);
        let s = [splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x), splitmix64(&mut x)];
        Rng { s, zig: ziggurat() }
    }
    #[inline(always)]
    fn load(&self) -> Xo {
        Xo(self.s[0], self.s[1], self.s[2], self.s[3])
    }
    #[inline(always)]
    fn store(&mut self, g: Xo) {
        self.s = [g.0, g.1, g.2, g.3];
    }
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let mut g = self.load();
        let r = g.next();
        self.store(g);
        r
    }
    /// Fills out[0..2m] with m raw 64-bit draws as (low 32 bits, high 32 bits) pairs (the
    /// cross-language tests of `wf_rng_fill_u64`).
    pub fn fill_u64_pairs(&mut self, out: &mut [u32]) {
        let mut g = self.load();
        for pair in out.chunks_exact_mut(2) {
            let v = g.next();
            pair[0] = v as u32;
            pair[1] = (v >> 32) as u32;
        }
        self.store(g);
    }
    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * TWO_M53
    }
    /// One standard normal (ziggurat; ~98.8 % of draws take the one-draw fast path). The same sequence
    /// as `fill_normal`.
    #[inline]
    pub fn normal(&mut self) -> f64 {
        let mut g = self.load();
        let r = g.next();
        let v = match zig_fast(self.zig, r) {
            Ok(v) => v,
            Err((i, x)) => {
                let (g2, v) = normal_slow(self.zig, g.0, g.1, g.2, g.3, r, i, x);
                g = g2;
                v
            }
        };
        self.store(g);
        v
    }
    /// Fills `out` with independent N(0, scale²) draws (scale × the standard normal, in order): the
    /// same sequence as repeated `normal()`, with the state in locals and the loop unrolled by 4.
    pub fn fill_normal(&mut self, out: &mut [f64], scale: f64) {
        let z = self.zig;
        let mut g = self.load();
        macro_rules! one {
            ($v:expr) => {{
                let r = g.next();
                let n = match zig_fast(z, r) {
                    Ok(n) => n,
                    Err((i, x)) => {
                        let (g2, n) = normal_slow(z, g.0, g.1, g.2, g.3, r, i, x);
                        g = g2;
                        n
                    }
                };
                $v = scale * n;
            }};
        }
        let mut chunks = out.chunks_exact_mut(4);
        for c in &mut chunks {
            one!(c[0]);
            one!(c[1]);
            one!(c[2]);
            one!(c[3]);
        }
        for v in chunks.into_remainder() {
            one!(*v);
        }
        self.store(g);
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
        // the first output under (0, 0) is fixed forever: changing it changes every ensemble (ts/twin/numerics/rng.ts
        // pins the same number)
        assert_eq!(Rng::new(0, 0).next_u64(), 5987356902031041503);
    }

    /// FNV-style hash of the bits of the first n normals of (seed, stream) (the same in test/rng.test.ts).
    fn normals_hash(seed: u64, stream: u64, n: usize) -> u64 {
        let mut v = vec![0.0; n];
        Rng::new(seed, stream).fill_normal(&mut v, 1.0);
        v.iter().fold(0u64, |h, x| (h ^ x.to_bits()).wrapping_mul(0x100000001b3))
    }

    #[test]
    fn the_normal_sequence_is_pinned() {
        // computed with the pre-optimization kernel (state in memory, branchy sign): the fast loop must
        // not change a single bit of any ensemble
        assert_eq!(normals_hash(0, 0, 100_000), 9528231741535589496);
        assert_eq!(normals_hash(12345, 3, 100_000), 4717455908307114228);
    }

    #[test]
    fn fill_normal_equals_repeated_normal_for_every_length_and_split() {
        // the 4-way unrolled fill, its remainder, and the slow paths (wedge, tail, rejection) must
        // consume the stream exactly as normal() does; 1M draws hit ~12 000 slow paths
        let n = 1_000_003;
        let mut a = vec![0.0; n];
        Rng::new(9, 4).fill_normal(&mut a, 1.0);
        let mut r = Rng::new(9, 4);
        for (k, &v) in a.iter().enumerate() {
            assert_eq!(r.normal().to_bits(), v.to_bits(), "draw {k}");
        }
        // arbitrary split into pieces of lengths 0…7 with a scale, then continuing with normal()
        let mut r = Rng::new(9, 4);
        let mut k = 0;
        let mut len = 0;
        while k < 10_000 {
            let m = len % 8;
            let mut piece = vec![0.0; m];
            r.fill_normal(&mut piece, 0.5);
            for (j, &v) in piece.iter().enumerate() {
                assert_eq!(v.to_bits(), (0.5 * a[k + j]).to_bits(), "draw {}", k + j);
            }
            k += m;
            len += 3;
        }
        assert_eq!(r.normal().to_bits(), a[k].to_bits());
        // the sign is an exact negation: both signs occur about equally often
        let neg = a.iter().filter(|v| v.is_sign_negative()).count() as f64;
        assert!((neg / n as f64 - 0.5).abs() < 5.0 * 0.5 / (n as f64).sqrt());
    }

    #[test]
    fn fill_u64_pairs_writes_the_raw_stream_as_low_high_pairs() {
        let n = 1001;
        let mut w = vec![0u32; 2 * n];
        Rng::new((1u64 << 32) | 7, 5).fill_u64_pairs(&mut w);
        let mut r = Rng::new((1u64 << 32) | 7, 5);
        for k in 0..n {
            let v = r.next_u64();
            assert_eq!((w[2 * k], w[2 * k + 1]), (v as u32, (v >> 32) as u32), "draw {k}");
        }
    }
}
