// Reductions of the cpu backend: sum/max/min/prod over any set of axes, and argMax along one.
// The input is walked once in storage order; kept dims map to an output offset.
import type { ReduceOp } from '../backend.js';
import { sizeOf } from '../../tensor/shape.js';
import { walk } from './strided.js';
import { takeZeroed } from './array-pool.js';

export function reduce(op: ReduceOp, x: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const n = sizeOf(outShape);
  const init = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
  // Accumulate sums in float64: long reductions in float32 lose digits the tests can see.
  const acc = new Float64Array(n).fill(init);
  // Strides of the output over the input's shape (0 along reduced axes).
  const outStrides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (!axes.includes(i)) {
      outStrides[i] = s;
      s *= shape[i];
    }
  }
  const inStrides = new Array<number>(shape.length);
  s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  walk(shape, [inStrides, outStrides], (_o, [xi, oi], count, [, io]) => {
    switch (op) {
      case 'sum':
        if (io === 0) {
          let t = 0;
          for (let i = 0; i < count; i++) t += x[xi + i];
          acc[oi] += t;
        } else for (let i = 0; i < count; i++) acc[oi + i * io] += x[xi + i];
        break;
      case 'prod':
        for (let i = 0; i < count; i++) acc[oi + i * io] *= x[xi + i];
        break;
      case 'max':
        for (let i = 0; i < count; i++) {
          const v = x[xi + i];
          const k = oi + i * io;
          if (v > acc[k] || Number.isNaN(v)) acc[k] = v;
        }
        break;
      case 'min':
        for (let i = 0; i < count; i++) {
          const v = x[xi + i];
          const k = oi + i * io;
          if (v < acc[k] || Number.isNaN(v)) acc[k] = v;
        }
        break;
    }
  });
  return Float32Array.from(acc);
}

export function argMax(x: Float32Array, shape: readonly number[], axis: number): Float32Array {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const n = shape[axis];
  const out = takeZeroed(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let best = -Infinity;
      let bestI = 0;
      for (let i = 0; i < n; i++) {
        const v = x[(o * n + i) * inner + j];
        if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          bestI = i;
        }
      }
      out[o * inner + j] = bestI;
    }
  }
  return out;
}
