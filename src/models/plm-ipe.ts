// PLM-IPE (section 3.4): a pixel and a landmark estimator trained by alternating mutual learning
// (eq. 5-7) and fused at prediction time (eq. 8). Owns the mutual step, its loss bookkeeping and
// the fused / per-branch predictions (the Table 2 ablation). Imports only the tensor, layers,
// losses and optim API, never a backend.
import { noGrad, tidy } from '../tensor/engine.js';
import { softmax } from '../tensor/ops/softmax.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from '../layers/module.js';
import { PixelEstimator, type PixelEstimatorConfig, type PixelEstimatorOptions } from './pixel-estimator.js';
import { LandmarkEstimator, type LandmarkEstimatorConfig } from './landmark-estimator.js';
import {
  fuseProbabilities,
  mutualKlTerm,
  predictionLoss,
  type BatchReduction,
  type KlDirection,
  type KlScale,
} from './objectives.js';
import {
  argMaxRows,
  checkBatch,
  checkLoss,
  checkOptimizerOwns,
  inEvalMode,
  type Branch,
  type MethodOptimizers,
  type PreferenceBatch,
  type PreferenceMethod,
  type StepLosses,
} from './method.js';

/** The configuration of a {@link PLMIPE} model. */
export interface PLMIPEConfig {
  pixel: PixelEstimatorConfig;
  landmark: LandmarkEstimatorConfig;
  /** λ of eq. 8: the landmark estimator's weight in the fused prediction (0.3). */
  lambda: number;
  /** Temperature T softening both distributions in the KL terms (10). */
  temperature: number;
  /** Which KL each estimator adds (see {@link KlDirection}; default 'paper'). */
  klDirection: KlDirection;
  /** T^2 (default, Hinton et al.) or 1 (as printed); see {@link KlScale}. */
  klScale: KlScale;
  /** Batch reduction of eq. 5-6: 'mean' (default) or 'sum' (as printed). */
  reduction: BatchReduction;
  /** What `predictProba` reports: 'fused' (eq. 8, default), or one branch after mutual training (PBE-w/-Mut, LBE-w/-Mut). */
  output: Branch;
}

/** Constructor options: paper defaults for everything left out. */
export type PLMIPEOptions = Partial<Omit<PLMIPEConfig, 'pixel' | 'landmark'>> & {
  pixel?: PixelEstimatorOptions;
  landmark?: Partial<LandmarkEstimatorConfig>;
};

/** Loss terms of one half-step. (A type alias, not an interface, so `tidy` can return it.) */
export type HalfStepLosses = {
  /** Eq. 5 cross-entropy. */
  ce: number;
  /** Eq. 6 KL divergence, unscaled. */
  kl: number;
  /** Eq. 7: ce + scale * kl (times {@link PLMIPE.klWeight}), the value back-propagated. */
  total: number;
};

/** Loss terms of one mutual step. */
export type MutualStepLosses = {
  landmark: HalfStepLosses;
  pixel: HalfStepLosses;
};

/** Options of {@link PLMIPE.mutualStep}. */
export interface MutualStepOptions {
  /**
   * Called after each half-step's update (for logging, or tests that snapshot parameters). It
   * runs inside the step's `tidy`: tensors it makes are freed when the step ends unless kept.
   */
  onHalfStep?: (half: 'landmark' | 'pixel', losses: HalfStepLosses) => void;
}

/** Eq. 7's loss tensors of one half-step. */
type HalfStepTerms = { ce: Tensor; kl: Tensor; total: Tensor };
/** What a half-step needs of an optimizer. */
type StepOptimizer = { zeroGrad(): void; step(): void };

/** A half-step's three loss values, each checked finite (the error names the term). */
function checkHalfStep(
  op: string,
  branch: 'landmark' | 'pixel',
  step: number,
  ce: number,
  kl: number,
  total: number,
): HalfStepLosses {
  return {
    ce: checkLoss(op, branch, 'CE', ce, step),
    kl: checkLoss(op, branch, 'KL', kl, step),
    total: checkLoss(op, branch, 'total', total, step),
  };
}

