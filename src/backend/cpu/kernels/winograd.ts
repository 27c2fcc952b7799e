// Winograd F(2x2x2, 3x3x3) conv3d forward for 3x3x3 kernels, stride 1, dilation 1: each 4x4x4
// input tile gives 2x2x2 outputs with 64 element-wise products per (Cin, Cout) pair instead of
// 216 multiply-adds. This file lays the call out in the kernel heap (zero-padded input, transformed
// weights, padded output, per-thread block scratch) and runs two jobs on the kernel threads:
// the weight transform, then tile blocks that each do input transform -> 64 products -> output
// transform in one core's cache (winograd-driver.ts; the SIMD transforms in winograd-module.ts).
// Forward only: the gradients stay on the direct path in conv3d.ts. Imports only this folder and the geometry type.
import type { Conv3dGeometry, Pool3dGeometry } from '../../../tensor/geometry.js';
import { isPlain2x2, runPool2x2 } from './pool3d.js';
import { newJob } from './gemm.js';
import { getRuntime, type Runtime } from './runtime.js';
import { kernelThreads, runJob } from './threads.js';
import { takeUninitialized, takeZeroed } from '../array-pool.js';

/** The tile transform points: 4x4x4 = 64 per tile. */
const P = 64;
/** A block's transformed input and products stay under this many floats (8 MiB) per thread. */
const BLOCK_FLOATS = 1 << 21;
/** One job's input and output boxes (all its batch items) stay under this many floats (64 MiB), or one item's. */
const BOX_FLOATS = 1 << 24;

/**
 * Whether {@link conv3dForwardWinograd} computes this geometry (3x3x3, stride 1, dilation 1) and
 * is expected to beat the direct GEMM: enough outputs per weight that the per-call weight
 * transform (64 values per 27) is paid back. Measured (bench/winograd.ts and by hand, 2 threads):
 * 1.2-2.6x at every C3D layer of the paper size including conv1 (3 input channels), 2.7-6x on the
 * demo's small layers (3-16 channels, batch 16), where the direct path's im2col packing outweighs
 * its arithmetic; slower below ~64 outputs (0.6x at 4 outputs with 64 channels, 1 with 512).
 */
export function winogradQualifies(g: Conv3dGeometry): boolean {
  return winogradComputes(g) && g.batch * g.outVolume >= 64;
}

/** Whether the Winograd kernels compute this geometry at all: 3x3x3, stride 1, dilation 1, a non-empty output. */
export function winogradComputes(g: Conv3dGeometry): boolean {
  return (
    g.kD === 3 &&
    g.kH === 3 &&
    g.kW === 3 &&
    g.strideD === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.dilationD === 1 &&
    g.dilationH === 1 &&
    g.dilationW === 1 &&
    g.outD > 0 &&
    g.outH > 0 &&
    g.outW > 0
  );
}

/**
 * conv3d forward by Winograd F(2x2x2, 3x3x3): x [N,Cin,D,H,W], w [Cout,Cin,3,3,3], bias or null.
 * Computes any 3x3x3, stride-1, dilation-1 geometry (any padding); throws on others. The heap holds
 * the 64 packed transformed weight matrices (64/27 of the weights), the zero-padded input and padded
 * output boxes of the batch items one job covers (at most 64 MiB, or one item's), and per thread one
 * block of tiles' transformed input and products (at most 8 MiB). `maxTilesPerChunk` lowers the block size (tests). With `relu`, max(0, y) is applied
 * as the outputs are written (NaN and -0 give 0, as the backend's relu).
 */
export function conv3dForwardWinograd(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
  maxTilesPerChunk = Infinity,
  relu = false,
): Float32Array {
  checkWinogradArgs('conv3dForwardWinograd', g, [
    ['x', x, g.inputSize],
    ['w', w, g.weightSize],
  ]);
  const Ci = g.inChannels,
    Co = g.outChannels,
    oS = g.outVolume;
  // Ci = 0 writes only the bias; otherwise the output boxes cover y.
  const y = Ci === 0 ? takeZeroed(g.outputSize) : takeUninitialized(g.outputSize);
  if (y.length === 0) return y;
  if (Ci === 0) {
    if (bias)
      for (let n = 0; n < g.batch; n++)
        for (let c = 0; c < Co; c++) y.fill(relu ? reluOf(bias[c]) : bias[c], (n * Co + c) * oS, (n * Co + c + 1) * oS);
    return y;
  }
  runWinograd(x, w, bias, g, maxTilesPerChunk, relu, 0, (rt, n, lay, box) => copyOutCropped(rt, y, n, g, lay, box));
  return y;
}

