// conv3d's weight gradient by Winograd F(2x2x2, 3x3x3), the adjoint of winograd.ts's forward:
// dU[t] = sum over tiles of (A dy A^T)[t] x (B^T x B)[t]^T, 64 products [Cout x tiles] x [tiles x Cin]
// on the threaded GEMM, then dW = G^T dU G per (Cout, Cin) pair. 3.4x fewer multiplications than
// dy x im2col(x)^T, and no im2col packing, which dominates the direct path at small channel counts.
// The transforms, and the packing of each point's M for the products, are one threaded job per tile
// chunk (winograd-driver.ts's gradChunk). Imports only this folder and the geometry type.
import type { Conv3dGeometry } from '../../../tensor/geometry.js';
import { newJob, runDenseProduct } from './gemm.js';
import { boxesOf, checkWinogradArgs, copyInPadded, winogradQualifies, type Boxes } from './winograd.js';
import { getRuntime, type Runtime } from './runtime.js';
import { kernelThreads, runJob } from './threads.js';
import { takeZeroed } from '../array-pool.js';

const P = 64;
/** One tile chunk's transformed input and dy (and dy's packed copy) stay under this many floats (32 MiB). */
const CHUNK_FLOATS = 1 << 23;

/**
 * Whether {@link conv3dGradWeightWinograd} is expected to beat the direct weight gradient: a
 * Winograd geometry with at least 4 input channels and 64 tiles over the batch. Measured against the
 * direct path (2 threads): 1.6-4.4x on the demo's layers with 4-32 channels at batch 16, 1.4-2.0x on
 * C3D's conv2/conv3a shapes; 0.8x with 3 input channels, 0.9x on conv5 (16 tiles for 512x512 weights).
 */
export function winogradGradWeightQualifies(g: Conv3dGeometry): boolean {
  const tiles = Math.ceil(g.outD / 2) * Math.ceil(g.outH / 2) * Math.ceil(g.outW / 2);
  return winogradQualifies(g) && g.inChannels >= 4 && g.batch * tiles >= 64;
}

/** Heap layout of one call: the padded boxes of one batch item, a tile chunk, dU. */
interface GradLayout extends Boxes {
  /** The x box (zero padded) and the dy box (zero beyond the output), one batch item each. */
  xP: number;
  yP: number;
  stage: number;
  /** Tile groups per chunk, and the chunk's V[t] [Cin x tiles] and M[t] [Cout x tiles] point strides. */
  gpc: number;
  v: number;
  vt: number;
  m: number;
  mt: number;
  /** Each point's M[t] packed for the macro-kernel (mPad rows), `apt` floats apart. */
  aP: number;
  apt: number;
  mPad: number;
  /** dU[t] [Cout x ciPad] at dU + t * dUt. */
  dU: number;
  dUt: number;
  ciPad: number;
}

function layOut(rt: Runtime, g: Conv3dGeometry, maxGroups: number): GradLayout {
  const Ci = g.inChannels,
    Co = g.outChannels,
    { MR } = rt.driver,
    skew = rt.winograd.skew;
  const boxes = boxesOf(g),
    { nGroups, xSize, ySize } = boxes;
  const mPad = Math.ceil(Co / MR) * MR;
  const gpc = Math.max(1, Math.min(nGroups, maxGroups, Math.floor(CHUNK_FLOATS / (P * 4 * (Ci + Co + mPad)))));
  const tiles = 4 * gpc,
    ciPad = Math.ceil(Ci / 4) * 4;
  const vt = skew(Ci * tiles),
    mt = skew(Co * tiles),
    apt = skew(mPad * tiles),
    dUt = skew(Co * ciPad);
  // Reserve the whole call's heap now so it never grows the memory while a view is held (a
  // non-shared memory's views detach on growth).
  const mark = rt.mark();
  const stage = Math.max(Ci * g.inVolume, Co * g.outVolume);
  rt.alloc(xSize + ySize + stage + P * (vt + mt + apt + dUt) + Co * Ci * 27 + 1024);
  rt.release(mark);
  return {
    ...boxes,
    xP: rt.alloc(xSize),
    yP: rt.alloc(ySize),
    stage: rt.alloc(stage),
    gpc,
    v: rt.alloc(P * vt),
    vt,
    m: rt.alloc(P * mt),
    mt,
    aP: rt.alloc(P * apt),
    apt,
    mPad,
    dU: rt.alloc(P * dUt),
    dUt,
    ciPad,
  };
}

/**
 * dL/dw of conv3d for a 3x3x3, stride-1, dilation-1 geometry (the ones winogradQualifies admits), by
 * Winograd F(2,3): x [N,Cin,D,H,W], dy [N,Cout,oD,oH,oW] -> [Cout,Cin,3,3,3]. Float32 sums over
 * tiles, as the direct path sums over positions; within 1e-5 of max |dw| against float64 loops.
 * `maxGroupsPerChunk` (groups of four tiles) lowers the chunk size (tests).
 */
