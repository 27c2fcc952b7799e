// The model side of a prediction: one video's features (training's computeFeatures layout) through a
// loaded model, read back as plain probability rows. A PLMIPE gives the fused row (eq. 8) and both
// branches; a LandmarkEstimator (or LandmarkOnly) the landmark branch; other methods their own
// output. Browser-safe: `await data()` works on every backend. Must not import Node or I/O.
import { LABELS, type Label } from '../data/manifest.js';
import { tensor } from '../tensor/creation.js';
import { noGrad, tidy } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { makeBatch } from '../pipeline/dataset.js';
import type { VideoFeatures } from '../pipeline/video-features.js';
import { PLMIPE } from '../models/plm-ipe.js';
import { LandmarkEstimator } from '../models/landmark-estimator.js';
import { LandmarkOnly } from '../models/baselines.js';
import type { PreferenceMethod } from '../models/method.js';
import type { SavableModel } from '../models/checkpoint.js';

/** Which of the model's outputs a prediction's class comes from. */
export type PredictionBranch = 'fused' | 'pixel' | 'landmark' | 'method';

/** Probability rows `[negative, neutral, positive]` of one prediction. */
export interface ModelRows {
  /** The row the class comes from: the PLMIPE's configured output (fused by default) when both branches ran. */
  probabilities: number[];
  /** Eq. 8's λ ŷL + (1 − λ) ŷP (PLMIPE with its pixel branch run), else null. */
  fused: number[] | null;
  /** The pixel branch's ŷP (PLMIPE with its pixel branch run), else null. */
  pixel: number[] | null;
  /** The landmark branch's ŷL (PLMIPE, LandmarkEstimator, LandmarkOnly), else null. */
  landmark: number[] | null;
  branch: PredictionBranch;
  label: Label;
  /** Index of `label` in {@link LABELS}. */
  classIndex: number;
}

/** The features a model needs: training's VideoFeatures without the manifest fields. */
export type PredictFeatures = Pick<VideoFeatures, 'clips' | 'clipShape' | 'descriptors' | 'valid' | 'dim'>;

/** Reads a probability tensor's first row back and frees it. */
async function row(t: Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

function withLabel(rows: Omit<ModelRows, 'label' | 'classIndex'>): ModelRows {
  const p = rows.probabilities;
  const classIndex = p.reduce((best, v, i) => (v > p[best] ? i : best), 0);
  return { ...rows, classIndex, label: LABELS[classIndex] };
}

/** A loaded model and how to run it on one video's features. */
export class ModelRunner {
  /** The whole model when it is a PLMIPE (both branches), else null. */
  readonly plm: PLMIPE | null;
  /** The landmark estimator, when the model has one. */
  readonly landmark: LandmarkEstimator | null;
  /** Any other preference method (PBE, early or late fusion), run through its predictProba. */
  readonly method: PreferenceMethod | null;

  constructor(
    readonly model: SavableModel,
    name: string,
  ) {
    this.plm = model instanceof PLMIPE ? model : null;
    this.landmark =
      model instanceof LandmarkEstimator
        ? model
        : model instanceof LandmarkOnly || model instanceof PLMIPE
          ? model.landmarkEstimator
          : null;
    const isMethod = typeof (model as Partial<PreferenceMethod>).predictProba === 'function' && 'methodName' in model;
    this.method = !this.plm && !this.landmark && isMethod ? (model as unknown as PreferenceMethod) : null;
    if (!this.plm && !this.landmark && !this.method) {
      throw new Error(
        `${name}: the checkpoint holds a ${model.constructor.name}, which does not predict a preference; use a PLMIPE, a LandmarkEstimator or another method's checkpoint`,
      );
    }
    if (this.landmark && this.landmark.config.inputSize !== 72) {
      throw new Error(
        `${name}: the landmark estimator expects ${this.landmark.config.inputSize}-d descriptors; predictors compute 72-d ones`,
      );
    }
  }

  /** Whether the model has a pixel view (a PLMIPE or a method with a pixel estimator). */
  get hasPixelBranch(): boolean {
    return this.plm !== null || (this.method?.pixelEstimator ?? null) !== null;
  }

  /**
   * Runs the model on one video's features. `pixel: false` runs the landmark branch alone (faster,
   * e.g. a live page's per-frame update); a model without a landmark branch ignores it.
   */
  async run(features: PredictFeatures, options: { pixel?: boolean } = {}): Promise<ModelRows> {
    const usePixel = options.pixel ?? true;
    const video: VideoFeatures = { id: 'video', label: 0, subject: '-', session: '-', ...features };
    if (this.landmark && (!usePixel || !this.hasPixelBranch)) {
      const T = features.valid.length;
      const est = this.landmark;
      const probs = tidy(() =>
        noGrad(() =>
          est.predictProba({ descriptors: tensor(features.descriptors, [1, T, features.dim]), lengths: [T] }),
        ),
      );
      const landmark = await row(probs);
      return withLabel({ probabilities: landmark, fused: null, pixel: null, landmark, branch: 'landmark' });
    }
    const batch = makeBatch([video], [0]);
    delete batch.labels;
    try {
      if (this.plm) {
        const out = this.plm.predictAll(batch);
        const [fused, pixel, landmark] = await Promise.all([row(out.fused), row(out.pixel), row(out.landmark)]);
        const branch = this.plm.config.output;
        const probabilities = branch === 'pixel' ? pixel : branch === 'landmark' ? landmark : fused;
        return withLabel({ probabilities, fused, pixel, landmark, branch });
      }
      const probabilities = await row(this.method!.predictProba(batch));
      return withLabel({ probabilities, fused: null, pixel: null, landmark: null, branch: 'method' });
    } finally {
      batch.pixel.clips?.dispose();
      batch.landmark.descriptors.dispose();
    }
  }
}
