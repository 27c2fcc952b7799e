// What every preference estimation method shares: the two-view batch type, the optimizer pair,
// the small interface a trainer loops over (trainStep / predictProba), batch validation, and
// the guard that turns a NaN or infinite loss into an Error naming the step and the term.
// Imports only the tensor, layers and optim API, never a backend.
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../layers/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { PixelEstimator, PixelInput } from './pixel-estimator.js';
import type { LandmarkEstimator, DescriptorBatch } from './landmark-estimator.js';
import { checkLabels } from './objectives.js';
import { argmaxRows } from '../eval/metrics.js';

/**
 * One batch of N videos seen through both views, and their labels (class indices: the trainer
 * decides which index means positive, neutral, negative; needed for training only).
 * @example
 * const batch: PreferenceBatch = {
 *   pixel: { features: cached, videoIndex: [0, 0, 1] },
 *   landmark: { descriptors: randn([2, 40, 72]), lengths: [40, 22] },
 *   labels: [2, 0],
 * };
 */
export interface PreferenceBatch {
  pixel: PixelInput;
  landmark: DescriptorBatch;
  labels?: readonly number[];
  /**
   * Per-video weights of the cross-entropy terms (training only; default all 1). Class-balanced
   * training sets N / (C n_y) per video (see balancedClassWeights), so every class carries the same
   * total weight and a branch gains nothing from predicting the majority class of its training subjects.
   */
  weights?: readonly number[];
}

/** The optimizers of a method: one per estimator it trains (PBE needs only `pixel`, LBE only `landmark`). */
export interface MethodOptimizers {
  pixel?: Optimizer;
  landmark?: Optimizer;
}

/** Loss values of one training step by name (`'landmark.ce'`, `'pixel.kl'`, `'loss'`, ...). */
export type StepLosses = Record<string, number>;

/** Which distribution a method reports. */
export type Branch = 'fused' | 'pixel' | 'landmark';

/**
 * The interface a trainer loops over. Every method of Table 1 and 2 implements it.
 * @example
 * for (const method of [new PixelOnly(cfg), new PLMIPE(cfg)]) {
 *   const opts = createOptimizers(method, CPU_PRESET);
 *   for (const batch of batches) method.trainStep(batch, opts);
 *   const probs = method.predictProba(testBatch); // [N, 3]
 * }
 */
export interface PreferenceMethod extends Module {
  /** The row name in the paper's tables ('PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE', 'PBE-w/-Mut', 'LBE-w/-Mut'). */
  readonly methodName: string;
  /** The estimators it holds (null where the method has none of that view). */
  readonly pixelEstimator: PixelEstimator | null;
  readonly landmarkEstimator: LandmarkEstimator | null;
  /** One optimisation step on a labelled batch; returns every loss term as numbers. */
  trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses;
  /** Class probabilities `[N, numClasses]`, computed in eval mode without gradients. */
  predictProba(batch: PreferenceBatch): Tensor;
  /** The most likely class of each video. */
  predict(batch: PreferenceBatch): number[];
}

/** Checks per-video loss weights: an array of n finite numbers >= 0. */
function checkWeights(weights: readonly number[], n: number, op: string): number[] {
  if (!Array.isArray(weights))
    throw new Error(`${op}: batch.weights must be an array of ${n} numbers, got ${typeof weights}`);
  if (weights.length !== n) throw new Error(`${op}: batch has ${weights.length} weights but ${n} videos`);
  weights.forEach((w, i) => {
    if (!(Number.isFinite(w) && w >= 0)) throw new Error(`${op}: weights[${i}] must be a finite number >= 0, got ${w}`);
  });
  return [...weights];
}

/**
 * Checks the views of a batch agree on the number of videos (and the labels, when `needLabels`);
 * returns N, the labels and the loss weights (when the batch has them and labels are needed).
 */
export function checkBatch(
  batch: PreferenceBatch,
  views: { pixel: PixelEstimator | null; landmark: LandmarkEstimator | null },
  op: string,
  needLabels: boolean,
): { n: number; labels: number[]; weights?: number[] } {
  if (batch === null || typeof batch !== 'object') throw new Error(`${op}: batch must be { pixel, landmark, labels }`);
  let n = -1;
  let pixelN = -1;
  if (views.pixel) {
    if (!batch.pixel) throw new Error(`${op}: batch.pixel is missing (this method uses the pixel view)`);
    n = pixelN = views.pixel.batchSize(batch.pixel);
  }
  if (views.landmark) {
    if (!batch.landmark) throw new Error(`${op}: batch.landmark is missing (this method uses the landmark view)`);
    const landmarkN = views.landmark.batchSize(batch.landmark);
    if (pixelN >= 0 && landmarkN !== pixelN) {
      throw new Error(
        `${op}: the views disagree: batch.pixel has ${pixelN} videos but batch.landmark has ${landmarkN} sequences`,
      );
    }
    n = landmarkN;
  }
  const numClasses = (views.pixel ?? views.landmark)!.config.numClasses;
  const labels = needLabels ? checkLabels(batch.labels, n, numClasses, op) : [];
  if (!needLabels || batch.weights === undefined) return { n, labels };
  return { n, labels, weights: checkWeights(batch.weights, n, op) };
}

/** Throws `<op>: <half> <term> term is NaN at step <step>` unless `value` is finite. */
export function checkLoss(op: string, half: string, term: string, value: number, step: number): number {
  if (!Number.isFinite(value)) {
    throw new Error(
      `${op}: ${half} ${term} term is ${value} at step ${step}; training diverged (lower the learning rate) or the input holds NaN/Inf`,
    );
  }
  return value;
}

/** Checks that an optimizer only holds parameters of `owner`, so a half-step cannot move the peer. */
export function checkOptimizerOwns(
  op: string,
  name: string,
  optimizer: Optimizer | undefined,
  owner: Module,
  ownerName: string,
): Optimizer {
  if (!optimizer || !Array.isArray(optimizer.params)) throw new Error(`${op}: optimizers.${name} is required`);
  const own = new Set(owner.parameters());
  const stray = optimizer.params.findIndex((p) => !own.has(p));
  if (stray >= 0) {
    throw new Error(
      `${op}: optimizers.${name} holds a parameter (index ${stray}) that is not the ${ownerName}'s; build it from ${ownerName}.parameters()`,
    );
  }
  return optimizer;
}

/** Runs `fn` with `module` in eval mode, restoring its previous mode after. */
export function inEvalMode<T>(module: Module, fn: () => T): T {
  const was = module.training;
  module.eval();
  try {
    return fn();
  } finally {
    module.train(was);
  }
}

/** Arg-max of each row of a `[N, C]` tensor. */
export function argMaxRows(probs: Tensor): number[] {
  return argmaxRows(probs.dataSync(), probs.shape[1]);
}
