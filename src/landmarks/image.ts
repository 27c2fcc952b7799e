// Float image primitives for the flow and warp code: OpenCV-compatible Gaussian kernels, separable
// Gaussian blur (reflect-101 border), bilinear and area resizing with OpenCV's pixel-centre convention,
// and a grow-only buffer pool. Pure typed-array loops; no allocation inside per-pixel loops.

/** Rounds half to even, as OpenCV's `cvRound` does (it uses the FPU's default rounding mode). */
export function cvRound(v: number): number {
  const r = Math.round(v);
  // Math.round rounds .5 up; flip exact ties that landed on an odd number.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const SMALL_GAUSSIAN: Record<number, number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
};

/**
 * OpenCV's `getGaussianKernel(n, sigma, CV_32F)`: `n` taps, normalised to sum 1. With `sigma <= 0`
 * and n ≤ 7 OpenCV uses fixed binomial tables; otherwise `sigma <= 0` means `0.3·((n−1)/2 − 1) + 0.8`.
 */
export function gaussianKernel(n: number, sigma: number): Float32Array {
  const out = new Float32Array(n);
  const fixed = sigma <= 0 ? SMALL_GAUSSIAN[n] : undefined;
  if (fixed) {
    out.set(fixed);
    return out;
  }
  const s = sigma > 0 ? sigma : ((n - 1) * 0.5 - 1) * 0.3 + 0.8;
  const scale2 = -0.5 / (s * s);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = i - (n - 1) * 0.5;
    out[i] = Math.exp(scale2 * x * x);
    sum += out[i];
  }
  for (let i = 0; i < n; i++) out[i] = out[i] / sum;
  return out;
}

/** Index into [0, n) with OpenCV's BORDER_REFLECT_101 rule (…, 2, 1 | 0, 1, 2, … | n−2, …). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/**
 * Separable Gaussian blur of a one-channel float image with BORDER_REFLECT_101 (OpenCV's default),
 * horizontal pass first like OpenCV's `sepFilter2D`. `dst` may not alias `src`; `tmp` needs
 * `width * height` floats and `pad` needs `max(width, height) + kernel.length` floats.
 */
export function gaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  kernel: Float32Array,
  dst: Float32Array,
  tmp: Float32Array,
  pad: Float32Array,
): void {
  const r = kernel.length >> 1;
  const n = kernel.length;
  // Horizontal: copy the row into a padded buffer so the inner loop has no border tests.
  for (let y = 0; y < height; y++) {
    const off = y * width;
    for (let i = -r; i < width + r; i++) pad[i + r] = src[off + reflect101(i, width)];
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += kernel[k] * pad[x + k];
      tmp[off + x] = s;
    }
  }
  // Vertical: accumulate whole rows so memory is walked contiguously.
  for (let y = 0; y < height; y++) {
    const off = y * width;
    const k0 = kernel[0];
    let row = reflect101(y - r, height) * width;
    for (let x = 0; x < width; x++) dst[off + x] = k0 * tmp[row + x];
    for (let k = 1; k < n; k++) {
      const kk = kernel[k];
      row = reflect101(y - r + k, height) * width;
      for (let x = 0; x < width; x++) dst[off + x] += kk * tmp[row + x];
    }
  }
}

/**
 * Bilinear resize with OpenCV's `INTER_LINEAR` geometry: source coordinate `(d + 0.5)·(sw/dw) − 0.5`,
 * clamped to the image (replicated border). Works on `channels` interleaved channels; same-size is a copy.
 */
export function resizeBilinear(
  src: Float32Array,
  sw: number,
  sh: number,
  dst: Float32Array,
  dw: number,
  dh: number,
  channels = 1,
): void {
  if (sw === dw && sh === dh) {
    dst.set(src.subarray(0, sw * sh * channels));
    return;
  }
  const xi = new Int32Array(dw);
  const xf = new Float32Array(dw);
  for (let x = 0; x < dw; x++) [xi[x], xf[x]] = bilinearTap(x, sw, dw);
  const rowStride = sw * channels;
  if (channels === 2) {
    resizeBilinear2(src, sw, sh, dst, dw, dh, xi, xf);
    return;
  }
  for (let y = 0; y < dh; y++) {
    const [iy, fy] = bilinearTap(y, sh, dh);
    const r0 = iy * rowStride;
    const r1 = iy + 1 < sh ? r0 + rowStride : r0;
    const out = y * dw * channels;
    for (let x = 0; x < dw; x++) {
      const i = xi[x];
      const f = xf[x];
      const a = i * channels;
      const b = i + 1 < sw ? a + channels : a;
      for (let c = 0; c < channels; c++) {
        const top = src[r0 + a + c] + f * (src[r0 + b + c] - src[r0 + a + c]);
        const bot = src[r1 + a + c] + f * (src[r1 + b + c] - src[r1 + a + c]);
        dst[out + x * channels + c] = top + fy * (bot - top);
      }
    }
  }
}

