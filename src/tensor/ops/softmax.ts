// softmax and logSoftmax along one dim, computed stably (max subtracted) by one fused backend
// kernel; backward from the saved output: softmax dx = y (dy - sum(dy y)), logSoftmax
// dx = dy - exp(y) sum(dy).
import { normAxis, sizeOf } from '../shape.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { checkTensor, wrap } from './util.js';
import { binaryRaw } from './binary.js';
import { unaryRaw } from './unary.js';

function softmaxRaw(x: Tensor, axis: number, log: boolean): Tensor {
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  return wrap(x.backend.softmax(x.dataId, outer, x.shape[axis], inner, log), x.shape, x);
}

function sumKeep(t: Tensor, axis: number): Tensor {
  const kept = t.shape.map((d, i) => (i === axis ? 1 : d));
  return wrap(t.backend.reduce('sum', t.dataId, t.shape, [axis]), kept, t);
}

/**
 * Softmax along `dim`: exp(x) / sum(exp(x)), stable for large inputs.
 * @example
 * softmax(logits, 1); // rows sum to 1
 */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor('softmax', 'x', x);
  if (dim === undefined) throw new Error('softmax: dim is required');
  const axis = normAxis('softmax', dim, x.rank);
  const out = softmaxRaw(x, axis, false);
  if (!needsGrad(x)) return out;
  const y = saveForBackward(out);
  return recordOp(out, {
    op: 'softmax',
    inputs: [x],
    saved: [y],
    backward: (dy) => {
      const dyy = binaryRaw('mul', dy, y);
      return [binaryRaw('sub', dyy, binaryRaw('mul', y, sumKeep(dyy, axis)))];
    },
  });
}

/** log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor('logSoftmax', 'x', x);
  if (dim === undefined) throw new Error('logSoftmax: dim is required');
  const axis = normAxis('logSoftmax', dim, x.rank);
  const out = softmaxRaw(x, axis, true);
  if (!needsGrad(x)) return out;
  const y = saveForBackward(out);
  return recordOp(out, {
    op: 'logSoftmax',
    inputs: [x],
    saved: [y],
    backward: (dy) => [binaryRaw('sub', dy, binaryRaw('mul', unaryRaw('exp', y), sumKeep(dy, axis)))],
  });
}
