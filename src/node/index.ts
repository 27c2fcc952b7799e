// The `plm-ipe/node` entry: what needs Node (ffmpeg video, the feature cache, manifest, landmark
// and dataset files, checkpoints and safetensors on disk, PNG overlays, the face-api provider's
// Node loading). Use it beside the root `plm-ipe`, which holds everything else; both share one
// engine (tsup splits the shared code into common chunks). Never imported by the root.

// Video through ffmpeg, frame folders and PNG images.
export {
  ffmpegPath,
  ffprobePath,
  hasFfmpeg,
  probeVideo,
  streamVideo,
  decodeVideo,
  readImage,
  readFrameFolder,
  loadVideo,
  encodeVideo,
  encodeVideos,
  encodePng,
  writePng,
  writeFrameFolder,
} from '../data/video.js';
export type { VideoInfo, DecodeOptions, EncodeOptions, VideoStream } from '../data/video.js';

// The content-addressed feature cache on disk and its array format.
export {
  FeatureCache,
  cacheKey,
  hashBytes,
  hashFile,
  encodeArrays,
  decodeArrays,
  stableStringify,
} from '../data/cache.js';
export type { CacheArray, CacheEntry, ShapedArray } from '../data/cache.js';

// Manifest and landmark files, and writing the synthetic dataset to a folder.
export { readManifest } from '../data/manifest-node.js';
export { readLandmarks } from '../data/landmark-file-node.js';
export { writeDataset } from '../data/synthetic/write-dataset.js';
export type { WriteDatasetOptions, WrittenDataset } from '../data/synthetic/write-dataset.js';

// Safetensors and model checkpoints by path (atomic writes).
export { saveSafetensors, loadSafetensors } from '../io/safetensors-node.js';
export { saveModel, loadModel, loadModelInto, loadC3DWeights } from '../models/checkpoint-node.js';

// Descriptor overlays as PNG bytes and files.
export { renderDescriptorOverlay, writeDescriptorOverlay } from '../landmarks/overlay-node.js';

// The face-api landmark provider, loading the optional peers and their weights from node_modules.
export { createFaceApiProvider } from '../landmarks/providers/face-api-node.js';

// Atomic file writes (temp file, fsync, rename): what the library itself saves with.
export { writeFileAtomic } from '../io/atomic-write.js';

// PyTorch checkpoints (torch.save zip and legacy formats) by path.
export { loadTorchCheckpointFile } from './torch.js';

// Prediction from files and run folders on disk (the Predictor itself is in the root).
export { loadPredictor, predictFile } from './predict.js';
export type { PredictFileOptions } from './predict.js';

// Training runs: k-fold/seed comparisons, run configs, sharded extraction and its status.
export { runDemo, trainAndReport, trainComparison } from '../pipeline/demo.js';
export type { DemoRunOptions, TrainAndReportOptions } from '../pipeline/demo.js';
export type { RunResults, ResultRow } from '../pipeline/report.js';
export { trainMethod } from '../pipeline/train.js';
export type { EpochRecord, TrainOptions, TrainResult } from '../pipeline/train.js';
export type { TrainComparisonOptions, ComparisonResult, SplitRunResult } from '../pipeline/demo.js';
export {
  summarizeRuns,
  comparisonText,
  comparisonTable,
  intervalTable,
  collapsedClass,
  COMPARED_PAIRS,
} from '../pipeline/comparison.js';
export type { RunOutcome, RowSummary, PairedComparison, ComparisonSummary } from '../pipeline/comparison.js';
export {
  readRunConfig,
  checkRunConfig,
  continuedTraining,
  writeRunConfig,
  readRunSplit,
} from '../pipeline/run-config.js';
export type { RunConfig } from '../pipeline/run-config.js';
export {
  parseShard,
  shardItems,
  readFailures,
  recordFailure,
  clearFailure,
  failureFile,
  statusText,
} from '../pipeline/extract-status.js';
export type { Shard, FailureRecord, ExtractionStatus } from '../pipeline/extract-status.js';
export { extractFeatures, syntheticSources, manifestSources, extractionStatus } from '../pipeline/extract.js';
export type { VideoSource, LandmarkSource, ExtractRunOptions, ExtractResult } from '../pipeline/extract.js';
export { featureFolderStatus, extractManifest } from '../pipeline/feature-folder.js';
export type { ExtractManifestOptions } from '../pipeline/feature-folder.js';