/**
 * Runs the Winograd forward of x into the output boxes, batch items `lay.items` at a time, and hands
 * each item's box to `sink` (which copies it out, or pools it). `extraFloats` of heap are reserved
 * after the layout, at the returned layout's `extra`, for the sink.
 */
function runWinograd(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
  maxTilesPerChunk: number,
  relu: boolean,
  extraFloats: number,
  sink: (rt: Runtime, n: number, lay: Layout & { extra: number }, box: number) => void,
): void {
  const rt = getRuntime();
  rt.reset();
  const weights = transformWeights(rt, w, g.outChannels, g.inChannels);
  const lay = { ...layOut(rt, g, maxTilesPerChunk), extra: 0 };
  const job = convJob(rt, g, weights, lay, bias);
  lay.extra = rt.alloc(extraFloats);
  const W = rt.winograd.W;
  job[W.RELU] = relu ? 1 : 0;
  for (let i = 0; i < lay.items; i++) zeroPadding(rt, g, lay, i);
  // One job per `lay.items` batch items: a small layer's items share one hand-over to the threads.
  for (let n0 = 0; n0 < g.batch; n0 += lay.items) {
    const k = Math.min(lay.items, g.batch - n0);
    for (let i = 0; i < k; i++) copyInPadded(rt, x, n0 + i, g, lay, i);
    job[W.NCHUNKS] = k * lay.chunksPerItem;
    runJob(rt, job);
    for (let i = 0; i < k; i++) sink(rt, n0 + i, lay, i);
  }
}

/**
 * maxPool3d(relu(conv3d(x, w, bias)), pg) in one call, for C3D's pools (kernel 1x2x2 or 2x2x2, stride
 * = kernel, no padding) on a Winograd geometry: each item's output box is pooled in the kernel heap
 * by the wasm max pool (the general loop's scan order, ties and NaNs: values identical to the two
 * calls), so the conv output never goes out to a JS array and back. Returns null when `pg` is not
 * such a pool of g's output, or g is not a Winograd geometry. No argmax: for calls without gradients.
 */
export function conv3dReluMaxPoolWinograd(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv3dGeometry,
  pg: Pool3dGeometry,
): Float32Array | null {
  const sameShape = pg.inputShape.every((d, i) => d === g.outputShape[i]);
  if (!winogradComputes(g) || !sameShape || !isPlain2x2(pg) || g.inChannels === 0) return null;
  checkWinogradArgs('conv3dForwardWinograd', g, [
    ['x', x, g.inputSize],
    ['w', w, g.weightSize],
  ]);
  const y = takeUninitialized(pg.outputSize);
  if (y.length === 0) return y;
  const item = g.outChannels * pg.outVolume;
  // The sink's heap: one item's pooled output, and the kernel's argmax (unused) beside it.
  runWinograd(x, w, bias, g, Infinity, true, 2 * item, (rt, n, lay, box) => {
    poolBox(rt, g, pg, lay, box, lay.extra, lay.extra + item);
    y.set(rt.heap().subarray(lay.extra, lay.extra + item), n * item);
  });
  return y;
}

/** Max pools one output box (layout [d][h][channel][w]) into `dst` as [channel][d][h][w], on the kernel threads. */
function poolBox(
  rt: Runtime,
  g: Conv3dGeometry,
  pg: Pool3dGeometry,
  lay: Layout,
  box: number,
  dst: number,
  arg: number,
): void {
  runPool2x2(rt, {
    src: lay.yP + box * lay.ySize,
    chStride: lay.yCh,
    row: lay.yRow,
    plane: lay.yPlane,
    channels: g.outChannels,
    kD: pg.kD,
    outD: pg.outD,
    outH: pg.outH,
    outW: pg.outW,
    dst,
    arg,
    indexed: false,
  });
}

const reluOf = (v: number): number => (v > 0 ? v : 0);

