// The data layer's public surface, re-exported by the package root: manifest and split, clip
// preprocessing, progress, the feature cache, video I/O (Node, lazy node: imports), browser frame
// capture and the synthetic SentiGarment-like generator. Nothing here imports node: modules eagerly.
export type { RgbVideo, LandmarkTrack } from './types.js';
export { framePoints } from './types.js';
export {
  LABELS, DEFAULT_THRESHOLDS, scoreToLabel, scoreToLabelName, labelCounts, parseManifest, formatManifest, readManifest, splitBySubject,
} from './manifest.js';
export type { Gender, ManifestEntry, Label, LabelThresholds, SplitOptions, Split, SplitConstraint } from './manifest.js';
export { paperPartition, subjectFolds, carveValidation, parseSplitFile, formatSplitFile, DEFAULT_VALIDATION_FRACTION } from './subject-splits.js';
export type { SubjectPartition, SplitPlanOptions } from './subject-splits.js';
export { C3D_MEAN_RGB, splitClips, cropResize, resizeRgb, faceBox, preprocessVideo } from './preprocess.js';
export type { ClipRemainder, SplitClipsOptions, Box, Normalization, PreprocessOptions, ClipBatch } from './preprocess.js';
export { createProgress, formatDuration } from './progress.js';
export type { Progress, ProgressOptions, ProgressStream } from './progress.js';
export { FeatureCache, cacheKey, hashBytes, hashFile, encodeArrays, decodeArrays, stableStringify } from './cache.js';
export type { CacheArray, CacheEntry, ShapedArray } from './cache.js';
export {
  ffmpegPath, hasFfmpeg, probeVideo, decodeVideo, readImage, readFrameFolder, loadVideo, encodeVideo, encodeVideos, encodePng, writePng,
  writeFrameFolder,
} from './video.js';
export type { VideoInfo, DecodeOptions, EncodeOptions } from './video.js';
export { framesFromVideoElement, frameFromImageBitmap, rgbaToRgb } from './video-browser.js';
export type { VideoElementOptions } from './video-browser.js';
export { formatLandmarks, parseLandmarks, readLandmarks } from './landmark-file.js';
export type { LandmarkFile } from './landmark-file.js';
export { generateDataset } from './synthetic/dataset.js';
export type { SyntheticOptions, SyntheticEntry, SyntheticVideo, SyntheticDataset } from './synthetic/dataset.js';
export { writeDataset } from './synthetic/write-dataset.js';
export type { WriteDatasetOptions, WrittenDataset } from './synthetic/write-dataset.js';
export { reactionMontage, tileImages, peakFrame } from './synthetic/montage.js';
