/**
 * Test runner configuration. `npm test` builds once in `pretest` (wasm + dist/); the tests read those
 * outputs and never rebuild, so each file starts in well under a second.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Forks, not threads: the packaging and browser tests spawn npm and Chromium, and a forked worker
    // keeps each file's wasm instance and module state apart.
    pool: 'forks',
    // The CI machines have 2 cores; more workers only contend for them and slow the statistical tests.
    maxWorkers: 2,
    fileParallelism: true,
    // Statistical tests (seeded ensembles) take up to ~60 s on 2 cores; leave headroom for a busy machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