/** Source index and weight of output index y along one axis of a bilinear resize (OpenCV geometry, clamped). */
function bilinearTap(y: number, sh: number, dh: number): [number, number] {
  let fy = (y + 0.5) * (sh / dh) - 0.5;
  let iy = Math.floor(fy);
  fy -= iy;
  if (iy < 0) {
    iy = 0;
    fy = 0;
  }
  if (iy >= sh - 1) {
    iy = sh - 1;
    fy = 0;
  }
  return [iy, fy];
}

/** {@link resizeBilinear} for two interleaved channels (flow fields), with the channel loop unrolled. */
function resizeBilinear2(
  src: Float32Array,
  sw: number,
  sh: number,
  dst: Float32Array,
  dw: number,
  dh: number,
  xi: Int32Array,
  xf: Float32Array,
): void {
  const rowStride = sw * 2;
  for (let y = 0; y < dh; y++) {
    const [iy, fy] = bilinearTap(y, sh, dh);
    const r0 = iy * rowStride;
    const r1 = iy + 1 < sh ? r0 + rowStride : r0;
    let o = y * dw * 2;
    for (let x = 0; x < dw; x++, o += 2) {
      const i = xi[x];
      const f = xf[x];
      const a = i * 2;
      const b = i + 1 < sw ? a + 2 : a;
      const t0 = src[r0 + a] + f * (src[r0 + b] - src[r0 + a]);
      const b0 = src[r1 + a] + f * (src[r1 + b] - src[r1 + a]);
      const t1 = src[r0 + a + 1] + f * (src[r0 + b + 1] - src[r0 + a + 1]);
      const b1 = src[r1 + a + 1] + f * (src[r1 + b + 1] - src[r1 + a + 1]);
      dst[o] = t0 + fy * (b0 - t0);
      dst[o + 1] = t1 + fy * (b1 - t1);
    }
  }
}

