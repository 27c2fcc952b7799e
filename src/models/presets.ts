// Training presets (the paper's section 4.2 settings and a small CPU configuration), the
// optimizers they imply, and a factory for every method of Tables 1-2 by its row name, so a
// trainer can loop over methods. Imports only the optim API and the model classes.
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { C3DOptions } from './c3d.js';
import type { LandmarkEstimatorConfig } from './landmark-estimator.js';
import type { KlDirection, KlScale } from './objectives.js';
import type { MethodOptimizers, PreferenceMethod } from './method.js';
import { PLMIPE } from './plm-ipe.js';
import { EarlyFusion, LandmarkOnly, LateFusion, PixelOnly } from './baselines.js';

/** Everything a run needs besides data: architecture and optimisation settings. */
export interface TrainingPreset {
  /** C3D configuration of the pixel estimator. */
  c3d: C3DOptions;
  landmark: LandmarkEstimatorConfig;
  /** Adam learning rate of the pixel estimator (1e-4). */
  pixelLr: number;
  /** Adam betas of the pixel estimator (the paper does not say; PyTorch's default [0.9, 0.999]). */
  pixelBetas: [number, number];
  /** Adam learning rate of the landmark estimator (5e-3, fixed). */
  landmarkLr: number;
  /** Adam betas of the landmark estimator ([0.9, 0.999]). */
  landmarkBetas: [number, number];
  /** Videos per batch (32). */
  batchSize: number;
  /** Epochs of fine-tuning (500). */
  epochs: number;
  /** T (10). */
  temperature: number;
  /** λ of eq. 8 (0.3). */
  lambda: number;
  klDirection: KlDirection;
  klScale: KlScale;
  /** Train C3D's weights too (true: end to end as in the paper); false: only the pixel head, on cached features. */
  trainBackbone: boolean;
  /**
   * Learning rate over the epochs: `'constant'` (the paper's, default) or `'cosine'` (from the preset's
   * rate down towards 0 at the last epoch, so the final weights settle instead of ending wherever the
   * last noisy step left them; see {@link learningRateFactor}).
   */
  lrSchedule?: 'constant' | 'cosine';
  /** Mirror training clips left-right at random (C3D's augmentation; see makeBatch). Default false. */
  pixelFlip?: boolean;
  /**
   * Weights of the cross-entropy terms: `'none'` (the paper's, and what an absent value means) or
   * `'balanced'` (each training video weighted N / (C n_class) from the training part's class counts,
   * for every method alike; see balancedClassWeights). The KL terms are never weighted. The paper
   * preset leaves it out; the demo's small preset (SMALL_TRAINING) sets `'balanced'`, which stops a
   * weak branch from collapsing onto the training part's majority class.
   */
  classBalance?: 'none' | 'balanced';
  /**
   * Epochs over which the mutual KL terms ramp up linearly from 0 (epoch 1) to full weight (epoch
   * `klRampEpochs + 1`), as deep mutual learning implementations often do; 0 or absent: full weight
   * from the start (the paper's, and the paper preset's). The demo's small preset (SMALL_TRAINING)
   * sets 4. See {@link klRampFactor}.
   */
  klRampEpochs?: number;
}

/**
 * The factor on the KL terms in epoch `epoch` (1-based): `min(1, (epoch - 1) / klRampEpochs)`, 1 without a ramp.
 * @example
 * klRampFactor(4, 3); // 0.5
 */
export function klRampFactor(klRampEpochs: number | undefined, epoch: number): number {
  const n = klRampEpochs ?? 0;
  if (!(Number.isInteger(n) && n >= 0))
    throw new Error(`klRampEpochs must be an integer >= 0, got ${JSON.stringify(klRampEpochs)}`);
  return n === 0 ? 1 : Math.min(1, (epoch - 1) / n);
}

/**
 * The factor the preset's learning rates are multiplied by in epoch `epoch` (1-based) of `epochs`:
 * 1 for `'constant'`; `(1 + cos(pi (epoch - 1) / epochs)) / 2` for `'cosine'` (1 in the first epoch).
 * @example
 * learningRateFactor('cosine', 10, 10); // 0.0245
 */
export function learningRateFactor(schedule: TrainingPreset['lrSchedule'], epoch: number, epochs: number): number {
  const s = schedule ?? 'constant';
  if (s === 'constant') return 1;
  if (s === 'cosine') return (1 + Math.cos((Math.PI * (epoch - 1)) / epochs)) / 2;
  throw new Error(`lrSchedule must be 'constant' or 'cosine', got ${JSON.stringify(schedule)}`);
}

