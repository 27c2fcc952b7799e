// Reductions (sum, mean, max, min) over one, several or all dims, with keepDim, and argMax.
// Backward broadcasts dy back; max/min route it to the arg-extremes, split evenly on ties
// (PyTorch's amax/amin rule).
import type { ReduceOp } from '../../backend/backend.js';
import { normAxes, normAxis, type Shape } from '../shape.js';
import { tidy } from '../engine.js';
import { recordOp, needsGrad, saveForBackward, type Tensor } from '../tensor.js';
import { checkTensor, wrap } from './util.js';
import { broadcastTo, reshape } from './layout.js';
import { binaryRaw } from './binary.js';

function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduceRaw(op: ReduceOp, x: Tensor, axes: readonly number[], keepDim: boolean): Tensor {
  const outShape = keepDim ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
  if (axes.length === 0) return reshape(x, outShape);
  return wrap(x.backend.reduce(op, x.dataId, x.shape, axes), outShape, x);
}

/** @internal Sum over already-normalised axes. */
export function reduceSum(x: Tensor, axes: readonly number[], keepDim: boolean): Tensor {
  const out = reduceRaw('sum', x, axes, keepDim);
  if (!needsGrad(x) || axes.length === 0) return out;
  const inShape = x.shape;
  return recordOp(out, {
    op: 'sum',
    inputs: [x],
    backward: (dy) => [broadcastTo(reshape(dy, keptShape(inShape, axes)), inShape)],
  });
}

/**
 * Sum over `dim` (one dim, several, or all when omitted).
 * @example
 * x.sum();        // scalar
 * x.sum(1, true); // [N, 1]
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor {
  checkTensor('sum', 'x', x);
  return reduceSum(x, normAxes('sum', dim, x.rank), keepDim);
}

/** Mean over `dim` (one dim, several, or all when omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor {
  checkTensor('mean', 'x', x);
  const axes = normAxes('mean', dim, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  if (count === 0) throw new Error(`mean: reducing over an empty dim of shape [${x.shape.join(', ')}]`);
  return tidy(() => reduceSum(x, axes, keepDim).mul(1 / count)); // tidy: no hidden intermediate handle
}

function extreme(op: 'max' | 'min') {
  return (x: Tensor, dim?: number | readonly number[], keepDim = false): Tensor => {
    checkTensor(op, 'x', x);
    if (x.size === 0) throw new Error(`${op}: cannot reduce an empty tensor`);
    const axes = normAxes(op, dim, x.rank);
    const out = reduceRaw(op, x, axes, keepDim);
    if (!needsGrad(x) || axes.length === 0) return out;
    const sx = saveForBackward(x);
    const so = saveForBackward(out);
    const inShape = x.shape;
    return recordOp(out, {
      op,
      inputs: [x],
      saved: [sx, so],
      backward: (dy) => {
        const kept = keptShape(inShape, axes);
        const mask = binaryRaw('eq', sx, reshape(so, kept));
        const count = reduceRaw('sum', mask, axes, true);
        return [binaryRaw('mul', mask, binaryRaw('div', reshape(dy, kept), count))];
      },
    });
  };
}

/** Maximum over `dim` (one dim, several, or all); the gradient goes to the maxima. */
export const max = extreme('max');
/** Minimum over `dim` (one dim, several, or all); the gradient goes to the minima. */
export const min = extreme('min');

/** Index of the maximum along `dim` (float32 values; ties: first). No gradient. */
export function argMax(x: Tensor, dim: number): Tensor {
  checkTensor('argMax', 'x', x);
  const axis = normAxis('argMax', dim, x.rank);
  if (x.shape[axis] === 0) throw new Error(`argMax: dim ${dim} is empty in shape [${x.shape.join(', ')}]`);
  return wrap(
    x.backend.argMax(x.dataId, x.shape, axis),
    x.shape.filter((_, i) => i !== axis),
    x,
  );
}
