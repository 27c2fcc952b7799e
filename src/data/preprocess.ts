// Pixel-branch preprocessing (paper section 3.2, C3D's input recipe): resize, centre or face crop,
// normalise, and split a video into non-overlapping clips laid out [clips, 3, L, H, W] (NCDHW).
// Pure typed-array code that runs anywhere: no Node imports, no tensors (callers wrap the Float32Array).
import { framePoints, type LandmarkTrack, type RgbVideo } from './types.js';
import { alignFace, invertTransform } from '../landmarks/align.js';
import type { SimilarityTransform } from '../landmarks/types.js';
import { c3dPytorchFrame } from './c3d-pytorch-resize.js';

/**
 * Per-channel RGB mean subtracted in C3D mode: the Sports-1M mean as the common PyTorch C3D ports
 * apply it (BGR 90, 98, 102, here in RGB order). C3D itself subtracted a per-pixel mean volume.
 */
export const C3D_MEAN_RGB: readonly [number, number, number] = Object.freeze([102, 98, 90]) as readonly [
  number,
  number,
  number,
];

/** What to do with the frames after the last full clip. */
export type ClipRemainder = 'drop' | 'pad';

/** Options of {@link splitClips}. */
export interface SplitClipsOptions {
  /** Frames per clip. Default 16 (C3D). */
  clipLength?: number;
  /**
   * `drop` (default): frames after the last full clip are discarded, as C3D does; a video with fewer
   * than `clipLength` frames is an error. `pad`: the last, partial clip is completed by repeating the
   * video's last frame, so every frame is used and any non-empty video gives at least one clip.
   */
  remainder?: ClipRemainder;
  /** Name of the video, for error messages. */
  name?: string;
}

/**
 * Splits a sequence into non-overlapping clips of `clipLength` items (frames, frame indices, …).
 * @example
 * splitClips([0, 1, 2, 3, 4], { clipLength: 2 });                   // [[0, 1], [2, 3]]
 * splitClips([0, 1, 2, 3, 4], { clipLength: 2, remainder: 'pad' }); // [[0, 1], [2, 3], [4, 4]]
 */
export function splitClips<T>(items: readonly T[], options: SplitClipsOptions = {}): T[][] {
  const L = options.clipLength ?? 16;
  const remainder = options.remainder ?? 'drop';
  const name = options.name ?? 'video';
  if (!Number.isInteger(L) || L < 1) throw new Error(`splitClips: clipLength must be a positive integer, got ${L}`);
  if (remainder !== 'drop' && remainder !== 'pad')
    throw new Error(`splitClips: remainder must be 'drop' or 'pad', got '${remainder}'`);
  if (items.length === 0) throw new Error(`${name}: has no frames, cannot make a ${L}-frame clip`);
  if (items.length < L && remainder === 'drop') {
    throw new Error(
      `${name}: has ${items.length} frames, shorter than one ${L}-frame clip (use remainder: 'pad' to pad it)`,
    );
  }
  const clips: T[][] = [];
  for (let start = 0; start + L <= items.length; start += L) clips.push(items.slice(start, start + L));
  const rest = items.length % L;
  if (rest > 0 && remainder === 'pad') {
    const clip = items.slice(items.length - rest);
    const last = items[items.length - 1];
    while (clip.length < L) clip.push(last);
    clips.push(clip);
  }
  return clips;
}

/** An axis-aligned box in pixels (`x`, `y` top-left; may extend past the frame). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Adds the bilinear sample of RGB `src` at (x, y) (pixel centres at integers, edges replicated) to `acc`. */
function addBilinearRgb(src: Uint8Array, width: number, height: number, x: number, y: number, acc: Float64Array): void {
  const maxX = width - 1;
  const maxY = height - 1;
  x = x < 0 ? 0 : x > maxX ? maxX : x;
  y = y < 0 ? 0 : y > maxY ? maxY : y;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = x0 < maxX ? x0 + 1 : x0;
  const y1 = y0 < maxY ? y0 + 1 : y0;
  const fx = x - x0;
  const fy = y - y0;
  const i00 = (y0 * width + x0) * 3;
  const i01 = (y0 * width + x1) * 3;
  const i10 = (y1 * width + x0) * 3;
  const i11 = (y1 * width + x1) * 3;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  for (let c = 0; c < 3; c++)
    acc[c] += src[i00 + c] * w00 + src[i01 + c] * w01 + src[i10 + c] * w10 + src[i11 + c] * w11;
}

/**
 * Samples an RGB image inside `box` into an `outW × outH` RGB image, bilinear with pixel-centre
 * alignment and edge replication outside the frame. When shrinking by 2× or more, each output pixel
 * averages a grid of bilinear taps so that fine texture does not alias.
 */
