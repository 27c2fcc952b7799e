import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The memory tests force garbage collection to prove the FinalizationRegistry frees storage.
    execArgv: ['--expose-gc'],
  },
});
