// Max and average 3D pooling over NCDHW with PyTorch semantics (max: -inf padding, argmax as a
// flat index into x, first maximum in (d, h, w) scan order wins, NaN propagates; avg:
// count_include_pad). Plain loops (pooling is memory-bound), except C3D's 2x2 max pools, which run
// on the wasm kernel (pool-module.ts) as a job over channels on the kernel threads. Imports only
// the geometry type and this folder.
import type { Pool3dGeometry } from '../../../tensor/geometry.js';
import { getRuntime, type Runtime } from './runtime.js';
import { kernelThreads, runJob } from './threads.js';
import { takeZeroed } from '../array-pool.js';

function expectLength(op: string, name: string, arr: { length: number }, want: number): void {
  if (arr.length !== want) throw new Error(`${op}: ${name} must have ${want} elements, got ${arr.length}`);
}

/** Max pooling; `argmax[o]` is the flat index into `x` of output `o`'s maximum. */
export function maxPool3dForward(x: Float32Array, g: Pool3dGeometry): { y: Float32Array; argmax: Int32Array } {
  const { inD: D, inH: H, inW: W, outD, outH, outW } = g;
  expectLength('maxPool3dForward', 'x', x, g.inputSize);
  const planes = g.batch * g.channels,
    plane = g.inVolume;
  const y = takeZeroed(g.outputSize);
  const argmax = new Int32Array(y.length);
  if (isPlain2x2(g)) {
    maxPool2x2(x, g, y, argmax);
    return { y, argmax };
  }
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    for (let od = 0; od < outD; od++) {
      const d0 = Math.max(od * g.strideD - g.padD, 0),
        d1 = Math.min(od * g.strideD - g.padD + g.kD, D);
      for (let oh = 0; oh < outH; oh++) {
        const h0 = Math.max(oh * g.strideH - g.padH, 0),
          h1 = Math.min(oh * g.strideH - g.padH + g.kH, H);
        for (let ow = 0; ow < outW; ow++, o++) {
          const w0 = Math.max(ow * g.strideW - g.padW, 0),
            w1 = Math.min(ow * g.strideW - g.padW + g.kW, W);
          let best = -Infinity,
            at = base + (d0 * H + h0) * W + w0;
          for (let d = d0; d < d1; d++) {
            for (let h = h0; h < h1; h++) {
              const row = base + (d * H + h) * W;
              for (let w = w0; w < w1; w++) {
                const v = x[row + w];
                // Strict > keeps the first of equal maxima; a NaN always takes over, as in PyTorch.
                if (v > best || v !== v) {
                  best = v;
                  at = row + w;
                }
              }
            }
          }
          y[o] = best;
          argmax[o] = at;
        }
      }
    }
  }
  return { y, argmax };
}

/** C3D's pools: kernel 1x2x2 or 2x2x2, stride = kernel, no padding, every window inside x. */
export function isPlain2x2(g: Pool3dGeometry): boolean {
  return (
    (g.kD === 1 || g.kD === 2) &&
    g.kH === 2 &&
    g.kW === 2 &&
    g.strideD === g.kD &&
    g.strideH === 2 &&
    g.strideW === 2 &&
    g.padD === 0 &&
    g.padH === 0 &&
    g.padW === 0 &&
    // ceil mode's last window may hang over the edge
    g.outD * g.kD <= g.inD &&
    g.outH * 2 <= g.inH &&
    g.outW * 2 <= g.inW
  );
}

/**
 * The 2x2 (or 2x2x2) windows on the wasm kernel, four outputs per vector, comparing in the general
 * loop's (d, h, w) order with the same rule, so ties and NaNs resolve identically. x is copied into
 * the kernel heap one batch item at a time and pooled there by {@link runPool2x2}.
 */
function maxPool2x2(x: Float32Array, g: Pool3dGeometry, y: Float32Array, argmax: Int32Array): void {
  const { inD: D, inH: H, inW: W, outD, outH, outW } = g;
  const HW = H * W,
    item = g.channels * D * HW,
    outItem = g.channels * outD * outH * outW;
  const rt = getRuntime();
  rt.reset();
  const xP = rt.alloc(item),
    yP = rt.alloc(outItem),
    aP = rt.alloc(outItem);
  for (let n = 0; n < g.batch; n++) {
    rt.heap().set(x.subarray(n * item, (n + 1) * item), xP);
    runPool2x2(rt, {
      src: xP,
      chStride: D * HW,
      row: W,
      plane: HW,
      channels: g.channels,
      kD: g.kD,
      outD,
      outH,
      outW,
      dst: yP,
      arg: aP,
      indexed: true,
    });
    const h = rt.heap();
    y.set(h.subarray(yP, yP + outItem), n * outItem);
    const arg = new Int32Array(h.buffer, aP * 4, outItem);
    // The kernel's indices count from this batch item's first cell.
    if (n === 0) argmax.set(arg);
    else for (let i = 0; i < outItem; i++) argmax[n * outItem + i] = arg[i] + n * item;
  }
}

/** Where a {@link runPool2x2} job reads and writes (floats in the heap). */
export interface Pool2x2Layout {
  /** Channel c's input starts at `src + c * chStride`; its rows `row`, its planes `plane` floats apart. */
  src: number;
  chStride: number;
  row: number;
  plane: number;
  channels: number;
  /** 1 (2x2 windows) or 2 (2x2x2). */
  kD: number;
  outD: number;
  outH: number;
  outW: number;
  /** Output [channels, outD, outH, outW] and each maximum's index beside it. */
  dst: number;
  arg: number;
  /** Indices count from `src` (true) or from each window row's first cell (false: not needed). */
  indexed: boolean;
}

