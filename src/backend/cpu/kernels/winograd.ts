// Winograd F(2x2x2, 3x3x3) conv3d forward for 3x3x3 kernels, stride 1, dilation 1: each 4x4x4
// input tile gives 2x2x2 outputs with 64 element-wise products per (Cin, Cout) pair instead of
// 216 multiply-adds. This file lays the call out in the kernel heap (zero-padded input, transformed
// weights, padded output, per-thread block scratch) and runs two jobs on the kernel threads:
// the weight transform, then tile blocks that each do input transform -> 64 products -> output
// transform in one core's cache (winograd-driver.ts; the SIMD transforms in winograd-module.ts).
// Forward only: the gradients stay on the direct path in conv3d.ts. Imports only this folder and the geometry type.
import type { Conv3dGeometry } from '../../../tensor/geometry.js';
import { newJob } from './gemm.js';
import { getRuntime, type Runtime } from './runtime.js';
import { kernelThreads, runJob } from './threads.js';

/** The tile transform points: 4x4x4 = 64 per tile. */
const P = 64;
/** A block's transformed input and products stay under this many floats (8 MiB) per thread. */
const BLOCK_FLOATS = 1 << 21;

/**
 * Whether {@link conv3dForwardWinograd} computes this geometry (3x3x3, stride 1, dilation 1) and
 * is expected to beat the direct GEMM: enough channels that the JS transforms and the per-call
 * weight transform are paid back by the 3.4x fewer multiplications (measured in bench/winograd.ts).
 */
export function winogradQualifies(g: Conv3dGeometry): boolean {
  if (!winogradComputes(g)) return false;
  return g.inChannels >= 32 && g.outChannels >= 32 && g.batch * g.outVolume >= 512;
}

function winogradComputes(g: Conv3dGeometry): boolean {
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
 * the 64 packed transformed weight matrices (64/27 of the weights), one batch item's zero-padded
 * input and padded output, and per thread one block of tiles' transformed input and products (at
 * most 8 MiB). `maxTilesPerChunk` lowers the block size (tests). With `relu`, max(0, y) is applied
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
  checkWinogradArgs(x, w, g);
  const Ci = g.inChannels,
    Co = g.outChannels,
    oS = g.outVolume;
  const y = new Float32Array(g.outputSize);
  if (y.length === 0) return y;
  if (Ci === 0) {
    if (bias)
      for (let n = 0; n < g.batch; n++)
        for (let c = 0; c < Co; c++) y.fill(relu ? reluOf(bias[c]) : bias[c], (n * Co + c) * oS, (n * Co + c + 1) * oS);
    return y;
  }
  const rt = getRuntime();
  rt.reset();
  const weights = transformWeights(rt, w, Co, Ci);
  const lay = layOut(rt, g, maxTilesPerChunk);
  const job = convJob(rt, g, weights, lay, bias);
  job[rt.winograd.W.RELU] = relu ? 1 : 0;
  const h = rt.heap();
  h.fill(0, lay.xP, lay.xP + Ci * lay.xCh);
  for (let n = 0; n < g.batch; n++) {
    copyInPadded(rt, x, n, g, lay);
    runJob(rt, job);
    copyOutCropped(rt, y, n, g, lay);
  }
  return y;
}

const reluOf = (v: number): number => (v > 0 ? v : 0);

