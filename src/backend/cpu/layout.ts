// Data movement kernels of the cpu backend: permute, slice, padSlice (slice's adjoint), concat.
import { concatRows, stridesOf } from '../../tensor/shape.js';
import { walk } from './strided.js';

export function permute(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const src = perm.map((p) => inStrides[p]);
  const out = new Float32Array(x.length);
  walk(outShape, [src], (o, [xi], count, [is]) => {
    for (let i = 0; i < count; i++) out[o + i] = x[xi + i * is];
  });
  return out;
}

export function slice(x: Float32Array, shape: readonly number[], begin: readonly number[], size: readonly number[]): Float32Array {
  const strides = stridesOf(shape);
  let n = 1;
  for (const d of size) n *= d;
  const out = new Float32Array(n);
  if (n === 0) return out;
  let start = 0;
  for (let i = 0; i < shape.length; i++) start += begin[i] * strides[i];
  walk(size, [strides], (o, [xi], count) => {
    out.set(x.subarray(start + xi, start + xi + count), o);
  });
  return out;
}

export function padSlice(x: Float32Array, size: readonly number[], outShape: readonly number[], begin: readonly number[]): Float32Array {
  const strides = stridesOf(outShape);
  let n = 1;
  for (const d of outShape) n *= d;
  const out = new Float32Array(n);
  if (x.length === 0) return out;
  let start = 0;
  for (let i = 0; i < outShape.length; i++) start += begin[i] * strides[i];
  walk(size, [strides], (o, [yi], count) => {
    out.set(x.subarray(o, o + count), start + yi);
  });
  return out;
}

export function concat(xs: readonly Float32Array[], shapes: readonly (readonly number[])[], axis: number): Float32Array {
  const { outer, chunks, rowLen } = concatRows(shapes, axis);
  const out = new Float32Array(outer * rowLen);
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