export function conv3dGradWeightWinograd(
  x: Float32Array,
  dy: Float32Array,
  g: Conv3dGeometry,
  maxGroupsPerChunk = Infinity,
): Float32Array {
  checkWinogradArgs('conv3dGradWeightWinograd', g, [
    ['x', x, g.inputSize],
    ['dy', dy, g.outputSize],
  ]);
  const Ci = g.inChannels,
    Co = g.outChannels;
  const dw = takeZeroed(g.weightSize);
  if (g.batch === 0 || g.outVolume === 0 || dw.length === 0) return dw;
  const rt = getRuntime();
  rt.reset();
  const lay = layOut(rt, g, maxGroupsPerChunk);
  // dw rows of the last output channel's last group may spill 4 x 27 floats past the end.
  const dwP = rt.alloc(Co * Ci * 27 + 4 * 27);
  const h = rt.heap();
  h.fill(0, lay.xP, lay.xP + lay.xSize);
  h.fill(0, lay.yP, lay.yP + lay.ySize);
  const job = newJob(rt);
  const nGroups = lay.nGroups;
  let first = true;
  for (let n = 0; n < g.batch; n++) {
    copyBoxes(rt, x, dy, n, g, lay);
    for (let g0 = 0; g0 < nGroups; g0 += lay.gpc) {
      const ng = Math.min(lay.gpc, nGroups - g0);
      transformChunk(rt, g, lay, g0, ng);
      // dU[t] [Co x Ci] (+)= M[t] [Co x tiles] x V[t]^T (V[t] stored [Ci x tiles]), all 64 points in one job.
      runDenseProduct(
        rt,
        job,
        Co,
        Ci,
        4 * ng,
        { aPack: lay.aP, b: lay.v, bTrans: true, bLd: 4 * ng, c: lay.dU, ldc: lay.ciPad, accumulate: !first },
        { count: P, a: lay.apt, b: lay.vt, c: lay.dUt },
      );
      first = false;
    }
  }
  for (let co = 0; co < Co; co++)
    rt.wasm.winoWeightsGrad((dwP + co * Ci * 27) * 4, (lay.dU + co * lay.ciPad) * 4, lay.ciPad / 4, lay.dUt * 4);
  dw.set(rt.heap().subarray(dwP, dwP + Co * Ci * 27));
  return dw;
}

/** Batch item n of x into the zero-padded x box (as the forward does), and of dy into the dy box, via the stage. */
function copyBoxes(
  rt: Runtime,
  x: Float32Array,
  dy: Float32Array,
  n: number,
  g: Conv3dGeometry,
  lay: GradLayout,
): void {
  copyInPadded(rt, x, n, g, lay, 0);
  const Co = g.outChannels,
    w = rt.wasm;
  rt.heap().set(dy.subarray(n * Co * g.outVolume, (n + 1) * Co * g.outVolume), lay.stage);
  for (let od = 0; od < g.outD; od++)
    for (let oh = 0; oh < g.outH; oh++) {
      const dst = lay.yP + od * lay.yPlane + oh * lay.yRow,
        src = lay.stage + (od * g.outH + oh) * g.outW;
      w.copyRows(dst * 4, lay.yCh * 4, src * 4, g.outVolume * 4, Co, g.outW);
    }
}

/**
 * V = B^T x B and M = A dy A^T of tile groups g0..g0+ng, each channel's tiles contiguous per point,
 * and every point's M packed for the products: one job, its chunks a few input channels or MR
 * output channels each (several per thread, so a slower core takes fewer).
 */
function transformChunk(rt: Runtime, g: Conv3dGeometry, lay: GradLayout, g0: number, ng: number): void {
  const { GR, KIND_GRAD } = rt.winograd;
  const Ci = g.inChannels,
    Co = g.outChannels;
  const job = new Int32Array(rt.desc.length);
  const ciPer = Math.max(1, Math.ceil(Ci / (4 * kernelThreads()))),
    nIn = Math.ceil(Ci / ciPer);
  job[GR.KIND] = KIND_GRAD;
  job[GR.NINCHUNKS] = nIn;
  job[GR.NCHUNKS] = nIn + Math.ceil(Co / rt.driver.MR);
  job[GR.CIPER] = ciPer;
  job[GR.CI] = Ci;
  job[GR.CO] = Co;
  job[GR.GG0] = g0;
  job[GR.GNG] = ng;
  job[GR.TH] = lay.tH;
  job[GR.GPR] = lay.gpr;
  job[GR.XP] = lay.xP;
  job[GR.XPCH] = lay.xCh;
  job[GR.XPPLANE] = lay.xPlane;
  job[GR.XPROW] = lay.xRow;
  job[GR.YP] = lay.yP;
  job[GR.YPCH] = lay.yCh;
  job[GR.YPPLANE] = lay.yPlane;
  job[GR.YPROW] = lay.yRow;
  job[GR.VBASE] = lay.v;
  job[GR.VT] = lay.vt;
  job[GR.GMBASE] = lay.m;
  job[GR.GMT] = lay.mt;
  job[GR.APACK] = lay.aP;
  job[GR.APT] = lay.apt;
  job[GR.MPAD] = lay.mPad;
  runJob(rt, job);
}
