/**
 * The chunk plan of an ensemble, in O(1) memory whatever the number of samples, and the integrity of
 * the mergeable state that shards write to disk.
 *
 * Plan. Networks 0 … N−1 are cut into chunks of `chunkSize` (a function of N only); chunk c belongs to
 * shard (c mod S) + 1 and to jackknife group c mod G. Nothing here materializes the chunk list: tasks
 * are generated lazily and every count is computed arithmetically, so `samples: 2^40` costs nothing
 * before the first network runs.
 *
 * State files. A shard's state carries a versioned format, the hash of the run's configuration (what
 * must agree for two shards to merge, or for an ensemble to be compared with a theory), and a checksum
 * of its whole content, so that a truncated, edited or corrupted file is refused with the first field
 * that is wrong instead of silently merging into wrong statistics.
 */
import { InvalidParameterError } from './errors.js';

/** One chunk of networks: indices first … first + count − 1, chunk number `chunk`. */
export interface ChunkTask {
  chunk: number;
  first: number;
  count: number;
}

/** Chunks of a run and how they are dealt to shards and jackknife groups. */
export interface ChunkPlan {
  samples: number;
  chunkSize: number;
  chunks: number;
  groups: number;
}

/** Chunk numbers c ≡ r (mod m) with 0 ≤ c < n. */
function countResidue(n: number, m: number, r: number): number {
  return r < n ? Math.floor((n - 1 - r) / m) + 1 : 0;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Inverse of a modulo m (gcd(a, m) = 1), by the extended Euclidean algorithm in exact integers. */
function modInverse(a: number, m: number): number {
  let [r0, r1] = [BigInt(a % m), BigInt(m)];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  const M = BigInt(m);
  return Number(((s0 % M) + M) % M);
}

/**
 * The tasks of shard `index` of `count`, generated lazily (chunk c = index − 1, index − 1 + count, …).
 * Memory O(1) in the number of samples.
 */
export function* shardTasks(p: ChunkPlan, index: number, count: number): Generator<ChunkTask> {
  for (let c = index - 1; c < p.chunks; c += count) {
    const first = c * p.chunkSize;
    yield { chunk: c, first, count: Math.min(p.chunkSize, p.samples - first) };
  }
}

/** Number of networks in shard `index` of `count`, in O(1). */
export function shardSize(p: ChunkPlan, index: number, count: number): number {
  const chunks = countResidue(p.chunks, count, index - 1);
  if (chunks === 0) return 0;
  const last = p.chunks - 1;
  const lastSize = p.samples - last * p.chunkSize;
  const holdsLast = last % count === index - 1;
  return chunks * p.chunkSize - (holdsLast ? p.chunkSize - lastSize : 0);
}

/**
 * Networks per jackknife group that the given shards (of `shardCount`) must have produced: the chunks
 * c with c ≡ s − 1 (mod shardCount) and c ≡ g (mod groups), counted by the Chinese remainder theorem
 * in O(groups · shards) whatever the number of chunks.
 */
export function expectedGroupCounts(p: ChunkPlan, shardCount: number, shards: readonly number[]): number[] {
  const G = p.groups;
  const counts = new Array<number>(G).fill(0);
  const d = gcd(G, shardCount);
  const lcm = (G / d) * shardCount;
  const last = p.chunks - 1;
  const lastShort = p.chunkSize - (p.samples - last * p.chunkSize);
  for (const s of shards) {
    const r2 = s - 1;
    for (let g = 0; g < G; g++) {
      if ((g - r2) % d !== 0) continue;
      // c = g + G·t with G·t ≡ r2 − g (mod shardCount)  ⇒  t ≡ ((r2 − g)/d)·(G/d)⁻¹ (mod shardCount/d)
      const m = shardCount / d;
      const t0 = m === 1 ? 0 : Number(((BigInt((r2 - g) / d) % BigInt(m)) + BigInt(m)) * BigInt(modInverse(G / d, m)) % BigInt(m));
      const c0 = g + G * t0;
      const n = countResidue(p.chunks, lcm, c0 % lcm);
      counts[g] += n * p.chunkSize;
      if (n > 0 && last % G === g && last % shardCount === r2) counts[g] -= lastShort;
    }
  }
  return counts;
}

/**
 * 64-bit FNV-1a of a string, as 16 hex digits. Not cryptographic: it detects accidental corruption
 * and mismatched runs, which is what a shard file needs (no dependency, same result in every engine).
 */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** Canonical JSON (keys sorted) so that a hash does not depend on property order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return JSON.stringify(String(v));
  return JSON.stringify(v);
}

/** Hash of what must agree between shards of one run (or between a theory and an ensemble). */
export function configHash(config: unknown): string {
  return fnv1a64(canonical(config));
}

/** The `workers` option of a run: an integer 1 … 256 (default 1: this thread). */
export function checkWorkers(w: unknown): number {
  if (w === undefined) return 1;
  if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 256) throw new InvalidParameterError('workers', w, 'an integer in 1 … 256');
  return w;
}

/** The `shard` option of a run: `{ index, count }` with 1 ≤ index ≤ count (default: the whole run). */
export function checkShard(s: { index: number; count: number } | undefined): { index: number; count: number } {
  if (s === undefined) return { index: 1, count: 1 };
  const ok = s && Number.isInteger(s.count) && s.count >= 1 && Number.isInteger(s.index) && s.index >= 1 && s.index <= s.count;
  if (!ok) throw new InvalidParameterError('shard', s, '{ index, count } with 1 ≤ index ≤ count (integers)');
  return s;
}

/** Checks that `v` is an integer in lo … hi; names the field on failure. */
export function checkIntField(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new InvalidParameterError(name, v, `an integer in ${lo} … ${hi}`);
  return v;
}

/** Checks that `v` is an array of finite numbers; names the field and the first bad entry. */
export function checkFiniteArray(name: string, v: unknown, length?: number): number[] {
  if (!Array.isArray(v)) throw new InvalidParameterError(name, typeof v, 'an array of finite numbers');
  if (length !== undefined && v.length !== length) throw new InvalidParameterError(`${name}.length`, v.length, `${length}`);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidParameterError(`${name}[${i}]`, x, 'a finite number');
  });
  return v as number[];
}