/** Throws, naming `fn`, unless g is a Winograd geometry and each array has its expected length. */
export function checkWinogradArgs(
  fn: string,
  g: Conv3dGeometry,
  arrays: ReadonlyArray<readonly [string, Float32Array, number]>,
): void {
  if (!winogradComputes(g)) {
    const got =
      `kernel ${g.kD}x${g.kH}x${g.kW}, stride ${g.strideD}x${g.strideH}x${g.strideW}, ` +
      `dilation ${g.dilationD}x${g.dilationH}x${g.dilationW}`;
    throw new Error(`${fn}: g must be a 3x3x3 kernel with stride 1 and dilation 1, got ${got}`);
  }
  for (const [name, arr, want] of arrays) {
    if (arr.length !== want) throw new Error(`${fn}: ${name} must have ${want} elements, got ${arr.length}`);
  }
}

/** Where the 64 transformed weight matrices U[t] [Co x Ci] lie, packed for the GEMM: at aP + t * packSize. */
interface PackedWeights {
  aP: number;
  packSize: number;
  mPad: number;
}

/** Copies w into the heap (rows up to a multiple of MR zeroed) and runs the weight-transform job. */
function transformWeights(rt: Runtime, w: Float32Array, Co: number, Ci: number): PackedWeights {
  const { MR } = rt.driver;
  const W = rt.winograd.W;
  const mPad = Math.ceil(Co / MR) * MR,
    packSize = rt.winograd.skew(mPad * Ci);
  const aP = rt.alloc(P * packSize);
  const mark = rt.mark();
  const wP = rt.alloc(mPad * Ci * 27);
  const h = rt.heap();
  h.set(w, wP);
  h.fill(0, wP + w.length, wP + mPad * Ci * 27);
  const job = newJob(rt);
  const groups = mPad / MR,
    per = Math.ceil(groups / (4 * kernelThreads()));
  job[W.KIND] = rt.winograd.KIND_WEIGHTS;
  job[W.WSRC] = wP;
  job[W.CO] = Co;
  job[W.CI] = Ci;
  job[W.APACK] = aP;
  job[W.PACKSIZE] = packSize;
  job[W.MPAD] = mPad;
  job[W.GROUPSPERCHUNK] = per;
  job[W.NCOGROUPS] = groups;
  job[W.NCHUNKS] = Math.ceil(groups / per);
  runJob(rt, job);
  rt.release(mark);
  return { aP, packSize, mPad };
}

/** The heap layout of one call: padded input and output boxes, tile groups, blocks, per-thread scratch. */
export interface Boxes {
  /** Tile rows per d-plane (tiles cover 2 outputs per dim), groups of four w-adjacent tiles per tile row, in all. */
  tH: number;
  gpr: number;
  nGroups: number;
  /**
   * Zero-padded input box, tile (0,0,0) at the corner, laid out [d][h][channel][w]: a channel's rows
   * are xCh floats apart, h rows xRow, d planes xPlane. Interleaving the channels row by row keeps
   * the 16 rows a tile group reads each a sequential stream over the channels (prefetched), where
   * channel-major boxes made every channel's rows fresh cache misses (the input transform ran 10x
   * slower than in cache).
   */
  xSize: number;
  xCh: number;
  xPlane: number;
  xRow: number;
  /** Output (or dy) box, 2 tD x 2 tH x 8 gpr per channel, laid out [d][h][channel][w] likewise. */
  ySize: number;
  yCh: number;
  yPlane: number;
  yRow: number;
}

/** The tile counts and box strides of a Winograd geometry (forward and weight gradient share them). */
export function boxesOf(g: Conv3dGeometry): Boxes {
  const tD = Math.ceil(g.outD / 2),
    tH = Math.ceil(g.outH / 2),
    gpr = Math.ceil(Math.ceil(g.outW / 2) / 4);
  const xCh = 8 * gpr + 2,
    xRow = g.inChannels * xCh,
    xPlane = (2 * tH + 2) * xRow;
  const yCh = 8 * gpr,
    yRow = g.outChannels * yCh,
    yPlane = 2 * tH * yRow;
  return {
    tH,
    gpr,
    nGroups: tD * tH * gpr,
    xSize: (2 * tD + 2) * xPlane,
    xCh,
    xPlane,
    xRow,
    ySize: 2 * tD * yPlane,
    yCh,
    yPlane,
    yRow,
  };
}

