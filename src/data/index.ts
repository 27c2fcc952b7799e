// The data layer's browser-safe surface, re-exported by the package root: manifest and split, clip
// preprocessing, progress, browser frame capture and the synthetic SentiGarment-like generator.
// Nothing reachable from here imports a node: module; the Node parts (ffmpeg video, the feature
// cache, manifest/landmark files, writing a dataset) are exported by src/node/index.ts.
export type { RgbVideo, LandmarkTrack } from './types.js';
export { framePoints } from './types.js';
export {
  LABELS,
  DEFAULT_THRESHOLDS,
  scoreToLabel,
  scoreToLabelName,
  labelCounts,
  parseManifest,
  formatManifest,
  splitBySubject,
} from './manifest.js';
export type {
  Gender,
  ManifestEntry,
  Label,
  LabelThresholds,
  SplitOptions,
  Split,
  SplitConstraint,
} from './manifest.js';
export {
  paperPartition,
  subjectFolds,
  carveValidation,
  parseSplitFile,
  formatSplitFile,
  DEFAULT_VALIDATION_FRACTION,
} from './subject-splits.js';
export type { SubjectPartition, SplitPlanOptions } from './subject-splits.js';
export {
  C3D_MEAN_RGB,
  C3D_PYTORCH_PREPROCESS,
  splitClips,
  cropResize,
  resizeRgb,
  faceBox,
  preprocessVideo,
} from './preprocess.js';
export { c3dPytorchFrame } from './c3d-pytorch-resize.js';
export type {
  ClipRemainder,
  SplitClipsOptions,
  Box,
  Normalization,
  PreprocessOptions,
  ClipBatch,
} from './preprocess.js';
export { createProgress, formatDuration } from './progress.js';
export type { Progress, ProgressOptions, ProgressStream } from './progress.js';
export { framesFromVideoElement, frameFromImageBitmap, pictureSize, rgbaToRgb } from './video-browser.js';
export type { VideoElementOptions, PictureSource } from './video-browser.js';
export { formatLandmarks, parseLandmarks } from './landmark-file.js';
export type { LandmarkFile } from './landmark-file.js';
export { generateDataset } from './synthetic/dataset.js';
export type { SyntheticOptions, SyntheticEntry, SyntheticVideo, SyntheticDataset } from './synthetic/dataset.js';
export { reactionMontage, tileImages, peakFrame } from './synthetic/montage.js';
