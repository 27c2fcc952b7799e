// Dense optical flow by Farnebäck's polynomial-expansion method (SCIA 2003), written from the algorithm
// with OpenCV's `calcOpticalFlowFarneback` parameter names, defaults of meaning and numeric conventions
// (levels+1 layers, 0-255 intensities, 1e-3 determinant regulariser, 5-px border damping).
// Owns the pyramid, the per-pixel displacement equations and the window averaging; imports only
// image.ts, polynomial-expansion.ts, errors.ts and the WebAssembly version of the per-layer work
// (fast/flow-wasm.ts, used for the box window when WebAssembly SIMD is available; this file's JS
// functions are the fallback and the reference).
import { argumentError, checkGray } from './errors.js';
import {
  applySeparable,
  blurResizeTaps,
  BufferPool,
  cvRound,
  gaussianKernel,
  resizeArea,
  resizeBilinear,
  type TapTable,
} from './image.js';
import { FlowPyramidWasm } from './fast/flow-wasm.js';
import {
  polyExpKernel,
  polynomialExpansionPlanar,
  polynomialExpansionPlanarJs,
  type PolyExpKernel,
} from './polynomial-expansion.js';
import type { FlowField, GrayImage } from './types.js';

/**
 * Options of {@link farneback}, named and meant as in OpenCV's `calcOpticalFlowFarneback`.
 * Defaults are the ones recommended for 128-px aligned face crops and consecutive frames:
 * `(pyrScale 0.5, levels 2, winSize 9, iterations 3, polyN 5, polySigma 1.1, box window)`.
 */
export interface FarnebackOptions {
  /** Scale between pyramid layers, in (0, 1). 0.5 halves each layer. Default 0.5. */
  pyrScale?: number;
  /**
   * Number of extra coarse layers: `levels + 1` layers are built (0 = the image only), as OpenCV's code
   * does; layers stop once a side would fall below 32 px. Default 2.
   */
  levels?: number;
  /** Side of the averaging window. Larger is more robust to noise and allows more motion, but blurs. Default 9. */
  winSize?: number;
  /** Solve-and-rewarp passes per layer. Default 3. */
  iterations?: number;
  /** Radius n of the polynomial-expansion neighbourhood (2n+1 taps). Typically 5 or 7. Default 5. */
  polyN?: number;
  /** Std of the expansion's Gaussian applicability: 1.1 suits polyN 5, 1.5 suits polyN 7. Default 1.1. */
  polySigma?: number;
  /** Gaussian window instead of a box (OpenCV's `OPTFLOW_FARNEBACK_GAUSSIAN`). Default false. */
  gaussianWindow?: boolean;
  /** Starting estimate (OpenCV's `OPTFLOW_USE_INITIAL_FLOW`), same size as the images. */
  initialFlow?: FlowField;
  /** Buffers to reuse across calls; pass one per concurrent caller. Default: a module-wide pool. */
  workspace?: FarnebackWorkspace;
}

/**
 * Scratch memory for {@link farneback}. Reusing one across calls of the same image size removes all
 * allocation except the returned flow.
 */
export class FarnebackWorkspace {
  /** @internal */
  readonly pool = new BufferPool();
  /** @internal */
  kernelKey = '';
  /** @internal */
  kernel: PolyExpKernel | null = null;
  /** @internal Blur-and-resize operators per (size, layer) key. */
  readonly tables = new Map<string, { tx: TapTable; ty: TapTable }>();
}

const sharedWorkspace = new FarnebackWorkspace();
const FN = 'farneback';

let useWasm = true;
/** @internal Turns the WebAssembly flow kernels off or on (tests and benches compare the two paths). */
export function setFarnebackWasm(on: boolean): void {
  useWasm = on;
}

/**
 * Dense forward flow from `prev` to `next` on `prev`'s grid: `prev(y, x) ≈ next(y + dy, x + dx)`.
 *
 * Inputs are one-channel images in 0–255 (the algorithm's 1e-3 regulariser assumes that range; images
 * in [0, 1] give near-zero flow). The result is `CV_32FC2`-like: (dx, dy) interleaved per pixel.
 *
 * @example
 * ```ts
 * const flow = farneback(prevGray, nextGray, { levels: 2, winSize: 9 });
 * const i = 2 * (y * flow.width + x);
 * console.log(flow.data[i], flow.data[i + 1]); // dx, dy at (x, y)
 * ```
 */
