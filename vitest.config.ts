import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report is what CI counts (.ci/run prints "N passed, N failed" from it).
    reporters: ['default', 'json'],
    outputFile: { json: 'vitest.json' },
  },
});
