// The `plm-ipe/ndarray` entry: interop with scijs ndarrays (get-pixels, save-pixels, ndarray-ops,
// ...): tensors from and to ndarrays, frames from strided [H, W, C] views. Every copy is an
// ndarray-ops `assign` on a (possibly transposed) view, so any stride, step or offset converts.
// Needs the optional peers `ndarray` and `ndarray-ops`, which compile code with `new Function`: not
// for pages under a strict Content-Security-Policy, so the root entry never imports this file.
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { fromFloat32 } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Frame } from '../landmarks/types.js';

/**
 * What this entry reads from an ndarray: its storage, shape, strides and offset (any object with
 * these works, an `ndarray(...)` or a structurally equal one).
 */
export interface NdArrayLike<D extends ArrayLike<number> = ArrayLike<number>> {
  data: D;
  shape: number[];
  stride: number[];
  offset: number;
}

/** An ndarray made here: the fields of {@link NdArrayLike} plus the ndarray methods used most. */
export interface NdArrayView<D extends ArrayLike<number> = ArrayLike<number>> extends NdArrayLike<D> {
  /** The value at an index, one number per axis. */
  get(...index: number[]): number;
  /** Sets the value at an index: the index numbers, then the value. */
  set(...indexAndValue: number[]): number;
  /** A view with the axes in the given order (no copy). */
  transpose(...axes: number[]): NdArrayView<D>;
  /** A view with the axes given a number fixed there, and those given null kept (no copy). */
  pick(...index: Array<number | null>): NdArrayView<D>;
}

