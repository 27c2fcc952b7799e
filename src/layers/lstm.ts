// LSTM and LSTMCell with PyTorch's parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0), gate order (i, f, g, o) and initialisation U(-1/sqrt(H), 1/sqrt(H)), so PyTorch
// weights load unchanged. Variable-length batches take `lengths` or a `[B, T]` mask.
import { lstmSequence } from '../tensor/ops/lstm.js';
import { dropout } from '../tensor/ops/dropout.js';
import { permute, stack, slice, squeeze, unsqueeze } from '../tensor/ops/layout.js';
import { tensor } from '../tensor/creation.js';
import { fmt } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { uniform } from './init.js';

/** Options of {@link LSTM} (as `torch.nn.LSTM`, one layer). */
export interface LSTMOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Input and output are `[batch, time, features]` when true (default false, as in PyTorch: `[time, batch, features]`). */
  batchFirst?: boolean;
  /** Add biases (default true). */
  bias?: boolean;
  /** Dropout on the outputs of each layer but the last, in training mode (default 0). */
  dropout?: number;
}

/** Hidden and cell state `[1, N, H]` of an {@link LSTM}. */
export interface LSTMState {
  /** `[numLayers, B, H]` */
  h: Tensor;
  /** `[numLayers, B, H]` */
  c: Tensor;
}

/** Per-call options of {@link LSTM.forward}: sequence lengths or a mask for padded batches. */
export interface LSTMForwardOptions {
  /** Valid length of each sequence in the batch (valid steps first). */
  lengths?: ArrayLike<number>;
  /** `[B, T]` 1 for valid steps, 0 for padding (valid steps first). */
  mask?: Tensor;
}

/** What {@link LSTM.forward} returns: the output sequence and the final state. */
export interface LSTMOutput {
  /** Hidden state of the last layer at every step: `[B, T, H]` if batchFirst else `[T, B, H]`; 0 at padded steps. */
  output: Tensor;
  /** Hidden state after each sequence's last valid step, per layer: `[numLayers, B, H]`. */
  h: Tensor;
  /** Cell state after each sequence's last valid step, per layer: `[numLayers, B, H]`. */
  c: Tensor;
}

/** Builds the `[B, T]` validity mask of `lengths`, checking each is in [1, T]. */
export function lengthsToMask(lengths: ArrayLike<number>, batch: number, steps: number): Tensor {
  if (lengths.length !== batch)
    throw new Error(`LSTM: lengths has ${lengths.length} entries but the batch has ${batch} sequences`);
  const m = new Float32Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    const len = lengths[b];
    if (!Number.isInteger(len) || len < 1 || len > steps) {
      throw new Error(`LSTM: lengths[${b}] must be an integer in [1, ${steps}], got ${len}`);
    }
    m.fill(1, b * steps, b * steps + len);
  }
  return tensor(m, [batch, steps]);
}

/**
 * A multi-layer LSTM over whole sequences (each layer one fused autograd op).
 * @example
 * const lstm = new LSTM({ inputSize: 72, hiddenSize: 256, batchFirst: true });
 * const { output, h } = lstm.forward(x, null, { lengths: [50, 37] });
 * const last = h.squeeze(0); // [B, 256]: each sequence's state at its last valid step
 */
