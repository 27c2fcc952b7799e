// Parameter-free layers: MaxPool3d, AvgPool3d, ReLU, Dropout, Flatten, and the Sequential
// container (children named '0', '1', ... as in PyTorch).
import { maxPool3d, avgPool3d } from '../tensor/ops/pool3d.js';
import { dropout } from '../tensor/ops/dropout.js';
import { flatten } from '../tensor/ops/layout.js';
import { relu } from '../tensor/ops/unary.js';
import type { Pool3dOptions } from '../tensor/geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** 3D max pooling layer. @example new MaxPool3d({ kernelSize: [1, 2, 2] }) */
export class MaxPool3d extends Module {
  constructor(readonly options: Pool3dOptions) {
    super();
  }
  /** `x` `[N, C, D, H, W]` to the max of each window. */
  forward(x: Tensor): Tensor {
    return maxPool3d(x, this.options);
  }
}

/** 3D average pooling layer. */
export class AvgPool3d extends Module {
  constructor(readonly options: Pool3dOptions & { countIncludePad?: boolean }) {
    super();
  }
  /** `x` `[N, C, D, H, W]` to the mean of each window. */
  forward(x: Tensor): Tensor {
    return avgPool3d(x, this.options);
  }
}

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** Inverted dropout with probability `p` (active only in training mode). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
  }
  /** Dropout while training (see the `dropout` op); the input itself after `eval()`. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/** Flattens dims `startDim..endDim` (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}

/**
 * Applies modules in order.
 * @example
 * const mlp = new Sequential(new Linear(72, 32), new ReLU(), new Linear(32, 3));
 */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.registerModule(String(i), m));
  }
  /** Runs the layers in order, each on the previous one's output. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y) as Tensor;
    return y;
  }
}
