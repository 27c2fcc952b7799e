import { defineConfig } from 'tsup';

// The package's entries, ESM + CJS, each with its own .d.ts/.d.cts:
//   plm-ipe (index): browser-safe; plm-ipe/node (node): Node-only API; plm-ipe/gpu (gpu): the
//   gpu.js backend; plm-ipe/ndarray (ndarray): scijs interop; cli: the `plm-ipe` bin. Shared code goes to common chunks (splitting, in CJS
//   too), so all entries use one engine, one backend registry and the same classes.
// `node:` prefixes stay in the output so bundlers see Node built-ins for what they are. Library
// code never minifies identifiers: gpu.js kernels are translated from source text, and readable
// stack traces matter more than bytes here.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    gpu: 'src/gpu/index.ts',
    ndarray: 'src/ndarray/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    entry: {
      index: 'src/index.ts',
      node: 'src/node/index.ts',
      gpu: 'src/gpu/index.ts',
      ndarray: 'src/ndarray/index.ts',
    },
  },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  removeNodeProtocol: false,
  // Runtime dependencies and optional peers stay imports; the consumer's resolver finds them.
  external: [
    /^node:/,
    'pngjs',
    'commander',
    'seedrandom',
    'gpu.js',
    'webgpu',
    'ndarray',
    'ndarray-ops',
    '@vladmandic/face-api',
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-backend-wasm',
  ],
  splitting: true,
  treeshake: true,
});
