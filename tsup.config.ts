import { defineConfig } from 'tsup';

// ESM + CJS + .d.ts. Library code never minifies identifiers: gpu.js kernels (a later backend)
// are translated from source text, and readable stack traces matter more than bytes here.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Node built-ins are loaded lazily where used; the face-api provider's packages are optional peers.
  external: [/^node:/, '@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'gpu.js'],
  splitting: false,
  treeshake: true,
});
