// Dropout (inverted: kept values scaled by 1/(1-p) at training time, identity at eval) and
// `where`. The dropout mask is drawn from the seeded generator so runs reproduce.
import { broadcastShapes, fmt } from '../shape.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { fromFloat32 } from '../creation.js';
import { random } from '../random.js';
import { checkTensor, wrap } from './util.js';
import { binaryRaw, sumToShape } from './binary.js';
import { zerosLike } from './layout.js';

/**
 * Zeroes each element with probability `p` while `training`, scaling the rest by 1/(1-p).
 * @example
 * dropout(h, 0.5, model.training);
 */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  checkTensor('dropout', 'x', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x.mul(1);
  if (p === 1) return x.mul(0);
  const scale = 1 / (1 - p);
  const m = new Float32Array(x.size);
  for (let i = 0; i < m.length; i++) m[i] = random() >= p ? scale : 0;
  const mask = fromFloat32(m, x.shape);
  const out = binaryRaw('mul', x, mask, 'dropout');
  if (!needsGrad(x)) {
    mask.dispose();
    return out;
  }
  const saved = saveForBackward(mask);
  mask.dispose();
  return recordOp(out, {
    op: 'dropout',
    inputs: [x],
    saved: [saved],
    backward: (dy) => [binaryRaw('mul', dy, saved)],
  });
}

/** `condition ? a : b` elementwise with broadcasting; gradients flow to the chosen side. */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  checkTensor('where', 'condition', condition);
  checkTensor('where', 'a', a);
  checkTensor('where', 'b', b);
  const outShape = broadcastShapes('where', broadcastShapes('where', condition.shape, a.shape), b.shape);
  if (a.backend !== b.backend || a.backend !== condition.backend)
    throw new Error(`where: inputs are on different backends (shapes ${fmt(a.shape)}, ${fmt(b.shape)})`);
  const out = wrap(
    a.backend.where(condition.dataId, condition.shape, a.dataId, a.shape, b.dataId, b.shape, outShape),
    outShape,
    a,
  );
  if (!needsGrad(a, b)) return out;
  const cond = saveForBackward(condition);
  return recordOp(out, {
    op: 'where',
    inputs: [a, b],
    saved: [cond],
    backward: (dy) => {
      const zero = zerosLike(dy);
      const mk = (t: Tensor, pick: boolean) => {
        const id = dy.backend.where(
          cond.dataId,
          cond.shape,
          (pick ? dy : zero).dataId,
          dy.shape,
          (pick ? zero : dy).dataId,
          dy.shape,
          dy.shape,
        );
        return sumToShape(wrap(id, dy.shape, dy), t.shape);
      };
      return [a.requiresGrad ? mk(a, true) : null, b.requiresGrad ? mk(b, false) : null];
    },
  });
}
