import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The package's public entry names resolve to their sources (as tsconfig.json's `paths` say), so
// the examples, which import only 'plm-ipe', 'plm-ipe/node' and 'plm-ipe/gpu', run under vitest.
const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^plm-ipe$/, replacement: src('index.ts') },
      { find: /^plm-ipe\/node$/, replacement: src('node/index.ts') },
      { find: /^plm-ipe\/gpu$/, replacement: src('gpu/index.ts') },
      { find: /^plm-ipe\/ndarray$/, replacement: src('ndarray/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The memory tests force garbage collection to prove the FinalizationRegistry frees storage.
    execArgv: ['--expose-gc'],
    // The cpu backend recycles arrays of every size and fills those handed out uninitialized with
    // NaN, so a kernel that leaves part of its output unwritten fails its parity test (src/backend/cpu/array-pool.ts).
    env: { PLM_CPU_POOL_CHECK: '1' },
  },
});
