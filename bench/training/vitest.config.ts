/** Runs bench/training/*.bench.ts (the O(1/n) training validation table; not part of `npm test`). */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['bench/training/*.bench.ts'], environment: 'node', pool: 'forks', maxWorkers: 1, testTimeout: 3_600_000 },
});