function checkOptions(c: Omit<PLMIPEConfig, 'pixel' | 'landmark'>): void {
  if (!(c.lambda >= 0 && c.lambda <= 1)) throw new Error(`PLMIPE: lambda must be in [0, 1], got ${c.lambda}`);
  if (!(c.temperature > 0 && Number.isFinite(c.temperature)))
    throw new Error(`PLMIPE: temperature must be a positive number, got ${c.temperature}`);
  if (c.klDirection !== 'paper' && c.klDirection !== 'dml')
    throw new Error(`PLMIPE: klDirection must be 'paper' or 'dml', got '${c.klDirection}'`);
  if (c.klScale !== 'T^2' && c.klScale !== 1) throw new Error(`PLMIPE: klScale must be 'T^2' or 1, got '${c.klScale}'`);
  if (c.reduction !== 'mean' && c.reduction !== 'sum')
    throw new Error(`PLMIPE: reduction must be 'mean' or 'sum', got '${c.reduction}'`);
  if (!['fused', 'pixel', 'landmark'].includes(c.output))
    throw new Error(`PLMIPE: output must be 'fused', 'pixel' or 'landmark', got '${c.output}'`);
}

/**
 * The PLM-IPE framework. State-dict keys are `pixel.*` (the {@link PixelEstimator}) and
 * `landmark.*` (the {@link LandmarkEstimator}).
 * @example
 * const model = new PLMIPE({ pixel: { c3d: CPU_PRESET.c3d } });
 * const { pixel, landmark } = createOptimizers(model, CPU_PRESET);
 * const losses = model.mutualStep(batch, { pixelOptimizer: pixel!, landmarkOptimizer: landmark! });
 * const probs = model.predictProba(testBatch); // eq. 8: 0.3 ŷL + 0.7 ŷP
 */
export class PLMIPE extends Module implements PreferenceMethod {
  readonly config: Readonly<PLMIPEConfig>;
  readonly pixelEstimator: PixelEstimator;
  readonly landmarkEstimator: LandmarkEstimator;
  /** Mutual steps taken (for error messages). */
  stepCount = 0;
  /**
   * Factor on both KL terms of eq. 7 (1: the paper's loss). A trainer ramps it up from 0 over the
   * first epochs (TrainingPreset.klRampEpochs) so that each branch first learns from its own labels.
   */
  klWeight = 1;

  constructor(options: PLMIPEOptions = {}) {
    super();
    const settings = {
      lambda: options.lambda ?? 0.3,
      temperature: options.temperature ?? 10,
      klDirection: options.klDirection ?? 'paper',
      klScale: options.klScale ?? 'T^2',
      reduction: options.reduction ?? 'mean',
      output: options.output ?? 'fused',
    };
    checkOptions(settings); // before allocating estimators (the paper's PBE is 312 MB)
    this.pixelEstimator = this.registerModule('pixel', new PixelEstimator(options.pixel));
    this.landmarkEstimator = this.registerModule('landmark', new LandmarkEstimator(options.landmark));
    const config: PLMIPEConfig = {
      pixel: this.pixelEstimator.config,
      landmark: this.landmarkEstimator.config,
      ...settings,
    };
    if (config.pixel.numClasses !== config.landmark.numClasses) {
      throw new Error(
        `PLMIPE: the estimators disagree on numClasses (pixel ${config.pixel.numClasses}, landmark ${config.landmark.numClasses})`,
      );
    }
    this.config = Object.freeze(config);
  }

  get methodName(): string {
    return { fused: 'PLM-IPE', pixel: 'PBE-w/-Mut', landmark: 'LBE-w/-Mut' }[this.config.output];
  }

  /** The same as `predictProba`, so the method is a Module like any layer. */
  forward(batch: PreferenceBatch): Tensor {
    return this.predictProba(batch);
  }

