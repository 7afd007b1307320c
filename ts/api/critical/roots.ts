/** Root finding: Brent's method and bracketing on log grids, to ROOT_TOLERANCE. (Module overview: ts/api/critical.ts.) */
import { WideflowError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Root finding

/** Relative tolerance to which every root is bracketed (and K* then agrees with 40-digit references to ~1e-13). */
export const ROOT_TOLERANCE = 1e-13;

/**
 * Brent's method on a sign-changing bracket [a, b]: inverse quadratic / secant steps kept inside the
 * bracket, bisection whenever they stall. Stops when the bracket is narrower than
 * ROOT_TOLERANCE·|x| + 1e-300 or f = 0 exactly. Throws if f is not finite inside the bracket.
 */
export function brent(f: (x: number) => number, a: number, b: number, fa = f(a), fb = f(b)): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) throw new WideflowError(`wideflow: root finder called without a sign change on [${a}, ${b}]`);
  let c = a,
    fc = fa,
    d = b - a,
    e = d;
  for (let it = 0; it < 200; it++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * ROOT_TOLERANCE * Math.abs(b) + 1e-300;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number, q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc,
          r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
    if (!Number.isFinite(fb)) throw new WideflowError(`wideflow: non-finite function value ${fb} at ${b} while finding a root`);
  }
  return b;
}

/**
 * Sign-changing brackets [a, b, f(a), f(b)] of f on a grid. Exact zeros: with `zerosAsRoots` each is returned
 * as [x, x, 0, 0]; otherwise a run of zeros between opposite signs becomes one bracket across it (and between
 * equal signs, a touching point, is dropped). Non-finite values break the chain.
 */
export function brackets(f: (x: number) => number, grid: number[], zerosAsRoots: boolean): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
  let last: [number, number] | null = null;
  let zeroRun = false;
  for (const x of grid) {
    const fx = f(x);
    if (!Number.isFinite(fx)) {
      last = null;
      zeroRun = false;
      continue;
    }
    if (fx === 0) {
      if (zerosAsRoots) out.push([x, x, 0, 0]);
      zeroRun = true;
      continue;
    }
    if (last && Math.sign(fx) !== Math.sign(last[1]) && !(zeroRun && zerosAsRoots)) out.push([last[0], x, last[1], fx]);
    last = [x, fx];
    zeroRun = false;
  }
  return out;
}

export function logGrid(lo: number, hi: number, perDecade: number): number[] {
  const n = Math.max(2, Math.ceil(Math.log10(hi / lo) * perDecade) + 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo * Math.pow(hi / lo, i / (n - 1))));
}