export class LSTM extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly dropoutP: number;
  private readonly layerWeights: {
    weightIh: Tensor;
    weightHh: Tensor;
    biasIh: Tensor | null;
    biasHh: Tensor | null;
  }[] = [];

  constructor(options: LSTMOptions) {
    super();
    const { inputSize, hiddenSize, numLayers = 1, batchFirst = false, bias = true, dropout: p = 0 } = options;
    for (const [name, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
      ['numLayers', numLayers],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`LSTM: ${name} must be a positive integer, got ${v}`);
    }
    if (!(p >= 0 && p <= 1)) throw new Error(`LSTM: dropout must be in [0, 1], got ${p}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.batchFirst = batchFirst;
    this.dropoutP = p;
    const bound = 1 / Math.sqrt(hiddenSize);
    for (let l = 0; l < numLayers; l++) {
      const inF = l === 0 ? inputSize : hiddenSize;
      this.layerWeights.push({
        weightIh: this.registerParameter(`weight_ih_l${l}`, uniform([4 * hiddenSize, inF], bound)),
        weightHh: this.registerParameter(`weight_hh_l${l}`, uniform([4 * hiddenSize, hiddenSize], bound)),
        biasIh: bias ? this.registerParameter(`bias_ih_l${l}`, uniform([4 * hiddenSize], bound)) : null,
        biasHh: bias ? this.registerParameter(`bias_hh_l${l}`, uniform([4 * hiddenSize], bound)) : null,
      });
    }
  }

  /**
   * Runs every layer over the whole sequence `x` (`[T, B, inputSize]`, or `[B, T, inputSize]` when
   * batchFirst) from `state` (zeros when null); past a sequence's `options.lengths` entry (or where
   * its mask is 0) its state stays that of its last valid step.
   */
  forward(x: Tensor, state?: LSTMState | null, options: LSTMForwardOptions = {}): LSTMOutput {
    if (x.rank !== 3) {
      throw new Error(
        `LSTM: x must be 3-D ${this.batchFirst ? '[batch, time, features]' : '[time, batch, features]'}, got ${fmt(x.shape)}`,
      );
    }
    const xb = this.batchFirst ? x : permute(x, [1, 0, 2]);
    const [B, T, I] = xb.shape;
    if (I !== this.inputSize)
      throw new Error(`LSTM: x has ${I} features per step (shape ${fmt(x.shape)}) but inputSize is ${this.inputSize}`);
    if (options.lengths && options.mask) throw new Error('LSTM: give lengths or mask, not both');
    const mask = options.mask ?? (options.lengths ? lengthsToMask(options.lengths, B, T) : null);
    for (const [name, s] of [
      ['h', state?.h],
      ['c', state?.c],
    ] as const) {
      if (s && (s.rank !== 3 || s.shape[0] !== this.numLayers || s.shape[1] !== B || s.shape[2] !== this.hiddenSize)) {
        throw new Error(
          `LSTM: state.${name} must be [${this.numLayers}, ${B}, ${this.hiddenSize}], got ${fmt(s.shape)}`,
        );
      }
    }
    let input = xb;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const h0 = state ? squeeze(slice(state.h, [l, 0, 0], [1, B, this.hiddenSize]), 0) : null;
      const c0 = state ? squeeze(slice(state.c, [l, 0, 0], [1, B, this.hiddenSize]), 0) : null;
      const r = lstmSequence(input, this.layerWeights[l], h0, c0, mask);
      hs.push(r.h);
      cs.push(r.c);
      input = l < this.numLayers - 1 && this.dropoutP > 0 ? dropout(r.output, this.dropoutP, this.training) : r.output;
    }
    return {
      output: this.batchFirst ? input : permute(input, [1, 0, 2]),
      h: stack(hs, 0),
      c: stack(cs, 0),
    };
  }

  protected override describe(): string {
    return `LSTM(${this.inputSize}, ${this.hiddenSize}, numLayers=${this.numLayers}, batchFirst=${this.batchFirst})`;
  }
}

/**
 * One LSTM step (PyTorch's nn.LSTMCell: weight_ih, weight_hh, bias_ih, bias_hh).
 * @example
 * const cell = new LSTMCell(72, 256);
 * let state = cell.forward(x0);          // zeros as the initial state
 * state = cell.forward(x1, state);
 */
export class LSTMCell extends Module {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    { bias = true }: { bias?: boolean } = {},
  ) {
    super();
    for (const [name, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`LSTMCell: ${name} must be a positive integer, got ${v}`);
    }
    const bound = 1 / Math.sqrt(hiddenSize);
    this.weightIh = this.registerParameter('weight_ih', uniform([4 * hiddenSize, inputSize], bound));
    this.weightHh = this.registerParameter('weight_hh', uniform([4 * hiddenSize, hiddenSize], bound));
    this.biasIh = bias ? this.registerParameter('bias_ih', uniform([4 * hiddenSize], bound)) : null;
    this.biasHh = bias ? this.registerParameter('bias_hh', uniform([4 * hiddenSize], bound)) : null;
  }

  /** `x [B, inputSize]`, state `{ h, c }` each `[B, hiddenSize]` (zeros when omitted). */
  forward(x: Tensor, state?: { h: Tensor; c: Tensor } | null): { h: Tensor; c: Tensor } {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) {
      throw new Error(`LSTMCell: x must be [batch, ${this.inputSize}], got ${fmt(x.shape)}`);
    }
    const r = lstmSequence(unsqueeze(x, 1), this, state?.h ?? null, state?.c ?? null, null);
    return { h: r.h, c: r.c };
  }
}