export function farneback(prev: GrayImage, next: GrayImage, options: FarnebackOptions = {}): FlowField {
  const p = checkFarnebackArgs(prev, next, options);
  const ws = options.workspace ?? sharedWorkspace;
  const pool = ws.pool;
  const W = prev.width;
  const H = prev.height;
  const key = `${p.polyN}:${p.polySigma}`;
  if (ws.kernelKey !== key || !ws.kernel) {
    ws.kernel = polyExpKernel(p.polyN, p.polySigma);
    ws.kernelKey = key;
  }
  const kernel = ws.kernel;
  const sizes = pyramidSizes(W, H, p.levels, p.pyrScale);
  const L = sizes.length - 1;
  // The box window runs in WebAssembly where available: images, layers, expansions, matrices and flows
  // then live in the module's memory, reserved here for the whole pyramid.
  const fast = useWasm && !options.gaussianWindow ? FlowPyramidWasm.create(kernel, sizes, p.winSize) : null;

  const img0 = toFloat(prev.data, fast ? fast.image(0) : pool.get('img0', W * H));
  const img1 = toFloat(next.data, fast ? fast.image(1) : pool.get('img1', W * H));

  const out = new Float32Array(W * H * 2);
  let prevFlow: Float32Array | null = null;
  let prevW = 0;
  let prevH = 0;
  for (let k = L; k >= 0; k--) {
    let scale = 1;
    for (let i = 0; i < k; i++) scale *= p.pyrScale;
    const w = cvRound(W * scale);
    const h = cvRound(H * scale);
    const flow = fast ? fast.flow(k, w, h) : k === 0 ? out : pool.get(`flow${k}`, w * h * 2);
    if (prevFlow === null) startFlow(flow, w, h, scale, p.init);
    else {
      resizeBilinear(prevFlow, prevW, prevH, flow, w, h, 2);
      const up = 1 / p.pyrScale;
      for (let i = 0; i < flow.length; i++) flow[i] *= up;
    }
    const tables = layerTables(ws, W, H, w, h, scale);
    const tmp = pool.get('layerTmp', H * w);
    if (fast) {
      const layer = fast.layer(w, h);
      for (const i of [0, 1] as const) {
        if (!fast.buildLayer(i, tables.tx, tables.ty))
          applySeparable(i ? img1 : img0, W, H, tables.tx, tables.ty, layer, tmp);
        fast.expand(i, w, h, kernel, polynomialExpansionPlanarJs);
      }
      fast.solve(k, w, h, p.winSize, p.iterations);
    } else {
      solveLayerJs([img0, img1], W, H, tables, tmp, kernel, flow, w, h, p, options.gaussianWindow ?? false, pool);
    }
    prevFlow = flow;
    prevW = w;
    prevH = h;
  }
  if (fast) out.set(prevFlow!);
  return { width: W, height: H, data: out };
}

/** {@link farneback}'s options with the defaults filled in. */
interface FarnebackParams {
  pyrScale: number;
  levels: number;
  winSize: number;
  iterations: number;
  polyN: number;
  polySigma: number;
  init: FlowField | undefined;
}

