// Conv3d: PyTorch's nn.Conv3d (weight [out, in, kD, kH, kW], bias [out], default init).
import { conv3d, conv3dRelu, conv3dReluMaxPool } from '../tensor/ops/conv3d.js';
import type { Pool3dOptions } from '../tensor/geometry.js';
import { triple, type Size3 } from '../tensor/geometry.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { defaultUniform } from './init.js';

/** Options of the {@link Conv3d} layer: the {@link Conv3dOptions} geometry and whether it has a bias. */
export interface Conv3dLayerOptions {
  stride?: Size3;
  padding?: Size3;
  dilation?: Size3;
  /** Add a learnable bias (default true). */
  bias?: boolean;
}

/**
 * A 3D convolution layer over `[N, C, D, H, W]`.
 * @example
 * const conv1 = new Conv3d(3, 64, 3, { padding: 1 }); // C3D's conv1
 */
export class Conv3d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Size3,
    readonly options: Conv3dLayerOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Conv3d: ${name} must be a positive integer, got ${v}`);
    }
    this.kernelSize = triple('Conv3d', 'kernelSize', kernelSize, 1);
    const fanIn = inChannels * this.kernelSize[0] * this.kernelSize[1] * this.kernelSize[2];
    this.weight = this.registerParameter(
      'weight',
      defaultUniform([outChannels, inChannels, ...this.kernelSize], fanIn),
    );
    this.bias = options.bias === false ? null : this.registerParameter('bias', defaultUniform([outChannels], fanIn));
  }

  /** `x` `[N, inChannels, D, H, W]` to `[N, outChannels, D', H', W']` (sizes from conv3dGeometry). */
  forward(x: Tensor): Tensor {
    return conv3d(x, this.weight, this.bias, this.options);
  }

  /** `forward(x).relu()` as one op ({@link conv3dRelu}): one pass and one tensor less on the cpu backend. */
  forwardRelu(x: Tensor): Tensor {
    return conv3dRelu(x, this.weight, this.bias, this.options);
  }

  /** `maxPool3d(forwardRelu(x), pool)` ({@link conv3dReluMaxPool}: fused when no gradient is recorded). */
  forwardReluMaxPool(x: Tensor, pool: Pool3dOptions): Tensor {
    return conv3dReluMaxPool(x, this.weight, this.bias, this.options, pool);
  }

  protected override describe(): string {
    return `Conv3d(${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}])`;
  }
}
