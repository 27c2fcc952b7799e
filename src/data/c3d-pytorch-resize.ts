// The frame preprocessing of DavideA/c3d-pytorch's predict.py, which its Sports-1M weights are
// used with: skimage.transform.resize to 112x200 (bilinear, 'reflect' edges, Gaussian
// anti-aliasing on shrinking axes, values kept in 0-255 as floats), then columns 44:156. Pure
// typed-array code that runs anywhere; imports nothing.

/** scikit-image's 'reflect' mode (scipy's 'mirror'): reflect about the edge pixels' centres. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = Math.abs(i) % period;
  return j >= n ? period - j : j;
}

/** scipy.ndimage.gaussian_filter1d (truncate 4, 'mirror' edges) along one axis of a [rows, cols, 3] image, in place of a copy. */
function gaussianAxis(img: Float64Array, rows: number, cols: number, axis: 0 | 1, sigma: number): Float64Array {
  if (sigma <= 1e-15) return img;
  const radius = Math.trunc(4 * sigma + 0.5);
  const weights: number[] = [];
  let total = 0;
  for (let x = -radius; x <= radius; x++) {
    const w = Math.exp((-0.5 / (sigma * sigma)) * x * x);
    weights.push(w);
    total += w;
  }
  for (let k = 0; k < weights.length; k++) weights[k] /= total;
  const out = new Float64Array(img.length);
  const n = axis === 0 ? rows : cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = axis === 0 ? r : c;
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (let k = 0; k < weights.length; k++) {
          const j = mirror(i + k - radius, n);
          acc += weights[k] * img[((axis === 0 ? j : r) * cols + (axis === 0 ? c : j)) * 3 + ch];
        }
        out[(r * cols + c) * 3 + ch] = acc;
      }
    }
  }
  return out;
}

/** Linear interpolation weights of scipy.ndimage.zoom (order 1, grid_mode): source = (o + 0.5) * n / outN - 0.5. */
function zoomTaps(n: number, outN: number): { lo: Int32Array; hi: Int32Array; f: Float64Array } {
  const lo = new Int32Array(outN);
  const hi = new Int32Array(outN);
  const f = new Float64Array(outN);
  for (let o = 0; o < outN; o++) {
    const c = (o + 0.5) * (n / outN) - 0.5;
    const l = Math.floor(c);
    lo[o] = mirror(l, n);
    hi[o] = mirror(l + 1, n);
    f[o] = c - l;
  }
  return { lo, hi, f };
}

/**
 * One RGB frame as predict.py prepares it for C3D, generalised to any crop: resize to
 * `outH x round(200 * outW / 112)` the way skimage.transform.resize does (preserve_range, order 1,
 * anti-aliasing), then the centre `outW` columns (44:156 at 112). Returns `[outH, outW, 3]`
 * float32 values in 0-255, RGB, no mean subtracted.
 * @example
 * const hwc = c3dPytorchFrame(frame, 320, 240, 112, 112); // as predict.py's clip[t]
 */
export function c3dPytorchFrame(
  src: Uint8Array,
  width: number,
  height: number,
  outH: number,
  outW: number,
): Float32Array {
  if (src.length !== width * height * 3)
    throw new Error(`c3dPytorchFrame: expected ${width}x${height}x3 = ${width * height * 3} bytes, got ${src.length}`);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH >= 1 && outW >= 1))
    throw new Error(`c3dPytorchFrame: output size must be positive integers, got ${outH}x${outW}`);
  const rw = Math.round((200 * outW) / 112);
  const x0 = Math.floor((rw - outW) / 2);
  let img: Float64Array = Float64Array.from(src);
  img = gaussianAxis(img, height, width, 0, Math.max(0, (height / outH - 1) / 2));
  img = gaussianAxis(img, height, width, 1, Math.max(0, (width / rw - 1) / 2));
  // Rows first, then only the columns the crop keeps (the resize is separable, so this equals crop-after-resize).
  const ty = zoomTaps(height, outH);
  const rowsDone = new Float64Array(outH * width * 3);
  for (let o = 0; o < outH; o++) {
    const a = ty.lo[o] * width * 3;
    const b = ty.hi[o] * width * 3;
    const f = ty.f[o];
    for (let k = 0; k < width * 3; k++) rowsDone[o * width * 3 + k] = img[a + k] * (1 - f) + img[b + k] * f;
  }
  const tx = zoomTaps(width, rw);
  const out = new Float32Array(outH * outW * 3);
  for (let r = 0; r < outH; r++) {
    for (let c = 0; c < outW; c++) {
      const o = x0 + c;
      const a = (r * width + tx.lo[o]) * 3;
      const b = (r * width + tx.hi[o]) * 3;
      const f = tx.f[o];
      for (let ch = 0; ch < 3; ch++) out[(r * outW + c) * 3 + ch] = rowsDone[a + ch] * (1 - f) + rowsDone[b + ch] * f;
    }
  }
  return out;
}