/** Checks both images and every option, throwing an error that names the first bad one. */
function checkFarnebackArgs(prev: GrayImage, next: GrayImage, options: FarnebackOptions): FarnebackParams {
  checkGray(FN, 'prev', prev);
  checkGray(FN, 'next', next);
  if (prev.width !== next.width || prev.height !== next.height) {
    throw argumentError(FN, 'next', `size ${prev.width}x${prev.height} (same as prev)`, `${next.width}x${next.height}`);
  }
  const pyrScale = options.pyrScale ?? 0.5;
  const levels = options.levels ?? 2;
  const winSize = options.winSize ?? 9;
  const iterations = options.iterations ?? 3;
  const polyN = options.polyN ?? 5;
  const polySigma = options.polySigma ?? 1.1;
  if (!(pyrScale > 0 && pyrScale < 1))
    throw argumentError(FN, 'options.pyrScale', 'a number in (0, 1)', String(pyrScale));
  if (!Number.isInteger(levels) || levels < 0)
    throw argumentError(FN, 'options.levels', 'an integer >= 0', String(levels));
  if (!Number.isInteger(winSize) || winSize < 1)
    throw argumentError(FN, 'options.winSize', 'an integer >= 1', String(winSize));
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw argumentError(FN, 'options.iterations', 'an integer >= 1', String(iterations));
  }
  if (!Number.isInteger(polyN) || polyN < 1) throw argumentError(FN, 'options.polyN', 'an integer >= 1', String(polyN));
  if (!(polySigma >= 0)) throw argumentError(FN, 'options.polySigma', 'a number >= 0', String(polySigma));
  const init = options.initialFlow;
  if (
    init &&
    (init.width !== prev.width || init.height !== prev.height || init.data.length !== prev.width * prev.height * 2)
  ) {
    throw argumentError(
      FN,
      'options.initialFlow',
      `a ${prev.width}x${prev.height} flow with ${prev.width * prev.height * 2} values`,
      `${init.width}x${init.height} with ${init.data.length} values`,
    );
  }
  return { pyrScale, levels, winSize, iterations, polyN, polySigma, init };
}

/** The pyramid's layer sizes, finest first; as OpenCV, coarse layers stop once a side would fall below 32 px. */
function pyramidSizes(W: number, H: number, levels: number, pyrScale: number): Array<{ w: number; h: number }> {
  let L = 0;
  for (let s = 1; L < levels; L++) {
    s *= pyrScale;
    if (W * s < 32 || H * s < 32) break;
  }
  const sizes: Array<{ w: number; h: number }> = [];
  for (let k = 0, scale = 1; k <= L; k++, scale *= pyrScale)
    sizes.push({ w: cvRound(W * scale), h: cvRound(H * scale) });
  return sizes;
}

/** The coarsest layer's starting flow: the initial flow resized and scaled to the layer, or zero. */
function startFlow(flow: Float32Array, w: number, h: number, scale: number, init: FlowField | undefined): void {
  if (!init) {
    flow.fill(0);
    return;
  }
  resizeArea(init.data, init.width, init.height, flow, w, h, 2);
  for (let i = 0; i < flow.length; i++) flow[i] *= scale;
}

/**
 * The blur-and-resize operator that makes a layer from the full-resolution image (blur, then resize; not
 * recursive), folded into one separable operator that only computes the kept samples; cached per size.
 */
function layerTables(
  ws: FarnebackWorkspace,
  W: number,
  H: number,
  w: number,
  h: number,
  scale: number,
): { tx: TapTable; ty: TapTable } {
  const sigma = (1 / scale - 1) * 0.5;
  const smoothSize = Math.max(cvRound(sigma * 5) | 1, 3);
  const tkey = `${W}x${H}>${w}x${h}:${smoothSize}:${sigma}`;
  let tables = ws.tables.get(tkey);
  if (!tables) {
    const gk = gaussianKernel(smoothSize, sigma);
    tables = { tx: blurResizeTaps(W, w, gk), ty: blurResizeTaps(H, h, gk) };
    ws.tables.set(tkey, tables);
  }
  return tables;
}

/** One layer in JavaScript: both images' layers and expansions, then the solve-and-rewarp passes on `flow`. */
function solveLayerJs(
  imgs: [Float32Array, Float32Array],
  W: number,
  H: number,
  tables: { tx: TapTable; ty: TapTable },
  tmp: Float32Array,
  kernel: PolyExpKernel,
  flow: Float32Array,
  w: number,
  h: number,
  p: FarnebackParams,
  gaussianWindow: boolean,
  pool: BufferPool,
): void {
  const layer = pool.get('layer', w * h);
  // Expansions are planar float32 (5 planes), as OpenCV stores them in float.
  const R0 = pool.get('R0', w * h * 5);
  const R1 = pool.get('R1', w * h * 5);
  applySeparable(imgs[0], W, H, tables.tx, tables.ty, layer, tmp);
  polynomialExpansionPlanar(layer, w, h, kernel, R0);
  applySeparable(imgs[1], W, H, tables.tx, tables.ty, layer, tmp);
  polynomialExpansionPlanar(layer, w, h, kernel, R1);

  const M = pool.get('M', w * h * 5);
  updateMatrices(R0, R1, flow, M, w, h, 0, h);
  for (let it = 0; it < p.iterations; it++) {
    const update = it < p.iterations - 1;
    const pass: FlowPass = { R0, R1, flow, M, w, h, block: p.winSize, pool, update };
    if (gaussianWindow) updateFlowGaussian(pass);
    else updateFlowBox(pass);
  }
}

