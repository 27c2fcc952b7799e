// 3D convolution, NCDHW with weight [out, in, kD, kH, kW] (PyTorch), the same followed by a
// ReLU as one op, and conv + ReLU + max pool (fused without gradients where the backend can). The geometry is computed once and shared by the forward and both gradient kernels.
import {
  conv3dGeometry,
  pool3dGeometry,
  type Conv3dGeometry,
  type Conv3dOptions,
  type Pool3dOptions,
} from '../geometry.js';
import { fmt } from '../shape.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { binaryRaw } from './binary.js';
import { unaryRaw } from './unary.js';
import { maxPool3d } from './pool3d.js';
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

/**
 * `maxPool3d(conv3dRelu(x, weight, bias, convOptions), poolOptions)`. Without gradients to record,
 * backends that fuse it (the cpu backend, for C3D's 3x3x3 convolutions and 2x2 / 2x2x2 pools) pool
 * the conv output where it is computed, without making it a tensor; otherwise, and whenever a
 * gradient is needed, it runs the two ops. Same values either way.
 * @example
 * const h = conv3dReluMaxPool(x, w, b, { padding: 1 }, { kernelSize: [1, 2, 2] }); // C3D conv1 + pool1
 */
export function conv3dReluMaxPool(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  convOptions: Conv3dOptions,
  poolOptions: Pool3dOptions,
): Tensor {
  const b = bias ?? null;
  if (!needsGrad(x, weight, b) && x.backend.conv3dReluMaxPool) {
    const g = checkedGeometry('conv3dReluMaxPool', x, weight, b, convOptions);
    const pg = pool3dGeometry(g.outputShape, poolOptions, 'conv3dReluMaxPool');
    const id = x.backend.conv3dReluMaxPool(x.dataId, weight.dataId, b ? b.dataId : null, g, pg);
    if (id !== null) return wrap(id, pg.outputShape, x);
  }
  const h = conv3dRelu(x, weight, b, convOptions);
  const y = maxPool3d(h, poolOptions);
  // No graph: nothing saved the conv output.
  if (!y.requiresGrad) h.dispose();
  return y;
}

/** Checks the operands and returns the geometry (shared by the conv ops). */
function checkedGeometry(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv3dOptions,
): Conv3dGeometry {
  checkTensor(op, 'x', x);
  checkTensor(op, 'weight', weight);
  const g = conv3dGeometry(x.shape, weight.shape, options, op);
  if (bias) {
    checkTensor(op, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== g.outChannels) {
      throw new Error(`${op}: bias must have shape [${g.outChannels}], got ${fmt(bias.shape)}`);
    }
  }
  return g;
}

function convolve(
  op: 'conv3d' | 'conv3dRelu',
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv3dOptions,
  relu: boolean,
): Tensor {
  const g = checkedGeometry(op, x, weight, bias, options);
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
