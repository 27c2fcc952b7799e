// 3D convolution, NCDHW with weight [out, in, kD, kH, kW] (PyTorch). The geometry is computed
// once and shared by the forward and both gradient kernels.
import { conv3dGeometry, type Conv3dOptions } from '../geometry.js';
import { fmt } from '../shape.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { checkTensor, wrap } from './util.js';

/**
 * 3D convolution (cross-correlation, as in every deep learning library).
 * @param x input `[N, C_in, D, H, W]`
 * @param weight `[C_out, C_in, kD, kH, kW]`
 * @param bias optional `[C_out]`
 * @param options `stride`, `padding` (zeros), `dilation`: a number or a `[d, h, w]` triple
 * @example
 * const y = conv3d(x, w, b, { padding: 1 }); // C3D's 3x3x3 "same" convolution
 */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv3dOptions = {}): Tensor {
  checkTensor('conv3d', 'x', x);
  checkTensor('conv3d', 'weight', weight);
  const g = conv3dGeometry(x.shape, weight.shape, options);
  if (bias) {
    checkTensor('conv3d', 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== g.outChannels) {
      throw new Error(`conv3d: bias must have shape [${g.outChannels}], got ${fmt(bias.shape)}`);
    }
  }
  const out = wrap(x.backend.conv3d(x.dataId, weight.dataId, bias ? bias.dataId : null, g), g.outputShape, x);
  if (!needsGrad(x, weight, bias)) return out;
  const sx = weight.requiresGrad ? saveForBackward(x) : null;
  const sw = x.requiresGrad ? saveForBackward(weight) : null;
  return recordOp(out, {
    op: 'conv3d',
    inputs: [x, weight, bias ?? null],
    saved: [sx, sw].filter((t): t is Tensor => t !== null),
    backward: (dy) => [
      sw ? wrap(dy.backend.conv3dGradInput(dy.dataId, sw.dataId, g), g.inputShape, dy) : null,
      sx ? wrap(dy.backend.conv3dGradWeight(sx.dataId, dy.dataId, g), g.weightShape, dy) : null,
      bias && bias.requiresGrad
        ? wrap(dy.backend.reduce('sum', dy.dataId, dy.shape, [0, 2, 3, 4]), [g.outChannels], dy)
        : null,
    ],
  });
}