/** Area weights of a 1-D downscale: for each output cell, the source cells it covers and how much. */
function areaTable(sn: number, dn: number): { start: Int32Array; count: Int32Array; idx: Int32Array; w: Float64Array } {
  const scale = sn / dn;
  const start = new Int32Array(dn);
  const count = new Int32Array(dn);
  const idx: number[] = [];
  const w: number[] = [];
  for (let d = 0; d < dn; d++) {
    const f0 = d * scale;
    const f1 = Math.min(sn, f0 + scale);
    start[d] = idx.length;
    for (let s = Math.floor(f0); s < Math.ceil(f1 - 1e-12); s++) {
      const cover = Math.min(f1, s + 1) - Math.max(f0, s);
      if (cover <= 1e-12) continue;
      idx.push(s);
      w.push(cover / scale);
    }
    count[d] = idx.length - start[d];
  }
  return { start, count, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/**
 * Area (box-coverage) resize, OpenCV's `INTER_AREA` for shrinking; enlarging falls back to bilinear
 * (which is what OpenCV's INTER_AREA does when enlarging too).
 */
export function resizeArea(
  src: Float32Array,
  sw: number,
  sh: number,
  dst: Float32Array,
  dw: number,
  dh: number,
  channels = 1,
): void {
  if (dw > sw || dh > sh || (sw === dw && sh === dh)) {
    resizeBilinear(src, sw, sh, dst, dw, dh, channels);
    return;
  }
  const tx = areaTable(sw, dw);
  const ty = areaTable(sh, dh);
  const acc = new Float64Array(dw * channels);
  for (let y = 0; y < dh; y++) {
    acc.fill(0);
    for (let j = 0; j < ty.count[y]; j++) {
      const sy = ty.idx[ty.start[y] + j];
      const wy = ty.w[ty.start[y] + j];
      const row = sy * sw * channels;
      for (let x = 0; x < dw; x++) {
        for (let i = 0; i < tx.count[x]; i++) {
          const sx = tx.idx[tx.start[x] + i];
          const wxy = wy * tx.w[tx.start[x] + i];
          for (let c = 0; c < channels; c++) acc[x * channels + c] += wxy * src[row + sx * channels + c];
        }
      }
    }
    dst.set(acc, y * dw * channels);
  }
}

/**
 * A 1-D resampling operator as fixed-width tap lists: output i reads `idx[i·taps + t]` with weight
 * `w[i·taps + t]` (unused taps have weight 0).
 */
export interface TapTable {
  readonly size: number;
  readonly taps: number;
  readonly idx: Int32Array;
  readonly w: Float32Array;
}

/**
 * The 1-D operator "Gaussian blur with `kernel` (reflect-101 border), then bilinear resize from `sn` to
 * `dn` samples (OpenCV geometry)", folded into one tap table. Applying it along x and then y equals
 * `GaussianBlur` followed by `resize(INTER_LINEAR)`, up to float rounding, while only computing the
 * samples the resize keeps.
 */
export function blurResizeTaps(sn: number, dn: number, kernel: Float32Array): TapTable {
  const r = kernel.length >> 1;
  const lists: Map<number, number>[] = [];
  let taps = 1;
  const scale = sn / dn;
  for (let d = 0; d < dn; d++) {
    let i0: number;
    let f: number;
    if (sn === dn) {
      i0 = d;
      f = 0;
    } else {
      f = (d + 0.5) * scale - 0.5;
      i0 = Math.floor(f);
      f -= i0;
      if (i0 < 0) {
        i0 = 0;
        f = 0;
      }
      if (i0 >= sn - 1) {
        i0 = sn - 1;
        f = 0;
      }
    }
    const acc = new Map<number, number>();
    const add = (j: number, wj: number) => {
      if (wj === 0) return;
      for (let k = -r; k <= r; k++) {
        const src = reflect101(j + k, sn);
        acc.set(src, (acc.get(src) ?? 0) + wj * kernel[k + r]);
      }
    };
    add(i0, 1 - f);
    if (f !== 0) add(i0 + 1, f);
    lists.push(acc);
    taps = Math.max(taps, acc.size);
  }
  const idx = new Int32Array(dn * taps);
  const w = new Float32Array(dn * taps);
  lists.forEach((acc, d) => {
    let t = 0;
    for (const [j, wj] of [...acc.entries()].sort((a, b) => a[0] - b[0])) {
      idx[d * taps + t] = j;
      w[d * taps + t] = wj;
      t++;
    }
    for (; t < taps; t++) idx[d * taps + t] = idx[d * taps];
  });
  return { size: dn, taps, idx, w };
}

/**
 * Applies a separable operator: `tx` along rows (src width → tx.size), then `ty` along columns
 * (src height → ty.size). `tmp` needs `srcHeight · tx.size` floats.
 */
export function applySeparable(
  src: Float32Array,
  width: number,
  height: number,
  tx: TapTable,
  ty: TapTable,
  dst: Float32Array,
  tmp: Float32Array,
): void {
  const dw = tx.size;
  const dh = ty.size;
  const TX = tx.taps;
  const TY = ty.taps;
  const xi = tx.idx;
  const xw = tx.w;
  const yi = ty.idx;
  const yw = ty.w;
  // Rows first: every source row to tx.size samples.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const out = y * dw;
    for (let x = 0, t0 = 0; x < dw; x++, t0 += TX) {
      let s = 0;
      for (let t = 0; t < TX; t++) s += xw[t0 + t] * src[row + xi[t0 + t]];
      tmp[out + x] = s;
    }
  }
  // Then columns, accumulating whole rows so memory is walked contiguously. Zero-weight padding taps
  // are multiplied like the others: a branch on them costs more than the multiply (and deoptimised).
  for (let y = 0, t0 = 0; y < dh; y++, t0 += TY) {
    const out = y * dw;
    const base = yi[t0] * dw;
    const wt = yw[t0];
    for (let x = 0; x < dw; x++) dst[out + x] = wt * tmp[base + x];
    for (let t = 1; t < TY; t++) {
      const b = yi[t0 + t] * dw;
      const wb = yw[t0 + t];
      for (let x = 0; x < dw; x++) dst[out + x] += wb * tmp[b + x];
    }
  }
}

/**
 * Grow-only pool of named typed-array buffers, so repeated calls on same-sized images allocate
 * nothing. `get`/`get64` return a view of exactly `length` elements; contents are stale, not zeroed.
 */
export class BufferPool {
  private readonly f32 = new Map<string, Float32Array>();
  private readonly f64 = new Map<string, Float64Array>();

  /** A Float32Array of `length` under `name`, reusing (and growing) the previous one. */
  get(name: string, length: number): Float32Array {
    let buf = this.f32.get(name);
    if (!buf || buf.length < length) {
      buf = new Float32Array(length);
      this.f32.set(name, buf);
    }
    return buf.length === length ? buf : buf.subarray(0, length);
  }

  /** A Float64Array of `length` under `name`, reusing (and growing) the previous one. */
  get64(name: string, length: number): Float64Array {
    let buf = this.f64.get(name);
    if (!buf || buf.length < length) {
      buf = new Float64Array(length);
      this.f64.set(name, buf);
    }
    return buf.length === length ? buf : buf.subarray(0, length);
  }
}