/** Copies any numeric array into a float buffer (typed-array `set` is a fast native copy). */
function toFloat(src: ArrayLike<number>, dst: Float32Array): Float32Array {
  if (ArrayBuffer.isView(src)) dst.set(src as unknown as ArrayLike<number>);
  else for (let i = 0; i < dst.length; i++) dst[i] = src[i];
  return dst;
}

// OpenCV's border damping factors (float constants), for the 5 pixels next to each edge.
const BORDER = new Float64Array([0.14, 0.14, 0.4472, 0.4472, 0.4472].map(Math.fround));

/**
 * Builds the per-pixel normal equations G = AᵀA, h = AᵀΔb for the current flow (OpenCV's
 * FarnebackUpdateMatrices) for rows [y0, y1): A averages both images' quadratic terms at x and x + d(x);
 * Δb compares their linear terms. Pixels within 5 px of the border are damped. R0/R1 are planar
 * expansions; M gets 5 interleaved values per pixel (g11, g12, g22, h1, h2) for the window pass.
 */
function updateMatrices(
  R0: Float32Array,
  R1: Float32Array,
  flow: Float32Array,
  M: Float32Array,
  w: number,
  h: number,
  y0: number,
  y1: number,
): void {
  const N = w * h;
  const N2 = 2 * N;
  const N3 = 3 * N;
  const N4 = 4 * N;
  const xMax = w - 1;
  const yMax = h - 1;
  for (let y = y0; y < y1; y++) {
    const wy = y < 5 ? BORDER[y] : y >= h - 5 ? BORDER[h - y - 1] : 1;
    const damped = wy !== 1;
    for (let x = 0, p = y * w; x < w; x++, p++) {
      const dx = flow[2 * p];
      const dy = flow[2 * p + 1];
      let fx = x + dx;
      let fy = y + dy;
      let r2: number;
      let r3: number;
      let r4: number;
      let r5: number;
      let r6: number;
      // floor(f) in [0, w-1) is f in [0, w-1), so the test needs no floor; NaN fails it like OpenCV's.
      if (fx >= 0 && fx < xMax && fy >= 0 && fy < yMax) {
        const x1 = fx | 0;
        const y1i = fy | 0;
        fx -= x1;
        fy -= y1i;
        const a00 = (1 - fx) * (1 - fy);
        const a01 = fx * (1 - fy);
        const a10 = (1 - fx) * fy;
        const a11 = fx * fy;
        const q = y1i * w + x1;
        const q1 = q + w;
        r2 = a00 * R1[q] + a01 * R1[q + 1] + a10 * R1[q1] + a11 * R1[q1 + 1];
        r3 = a00 * R1[N + q] + a01 * R1[N + q + 1] + a10 * R1[N + q1] + a11 * R1[N + q1 + 1];
        r4 = a00 * R1[N2 + q] + a01 * R1[N2 + q + 1] + a10 * R1[N2 + q1] + a11 * R1[N2 + q1 + 1];
        r5 = a00 * R1[N3 + q] + a01 * R1[N3 + q + 1] + a10 * R1[N3 + q1] + a11 * R1[N3 + q1 + 1];
        r6 = a00 * R1[N4 + q] + a01 * R1[N4 + q + 1] + a10 * R1[N4 + q1] + a11 * R1[N4 + q1 + 1];
        r4 = (R0[N2 + p] + r4) * 0.5;
        r5 = (R0[N3 + p] + r5) * 0.5;
        r6 = (R0[N4 + p] + r6) * 0.25;
      } else {
        // Displaced point left the image: OpenCV's fallback uses the first image's terms alone.
        r2 = 0;
        r3 = 0;
        r4 = R0[N2 + p];
        r5 = R0[N3 + p];
        r6 = R0[N4 + p] * 0.5;
      }
      r2 = (R0[p] - r2) * 0.5;
      r3 = (R0[N + p] - r3) * 0.5;
      r2 += r4 * dy + r6 * dx;
      r3 += r6 * dy + r5 * dx;
      if (damped || x < 5 || x >= w - 5) {
        const s = wy * (x < 5 ? BORDER[x] : 1) * (x >= w - 5 ? BORDER[w - x - 1] : 1);
        r2 *= s;
        r3 *= s;
        r4 *= s;
        r5 *= s;
        r6 *= s;
      }
      const o = p * 5;
      M[o] = r4 * r4 + r6 * r6;
      M[o + 1] = (r4 + r5) * r6;
      M[o + 2] = r5 * r5 + r6 * r6;
      M[o + 3] = r4 * r2 + r6 * r3;
      M[o + 4] = r6 * r2 + r5 * r3;
    }
  }
}