function checkWinogradArgs(x: Float32Array, w: Float32Array, g: Conv3dGeometry): void {
  const fn = 'conv3dForwardWinograd';
  if (!winogradComputes(g)) {
    const got =
      `kernel ${g.kD}x${g.kH}x${g.kW}, stride ${g.strideD}x${g.strideH}x${g.strideW}, ` +
      `dilation ${g.dilationD}x${g.dilationH}x${g.dilationW}`;
    throw new Error(`${fn}: g must be a 3x3x3 kernel with stride 1 and dilation 1, got ${got}`);
  }
  for (const [name, arr, want] of [
    ['x', x, g.inputSize],
    ['w', w, g.weightSize],
  ] as const) {
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
    packSize = mPad * Ci;
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
interface Layout {
  /** Zero-padded input: Ci boxes of xCh floats (planes xPlane, rows xRow), tile (0,0,0) at the corner. */
  xP: number;
  xCh: number;
  xPlane: number;
  xRow: number;
  /** Output box per channel: 2 tD x 2 tH x 8 gpr floats, cropped to the output on the way out. */
  yP: number;
  yCh: number;
  yPlane: number;
  yRow: number;
  tH: number;
  /** Groups of four w-adjacent tiles per tile row, in all, per block. */
  gpr: number;
  nGroups: number;
  gpb: number;
  nSplit: number;
  coSplit: number;
  vBase: number;
  vStride: number;
}

/**
 * Block size: tiles per block near Co*Ci / (2 (Ci + Co)), where re-reading the packed weights once
 * per block costs about what the block's own transformed data costs, within 16-128 tiles and 8 MiB
 * per thread. When there are fewer blocks than 2 per thread, blocks split their output channels too.
 */
function layOut(rt: Runtime, g: Conv3dGeometry, maxTiles: number): Layout {
  const { MR, NR } = rt.driver;
  const Ci = g.inChannels,
    Co = g.outChannels;
  const tD = Math.ceil(g.outD / 2),
    tH = Math.ceil(g.outH / 2),
    gpr = Math.ceil(Math.ceil(g.outW / 2) / 4);
  const nGroups = tD * tH * gpr;
  const ideal = Math.max(16, Math.min(128, Math.round((Co * Ci) / (2 * (Ci + Co)))));
  let gpb = Math.max(1, Math.floor(Math.min(ideal, maxTiles) / 4));
  while (gpb > 1 && P * (Ci + Co) * Math.ceil(gpb / 2) * NR > BLOCK_FLOATS) gpb--;
  if (gpb > 1) gpb &= ~1;
  const nBlocks = Math.ceil(nGroups / gpb);
  const mPad = Math.ceil(Co / MR) * MR;
  let nSplit = 1;
  while (nBlocks * nSplit < 2 * kernelThreads() && mPad / (2 * nSplit) >= 16) nSplit *= 2;
  const coSplit = Math.ceil(mPad / nSplit / MR) * MR;
  nSplit = Math.ceil(Co / coSplit);
  const xRow = 8 * gpr + 2,
    xPlane = (2 * tH + 2) * xRow,
    xCh = (2 * tD + 2) * xPlane;
  const yRow = 8 * gpr,
    yPlane = 2 * tH * yRow,
    yCh = 2 * tD * yPlane;
  const xP = rt.alloc(Ci * xCh),
    yP = rt.alloc(Co * yCh);
  const vStride = Math.ceil((P * (Ci + coSplit) * Math.ceil(gpb / 2) * NR) / 16) * 16;
  const vBase = rt.alloc(vStride * rt.maxThreads);
  return { xP, xCh, xPlane, xRow, yP, yCh, yPlane, yRow, tH, gpr, nGroups, gpb, nSplit, coSplit, vBase, vStride };
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
  job[W.NCHUNKS] = Math.ceil(lay.nGroups / lay.gpb) * lay.nSplit;
  return job;
}

/** Batch item `n` of x into the padded input box (its padding was zeroed once per call). */
function copyInPadded(rt: Runtime, x: Float32Array, n: number, g: Conv3dGeometry, lay: Layout): void {
  const h = rt.heap();
  const D = g.inD,
    H = g.inH,
    Wd = g.inW;
  // Input rows and columns past the box are never read by a tile.
  const dEnd = Math.min(D, lay.xCh / lay.xPlane - g.padD),
    hEnd = Math.min(H, lay.xPlane / lay.xRow - g.padH),
    wLen = Math.min(Wd, lay.xRow - g.padW);
  let src = n * g.inChannels * g.inVolume;
  for (let ci = 0; ci < g.inChannels; ci++, src += g.inVolume) {
    for (let id = 0; id < dEnd; id++) {
      for (let ih = 0; ih < hEnd; ih++) {
        const s = src + (id * H + ih) * Wd,
          dst = lay.xP + ci * lay.xCh + (id + g.padD) * lay.xPlane + (ih + g.padH) * lay.xRow + g.padW;
        h.set(x.subarray(s, s + wLen), dst);
      }
    }
  }
}

/** The output boxes of batch item `n`, cropped to the output size, into y. */
function copyOutCropped(rt: Runtime, y: Float32Array, n: number, g: Conv3dGeometry, lay: Layout): void {
  const h = rt.heap();
  const Co = g.outChannels,
    oD = g.outD,
    oH = g.outH,
    oW = g.outW;
  const base = n * Co * g.outVolume;
  if (lay.yRow === oW && lay.yPlane === oH * oW && lay.yCh === g.outVolume) {
    y.set(h.subarray(lay.yP, lay.yP + Co * g.outVolume), base);
    return;
  }
  for (let co = 0; co < Co; co++)
    for (let od = 0; od < oD; od++)
      for (let oh = 0; oh < oH; oh++) {
        const s = lay.yP + co * lay.yCh + od * lay.yPlane + oh * lay.yRow;
        y.set(h.subarray(s, s + oW), base + ((co * oD + od) * oH + oh) * oW);
      }
}
