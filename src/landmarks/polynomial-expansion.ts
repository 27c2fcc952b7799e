// Farnebäck's polynomial expansion: per pixel, the weighted least-squares fit of
// f(x, y) ≈ c + bᵀ·(x, y) + (x, y)·A·(x, y)ᵀ over a (2n+1)² Gaussian-weighted window, computed as
// separable correlations (vertical pass, then horizontal) exactly like OpenCV's FarnebackPolyExp.
// Imports only the WebAssembly SIMD version of the same kernel (fast/polyexp-wasm.ts); used by farneback.ts.
import { polyExpWasm } from './fast/polyexp-wasm.js';

/** Kernels and inverse Gram-matrix entries of one (n, sigma) expansion. */
export interface PolyExpKernel {
  /** Neighbourhood radius: 2n+1 taps per axis. */
  readonly n: number;
  /** Gaussian g(k), k = 0..n (symmetric), normalised so Σ_{−n..n} g = 1. */
  readonly g: Float32Array;
  /** k·g(k). */
  readonly xg: Float32Array;
  /** k²·g(k). */
  readonly xxg: Float32Array;
  readonly ig11: number;
  readonly ig03: number;
  readonly ig33: number;
  readonly ig55: number;
}

/**
 * Builds the expansion kernel for radius `n` and applicability std `sigma` (`sigma < FLT_EPSILON`
 * means `0.3·n`, as in OpenCV). The four `ig*` numbers are entries of the inverse 6×6 Gram matrix; the
 * matrix is block-structured, so the 3×3 block of (1, x², y²) is inverted in closed form.
 */
export function polyExpKernel(n: number, sigma: number): PolyExpKernel {
  if (sigma < 1.1920929e-7) sigma = n * 0.3;
  const g = new Float32Array(n + 1);
  const xg = new Float32Array(n + 1);
  const xxg = new Float32Array(n + 1);
  let s = 0;
  const raw = new Float64Array(n + 1);
  for (let x = 0; x <= n; x++) {
    raw[x] = Math.fround(Math.exp((-x * x) / (2 * sigma * sigma)));
    s += x === 0 ? raw[x] : 2 * raw[x];
  }
  s = 1 / s;
  for (let x = 0; x <= n; x++) {
    g[x] = raw[x] * s;
    xg[x] = x * g[x];
    xxg[x] = x * x * g[x];
  }
  // Gram entries: G00 = Σg(y)g(x), G11 = Σ g g x², G33 = Σ g g x⁴, G55 = Σ g g x² y² (double, as OpenCV).
  let g0 = 0;
  let g2 = 0;
  let g4 = 0;
  for (let x = -n; x <= n; x++) {
    const gx = g[Math.abs(x)];
    g0 += gx;
    g2 += gx * x * x;
    g4 += gx * x * x * x * x;
  }
  const G00 = g0 * g0;
  const G11 = g2 * g0;
  const G33 = g4 * g0;
  const G55 = g2 * g2;
  // Invert [[G00, G11, G11], [G11, G33, G55], [G11, G55, G33]] (the (1, x², y²) block).
  const a = G00;
  const b = G11;
  const c = G33;
  const d = G55;
  const det = a * (c * c - d * d) - b * (b * c - b * d) + b * (b * d - c * b);
  const ig03 = -(b * c - b * d) / det; // cofactor (0,1) / det
  const ig33 = (a * c - b * b) / det; // cofactor (1,1) / det
  return { n, g, xg, xxg, ig11: 1 / G11, ig03, ig33, ig55: 1 / G55 };
}

/**
 * Polynomial expansion of a float image into `dst` (5 interleaved channels per pixel, OpenCV's layout):
 * `[b_y, b_x, r_yy, r_xx, r_xy]`, where b is the linear term and r the quadratic coefficients
 * (A = [[r_xx, r_xy/2], [r_xy/2, r_yy]]). Borders replicate. `scratch` is kept for API compatibility
 * (the work rows are module-level). The flow code uses `polynomialExpansionPlanar` directly.
 */
