// The prediction API's public surface (browser-safe, re-exported by the package root): Predictor,
// its loaders from bytes or URLs, the live session, and the run settings read from a report's
// config.json. Re-exports only.
export { Predictor, createPredictor, resampleIndices, resetProvider } from './predictor.js';
export type { Prediction, PredictOptions, PredictorOptions } from './predictor.js';
export { PredictionSession, toFrame } from './session.js';
export type { FrameInput, SessionOptions, SessionStep, TrialEnd, TrialResult } from './session.js';
export { loadPredictor, predictorFromBytes } from './load.js';
export type { CheckpointBytes, LoadPredictorOptions } from './load.js';
export { ModelRunner } from './model-runner.js';
export type { ModelRows, PredictFeatures, PredictionBranch } from './model-runner.js';
export { parseRunConfig, checkExtract, methodFolder } from './run-settings.js';
export type { RunSettings } from './run-settings.js';
export { planClips, clipsFromFrames } from './clip-plan.js';
export type { ClipPlan } from './clip-plan.js';
