// Frame handling: channel inference, grayscale conversion (OpenCV's BT.601 weights) and the warp of
// a frame through a similarity into an S×S grayscale crop with a validity mask. Samples only the
// pixels the crop needs, so a 1080p frame never gets converted whole. Also frames from ndarray-shaped
// [H, W, C] views (read structurally, no ndarray import).
import { checkStrided, denseFromStrided, isStridedArray, type StridedArray } from '../tensor/strided.js';
import { invertTransform } from './align.js';
import { argumentError, checkSize, describeValue } from './errors.js';
import type { Frame, GrayImage, SimilarityTransform } from './types.js';

/** A warped crop: a one-channel 0–255 float image plus a mask of pixels that came from inside the frame. */
export interface WarpedCrop extends GrayImage<Float32Array> {
  /** 1 where every bilinear tap fell inside the frame, 0 where the crop left it (value there is 0-padded). */
  readonly valid: Uint8Array;
}

/** Options of {@link warpGray}. */
export interface WarpOptions {
  /**
   * Samples per crop pixel along each axis. `'auto'` (default) picks `ceil(1 / scale)` (at most 4) when
   * the crop shrinks the face, a box pre-filter that keeps large faces from aliasing; 1 is plain bilinear.
   */
  supersample?: 'auto' | number;
}

/**
 * Channels of a frame: `frame.channels` if given, else `data.length / (width·height)` (1, 3 or 4).
 * Throws naming `fn` and `arg` when the data length fits none.
 */
export function frameChannels(frame: Frame, fn: string, arg: string): 1 | 3 | 4 {
  if (!frame || typeof frame !== 'object' || frame.data == null) {
    throw argumentError(fn, arg, '{ width, height, data }', describeValue(frame));
  }
  checkSize(fn, arg, frame.width, frame.height);
  const px = frame.width * frame.height;
  const ch = frame.channels ?? frame.data.length / px;
  if ((ch !== 1 && ch !== 3 && ch !== 4) || frame.data.length !== px * ch) {
    throw argumentError(
      fn,
      `${arg}.data.length`,
      frame.channels
        ? `${px * frame.channels} (${frame.width}x${frame.height}x${frame.channels})`
        : `${px}, ${px * 3} or ${px * 4} (${frame.width}x${frame.height} gray, RGB or RGBA)`,
      String(frame.data.length),
    );
  }
  return ch;
}

/**
 * A frame from an ndarray-shaped view `{ data, shape, stride, offset }` of shape `[H, W, C]`
 * (C = 1, 3 or 4) or `[H, W]` (gray), any strides (a crop, a flipped or transposed view, get-pixels'
 * RGBA output): copied into dense bytes, values rounded and clamped to 0-255.
 * @example
 * const frame = frameFromStrided(ndarray(rgba, [480, 640, 4]).hi(240, 320)); // the top-left quarter
 */
export function frameFromStrided(view: StridedArray): Frame & { channels: 1 | 3 | 4 } {
  const { width, height, channels } = checkStridedFrame(view, 'frameFromStrided', 'view');
  const data = denseFromStrided(view, (n) => new Uint8ClampedArray(n)); // clamps and rounds like a canvas
  return { width, height, data, channels };
}

/** Checks a strided `[H, W]` or `[H, W, C]` frame view (cheap: copies nothing) and returns its size; throws naming `fn` and `arg`. */
export function checkStridedFrame(
  view: unknown,
  fn: string,
  arg: string,
): { width: number; height: number; channels: 1 | 3 | 4 } {
  if (!isStridedArray(view))
    throw argumentError(fn, arg, 'an ndarray-shaped { data, shape, stride, offset }', describeValue(view));
  checkStrided(view, fn, arg);
  const [height, width, c = 1] = view.shape;
  if ((view.shape.length !== 2 && view.shape.length !== 3) || (c !== 1 && c !== 3 && c !== 4)) {
    throw argumentError(fn, `${arg}.shape`, '[H, W], [H, W, 1], [H, W, 3] or [H, W, 4]', `[${view.shape.join(', ')}]`);
  }
  checkSize(fn, arg, width, height);
  return { width, height, channels: c };
}

/**
 * Converts a frame to a one-channel float image with Y = 0.299 R + 0.587 G + 0.114 B (OpenCV's weights;
 * alpha is ignored).
 */
export function toGray(frame: Frame): GrayImage<Float32Array> {
  const ch = frameChannels(frame, 'toGray', 'frame');
  const n = frame.width * frame.height;
  const out = new Float32Array(n);
  const d = frame.data;
  if (ch === 1) out.set(d);
  else for (let i = 0, j = 0; i < n; i++, j += ch) out[i] = 0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2];
  return { width: frame.width, height: frame.height, data: out };
}