export function polynomialExpansion(
  src: Float32Array,
  width: number,
  height: number,
  k: PolyExpKernel,
  dst: Float64Array,
  scratch?: Float32Array,
): void {
  void scratch;
  const N = width * height;
  const planes = new Float32Array(N * 5);
  polynomialExpansionPlanar(src, width, height, k, planes);
  for (let c = 0; c < 5; c++) for (let p = 0; p < N; p++) dst[p * 5 + c] = planes[c * N + p];
}

/**
 * Polynomial expansion into five planes of `width·height` floats each, in the channel order of
 * {@link polynomialExpansion}: plane c starts at `c·width·height`. Vertical pass first (into three
 * double rows with n replicated pixels on each side, so the horizontal pass needs no border tests),
 * then the horizontal pass, as OpenCV's FarnebackPolyExp.
 */
export function polynomialExpansionPlanar(
  src: Float32Array,
  width: number,
  height: number,
  k: PolyExpKernel,
  dst: Float32Array,
): void {
  // The SIMD kernel handles widths that are a multiple of 4 (every layer of a 128-px crop).
  if (useWasm && polyExpWasm(src, width, height, k, dst)) return;
  polynomialExpansionPlanarJs(src, width, height, k, dst);
}

let useWasm = true;
/** @internal Turns the WebAssembly kernel off or on (tests and benches compare the two paths). */
export function setPolyExpWasm(on: boolean): void {
  useWasm = on;
}

/** The pure-JS expansion behind {@link polynomialExpansionPlanar}. */
export function polynomialExpansionPlanarJs(
  src: Float32Array,
  width: number,
  height: number,
  k: PolyExpKernel,
  dst: Float32Array,
): void {
  const n = k.n;
  const padW = width + 2 * n;
  const rows = rows64(padW);
  for (let y = 0; y < height; y++) {
    if (n === 5) verticalPass5(src, width, height, y, k, rows[0], rows[1], rows[2]);
    else verticalPass(src, width, height, y, k, rows[0], rows[1], rows[2]);
    for (const v of rows) {
      const l = v[n];
      const r = v[n + width - 1];
      for (let x = 0; x < n; x++) {
        v[x] = l;
        v[n + width + x] = r;
      }
    }
    if (n === 5) horizontalPass5(rows, width, height, y, k, dst);
    else horizontalPass(rows, width, height, y, k, dst);
  }
}

/** Σg·f, Σy·g·f and Σy²·g·f down the column of every pixel of row y (rows written from offset n). */
function verticalPass(
  src: Float32Array,
  width: number,
  height: number,
  y: number,
  k: PolyExpKernel,
  v0: Float64Array,
  v1: Float64Array,
  v2: Float64Array,
): void {
  const { n, g, xg, xxg } = k;
  const g00 = g[0];
  const s0 = y * width;
  for (let x = 0; x < width; x++) {
    v0[n + x] = src[s0 + x] * g00;
    v1[n + x] = 0;
    v2[n + x] = 0;
  }
  for (let kk = 1; kk <= n; kk++) {
    const up = Math.max(y - kk, 0) * width;
    const dn = Math.min(y + kk, height - 1) * width;
    const gk = g[kk];
    const xk = xg[kk];
    const qk = xxg[kk];
    for (let x = 0; x < width; x++) {
      const a = src[up + x];
      const b = src[dn + x];
      const p = a + b;
      v0[n + x] += gk * p;
      v1[n + x] += xk * (b - a);
      v2[n + x] += qk * p;
    }
  }
}

