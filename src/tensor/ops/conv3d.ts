// 3D convolution, NCDHW with weight [out, in, kD, kH, kW] (PyTorch), and the same followed by a
// ReLU as one op. The geometry is computed once and shared by the forward and both gradient kernels.
import { conv3dGeometry, type Conv3dGeometry, type Conv3dOptions } from '../geometry.js';
import { fmt } from '../shape.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { binaryRaw } from './binary.js';
import { unaryRaw } from './unary.js';
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
  return convolve('conv3d', x, weight, bias ?? null, options, false);
}

/**
 * `relu(conv3d(x, weight, bias, options))` as one op: backends that fuse it (the cpu backend) apply
 * max(0, .) as the outputs are written, saving a pass and a tensor the size of the output; others
 * run the two ops. Same values and gradients as the two ops.
 * @example
 * const h = conv3dRelu(x, w, b, { padding: 1 }); // a C3D conv layer and its ReLU
 */
export function conv3dRelu(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv3dOptions = {}): Tensor {
  return convolve('conv3dRelu', x, weight, bias ?? null, options, true);
}

function convolve(
  op: 'conv3d' | 'conv3dRelu',
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv3dOptions,
  relu: boolean,
): Tensor {
  checkTensor(op, 'x', x);
  checkTensor(op, 'weight', weight);
  const g = conv3dGeometry(x.shape, weight.shape, options, op);
  if (bias) {
    checkTensor(op, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== g.outChannels) {
      throw new Error(`${op}: bias must have shape [${g.outChannels}], got ${fmt(bias.shape)}`);
    }
  }
  const out = forwardOutput(x, weight, bias, g, relu);
  if (!needsGrad(x, weight, bias)) return out;
  const sx = weight.requiresGrad ? saveForBackward(x) : null;
  const sw = x.requiresGrad ? saveForBackward(weight) : null;
  // The relu's gradient needs only the output: dL/dz = dL/dy where y > 0.
  const sy = relu ? saveForBackward(out) : null;
  return recordOp(out, {
    op,
    inputs: [x, weight, bias],
    saved: [sx, sw, sy].filter((t): t is Tensor => t !== null),
    backward: (dyOut) => {
      const dy = sy ? binaryRaw('reluGrad', dyOut, sy) : dyOut;
      return [
        sw ? wrap(dy.backend.conv3dGradInput(dy.dataId, sw.dataId, g), g.inputShape, dy) : null,
        sx ? wrap(dy.backend.conv3dGradWeight(sx.dataId, dy.dataId, g), g.weightShape, dy) : null,
        bias && bias.requiresGrad
          ? wrap(dy.backend.reduce('sum', dy.dataId, dy.shape, [0, 2, 3, 4]), [g.outChannels], dy)
          : null,
      ];
    },
  });
}

/** The forward output: fused where the backend has `conv3dRelu`, else conv3d then relu. */
function forwardOutput(x: Tensor, w: Tensor, bias: Tensor | null, g: Conv3dGeometry, relu: boolean): Tensor {
  const b = x.backend,
    bid = bias ? bias.dataId : null;
  if (!relu) return wrap(b.conv3d(x.dataId, w.dataId, bid, g), g.outputShape, x);
  if (b.conv3dRelu) return wrap(b.conv3dRelu(x.dataId, w.dataId, bid, g), g.outputShape, x);
  const y = wrap(b.conv3d(x.dataId, w.dataId, bid, g), g.outputShape, x);
  const z = unaryRaw('relu', y);
  y.dispose();
  return z;
}
