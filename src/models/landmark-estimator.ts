// The landmark-based estimator (LBE, eq. 3-4 of the paper): per-frame 72-d landmark motion
// descriptors through a batch-first LSTM(72, 256); the hidden state at each sequence's last
// valid frame is f^L; one linear layer gives preference logits. Owns the landmark batch type.
// Imports only the tensor and layers API, never a backend (nor src/landmarks: descriptors come in as tensors).
import { softmax } from '../tensor/ops/softmax.js';
import { squeeze } from '../tensor/ops/layout.js';
import { fmt } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from '../layers/module.js';
import { Linear } from '../layers/linear.js';
import { LSTM } from '../layers/lstm.js';

/**
 * The landmark view of a batch: descriptors `[N, T, 72]` padded to the longest sequence, valid
 * frames first, with `lengths` (frames per sequence) or a `[N, T]` 0/1 `mask`; neither means
 * every sequence has T frames.
 * @example
 * const input: DescriptorBatch = { descriptors: randn([2, 50, 72]), lengths: [50, 31] };
 */
export interface DescriptorBatch {
  descriptors: Tensor;
  lengths?: readonly number[];
  mask?: Tensor;
}

/** The configuration of a {@link LandmarkEstimator}. */
export interface LandmarkEstimatorConfig {
  /** Descriptor size per frame, h^L_ij (72 = 36 orientation + 36 magnitude bins). */
  inputSize: number;
  /** LSTM hidden size H (256). */
  hiddenSize: number;
  /** Preference classes (3). */
  numClasses: number;
}

/** The paper's landmark estimator configuration (sections 3.3 and 4.2). */
export const PAPER_LANDMARK_CONFIG: Readonly<LandmarkEstimatorConfig> = Object.freeze({
  inputSize: 72,
  hiddenSize: 256,
  numClasses: 3,
});

/**
 * LBE: f^L = LSTM(h^L) (eq. 3), ŷ^L = softmax(W_L f^L + b_L) (eq. 4). `forward` returns logits
 * `[N, numClasses]`. The paper configuration has 338,691 parameters.
 * @example
 * const lbe = new LandmarkEstimator();
 * const logits = lbe.forward({ descriptors: randn([2, 40, 72]), lengths: [40, 25] }); // [2, 3]
 */
export class LandmarkEstimator extends Module {
  readonly config: Readonly<LandmarkEstimatorConfig>;
  readonly lstm: LSTM;
  readonly fc: Linear;

  constructor(options: Partial<LandmarkEstimatorConfig> = {}) {
    super();
    const config = { ...PAPER_LANDMARK_CONFIG, ...options };
    for (const [name, v] of Object.entries(config)) {
      if (!Number.isInteger(v) || v <= 0)
        throw new Error(`LandmarkEstimator: ${name} must be a positive integer, got ${v}`);
    }
    if (config.numClasses < 2) throw new Error(`LandmarkEstimator: numClasses must be >= 2, got ${config.numClasses}`);
    this.config = Object.freeze(config);
    this.lstm = this.registerModule(
      'lstm',
      new LSTM({ inputSize: config.inputSize, hiddenSize: config.hiddenSize, batchFirst: true }),
    );
    this.fc = this.registerModule('fc', new Linear(config.hiddenSize, config.numClasses));
  }

  /** Checks the input and returns the batch size N. */
  batchSize(input: DescriptorBatch): number {
    const op = 'LandmarkEstimator';
    if (input === null || typeof input !== 'object' || !(input.descriptors instanceof Tensor)) {
      throw new Error(
        `${op}: input must be { descriptors: Tensor [N, T, ${this.config.inputSize}], lengths? | mask? }`,
      );
    }
    const d = input.descriptors;
    if (d.rank !== 3 || d.shape[2] !== this.config.inputSize) {
      throw new Error(
        `${op}: descriptors must be [N, T, ${this.config.inputSize}] (${this.config.inputSize}-d per frame), got ${fmt(d.shape)}`,
      );
    }
    if (
      input.mask &&
      (input.mask.rank !== 2 || input.mask.shape[0] !== d.shape[0] || input.mask.shape[1] !== d.shape[1])
    ) {
      throw new Error(
        `${op}: mask must be [${d.shape[0]}, ${d.shape[1]}] like the descriptors' first two dims, got ${fmt(input.mask.shape)}`,
      );
    }
    return d.shape[0];
  }

  /** f^L of eq. 3: the LSTM's hidden state at each sequence's last valid frame, `[N, hiddenSize]`. */
  videoFeatures(input: DescriptorBatch): Tensor {
    this.batchSize(input);
    const { h } = this.lstm.forward(input.descriptors, null, { lengths: input.lengths, mask: input.mask });
    return squeeze(h, 0);
  }

  /** Preference logits `[N, numClasses]` (W_L f^L + b_L, before the softmax of eq. 4). */
  forward(input: DescriptorBatch): Tensor {
    return this.fc.forward(this.videoFeatures(input));
  }

  /** ŷ^L of eq. 4: class probabilities `[N, numClasses]`. */
  predictProba(input: DescriptorBatch): Tensor {
    return softmax(this.forward(input), 1);
  }
}
