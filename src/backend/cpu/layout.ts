// Data movement kernels of the cpu backend: permute, slice, padSlice (slice's adjoint), concat.
import { concatRows, sizeOf, stridesOf } from '../../tensor/shape.js';
import { walk } from './strided.js';
import { takeUninitialized, takeZeroed } from './array-pool.js';

/** The flat offset of the element at index `begin` in storage with the given strides. */
function offsetOf(begin: readonly number[], strides: readonly number[]): number {
  let start = 0;
  for (let i = 0; i < strides.length; i++) start += begin[i] * strides[i];
  return start;
}

export function permute(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const src = perm.map((p) => inStrides[p]);
  const out = takeUninitialized(x.length);
  walk(outShape, [src], (o, [xi], count, [is]) => {
    // A run that stays contiguous (the last axis kept last) is one memcpy; short runs loop.
    if (is === 1 && count >= 16) out.set(x.subarray(xi, xi + count), o);
    else for (let i = 0; i < count; i++) out[o + i] = x[xi + i * is];
  });
  return out;
}

export function slice(
  x: Float32Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): Float32Array {
  const strides = stridesOf(shape);
  const n = sizeOf(size);
  const out = takeUninitialized(n);
  if (n === 0) return out;
  const start = offsetOf(begin, strides);
  walk(size, [strides], (o, [xi], count) => {
    out.set(x.subarray(start + xi, start + xi + count), o);
  });
  return out;
}

export function padSlice(
  x: Float32Array,
  size: readonly number[],
  outShape: readonly number[],
  begin: readonly number[],
): Float32Array {
  const strides = stridesOf(outShape);
  const out = takeZeroed(sizeOf(outShape));
  if (x.length === 0) return out;
  const start = offsetOf(begin, strides);
  walk(size, [strides], (o, [yi], count) => {
    out.set(x.subarray(o, o + count), start + yi);
  });
  return out;
}

export function concat(
  xs: readonly Float32Array[],
  shapes: readonly (readonly number[])[],
  axis: number,
): Float32Array {
  const { outer, chunks, rowLen } = concatRows(shapes, axis);
  const out = takeUninitialized(outer * rowLen);
  for (let o = 0; o < outer; o++) {
    let off = o * rowLen;
    for (let k = 0; k < xs.length; k++) {
      const c = chunks[k];
      out.set(xs[k].subarray(o * c, o * c + c), off);
      off += c;
    }
  }
  return out;
}