/** {@link verticalPass} for n = 5 with the taps unrolled into locals. */
function verticalPass5(
  src: Float32Array,
  width: number,
  height: number,
  y: number,
  k: PolyExpKernel,
  v0: Float64Array,
  v1: Float64Array,
  v2: Float64Array,
): void {
  const { g, xg, xxg } = k;
  const last = height - 1;
  const u1 = Math.max(y - 1, 0) * width;
  const u2 = Math.max(y - 2, 0) * width;
  const u3 = Math.max(y - 3, 0) * width;
  const u4 = Math.max(y - 4, 0) * width;
  const u5 = Math.max(y - 5, 0) * width;
  const d1 = Math.min(y + 1, last) * width;
  const d2 = Math.min(y + 2, last) * width;
  const d3 = Math.min(y + 3, last) * width;
  const d4 = Math.min(y + 4, last) * width;
  const d5 = Math.min(y + 5, last) * width;
  const s0 = y * width;
  const g0 = g[0];
  const g1 = g[1];
  const g2 = g[2];
  const g3 = g[3];
  const g4 = g[4];
  const g5 = g[5];
  const q1 = xxg[1];
  const q2 = xxg[2];
  const q3 = xxg[3];
  const q4 = xxg[4];
  const q5 = xxg[5];
  // Σg·f and Σy²·g·f share the symmetric sums p_k; Σy·g·f uses the differences.
  for (let x = 0; x < width; x++) {
    const p1 = src[u1 + x] + src[d1 + x];
    const p2 = src[u2 + x] + src[d2 + x];
    const p3 = src[u3 + x] + src[d3 + x];
    const p4 = src[u4 + x] + src[d4 + x];
    const p5 = src[u5 + x] + src[d5 + x];
    v0[5 + x] = src[s0 + x] * g0 + g1 * p1 + g2 * p2 + g3 * p3 + g4 * p4 + g5 * p5;
    v2[5 + x] = q1 * p1 + q2 * p2 + q3 * p3 + q4 * p4 + q5 * p5;
  }
  const x1 = xg[1];
  const x2 = xg[2];
  const x3 = xg[3];
  const x4 = xg[4];
  const x5 = xg[5];
  for (let x = 0; x < width; x++) {
    v1[5 + x] =
      x1 * (src[d1 + x] - src[u1 + x]) +
      x2 * (src[d2 + x] - src[u2 + x]) +
      x3 * (src[d3 + x] - src[u3 + x]) +
      x4 * (src[d4 + x] - src[u4 + x]) +
      x5 * (src[d5 + x] - src[u5 + x]);
  }
}

/** The six moments along row y and the closed-form coefficients, written to the five planes. */
function horizontalPass(
  rows: Float64Array[],
  width: number,
  height: number,
  y: number,
  k: PolyExpKernel,
  dst: Float32Array,
): void {
  const { n, g, xg, xxg, ig11, ig03, ig33, ig55 } = k;
  const [v0, v1, v2] = rows;
  const N = width * height;
  const g00 = g[0];
  let d = y * width;
  for (let x = 0; x < width; x++, d++) {
    const c = x + n;
    let b1 = v0[c] * g00;
    let b2 = 0;
    let b3 = v1[c] * g00;
    let b4 = 0;
    let b5 = v2[c] * g00;
    let b6 = 0;
    for (let kk = 1; kk <= n; kk++) {
      const gk = g[kk];
      const xgk = xg[kk];
      const r = v0[c + kk];
      const l = v0[c - kk];
      const tg = r + l;
      b1 += tg * gk;
      b4 += tg * xxg[kk];
      b2 += (r - l) * xgk;
      b3 += (v1[c + kk] + v1[c - kk]) * gk;
      b6 += (v1[c + kk] - v1[c - kk]) * xgk;
      b5 += (v2[c + kk] + v2[c - kk]) * gk;
    }
    dst[d] = b3 * ig11;
    dst[N + d] = b2 * ig11;
    dst[2 * N + d] = b1 * ig03 + b5 * ig33;
    dst[3 * N + d] = b1 * ig03 + b4 * ig33;
    dst[4 * N + d] = b6 * ig55;
  }
}

/**
 * {@link horizontalPass} for n = 5, unrolled, split in two loops (moments of v0; then of v1 and v2) so
 * that each keeps its kernel constants in registers instead of spilling.
 */