/** The heap layout of one call: the boxes (at xP, yP), block and chunk counts, per-thread scratch. */
interface Layout extends Boxes {
  xP: number;
  yP: number;
  /** One batch item of x on the way in, or of y on the way out, in NCDHW order. */
  stage: number;
  /** Batch items per job (each with its own boxes, xSize and ySize floats apart) and chunks per item. */
  items: number;
  chunksPerItem: number;
  gpb: number;
  nSplit: number;
  coSplit: number;
  vBase: number;
  vStride: number;
}

/**
 * Block size: tiles per block near Co*Ci / (2 (Ci + Co)), where re-reading the packed weights once
 * per block costs about what the block's own transformed data costs, within 16-128 tiles and 8 MiB
 * per thread. When a job (all its batch items) has fewer blocks than 2 per thread, blocks split their
 * output channels too. A job holds as many batch items as fit 64 MiB of boxes.
 */
function layOut(rt: Runtime, g: Conv3dGeometry, maxTiles: number): Layout {
  const { MR, NR } = rt.driver;
  const Ci = g.inChannels,
    Co = g.outChannels;
  const boxes = boxesOf(g),
    { nGroups, xSize, ySize } = boxes;
  const ideal = Math.max(16, Math.min(128, Math.round((Co * Ci) / (2 * (Ci + Co)))));
  let gpb = Math.max(1, Math.floor(Math.min(ideal, maxTiles) / 4));
  while (gpb > 1 && P * (Ci + Co) * Math.ceil(gpb / 2) * NR > BLOCK_FLOATS) gpb--;
  if (gpb > 1) gpb &= ~1;
  const nBlocks = Math.ceil(nGroups / gpb);
  const items = Math.max(1, Math.min(g.batch, Math.floor(BOX_FLOATS / (xSize + ySize))));
  const mPad = Math.ceil(Co / MR) * MR;
  let nSplit = 1;
  while (items * nBlocks * nSplit < 2 * kernelThreads() && mPad / (2 * nSplit) >= 16) nSplit *= 2;
  const coSplit = Math.ceil(mPad / nSplit / MR) * MR;
  nSplit = Math.ceil(Co / coSplit);
  const xP = rt.alloc(items * xSize),
    yP = rt.alloc(items * ySize),
    stage = rt.alloc(Math.max(Ci * g.inVolume, Co * g.outVolume));
  const nbPad = Math.ceil(gpb / 2) * NR,
    skew = rt.winograd.skew;
  const vStride = P * (skew(Ci * nbPad) + skew(coSplit * nbPad));
  const vBase = rt.alloc(vStride * rt.maxThreads);
  return {
    ...boxes,
    xP,
    yP,
    stage,
    items,
    chunksPerItem: nBlocks * nSplit,
    gpb,
    nSplit,
    coSplit,
    vBase,
    vStride,
  };
}

/** The conv job descriptor (one chunk per block and output-channel split); bias copied into the heap. */
function convJob(rt: Runtime, g: Conv3dGeometry, u: PackedWeights, lay: Layout, bias: Float32Array | null): Int32Array {
  const W = rt.winograd.W;
  const job = newJob(rt);
  let bP = -1;
  if (bias) {
    bP = rt.alloc(g.outChannels);
    rt.heap().set(bias, bP);
  }
  job[W.KIND] = rt.winograd.KIND_CONV;
  job[W.CO] = g.outChannels;
  job[W.CI] = g.inChannels;
  job[W.APACK] = u.aP;
  job[W.PACKSIZE] = u.packSize;
  job[W.MPAD] = u.mPad;
  job[W.XP] = lay.xP;
  job[W.XPCH] = lay.xCh;
  job[W.XPPLANE] = lay.xPlane;
  job[W.XPROW] = lay.xRow;
  job[W.YP] = lay.yP;
  job[W.YPCH] = lay.yCh;
  job[W.YPPLANE] = lay.yPlane;
  job[W.YPROW] = lay.yRow;
  job[W.TH] = lay.tH;
  job[W.GPR] = lay.gpr;
  job[W.NGROUPS] = lay.nGroups;
  job[W.GPB] = lay.gpb;
  job[W.NCOSPLIT] = lay.nSplit;
  job[W.COSPLIT] = lay.coSplit;
  job[W.VBASE] = lay.vBase;
  job[W.VSTRIDE] = lay.vStride;
  job[W.BIAS] = bP;
  job[W.XPITEM] = lay.xSize;
  job[W.YPITEM] = lay.ySize;
  return job;
}

