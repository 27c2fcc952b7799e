// The `plm-ipe/node` entry: public API that needs Node (files, child processes, caches on disk).
// The browser-safe API is the package root, src/index.ts.
export { loadTorchCheckpointFile } from './torch.js';
