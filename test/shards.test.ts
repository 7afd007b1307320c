import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { expectedGroupCounts, shardSize, shardTasks, fnv1a64, canonical, type ChunkPlan } from '../ts/api/shards.js';

const planArb = fc
  .record({ samples: fc.integer({ min: 2, max: 5000 }), chunkSize: fc.integer({ min: 1, max: 64 }), groupsCap: fc.integer({ min: 1, max: 32 }) })
  .map(({ samples, chunkSize, groupsCap }): ChunkPlan => {
    const chunks = Math.ceil(samples / chunkSize);
    return { samples, chunkSize, chunks, groups: Math.min(groupsCap, chunks) };
  });

describe('chunk plan arithmetic (O(1) in the number of samples)', () => {
  test('shard sizes and group counts equal a brute-force walk over every chunk', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: 1, max: 40 }), (p, S) => {
        for (let s = 1; s <= Math.min(S, 6); s++) {
          const brute = new Array(p.groups).fill(0);
          let size = 0;
          for (const t of shardTasks(p, s, S)) {
            brute[t.chunk % p.groups] += t.count;
            size += t.count;
          }
          expect(shardSize(p, s, S)).toBe(size);
          expect(expectedGroupCounts(p, S, [s])).toEqual(brute);
        }
        const all = expectedGroupCounts(p, S, Array.from({ length: S }, (_, i) => i + 1));
        expect(all.reduce((a, b) => a + b, 0)).toBe(p.samples);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  test('2^40 samples: planning a shard is instantaneous and allocates nothing per chunk', () => {
    const samples = 2 ** 40;
    const p: ChunkPlan = { samples, chunkSize: 64, chunks: Math.ceil(samples / 64), groups: 32 };
    const t0 = performance.now();
    const counts = expectedGroupCounts(p, 200, [150]);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(shardSize(p, 150, 200));
  });

  test('FNV-1a 64 matches its published test vectors; canonical JSON ignores key order', () => {
    // Vectors from the FNV reference (Fowler/Noll/Vo): "" and "a", "foobar".
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
    expect(canonical({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(canonical({ a: [1, { c: 3, d: 2 }], b: 1 }));
  });
});
