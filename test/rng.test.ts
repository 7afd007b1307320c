/**
 * ts/twin/numerics/rng.ts: xoshiro256++ + 256-layer ziggurat, bit-identical to the Rust core; statistical checks of
 * the normals with stated critical values (all seeded, so the outcome is fixed).
 */
import { describe, expect, test } from 'vitest';
import { Rng, detExp, detLn, ZIGGURAT } from '../ts/twin/numerics/rng.js';
import { normCdf } from '../ts/api/activation.js';
import { InvalidParameterError } from '../ts/node.js';


describe('deterministic exp and ln (+, −, ×, ÷ only)', () => {
  test('within 2 ulp of Math.exp / Math.log; ziggurat layers have equal area V and close at the top', () => {
    const r = new Rng(1, 2);
    let we = 0,
      wl = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (r.uniform() - 0.5) * 1400;
      we = Math.max(we, Math.abs(detExp(x) - Math.exp(x)) / Math.exp(x));
      const y = Math.exp(r.uniform() * 600 - 300);
      wl = Math.max(wl, Math.abs(detLn(y) - Math.log(y)) / Math.max(Math.abs(Math.log(y)), 1));
    }
    expect(we).toBeLessThan(4.5e-16);
    expect(wl).toBeLessThan(4.5e-16);
    const { x, f } = ZIGGURAT;
    for (let i = 1; i < 255; i++) expect(Math.abs(x[i] * (f[i + 1] - f[i]) - 0.004928673233974655)).toBeLessThan(1e-15);
    expect(Math.abs(x[255] * (1 - f[255]) - 0.004928673233974655)).toBeLessThan(1e-14);
  });
});

describe('the normals are standard normal (seeded; tolerances are 5 standard errors unless stated)', () => {
  const n = 2_000_000;
  const z = new Float64Array(n);
  new Rng(20240601, 0).fillNormal(z);

  test('mean 0, variance 1, kurtosis 3 on 2·10⁶ draws', () => {
    let m1 = 0,
      m2 = 0,
      m4 = 0;
    for (const v of z) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
    }
    expect(Math.abs(m1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan((5 * Math.SQRT2) / Math.sqrt(n));
    expect(Math.abs(m4 / n - 3)).toBeLessThan((5 * Math.sqrt(96)) / Math.sqrt(n));
  });

  test('tail probabilities P(|z| > 2, 3, 4) and the far tail beyond R = 3.654 (base strip) match Φ', () => {
    for (const t of [2, 3, 3.6541528853610088, 4, 4.5]) {
      let c = 0;
      for (const v of z) if (Math.abs(v) > t) c++;
      const p = 2 * normCdf(-t);
      expect(Math.abs(c - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  test('Kolmogorov–Smirnov on 2·10⁵ draws: √n·D < 1.949, the α = 0.001 critical value', () => {
    const m = 200_000;
    const s = z.slice(0, m).sort();
    let d = 0;
    for (let i = 0; i < m; i++) {
      const F = normCdf(s[i]);
      d = Math.max(d, (i + 1) / m - F, F - i / m);
    }
    expect(Math.sqrt(m) * d).toBeLessThan(1.949);
  });

  test('a 5 % shift of the mean is detected by the same check (the test can fail)', () => {
    const m = 200_000;
    const s = z.slice(0, m).map((v) => v + 0.05).sort();
    let d = 0;
    for (let i = 0; i < m; i++) {
      const F = normCdf(s[i]);
      d = Math.max(d, (i + 1) / m - F, F - i / m);
    }
    expect(Math.sqrt(m) * d).toBeGreaterThan(1.949);
  });
});

describe('streams', () => {
  test('reproducible: the same (seed, stream) gives the same numbers; fillNormal honours offset, length and scale', () => {
    const a = new Float64Array(100),
      b = new Float64Array(100);
    new Rng(5, 1).fillNormal(a);
    new Rng(5, 1).fillNormal(b, 2, 10, 50);
    for (let i = 0; i < 50; i++) expect(b[10 + i]).toBe(2 * a[i]);
    expect(b[9]).toBe(0);
    expect(b[60]).toBe(0);
    const r = new Rng(0, 0);
    expect(r.nextU64()).toBe(5987356902031041503n); // fixed forever: changing it changes every ensemble
  });

  test('independent: |correlation| between streams 0…9 of one seed, and between seeds, below 5/√n', () => {
    const n = 100_000;
    const rows = Array.from({ length: 10 }, (_, s) => {
      const v = new Float64Array(n);
      new Rng(77, s).fillNormal(v);
      return v;
    });
    const other = new Float64Array(n);
    new Rng(78, 0).fillNormal(other);
    rows.push(other);
    for (let i = 0; i < rows.length; i++) {
      for (let j = i + 1; j < rows.length; j++) {
        let c = 0;
        for (let k = 0; k < n; k++) c += rows[i][k] * rows[j][k];
        expect(Math.abs(c / n)).toBeLessThan(5 / Math.sqrt(n));
      }
    }
  });

  test('fillNormal (fast loop) and repeated normal() give the same sequence, whatever the split', () => {
    // ~1.2 % of draws take the slow path (wedge, tail, rejection): 300 000 draws exercise it thousands of times
    const n = 300_000;
    const a = new Float64Array(n);
    new Rng(9, 4).fillNormal(a);
    const r = new Rng(9, 4);
    let bad = 0;
    for (let k = 0; k < n; k++) if (!Object.is(r.normal(), a[k])) bad++;
    expect(bad).toBe(0);
    const r2 = new Rng(9, 4);
    const piece = new Float64Array(16);
    let k = 0;
    for (let len = 0; k < 20_000; len += 3) {
      const m = len % 8;
      r2.fillNormal(piece, 0.5, 3, m);
      for (let j = 0; j < m; j++) if (!Object.is(piece[3 + j], 0.5 * a[k + j])) bad++;
      k += m;
    }
    expect(bad).toBe(0);
    expect(Object.is(r2.normal(), a[k])).toBe(true);
    let neg = 0;
    for (const v of a) if (Object.is(v, -Math.abs(v))) neg++;
    expect(Math.abs(neg / n - 0.5)).toBeLessThan(2.5 / Math.sqrt(n));
  });

  test('the normal sequence is pinned (same hashes as the Rust test the_normal_sequence_is_pinned)', () => {
    const hash = (seed: number, stream: number) => {
      const v = new Float64Array(100_000);
      new Rng(seed, stream).fillNormal(v);
      const b = new BigUint64Array(v.buffer);
      let h = 0n;
      for (const x of b) h = BigInt.asUintN(64, (h ^ x) * 0x100000001b3n);
      return h;
    };
    expect(hash(0, 0)).toBe(9528231741535589496n);
    expect(hash(12345, 3)).toBe(4717455908307114228n);
  });

  test('seed and stream must be integers in 0…2^53 − 1 (InvalidParameterError)', () => {
    expect(() => new Rng(-1, 0)).toThrow(InvalidParameterError);
    expect(() => new Rng(1.5, 0)).toThrow(/seed must be an integer in 0…2\^53 − 1 \(got 1.5\)/);
    expect(() => new Rng(0, 2 ** 53)).toThrow(/stream/);
    expect(() => new Rng(0, 0).fillNormal(new Float64Array(4), 1, 2, 3)).toThrow(InvalidParameterError);
  });
});