  /**
   * One alternating mutual-learning update (section 3.4, DML's algorithm): first the landmark
   * estimator on L^L = CE + KL (eq. 7) against the pixel estimator's current prediction, then
   * the pixel estimator on L^P against the *updated* landmark estimator's prediction. Each half
   * back-propagates only into its own estimator (the peer's logits are detached) and steps only
   * its own optimizer, which must hold only that estimator's parameters. The pixel forward is
   * shared by both halves (pixel parameters do not change in between), so C3D runs once.
   * Throws, naming the step and the term, if a loss is NaN or infinite (before any update of that half).
   */
  mutualStep(
    batch: PreferenceBatch,
    optimizers: { pixelOptimizer: MethodOptimizers['pixel']; landmarkOptimizer: MethodOptimizers['landmark'] },
    options: MutualStepOptions = {},
  ): MutualStepLosses {
    const { op, labels, weights, step, pixelOpt, landmarkOpt } = this.startStep('mutualStep', batch, optimizers);
    return tidy(() => {
      const pixelLogits = this.pixelEstimator.forward(batch.pixel);

      // One half of eq. 7: the branch's CE plus the KL toward its (detached) peer, then its own update.
      const halfStep = (
        branch: 'landmark' | 'pixel',
        own: () => Tensor,
        peer: () => Tensor,
        opt: StepOptimizer,
      ): HalfStepLosses =>
        tidy(() => {
          const t = this.halfStepTerms(own(), peer(), labels, weights);
          const losses = checkHalfStep(op, branch, step, t.ce.item(), t.kl.item(), t.total.item());
          opt.zeroGrad();
          t.total.backward();
          opt.step();
          return losses;
        });

      const landmark = halfStep(
        'landmark',
        () => this.landmarkEstimator.forward(batch.landmark),
        () => pixelLogits,
        landmarkOpt,
      );
      options.onHalfStep?.('landmark', landmark);
      // The peer is the landmark estimator as just updated (DML's order).
      const pixel = halfStep(
        'pixel',
        () => pixelLogits,
        () => noGrad(() => this.landmarkEstimator.forward(batch.landmark)),
        pixelOpt,
      );
      options.onHalfStep?.('pixel', pixel);
      return { landmark, pixel };
    });
  }

  /**
   * {@link mutualStep} for backends that cannot read back synchronously (the gpu backend on
   * WebGPU, where `item()` throws): the same two half-steps, in the same order, with the same
   * non-finite check before each update, but the losses are read with `await data()`. Works on
   * every backend; on the others it only adds two waits per step. `onHalfStep` runs outside any
   * `tidy` here.
   * @example
   * const losses = await model.mutualStepAsync(batch, { pixelOptimizer, landmarkOptimizer });
   */
  async mutualStepAsync(
    batch: PreferenceBatch,
    optimizers: { pixelOptimizer: MethodOptimizers['pixel']; landmarkOptimizer: MethodOptimizers['landmark'] },
    options: MutualStepOptions = {},
  ): Promise<MutualStepLosses> {
    const { op, labels, weights, step, pixelOpt, landmarkOpt } = this.startStep('mutualStepAsync', batch, optimizers);
    const halfStep = async (
      branch: 'landmark' | 'pixel',
      terms: () => HalfStepTerms,
      opt: StepOptimizer,
    ): Promise<HalfStepLosses> => {
      const t = tidy(terms);
      try {
        const [ce, kl, total] = await Promise.all([t.ce.data(), t.kl.data(), t.total.data()]);
        const losses = checkHalfStep(op, branch, step, ce[0], kl[0], total[0]);
        tidy(() => {
          opt.zeroGrad();
          t.total.backward();
          opt.step();
        });
        return losses;
      } finally {
        for (const x of [t.ce, t.kl, t.total]) x.dispose();
      }
    };
    // Kept across both halves (C3D runs once, as in mutualStep), freed at the end.
    const pixelLogits = tidy(() => this.pixelEstimator.forward(batch.pixel));
    try {
      const landmark = await halfStep(
        'landmark',
        () => this.halfStepTerms(this.landmarkEstimator.forward(batch.landmark), pixelLogits, labels, weights),
        landmarkOpt,
      );
      options.onHalfStep?.('landmark', landmark);
      const pixel = await halfStep(
        'pixel',
        () =>
          this.halfStepTerms(
            pixelLogits,
            noGrad(() => this.landmarkEstimator.forward(batch.landmark)),
            labels,
            weights,
          ),
        pixelOpt,
      );
      options.onHalfStep?.('pixel', pixel);
      return { landmark, pixel };
    } finally {
      pixelLogits.dispose();
    }
  }

