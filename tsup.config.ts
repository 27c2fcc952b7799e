import { defineConfig } from 'tsup';

// ESM + CJS + .d.ts. Library code never minifies identifiers: gpu.js kernels (a later backend)
// are translated from source text, and readable stack traces matter more than bytes here.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['node:fs', 'node:path', 'node:os', 'node:worker_threads', 'node:url', 'node:crypto'],
  splitting: false,
  treeshake: true,
});
