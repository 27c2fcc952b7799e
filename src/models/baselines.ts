// The paper's baselines (section 4.3, Tables 1-2) behind the same PreferenceMethod interface as
// PLM-IPE: PBE alone, LBE alone, EarlyFusion (joint training on the CE of a probability mixture)
// and LateFusion (separately trained estimators, weighted sum). The Table 2 ablation rows are
// PLMIPE with `output: 'pixel' | 'landmark'`. Imports only the tensor, layers and optim API.
import { noGrad, tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from '../layers/module.js';
import { PixelEstimator, type PixelEstimatorConfig, type PixelEstimatorOptions } from './pixel-estimator.js';
import { LandmarkEstimator, type LandmarkEstimatorConfig } from './landmark-estimator.js';
import { fuseProbabilities, mixtureCrossEntropy, predictionLoss, type BatchReduction } from './objectives.js';
import {
  argMaxRows,
  checkBatch,
  checkLoss,
  checkOptimizerOwns,
  inEvalMode,
  type MethodOptimizers,
  type PreferenceBatch,
  type PreferenceMethod,
  type StepLosses,
} from './method.js';

function checkReduction(op: string, r: BatchReduction): BatchReduction {
  if (r !== 'mean' && r !== 'sum') throw new Error(`${op}: reduction must be 'mean' or 'sum', got '${r}'`);
  return r;
}

/** Checks mixture weights [β1 (landmark), β2 (pixel)]: non-negative and summing to 1, so the mixture is a distribution. */
function checkWeights(op: string, w: readonly [number, number]): [number, number] {
  if (!Array.isArray(w) || w.length !== 2 || w.some((v) => !(v >= 0 && v <= 1)) || Math.abs(w[0] + w[1] - 1) > 1e-6) {
    throw new Error(`${op}: weights must be [landmark, pixel], each in [0, 1], summing to 1; got ${JSON.stringify(w)}`);
  }
  return [w[0], w[1]];
}

/** A one-estimator method's step: CE (eq. 5) on its own logits, with the NaN guard. */
function singleStep(
  op: string,
  half: string,
  step: number,
  logits: () => Tensor,
  labels: number[],
  optimizer: NonNullable<MethodOptimizers['pixel']>,
  reduction: BatchReduction,
  weights?: readonly number[],
): number {
  return tidy(() => {
    const ce = predictionLoss(logits(), labels, reduction, weights);
    const value = checkLoss(op, half, 'CE', ce.item(), step);
    optimizer.zeroGrad();
    ce.backward();
    optimizer.step();
    return value;
  });
}

/** Configuration of {@link PixelOnly}. */
export interface PixelOnlyConfig {
  pixel: PixelEstimatorConfig;
  reduction: BatchReduction;
}

/**
 * PBE: the pixel estimator alone, trained on L^P_pdt (eq. 5). Keys `pixel.*`, as in PLMIPE.
 * @example
 * const pbe = new PixelOnly({ pixel: { c3d: CPU_PRESET.c3d } });
 * pbe.trainStep(batch, createOptimizers(pbe, CPU_PRESET));
 */
export class PixelOnly extends Module implements PreferenceMethod {
  readonly methodName = 'PBE';
  readonly config: Readonly<PixelOnlyConfig>;
  readonly pixelEstimator: PixelEstimator;
  readonly landmarkEstimator = null;
  stepCount = 0;

  constructor(options: { pixel?: PixelEstimatorOptions; reduction?: BatchReduction } = {}) {
    super();
    this.pixelEstimator = this.registerModule('pixel', new PixelEstimator(options.pixel));
    this.config = Object.freeze({
      pixel: this.pixelEstimator.config,
      reduction: checkReduction('PixelOnly', options.reduction ?? 'mean'),
    });
  }

  /** The same as `predictProba`, so the method is a Module like any layer. */
  forward(batch: PreferenceBatch): Tensor {
    return this.predictProba(batch);
  }

  trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses {
    const op = 'PixelOnly.trainStep';
    const opt = checkOptimizerOwns(op, 'pixel', optimizers?.pixel, this.pixelEstimator, 'pixelEstimator');
    const { labels, weights } = checkBatch(batch, { pixel: this.pixelEstimator, landmark: null }, op, true);
    const ce = singleStep(
      op,
      'pixel',
      ++this.stepCount,
      () => this.pixelEstimator.forward(batch.pixel),
      labels,
      opt,
      this.config.reduction,
      weights,
    );
    return { loss: ce, 'pixel.ce': ce };
  }

  predictProba(batch: PreferenceBatch): Tensor {
    checkBatch(batch, { pixel: this.pixelEstimator, landmark: null }, 'PixelOnly.predict', false);
    return inEvalMode(this, () => noGrad(() => this.pixelEstimator.predictProba(batch.pixel)));
  }

  predict(batch: PreferenceBatch): number[] {
    return predictWith(this, batch);
  }
}

/** Configuration of {@link LandmarkOnly}. */
export interface LandmarkOnlyConfig {
  landmark: LandmarkEstimatorConfig;
  reduction: BatchReduction;
}

/** LBE: the landmark estimator alone, trained on L^L_pdt (eq. 5). Keys `landmark.*`, as in PLMIPE. */
export class LandmarkOnly extends Module implements PreferenceMethod {
  readonly methodName = 'LBE';
  readonly config: Readonly<LandmarkOnlyConfig>;
  readonly pixelEstimator = null;
  readonly landmarkEstimator: LandmarkEstimator;
  stepCount = 0;

  constructor(options: { landmark?: Partial<LandmarkEstimatorConfig>; reduction?: BatchReduction } = {}) {
    super();
    this.landmarkEstimator = this.registerModule('landmark', new LandmarkEstimator(options.landmark));
    this.config = Object.freeze({
      landmark: this.landmarkEstimator.config,
      reduction: checkReduction('LandmarkOnly', options.reduction ?? 'mean'),
    });
  }

  /** The same as `predictProba`, so the method is a Module like any layer. */
  forward(batch: PreferenceBatch): Tensor {
    return this.predictProba(batch);
  }

  trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses {
    const op = 'LandmarkOnly.trainStep';
    const opt = checkOptimizerOwns(op, 'landmark', optimizers?.landmark, this.landmarkEstimator, 'landmarkEstimator');
    const { labels, weights } = checkBatch(batch, { pixel: null, landmark: this.landmarkEstimator }, op, true);
    const ce = singleStep(
      op,
      'landmark',
      ++this.stepCount,
      () => this.landmarkEstimator.forward(batch.landmark),
      labels,
      opt,
      this.config.reduction,
      weights,
    );
    return { loss: ce, 'landmark.ce': ce };
  }

  predictProba(batch: PreferenceBatch): Tensor {
    checkBatch(batch, { pixel: null, landmark: this.landmarkEstimator }, 'LandmarkOnly.predict', false);
    return inEvalMode(this, () => noGrad(() => this.landmarkEstimator.predictProba(batch.landmark)));
  }

  predict(batch: PreferenceBatch): number[] {
    return predictWith(this, batch);
  }
}

/** Configuration shared by the two fusion baselines. */
export interface FusionConfig {
  pixel: PixelEstimatorConfig;
  landmark: LandmarkEstimatorConfig;
  /** `[β1, β2]`: weights of ŷL and ŷP in the fused distribution (default [0.3, 0.7], PLM-IPE's λ, so the methods differ only in training). */
  weights: [number, number];
  reduction: BatchReduction;
}

/** Constructor options of the fusion baselines. */
export interface FusionOptions {
  pixel?: PixelEstimatorOptions;
  landmark?: Partial<LandmarkEstimatorConfig>;
  weights?: [number, number];
  reduction?: BatchReduction;
}

abstract class TwoViewBaseline extends Module implements PreferenceMethod {
  abstract readonly methodName: string;
  readonly config: Readonly<FusionConfig>;
  readonly pixelEstimator: PixelEstimator;
  readonly landmarkEstimator: LandmarkEstimator;
  stepCount = 0;

  constructor(op: string, options: FusionOptions) {
    super();
    // Options first: a bad weight should not cost a 312 MB allocation.
    const weights = checkWeights(op, options.weights ?? [0.3, 0.7]);
    const reduction = checkReduction(op, options.reduction ?? 'mean');
    this.pixelEstimator = this.registerModule('pixel', new PixelEstimator(options.pixel));
    this.landmarkEstimator = this.registerModule('landmark', new LandmarkEstimator(options.landmark));
    this.config = Object.freeze({
      pixel: this.pixelEstimator.config,
      landmark: this.landmarkEstimator.config,
      weights,
      reduction,
    });
  }

  abstract trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses;

  forward(batch: PreferenceBatch): Tensor {
    return this.predictProba(batch);
  }

  /** β1 ŷL + β2 ŷP, in eval mode without gradients. */
  predictProba(batch: PreferenceBatch): Tensor {
    checkBatch(
      batch,
      { pixel: this.pixelEstimator, landmark: this.landmarkEstimator },
      `${this.methodName}.predict`,
      false,
    );
    const [wL, wP] = this.config.weights;
    return inEvalMode(this, () =>
      noGrad(() =>
        tidy(() =>
          fuseProbabilities(
            this.landmarkEstimator.forward(batch.landmark),
            this.pixelEstimator.forward(batch.pixel),
            wL,
            wP,
          ),
        ),
      ),
    );
  }

  predict(batch: PreferenceBatch): number[] {
    return predictWith(this, batch);
  }
}

/**
 * EarlyFusion: both estimators trained jointly on the cross-entropy of ŷ = β1 ŷL + β2 ŷP, i.e.
 * loss = -log(β1 ŷL + β2 ŷP)[y]; ŷ is also the prediction. Both optimizers step on the one loss.
 */
export class EarlyFusion extends TwoViewBaseline {
  readonly methodName = 'EarlyFusion';

  constructor(options: FusionOptions = {}) {
    super('EarlyFusion', options);
  }

  /** One optimisation step on a batch; returns the losses. */
  trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses {
    const op = 'EarlyFusion.trainStep';
    const pOpt = checkOptimizerOwns(op, 'pixel', optimizers?.pixel, this.pixelEstimator, 'pixelEstimator');
    const lOpt = checkOptimizerOwns(op, 'landmark', optimizers?.landmark, this.landmarkEstimator, 'landmarkEstimator');
    const { labels, weights } = checkBatch(
      batch,
      { pixel: this.pixelEstimator, landmark: this.landmarkEstimator },
      op,
      true,
    );
    const step = ++this.stepCount;
    const ce = tidy(() => {
      const loss = mixtureCrossEntropy(
        this.landmarkEstimator.forward(batch.landmark),
        this.pixelEstimator.forward(batch.pixel),
        labels,
        this.config.weights,
        this.config.reduction,
        weights,
      );
      const value = checkLoss(op, 'fused', 'CE', loss.item(), step);
      pOpt.zeroGrad();
      lOpt.zeroGrad();
      loss.backward();
      pOpt.step();
      lOpt.step();
      return value;
    });
    return { loss: ce, 'fused.ce': ce };
  }
}

/**
 * LateFusion: each estimator trained on its own CE (one step of each per call: they never
 * interact, which is training them separately), predictions fused as β1 ŷL + β2 ŷP.
 */
export class LateFusion extends TwoViewBaseline {
  readonly methodName = 'LateFusion';

  constructor(options: FusionOptions = {}) {
    super('LateFusion', options);
  }

  /** One optimisation step on a batch; returns the losses. */
  trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses {
    const op = 'LateFusion.trainStep';
    const pOpt = checkOptimizerOwns(op, 'pixel', optimizers?.pixel, this.pixelEstimator, 'pixelEstimator');
    const lOpt = checkOptimizerOwns(op, 'landmark', optimizers?.landmark, this.landmarkEstimator, 'landmarkEstimator');
    const { labels, weights } = checkBatch(
      batch,
      { pixel: this.pixelEstimator, landmark: this.landmarkEstimator },
      op,
      true,
    );
    const step = ++this.stepCount;
    const landmark = singleStep(
      op,
      'landmark',
      step,
      () => this.landmarkEstimator.forward(batch.landmark),
      labels,
      lOpt,
      this.config.reduction,
      weights,
    );
    const pixel = singleStep(
      op,
      'pixel',
      step,
      () => this.pixelEstimator.forward(batch.pixel),
      labels,
      pOpt,
      this.config.reduction,
      weights,
    );
    return { loss: landmark + pixel, 'landmark.ce': landmark, 'pixel.ce': pixel };
  }
}

function predictWith(method: PreferenceMethod, batch: PreferenceBatch): number[] {
  const p = method.predictProba(batch);
  const out = argMaxRows(p);
  p.dispose();
  return out;
}