  /** Argument checks and the step number shared by the two mutual steps. */
  private startStep(
    op: string,
    batch: PreferenceBatch,
    optimizers: { pixelOptimizer: MethodOptimizers['pixel']; landmarkOptimizer: MethodOptimizers['landmark'] },
  ): {
    op: string;
    labels: number[];
    weights?: number[];
    step: number;
    pixelOpt: StepOptimizer;
    landmarkOpt: StepOptimizer;
  } {
    const pixelOpt = checkOptimizerOwns(
      op,
      'pixelOptimizer',
      optimizers?.pixelOptimizer,
      this.pixelEstimator,
      'pixelEstimator',
    );
    const landmarkOpt = checkOptimizerOwns(
      op,
      'landmarkOptimizer',
      optimizers?.landmarkOptimizer,
      this.landmarkEstimator,
      'landmarkEstimator',
    );
    const { labels, weights } = checkBatch(
      batch,
      { pixel: this.pixelEstimator, landmark: this.landmarkEstimator },
      op,
      true,
    );
    return { op, labels, weights, step: ++this.stepCount, pixelOpt, landmarkOpt };
  }

  /**
   * Eq. 7's terms for one branch: CE on its logits (weighted per video when the batch has weights),
   * KL toward the (detached) peer, their sum. The KL stays unweighted: it carries no label.
   */
  private halfStepTerms(
    own: Tensor,
    peer: Tensor,
    labels: readonly number[],
    weights?: readonly number[],
  ): HalfStepTerms {
    const { temperature, klDirection: direction, klScale: scale, reduction } = this.config;
    const ce = predictionLoss(own, labels, reduction, weights);
    const { kl, scaled } = mutualKlTerm(own, peer, { temperature, direction, scale, reduction });
    return { ce, kl, total: this.klWeight === 1 ? ce.add(scaled) : ce.add(scaled.mul(this.klWeight)) };
  }

  /** {@link PreferenceMethod.trainStep}: one {@link mutualStep}, losses flattened (`landmark.ce`, ..., `loss` = sum of both totals). */
  trainStep(batch: PreferenceBatch, optimizers: MethodOptimizers): StepLosses {
    const r = this.mutualStep(batch, { pixelOptimizer: optimizers.pixel, landmarkOptimizer: optimizers.landmark });
    return {
      loss: r.landmark.total + r.pixel.total,
      'landmark.ce': r.landmark.ce,
      'landmark.kl': r.landmark.kl,
      'landmark.total': r.landmark.total,
      'pixel.ce': r.pixel.ce,
      'pixel.kl': r.pixel.kl,
      'pixel.total': r.pixel.total,
    };
  }

  /**
   * Eq. 8 and both branches, in eval mode without gradients: `fused` = λ ŷL + (1-λ) ŷP,
   * `pixel` = ŷP, `landmark` = ŷL, each `[N, numClasses]`.
   */
  predictAll(batch: PreferenceBatch): { fused: Tensor; pixel: Tensor; landmark: Tensor } {
    checkBatch(batch, { pixel: this.pixelEstimator, landmark: this.landmarkEstimator }, 'PLMIPE.predict', false);
    return inEvalMode(this, () =>
      noGrad(() =>
        tidy(() => {
          const zP = this.pixelEstimator.forward(batch.pixel);
          const zL = this.landmarkEstimator.forward(batch.landmark);
          return {
            fused: fuseProbabilities(zL, zP, this.config.lambda),
            pixel: softmax(zP, 1),
            landmark: softmax(zL, 1),
          };
        }),
      ),
    );
  }

  /** Probabilities of `branch` (default: the configured `output`, eq. 8 unless set otherwise). */
  predictProba(batch: PreferenceBatch, branch: Branch = this.config.output): Tensor {
    const all = this.predictAll(batch);
    for (const b of ['fused', 'pixel', 'landmark'] as const) if (b !== branch) all[b].dispose();
    return all[branch];
  }

  /** Most likely class per video from `branch`'s probabilities. */
  predict(batch: PreferenceBatch, branch: Branch = this.config.output): number[] {
    const p = this.predictProba(batch, branch);
    const out = argMaxRows(p);
    p.dispose();
    return out;
  }
}