/** What one solve pass over a layer works on: both expansions, the flow and G/h (all w × h), the window. */
interface FlowPass {
  R0: Float32Array;
  R1: Float32Array;
  flow: Float32Array;
  M: Float32Array;
  w: number;
  h: number;
  /** Window side (winSize). */
  block: number;
  pool: BufferPool;
  /** Whether to rebuild G/h from the new flow (every pass but the last). */
  update: boolean;
}

/**
 * Box-window averaging of the five G/h maps with replicated borders, then the per-pixel regularised
 * 2×2 solve (OpenCV's FarnebackUpdateFlow_Blur): column sums run down the image in double, the window
 * slides along each row, and the sums are normalised by winSize² like OpenCV (its initial column sum
 * counts row 0 m+2 times, then the first step subtracts it once). Rows that no later window reads get
 * their G/h rebuilt from the new flow right away, while they are still in cache.
 */
function updateFlowBox(pass: FlowPass): void {
  const { flow, M, w, h, block, pool, update } = pass;
  const m = block >> 1;
  const scale = 1 / (block * block);
  const n5 = w * 5;
  const vsum = pool.get64('vsum', n5);
  let yDone = 0;
  for (let x = 0; x < n5; x++) vsum[x] = M[x] * (m + 2);
  for (let y = 1; y < m; y++) {
    const r = Math.min(y, h - 1) * n5;
    for (let x = 0; x < n5; x++) vsum[x] += M[r + x];
  }
  const last = (w - 1) * 5;
  for (let y = 0; y < h; y++) {
    const r0 = Math.max(y - m - 1, 0) * n5;
    const r1 = Math.min(y + m, h - 1) * n5;
    for (let x = 0; x < n5; x++) vsum[x] += M[r1 + x] - M[r0 + x];
    let g11 = vsum[0] * (m + 2);
    let g12 = vsum[1] * (m + 2);
    let g22 = vsum[2] * (m + 2);
    let h1 = vsum[3] * (m + 2);
    let h2 = vsum[4] * (m + 2);
    for (let x = 1; x < m; x++) {
      const o = Math.min(x * 5, last);
      g11 += vsum[o];
      g12 += vsum[o + 1];
      g22 += vsum[o + 2];
      h1 += vsum[o + 3];
      h2 += vsum[o + 4];
    }
    let f = 2 * y * w;
    for (let x = 0; x < w; x++, f += 2) {
      // Column x+m enters and column x-m-1 leaves the window, both clamped to the image.
      const a = x + m < w ? (x + m) * 5 : last;
      const b = x > m ? (x - m - 1) * 5 : 0;
      g11 += vsum[a] - vsum[b];
      g12 += vsum[a + 1] - vsum[b + 1];
      g22 += vsum[a + 2] - vsum[b + 2];
      h1 += vsum[a + 3] - vsum[b + 3];
      h2 += vsum[a + 4] - vsum[b + 4];
      const G11 = g11 * scale;
      const G12 = g12 * scale;
      const G22 = g22 * scale;
      const H1 = h1 * scale;
      const H2 = h2 * scale;
      solveFlowAt(flow, f, G11, G12, G22, H1, H2);
    }
    if (update) yDone = refreshSettledRows(pass, y, yDone);
  }
}

