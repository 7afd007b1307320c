/**
 * Exactly rounded, order-independent summation (Shewchuk's non-overlapping partials, as in Python's
 * `math.fsum`). Ensembles add per-chunk sums into these accumulators, so the result does not depend
 * on which worker or shard computed which chunk, nor on the order they arrive in: the same seed gives
 * bit-identical statistics whatever the parallelism, and shards merge exactly.
 */
export class ExactSum {
  /** Non-overlapping partials, increasing magnitude; their exact sum is the accumulated value. */
  partials: number[] = [];

  static from(partials: readonly number[]): ExactSum {
    const s = new ExactSum();
    for (const p of partials) s.add(p);
    return s;
  }

  add(x: number): void {
    if (!Number.isFinite(x)) {
      // Keep non-finite values visible instead of corrupting the partials with NaN arithmetic.
      this.partials = [this.partials.length && !Number.isFinite(this.partials[0]) ? this.partials[0] + x : x];
      return;
    }
    if (this.partials.length === 1 && !Number.isFinite(this.partials[0])) return;
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  addAll(other: ExactSum): void {
    for (const v of other.partials) this.add(v);
  }

  /** The correctly rounded value of the exact sum. */
  value(): number {
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round-half-even correction, as math.fsum does, when the remaining partials push the tie.
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