/** Section 4.2: C3D at 16 x 112 x 112, Adam 1e-4 (pixel) and 5e-3 with betas (0.9, 0.999) (landmark), batch 32, 500 epochs, T = 10, λ = 0.3. */
export const PAPER_PRESET: Readonly<TrainingPreset> = Object.freeze({
  c3d: { width: 1, clipLength: 16, inputSize: 112, temporalPools: 4, dropout: 0.5 },
  landmark: { inputSize: 72, hiddenSize: 256, numClasses: 3 },
  pixelLr: 1e-4,
  pixelBetas: [0.9, 0.999] as [number, number],
  landmarkLr: 5e-3,
  landmarkBetas: [0.9, 0.999] as [number, number],
  batchSize: 32,
  epochs: 500,
  temperature: 10,
  lambda: 0.3,
  klDirection: 'paper' as const,
  klScale: 'T^2' as const,
  trainBackbone: true,
});

/**
 * A configuration that trains in minutes on a laptop CPU: C3D at 1/8 width on 8-frame 32x32
 * clips (512-d features), frozen (features cached once with extractClipFeatures), 30 epochs;
 * the landmark estimator and all mutual-learning settings as in the paper.
 */
export const CPU_PRESET: Readonly<TrainingPreset> = Object.freeze({
  ...PAPER_PRESET,
  c3d: { width: 1 / 8, clipLength: 8, inputSize: 32, temporalPools: 3, dropout: 0.5 },
  pixelLr: 1e-3,
  epochs: 30,
  trainBackbone: false,
});

/**
 * Adam optimizers for a method, from a preset: the pixel estimator's (only its head when
 * `trainBackbone` is false) and the landmark estimator's, each holding only its own parameters.
 * @example
 * const model = new PLMIPE();
 * const opts = createOptimizers(model, PAPER_PRESET);
 * model.mutualStep(batch, { pixelOptimizer: opts.pixel!, landmarkOptimizer: opts.landmark! });
 */
export function createOptimizers(
  method: PreferenceMethod,
  preset: Readonly<TrainingPreset> = PAPER_PRESET,
): MethodOptimizers {
  const out: MethodOptimizers = {};
  if (method.pixelEstimator) {
    const params = preset.trainBackbone ? method.pixelEstimator.parameters() : method.pixelEstimator.fc.parameters();
    out.pixel = new Adam(params, { lr: preset.pixelLr, betas: [...preset.pixelBetas] });
  }
  if (method.landmarkEstimator) {
    out.landmark = new Adam(method.landmarkEstimator.parameters(), {
      lr: preset.landmarkLr,
      betas: [...preset.landmarkBetas],
    });
  }
  return out;
}

/** The row names of Tables 1 and 2 that this library implements. */
export const METHOD_NAMES = ['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE', 'PBE-w/-Mut', 'LBE-w/-Mut'] as const;
/** The name of one of the paper's methods (Table 1 rows). */
export type MethodName = (typeof METHOD_NAMES)[number];

/**
 * Builds the method of a table row with a preset's architecture and settings.
 * @example
 * const methods = METHOD_NAMES.map((name) => createMethod(name, CPU_PRESET));
 */
export function createMethod(name: MethodName, preset: Readonly<TrainingPreset> = PAPER_PRESET): PreferenceMethod {
  const pixel = { c3d: preset.c3d };
  const landmark = preset.landmark;
  const weights: [number, number] = [preset.lambda, 1 - preset.lambda];
  const mutual = {
    pixel,
    landmark,
    lambda: preset.lambda,
    temperature: preset.temperature,
    klDirection: preset.klDirection,
    klScale: preset.klScale,
  };
  switch (name) {
    case 'PBE':
      return new PixelOnly({ pixel });
    case 'LBE':
      return new LandmarkOnly({ landmark });
    case 'EarlyFusion':
      return new EarlyFusion({ pixel, landmark, weights });
    case 'LateFusion':
      return new LateFusion({ pixel, landmark, weights });
    case 'PLM-IPE':
      return new PLMIPE({ ...mutual, output: 'fused' });
    case 'PBE-w/-Mut':
      return new PLMIPE({ ...mutual, output: 'pixel' });
    case 'LBE-w/-Mut':
      return new PLMIPE({ ...mutual, output: 'landmark' });
    default:
      throw new Error(`createMethod: unknown method '${String(name)}'; known: ${METHOD_NAMES.join(', ')}`);
  }
}

/** Every optimizer of a method, for loops that step or save them all. */
export function optimizerList(optimizers: MethodOptimizers): Optimizer[] {
  return [optimizers.pixel, optimizers.landmark].filter((o): o is Optimizer => o !== undefined);
}