/**
 * Max pools `lay` with 2x2 (or 2x2x2) windows on the kernel threads, channels split into chunks
 * (the Winograd driver's pool job: four outputs per vector in wasm, the rest of a row by the same
 * rule), so ties, NaNs and indices come out as the general loop's.
 */
export function runPool2x2(rt: Runtime, lay: Pool2x2Layout): void {
  const { PL, KIND_POOL } = rt.winograd;
  const job = new Int32Array(rt.desc.length);
  // Four chunks per thread: a slower core takes fewer of them.
  const per = Math.max(1, Math.ceil(lay.channels / (4 * kernelThreads())));
  job[PL.KIND] = KIND_POOL;
  job[PL.NCHUNKS] = Math.ceil(lay.channels / per);
  job[PL.PPER] = per;
  job[PL.PSRC] = lay.src;
  job[PL.PCH] = lay.chStride;
  job[PL.PROW] = lay.row;
  job[PL.PPLANE] = lay.plane;
  job[PL.PKD] = lay.kD;
  job[PL.POD] = lay.outD;
  job[PL.POH] = lay.outH;
  job[PL.POW] = lay.outW;
  job[PL.PNCH] = lay.channels;
  job[PL.PDST] = lay.dst;
  job[PL.PARG] = lay.arg;
  job[PL.PINDEXED] = lay.indexed ? 1 : 0;
  if (lay.channels > 0) runJob(rt, job);
}

/** Gradient of max pooling w.r.t. x: each dy goes to its argmax (summed where windows overlap). */
export function maxPool3dBackward(dy: Float32Array, argmax: Int32Array, g: Pool3dGeometry): Float32Array {
  const n = g.outputSize;
  expectLength('maxPool3dBackward', 'dy', dy, n);
  expectLength('maxPool3dBackward', 'argmax', argmax, n);
  const dx = takeZeroed(g.inputSize);
  for (let o = 0; o < n; o++) dx[argmax[o]] += dy[o];
  return dx;
}

/**
 * Window bounds and divisor of one output along one dim, as PyTorch computes them: the window is
 * first clipped to the padded extent (that size is the count-include-pad divisor), then to the input.
 */
function span(o: number, stride: number, pad: number, k: number, n: number, out: Int32Array): void {
  let a = o * stride - pad;
  let b = Math.min(a + k, n + pad);
  out[2] = b - a;
  a = Math.max(a, 0);
  b = Math.min(b, n);
  out[0] = a;
  out[1] = b;
}

/** The divisor of one window: its padded size (`countIncludePad`) or the input cells it covers. */
function windowCount(sd: Int32Array, sh: Int32Array, sw: Int32Array, countIncludePad: boolean): number {
  return countIncludePad ? sd[2] * sh[2] * sw[2] : (sd[1] - sd[0]) * (sh[1] - sh[0]) * (sw[1] - sw[0]);
}

/** Called once per output `o` in storage order, with its plane's offset in x and its window's clipped spans. */
type AvgWindowVisit = (o: number, base: number, sd: Int32Array, sh: Int32Array, sw: Int32Array, count: number) => void;

/** Walks every average-pooling window: the spans are [start, end, padded size] per axis, reused between calls. */
function forEachAvgWindow(g: Pool3dGeometry, countIncludePad: boolean, visit: AvgWindowVisit): void {
  const { inD: D, inH: H, inW: W, outD, outH, outW } = g;
  const planes = g.batch * g.channels,
    plane = g.inVolume;
  const sd = new Int32Array(3),
    sh = new Int32Array(3),
    sw = new Int32Array(3);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    for (let od = 0; od < outD; od++) {
      span(od, g.strideD, g.padD, g.kD, D, sd);
      for (let oh = 0; oh < outH; oh++) {
        span(oh, g.strideH, g.padH, g.kH, H, sh);
        for (let ow = 0; ow < outW; ow++, o++) {
          span(ow, g.strideW, g.padW, g.kW, W, sw);
          visit(o, base, sd, sh, sw, windowCount(sd, sh, sw, countIncludePad));
        }
      }
    }
  }
}

/** Average pooling; `countIncludePad` as PyTorch's count_include_pad. */
export function avgPool3dForward(x: Float32Array, g: Pool3dGeometry, countIncludePad: boolean): Float32Array {
  const { inH: H, inW: W } = g;
  expectLength('avgPool3dForward', 'x', x, g.inputSize);
  const y = takeZeroed(g.outputSize);
  forEachAvgWindow(g, countIncludePad, (o, base, sd, sh, sw, count) => {
    let s = 0;
    for (let d = sd[0]; d < sd[1]; d++) {
      for (let h = sh[0]; h < sh[1]; h++) {
        const row = base + (d * H + h) * W;
        for (let w = sw[0]; w < sw[1]; w++) s += x[row + w];
      }
    }
    y[o] = count > 0 ? s / count : 0;
  });
  return y;
}

/** Gradient of average pooling w.r.t. x. */
export function avgPool3dBackward(dy: Float32Array, g: Pool3dGeometry, countIncludePad: boolean): Float32Array {
  const { inH: H, inW: W } = g;
  expectLength('avgPool3dBackward', 'dy', dy, g.outputSize);
  const dx = takeZeroed(g.inputSize);
  forEachAvgWindow(g, countIncludePad, (o, base, sd, sh, sw, count) => {
    if (count <= 0) return;
    const v = dy[o] / count;
    for (let d = sd[0]; d < sd[1]; d++) {
      for (let h = sh[0]; h < sh[1]; h++) {
        const row = base + (d * H + h) * W;
        for (let w = sw[0]; w < sw[1]; w++) dx[row + w] += v;
      }
    }
  });
  return dx;
}