/**
 * Warps `frame` through `transform` (frame → crop coordinates, as {@link alignFace} returns) into a
 * `size`×`size` grayscale crop in 0–255, sampling bilinearly at each crop pixel centre. Pixels whose
 * source falls outside the frame are 0 and marked invalid.
 *
 * @example
 * ```ts
 * const { transform } = alignFace(points68);
 * const crop = warpGray({ width: 640, height: 480, data: rgba }, transform, 128);
 * crop.data;  // Float32Array(128 * 128), 0–255
 * crop.valid; // Uint8Array(128 * 128), 1 inside the frame
 * ```
 */
export function warpGray(
  frame: Frame,
  transform: SimilarityTransform,
  size = 128,
  options: WarpOptions = {},
): WarpedCrop {
  const fn = 'warpGray';
  const ch = frameChannels(frame, fn, 'frame');
  if (!Number.isInteger(size) || size < 1) throw argumentError(fn, 'size', 'a positive integer', String(size));
  const { a, b, tx, ty } = transform ?? ({} as SimilarityTransform);
  if (![a, b, tx, ty].every(Number.isFinite) || a * a + b * b === 0) {
    throw argumentError(fn, 'transform', 'finite { a, b, tx, ty } with a non-zero scale', JSON.stringify(transform));
  }
  const inv = invertTransform(transform);
  const scale = Math.hypot(a, b);
  const ss = options.supersample ?? 'auto';
  const k = ss === 'auto' ? Math.min(4, Math.max(1, Math.ceil(1 / scale - 1e-6))) : Math.max(1, Math.floor(ss));
  const W = frame.width;
  const H = frame.height;
  const data = frame.data;
  const out = new Float32Array(size * size);
  const valid = new Uint8Array(size * size);
  const wR = ch === 1 ? 1 : 0.299;
  const wG = ch === 1 ? 0 : 0.587;
  const wB = ch === 1 ? 0 : 0.114;
  const gOff = ch === 1 ? 0 : 1;
  const bOff = ch === 1 ? 0 : 2;
  const inv_k2 = 1 / (k * k);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let acc = 0;
      let inside = true;
      for (let sj = 0; sj < k; sj++) {
        const cv = v + (sj + 0.5) / k - 0.5;
        for (let si = 0; si < k; si++) {
          const cu = u + (si + 0.5) / k - 0.5;
          const x = inv.a * cu - inv.b * cv + inv.tx;
          const y = inv.b * cu + inv.a * cv + inv.ty;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          if (x0 >= 0 && y0 >= 0 && x0 < W - 1 && y0 < H - 1) {
            const p = (y0 * W + x0) * ch;
            const q = p + W * ch;
            const g00 = wR * data[p] + wG * data[p + gOff] + wB * data[p + bOff];
            const g01 = wR * data[p + ch] + wG * data[p + ch + gOff] + wB * data[p + ch + bOff];
            const g10 = wR * data[q] + wG * data[q + gOff] + wB * data[q + bOff];
            const g11 = wR * data[q + ch] + wG * data[q + ch + gOff] + wB * data[q + ch + bOff];
            const top = g00 + fx * (g01 - g00);
            const bot = g10 + fx * (g11 - g10);
            acc += top + fy * (bot - top);
          } else {
            // Constant-0 border: taps outside contribute nothing, and the pixel is flagged invalid.
            if (x > -1 && y > -1 && x < W && y < H)
              acc += borderSample(data, W, H, ch, x0, y0, fx, fy, wR, wG, wB, gOff, bOff);
            if (!(x >= 0 && y >= 0 && x <= W - 1 && y <= H - 1)) inside = false;
          }
        }
      }
      out[v * size + u] = acc * inv_k2;
      valid[v * size + u] = inside ? 1 : 0;
    }
  }
  return { width: size, height: size, data: out, valid };
}

/** Bilinear sample near the frame edge with taps outside the frame read as 0. */
function borderSample(
  data: ArrayLike<number>,
  W: number,
  H: number,
  ch: number,
  x0: number,
  y0: number,
  fx: number,
  fy: number,
  wR: number,
  wG: number,
  wB: number,
  gOff: number,
  bOff: number,
): number {
  const tap = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return 0;
    const p = (y * W + x) * ch;
    return wR * data[p] + wG * data[p + gOff] + wB * data[p + bOff];
  };
  const top = tap(x0, y0) * (1 - fx) + tap(x0 + 1, y0) * fx;
  const bot = tap(x0, y0 + 1) * (1 - fx) + tap(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bot * fy;
}
