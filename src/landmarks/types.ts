// Plain data types shared by the landmark descriptor modules: frames, grayscale images, flow fields,
// points and similarity transforms. Types only: no runtime code, no imports.

/** Any numeric array a decoder, canvas or typed-array pipeline may hand us. */
export type NumericArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | readonly number[];

/**
 * A video frame as a canvas (`ImageData`), ffmpeg (`-pix_fmt rgb24`/`rgba`) or an image decoder gives it:
 * row-major, interleaved channels, 0-255. `channels` is inferred from `data.length / (width * height)`
 * (1 = gray, 3 = RGB, 4 = RGBA) when omitted.
 */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly channels?: 1 | 3 | 4;
}

/** A single-channel image, row-major, values in 0-255 (any numeric typed array). */
export interface GrayImage<T extends NumericArray = NumericArray> {
  readonly width: number;
  readonly height: number;
  readonly data: T;
}

/**
 * A dense flow field laid out like OpenCV's `CV_32FC2`: for pixel (x, y) of the first image,
 * `data[2 * (y * width + x)]` is dx and `data[2 * (y * width + x) + 1]` is dy, so that
 * `prev(y, x) ≈ next(y + dy, x + dx)`.
 */
export interface FlowField {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A 2-D point in pixel coordinates (x right, y down). */
export interface Point2 {
  readonly x: number;
  readonly y: number;
}

/** Landmarks as detectors return them: `{x, y}` objects (face-api, MediaPipe) or `[x, y]` pairs. */
export type LandmarkInput = ArrayLike<Point2> | ArrayLike<readonly [number, number]>;

/**
 * A 4-DOF similarity transform (uniform scale, rotation, translation):
 * `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`. Scale is `hypot(a, b)`, angle `atan2(b, a)`.
 */
export interface SimilarityTransform {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}
