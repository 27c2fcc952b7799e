// Reductions of the cpu backend: sum/max/min/prod over any set of axes, and argMax along one.
// The input is walked once in storage order; kept dims map to an output offset.
import type { ReduceOp } from '../backend.js';
import { sizeOf } from '../../tensor/shape.js';
import { walk } from './strided.js';
import { takeZeroed } from './array-pool.js';

/**
 * Merges neighbouring dims that are both reduced or both kept (and drops size-1 dims): the same
 * reduction over fewer, longer runs. A full sum of [1, 128, 16, 56, 56] becomes one run of 6.4M
 * elements instead of 115K runs of 56, each a callback.
 */
function coalesce(shape: readonly number[], axes: readonly number[]): { shape: number[]; axes: number[] } {
  const dims: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    if (dims.length > 0 && reduced[reduced.length - 1] === r) dims[dims.length - 1] *= d;
    else {
      dims.push(d);
      reduced.push(r);
    }
  });
  return { shape: dims, axes: reduced.flatMap((r, i) => (r ? [i] : [])) };
}

export function reduce(
  op: ReduceOp,
  x: Float32Array,
  fullShape: readonly number[],
  fullAxes: readonly number[],
): Float32Array {
  const n = sizeOf(fullShape.filter((_, i) => !fullAxes.includes(i)));
  // A 0 dim survives the merge (its product is 0), so walk visits nothing and an empty input
  // reduces to the identity over the output.
  const { shape, axes } = coalesce(fullShape, fullAxes);
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
          // Four partial sums: one float64 add chain is latency-bound on a long run.
          let t0 = 0,
            t1 = 0,
            t2 = 0,
            t3 = 0,
            i = 0;
          for (; i + 4 <= count; i += 4) {
            t0 += x[xi + i];
            t1 += x[xi + i + 1];
            t2 += x[xi + i + 2];
            t3 += x[xi + i + 3];
          }
          for (; i < count; i++) t0 += x[xi + i];
          acc[oi] += t0 + t1 + (t2 + t3);
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