export function cropResize(
  src: Uint8Array,
  width: number,
  height: number,
  box: Box,
  outW: number,
  outH: number,
): Uint8Array {
  if (src.length !== width * height * 3) {
    throw new Error(`cropResize: expected ${width}x${height}x3 = ${width * height * 3} bytes, got ${src.length}`);
  }
  const sx = box.width / outW;
  const sy = box.height / outH;
  // Taps per output pixel along each axis: 1 for up-sampling, about the shrink factor otherwise.
  const tx = Math.max(1, Math.min(8, Math.round(sx)));
  const ty = Math.max(1, Math.min(8, Math.round(sy)));
  return supersampleRgb(outW, outH, tx, ty, (u, v, acc) =>
    addBilinearRgb(src, width, height, box.x + u * sx - 0.5, box.y + v * sy - 0.5, acc),
  );
}

/** Adds one bilinear tap at output-space point (u, v) (pixel corners at integers) to `acc`. */
type RgbTap = (u: number, v: number, acc: Float64Array) => void;

/**
 * An `outW × outH` RGB image whose every pixel averages a `tx × ty` grid of taps spread evenly
 * over the pixel (rows of taps outer), rounded to bytes.
 */
function supersampleRgb(outW: number, outH: number, tx: number, ty: number, tap: RgbTap): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  const inv = 1 / (tx * ty);
  const acc = new Float64Array(3);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      acc.fill(0);
      for (let jy = 0; jy < ty; jy++) {
        const v = oy + (jy + 0.5) / ty;
        for (let jx = 0; jx < tx; jx++) tap(ox + (jx + 0.5) / tx, v, acc);
      }
      const o = (oy * outW + ox) * 3;
      out[o] = Math.round(acc[0] * inv);
      out[o + 1] = Math.round(acc[1] * inv);
      out[o + 2] = Math.round(acc[2] * inv);
    }
  }
  return out;
}

/**
 * Warps an RGB image through `transform` (frame to crop coordinates, as {@link alignFace} returns)
 * into a `size` x `size` RGB crop: bilinear at each crop pixel centre, edge replication outside the
 * frame, and a grid of taps per pixel when the crop shrinks the face (so a 640-px webcam frame does
 * not alias).
 */
export function warpRgb(
  src: Uint8Array,
  width: number,
  height: number,
  transform: SimilarityTransform,
  size: number,
): Uint8Array {
  if (src.length !== width * height * 3) {
    throw new Error(`warpRgb: expected ${width}x${height}x3 = ${width * height * 3} bytes, got ${src.length}`);
  }
  const { a, b, tx, ty } = transform;
  const s2 = a * a + b * b;
  if (!(s2 > 0 && [a, b, tx, ty].every(Number.isFinite)))
    throw new Error(`warpRgb: transform must be finite with a non-zero scale, got ${JSON.stringify(transform)}`);
  // Crop to frame: the inverse similarity.
  const { a: ia, b: ib, tx: itx, ty: ity } = invertTransform(transform);
  const k = Math.max(1, Math.min(8, Math.round(1 / Math.sqrt(s2))));
  return supersampleRgb(size, size, k, k, (u, v, acc) => {
    const cu = u - 0.5;
    const cv = v - 0.5;
    addBilinearRgb(src, width, height, ia * cu - ib * cv + itx, ib * cu + ia * cv + ity, acc);
  });
}

/** Resizes a whole RGB image (see {@link cropResize}). */
export function resizeRgb(src: Uint8Array, width: number, height: number, outW: number, outH: number): Uint8Array {
  return cropResize(src, width, height, { x: 0, y: 0, width, height }, outW, outH);
}

/**
 * One square face box for a whole video: the per-frame landmark boxes' medians (centre and size),
 * enlarged by `margin` and shifted up so the forehead fits. A single box per video, not per frame,
 * because a box that follows detector jitter would add motion the face never made.
 */
