// The PLM-IPE models: C3D, the pixel and landmark estimators, the mutual-learning framework,
// the paper's baselines, presets, cached C3D features and checkpoints. The package root
// re-exports this file. Nothing here imports a backend or a node: module.
export { C3D, c3dGeometry, c3dPools, resolveC3DConfig, PAPER_C3D_CONFIG } from './c3d.js';
export type { C3DConfig, C3DOptions, C3DGeometry } from './c3d.js';
export { PixelEstimator, splitIntoClips, clipsFromVideos, countVideos } from './pixel-estimator.js';
export type { PixelInput, PixelEstimatorConfig, PixelEstimatorOptions } from './pixel-estimator.js';
export { LandmarkEstimator, PAPER_LANDMARK_CONFIG } from './landmark-estimator.js';
export type { DescriptorBatch, LandmarkEstimatorConfig } from './landmark-estimator.js';
export {
  predictionLoss,
  softKl,
  mutualKlTerm,
  fuseProbabilities,
  mixtureCrossEntropy,
  checkLabels,
} from './objectives.js';
export type { BatchReduction, KlDirection, KlScale } from './objectives.js';
export { checkBatch } from './method.js';
export type { PreferenceBatch, PreferenceMethod, MethodOptimizers, StepLosses, Branch } from './method.js';
export { PLMIPE } from './plm-ipe.js';
export type { PLMIPEConfig, PLMIPEOptions, HalfStepLosses, MutualStepLosses, MutualStepOptions } from './plm-ipe.js';
export { PixelOnly, LandmarkOnly, EarlyFusion, LateFusion } from './baselines.js';
export type { PixelOnlyConfig, LandmarkOnlyConfig, FusionConfig, FusionOptions } from './baselines.js';
export {
  PAPER_PRESET,
  CPU_PRESET,
  METHOD_NAMES,
  createOptimizers,
  createMethod,
  learningRateFactor,
  klRampFactor,
  optimizerList,
} from './presets.js';
export type { TrainingPreset, MethodName } from './presets.js';
export { extractClipFeatures } from './clip-features.js';
export type { ClipFeatureOptions, ExtractOptions } from './clip-features.js';
// Checkpoints from bytes or a URL; saveModel/loadModel by path are in src/node/index.ts.
export { modelFromBytes, fetchModel, loadC3DWeights, modelKind } from './checkpoint.js';
export type { ModelKind, SavableModel, ModelFile } from './checkpoint.js';
