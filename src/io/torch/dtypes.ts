// Torch storage types and element decoding: a storage's raw little-endian bytes plus a tensor's
// offset, shape and strides (non-contiguous views and shared storages included) to a typed array:
// float32 for float types, the integer type kept for integer ones. Browser-safe; imports io/half only.
import { bfloat16ToFloat, halfToFloat } from '../half.js';

/** The element types a torch checkpoint's storages hold that this reader decodes. */
export type TorchDtype =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** The values of one tensor: Float32Array for float dtypes; the integer dtypes keep their type (int64 as BigInt64Array, bool as Uint8Array). */
export type TorchValues = Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** torch's storage class names (`torch.FloatStorage`, ...) to their element type. */
export const STORAGE_DTYPES: Readonly<Record<string, TorchDtype>> = Object.freeze({
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
});

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<TorchDtype, number>> = Object.freeze({
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
});

/** True for the dtypes decoded to float32. */
export function isFloatDtype(dtype: TorchDtype): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A whole storage decoded: float dtypes to float32, integer dtypes to their own typed array. */
export function decodeStorage(bytes: Uint8Array, dtype: TorchDtype): TorchValues {
  const width = DTYPE_BYTES[dtype];
  const n = bytes.length / width;
  // A copy into a fresh (aligned) buffer; typed-array views of it are then free.
  // (Not bytes.slice(): on a Node Buffer that is a view of a shared pool.)
  const own = (): ArrayBuffer => {
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return copy.buffer;
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32': {
      if (littleEndianHost) return new Float32Array(own());
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'float64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'float16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'int64': {
      if (littleEndianHost) return new BigInt64Array(own());
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getBigInt64(8 * i, true);
      return out;
    }
    case 'int32': {
      if (littleEndianHost) return new Int32Array(own());
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'int16': {
      if (littleEndianHost) return new Int16Array(own());
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    }
    case 'int8':
      return new Int8Array(own());
    case 'uint8':
    case 'bool':
      return new Uint8Array(own());
  }
}

/**
 * Checks a tensor's view of a storage of `storageNumel` elements: integer non-negative sizes and
 * strides of the same rank, every element it addresses inside the storage. Returns its element count.
 * @throws naming `name` and what does not fit
 */
export function checkView(
  name: string,
  storageNumel: number,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): number {
  const bad = (what: string): never => {
    throw new Error(`tensor '${name}': ${what}`);
  };
  if (!Number.isSafeInteger(offset) || offset < 0) bad(`has a storage offset of ${String(offset)}`);
  if (shape.length !== stride.length) bad(`has ${shape.length} sizes but ${stride.length} strides`);
  if (shape.length > 16) bad(`has ${shape.length} dimensions`);
  let numel = 1;
  let last = offset;
  for (let i = 0; i < shape.length; i++) {
    if (!Number.isSafeInteger(shape[i]) || shape[i] < 0) bad(`has size ${String(shape[i])} in dimension ${i}`);
    if (!Number.isSafeInteger(stride[i]) || stride[i] < 0) bad(`has stride ${String(stride[i])} in dimension ${i}`);
    numel *= shape[i];
    last += (shape[i] - 1) * stride[i];
  }
  if (!Number.isSafeInteger(numel)) bad(`has ${numel} elements`);
  if (numel > 0 && last >= storageNumel)
    bad(`addresses element ${last} of a storage of ${storageNumel} elements (corrupt file?)`);
  return numel;
}

/** True when a view's elements are one run of the storage in row-major order (size-1 dims' strides ignored). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  for (let i = shape.length - 1, expect = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
}

/** The elements of a (checked) view, in row-major order: a slice for contiguous views, a strided gather otherwise. */
export function gather(
  storage: TorchValues,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
  numel: number,
): TorchValues {
  if (isContiguous(shape, stride) || numel === 0) return storage.slice(offset, offset + numel);
  const out = new (storage.constructor as new (n: number) => TorchValues)(numel);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let o = 0; o < numel; o++) {
    (out as Float32Array)[o] = (storage as Float32Array)[src];
    // Odometer over the dims, last fastest.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += stride[d];
      if (index[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
