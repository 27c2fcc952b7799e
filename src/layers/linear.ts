// Linear: y = x W^T + b with PyTorch's parameter names (weight [out, in], bias [out]) and init.
import { linear } from '../tensor/ops/matmul.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { defaultUniform } from './init.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Add a learnable bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer.
 * @example
 * const fc = new Linear(4096, 3);
 * const logits = fc.forward(features); // [N, 3]
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    this.weight = this.registerParameter('weight', defaultUniform([outFeatures, inFeatures], inFeatures));
    this.bias =
      options.bias === false ? null : this.registerParameter('bias', defaultUniform([outFeatures], inFeatures));
  }

  /** `x` `[..., inFeatures]` to `x Wᵀ + b`, `[..., outFeatures]`. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  protected override describe(): string {
    return `Linear(${this.inFeatures}, ${this.outFeatures}${this.bias ? '' : ', bias=false'})`;
  }
}
