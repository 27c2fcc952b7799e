// The `plm-ipe/node` entry: what needs Node (files, ffmpeg, child processes, caches on disk).
// Re-exports only; browser code imports from the package root instead.
export { loadPredictor, predictFile } from './predict.js';
export type { PredictFileOptions } from './predict.js';
