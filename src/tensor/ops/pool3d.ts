// 3D max and average pooling with PyTorch semantics (max pooling pads with -inf, so padding
// never wins; average pooling counts padding unless countIncludePad is false).
import { pool3dGeometry, type Pool3dOptions } from '../geometry.js';
import { recordOp, needsGrad, saveStorageForBackward, type Tensor } from '../tensor.js';
import { checkTensor, wrap } from './util.js';

/**
 * 3D max pooling over `[N, C, D, H, W]`.
 * @example
 * maxPool3d(x, { kernelSize: [1, 2, 2] }); // C3D's pool1
 */
export function maxPool3d(x: Tensor, options: Pool3dOptions): Tensor {
  checkTensor('maxPool3d', 'x', x);
  const g = pool3dGeometry(x.shape, options, 'maxPool3d');
  const { y, argmax } = x.backend.maxPool3d(x.dataId, g);
  // Only backward reads the argmax, so the node owns it (released at once when none is recorded).
  const arg = saveStorageForBackward(argmax, g.outputShape, x.backend);
  return recordOp(wrap(y, g.outputShape, x), {
    op: 'maxPool3d',
    inputs: [x],
    saved: [arg],
    backward: (dy) => [wrap(dy.backend.maxPool3dGrad(dy.dataId, arg.dataId, g), g.inputShape, dy)],
  });
}

/** 3D average pooling over `[N, C, D, H, W]`. */
export function avgPool3d(x: Tensor, options: Pool3dOptions & { countIncludePad?: boolean }): Tensor {
  checkTensor('avgPool3d', 'x', x);
  const g = pool3dGeometry(x.shape, options, 'avgPool3d');
  const include = options.countIncludePad ?? true;
  const out = wrap(x.backend.avgPool3d(x.dataId, g, include), g.outputShape, x);
  if (!needsGrad(x)) return out;
  return recordOp(out, {
    op: 'avgPool3d',
    inputs: [x],
    backward: (dy) => [wrap(dy.backend.avgPool3dGrad(dy.dataId, g, include), g.inputShape, dy)],
  });
}