export function faceBox(landmarks: LandmarkTrack, options: { margin?: number; name?: string } = {}): Box {
  const margin = options.margin ?? 1.5;
  if (landmarks.length === 0) throw new Error(`${options.name ?? 'video'}: face crop needs landmarks, got none`);
  const cx: number[] = [];
  const cy: number[] = [];
  const size: number[] = [];
  for (const lm of landmarks) {
    if (lm.length !== 136)
      throw new Error(`${options.name ?? 'video'}: landmarks must have 68 points (136 numbers), got ${lm.length}`);
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    for (let i = 0; i < 68; i++) {
      const x = lm[2 * i];
      const y = lm[2 * i + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    cx.push((x0 + x1) / 2);
    cy.push((y0 + y1) / 2);
    size.push(Math.max(x1 - x0, y1 - y0));
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const side = median(size) * margin;
  // The 68 points stop at the brows; move the box up by a tenth of its side to keep the forehead.
  const centreY = median(cy) - 0.1 * side;
  return { x: median(cx) - side / 2, y: centreY - side / 2, width: side, height: side };
}

/** How pixel values are normalised. */
export type Normalization = 'c3d' | 'unit' | 'raw' | { mean: readonly number[]; std: readonly number[] };

/**
 * The preprocessing that pretrained C3D weights from PyTorch (DavideA/c3d-pytorch's Sports-1M
 * `c3d.pickle`) expect, as its predict.py does it: the `c3d-pytorch` crop and raw 0-255 RGB values.
 */
export const C3D_PYTORCH_PREPROCESS = Object.freeze({ crop: 'c3d-pytorch' as const, normalize: 'raw' as const });

/** Options of {@link preprocessVideo}. */
export interface PreprocessOptions {
  /** Frames per clip. Default 16. */
  clipLength?: number;
  /** Output size: a number for square, or `[height, width]`. Default 112. */
  size?: number | readonly [number, number];
  /**
   * `center` (default): C3D's recipe, resize the frame to `resize` then take a centre crop of `size`.
   * `face`: one square box around the landmarks for the whole video (see {@link faceBox}), resized to `size`.
   * `aligned`: every frame warped so its eye corners and nose land on the landmark template (the
   * landmark branch's alignment, {@link alignFace}), so head motion and distance to the camera drop out
   * and what changes between frames is the expression. Needs a square `size`.
   * `c3d-pytorch`: c3d-pytorch's predict.py, for its pretrained weights: the whole frame resized to
   * `H x round(200 W / 112)` as skimage.transform.resize does it (112x200: bilinear, anti-aliased,
   * not rounded), then the centre `W` columns (44:156); `resize` does not apply.
   */
  crop?: 'center' | 'face' | 'aligned' | 'c3d-pytorch';
  /** Resize before the centre crop, `[height, width]`. Default scales C3D's 128×171 by `size / 112`. */
  resize?: readonly [number, number];
  /** Margin of the face box relative to the landmarks' extent. Default 1.5. */
  faceMargin?: number;
  /**
   * `c3d` (default): subtract {@link C3D_MEAN_RGB}, values stay in 0-255 units. `unit`: scale to [0, 1].
   * `raw`: 0-255 as they are (c3d-pytorch's predict.py, see {@link C3D_PYTORCH_PREPROCESS}).
   * Or an explicit per-channel `{ mean, std }` applied as `(v / 255 − mean) / std`.
   */
  normalize?: Normalization;
  /** Remainder handling of {@link splitClips}. Default `drop`. */
  remainder?: ClipRemainder;
  /** Landmark track (one entry per frame), required for `crop: 'face'` (unless `faceBox` is given) and `'aligned'`. */
  landmarks?: LandmarkTrack;
  /**
   * The box `crop: 'face'` uses instead of computing it from `landmarks`: a caller that streams a long
   * video computes {@link faceBox} over the whole track once and preprocesses only some of its frames.
   */
  faceBox?: Box;
  /** Name of the video, for error messages. */
  name?: string;
}

/** The result of {@link preprocessVideo}: clips as one Float32Array in NCDHW order. */
export interface ClipBatch {
  /** `clips * 3 * clipLength * height * width` floats, layout `[clips, 3, clipLength, height, width]`. */
  data: Float32Array;
  /** `[clips, 3, clipLength, height, width]`. */
  shape: [number, number, number, number, number];
  /** Index of each clip's first frame in the input video. */
  clipStarts: number[];
}

/**
 * Turns a decoded video into the pixel branch's input: crop and resize every frame, normalise, and
 * split into non-overlapping clips laid out `[clips, 3, L, H, W]`.
 * @example
 * const { data, shape } = preprocessVideo(video, { clipLength: 8, size: 32, normalize: 'unit' });
 */
export function preprocessVideo(video: RgbVideo, options: PreprocessOptions = {}): ClipBatch {
  const name = options.name ?? 'video';
  const L = options.clipLength ?? 16;
  const [H, W] =
    typeof options.size === 'number' || options.size === undefined
      ? [options.size ?? 112, options.size ?? 112]
      : options.size;
  if (!(H >= 1 && W >= 1)) throw new Error(`${name}: output size must be positive, got ${H}x${W}`);
  const { width, height, frames } = video;
  for (let t = 0; t < frames.length; t++) {
    if (frames[t].length !== width * height * 3) {
      throw new Error(
        `${name}: frame ${t} has ${frames[t].length} bytes, expected ${width}x${height}x3 = ${width * height * 3}`,
      );
    }
  }
  const indices = frames.map((_, i) => i);
  const clips = splitClips(indices, { clipLength: L, remainder: options.remainder ?? 'drop', name });

  const crop = options.crop ?? 'center';
  let box: Box = { x: 0, y: 0, width, height };
  let transforms: SimilarityTransform[] | null = null;
  if (crop === 'aligned') {
    if (!options.landmarks) throw new Error(`${name}: crop 'aligned' needs a landmark track (options.landmarks)`);
    if (options.landmarks.length !== frames.length) {
      throw new Error(`${name}: ${frames.length} frames but ${options.landmarks.length} landmark frames`);
    }
    if (H !== W) throw new Error(`${name}: crop 'aligned' needs a square size, got ${H}x${W}`);
    transforms = options.landmarks.map((lm, t) => {
      if (lm.length !== 136)
        throw new Error(`${name}: landmarks of frame ${t} must have 68 points (136 numbers), got ${lm.length}`);
      return alignFace(framePoints(lm), { size: W }).transform;
    });
  } else if (crop === 'face' && options.faceBox) {
    box = options.faceBox;
  } else if (crop === 'face') {
    if (!options.landmarks) throw new Error(`${name}: crop 'face' needs a landmark track (options.landmarks)`);
    if (options.landmarks.length !== frames.length) {
      throw new Error(`${name}: ${frames.length} frames but ${options.landmarks.length} landmark frames`);
    }
    box = faceBox(options.landmarks, { margin: options.faceMargin, name });
  } else if (crop === 'center') {
    // Resize the full frame to (rh, rw) and crop the centre (H, W): the same as sampling the frame
    // region that maps onto that crop, which avoids materialising the resized frame.
    const [rh, rw] = options.resize ?? [Math.round((128 * H) / 112), Math.round((171 * W) / 112)];
    if (rh < H || rw < W) throw new Error(`${name}: resize ${rh}x${rw} is smaller than the crop ${H}x${W}`);
    const kx = width / rw;
    const ky = height / rh;
    box = { x: Math.floor((rw - W) / 2) * kx, y: Math.floor((rh - H) / 2) * ky, width: W * kx, height: H * ky };
  } else if (crop !== 'c3d-pytorch') {
    throw new Error(`${name}: crop must be 'center', 'face', 'aligned' or 'c3d-pytorch', got '${String(crop)}'`);
  }

  const { mul, add } = normalisation(options.normalize ?? 'c3d', name);

  const plane = H * W;
  const data = new Float32Array(clips.length * 3 * L * plane);
  const processed = new Map<number, Uint8Array | Float32Array>();
  for (let n = 0; n < clips.length; n++) {
    for (let t = 0; t < L; t++) {
      const f = clips[n][t];
      let img = processed.get(f);
      if (!img) {
        img = transforms
          ? warpRgb(frames[f], width, height, transforms[f], W)
          : crop === 'c3d-pytorch'
            ? c3dPytorchFrame(frames[f], width, height, H, W)
            : cropResize(frames[f], width, height, box, W, H);
        processed.set(f, img);
      }
      for (let c = 0; c < 3; c++) {
        const base = ((n * 3 + c) * L + t) * plane;
        const m = mul[c];
        const a = add[c];
        for (let p = 0; p < plane; p++) data[base + p] = img[p * 3 + c] * m + a;
      }
    }
  }
  return { data, shape: [clips.length, 3, L, H, W], clipStarts: clips.map((c) => c[0]) };
}

/** The per-channel `value * mul + add` that maps bytes to the chosen normalisation. */
function normalisation(
  norm: Normalization,
  name: string,
): { mul: [number, number, number]; add: [number, number, number] } {
  let mul: [number, number, number];
  let add: [number, number, number];
  if (norm === 'c3d') {
    mul = [1, 1, 1];
    add = [-C3D_MEAN_RGB[0], -C3D_MEAN_RGB[1], -C3D_MEAN_RGB[2]];
  } else if (norm === 'raw') {
    mul = [1, 1, 1];
    add = [0, 0, 0];
  } else if (norm === 'unit') {
    mul = [1 / 255, 1 / 255, 1 / 255];
    add = [0, 0, 0];
  } else {
    const { mean, std } = norm;
    if (mean.length !== 3 || std.length !== 3) throw new Error(`${name}: normalize mean and std need 3 values each`);
    mul = [1 / (255 * std[0]), 1 / (255 * std[1]), 1 / (255 * std[2])];
    add = [-mean[0] / std[0], -mean[1] / std[1], -mean[2] / std[2]];
  }
  return { mul, add };
}