/** The regularised 2×2 solve of one pixel: (G + 1e-3·I)·d = h, with d written to flow[f], flow[f + 1]. */
function solveFlowAt(
  flow: Float32Array,
  f: number,
  g11: number,
  g12: number,
  g22: number,
  h1: number,
  h2: number,
): void {
  const idet = 1 / (g11 * g22 - g12 * g12 + 1e-3);
  flow[f] = (g11 * h2 - g12 * h1) * idet;
  flow[f + 1] = (g22 * h1 - g12 * h2) * idet;
}

/**
 * After row y's flow is solved, rebuilds G/h of the rows no later window reads (all of them after
 * the last row), in stripes of at least max(1024 / w, block) rows. Returns the new count of rebuilt rows.
 */
function refreshSettledRows(pass: FlowPass, y: number, yDone: number): number {
  const { R0, R1, flow, M, w, h, block } = pass;
  const minStripe = Math.max(Math.floor(1024 / w), block);
  const yUpd = y === h - 1 ? h : y - block;
  if (yUpd === h || yUpd >= yDone + minStripe) {
    updateMatrices(R0, R1, flow, M, w, h, yDone, yUpd);
    return yUpd;
  }
  return yDone;
}

/**
 * Gaussian-window averaging (σ = 0.3·⌊winSize/2⌋, radius ⌊winSize/2⌋, replicated borders; float
 * sums as OpenCV's FarnebackUpdateFlow_GaussianBlur), then the per-pixel solve.
 */
function updateFlowGaussian(pass: FlowPass): void {
  const { flow, M, w, h, block, pool, update } = pass;
  const m = block >> 1;
  const sigma = m * 0.3;
  const kern = new Float32Array(m + 1);
  let s = 1;
  kern[0] = 1;
  for (let i = 1; i <= m; i++) {
    kern[i] = Math.exp((-i * i) / (2 * sigma * sigma));
    s += kern[i] * 2;
  }
  for (let i = 0; i <= m; i++) kern[i] = kern[i] / s;
  const n5 = w * 5;
  const padL = m * 5;
  const vsum = pool.get('gvsum', (w + 2 * m) * 5);
  const hsum = pool.get('ghsum', n5);
  let yDone = 0;
  for (let y = 0; y < h; y++) {
    const c = y * n5;
    const k0 = kern[0];
    for (let x = 0; x < n5; x++) vsum[padL + x] = M[c + x] * k0;
    for (let i = 1; i <= m; i++) {
      const up = Math.max(y - i, 0) * n5;
      const dn = Math.min(y + i, h - 1) * n5;
      const ki = kern[i];
      for (let x = 0; x < n5; x++) vsum[padL + x] += (M[dn + x] + M[up + x]) * ki;
    }
    for (let x = 0; x < padL; x++) {
      vsum[padL - 1 - x] = vsum[padL + 4 - (x % 5)];
      vsum[padL + n5 + x] = vsum[padL + n5 - 5 + (x % 5)];
    }
    for (let x = 0; x < n5; x++) {
      let sum = vsum[padL + x] * k0;
      for (let i = 1; i <= m; i++) sum += kern[i] * (vsum[padL + x - i * 5] + vsum[padL + x + i * 5]);
      hsum[x] = sum;
    }
    const rowP = y * w;
    for (let x = 0; x < w; x++) {
      const o = x * 5;
      const g11 = hsum[o];
      const g12 = hsum[o + 1];
      const g22 = hsum[o + 2];
      const h1 = hsum[o + 3];
      const h2 = hsum[o + 4];
      solveFlowAt(flow, 2 * (rowP + x), g11, g12, g22, h1, h2);
    }
    if (update) yDone = refreshSettledRows(pass, y, yDone);
  }
}