function horizontalPass5(
  rows: Float64Array[],
  width: number,
  height: number,
  y: number,
  k: PolyExpKernel,
  dst: Float32Array,
): void {
  const { g, xg, xxg, ig11, ig03, ig33, ig55 } = k;
  const [v0, v1, v2] = rows;
  const N = width * height;
  const d0 = y * width;
  const t = rowTmp(width);
  const x1 = xg[1];
  const x2 = xg[2];
  const x3 = xg[3];
  const x4 = xg[4];
  const x5 = xg[5];
  {
    const q1 = xxg[1];
    const q2 = xxg[2];
    const q3 = xxg[3];
    const q4 = xxg[4];
    const q5 = xxg[5];
    const g0 = g[0];
    const g1 = g[1];
    const g2 = g[2];
    const g3 = g[3];
    const g4 = g[4];
    const g5 = g[5];
    for (let x = 0; x < width; x++) {
      const c = x + 5;
      const t1 = v0[c + 1] + v0[c - 1];
      const t2 = v0[c + 2] + v0[c - 2];
      const t3 = v0[c + 3] + v0[c - 3];
      const t4 = v0[c + 4] + v0[c - 4];
      const t5 = v0[c + 5] + v0[c - 5];
      const m0 = v0[c] * g0 + g1 * t1 + g2 * t2 + g3 * t3 + g4 * t4 + g5 * t5;
      const mxx = q1 * t1 + q2 * t2 + q3 * t3 + q4 * t4 + q5 * t5;
      t[x] = m0 * ig03;
      dst[3 * N + d0 + x] = m0 * ig03 + mxx * ig33;
    }
    for (let x = 0; x < width; x++) {
      const c = x + 5;
      const mx =
        x1 * (v0[c + 1] - v0[c - 1]) +
        x2 * (v0[c + 2] - v0[c - 2]) +
        x3 * (v0[c + 3] - v0[c - 3]) +
        x4 * (v0[c + 4] - v0[c - 4]) +
        x5 * (v0[c + 5] - v0[c - 5]);
      dst[N + d0 + x] = mx * ig11;
    }
    for (let x = 0; x < width; x++) {
      const c = x + 5;
      const my =
        v1[c] * g0 +
        g1 * (v1[c + 1] + v1[c - 1]) +
        g2 * (v1[c + 2] + v1[c - 2]) +
        g3 * (v1[c + 3] + v1[c - 3]) +
        g4 * (v1[c + 4] + v1[c - 4]) +
        g5 * (v1[c + 5] + v1[c - 5]);
      dst[d0 + x] = my * ig11;
      const myy =
        v2[c] * g0 +
        g1 * (v2[c + 1] + v2[c - 1]) +
        g2 * (v2[c + 2] + v2[c - 2]) +
        g3 * (v2[c + 3] + v2[c - 3]) +
        g4 * (v2[c + 4] + v2[c - 4]) +
        g5 * (v2[c + 5] + v2[c - 5]);
      dst[2 * N + d0 + x] = t[x] + myy * ig33;
    }
  }
  for (let x = 0; x < width; x++) {
    const c = x + 5;
    const mxy =
      x1 * (v1[c + 1] - v1[c - 1]) +
      x2 * (v1[c + 2] - v1[c - 2]) +
      x3 * (v1[c + 3] - v1[c - 3]) +
      x4 * (v1[c + 4] - v1[c - 4]) +
      x5 * (v1[c + 5] - v1[c - 5]);
    dst[4 * N + d0 + x] = mxy * ig55;
  }
}

let rowCache: Float64Array[] = [];
/** Three reusable double rows of at least `length` (module-level: the expansion is synchronous). */
function rows64(length: number): Float64Array[] {
  if (rowCache.length === 0 || rowCache[0].length < length) {
    rowCache = [new Float64Array(length), new Float64Array(length), new Float64Array(length)];
  }
  return rowCache;
}

let tmpRow = new Float64Array(0);
function rowTmp(length: number): Float64Array {
  if (tmpRow.length < length) tmpRow = new Float64Array(length);
  return tmpRow;
}
