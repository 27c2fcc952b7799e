// Factories: tensor, zeros, ones, full, rand, randn, arange, and their *Like twins. Values are
// made on the host and uploaded once to the current backend.
import { ENGINE } from './engine.js';
import { checkShape, fmt, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';
import { fillNormal, fillUniform } from './random.js';
import { checkStrided, denseFromStrided, isStridedArray, type StridedArray } from './strided.js';

/** Options of the tensor factories ({@link tensor}, {@link zeros}, {@link randn}, ...). */
export interface TensorOptions {
  /** Track gradients for this (leaf) tensor. */
  requiresGrad?: boolean;
}

type NestedArray = number | boolean | readonly NestedArray[];

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0] as NestedArray;
    if (v === undefined) break;
  }
  return shape;
}

function flattenNested(values: NestedArray, shape: number[], out: Float32Array): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean')
        throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
      out[k++] = Number(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim])
      throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
    for (const e of v) walk(e, dim + 1);
  };
  walk(values, 0);
}

/** @internal Uploads `values` as a new tensor on the current backend. */
export function fromFloat32(values: Float32Array, shape: Shape, requiresGrad = false): Tensor {
  const backend = ENGINE.getBackend();
  const id = ENGINE.track(backend.upload(values), values.length, backend);
  return new Tensor(id, shape, backend, requiresGrad);
}

/**
 * A tensor from values: a number, a nested array, a flat typed/plain array with `shape`, or an
 * ndarray-shaped view `{ data, shape, stride, offset }` (scijs ndarray, get-pixels...: any strides,
 * copied in row-major order; `shape`, if given, reshapes the copy).
 * @example
 * tensor([[1, 2], [3, 4]]);
 * tensor(new Float32Array(6), [2, 3], { requiresGrad: true });
 * tensor(ndarray(pixels, [h, w, 3]).transpose(2, 0, 1)); // [3, h, w]
 */
export function tensor(
  values: NestedArray | ArrayLike<number> | StridedArray,
  shape?: readonly number[],
  options: TensorOptions = {},
): Tensor {
  let data: Float32Array;
  let finalShape: number[];
  if (isStridedArray(values)) {
    checkStrided(values, 'tensor', 'values');
    data = denseFromStrided(values, (n) => new Float32Array(n));
    finalShape = shape ? [...shape] : [...values.shape];
  } else if (typeof values === 'number' || typeof values === 'boolean') {
    data = Float32Array.of(Number(values));
    finalShape = shape ? [...shape] : [];
  } else if (ArrayBuffer.isView(values) || (shape && Array.isArray(values) && !Array.isArray(values[0]))) {
    const flat = values as ArrayLike<number>;
    // Backends copy on upload (the Backend contract), so a Float32Array goes in as it is; other
    // arrays convert in one pass (the constructor, not Float32Array.from's iterator).
    data = flat instanceof Float32Array ? flat : new Float32Array(flat);
    finalShape = shape ? [...shape] : [data.length];
  } else if (Array.isArray(values)) {
    const inferred = inferShape(values as NestedArray);
    data = new Float32Array(sizeOf(inferred));
    flattenNested(values as NestedArray, inferred, data);
    finalShape = shape ? [...shape] : inferred;
  } else {
    throw new Error(
      `tensor: values must be a number, an array, a typed array or an ndarray-shaped { data, shape, stride, offset }, got ${typeof values}`,
    );
  }
  checkShape('tensor', finalShape);
  if (sizeOf(finalShape) !== data.length) {
    throw new Error(
      `tensor: ${data.length} values do not fill shape ${fmt(finalShape)} (${sizeOf(finalShape)} elements)`,
    );
  }
  return fromFloat32(data, finalShape, options.requiresGrad ?? false);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const backend = ENGINE.getBackend();
  const n = sizeOf(shape);
  const id = ENGINE.track(backend.fill(n, value), n, backend);
  return new Tensor(id, shape, backend, options.requiresGrad ?? false);
}

/** Zeros of `shape`. */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** Ones of `shape`. */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** Standard normal samples (mean 0, std 1) from the seeded generator (see `manualSeed`). */
export function randn(shape: readonly number[], options: TensorOptions = {}): Tensor {
  checkShape('randn', shape);
  return fromFloat32(fillNormal(new Float32Array(sizeOf(shape))), shape, options.requiresGrad ?? false);
}

/** Uniform samples in [low, high) (default [0, 1)) from the seeded generator. */
export function rand(shape: readonly number[], options: TensorOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  return fromFloat32(
    fillUniform(new Float32Array(sizeOf(shape)), options.low ?? 0, options.high ?? 1),
    shape,
    options.requiresGrad ?? false,
  );
}

/**
 * `[start, start + step, ...)` below `end`; with one argument, `[0, 1, ..., n - 1]`.
 * @example
 * arange(5);        // [0, 1, 2, 3, 4]
 * arange(1, 2, .25); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, end?: number, step = 1): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return fromFloat32(data, [n]);
}