/** The input extent inside a box: planes, rows and row length copyInPadded fills (the rest is padding). */
function interior(g: Conv3dGeometry, lay: Boxes): { dEnd: number; hEnd: number; wLen: number } {
  return {
    dEnd: Math.min(g.inD, lay.xSize / lay.xPlane - g.padD),
    hEnd: Math.min(g.inH, lay.xPlane / lay.xRow - g.padH),
    wLen: Math.min(g.inW, lay.xCh - g.padW),
  };
}

/**
 * Zeroes the padding of input box `box` (what copyInPadded never writes): whole planes and rows
 * outside the input, and each channel row's left and right margins (from the heap's permanent
 * zero floats 0..15), instead of clearing the whole box on every call.
 */
function zeroPadding(rt: Runtime, g: Conv3dGeometry, lay: Layout, box: number): void {
  const h = rt.heap(),
    base = lay.xP + box * lay.xSize;
  const Dp = lay.xSize / lay.xPlane,
    Hp = lay.xPlane / lay.xRow;
  const { dEnd, hEnd, wLen } = interior(g, lay);
  const right = lay.xCh - g.padW - wLen;
  for (let d = 0; d < Dp; d++) {
    const plane = base + d * lay.xPlane;
    if (d < g.padD || d >= g.padD + dEnd) {
      h.fill(0, plane, plane + lay.xPlane);
      continue;
    }
    for (let r = 0; r < Hp; r++) {
      const row = plane + r * lay.xRow;
      if (r < g.padH || r >= g.padH + hEnd) {
        h.fill(0, row, row + lay.xRow);
        continue;
      }
      for (const [at, len] of [
        [row, g.padW],
        [row + g.padW + wLen, right],
      ]) {
        if (len <= 0) continue;
        if (len <= 16) rt.wasm.copyRows(at * 4, lay.xCh * 4, 0, 0, g.inChannels, len);
        else for (let c = 0; c < g.inChannels; c++) h.fill(0, at + c * lay.xCh, at + c * lay.xCh + len);
      }
    }
  }
}

/**
 * Batch item `n` of x into the padded input box (its padding was zeroed once per call): one copy
 * into the heap at `lay.stage`, then the wasm row copier re-lays it, one call per (d, h) row.
 */
export function copyInPadded(
  rt: Runtime,
  x: Float32Array,
  n: number,
  g: Conv3dGeometry,
  lay: Boxes & { xP: number; stage: number },
  box: number,
): void {
  const H = g.inH,
    Wd = g.inW,
    item = g.inChannels * g.inVolume;
  rt.heap().set(x.subarray(n * item, (n + 1) * item), lay.stage);
  // Input rows and columns past the box are never read by a tile.
  const { dEnd, hEnd, wLen } = interior(g, lay);
  for (let id = 0; id < dEnd; id++) {
    for (let ih = 0; ih < hEnd; ih++) {
      const dst = lay.xP + box * lay.xSize + (id + g.padD) * lay.xPlane + (ih + g.padH) * lay.xRow + g.padW,
        src = lay.stage + (id * H + ih) * Wd;
      rt.wasm.copyRows(dst * 4, lay.xCh * 4, src * 4, g.inVolume * 4, g.inChannels, wLen);
    }
  }
}

/** The output boxes of batch item `n`, cropped and re-laid as [channel][d][h][w] at `lay.stage`, into y. */
function copyOutCropped(rt: Runtime, y: Float32Array, n: number, g: Conv3dGeometry, lay: Layout, box: number): void {
  const oH = g.outH,
    oW = g.outW,
    oS = g.outVolume,
    size = g.outChannels * oS;
  for (let od = 0; od < g.outD; od++)
    for (let oh = 0; oh < oH; oh++) {
      const src = lay.yP + box * lay.ySize + od * lay.yPlane + oh * lay.yRow,
        dst = lay.stage + (od * oH + oh) * oW;
      rt.wasm.copyRows(dst * 4, oS * 4, src * 4, lay.yCh * 4, g.outChannels, oW);
    }
  y.set(rt.heap().subarray(lay.stage, lay.stage + size), n * size);
}