/** Options of {@link fromNdarray} and {@link toNdarray}. */
export interface AxesOptions {
  /**
   * Axis order: the result's axis `i` is the source's axis `axes[i]` (as ndarray's `transpose`).
   * E.g. a video `[T, H, W, C]` with `axes: [3, 0, 1, 2]` becomes a `[C, T, H, W]` tensor.
   */
  axes?: number[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as ArrayLike<number>).length}`;
  return typeof v === 'object'
    ? `an object with keys [${Object.keys(v as object)
        .slice(0, 6)
        .join(', ')}]`
    : typeof v;
}

/** Checks `a` is ndarray-shaped and returns a real ndarray over the same storage. */
function wrap(a: unknown, fn: string, arg: string): ndarray.NdArray {
  const o = a as Partial<NdArrayLike>;
  const okShape = Array.isArray(o?.shape) && o.shape.every((n) => Number.isInteger(n) && n >= 0);
  if (
    !o ||
    typeof o !== 'object' ||
    o.data == null ||
    typeof o.data.length !== 'number' ||
    !okShape ||
    !Array.isArray(o.stride) ||
    o.stride.length !== o.shape!.length ||
    !Number.isInteger(o.offset)
  ) {
    throw new Error(`${fn}: ${arg} must be an ndarray ({ data, shape, stride, offset }), got ${describe(a)}`);
  }
  return ndarray(o.data as ndarray.Data<number>, o.shape, o.stride, o.offset);
}

function transposed(v: ndarray.NdArray, axes: number[] | undefined, fn: string): ndarray.NdArray {
  if (axes === undefined) return v;
  const d = v.shape.length;
  if (!Array.isArray(axes) || axes.length !== d || [...axes].sort((x, y) => x - y).some((x, i) => x !== i)) {
    throw new Error(
      `${fn}: options.axes must be a permutation of 0..${d - 1} for a ${d}-D array, got ${JSON.stringify(axes)}`,
    );
  }
  return v.transpose(...axes);
}

/**
 * A float32 tensor with the values of an ndarray (any dtype, any strides), copied with
 * `ops.assign`; `options.axes` reorders the axes on the way.
 * @example
 * import ndarray from 'ndarray';
 * const video = ndarray(rgbBytes, [frames, height, width, 3]);
 * const clip = fromNdarray(video, { axes: [3, 0, 1, 2] }); // [3, T, H, W], as C3D takes
 */
export function fromNdarray(a: NdArrayLike, options: AxesOptions = {}): Tensor {
  const v = transposed(wrap(a, 'fromNdarray', 'a'), options.axes, 'fromNdarray');
  const out = new Float32Array(v.shape.reduce((p, n) => p * n, 1));
  if (out.length > 0) ops.assign(ndarray(out, v.shape), v);
  return fromFloat32(out, [...v.shape]);
}

/**
 * The values of a tensor as a new ndarray over a Float32Array copy (row-major in the tensor's
 * shape); `options.axes` returns a transposed view of it.
 * @example
 * const nd = toNdarray(probabilities); // nd.get(0, 2): row 0, class 2
 */
export function toNdarray(t: Tensor, options: AxesOptions = {}): NdArrayView<Float32Array> {
  if (!t || typeof (t as { dataSync?: unknown }).dataSync !== 'function')
    throw new Error(`toNdarray: t must be a Tensor, got ${describe(t)}`);
  const v = ndarray(Float32Array.from(t.dataSync()), [...t.shape]);
  return transposed(v, options.axes, 'toNdarray') as unknown as NdArrayView<Float32Array>;
}

/** Options of {@link frameFromNdarray}. */
export interface FrameLayoutOptions {
  /**
   * Axis order of the source: `'hwc'` (default, `[height, width, channels]`) or `'whc'`
   * (`[width, height, channels]`, what get-pixels returns). A 2-D array is one gray channel.
   */
  layout?: 'hwc' | 'whc';
}

/**
 * A {@link Frame} (contiguous bytes, as every frame API of the library takes) from an image
 * ndarray: `[H, W, C]` with 1, 3 or 4 channels, or `[H, W]` gray; any strides (a crop, a
 * flipped or stepped view). Values are rounded and clamped to 0-255.
 * @example
 * getPixels('face.png', (err, pixels) => provider.detect(frameFromNdarray(pixels, { layout: 'whc' })));
 */
export function frameFromNdarray(a: NdArrayLike, options: FrameLayoutOptions = {}): Frame {
  let v = wrap(a, 'frameFromNdarray', 'a');
  if (v.shape.length === 2) v = ndarray(v.data, [...v.shape, 1], [...v.stride, 1], v.offset);
  const layout = options.layout ?? 'hwc';
  if (layout !== 'hwc' && layout !== 'whc')
    throw new Error(`frameFromNdarray: options.layout must be 'hwc' or 'whc', got ${JSON.stringify(layout)}`);
  if (v.shape.length !== 3 || ![1, 3, 4].includes(v.shape[2])) {
    throw new Error(
      `frameFromNdarray: a must be [height, width, 1|3|4] (or [width, height, c] with layout 'whc'), got shape [${v.shape.join(', ')}]`,
    );
  }
  if (layout === 'whc') v = v.transpose(1, 0, 2);
  const [height, width, channels] = v.shape;
  const data = new Uint8ClampedArray(height * width * channels);
  if (data.length > 0) ops.assign(ndarray(data, v.shape), v);
  return { width, height, data, channels: channels as 1 | 3 | 4 };
}

/** A `[height, width, channels]` ndarray view over a frame's bytes (no copy). */
export function frameToNdarray(frame: Frame): NdArrayView<Frame['data']> {
  if (!frame || typeof frame !== 'object' || !frame.data || !(frame.width > 0) || !(frame.height > 0)) {
    throw new Error(`frameToNdarray: frame must be { width, height, data }, got ${describe(frame)}`);
  }
  const channels = frame.channels ?? frame.data.length / (frame.width * frame.height);
  if (![1, 3, 4].includes(channels) || frame.data.length !== frame.width * frame.height * channels) {
    throw new Error(
      `frameToNdarray: frame.data has length ${frame.data.length}, which is not ${frame.width}x${frame.height} times 1, 3 or 4 channels`,
    );
  }
  return ndarray(frame.data, [frame.height, frame.width, channels]) as unknown as NdArrayView<Frame['data']>;
}
